/**
 * Live mode: producers and readers as loops on their own threads, racing over one shared
 * memory in real time. The loops are the same whatever runs them (a Web Worker, a Node
 * worker_threads worker); they block, and are steered through a control block in shared
 * memory that every thread checks between batches.
 *
 * Control block: Int32 words, every one accessed with Atomics only; each written by the
 * coordinator only, except the acks, each written by its worker, and the last wakeup:
 *   CTL_PRODUCERS, CTL_READERS   RUN, PAUSE or STOP for each kind of loop
 *   CTL_EPOCH                    bumped with every pause request
 *   CTL_RESETS                   bumped by each relay_reset, done while everything is paused:
 *                                readers forget partial records before they run again
 *   CTL_READERS_EXPECTED         reader threads the run has (written once, before any starts)
 *   CTL_READERS_UP               bumped by each reader thread as its loop starts; producers
 *                                write nothing until it reaches CTL_READERS_EXPECTED, as a
 *                                tracer opens its relay files and starts its readers before it
 *                                enables tracing (workers start in any order, and a reader
 *                                that came up late found its buffer full, records dropped)
 *   CTL_PAGE_FRAME               1 while the page runs a frame's callbacks, else 0: a producer
 *                                thread that cannot keep up gives way to the page meanwhile
 *                                (producerLoop)
 *   CTL_ACK + i                  worker i stores the epoch once it has stopped for it
 *   T_BASE_REAL, T_BASE_VIRTUAL, T_SPEED
 *                                virtual time = base virtual + (clock - base real) * speed,
 *                                each a Float64's bits in two words, changed only while
 *                                everything is paused: the RUN store that follows is the release,
 *                                a worker's load of RUN the acquire
 *   LAST_WAKE                    µs of the last wakeup a producer issued (BigInt64: several
 *                                producers store it, a reader loads it; last one wins)
 * Pausing is two-phase: producers stop and ack first; then readers stop, and each takes the
 * inventory of its buffers (accounting.ts) before it acks, so the accounting after a pause is
 * exact.
 */
import { SharedWords, W_CHANNEL_WAIT, W_WAIT, channelWordsBase, type Rchan } from '../kernel/index.ts';
import { takeInventory } from './accounting.ts';
import { EMIT_WOKE, type Producer } from './producer.ts';
import type { Random } from './random.ts';
import type { Reader, ReaderOptions } from './reader.ts';
import { R_TIMEOUTS, R_WOKEN, type SimStats } from './stats.ts';

export const RUN = 1;
export const PAUSE = 0;
export const STOP = 2;

export const CTL_PRODUCERS = 0;
export const CTL_READERS = 1;
export const CTL_EPOCH = 2;
export const CTL_RESETS = 3;
export const CTL_READERS_EXPECTED = 4;
export const CTL_READERS_UP = 5;
export const CTL_PAGE_FRAME = 6;
export const CTL_ACK = 16;
export const MAX_WORKERS = 240;
/** Word pairs after the control words: the bits of each Float64 of the time base. */
const T_BASE_REAL = 0;
const T_BASE_VIRTUAL = 2;
const T_SPEED = 4;
const TIME_WORDS = 8;
const CONTROL_WORDS = CTL_ACK + MAX_WORKERS;

export const controlByteLength = (): number => (CONTROL_WORDS + TIME_WORDS) * 4 + 8;

/** A Float64 as two Int32 words, and back: this thread's scratch for the conversion. */
const bits = new Float64Array(1);
const halves = new Int32Array(bits.buffer);

/** Views over the control block. */
export class LiveControl {
  readonly words: Int32Array;
  private readonly time: SharedWords;
  /** µs of the last wakeup a producer issued, for the reader's latency. */
  private readonly lastWake: BigInt64Array;

  constructor(readonly memory: ArrayBuffer | SharedArrayBuffer) {
    this.words = new Int32Array(memory, 0, CONTROL_WORDS);
    this.time = new SharedWords(memory, CONTROL_WORDS * 4, TIME_WORDS);
    this.lastWake = new BigInt64Array(memory, (CONTROL_WORDS + TIME_WORDS) * 4, 1);
  }

