/**
 * The live run: controls, the settings form, and per-CPU counters read from
 * the shared memory every frame (written to the DOM directly; React renders the table's
 * structure only when the run changes).
 */
import { useEffect, useRef, useState } from 'react';
import {
  bufferCounters,
  cpuCounters,
  readBufferCounters,
  readCpuCounters,
  type BufferCounters,
  type CpuAccounting,
  type CpuCounters,
} from '../../engine/index.ts';
import { onFrame } from '../../lib/frameLoop.ts';
import { setText } from '../../lib/text.ts';
import { countRender } from '../../lib/renderCount.ts';
import { formatCount } from '../../lib/format.ts';
import { NumberOptions } from '../common/NumberOptions.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import { TimeTravel } from '../timetravel/TimeTravel.tsx';
import { useAppStore, useAppStoreApi, type AppStore, type ChannelOp, type RunMode, useLiveRun } from '../../store/index.ts';

interface Column {
  key: string;
  label: string;
  title: string;
  /** The cell's number, from the CPU's counters and its buffer's (all 0 for a CPU with none). */
  read: (cpu: CpuCounters, buf: BufferCounters) => number;
}

const SPEEDS = [0.01, 0.1, 1, 10] as const;

export function LivePanel() {
  countRender('LivePanel');
  const status = useAppStore((s) => s.liveStatus);
  const error = useAppStore((s) => s.liveError);
  const fallback = useAppStore((s) => s.liveFallback);
  const generation = useAppStore((s) => s.liveGeneration);
  const speed = useAppStore((s) => s.liveSpeed);
  const accounting = useAppStore((s) => s.liveAccounting);
  const mode = useAppStore((s) => s.liveMode);
  const store = useAppStoreApi();
  const run = useLiveRun();
  const deterministic = run !== null && run.kind === 'deterministic';

  return (
    <section className="card" aria-labelledby="live-heading">
      <h2 id="live-heading">Live run</h2>
      <p className="explanation">
        Producer workers write self-describing records into per-CPU relay buffers in one SharedArrayBuffer while reader
        workers read them back with read(2) or mmap, sleeping in poll until a produced sub-buffer wakes them.
      </p>
      <SettingsForm key={generation} />
      <div className="controls" role="group" aria-label="Run controls">
        <label>
          Mode{' '}
          <select data-testid="live.mode" value={mode} onChange={(e) => store.getState().setLiveMode(e.target.value as RunMode)}>
            <option value="live">live (workers, real time)</option>
            <option value="deterministic">deterministic (virtual time, stepped)</option>
          </select>
        </label>
        {deterministic ? (
          <>
            <button type="button" data-testid="live.step.event" onClick={() => store.getState().stepLive({ kind: 'event' })}>
              Step event
            </button>
            <button type="button" data-testid="live.step.switch" onClick={() => store.getState().stepLive({ kind: 'switch' })}>
              Next switch
            </button>
            <button type="button" data-testid="live.step.time" onClick={() => store.getState().stepLive({ kind: 'time', seconds: 0.01 })}>
              +10 ms
            </button>
          </>
        ) : (
          <>
            <button type="button" data-testid="live.pause" disabled={status !== 'running'} onClick={() => void store.getState().pauseLive()}>
              Pause
            </button>
            <button type="button" data-testid="live.resume" disabled={status !== 'paused'} onClick={() => store.getState().resumeLive()}>
              Resume
            </button>
          </>
        )}
        <button type="button" data-testid="live.stop" disabled={status === 'idle'} onClick={() => store.getState().stopLive()}>
          Stop
        </button>
        <label>
          Speed{' '}
          <select
            data-testid="live.speed"
            value={speed}
            onChange={(e) => void store.getState().setLiveSpeed(Number(e.target.value))}
          >
            {SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}x
              </option>
            ))}
          </select>
        </label>
        <span className="status" data-testid="live.status">
          {status}
        </span>
        <VirtualTime />
      </div>
      {run !== null && status !== 'failed' && <ChannelOps cpus={run.config.channel.cpus} />}
      {deterministic && <TimeTravel />}
      <Shortcuts />
      <DropAnnouncer />
      {fallback !== null && (
        <p className="banner" role="status" data-testid="live.banner">
          Running on one thread: {fallback}. The engine and its counters are the same; producers and readers take turns
          instead of racing.
        </p>
      )}
      {error !== null && (
        <div className="error" role="alert" data-testid="live.error">
          <p>The run stopped: {error}</p>
          <button type="button" data-testid="live.restart" onClick={() => store.getState().startLive()}>
            Restart
          </button>
        </div>
      )}
      {run !== null && status !== 'failed' && (
        <>
          <p className="meta" data-testid="live.workers">
            {run.kind === 'workers'
              ? `${run.producerWorkers} producer worker${run.producerWorkers === 1 ? '' : 's'} and ${run.readerWorkers} reader worker${run.readerWorkers === 1 ? '' : 's'}`
              : run.kind === 'deterministic'
                ? `deterministic: one thread in virtual time, seed ${store.getState().liveSeed}`
                : 'one thread (no workers)'}
          </p>
          <CounterTable key={generation} cpus={run.config.channel.cpus} />
        </>
      )}
      {accounting !== null && <AccountingTable rows={accounting} title={deterministic ? 'Accounting now' : 'Accounting at the pause'} />}
    </section>
  );
}

