/**
 * The one owner of the live run's workers. It lays out the shared memory (the channel, the
 * counters, the control block), spawns producer and reader workers, pauses them in two phases
 * (producers, then readers, which take the inventory), and reports a worker's error. Where
 * workers or cross-origin isolation are missing, the same interface runs the engine on the
 * main thread in virtual time instead, and says why.
 */
import {
  CTL_PRODUCERS,
  EV,
  EventLog,
  EventRingReader,
  EventRingWriter,
  CTL_READERS,
  LiveControl,
  PAUSE,
  RUN,
  STOP,
  SteppedRun,
  kernelReaderPhase,
  simReaderPhase,
  type Timeline,
  type ImportedWorkload,
  accounting,
  controlByteLength,
  discardInventory,
  eventRingsByteLength,
  openSimChannel,
  readerOptions,
  relayClose,
  relayCpuOffline,
  relayCpuOnline,
  relayFlush,
  relayReset,
  takeInventory,
  type CpuAccounting,
  type LiveThreadSetup,
  type Rchan,
  type SimConfig,
  type SimStats,
  type ChannelOp,
  type StepBy,
} from '../engine/index.ts';
import { FROM_WORKER, TO_WORKER, type FromWorker, type ToWorker } from './protocol.ts';

export type RunMode = 'live' | 'deterministic';

export type { ChannelOp, StepBy } from '../engine/index.ts';

export interface LiveRunOptions {
  /** live: real time (workers when possible); deterministic: virtual time, stepped by hand. */
  mode?: RunMode;
  seed: number;
  /** Virtual seconds per real second. */
  speed: number;
  onError: (message: string) => void;
  /**
   * For testing the error path: the first worker of this kind starts with memory that holds
   * no channel, and fails as a worker that throws does.
   */
  faultyWorker?: 'producer' | 'reader';
  /** Deterministic runs: the timeline of an earlier run of the same configuration and seed, to go back in time. */
  timeline?: Timeline;
  /** Deterministic runs: imported records replayed instead of the generated workload. */
  workload?: ImportedWorkload;
}

export interface LiveRun {
  /** Workers racing over shared memory, the single-thread fallback, or a stepped run. */
  readonly kind: 'workers' | 'single-thread' | 'deterministic';
  /** Why the run fell back to a single thread (null with workers). */
  readonly fallbackReason: string | null;
  readonly config: SimConfig;
  readonly chan: Rchan;
  readonly stats: SimStats;
  readonly producerWorkers: number;
  readonly readerWorkers: number;
  readonly paused: boolean;
  /** Relay events from every thread, merged; the page polls it each frame. */
  readonly events: EventLog;
  /** Deterministic runs: landmarks and operations by event count, shared with rebuilds of the run. */
  readonly timeline: Timeline | null;
  /** Virtual seconds since the start. */
  virtualTime(): number;
  /** What reader `k` is doing now: READER_* of the engine's readerPhase.ts. */
  readerPhase(k: number): number;
  /** Deterministic runs: events run since the start, an exact position in the run (0 otherwise). */
  eventsRun(): number;
  /** Whether the last step to a landmark found one (it stops at its budget otherwise). */
  found(): boolean;
  /** Stops producers, then readers (which take the inventory); resolves once all have. */
  pause(): Promise<void>;
  resume(): void;
  setSpeed(speed: number): Promise<void>;
  /** Every CPU's accounting; exact while paused. */
  accounting(): CpuAccounting[];
  /** Deterministic runs only: advances virtual time; returns the events run. */
  step(by: StepBy): number;
  /**
   * relay_flush, relay_reset, relay_close or CPU hotplug. A deterministic run applies it at
   * once; a live one pauses its threads, applies it and resumes, as a kernel client quiesces
   * its writers around relay_reset.
   */
  operate(op: ChannelOp): Promise<void>;
  dispose(): void;
}

const clock = (): number => performance.timeOrigin + performance.now();

/** Why workers over SharedArrayBuffer cannot run here, or null. */
export function workersUnavailable(): string | null {
  if (typeof Worker === 'undefined') return 'this browser has no Web Workers';
  if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated)
    return 'the page is not cross-origin isolated, so SharedArrayBuffer is unavailable';
  return null;
}

