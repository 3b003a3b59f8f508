/**
 * A run's history, per CPU, at a fixed virtual-time resolution: records written, read, dropped
 * because the buffer was full, dropped as too big, and overwritten; sub-buffers ready and bytes
 * in the buffer; and the reader's state (asleep, woken, reading). A deterministic run records it
 * as it goes (steppedRun.ts samples just before the first event past each bucket's end); a live
 * run samples the same series from shared memory each frame against its virtual clock.
 *
 * Memory is bounded: at most HISTORY_BUCKETS buckets. When they are full, neighbouring buckets
 * merge in pairs and the resolution halves, as a pyramid's next level does: counts keep their
 * total (the history holds them cumulative, so a merged bucket keeps the later end), levels keep
 * their minimum and maximum, reader states the union of what was seen.
 *
 * Each bucket also holds a row for all CPUs together, kept as the samples are taken: its counts
 * are the sums, its levels the sum at each sample (a global buffer's own level) and so, once
 * merged, the least and the most seen in total, its reader state the union. A track of the whole
 * channel reads that one row, not one per CPU.
 */
import { B_BYTES_CONSUMED, B_OFFSET, B_SUBBUFS_CONSUMED, B_SUBBUFS_PRODUCED, GLANCE_TRIES, W_SLEEPERS, type Rchan, type RchanBuf } from '../kernel/index.ts';
import { P_DROPPED_FULL, P_DROPPED_TOOBIG, P_WRITTEN, R_BYTES, R_INTACT, R_OVERWRITTEN, R_TIMEOUTS, R_WOKEN, type SimStats } from './stats.ts';

/** Counts, cumulative since the start (a bucket holds the value at its end). */
export const H_WRITTEN = 0;
export const H_READ = 1;
export const H_DROPPED_FULL = 2;
export const H_DROPPED_TOOBIG = 3;
export const H_OVERWRITTEN = 4;
/** Levels: the least and the most seen within the bucket. */
export const H_READY_MIN = 5;
export const H_READY_MAX = 6;
export const H_BYTES_MIN = 7;
export const H_BYTES_MAX = 8;
/** Whether the reader was asleep at a sample within the bucket (HISTORY_ASLEEP). */
export const H_READER = 9;
/** Cumulative: times the reader was woken or timed out, and bytes it read (whence HISTORY_WOKEN and HISTORY_READING). */
export const H_WOKEN = 10;
export const H_READ_BYTES = 11;
export const H_FIELDS = 12;

export const HISTORY_ASLEEP = 1;
export const HISTORY_WOKEN = 2;
export const HISTORY_READING = 4;

/** Most buckets kept; the bound on memory is HISTORY_BUCKETS * (cpus + 1) * H_FIELDS * 8 bytes. */
export const HISTORY_BUCKETS = 2048;
/** Seconds per bucket at the start: 100 us. */
export const HISTORY_RESOLUTION = 100e-6;

/** What a sampler reports for one CPU: counts, then levels, then the reader's state. */
export interface CpuSample {
  written: number;
  read: number;
  droppedFull: number;
  droppedBig: number;
  overwritten: number;
  ready: number;
  bytes: number;
  /** HISTORY_ASLEEP when the reader is asleep. */
  reader: number;
  /** Times the reader was woken or timed out, bytes it read: since the start. */
  woken: number;
  readBytes: number;
}

export type Sampler = (cpu: number, out: CpuSample) => void;

/** The series a track can show. */
export type SeriesId = 'written' | 'read' | 'droppedFull' | 'droppedBig' | 'overwritten' | 'ready' | 'bytes' | 'reader';

export class History {
  /** Seconds per bucket (doubles each time the buckets merge). */
  resolution: number;
  /** Buckets filled. */
  count = 0;
  /** Rows per bucket: one per CPU, then the total. */
  private readonly rows: number;
  private readonly data: Float64Array;
  /** The last sample, one row per CPU and the total. */
  private readonly now: Float64Array;
  private readonly sample: CpuSample = { written: 0, read: 0, droppedFull: 0, droppedBig: 0, overwritten: 0, ready: 0, bytes: 0, reader: 0, woken: 0, readBytes: 0 };

  constructor(
    readonly cpus: number,
    /** One buffer for every CPU: its levels are the same on every CPU's track, and counted once in the total. */
    readonly global = false,
    readonly capacity = HISTORY_BUCKETS,
    resolution = HISTORY_RESOLUTION,
  ) {
    if (capacity < 2 || capacity % 2 !== 0) throw new Error('the history needs an even number of buckets');
    this.resolution = resolution;
    this.rows = cpus + 1;
    this.data = new Float64Array(capacity * this.rows * H_FIELDS);
    this.now = new Float64Array(this.rows * H_FIELDS);
  }