const COLUMNS: Column[] = [
  { key: 'written', label: 'written', title: 'records the producer wrote', read: (c) => c.written },
  { key: 'read', label: 'read', title: 'records read back intact', read: (c) => c.readIntact },
  { key: 'full', label: 'full', title: 'dropped: the buffer was full (no-overwrite)', read: (c) => c.droppedFull },
  { key: 'toobig', label: 'too big', title: 'dropped: larger than a sub-buffer', read: (c) => c.droppedToobig },
  { key: 'overwritten', label: 'overwritten', title: 'lapped by the writer before they were read', read: (c) => c.overwritten },
  { key: 'produced', label: 'produced', title: 'subbufs_produced: sub-buffers produced', read: (_, b) => b.subbufsProduced },
  { key: 'consumed', label: 'consumed', title: 'subbufs_consumed: sub-buffers consumed', read: (_, b) => b.subbufsConsumed },
  { key: 'ready', label: 'ready', title: 'subbufs_produced - subbufs_consumed: what an mmap reader may process', read: (_, b) => b.ready },
  { key: 'wakeups', label: 'wakeups', title: 'productions that woke a sleeping reader', read: (c) => c.wakeups },
  { key: 'nosleeper', label: 'no sleeper', title: 'productions with nobody asleep in poll', read: (c) => c.noSleeper },
  { key: 'bytes', label: 'bytes written', title: 'bytes of the records that landed', read: (c) => c.bytes },
  { key: 'bytesread', label: 'bytes read', title: 'bytes of the records read back', read: (c) => c.bytesRead },
  { key: 'padding', label: 'padding', title: 'padding bytes of the sub-buffers the writes produced', read: (c) => c.padding },
  { key: 'fullcount', label: 'full_count', title: 'full_count: times the start step found the buffer full', read: (_, b) => b.fullCount },
  { key: 'bigcount', label: 'big_count', title: 'big_count: records too big for a sub-buffer', read: (_, b) => b.bigCount },
  { key: 'isize', label: 'i_size', title: "i_size: the relay file's size, data bytes of produced sub-buffers", read: (_, b) => b.iSize },
  { key: 'lag', label: 'lag ms', title: "the last record's age when read", read: (c) => c.lagUs / 1000 },
];