export function createLiveRun(config: SimConfig, options: LiveRunOptions): LiveRun {
  // An imported workload is replayed in virtual time only.
  if (options.mode === 'deterministic' || options.workload !== undefined) return new SingleThreadRun(config, options, null);
  const reason = workersUnavailable();
  return reason === null ? new WorkerRun(config, options) : new SingleThreadRun(config, options, reason);
}

/**
 * Logs a hotplug step before it runs; a CPU that comes up on an open channel without a buffer
 * gets one (relay_prepare_cpu).
 */
function logHotplug(events: EventRingWriter, chan: Rchan, op: ChannelOp): void {
  if (op.op === 'cpu_online') events.hotplug(EV.cpuOnline, op.cpu, chan.onList && chan.buf(op.cpu) === null);
  else if (op.op === 'cpu_offline') events.hotplug(EV.cpuOffline, op.cpu);
}

/** Resolves once `done()` holds, checking on each animation-free tick. */
function until(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => (done() ? resolve() : void setTimeout(check, 1));
    check();
  });
}

class WorkerRun implements LiveRun {
  readonly kind = 'workers';
  readonly fallbackReason = null;
  readonly chan: Rchan;
  readonly stats: SimStats;
  readonly producerWorkers: number;
  readerWorkers: number;
  paused = false;
  readonly events: EventLog;
  readonly timeline = null;
  private readonly control: LiveControl;
  /** The coordinator's ring (index 0); workers log to 1 + their index. */
  private readonly log: EventRingWriter;
  private readonly eventMemory: SharedArrayBuffer;
  private readonly base: Omit<LiveThreadSetup, 'role' | 'index' | 'cpus'>;
  private readonly workers: Worker[] = [];
  private readonly roles: LiveThreadSetup['role'][] = [];
  private pausedAt = 0;
  private speed: number;
  private disposed = false;

  constructor(
    readonly config: SimConfig,
    private readonly options: LiveRunOptions,
  ) {
    const ch = config.channel;
    const shared = (n: number): SharedArrayBuffer => new SharedArrayBuffer(n);
    this.control = new LiveControl(shared(controlByteLength()));
    this.speed = options.speed;
    this.control.setTimeBase(clock(), 0, this.speed);

    const threads = Math.max(1, navigator.hardwareConcurrency || 4);
    // A worker per CPU up to the machine's threads; beyond, a worker writes for several CPUs.
    const producerGroups = groups(ch.cpus, threads);
    const r = config.reader;
    const perBuffer = r.layout === 'per-cpu' && !ch.global;
    const bufs = ch.global ? 1 : ch.cpus;
    const readerGroups = !r.enabled ? [] : perBuffer ? groups(bufs, threads) : [Array.from({ length: bufs }, (_, i) => i)];
    // A ring for the coordinator and one for each worker.
    const rings = 1 + producerGroups.length + readerGroups.length;
    const eventMemory = shared(eventRingsByteLength(rings));
    this.eventMemory = eventMemory;
    this.log = new EventRingWriter(eventMemory, 0, () => this.virtualTime() * 1e6);
    this.events = new EventLog(Array.from({ length: rings }, (_, i) => new EventRingReader(eventMemory, i)));
    ({ chan: this.chan, stats: this.stats } = openSimChannel(config, shared, this.log.tracer));
    this.control.set(CTL_READERS, RUN);
    this.control.set(CTL_PRODUCERS, RUN);

    this.base = {
      config,
      seed: options.seed,
      kernel: this.chan.memory as SharedArrayBuffer,
      stats: this.stats.memory as SharedArrayBuffer,
      control: this.control.memory as SharedArrayBuffer,
    };
    this.producerWorkers = producerGroups.length;
    producerGroups.forEach((cpus, index) => {
      const w = new Worker(new URL('./producer.worker.ts', import.meta.url), { type: 'module' });
      this.launch(w, 'producer', index, cpus);
    });
    this.readerWorkers = 0;
    for (const cpus of readerGroups) this.addReader(cpus, perBuffer);
  }

