/**
 * Deterministic mode: producers and readers on one thread in virtual time, driven by a seeded
 * discrete-event scheduler. The same configuration and seed give the same run, event for
 * event, in the browser and in Node. Operations are atomic; a wakeup runs right after the
 * write that queued it (irq_work), or up to v4.9 at the next jiffy (a timer, HZ=250), and the
 * woken reader runs `wakeLatency` later.
 */
import {
  relayClose,
  relayCpuOffline,
  relayCpuOnline,
  relayFlush,
  relayReset,
  relayWakeupPending,
  wakeupReaders,
  nextJiffy,
  type ChannelMemory,
  type Rchan,
  type RchanBuf,
  type RelayTracer,
} from '../kernel/index.ts';
import { sharedInCheckpoints, takeCheckpoint, restoreCheckpoint, type Checkpoint } from './checkpoint.ts';
import { accounting, discardInventory, takeInventory, type CpuAccounting } from './accounting.ts';
import { EMIT_TIMER, EMIT_WOKE, Producer } from './producer.ts';
import { Random } from './random.ts';
import { Reader, readerOptions, type ReaderOptions } from './reader.ts';
import type { SimConfig } from './simConfig.ts';
import { openSimChannel } from './simChannel.ts';
import { checkWorkload, replayStreams, type ImportedWorkload } from './workloadCsv.ts';
import { P_WAKEUPS, P_WOKEN, R_TIMEOUTS, R_WOKEN, type SimStats } from './stats.ts';
import { READER_ASLEEP, READER_PAUSED, READER_PROCESSING, READER_READING, READER_WOKEN } from './readerPhase.ts';
import { BlktraceSink } from './blktrace.ts';
import { captureReplays } from './blktraceCapture.ts';
import { FileTable } from './files.ts';
import { BLKTRACE_CLOCK_BASE_NS, BlktraceGenerator } from './blktraceGen.ts';

export interface SimOptions {
  seed: number;
  /** Makes the channel's and the counters' memory (an ArrayBuffer by default). */
  allocate?: (byteLength: number) => ChannelMemory;
  verify?: 'full' | 'ends';
  /** Receives the kernel's events, after the simulation's own bookkeeping. */
  tracer?: RelayTracer;
  /**
   * Imported records the producers write instead of the configuration's generated workload
   * (whose `call` still says how they write). Checked against the configuration: a CPU beyond
   * it or a record too large throws WorkloadError.
   */
  workload?: ImportedWorkload;
  /** When the records are blktrace's: keep the files its readers write (`blktrace.bytes(cpu)`), not only their counts. */
  blktraceFiles?: boolean;
}

const ARRIVAL = 0;
const READER = 1;
/** A buffer's wakeup timer expires (up to v4.9); `index` is the buffer's. */
const TIMER = 2;

interface Event {
  t: number;
  order: number;
  kind: number;
  index: number;
  token: number;
}

/** A binary min-heap of events by time, then by the order they were scheduled. */
class EventQueue {
  private readonly items: Event[] = [];
  private order = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): Event | undefined {
    return this.items[0];
  }

  push(t: number, kind: number, index: number, token = 0): void {
    const items = this.items;
    const e = { t, order: this.order++, kind, index, token };
    let i = items.push(e) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = e;
  }

  pop(): Event | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= items.length) break;
      const r = l + 1;
      const c = r < items.length && before(items[r], items[l]) ? r : l;
      if (!before(items[c], last)) break;
      items[i] = items[c];
      i = c;
    }
    items[i] = last;
    return top;
  }
}

const before = (a: Event, b: Event): boolean => a.t < b.t || (a.t === b.t && a.order < b.order);

interface ReaderSlot {
  reader: Reader;
  rng: Random;
  sleeping: boolean;
  token: number;
  /** Buffers it reads, for routing wakeups. */
  bufs: Set<RchanBuf>;
  /** When the reader's current pause ends (-1: not paused). */
  pausedUntil: number;
  /** What the reader is doing (READER_* of readerPhase.ts), for pictures of the run. */
  phase: number;
  /** When it last copied bytes: it is reading at that instant, processing them after. */
  readAt: number;
}

export class Simulation {
  readonly chan: Rchan;
  readonly stats: SimStats;
  readonly producers: Producer[];
  readonly readers: ReaderSlot[] = [];
  /** Virtual time, seconds. */
  now = 0;
  eventsRun = 0;
  private readonly queue = new EventQueue();
  /** Buffers whose wakeup timer is armed, by creation index. */
  private readonly timers = new Set<number>();
  private readonly readerOptions: ReaderOptions;
  private readonly allocate: (byteLength: number) => ChannelMemory;
  /** The files blktrace's readers write, when the records are blktrace's (generated or imported). */
  readonly blktrace: BlktraceSink | null;
  /**
   * The relay files a user-space process beside the run's readers holds (the files panel's
   * calls): part of the run's state, so a restore replaces it (read it from here each time).
   */
  readonly files: FileTable;