  private float(i: number): number {
    halves[0] = this.time.load(i);
    halves[1] = this.time.load(i + 1);
    return bits[0];
  }

  private setFloat(i: number, value: number): void {
    bits[0] = value;
    this.time.store(i, halves[0]);
    this.time.store(i + 1, halves[1]);
  }

  /** Virtual seconds at wall-clock time `nowMs`. */
  virtualTime(nowMs: number): number {
    return this.float(T_BASE_VIRTUAL) + ((nowMs - this.float(T_BASE_REAL)) / 1000) * this.float(T_SPEED);
  }

  get speed(): number {
    return this.float(T_SPEED);
  }

  /** Sets the time base; only while every loop is paused (or before they start). */
  setTimeBase(nowMs: number, virtualSeconds: number, speed: number): void {
    this.setFloat(T_BASE_REAL, nowMs);
    this.setFloat(T_BASE_VIRTUAL, virtualSeconds);
    this.setFloat(T_SPEED, speed);
  }

  state(kind: number): number {
    return Atomics.load(this.words, kind);
  }

  /** Coordinator: sets a kind of loop running, paused or stopping, and wakes it. */
  set(kind: number, state: number): number {
    const epoch = state === PAUSE ? Atomics.add(this.words, CTL_EPOCH, 1) + 1 : Atomics.load(this.words, CTL_EPOCH);
    Atomics.store(this.words, kind, state);
    Atomics.notify(this.words, kind);
    return epoch;
  }

  /** Coordinator, while paused: relay_reset ran, so readers restart their streams. */
  noteReset(): void {
    Atomics.add(this.words, CTL_RESETS, 1);
  }

  get resets(): number {
    return Atomics.load(this.words, CTL_RESETS);
  }

  /** Coordinator, before any thread starts: producers wait for this many readers. */
  expectReaders(n: number): void {
    Atomics.store(this.words, CTL_READERS_EXPECTED, n);
  }

  /** The page: its frame callbacks start (true), or are done (false). */
  pageFrame(drawing: boolean): void {
    Atomics.store(this.words, CTL_PAGE_FRAME, drawing ? 1 : 0);
    if (!drawing) Atomics.notify(this.words, CTL_PAGE_FRAME);
  }

  /** A producer thread: waits while the page runs its frame callbacks, at most `ms`. */
  giveWayToPage(ms: number): void {
    Atomics.wait(this.words, CTL_PAGE_FRAME, 1, ms);
  }

  /** Reader thread: its loop has started. */
  readerUp(): void {
    Atomics.add(this.words, CTL_READERS_UP, 1);
    Atomics.notify(this.words, CTL_READERS_UP);
  }

  /** Whether every reader the run expects has started. */
  readersUp(): boolean {
    return Atomics.load(this.words, CTL_READERS_UP) >= Atomics.load(this.words, CTL_READERS_EXPECTED);
  }

  /** Producer: blocks until another reader starts, at most `ms`. */
  waitForReaders(ms: number): void {
    Atomics.wait(this.words, CTL_READERS_UP, Atomics.load(this.words, CTL_READERS_UP), ms);
  }

  /** Whether worker `i` has stopped for pause `epoch` (or has finished). */
  acked(i: number, epoch: number): boolean {
    return Atomics.load(this.words, CTL_ACK + i) >= epoch;
  }

  /**
   * Coordinator, on a thread that must not block (the page's): resolves once worker `i` has
   * stopped for pause `epoch`, waiting on its ack word with Atomics.waitAsync (`ack` notifies it).
   */
  async untilAcked(i: number, epoch: number): Promise<void> {
    const at = CTL_ACK + i;
    for (let seen = Atomics.load(this.words, at); seen < epoch; seen = Atomics.load(this.words, at)) {
      const wait = Atomics.waitAsync(this.words, at, seen);
      if (wait.async) await wait.value;
    }
  }

  ack(i: number): void {
    Atomics.store(this.words, CTL_ACK + i, Atomics.load(this.words, CTL_EPOCH));
    Atomics.notify(this.words, CTL_ACK + i);
  }

