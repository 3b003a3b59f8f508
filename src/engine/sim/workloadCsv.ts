/**
 * Imported workloads: records recorded elsewhere (a timestamp, the CPU that wrote, the size),
 * as CSV, replayed through any channel in place of the generated workload.
 *
 * The CSV (README "Imported workloads"):
 * - one record a line: timestamp, cpu, size; blank lines and lines starting with # are skipped;
 * - an optional header names the columns, in any order: `timestamp_us` or `timestamp_s` (the
 *   unit), `cpu`, `size`; without one the columns are timestamp_us, cpu, size;
 * - timestamps are non-negative decimals, kept to the nanosecond; they need not be sorted.
 *   The replay is relative: the earliest record is written at virtual time 0, and records are
 *   written in timestamp order (ties in file order);
 * - cpu is an integer from 0, below the channel's CPUs; size an integer from 16 (the simulated
 *   record's header) to 4 sub-buffers of the channel.
 *
 * The hash names the replayed contents (a URL can carry it): FNV-1a 64 over the canonical
 * text, one `ns,cpu,size` line per record in replay order with relative nanoseconds. Files that
 * differ only in layout, units, a time offset or the order of records with different
 * timestamps replay alike and hash alike. Records with the same timestamp keep their file
 * order: with a coarse clock it may be the only record of their real order.
 */
import { NR_CPUS } from '../kernel/index.ts';
import { echoValue } from './jsonSyntax.ts';
import { RECORD_HEADER_SIZE } from './record.ts';
import { ConfigError, maxRecordSize, type SimConfig } from './simConfig.ts';

/** A workload file that cannot be read, or that a configuration cannot replay. */
export class WorkloadError extends ConfigError {
  override name = 'WorkloadError';
}

export interface ImportedWorkload {
  /** The file's name, used in messages. */
  readonly name: string;
  /** Records in replay order: nanoseconds from the earliest record. */
  readonly timesNs: Float64Array;
  readonly cpus: Int32Array;
  readonly sizes: Int32Array;
  /** The line each record came from (1-based). */
  readonly lines: Int32Array;
  /** Highest CPU and largest size, for checking against a configuration. */
  readonly maxCpu: number;
  readonly maxSize: number;
  /** Seconds from the first record to the last. */
  readonly duration: number;
  /** FNV-1a 64 of the canonical contents, 16 hex digits. */
  readonly hash: string;
  /** A blktrace capture's own records (the producers write these bytes); `lines` are then byte offsets. */
  readonly blktrace?: ImportedCapture;
}

/** What a blktrace capture adds to its ImportedWorkload (see blktraceCapture.ts). */
export interface ImportedCapture {
  device: string;
  /** Byte order of the records (from their magic). */
  littleEndian: boolean;
  /** The earliest record's time (ns): virtual time 0 of the replay. */
  baseNs: number;
  /** Each CPU's file name ('' for a CPU with no file). */
  files: string[];
  /** Every record's bytes in replay order, and where record k starts. */
  data: Uint8Array;
  offsets: Float64Array;
}

/** Where record k of `w` came from, for messages: `file:line`, or `file byte K` for a capture. */
export const workloadPlace = (w: ImportedWorkload, k: number): string =>
  w.blktrace === undefined ? `${w.name}:${w.lines[k]}` : `${w.blktrace.files[w.cpus[k]]}: byte ${w.lines[k]}`;

/** One CPU's records for a Producer to replay: times in seconds, sizes in bytes. */
export interface ReplayStream {
  times: Float64Array;
  sizes: Int32Array;
}

type Column = 'timestamp_us' | 'timestamp_s' | 'cpu' | 'size';
const COLUMNS: readonly Column[] = ['timestamp_us', 'timestamp_s', 'cpu', 'size'];

const DECIMAL = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^\d+$/;

/** 64-bit FNV-1a, fed a byte at a time. */
export class Fnv1a64 {
  // The 64-bit state as two 32-bit halves; the prime is 2^40 + 0x1b3.
  private hi = 0xcbf29ce4;
  private lo = 0x84222325;

  byte(b: number): void {
    this.lo ^= b & 0xff;
    const low = (this.lo >>> 0) * 0x1b3;
    const carry = Math.floor(low / 2 ** 32);
    this.hi = (this.hi * 0x1b3 + carry + ((this.lo << 8) >>> 0)) >>> 0;
    this.lo = low >>> 0;
  }

  text(text: string): this {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
    return this;
  }

  bytes(bytes: Uint8Array): this {
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i]);
    return this;
  }

  /** 16 hex digits. */
  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0');
  }
}

/** 64-bit FNV-1a of the char codes of an ASCII string, as 16 hex digits. */
export const fnv1a64 = (text: string): string => new Fnv1a64().text(text).hex();

interface Layout {
  columns: Column[];
  /** Index of the first data line among `lines`. */
  first: number;
}

function layoutOf(name: string, fields: string[], lineNo: number): Layout | null {
  // A header starts with a name; a record with a number (a bad field later is the record's error).
  if (DECIMAL.test(fields[0])) return null;
  const columns = fields.map((f, i) => {
    const c = f.toLowerCase();
    if (c === 'timestamp') throw new WorkloadError(`${name}:${lineNo}: column ${i + 1} "timestamp" needs its unit: timestamp_us or timestamp_s`);
    if (!(COLUMNS as readonly string[]).includes(c))
      throw new WorkloadError(`${name}:${lineNo}: column ${i + 1} ${echoValue(f)} is not one of ${COLUMNS.join(', ')}`);
    return c as Column;
  });
  const count = (c: Column): number => columns.filter((x) => x === c).length;
  if (count('timestamp_us') + count('timestamp_s') !== 1)
    throw new WorkloadError(`${name}:${lineNo}: the header needs exactly one timestamp column, timestamp_us or timestamp_s`);
  for (const c of ['cpu', 'size'] as const)
    if (count(c) !== 1) throw new WorkloadError(`${name}:${lineNo}: the header needs exactly one ${c} column`);
  return { columns, first: 1 };
}

