/**
 * What views read of a run: a CPU's counters, a buffer's counters and the reader's place in it,
 * and the fields a picture of the ring is drawn from. Each read fills an object the caller made
 * once (`cpuCounters()`, `bufferCounters()`, `readerState()`) and allocates nothing, so panels
 * can call it every frame over shared memory.
 *
 * This is the one module outside kernel/ that reads a field by its place in memory (the B_*
 * indices of layout.ts, the P_/R_ fields of stats.ts) on a view's behalf: when the memory is laid
 * out anew, the reads change here and nowhere else. Reads on the page's thread while workers run
 * may be a moment old; the writer's own state (`subbufs_produced`, `offset`, `data`) is taken as
 * one moment under the switch seqlock by `readBufferFields`.
 */
import {
  B_BIG_COUNT,
  B_BYTES_CONSUMED,
  B_DATA,
  B_FINALIZED,
  B_FULL_COUNT,
  B_I_SIZE,
  B_OFFSET,
  B_PADDING,
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  W_SLEEPERS,
  W_WAKEUP_PENDING,
  tryWriterState,
  type RchanBuf,
  type WriterState,
} from '../kernel/index.ts';
import {
  C_DISCARDED,
  P_BYTES,
  P_DROPPED_FULL,
  P_DROPPED_TOOBIG,
  P_LANDED,
  P_NO_SLEEPER,
  P_PADDING,
  P_PRODUCTIONS,
  P_WAKEUPS,
  P_WOKEN,
  P_WRITTEN,
  R_BYTES,
  R_DUPLICATE,
  R_INTACT,
  R_LAG_US,
  R_LAPPED_READS,
  R_MAX_LAG_US,
  R_MISSING,
  R_OVERWRITTEN,
  R_SKIPPED,
  R_TIMEOUTS,
  R_TORN,
  R_WOKEN,
  type SimStats,
} from './stats.ts';

/** What the producer of a CPU and the reader serving it counted (stats.ts), as they run. */
export interface CpuCounters {
  /** Records the producer wrote (landed or dropped). */
  written: number;
  landed: number;
  /** Dropped: the buffer was full (no-overwrite). */
  droppedFull: number;
  /** Dropped: larger than a sub-buffer. */
  droppedToobig: number;
  /** Bytes of the records that landed. */
  bytes: number;
  /** Sub-buffers this CPU's writes produced. */
  productions: number;
  /** Productions that found a poller asleep and ran the deferred wakeup. */
  wakeups: number;
  /** Productions with nobody asleep. */
  noSleeper: number;
  /** Readers the wakeups woke. */
  woken: number;
  /** Padding bytes of the sub-buffers this CPU's writes produced. */
  padding: number;
  /** Records read back intact, and their bytes. */
  readIntact: number;
  bytesRead: number;
  /** Records lapped by an overwriting writer before they were read. */
  overwritten: number;
  skipped: number;
  duplicates: number;
  torn: number;
  missing: number;
  /** Records discarded by relay_reset. */
  discarded: number;
  /** Reads while an overwriting writer lapped the range read (events, not records). */
  lappedReads: number;
  /** Microseconds between the last record's timestamp and its reading, and the most so far. */
  lagUs: number;
  maxLagUs: number;
  /** Times the reader ran because a wakeup woke it, or because its poll timed out. */
  readerWoken: number;
  readerTimeouts: number;
}

export function cpuCounters(): CpuCounters {
  return {
    written: 0,
    landed: 0,
    droppedFull: 0,
    droppedToobig: 0,
    bytes: 0,
    productions: 0,
    wakeups: 0,
    noSleeper: 0,
    woken: 0,
    padding: 0,
    readIntact: 0,
    bytesRead: 0,
    overwritten: 0,
    skipped: 0,
    duplicates: 0,
    torn: 0,
    missing: 0,
    discarded: 0,
    lappedReads: 0,
    lagUs: 0,
    maxLagUs: 0,
    readerWoken: 0,
    readerTimeouts: 0,
  };
}