  /** A finished loop acks every pause to come. */
  ackForever(i: number): void {
    Atomics.store(this.words, CTL_ACK + i, 0x7fffffff);
    Atomics.notify(this.words, CTL_ACK + i);
  }

  /** Worker: blocks while `kind` is paused, at most `ms`. */
  waitWhilePaused(kind: number, ms: number): void {
    Atomics.wait(this.words, kind, PAUSE, ms);
  }

  /** Worker: sleeps up to `ms` unless told to pause or stop meanwhile. */
  nap(kind: number, ms: number): void {
    if (ms > 0) Atomics.wait(this.words, kind, RUN, ms);
  }

  noteWakeup(nowMs: number): void {
    Atomics.store(this.lastWake, 0, BigInt(Math.round(nowMs * 1000)));
  }

  /** Wall clock (ms) of the last wakeup a producer issued. */
  get lastWakeup(): number {
    return Number(Atomics.load(this.lastWake, 0)) / 1000;
  }
}

/** Records per check of the control block. */
const BATCH = 2048;
/** Longest a loop blocks before it looks at the control block again (real ms). */
const MAX_NAP_MS = 20;
/** Shortest nap of a producer thread that has caught up (real ms). */
const MIN_NAP_MS = 1;
/** Records between two looks of a thread that is behind at whether the page draws a frame. */
const GIVE_WAY_EVERY = 256;
/** Longest a producer thread gives way to one frame of the page (real ms). */
const GIVE_WAY_MS = 12;
/** How often a running loop publishes its counts for other threads (real ms). */
const PUBLISH_MS = 4;

export interface ProducerLoopOptions {
  control: LiveControl;
  /** This worker's index, for acks. */
  index: number;
  producers: readonly Producer[];
  /** Wall clock in milliseconds, the same on every thread (timeOrigin + now in a browser). */
  clock: () => number;
  /** Write as fast as possible instead of following the workload's arrival times. */
  unthrottled?: boolean;
  /** The producers' counts: published every few milliseconds and before every ack. */
  stats: SimStats;
  /** Records per producer, then the loop ends. */
  limit?: number;
}

/**
 * A thread's CPUs ordered by their next arrival, earliest first, the lower index first among
 * equals: a binary heap over `at`, so that picking the next record costs log(CPUs), not CPUs.
 */
export class ArrivalOrder {
  private readonly heap: Int32Array;

  constructor(private readonly at: number[]) {
    this.heap = Int32Array.from(at.keys());
    for (let i = (at.length >> 1) - 1; i >= 0; i--) this.sift(i);
  }

  /** The CPU whose record comes first. */
  get first(): number {
    return this.heap[0];
  }

  /** `at[first]` moved later (its next record, or Infinity when it writes no more). */
  firstMoved(): void {
    this.sift(0);
  }

  private before(a: number, b: number): boolean {
    const at = this.at;
    return at[a] < at[b] || (at[a] === at[b] && a < b);
  }

  private sift(i: number): void {
    const h = this.heap;
    const n = h.length;
    const k = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(h[c + 1], h[c])) c++;
      if (!this.before(h[c], k)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = k;
  }
}

