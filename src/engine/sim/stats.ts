/**
 * Per-CPU instrumentation of a live or simulated run, kept outside the kernel state: the
 * producers and readers count what happened to every record here, and the kernel model never
 * reads it. One row per CPU; each field has one writer at a time (its owner is in the name:
 * P_ the CPU's producer, R_ and I_ the reader serving that CPU, C_ the coordinator while
 * producers and readers are paused).
 *
 * Shared memory by the memory model, at a cost the write path can bear: each thread counts
 * into its own plain Float64 copy (`f64`, never shared), and publishes the rows it changed
 * into the shared memory, one BigInt64 word per field, with `Atomics.store` (release):
 * producers after every batch of records, readers after every pass, everyone before it acks a
 * pause. Another thread's fields are read with `Atomics.load` (acquire), so a display may see a
 * count one batch old, never a torn one; 64 bits never wrap. Ownership moves only across a
 * pause (the coordinator's relay_reset accounting writes readers' rows): a worker publishes
 * before it acks, and `adopt()`s the published rows when it runs again. Memory that is not
 * shared (a deterministic run on one thread) keeps only the plain copy.
 *
 *   [ BigInt64 cpus * STATS_FIELDS ]  published counts
 *   [ Int32    LOCK_WORDS          ]  locks (Atomics only)
 */

import { SharedWords } from '../kernel/index.ts';

export const P_WRITTEN = 0;
export const P_LANDED = 1;
export const P_DROPPED_FULL = 2;
export const P_DROPPED_TOOBIG = 3;
export const P_BYTES = 4;
export const P_PRODUCTIONS = 5;
/** Productions that found a poller asleep and ran the deferred wakeup. */
export const P_WAKEUPS = 6;
/** Productions with nobody asleep: no wakeup. */
export const P_NO_SLEEPER = 7;
export const P_WOKEN = 8;
/** Padding bytes of the sub-buffers this CPU's writes produced. */
export const P_PADDING = 9;
export const R_INTACT = 16;
/** Bytes the reader took (read(2)'s returns, or mmap'd sub-buffers less padding), headers included. */
export const R_BYTES = 17;
export const R_OVERWRITTEN = 18;
export const R_SKIPPED = 19;
/** Records returned again (v6.17 read() after an all-padding sub-buffer). */
export const R_DUPLICATE = 20;
/** Records that failed their check with nothing to explain it. */
export const R_TORN = 21;
/** Sequence gaps nothing explains: records that landed and vanished. */
export const R_MISSING = 22;
/** Next sequence number the reader expects from this CPU. */
export const R_NEXT_SEQ = 23;
/** Microseconds between the last record's timestamp and its reading. */
export const R_LAG_US = 24;
export const R_MAX_LAG_US = 25;
/** Times the reader ran because a wakeup woke it, or because its poll timed out. */
export const R_WOKEN = 26;
export const R_TIMEOUTS = 27;
export const C_DISCARDED = 28;
/**
 * Records (or headers) the reader got while an overwriting writer lapped the range it copied,
 * as the relay documentation warns: already counted as overwritten, so this only counts events.
 */
export const R_LAPPED_READS = 29;
/**
 * The inventory, taken while producers are stopped (accounting.ts): records still in the
 * buffers, and records found gone that no reader had seen go. Written by the reader serving
 * the CPU (or the coordinator when there is none).
 */
export const I_IN_BUFFER = 32;
export const I_OVERWRITTEN = 33;
export const I_MISSING = 34;
export const I_TORN = 35;
export const STATS_FIELDS = 40;
/** Int32 words after the rows: a lock for clients that share the global buffer. */
const LOCK_WORDS = 4;
export const L_GLOBAL = 0;
/** Fields 0..P_GROUP-1 are the producer's; the rest the reader's (and the coordinator's, paused). */
const P_GROUP = 16;

export const statsByteLength = (cpus: number): number => cpus * STATS_FIELDS * 8 + LOCK_WORDS * 4;