/** Fills `out` with CPU `cpu`'s counters now. */
export function readCpuCounters(stats: SimStats, cpu: number, out: CpuCounters): CpuCounters {
  out.written = stats.get(cpu, P_WRITTEN);
  out.landed = stats.get(cpu, P_LANDED);
  out.droppedFull = stats.get(cpu, P_DROPPED_FULL);
  out.droppedToobig = stats.get(cpu, P_DROPPED_TOOBIG);
  out.bytes = stats.get(cpu, P_BYTES);
  out.productions = stats.get(cpu, P_PRODUCTIONS);
  out.wakeups = stats.get(cpu, P_WAKEUPS);
  out.noSleeper = stats.get(cpu, P_NO_SLEEPER);
  out.woken = stats.get(cpu, P_WOKEN);
  out.padding = stats.get(cpu, P_PADDING);
  out.readIntact = stats.get(cpu, R_INTACT);
  out.bytesRead = stats.get(cpu, R_BYTES);
  out.overwritten = stats.get(cpu, R_OVERWRITTEN);
  out.skipped = stats.get(cpu, R_SKIPPED);
  out.duplicates = stats.get(cpu, R_DUPLICATE);
  out.torn = stats.get(cpu, R_TORN);
  out.missing = stats.get(cpu, R_MISSING);
  out.discarded = stats.get(cpu, C_DISCARDED);
  out.lappedReads = stats.get(cpu, R_LAPPED_READS);
  out.lagUs = stats.get(cpu, R_LAG_US);
  out.maxLagUs = stats.get(cpu, R_MAX_LAG_US);
  out.readerWoken = stats.get(cpu, R_WOKEN);
  out.readerTimeouts = stats.get(cpu, R_TIMEOUTS);
  return out;
}

// Reused by readTotalCounters: a CPU's counters before they are added in.
const one = cpuCounters();

/** Fills `out` with every CPU's counters summed (lags: the largest). */
export function readTotalCounters(stats: SimStats, out: CpuCounters): CpuCounters {
  const keys = COUNTER_KEYS;
  for (const k of keys) out[k] = 0;
  for (let cpu = 0; cpu < stats.cpus; cpu++) {
    readCpuCounters(stats, cpu, one);
    for (const k of keys) out[k] = k === 'lagUs' || k === 'maxLagUs' ? Math.max(out[k], one[k]) : out[k] + one[k];
  }
  return out;
}

const COUNTER_KEYS = Object.keys(cpuCounters()) as (keyof CpuCounters)[];

/** A buffer's fields as `struct rchan_buf` holds them, and its reader's place in it. */
export interface BufferCounters {
  /** False when the CPU has no buffer (every other field is then 0). */
  present: boolean;
  subbufsProduced: number;
  subbufsConsumed: number;
  /** `subbufs_produced - subbufs_consumed`: what an mmap reader may process. */
  ready: number;
  /** `bytes_consumed`: where read(2) stands in the sub-buffer it reads. */
  bytesConsumed: number;
  /** The writer's offset in its current sub-buffer (`subbuf_size + 1` when stalled), and that sub-buffer. */
  offset: number;
  data: number;
  /** Times the start step found the buffer full; records too big for a sub-buffer. */
  fullCount: number;
  bigCount: number;
  /** The relay file's `i_size`. */
  iSize: number;
  finalized: boolean;
  /** Tasks asleep on `read_wait`, and whether the deferred wakeup is queued. */
  sleepers: number;
  wakeupPending: boolean;
  /** False when a 64-bit counter could not be read this time and kept its last value. */
  complete: boolean;
}

export function bufferCounters(): BufferCounters {
  return {
    present: false,
    subbufsProduced: 0,
    subbufsConsumed: 0,
    ready: 0,
    bytesConsumed: 0,
    offset: 0,
    data: 0,
    fullCount: 0,
    bigCount: 0,
    iSize: 0,
    finalized: false,
    sleepers: 0,
    wakeupPending: false,
    complete: true,
  };
}

/**
 * Fills `out` with the fields of `buf` now (all 0 for null: a CPU without a buffer). Each field
 * is read on its own: for the writer's state as one moment, use `readBufferFields`. A 64-bit
 * counter whose seqlock `tries` readings all found held keeps the value `out` had; `complete`
 * on `out` says whether every one was read.
 */