/** Parses a workload CSV; throws WorkloadError naming the line, the column and why. */
export function parseWorkloadCsv(text: string, name = 'workload.csv'): ImportedWorkload {
  const rows: { fields: string[]; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    rows.push({ fields: line.split(',').map((f) => f.trim()), line: i + 1 });
  });
  if (rows.length === 0) throw new WorkloadError(`${name}: no records`);
  const layout = layoutOf(name, rows[0].fields, rows[0].line) ?? { columns: ['timestamp_us', 'cpu', 'size'] as Column[], first: 0 };
  const n = rows.length - layout.first;
  if (n === 0) throw new WorkloadError(`${name}: no records after the header`);
  const raw = { t: new Float64Array(n), cpu: new Int32Array(n), size: new Int32Array(n), line: new Int32Array(n) };
  const where = layout.columns.map((c, i) => ({ c, i }));
  for (let k = 0; k < n; k++) {
    const { fields, line } = rows[layout.first + k];
    if (fields.length !== layout.columns.length)
      throw new WorkloadError(`${name}:${line}: expected ${layout.columns.length} fields (${layout.columns.join(', ')}), got ${fields.length}`);
    raw.line[k] = line;
    for (const { c, i } of where) {
      const f = fields[i];
      const bad = (why: string): never => {
        throw new WorkloadError(`${name}:${line}: ${c} ${echoValue(f)} (column ${i + 1}) ${why}`);
      };
      if (c === 'timestamp_us' || c === 'timestamp_s') {
        if (!DECIMAL.test(f)) bad('is not a non-negative number');
        const v = Number(f) * (c === 'timestamp_s' ? 1e9 : 1e3);
        if (!Number.isFinite(v) || v > Number.MAX_SAFE_INTEGER) bad('is too large');
        raw.t[k] = Math.round(v);
      } else if (c === 'cpu') {
        if (!INTEGER.test(f) || Number(f) >= NR_CPUS) bad(`is not an integer from 0 to ${NR_CPUS - 1}`);
        raw.cpu[k] = Number(f);
      } else {
        if (!INTEGER.test(f)) bad('is not an integer');
        if (Number(f) < RECORD_HEADER_SIZE) bad(`is below ${RECORD_HEADER_SIZE} bytes, the size of the simulated record's header`);
        if (Number(f) > 2 ** 31 - 1) bad('is too large');
        raw.size[k] = Number(f);
      }
    }
  }
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => raw.t[a] - raw.t[b] || a - b);
  const start = raw.t[order[0]];
  const w = { timesNs: new Float64Array(n), cpus: new Int32Array(n), sizes: new Int32Array(n), lines: new Int32Array(n) };
  let canonical = 'relayscope-workload-v1\n';
  let maxCpu = 0;
  let maxSize = 0;
  order.forEach((from, k) => {
    w.timesNs[k] = raw.t[from] - start;
    w.cpus[k] = raw.cpu[from];
    w.sizes[k] = raw.size[from];
    w.lines[k] = raw.line[from];
    maxCpu = Math.max(maxCpu, w.cpus[k]);
    maxSize = Math.max(maxSize, w.sizes[k]);
    canonical += `${w.timesNs[k]},${w.cpus[k]},${w.sizes[k]}\n`;
  });
  return { name, ...w, maxCpu, maxSize, duration: w.timesNs[n - 1] / 1e9, hash: fnv1a64(canonical) };
}

/** Throws WorkloadError, naming the first line at fault, if a record's CPU is not below `cpus`. */
export function checkWorkloadCpus(w: ImportedWorkload, cpus: number): void {
  if (w.maxCpu < cpus) return;
  const k = w.cpus.findIndex((cpu) => cpu >= cpus);
  throw new WorkloadError(`${workloadPlace(w, k)}: cpu ${w.cpus[k]} is beyond the channel's ${cpus} CPU${cpus > 1 ? 's' : ''} (0 to ${cpus - 1})`);
}

/** Throws WorkloadError, naming the first line at fault, if `config` cannot replay `w`. */
export function checkWorkload(w: ImportedWorkload, config: SimConfig): void {
  const { cpus, subbufSize } = config.channel;
  checkWorkloadCpus(w, cpus);
  const cap = maxRecordSize(subbufSize);
  if (w.maxSize <= cap) return;
  const k = w.sizes.findIndex((size) => size > cap);
  throw new WorkloadError(`${workloadPlace(w, k)}: size ${w.sizes[k]} is above ${cap} bytes (4 sub-buffers of ${subbufSize}, at most 16 MiB)`);
}

/** Each CPU's records, for `cpus` producers. The workload must have passed checkWorkload. */
export function replayStreams(w: ImportedWorkload, cpus: number): ReplayStream[] {
  const counts = new Int32Array(cpus);
  for (const cpu of w.cpus) counts[cpu] += 1;
  const streams = Array.from(counts, (c) => ({ times: new Float64Array(c), sizes: new Int32Array(c) }));
  const at = new Int32Array(cpus);
  w.cpus.forEach((cpu, k) => {
    streams[cpu].times[at[cpu]] = w.timesNs[k] / 1e9;
    streams[cpu].sizes[at[cpu]] = w.sizes[k];
    at[cpu] += 1;
  });
  return streams;
}
