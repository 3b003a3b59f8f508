/**
 * The run's settings (the drawer), its notices, and the per-CPU counters read from the shared
 * memory (written to the DOM directly; React renders the table's structure only
 * when the run changes).
 */
import { useEffect, useRef, useState } from 'react';
import {
  GLANCE_TRIES,
  bufferCounters,
  cpuCounters,
  readBufferCounters,
  readCpuCounters,
  type BufferCounters,
  type CpuAccounting,
  type CpuCounters,
} from '../../engine/index.ts';
import { SLOWEST_REFRESH_MS, onFrame } from '../../lib/frameLoop.ts';
import { setText } from '../../lib/text.ts';
import { countRender } from '../../lib/renderCount.ts';
import { formatCount } from '../../lib/format.ts';
import { SettingsForm } from './SettingsForm.tsx';
import { useAppStore, useAppStoreApi, useLiveRun } from '../../store/index.ts';

interface Column {
  key: string;
  label: string;
  title: string;
  /** The cell's number, from the CPU's counters and its buffer's (all 0 for a CPU with none). */
  read: (cpu: CpuCounters, buf: BufferCounters) => number;
  /** The total row's number: the sum over the CPUs, or (an age) the largest. */
  total?: 'max';
}

/** The settings drawer: the form, and what the run is running on. */
export function LivePanel() {
  countRender('LivePanel');
  const status = useAppStore((s) => s.liveStatus);
  const generation = useAppStore((s) => s.liveGeneration);
  const store = useAppStoreApi();
  const run = useLiveRun();

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
  const addressNote = useAppStore((s) => s.addressNote);
  const store = useAppStoreApi();
  return (
    <>
      {addressNote !== null && (
        <p className="banner" role="status" data-testid="app.address-note">
          The address no longer follows this run: {addressNote}. It still opens the run as it was before.
        </p>
      )}
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
  const run = useLiveRun();
  if (run === null || status === 'failed') return null;
  return <CounterTable key={generation} cpus={run.config.channel.cpus} />;
}

/** Where every record went: taken at a pause, or after each step of a deterministic run. */
export function AccountingPanel() {
  const accounting = useAppStore((s) => s.liveAccounting);
  const run = useLiveRun();
  const deterministic = run !== null && run.kind === 'deterministic';
  if (accounting === null) return <p className="meta">Pause a live run (or step a deterministic one) to see where every record went.</p>;
  return <AccountingTable rows={accounting} title={deterministic ? 'Accounting now' : 'Accounting at the pause'} />;
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
  { key: 'bytesread', label: 'bytes read', title: "bytes the reader took: what read(2) returned, or the mmap reader's sub-buffers less their padding; a client header (subbuf_start_reserve) is part of them", read: (c) => c.bytesRead },
  { key: 'padding', label: 'padding', title: 'padding bytes of the sub-buffers the writes produced', read: (c) => c.padding },
  { key: 'fullcount', label: 'full_count', title: 'full_count: times the start step found the buffer full', read: (_, b) => b.fullCount },
  { key: 'bigcount', label: 'big_count', title: 'big_count: records too big for a sub-buffer', read: (_, b) => b.bigCount },
  { key: 'isize', label: 'i_size', title: "i_size: the relay file's size, data bytes of produced sub-buffers", read: (_, b) => b.iSize },
  { key: 'lag', label: 'lag ms', title: "the last record's age when read", read: (c) => c.lagUs / 1000, total: 'max' },
];

/** CPUs the strip shows at once; with more, it pages through them (the total always in view). */
const STRIP_CPUS = 8;
/** How often the strip's numbers are written, ms. */
const STRIP_REFRESH_MS = SLOWEST_REFRESH_MS / 3;

/**
 * Per-CPU counters, written straight into the cells ten times a second. With many CPUs the strip shows
 * one page of them: every row of a table is laid out and painted again when any cell changes,
 * and 65 rows of numbers changing every frame cost more than the stage itself.
 */
function CounterTable({ cpus }: { cpus: number }) {
  countRender('CounterTable');
  const store = useAppStoreApi();
  const body = useRef<HTMLTableSectionElement>(null);
  const [page, setPage] = useState(0);
  const pages = Math.ceil(cpus / STRIP_CPUS);
  const first = page * STRIP_CPUS;
  const last = Math.min(cpus, first + STRIP_CPUS) - 1;

  useEffect(() => {
    const cells = body.current ? Array.from(body.current.querySelectorAll<HTMLTableCellElement>('td[data-col]')) : [];
    const bound = cells.map((cell) => ({ cell, col: COLUMNS.find((c) => c.key === cell.dataset.col), cpu: cell.dataset.cpu }));
    // The number each cell shows: a cell is formatted and written only when it changes.
    const shown = new Float64Array(bound.length).fill(NaN);
    // Each CPU's counters and its buffer's, read once a frame into objects made here.
    const counters = Array.from({ length: cpus }, () => cpuCounters());
    const buffers = Array.from({ length: cpus }, () => bufferCounters());
    let last = -Infinity;
    return onFrame('counters', (now) => {
      const run = store.getState().liveRun();
      // Numbers nobody reads at 60 a second, in a table laid out again whenever one changes.
      if (run === null || now - last < STRIP_REFRESH_MS) return;
      last = now;
      for (let c = 0; c < cpus; c++) {
        readCpuCounters(run.stats, c, counters[c]);
        // A global buffer is every CPU's: it shows on CPU 0.
        readBufferCounters(run.chan.isGlobal && c > 0 ? null : run.chan.buf(c), buffers[c], GLANCE_TRIES);
      }
      bound.forEach(({ cell, col, cpu }, k) => {
        if (col === undefined || cpu === undefined) return;
        let value = 0;
        if (cpu === 'total')
          for (let c = 0; c < cpus; c++) {
            const v = col.read(counters[c], buffers[c]);
            value = col.total === 'max' ? Math.max(value, v) : value + v;
          }
        else value = col.read(counters[Number(cpu)], buffers[Number(cpu)]);
        if (value === shown[k]) return;
        shown[k] = value;
        setText(cell, col.key === 'lag' ? value.toFixed(1) : formatCount(value));
      });
    });
  }, [cpus, store, page]);

  const rows = [...Array.from({ length: last - first + 1 }, (_, c) => String(first + c)), 'total'];
  return (
    <div className={`table-wrap counters-strip${pages > 1 ? ' many' : ''}`} tabIndex={0} role="region" aria-label="Per-CPU counters">
      {pages > 1 ? (
        <p className="strip-pager" role="group" aria-label="Which CPUs the strip shows">
          <button type="button" data-testid="live.counters.prev" disabled={page === 0} onClick={() => setPage(page - 1)} aria-label="Previous CPUs">
            ◀
          </button>
          <span data-testid="live.counters.page">
            CPUs {first} to {last} of {cpus}
          </span>
          <button type="button" data-testid="live.counters.next" disabled={page === pages - 1} onClick={() => setPage(page + 1)} aria-label="Next CPUs">
            ▶
          </button>
        </p>
      ) : null}
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