  constructor(
    readonly config: SimConfig,
    readonly options: SimOptions,
  ) {
    const { channel: ch, workload, reader } = config;
    if (options.workload !== undefined) checkWorkload(options.workload, config);
    const replay = options.workload === undefined ? null : replayStreams(options.workload, ch.cpus);
    // Inputs that never change: checkpoints keep them by reference.
    sharedInCheckpoints(config);
    replay?.forEach((r) => sharedInCheckpoints(r));
    this.allocate = options.allocate ?? ((n) => new ArrayBuffer(n));
    const opened = openSimChannel(config, this.allocate, options.tracer);
    this.chan = opened.chan;
    this.stats = opened.stats;
    this.files = new FileTable(this.chan);
    const rng = new Random(options.seed);
    const timerWakeups = this.chan.features.timerWakeup;
    const capture = options.workload?.blktrace;
    const generated = options.workload === undefined && workload.format === 'blktrace';
    const captured = capture === undefined ? null : captureReplays(options.workload as ImportedWorkload, ch.cpus);
    this.producers = Array.from({ length: ch.cpus }, (_, cpu) => {
      const prng = rng.fork(cpu);
      const source = captured?.[cpu] ?? (generated ? new BlktraceGenerator(workload, cpu, ch.cpus, prng) : null);
      return new Producer(this.chan, cpu, workload, prng, this.stats, false, timerWakeups, source === null ? (replay?.[cpu] ?? null) : null, source);
    });
    this.readerOptions = readerOptions(config, options.verify);
    this.blktrace = null;
    if (capture !== undefined || generated) {
      const littleEndian = capture?.littleEndian ?? true;
      this.blktrace = new BlktraceSink(capture?.device ?? workload.device, ch.cpus, littleEndian, options.blktraceFiles === true);
      this.readerOptions.blktrace = { littleEndian, baseNs: capture?.baseNs ?? BLKTRACE_CLOCK_BASE_NS };
    }
    if (reader.enabled) {
      const groups = ch.global || reader.layout === 'single' ? [this.chan.bufs()] : this.chan.bufs().map((b) => [b]);
      groups.forEach((bufs, k) => this.addReader(bufs, rng.fork(1000 + k)));
    }
    this.producers.forEach((p, i) => this.queue.push(p.nextArrival(0), ARRIVAL, i));
  }

  /**
   * A checkpoint of the whole run (checkpoint.ts): the channel's and the counters' memory, and
   * the producers, readers, scheduler and clock. `extra` is kept with it for the caller.
   */
  checkpoint(extra = 0): Checkpoint {
    const state = { now: this.now, eventsRun: this.eventsRun, producers: this.producers, readers: this.readers, queue: this.queue, timers: this.timers };
    return takeCheckpoint({ chan: this.chan, stats: this.stats, files: this.files, state }, this.eventsRun, this.now, extra);
  }

  /** Puts this run (of the same configuration and seed) in the state a checkpoint holds. */
  restore(c: Checkpoint): void {
    Object.assign(this, restoreCheckpoint(c, this.chan, this.stats));
  }

  /** Whether the reader serving `cpu` sleeps (waits in poll). */
  readerAsleep(cpu: number): boolean {
    const buf = this.chan.buf(cpu);
    if (buf === null) return false;
    for (const slot of this.readers) if (slot.sleeping && slot.bufs.has(buf)) return true;
    return false;
  }

  /** Virtual time (s) of the next event, Infinity when there is none. */
  get nextTime(): number {
    return this.queue.peek()?.t ?? Infinity;
  }

  /** Runs the next event. False when there is none. */
  step(): boolean {
    const e = this.queue.pop();
    if (e === undefined) return false;
    this.now = e.t;
    this.eventsRun += 1;
    if (e.kind === ARRIVAL) this.arrival(e.index);
    else if (e.kind === TIMER) this.timerFires(e.index);
    else this.readerRuns(e.index, e.token);
    return true;
  }

  /**
   * Runs every event up to virtual time `t` (seconds) and leaves the clock there; with a
   * budget, stops after `maxEvents` and returns false if `t` was not reached.
   */
  runUntil(t: number, maxEvents = Infinity): boolean {
    let run = 0;
    for (let next = this.queue.peek(); next !== undefined && next.t <= t; next = this.queue.peek()) {
      if (run++ >= maxEvents) return false;
      this.step();
    }
    this.now = Math.max(this.now, t);
    return true;
  }

  flush(): void {
    relayFlush(this.chan);
  }

  close(): void {
    relayClose(this.chan);
  }

  cpuOnline(cpu: number): void {
    const had = this.chan.nBufs;
    relayCpuOnline(this.chan, cpu);
    if (this.chan.nBufs > had && this.config.reader.enabled) {
      const buf = this.chan.bufAt(had);
      const single = this.readers.length > 0 && (this.config.channel.global || this.config.reader.layout === 'single');
      if (!single) this.addReader([buf], new Random(this.options.seed ^ (0x5bd1e995 + cpu)));
    }
  }

