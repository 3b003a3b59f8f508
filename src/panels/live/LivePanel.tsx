/**
 * The run's settings (the drawer), its notices, and the per-CPU counters read from the shared
 * memory every frame (written to the DOM directly; React renders the table's structure only
 * when the run changes).
 */
import { useEffect, useRef } from 'react';
import {
  B_BIG_COUNT,
  B_FULL_COUNT,
  B_I_SIZE,
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  P_BYTES,
  P_PADDING,
  R_BYTES,
  P_DROPPED_FULL,
  P_DROPPED_TOOBIG,
  P_NO_SLEEPER,
  P_WAKEUPS,
  P_WRITTEN,
  R_INTACT,
  R_LAG_US,
  R_OVERWRITTEN,
  type CpuAccounting,
} from '../../engine/index.ts';
import { onFrame } from '../../lib/frameLoop.ts';
import { countRender } from '../../lib/renderCount.ts';
import { formatCount } from '../../lib/format.ts';
import { SettingsForm } from './SettingsForm.tsx';
import { useAppStore, useAppStoreApi, type LiveRun } from '../../store/index.ts';

interface Column {
  key: string;
  label: string;
  title: string;
  read: (run: LiveRun, cpu: number) => number;
}

/** The settings drawer: the form, and what the run is running on. */
export function LivePanel() {
  countRender('LivePanel');
  const status = useAppStore((s) => s.liveStatus);
  const generation = useAppStore((s) => s.liveGeneration);
  const store = useAppStoreApi();
  const run = store.getState().liveRun();

  return (
    <section className="card settings-card" aria-labelledby="live-heading">
      <h2 id="live-heading">Settings</h2>
      <p className="explanation">
        Producer workers write self-describing records into per-CPU relay buffers in one SharedArrayBuffer while reader
        workers read them back with read(2) or mmap, sleeping in poll until a produced sub-buffer wakes them.
      </p>
      <SettingsForm key={generation} />
      {run !== null && status !== 'failed' && (
        <p className="meta" data-testid="live.workers">
          {run.kind === 'workers'
            ? `${run.producerWorkers} producer worker${run.producerWorkers === 1 ? '' : 's'} and ${run.readerWorkers} reader worker${run.readerWorkers === 1 ? '' : 's'}`
            : run.kind === 'deterministic'
              ? `deterministic: one thread in virtual time, seed ${store.getState().liveSeed}`
              : 'one thread (no workers)'}
        </p>
      )}
    </section>
  );
}

/** What stopped the run or why it runs on one thread: above the stage, where it is seen. */
export function RunNotices() {
  const error = useAppStore((s) => s.liveError);
  const fallback = useAppStore((s) => s.liveFallback);
  const store = useAppStoreApi();
  return (
    <>
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
    </>
  );
}

/** The per-CPU counters, a compact strip under the stage. */
export function CountersStrip() {
  const status = useAppStore((s) => s.liveStatus);
  const generation = useAppStore((s) => s.liveGeneration);
  const store = useAppStoreApi();
  const run = store.getState().liveRun();
  if (run === null || status === 'failed') return null;
  return <CounterTable key={generation} cpus={run.config.channel.cpus} />;
}

/** Where every record went: taken at a pause, or after each step of a deterministic run. */
export function AccountingPanel() {
  const accounting = useAppStore((s) => s.liveAccounting);
  const store = useAppStoreApi();
  const run = store.getState().liveRun();
  const deterministic = run !== null && run.kind === 'deterministic';
  if (accounting === null) return <p className="meta">Pause a live run (or step a deterministic one) to see where every record went.</p>;
  return <AccountingTable rows={accounting} title={deterministic ? 'Accounting now' : 'Accounting at the pause'} />;
}

function stat(run: LiveRun, cpu: number, field: number): number {
  return run.stats.get(cpu, field);
}