export class SimStats {
  /** This thread's copy of every count: the owner's fields exact, others as last adopted. */
  readonly f64: Float64Array;
  readonly locks: SharedWords;
  /** The published counts; null when the memory is not shared (one thread has it all). */
  private readonly published: BigInt64Array | null;
  /** Per CPU and group (producer's, reader's): 1 while this thread has unpublished counts. */
  private readonly dirty: Uint8Array;

  constructor(
    readonly memory: ArrayBuffer | SharedArrayBuffer,
    readonly cpus: number,
  ) {
    this.f64 = new Float64Array(cpus * STATS_FIELDS);
    this.published = memory instanceof ArrayBuffer ? null : new BigInt64Array(memory, 0, cpus * STATS_FIELDS);
    this.locks = new SharedWords(memory, cpus * STATS_FIELDS * 8, LOCK_WORDS);
    this.dirty = new Uint8Array(cpus * 2);
    this.adopt();
  }

  static create(cpus: number, allocate: (bytes: number) => ArrayBuffer | SharedArrayBuffer): SimStats {
    return new SimStats(allocate(statsByteLength(cpus)), cpus);
  }

  /** The count as this thread knows it: its own, or the last one published by its owner. */
  get(cpu: number, field: number): number {
    const i = cpu * STATS_FIELDS + field;
    const p = this.published;
    if (p === null || this.dirty[cpu * 2 + (field < P_GROUP ? 0 : 1)] === 1) return this.f64[i];
    // Acquire: the owner stored it after the counts it stands for.
    return Number(Atomics.load(p, i));
  }

  add(cpu: number, field: number, by = 1): void {
    this.own(cpu, field);
    this.f64[cpu * STATS_FIELDS + field] += by;
  }

  set(cpu: number, field: number, value: number): void {
    this.own(cpu, field);
    this.f64[cpu * STATS_FIELDS + field] = value;
  }

  /**
   * This thread is about to count into the group of `field` (the producer's fast path writes
   * `f64` directly after calling it once per record): its copy of the group becomes the truth.
   */
  own(cpu: number, field: number): void {
    const g = cpu * 2 + (field < P_GROUP ? 0 : 1);
    if (this.dirty[g] === 1) return;
    this.dirty[g] = 1;
    this.pull(g);
  }

  /**
   * Publishes every group this thread changed since its last publish, one Atomics.store
   * (release) per field: a thread that loads a count sees everything counted before it.
   */
  publish(): void {
    const p = this.published;
    if (p === null) return;
    for (let g = 0; g < this.dirty.length; g++) {
      if (this.dirty[g] === 0) continue;
      const [from, to] = groupRange(g);
      for (let i = from; i < to; i++) Atomics.store(p, i, BigInt(this.f64[i]));
    }
  }

  /**
   * After a pause: takes every published count as this thread's copy (the coordinator may have
   * changed rows this thread owns), and forgets what it owned. Publish first.
   */
  adopt(): void {
    this.dirty.fill(0);
    if (this.published === null) return;
    for (let g = 0; g < this.dirty.length; g++) this.pull(g);
  }

  /** Sum of a field over CPUs. */
  total(field: number): number {
    let sum = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) sum += this.get(cpu, field);
    return sum;
  }

  private pull(g: number): void {
    const p = this.published;
    if (p === null) return;
    const [from, to] = groupRange(g);
    for (let i = from; i < to; i++) this.f64[i] = Number(Atomics.load(p, i));
  }
}

/** Indices [from, to) of group g: CPU g >> 1, producer's (even g) or reader's fields. */
function groupRange(g: number): [number, number] {
  const row = (g >> 1) * STATS_FIELDS;
  return (g & 1) === 0 ? [row, row + P_GROUP] : [row + P_GROUP, row + STATS_FIELDS];
}

/** A spinlock over an Int32 word, as clients of a global buffer serialise their writers. */
export function spinLock(words: SharedWords, index: number): void {
  // Acquire: the holder's writes to the buffer before its unlock are visible after this.
  while (words.compareExchange(index, 0, 1) !== 0) {
    // Another CPU's producer holds it for the length of one write.
  }
}

export function spinUnlock(words: SharedWords, index: number): void {
  // Release: everything this writer stored while holding the lock is visible to the next holder.
  words.store(index, 0);
}