  virtualTime(): number {
    return this.paused ? this.pausedAt : this.control.virtualTime(clock());
  }

  readerPhase(k: number): number {
    return kernelReaderPhase(this.chan, this.config, k);
  }

  eventsRun(): number {
    return 0;
  }

  found(): boolean {
    return true;
  }

  async pause(): Promise<void> {
    if (this.paused || this.disposed) return;
    const producers = this.control.set(CTL_PRODUCERS, PAUSE);
    await until(() => this.range(0, this.producerWorkers).every((i) => this.control.acked(i, producers)));
    const readers = this.control.set(CTL_READERS, PAUSE);
    await until(() => this.range(this.producerWorkers, this.readerWorkers).every((i) => this.control.acked(i, readers)));
    this.pausedAt = this.control.virtualTime(clock());
    if (this.readerWorkers === 0) {
      takeInventory(this.chan, this.stats, null, readerOptions(this.config), this.pausedAt * 1e6);
    }
    this.paused = true;
  }

  resume(): void {
    if (!this.paused || this.disposed) return;
    this.control.setTimeBase(clock(), this.pausedAt, this.speed);
    this.paused = false;
    this.control.set(CTL_READERS, RUN);
    this.control.set(CTL_PRODUCERS, RUN);
  }

  async setSpeed(speed: number): Promise<void> {
    const wasPaused = this.paused;
    await this.pause();
    this.speed = speed;
    if (!wasPaused) this.resume();
  }

  accounting(): CpuAccounting[] {
    return accounting(this.stats);
  }

  step(): number {
    throw new Error('a live run cannot be stepped: start a deterministic one');
  }

  async operate(op: ChannelOp): Promise<void> {
    const wasPaused = this.paused;
    await this.pause();
    if (this.disposed) return;
    const chan = this.chan;
    logHotplug(this.log, chan, op);
    if (op.op === 'flush') relayFlush(chan);
    else if (op.op === 'close') relayClose(chan);
    else if (op.op === 'cpu_offline') relayCpuOffline(chan, op.cpu);
    else if (op.op === 'reset') {
      // The readers took the inventory as they paused: what it found is discarded.
      discardInventory(this.stats);
      relayReset(chan);
      this.control.noteReset();
    } else {
      // Every CPU of a simulation is online at relay_open, so one that comes back up finds its
      // buffer, and the reader it had.
      relayCpuOnline(chan, op.cpu);
    }
    if (!wasPaused) this.resume();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.control.set(CTL_PRODUCERS, STOP);
    this.control.set(CTL_READERS, STOP);
    for (const w of this.workers) w.terminate();
  }

  private addReader(bufs: number[], readerPerBuffer: boolean): void {
    const w = new Worker(new URL('./reader.worker.ts', import.meta.url), { type: 'module' });
    this.launch(w, 'reader', this.producerWorkers + this.readerWorkers, bufs, readerPerBuffer);
    this.readerWorkers += 1;
  }

  private launch(worker: Worker, role: LiveThreadSetup['role'], index: number, cpus: number[], readerPerBuffer?: boolean): void {
    let setup: LiveThreadSetup = { ...this.base, role, index, cpus, readerPerBuffer, events: { memory: this.eventMemory, ring: 1 + index } };
    if (this.options.faultyWorker === setup.role && !this.workers.some((_, i) => this.roles[i] === setup.role))
      setup = { ...setup, kernel: new SharedArrayBuffer(8) };
    this.roles.push(setup.role);
    this.workers.push(worker);
    const fail = (message: string): void => {
      if (this.disposed) return;
      this.dispose();
      this.options.onError(`${setup.role} worker ${setup.index}: ${message}`);
    };
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      if (e.data.type === FROM_WORKER.error) fail(e.data.message);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      fail(e.message || 'the worker failed to load');
    };
    const msg: ToWorker = { type: TO_WORKER.start, setup };
    worker.postMessage(msg);
  }

  private range(from: number, count: number): number[] {
    return Array.from({ length: count }, (_, i) => from + i);
  }
}