  cpuOffline(cpu: number): void {
    relayCpuOffline(this.chan, cpu);
  }

  /**
   * relay_reset: what is still in the buffers is discarded (counted first), and readers start
   * afresh after the last record that landed.
   */
  reset(): void {
    this.inventory();
    discardInventory(this.stats);
    relayReset(this.chan);
    for (const slot of this.readers) slot.reader.restart();
  }

  /** Every CPU's accounting identity, with what is still in the buffers measured now. */
  accounting(): CpuAccounting[] {
    this.inventory();
    return accounting(this.stats);
  }

  /** Takes the inventory of every buffer, through each reader (or from the start without one). */
  private inventory(): void {
    const readers = this.readers.length > 0 ? this.readers.map((s) => s.reader) : [null];
    for (const reader of readers) takeInventory(this.chan, this.stats, reader, this.readerOptions, this.now * 1e6);
  }

  private addReader(bufs: RchanBuf[], rng: Random): void {
    const reader = new Reader(this.chan, bufs, this.stats, this.readerOptions, this.blktrace);
    const slot: ReaderSlot = { reader, rng, sleeping: false, token: 0, bufs: new Set(bufs), pausedUntil: -1, phase: READER_PROCESSING, readAt: -1 };
    this.readers.push(slot);
    this.queue.push(this.now, READER, this.readers.length - 1, 0);
  }

  private arrival(i: number): void {
    const p = this.producers[i];
    const out = p.emit(p.nextSize(), this.now * 1e6);
    const buf = this.chan.buf(p.cpu);
    if (out & EMIT_WOKE && buf !== null) this.wakeReaders(buf, p.cpu);
    // mod_timer(jiffies + 1): arming an armed timer within the same jiffy changes nothing.
    if (out & EMIT_TIMER && buf !== null && !this.timers.has(buf.index)) {
      this.timers.add(buf.index);
      this.queue.push(nextJiffy(this.now), TIMER, buf.index);
    }
    this.queue.push(p.nextArrival(this.now), ARRIVAL, i);
  }

  /** The wakeup timer runs the wakeup, unless relay_reset or relay_close cancelled it. */
  private timerFires(index: number): void {
    this.timers.delete(index);
    const buf = this.chan.bufAt(index);
    if (!relayWakeupPending(buf)) return;
    const woken = wakeupReaders(buf);
    this.stats.add(buf.cpu, P_WAKEUPS);
    this.stats.add(buf.cpu, P_WOKEN, woken);
    this.wakeReaders(buf, buf.cpu);
  }

  /** Readers asleep on `buf` run `wakeLatency` from now. */
  private wakeReaders(buf: RchanBuf, cpu: number): void {
    this.readers.forEach((slot, k) => {
      if (!slot.sleeping || !slot.bufs.has(buf)) return;
      slot.sleeping = false;
      slot.token += 1;
      slot.phase = READER_WOKEN;
      slot.reader.wake();
      this.stats.add(cpu, R_WOKEN);
      this.queue.push(this.now + this.config.reader.wakeLatency * 1e-6, READER, k, slot.token);
    });
  }

  private readerRuns(k: number, token: number): void {
    const slot = this.readers[k];
    if (token !== slot.token) return; // a timeout the reader no longer waits for
    const r = this.config.reader;
    if (slot.sleeping) {
      slot.sleeping = false;
      slot.reader.wake();
      const first = slot.reader.streams[0];
      if (first !== undefined) this.stats.add(first.buf.cpu, R_TIMEOUTS);
    }
    // The reader running at the end of its pause does not pause again: in floating point the
    // end (now - phase + pauseEvery) may itself fall a hair inside the pause window (0.25 %
    // 0.05 is 0.0499...), and the reader would be put back to the same instant forever.
    if (r.pauseEvery > 0 && this.now !== slot.pausedUntil) {
      const phase = this.now % r.pauseEvery;
      if (phase >= r.pauseEvery - r.pauseFor) {
        slot.pausedUntil = this.now - phase + r.pauseEvery;
        slot.phase = READER_PAUSED;
        this.queue.push(slot.pausedUntil, READER, k, slot.token);
        return;
      }
    }
    const bytes = slot.reader.service(this.now * 1e6);
    if (bytes > 0) {
      slot.phase = READER_READING;
      slot.readAt = this.now;
      this.queue.push(this.now + Math.max((bytes / 1024) * r.costPerKiB * 1e-6, 1e-6), READER, k, slot.token);
      return;
    }
    if (slot.reader.sleep()) {
      slot.sleeping = true;
      slot.phase = READER_ASLEEP;
      slot.token += 1;
      const spread = 1 + r.jitter * (2 * slot.rng.float() - 1);
      this.queue.push(this.now + r.period * spread, READER, k, slot.token);
    } else {
      slot.phase = READER_PROCESSING;
      this.queue.push(this.now + 1e-6, READER, k, slot.token);
    }
  }
}