/** Runs producers until STOP (or their limit). Returns the records each emitted. */
export function producerLoop(o: ProducerLoopOptions): number[] {
  const { control, producers, clock } = o;
  const counts = producers.map(() => 0);
  const limit = o.limit ?? Infinity;
  // The first arrivals once every reader runs: none are owed for the time spent waiting.
  let next: number[] | null = null;
  let order: ArrivalOrder | null = null;
  /** 1 where the CPU may write in this batch (Producer.begin). */
  const ready = new Uint8Array(producers.length);
  let published = clock();
  let paused = false;
  // The last batch was full: the thread has more due than it can write, takes every cycle it
  // gets, and would take them from the page's frames too.
  let behind = false;
  for (;;) {
    const state = control.state(CTL_PRODUCERS);
    if (state === STOP) break;
    if (state === PAUSE) {
      // Counts first, then the ack: the coordinator's Atomics.load of the ack orders them.
      o.stats.publish();
      control.ack(o.index);
      paused = true;
      control.waitWhilePaused(CTL_PRODUCERS, MAX_NAP_MS);
      continue;
    }
    if (paused) {
      // The coordinator may have changed counts while we were paused (relay_reset's accounting).
      o.stats.adopt();
      paused = false;
    }
    if (next === null) {
      if (!control.readersUp()) {
        control.waitForReaders(MAX_NAP_MS);
        continue;
      }
      const start = control.virtualTime(clock());
      next = producers.map((p, i) => (counts[i] < limit ? p.nextArrival(start) : Infinity));
      order = new ArrivalOrder(next);
    }
    const now = clock();
    if (now - published >= PUBLISH_MS) {
      o.stats.publish();
      published = now;
    }
    const v = control.virtualTime(now);
    let emitted = 0;
    let live = 0;
    for (let i = 0; i < producers.length; i++) if (counts[i] < limit) live++;
    if (live === 0) break;
    // Online, on the list, offset and data change only while producers are paused, and this
    // loop looks at the pause word once per batch: one check (and one resync) per batch.
    for (let i = 0; i < producers.length; i++) ready[i] = producers[i].begin() ? 1 : 0;
    if (o.unthrottled) {
      // As fast as possible: each CPU in turn.
      for (let i = 0; i < producers.length; i++) {
        const p = producers[i];
        for (; emitted < BATCH && counts[i] < limit; counts[i]++, emitted++) {
          const size = p.nextSize();
          if (ready[i] === 1 && p.write(size, v * 1e6) & EMIT_WOKE) control.noteWakeup(clock());
        }
      }
    } else {
      // Every record due, in arrival order across this thread's CPUs, as they came. A thread
      // that fell behind (descheduled, or slow to start) catches its CPUs up together; CPU by
      // CPU, the first one took a whole batch at once, 2048 records, more than its buffer
      // holds at 64 bytes a record in 8 sub-buffers of 16 KiB, and dropped what its reader had
      // no time to read.
      const arrivals = order as ArrivalOrder;
      while (emitted < BATCH) {
        if (behind && emitted % GIVE_WAY_EVERY === 0) control.giveWayToPage(GIVE_WAY_MS);
        const k = arrivals.first;
        if (!(next[k] <= v)) break;
        const p = producers[k];
        const size = p.nextSize();
        if (ready[k] === 1 && p.write(size, next[k] * 1e6) & EMIT_WOKE) control.noteWakeup(clock());
        counts[k]++;
        emitted++;
        next[k] = counts[k] < limit ? p.nextArrival(next[k]) : Infinity;
        arrivals.firstMoved();
      }
    }
    behind = !o.unthrottled && emitted === BATCH;
    if (!o.unthrottled && emitted < BATCH) {
      // Caught up. The records due while it naps are written when it wakes, in arrival order
      // and stamped with their own times; napping at least MIN_NAP_MS keeps a busy thread
      // from waking for every record or two, and leaves the page's thread its share.
      o.stats.publish();
      const soonest = next[(order as ArrivalOrder).first];
      control.nap(CTL_PRODUCERS, Math.min(MAX_NAP_MS, Math.max(MIN_NAP_MS, ((soonest - v) * 1000) / control.speed)));
    }
  }
  o.stats.publish();
  control.ackForever(o.index);
  return counts;
}

export interface ReaderLoopOptions {
  control: LiveControl;
  index: number;
  chan: Rchan;
  stats: SimStats;
  readers: readonly Reader[];
  readerOptions: ReaderOptions;
  /** Seconds a reader with nothing to read sleeps in poll. */
  period: number;
  /** Processing cost, microseconds per KiB (slept, scaled by speed). */
  costPerKiB: number;
  /** Every pauseEvery virtual seconds the readers stop for pauseFor (0: never). */
  pauseEvery?: number;
  pauseFor?: number;
  /** Spread of the poll period (0..1), drawn from `random`. */
  jitter?: number;
  random?: Random;
  clock: () => number;
  /** Receives each wakeup latency (µs from the producer's wakeup to this reader running). */
  onWakeLatency?: (us: number) => void;
}

