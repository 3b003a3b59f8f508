/**
 * Per-CPU instrumentation of a live or simulated run, kept outside the kernel state: the
 * producers and readers count what happened to every record here, and the kernel model never
 * reads it. One Float64 row per CPU; each field is written by one thread only (its owner is in
 * the name: P_ the CPU's producer, R_ the reader serving that CPU, C_ the coordinator while
 * producers and readers are stopped). Other threads read it for display and may see a value
 * a moment old.
 */

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

export const statsByteLength = (cpus: number): number => cpus * STATS_FIELDS * 8 + LOCK_WORDS * 4;

export class SimStats {
  readonly f64: Float64Array;
  readonly locks: Int32Array;

  constructor(
    readonly memory: ArrayBuffer | SharedArrayBuffer,
    readonly cpus: number,
  ) {
    this.f64 = new Float64Array(memory, 0, cpus * STATS_FIELDS);
    this.locks = new Int32Array(memory, cpus * STATS_FIELDS * 8, LOCK_WORDS);
  }

  static create(cpus: number, allocate: (bytes: number) => ArrayBuffer | SharedArrayBuffer): SimStats {
    return new SimStats(allocate(statsByteLength(cpus)), cpus);
  }

  get(cpu: number, field: number): number {
    return this.f64[cpu * STATS_FIELDS + field];
  }

  add(cpu: number, field: number, by = 1): void {
    this.f64[cpu * STATS_FIELDS + field] += by;
  }

  set(cpu: number, field: number, value: number): void {
    this.f64[cpu * STATS_FIELDS + field] = value;
  }

  /** Sum of a field over CPUs. */
  total(field: number): number {
    let sum = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) sum += this.get(cpu, field);
    return sum;
  }
}

/** A spinlock over an Int32 word, as clients of a global buffer serialise their writers. */
export function spinLock(words: Int32Array, index: number): void {
  while (Atomics.compareExchange(words, index, 0, 1) !== 0) {
    // Another CPU's producer holds it for the length of one write.
  }
}

export function spinUnlock(words: Int32Array, index: number): void {
  Atomics.store(words, index, 0);
}