  /** Virtual time (s) up to which the history is recorded. */
  get end(): number {
    return this.count * this.resolution;
  }

  /** Time at which the next bucket closes: a run samples before its first event at or past it. */
  get nextAt(): number {
    return (this.count + 1) * this.resolution;
  }

  /** Bytes the history holds now (the buckets filled). */
  get bytes(): number {
    return this.count * this.rows * H_FIELDS * 8;
  }

  /** Bytes it may ever hold. */
  get bound(): number {
    return this.data.byteLength;
  }

  /**
   * The state sampled now holds until virtual time `t`: closes every bucket that ends at or
   * before `t` (an idle stretch fills several buckets with the same state).
   */
  record(t: number, sampler: Sampler): void {
    if (t < this.nextAt) return;
    const s = this.sample;
    const cpus = this.cpus;
    const now = this.now;
    for (let cpu = 0; cpu < cpus; cpu++) {
      s.reader = 0;
      sampler(cpu, s);
      const o = cpu * H_FIELDS;
      now[o + H_WRITTEN] = s.written;
      now[o + H_READ] = s.read;
      now[o + H_DROPPED_FULL] = s.droppedFull;
      now[o + H_DROPPED_TOOBIG] = s.droppedBig;
      now[o + H_OVERWRITTEN] = s.overwritten;
      // Levels a sampler could not read this time (NaN) keep the last ones.
      if (!Number.isNaN(s.ready)) now[o + H_READY_MIN] = now[o + H_READY_MAX] = s.ready;
      if (!Number.isNaN(s.bytes)) now[o + H_BYTES_MIN] = now[o + H_BYTES_MAX] = s.bytes;
      now[o + H_READER] = s.reader;
      now[o + H_WOKEN] = s.woken;
      now[o + H_READ_BYTES] = s.readBytes;
    }
    const all = cpus * H_FIELDS;
    now.fill(0, all);
    for (let o = 0; o < all; o += H_FIELDS) {
      for (const k of CUMULATIVE) now[all + k] += now[o + k];
      now[all + H_READER] |= now[o + H_READER];
      if (this.global && o > 0) continue; // one buffer: its level once
      for (const k of LEVELS) now[all + k] += now[o + k];
    }
    // One sample serves every bucket that closes now: the state did not change in between.
    while (t >= this.nextAt) {
      if (this.count === this.capacity) {
        this.merge(); // the bucket ends later now: check again
        continue;
      }
      this.data.set(now, this.count * this.rows * H_FIELDS);
      this.count += 1;
    }
  }

  /** Forgets everything after virtual time `t` (a new future starts there). */
  truncate(t: number): void {
    this.count = Math.min(this.count, Math.max(0, Math.floor(t / this.resolution)));
  }

  /** Field `field` of `cpu` (or every CPU with -1) in bucket `b`. */
  get(b: number, cpu: number, field: number): number {
    return this.data[(b * this.rows + (cpu < 0 ? this.cpus : cpu)) * H_FIELDS + field];
  }

  /**
   * The value a track draws for bucket `b` of `cpu` (or every CPU with -1): a count's increase
   * within the bucket, a level's maximum (or minimum), or the reader-state bits.
   */
  value(series: SeriesId, b: number, cpu: number, low = false): number {
    switch (series) {
      case 'ready':
        return this.get(b, cpu, low ? H_READY_MIN : H_READY_MAX);
      case 'bytes':
        return this.get(b, cpu, low ? H_BYTES_MIN : H_BYTES_MAX);
      case 'reader': {
        const grew = (f: number): boolean => this.get(b, cpu, f) > (b > 0 ? this.get(b - 1, cpu, f) : 0);
        return this.get(b, cpu, H_READER) | (grew(H_WOKEN) ? HISTORY_WOKEN : 0) | (grew(H_READ_BYTES) ? HISTORY_READING : 0);
      }
      default: {
        const f = COUNT_FIELD[series];
        return this.get(b, cpu, f) - (b > 0 ? this.get(b - 1, cpu, f) : 0);
      }
    }
  }

  /** The bucket holding virtual time `t`. */
  bucketAt(t: number): number {
    return Math.floor(t / this.resolution);
  }

  /**
   * What a track draws for the buckets from `from` up to `to` of `cpu` (or every CPU with -1),
   * seen as one pixel column: the largest value among them, or the union of the reader states.
   */
  peak(series: SeriesId, from: number, to: number, cpu: number): number {
    let acc = 0;
    for (let b = from; b < to; b++) {
      const v = this.value(series, b, cpu);
      acc = series === 'reader' ? acc | v : Math.max(acc, v);
    }
    return acc;
  }