function kernel(run: LiveRun, cpu: number, field: number): number {
  // A global buffer is every CPU's: it shows on CPU 0.
  if (run.chan.isGlobal && cpu > 0) return 0;
  return run.chan.buf(cpu)?.ctl[field] ?? 0;
}

const COLUMNS: Column[] = [
  { key: 'written', label: 'written', title: 'records the producer wrote', read: (r, c) => stat(r, c, P_WRITTEN) },
  { key: 'read', label: 'read', title: 'records read back intact', read: (r, c) => stat(r, c, R_INTACT) },
  { key: 'full', label: 'full', title: 'dropped: the buffer was full (no-overwrite)', read: (r, c) => stat(r, c, P_DROPPED_FULL) },
  { key: 'toobig', label: 'too big', title: 'dropped: larger than a sub-buffer', read: (r, c) => stat(r, c, P_DROPPED_TOOBIG) },
  { key: 'overwritten', label: 'overwritten', title: 'lapped by the writer before they were read', read: (r, c) => stat(r, c, R_OVERWRITTEN) },
  { key: 'produced', label: 'produced', title: 'subbufs_produced: sub-buffers produced', read: (r, c) => kernel(r, c, B_SUBBUFS_PRODUCED) },
  { key: 'consumed', label: 'consumed', title: 'subbufs_consumed: sub-buffers consumed', read: (r, c) => kernel(r, c, B_SUBBUFS_CONSUMED) },
  {
    key: 'ready',
    label: 'ready',
    title: 'subbufs_produced - subbufs_consumed: what an mmap reader may process',
    read: (r, c) => kernel(r, c, B_SUBBUFS_PRODUCED) - kernel(r, c, B_SUBBUFS_CONSUMED),
  },
  { key: 'wakeups', label: 'wakeups', title: 'productions that woke a sleeping reader', read: (r, c) => stat(r, c, P_WAKEUPS) },
  { key: 'nosleeper', label: 'no sleeper', title: 'productions with nobody asleep in poll', read: (r, c) => stat(r, c, P_NO_SLEEPER) },
  { key: 'bytes', label: 'bytes written', title: 'bytes of the records that landed', read: (r, c) => stat(r, c, P_BYTES) },
  { key: 'bytesread', label: 'bytes read', title: 'bytes of the records read back', read: (r, c) => stat(r, c, R_BYTES) },
  { key: 'padding', label: 'padding', title: 'padding bytes of the sub-buffers the writes produced', read: (r, c) => stat(r, c, P_PADDING) },
  { key: 'fullcount', label: 'full_count', title: 'full_count: times the start step found the buffer full', read: (r, c) => kernel(r, c, B_FULL_COUNT) },
  { key: 'bigcount', label: 'big_count', title: 'big_count: records too big for a sub-buffer', read: (r, c) => kernel(r, c, B_BIG_COUNT) },
  { key: 'isize', label: 'i_size', title: "i_size: the relay file's size, data bytes of produced sub-buffers", read: (r, c) => kernel(r, c, B_I_SIZE) },
  { key: 'lag', label: 'lag ms', title: "the last record's age when read", read: (r, c) => stat(r, c, R_LAG_US) / 1000 },
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
    const stop = onFrame('counters', () => {
      const run = store.getState().liveRun();
      if (run === null) return;
      bound.forEach(({ cell, col, cpu, row }, k) => {
        if (col === undefined || cpu === undefined || (row !== null && hidden.has(row))) return;
        let value = 0;
        if (cpu === 'total') for (let c = 0; c < cpus; c++) value += col.read(run, c);
        else value = col.read(run, Number(cpu));
        if (value === shown[k]) return;
        shown[k] = value;
        cell.textContent = col.key === 'lag' ? value.toFixed(1) : formatCount(value);
      });
    });
    return () => {
      stop();
      watch.disconnect();
    };
  }, [cpus, store]);

  const rows = [...Array.from({ length: cpus }, (_, c) => String(c)), 'total'];
  return (
    <div className="table-wrap counters-strip" tabIndex={0} role="region" aria-label="Per-CPU counters">
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
