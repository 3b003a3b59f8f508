/**
 * The only way the engine touches memory that another thread reads or writes: Int32 words
 * behind `Atomics`. The array is private and the class has no index signature, so a plain
 * `words[i]` or `words[i] = v` does not compile (layout.test.ts proves it): every access is an
 * atomic load, store or read-modify-write.
 *
 * ECMAScript atomics are sequentially consistent, which is stronger than the release/acquire
 * pairs the layout needs: a store here is a release (every plain write before it, such as the
 * bytes of a record, is visible to a thread that loads the stored value), and a load is an
 * acquire (every plain read after it sees at least what the storing thread wrote before the
 * store). On x86 a load compiles to a plain move and a store to an exchange; on ARM both carry
 * the barriers a weakly ordered CPU needs.
 *
 * 64-bit counters are two words, low then high. `load64`/`store64` are two atomic accesses,
 * not one: they are exact for the field's own writer, and for other threads only under the
 * seqlock the layout table names for the field (see layout.ts and `readSeq64`).
 */
export class SharedWords {
  readonly #w: Int32Array;
  /**
   * The memory is a SharedArrayBuffer. An ArrayBuffer cannot be shared (postMessage copies
   * or transfers it), so no other thread can ever see its words: they are accessed plainly,
   * which keeps the one-thread deterministic engine at its full speed.
   */
  readonly #shared: boolean;

  constructor(memory: ArrayBufferLike, byteOffset: number, length: number) {
    this.#w = new Int32Array(memory, byteOffset, length);
    this.#shared = !(memory instanceof ArrayBuffer);
  }

  /** Whether other threads may see these words (the memory is shared). */
  get shared(): boolean {
    return this.#shared;
  }

  get length(): number {
    return this.#w.length;
  }

  /** Byte offset of word 0 in the memory (the layout test checks it). */
  get byteOffset(): number {
    return this.#w.byteOffset;
  }

  load(i: number): number {
    return this.#shared ? Atomics.load(this.#w, i) : this.#w[i];
  }

  store(i: number, value: number): void {
    if (this.#shared) Atomics.store(this.#w, i, value);
    else this.#w[i] = value;
  }

  /** Adds and returns the old value. */
  add(i: number, by: number): number {
    if (this.#shared) return Atomics.add(this.#w, i, by);
    const old = this.#w[i];
    this.#w[i] = old + by;
    return old;
  }

  exchange(i: number, value: number): number {
    return Atomics.exchange(this.#w, i, value);
  }

  compareExchange(i: number, expected: number, value: number): number {
    return Atomics.compareExchange(this.#w, i, expected, value);
  }

  /** Sets words [from, to) to `value`, one atomic store each. */
  fill(value: number, from: number, to: number): void {
    for (let i = from; i < to; i++) Atomics.store(this.#w, i, value);
  }

  /** Every word, one atomic load each (comparisons of a whole block in tests). */
  toArray(): number[] {
    return Array.from({ length: this.#w.length }, (_, i) => Atomics.load(this.#w, i));
  }

  /** A 64-bit counter at words i (low) and i + 1 (high): exact up to 2^53. */
  load64(i: number): number {
    return this.load(i + 1) * 0x1_0000_0000 + (this.load(i) >>> 0);
  }

  /** Stores a 64-bit counter, low word first; only its writer, inside the field's seqlock. */
  store64(i: number, value: number): void {
    const hi = Math.floor(value / 0x1_0000_0000);
    this.store(i, value - hi * 0x1_0000_0000);
    this.store(i + 1, hi);
  }

  /** The low 32 bits of a 64-bit counter: enough to see whether it moved. */
  load64Low(i: number): number {
    return this.load(i) >>> 0;
  }

  /** Blocks while word i holds `value`, at most `ms` (not on a page's main thread). */
  wait(i: number, value: number, ms: number): 'ok' | 'not-equal' | 'timed-out' {
    return Atomics.wait(this.#w, i, value, ms);
  }

  notify(i: number, count?: number): number {
    return Atomics.notify(this.#w, i, count);
  }
}

/**
 * How many times a page's frame tries a seqlocked read before it keeps what it showed: a writer
 * preempted inside its critical section (more threads than cores) holds the seqlock for the
 * rest of its time slice, and a frame that spun for it would last that long.
 */
export const GLANCE_TRIES = 64;

/**
 * Reads the 64-bit field at `i` of `fields` as one value while its writer may be changing it:
 * the writer holds `seq` odd while it stores (a seqlock), so a reading taken between two equal,
 * even loads of `seq` is one moment. On the writer's own thread the first try succeeds. After
 * `tries` attempts without such a moment, NaN.
 */
export function readSeq64(seq: SharedWords, seqIndex: number, fields: SharedWords, i: number, tries = Infinity): number {
  for (let n = 0; n < tries; n++) {
    const before = seq.load(seqIndex);
    if ((before & 1) !== 0) continue; // a writer on another thread is in the middle of it
    const value = fields.load64(i);
    if (seq.load(seqIndex) === before) return value;
  }
  return NaN;
}