/** Per-CPU counters, written straight into the cells each frame. */
function CounterTable({ cpus }: { cpus: number }) {
  countRender('CounterTable');
  const store = useAppStoreApi();
  const body = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    const cells = body.current ? Array.from(body.current.querySelectorAll<HTMLTableCellElement>('td[data-col]')) : [];
    const bound = cells.map((cell) => ({ cell, col: COLUMNS.find((c) => c.key === cell.dataset.col), cpu: cell.dataset.cpu, row: cell.parentElement }));
    // The number each cell shows: a cell is formatted and written only when it changes.
    const shown = new Float64Array(bound.length).fill(NaN);
    // With many CPUs, rows scrolled out of sight wait until they are seen again: at 64 CPUs most
    // of the table is. A small table is written whole, in view or not.
    const hidden = new Set<Element>();
    const watch = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting) hidden.delete(e.target);
        else hidden.add(e.target);
      }
    });
    if (cpus > 16) for (const tr of body.current?.rows ?? []) watch.observe(tr);
    // Each CPU's counters and its buffer's, read once a frame into objects made here.
    const counters = Array.from({ length: cpus }, () => cpuCounters());
    const buffers = Array.from({ length: cpus }, () => bufferCounters());
    const stop = onFrame('counters', () => {
      const run = store.getState().liveRun();
      if (run === null) return;
      for (let c = 0; c < cpus; c++) {
        readCpuCounters(run.stats, c, counters[c]);
        // A global buffer is every CPU's: it shows on CPU 0.
        readBufferCounters(run.chan.isGlobal && c > 0 ? null : run.chan.buf(c), buffers[c]);
      }
      bound.forEach(({ cell, col, cpu, row }, k) => {
        if (col === undefined || cpu === undefined || (row !== null && hidden.has(row))) return;
        let value = 0;
        if (cpu === 'total') for (let c = 0; c < cpus; c++) value += col.read(counters[c], buffers[c]);
        else value = col.read(counters[Number(cpu)], buffers[Number(cpu)]);
        if (value === shown[k]) return;
        shown[k] = value;
        setText(cell, col.key === 'lag' ? value.toFixed(1) : formatCount(value));
      });
    });
    return () => {
      stop();
      watch.disconnect();
    };
  }, [cpus, store]);

  const rows = [...Array.from({ length: cpus }, (_, c) => String(c)), 'total'];
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Per-CPU counters">
      <table className="counters" data-testid="live.counters">
        <thead>
          <tr>
            <th scope="col">CPU</th>
            {COLUMNS.map((c) => (
              <th key={c.key} scope="col" title={c.title}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody ref={body}>
          {rows.map((cpu) => (
            <tr key={cpu} className={cpu === 'total' ? 'total' : undefined}>
              <th scope="row">{cpu}</th>
              {COLUMNS.map((c) => (
                <td key={c.key} data-col={c.key} data-cpu={cpu} data-testid={`live.cpu.${cpu}.${c.key}`}>
                  0
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const FATES: [keyof CpuAccounting, string][] = [
  ['readIntact', 'read intact'],
  ['droppedFull', 'dropped full'],
  ['droppedToobig', 'dropped too big'],
  ['overwritten', 'overwritten'],
  ['skipped', 'skipped'],
  ['discarded', 'discarded by reset'],
  ['inBuffer', 'still in the buffer'],
];

/** Where every record went, taken at the pause: the identity must balance on every CPU. */
function AccountingTable({ rows, title }: { rows: CpuAccounting[]; title: string }) {
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={title}>
      <h3>{title}</h3>
      <table className="counters" data-testid="live.accounting">
        <thead>
          <tr>
            <th scope="col">CPU</th>
            <th scope="col">written</th>
            {FATES.map(([key, label]) => (
              <th key={key} scope="col">
                {label}
              </th>
            ))}
            <th scope="col">anomalies</th>
            <th scope="col">balance</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => {
            const anomalies = a.torn + a.missing + a.duplicates;
            const balanced = a.unaccounted === 0 && a.torn === 0 && a.missing === 0;
            return (
              <tr key={a.cpu}>
                <th scope="row">{a.cpu}</th>
                <td>{formatCount(a.written)}</td>
                {FATES.map(([key]) => (
                  <td key={key}>{formatCount(a[key] as number)}</td>
                ))}
                <td>{anomalies === 0 ? '0' : `${a.torn} torn, ${a.missing} missing, ${a.duplicates} repeated`}</td>
                <td data-testid={`live.accounting.${a.cpu}`} className={balanced ? 'ok' : 'bad'}>
                  {balanced ? 'balanced' : `${a.unaccounted} unaccounted`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The run's virtual time, written each frame. */
function VirtualTime() {
  const store = useAppStoreApi();
  const el = useRef<HTMLSpanElement>(null);
  useEffect(
    () =>
      onFrame('time', () => {
        const run = store.getState().liveRun();
        const text = run === null ? '' : `t = ${(run.virtualTime() * 1000).toFixed(3)} ms`;
        if (el.current) setText(el.current, text);
      }),
    [store],
  );
  return <span className="meta" data-testid="live.time" ref={el} />;
}

interface Shortcut {
  key: string;
  label: string;
  run: (store: AppStore) => void;
}

const SHORTCUTS: Shortcut[] = [
  { key: 's', label: 'start', run: (s) => s.getState().startLive() },
  {
    key: ' ',
    label: 'pause / resume',
    run: (s) => (s.getState().liveStatus === 'running' ? void s.getState().pauseLive() : s.getState().resumeLive()),
  },
  { key: 'n', label: 'step one event', run: (s) => void s.getState().stepLive({ kind: 'event' }) },
  { key: 'w', label: 'step to the next switch', run: (s) => void s.getState().stepLive({ kind: 'switch' }) },
  { key: 't', label: 'step 10 ms', run: (s) => void s.getState().stepLive({ kind: 'time', seconds: 0.01 }) },
  { key: '[', label: 'previous landmark', run: (s) => s.getState().jumpLive('previous') },
  { key: ']', label: 'next landmark', run: (s) => s.getState().jumpLive('next') },
  { key: 'x', label: 'stop', run: (s) => s.getState().stopLive() },
];

/** Keyboard shortcuts, with their legend; keys typed into a field are the field's. */
function Shortcuts() {
  const store = useAppStoreApi();
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const target = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (target?.closest('input, select, textarea') ?? null) !== null) return;
      // Space presses a focused button; the shortcut would press a second one.
      if (e.key === ' ' && (target?.closest('button') ?? null) !== null) return;
      const shortcut = SHORTCUTS.find((s) => s.key === e.key.toLowerCase());
      if (shortcut === undefined) return;
      e.preventDefault();
      shortcut.run(store);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
  return (
    <p className="shortcuts meta" data-testid="live.shortcuts">
      Keys:{' '}
      {SHORTCUTS.map((s) => (
        <span key={s.key}>
          <kbd>{s.key === ' ' ? 'Space' : s.key.toUpperCase()}</kbd> {s.label}
        </span>
      ))}
    </p>
  );
}

/** Says, politely and at most every few seconds, when a CPU starts dropping records. */
function DropAnnouncer() {
  const store = useAppStoreApi();
  const el = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    const seen: number[] = [];
    let lastSaid = -Infinity;
    const counters = cpuCounters();
    return onFrame('announcer', (now) => {
      const run = store.getState().liveRun();
      if (run === null || el.current === null) return;
      const cpus = run.config.channel.cpus;
      let rising = -1;
      let full = false;
      for (let c = 0; c < cpus; c++) {
        readCpuCounters(run.stats, c, counters);
        const dropped = counters.droppedFull + counters.droppedToobig;
        if (rising < 0 && dropped > (seen[c] ?? 0)) {
          rising = c;
          full = counters.droppedFull > 0;
        }
        seen[c] = dropped;
      }
      seen.length = cpus;
      if (rising < 0 || now - lastSaid < 3000) return;
      lastSaid = now;
      el.current.textContent = `CPU ${rising} is dropping records: ${full ? 'its buffer is full' : 'they are larger than a sub-buffer'}.`;
    });
  }, [store]);
  return <p className="visually-hidden" role="status" aria-live="polite" data-testid="live.announce" ref={el} />;
}

/** relay_flush, relay_reset, relay_close and CPU hotplug: between steps, or with the threads paused for a moment. */
function ChannelOps({ cpus }: { cpus: number }) {
  const store = useAppStoreApi();
  const [cpu, setCpu] = useState(0);
  const op = (o: ChannelOp) => () => void store.getState().operateLive(o);
  return (
    <div className="controls" role="group" aria-label="Channel operations">
      <button type="button" data-testid="live.op.flush" onClick={op({ op: 'flush' })} title="relay_flush: produce every current sub-buffer">
        Flush
      </button>
      <button type="button" data-testid="live.op.reset" onClick={op({ op: 'reset' })} title="relay_reset: every buffer back to its state at open">
        Reset
      </button>
      <button type="button" data-testid="live.op.close" onClick={op({ op: 'close' })} title="relay_close: finalize; writers stop, readers may read on">
        Close
      </button>
      <label>
        CPU{' '}
        <select data-testid="live.op.cpu" value={cpu} onChange={(e) => setCpu(Number(e.target.value))}>
          <NumberOptions count={cpus} />
        </select>
      </label>
      <button type="button" data-testid="live.op.online" onClick={op({ op: 'cpu_online', cpu })}>
        Online
      </button>
      <button type="button" data-testid="live.op.offline" onClick={op({ op: 'cpu_offline', cpu })}>
        Offline
      </button>
    </div>
  );
}