/**
 * Runs readers until STOP: each reads what is there; when none has anything, they poll,
 * sleep on the wait word until a wakeup or the period, and leave the wait queues.
 * At every pause each takes the inventory of its buffers before acking.
 */
export function readerLoop(o: ReaderLoopOptions): void {
  const { control, readers, chan, clock } = o;
  // One file: its buffer's word; several: the channel-wide word every wakeup bumps.
  const single = readers.length === 1 && readers[0].streams.length === 1;
  const words = single ? readers[0].streams[0].buf.words : chan.words;
  const word = single ? W_WAIT : channelWordsBase(chan.layout) + W_CHANNEL_WAIT;
  const statsCpu = readers[0]?.streams[0]?.buf.cpu ?? 0;
  // A private word to sleep on for the processing cost (Atomics.wait wants shared memory).
  const scratch = new Int32Array(new SharedArrayBuffer(4));
  let resets = control.resets;
  let published = clock();
  control.readerUp();
  for (;;) {
    const state = control.state(CTL_READERS);
    if (state === STOP) break;
    if (state === PAUSE) {
      const nowUs = control.virtualTime(clock()) * 1e6;
      // The producers published and acked before readers were paused: their counts are final.
      for (const r of readers) takeInventory(chan, o.stats, r, o.readerOptions, nowUs);
      // Counts and inventory first, then the ack (release): the coordinator reads them after it.
      o.stats.publish();
      control.ack(o.index);
      while (control.state(CTL_READERS) === PAUSE) control.waitWhilePaused(CTL_READERS, MAX_NAP_MS);
      // relay_reset's accounting may have changed this reader's rows meanwhile.
      o.stats.adopt();
      if (control.resets !== resets) {
        resets = control.resets;
        for (const r of readers) r.restart();
      }
      continue;
    }
    const now = control.virtualTime(clock());
    const pauseEvery = o.pauseEvery ?? 0;
    if (pauseEvery > 0) {
      // The reader's own pauses (a busy daemon): it neither reads nor polls until they end.
      const phase = now % pauseEvery;
      const left = phase - (pauseEvery - (o.pauseFor ?? 0));
      if (left >= 0) {
        control.nap(CTL_READERS, Math.min(MAX_NAP_MS, (((o.pauseFor ?? 0) - left) * 1000) / control.speed));
        continue;
      }
    }
    const nowUs = now * 1e6;
    let bytes = 0;
    for (const r of readers) bytes += r.service(nowUs);
    if (clock() - published >= PUBLISH_MS) {
      o.stats.publish();
      published = clock();
    }
    if (bytes > 0) {
      if (o.costPerKiB > 0) Atomics.wait(scratch, 0, 0, ((bytes / 1024) * o.costPerKiB) / 1000 / control.speed);
      continue;
    }
    // About to sleep: what was read so far is visible to the page while we wait.
    o.stats.publish();
    published = clock();
    const generation = words.load(word);
    let asleep = true;
    for (const r of readers) if (!r.sleep()) asleep = false;
    if (!asleep) {
      for (const r of readers) r.wake();
      continue;
    }
    const spread = o.jitter && o.random ? 1 + o.jitter * (2 * o.random.float() - 1) : 1;
    const periodMs = (o.period * spread * 1000) / control.speed;
    const start = clock();
    let outcome: string = 'timed-out';
    while (clock() - start < periodMs && control.state(CTL_READERS) === RUN) {
      outcome = words.wait(word, generation, Math.min(MAX_NAP_MS, periodMs - (clock() - start)));
      if (outcome !== 'timed-out') break;
    }
    for (const r of readers) r.wake();
    if (outcome === 'timed-out') o.stats.add(statsCpu, R_TIMEOUTS);
    else {
      o.stats.add(statsCpu, R_WOKEN);
      o.onWakeLatency?.((clock() - control.lastWakeup) * 1000);
    }
  }
  o.stats.publish();
  control.ackForever(o.index);
}