export function readBufferCounters(buf: RchanBuf | null, out: BufferCounters, tries = Infinity): BufferCounters {
  if (buf === null) {
    out.present = false;
    out.subbufsProduced = out.subbufsConsumed = out.ready = out.bytesConsumed = out.offset = out.data = 0;
    out.fullCount = out.bigCount = out.iSize = out.sleepers = 0;
    out.finalized = out.wakeupPending = false;
    out.complete = true;
    return out;
  }
  // 64-bit counters under their seqlocks (buf.field), the rest one atomic load each.
  const ctl = buf.ctl;
  out.present = true;
  // Consumed first: it never passes produced, which only grows, so that a reader consuming
  // between the two readings cannot make `ready` negative.
  const consumed = buf.field(B_SUBBUFS_CONSUMED, tries);
  const produced = buf.field(B_SUBBUFS_PRODUCED, tries);
  const fullCount = buf.field(B_FULL_COUNT, tries);
  const bigCount = buf.field(B_BIG_COUNT, tries);
  const iSize = buf.field(B_I_SIZE, tries);
  out.complete = !Number.isNaN(produced + consumed + fullCount + bigCount + iSize);
  // The two as a pair, both new or both as before.
  if (!Number.isNaN(produced + consumed)) {
    out.subbufsProduced = produced;
    out.subbufsConsumed = consumed;
  }
  out.ready = out.subbufsProduced - out.subbufsConsumed;
  out.bytesConsumed = ctl.load(B_BYTES_CONSUMED);
  out.offset = ctl.load(B_OFFSET);
  out.data = ctl.load(B_DATA);
  out.fullCount = kept(fullCount, out.fullCount);
  out.bigCount = kept(bigCount, out.bigCount);
  out.iSize = kept(iSize, out.iSize);
  out.finalized = ctl.load(B_FINALIZED) === 1;
  out.sleepers = buf.words.load(W_SLEEPERS);
  out.wakeupPending = buf.words.load(W_WAKEUP_PENDING) !== 0;
  return out;
}

/** A reading, or (NaN: its seqlock stayed held) the value shown before. */
const kept = (value: number, last: number): number => (Number.isNaN(value) ? last : value);

/**
 * The writer's offset in its current sub-buffer (`subbuf_size + 1` when stalled): one field, for
 * a loop that polls it between writes and must not pay for a whole `readBufferCounters`.
 */
export function writerOffset(buf: RchanBuf): number {
  return buf.ctl.load(B_OFFSET);
}

/** A buffer's fields as a picture needs them: the writer's, the consumer's and the padding. */
export interface BufferFields {
  produced: number;
  offset: number;
  data: number;
  consumed: number;
  bytesConsumed: number;
  /** padding[] of the sub-buffers, at `paddingAt` + index. */
  padding: ArrayLike<number>;
  paddingAt: number;
}

const snapshot: WriterState = { produced: 0, offset: 0, data: 0 };
let paddingCopy = new Float64Array(0);

/**
 * Fills `out` with what a picture of `buf` is drawn from: the writer's state as one moment, then
 * the consumer's fields and the padding. With `tries`, gives up (false) if the writer stays in
 * the middle of a switch that long.
 */
export function readBufferFields(buf: RchanBuf, out: BufferFields, tries = Infinity): boolean {
  if (!tryWriterState(buf, snapshot, tries)) return false;
  const ctl = buf.ctl;
  out.produced = snapshot.produced;
  out.offset = snapshot.offset;
  out.data = snapshot.data;
  out.consumed = buf.field(B_SUBBUFS_CONSUMED, tries);
  if (Number.isNaN(out.consumed)) return false;
  out.bytesConsumed = ctl.load(B_BYTES_CONSUMED);
  // padding[] by atomic loads into one reused array: it grows, never per frame.
  if (paddingCopy.length < buf.nSubbufs) paddingCopy = new Float64Array(buf.nSubbufs);
  for (let i = 0; i < buf.nSubbufs; i++) paddingCopy[i] = ctl.load(B_PADDING + i);
  out.padding = paddingCopy;
  out.paddingAt = 0;
  return true;
}
