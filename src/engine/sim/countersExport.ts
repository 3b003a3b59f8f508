/**
 * A run's counters for download, as CSV or JSON: one row per CPU and a total row. The
 * buffer's own counters come first under the kernel's names (subbufs_produced,
 * subbufs_consumed, ...), then the simulation's record accounting.
 *
 * `buffer` names the buffer the CPU writes to: the CPU's number, or `global`. In a global
 * channel every CPU's row shows the one shared buffer's counters, and the total counts it
 * once; the record counters are always the CPU's own.
 */
import type { BufferCounters, CpuReport, SimReport } from './report.ts';

type BufferColumn = Exclude<keyof BufferCounters, 'cpu'> | 'ready';
type RecordColumn = Exclude<keyof CpuReport, 'cpu' | 'ready' | 'lagUs' | 'unaccounted' | 'torn' | 'missing' | 'duplicates'>;

/** Column name, and the report field it comes from. */
const BUFFER_COLUMNS: readonly (readonly [string, BufferColumn])[] = [
  ['subbufs_produced', 'subbufsProduced'],
  ['subbufs_consumed', 'subbufsConsumed'],
  ['ready', 'ready'],
  ['bytes_consumed', 'bytesConsumed'],
  ['full_count', 'fullCount'],
  ['big_count', 'bigCount'],
  ['i_size', 'iSize'],
];

const RECORD_COLUMNS: readonly (readonly [string, RecordColumn])[] = [
  ['written', 'written'],
  ['read_intact', 'readIntact'],
  ['dropped_full', 'droppedFull'],
  ['dropped_toobig', 'droppedToobig'],
  ['overwritten', 'overwritten'],
  ['skipped', 'skipped'],
  ['discarded', 'discarded'],
  ['in_buffer', 'inBuffer'],
  ['bytes_written', 'bytesWritten'],
  ['bytes_read', 'bytesRead'],
  ['productions', 'productions'],
  ['wakeups', 'wakeups'],
  ['productions_without_sleeper', 'productionsWithoutSleeper'],
  ['pollers_woken', 'pollersWoken'],
  ['reader_wakeups', 'readerWakeups'],
  ['reader_timeouts', 'readerTimeouts'],
  ['lapped_reads', 'lappedReads'],
  ['max_lag_us', 'maxLagUs'],
];

export const COUNTER_COLUMNS: readonly string[] = ['cpu', 'buffer', ...BUFFER_COLUMNS.map(([c]) => c), ...RECORD_COLUMNS.map(([c]) => c)];

export type CounterRow = Record<string, number | string>;

export interface CountersJson {
  columns: readonly string[];
  cpus: CounterRow[];
  total: CounterRow;
}

const bufferValue = (b: BufferCounters | undefined, key: BufferColumn): number =>
  b === undefined ? 0 : key === 'ready' ? b.subbufsProduced - b.subbufsConsumed : b[key];

/** The rows: every CPU, then the total. */
export function countersJson(report: SimReport): CountersJson {
  const global = report.config.channel.global;
  const bufferOf = (cpu: number): BufferCounters | undefined => report.buffers.find((b) => global || b.cpu === cpu);
  const cpus = report.cpus.map((r) => {
    const b = bufferOf(r.cpu);
    const row: CounterRow = { cpu: r.cpu, buffer: global ? 'global' : String(r.cpu) };
    for (const [column, key] of BUFFER_COLUMNS) row[column] = bufferValue(b, key);
    for (const [column, key] of RECORD_COLUMNS) row[column] = r[key];
    return row;
  });
  const total: CounterRow = { cpu: 'total', buffer: global ? 'global' : 'all' };
  for (const [column, key] of BUFFER_COLUMNS) total[column] = report.buffers.reduce((s, b) => s + bufferValue(b, key), 0);
  for (const [column, key] of RECORD_COLUMNS) total[column] = report.total[key];
  return { columns: COUNTER_COLUMNS, cpus, total };
}

/** The same rows as CSV: a header row of the column names, one line per CPU, then total. */
export function countersCsv(report: SimReport): string {
  const { columns, cpus, total } = countersJson(report);
  return [columns.join(','), ...[...cpus, total].map((row) => columns.map((c) => row[c]).join(','))].join('\n') + '\n';
}