  /** Pairs of buckets become one: the next level of the pyramid. */
  private merge(): void {
    const d = this.data;
    const w = this.rows * H_FIELDS;
    const half = this.count >> 1;
    for (let j = 0; j < half; j++) {
      const a = 2 * j * w;
      const z = a + w;
      const o = j * w;
      for (let row = 0; row < this.rows; row++) {
        const f = row * H_FIELDS;
        for (const k of CUMULATIVE) d[o + f + k] = d[z + f + k];
        d[o + f + H_READY_MIN] = Math.min(d[a + f + H_READY_MIN], d[z + f + H_READY_MIN]);
        d[o + f + H_READY_MAX] = Math.max(d[a + f + H_READY_MAX], d[z + f + H_READY_MAX]);
        d[o + f + H_BYTES_MIN] = Math.min(d[a + f + H_BYTES_MIN], d[z + f + H_BYTES_MIN]);
        d[o + f + H_BYTES_MAX] = Math.max(d[a + f + H_BYTES_MAX], d[z + f + H_BYTES_MAX]);
        d[o + f + H_READER] = d[a + f + H_READER] | d[z + f + H_READER];
      }
    }
    this.count = half;
    this.resolution *= 2;
  }
}

const CUMULATIVE = [H_WRITTEN, H_READ, H_DROPPED_FULL, H_DROPPED_TOOBIG, H_OVERWRITTEN, H_WOKEN, H_READ_BYTES];
const LEVELS = [H_READY_MIN, H_READY_MAX, H_BYTES_MIN, H_BYTES_MAX];

const COUNT_FIELD: Record<'written' | 'read' | 'droppedFull' | 'droppedBig' | 'overwritten', number> = {
  written: H_WRITTEN,
  read: H_READ,
  droppedFull: H_DROPPED_FULL,
  droppedBig: H_DROPPED_TOOBIG,
  overwritten: H_OVERWRITTEN,
};

/**
 * Sub-buffers ready (produced and not consumed, at most n_subbufs: an overwriting writer that
 * laps the reader leaves n_subbufs of data, not more) and the bytes of data they and the current
 * sub-buffer hold, not yet consumed.
 */
export function bufferLevels(buf: RchanBuf, out: CpuSample, tries = Infinity): void {
  const n = buf.nSubbufs;
  const produced = buf.field(B_SUBBUFS_PRODUCED, tries);
  const consumed = buf.field(B_SUBBUFS_CONSUMED, tries);
  if (Number.isNaN(produced + consumed)) {
    out.ready = out.bytes = NaN; // not read this time: the history keeps the levels it had
    return;
  }
  const ready = Math.min(produced - consumed, n);
  let bytes = 0;
  for (let k = 0; k < ready; k++) {
    const idx = (produced - ready + k) % n;
    bytes += buf.subbufSize - buf.padding(idx);
  }
  if (ready < n) bytes += Math.min(buf.field(B_OFFSET), buf.subbufSize);
  bytes = Math.max(0, bytes - buf.field(B_BYTES_CONSUMED));
  out.ready = ready;
  out.bytes = bytes;
}

/** A CPU's counts from the run's counters. */
export function countsOf(stats: SimStats, cpu: number, out: CpuSample): void {
  out.written = stats.get(cpu, P_WRITTEN);
  out.read = stats.get(cpu, R_INTACT);
  out.droppedFull = stats.get(cpu, P_DROPPED_FULL);
  out.droppedBig = stats.get(cpu, P_DROPPED_TOOBIG);
  out.overwritten = stats.get(cpu, R_OVERWRITTEN);
}

/**
 * A sampler over a channel and its counters (a live run's shared memory, or a simulation's);
 * `asleep(cpu)` says whether the reader serving the CPU sleeps.
 */
export function channelSampler(chan: Rchan, stats: SimStats, asleep: (cpu: number) => boolean): Sampler {
  return (cpu, out) => {
    countsOf(stats, cpu, out);
    const buf = chan.buf(cpu);
    if (buf === null || buf.freed) {
      out.ready = 0;
      out.bytes = 0;
    } else bufferLevels(buf, out, GLANCE_TRIES);
    out.woken = stats.get(cpu, R_WOKEN) + stats.get(cpu, R_TIMEOUTS);
    out.readBytes = stats.get(cpu, R_BYTES);
    out.reader = asleep(cpu) ? HISTORY_ASLEEP : 0;
  };
}

/** Whether a task sleeps on the buffer of `cpu` (a live run's reader in poll), from shared memory. */
export function pollersAsleep(chan: Rchan): (cpu: number) => boolean {
  return (cpu) => {
    const buf = chan.buf(cpu);
    return buf !== null && !buf.freed && buf.words.load(W_SLEEPERS) > 0;
  };
}