/** `count` items dealt round-robin into at most `max` groups. */
function groups(count: number, max: number): number[][] {
  const out: number[][] = Array.from({ length: Math.min(count, max) }, () => []);
  for (let i = 0; i < count; i++) out[i % out.length].push(i);
  return out;
}

/** Events one tick may run, so the page stays responsive when the run cannot keep up. */
const EVENTS_PER_TICK = 200_000;

/**
 * The deterministic engine on the main thread: stepped by hand (deterministic mode), or, as
 * the fallback of a live run, with its virtual time following the clock.
 */
class SingleThreadRun implements LiveRun {
  readonly kind: 'single-thread' | 'deterministic';
  readonly producerWorkers = 0;
  readonly readerWorkers = 0;
  readonly chan: Rchan;
  readonly stats: SimStats;
  paused: boolean;
  readonly events: EventLog;
  readonly timeline: Timeline | null;
  private readonly log: EventRingWriter;
  private readonly run: SteppedRun;
  private baseReal = clock();
  private baseVirtual = 0;
  private speed: number;
  private readonly timer: ReturnType<typeof setInterval> | null;

  constructor(
    readonly config: SimConfig,
    options: LiveRunOptions,
    /** Why a live run fell back to one thread; null for a deterministic run. */
    readonly fallbackReason: string | null,
  ) {
    const memory = new ArrayBuffer(eventRingsByteLength(1));
    let run: SteppedRun | null = null;
    this.log = new EventRingWriter(memory, 0, () => (run === null ? 0 : run.sim.now * 1e6));
    this.events = new EventLog([new EventRingReader(memory, 0)]);
    run = new SteppedRun(config, {
      seed: options.seed,
      timeline: options.timeline,
      workload: options.workload,
      tracer: this.log.tracer,
      // A long step drains the ring as it goes, so the log keeps up.
      onChunk: () => this.events.poll(),
      onOp: (op) => logHotplug(this.log, this.run.sim.chan, op),
    });
    this.run = run;
    this.chan = run.sim.chan;
    this.stats = run.sim.stats;
    this.speed = options.speed;
    this.kind = fallbackReason === null ? 'deterministic' : 'single-thread';
    this.timeline = this.kind === 'deterministic' ? run.timeline : null;
    // A deterministic run waits for its steps; a fallback keeps pace with the clock.
    this.paused = this.kind === 'deterministic';
    this.timer = this.kind === 'deterministic' ? null : setInterval(() => this.tick(), 16);
  }

  virtualTime(): number {
    return this.paused ? this.run.sim.now : this.baseVirtual + ((clock() - this.baseReal) / 1000) * this.speed;
  }

  readerPhase(k: number): number {
    return simReaderPhase(this.run.sim, k);
  }

  eventsRun(): number {
    return this.kind === 'deterministic' ? this.run.eventsRun : 0;
  }

  found(): boolean {
    return this.run.found;
  }

  async pause(): Promise<void> {
    this.tick();
    this.paused = true;
    this.baseVirtual = this.run.sim.now;
  }

  resume(): void {
    if (!this.paused || this.kind === 'deterministic') return;
    this.baseReal = clock();
    this.paused = false;
  }

  async setSpeed(speed: number): Promise<void> {
    this.baseVirtual = this.virtualTime();
    this.baseReal = clock();
    this.speed = speed;
  }

  accounting(): CpuAccounting[] {
    return this.run.sim.accounting();
  }

  step(by: StepBy): number {
    if (this.kind !== 'deterministic') throw new Error('only a deterministic run can be stepped');
    return this.run.step(by);
  }

  async operate(op: ChannelOp): Promise<void> {
    this.tick();
    this.run.operate(op);
  }

  dispose(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  private tick(): void {
    if (this.paused) return;
    const sim = this.run.sim;
    // When a tick's budget runs out, virtual time falls behind the clock: the run is slower.
    if (!sim.runUntil(this.virtualTime(), EVENTS_PER_TICK)) {
      this.baseVirtual = sim.now;
      this.baseReal = clock();
    }
  }
}
