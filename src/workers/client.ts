/**
 * The one owner of the live run's workers. It lays out the shared memory (the channel, the
 * counters, the control block), spawns producer and reader workers, pauses them in two phases
 * (producers, then readers, which take the inventory), and reports a worker's error. Where
 * workers or cross-origin isolation are missing, the same interface runs the engine on the
 * main thread in virtual time instead, and says why.
 */
import {
  PRODUCERS,
  EV,
  EventLog,
  EventRingReader,
  EventRingWriter,
  READERS,
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
  type FileAction,
  type FileResult,
  type FileTable,
  type StepBy,
  type TimedOp,
  type TimelineOp,
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

/** What every run of the page offers, whatever drives it. */
interface RunBase {
  readonly config: SimConfig;
  readonly chan: Rchan;
  readonly stats: SimStats;
  /** Relay events from every thread, merged; the page polls it each frame. */
  readonly events: EventLog;
  readonly paused: boolean;
  /** Virtual seconds since the start. */
  virtualTime(): number;
  /** What reader `k` is doing now: READER_* of the engine's readerPhase.ts. */
  readerPhase(k: number): number;
  /** Every CPU's accounting; exact while paused, and after every step of a stepped run. */
  accounting(): CpuAccounting[];
  /**
   * relay_flush, relay_reset, relay_close or CPU hotplug. A stepped run applies it at once; a
   * real-time one pauses its threads, applies it and resumes, as a kernel client quiesces its
   * writers around relay_reset.
   */
  operate(op: ChannelOp): Promise<void>;
  dispose(): void;
}

/** A run in real time: workers racing over shared memory, or the single-thread fallback. */
export interface RealTimeRun extends RunBase {
  readonly mode: 'live';
  readonly kind: 'workers' | 'single-thread';
  /** Why the run fell back to a single thread (null with workers). */
  readonly fallbackReason: string | null;
  readonly producerWorkers: number;
  readonly readerWorkers: number;
  /** Stops producers, then readers (which take the inventory); resolves once all have. */
  pause(): Promise<void>;
  resume(): void;
  setSpeed(speed: number): Promise<void>;
  /** The page's frame callbacks start (true), or are done (false): see LiveControl.pageFrame. */
  pageFrame(drawing: boolean): void;
}

/** A deterministic run in virtual time, on the page's thread, advanced only by its steps. */
export interface SteppedLiveRun extends RunBase {
  readonly mode: 'deterministic';
  readonly kind: 'deterministic';
  readonly fallbackReason: null;
  /** Landmarks and operations by event count, shared with rebuilds of the run. */
  readonly timeline: Timeline;
  /** Events run since the start: an exact position in the run. */
  eventsRun(): number;
  /** Whether the last step to a landmark found one (it stops at its budget otherwise). */
  found(): boolean;
  /** Advances virtual time; returns the events run. */
  step(by: StepBy): number;
  /** A call on a relay file, recorded in the timeline at this event like a channel operation; its result. */
  fileCall(action: FileAction): FileResult;
  /** The run's file table (replaced when the run goes back to a checkpoint: ask each time). */
  files(): FileTable;
  /** The file calls applied on the way to this event, with their results, oldest first. */
  fileCalls(): TimedOp[];
  /** How many of the timeline's operations the run has applied: its file calls change only with it. */
  opsApplied(): number;
}

/** The page's run; `mode` tells which it is. */
export type LiveRun = RealTimeRun | SteppedLiveRun;

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
  if (options.mode === 'deterministic' || options.workload !== undefined) return new SteppedMainRun(config, options);
  const reason = workersUnavailable();
  return reason === null ? new WorkerRun(config, options) : new FallbackRun(config, options, reason);
}

/**
 * Logs a hotplug step before it runs; a CPU that comes up on an open channel without a buffer
 * gets one (relay_prepare_cpu).
 */
function logHotplug(events: EventRingWriter, chan: Rchan, op: TimelineOp): void {
  if (op.op === 'cpu_online') events.hotplug(EV.cpuOnline, op.cpu, chan.onList && chan.buf(op.cpu) === null);
  else if (op.op === 'cpu_offline') events.hotplug(EV.cpuOffline, op.cpu);
}

class WorkerRun implements RealTimeRun {
  readonly mode = 'live';
  readonly kind = 'workers';
  readonly fallbackReason = null;
  readonly chan: Rchan;
  readonly stats: SimStats;
  readonly producerWorkers: number;
  readerWorkers: number;
  paused = false;
  readonly events: EventLog;
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

    // A worker per CPU up to the machine's threads less one, which the page keeps for its
    // frames; beyond, a worker writes for several CPUs. With every thread taken, a run too
    // heavy for the machine left the page a fifth of two cores and frames of 50 ms and more.
    const threads = Math.max(1, (navigator.hardwareConcurrency || 4) - 1);
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
    // Workers come up in any order, some hundreds of milliseconds after others on a busy
    // machine or in Firefox: producers write only once every reader runs.
    this.control.expectReaders(readerGroups.length);
    this.control.set(READERS, RUN);
    this.control.set(PRODUCERS, RUN);

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

  readerPhase(k: number): number {
    return kernelReaderPhase(this.chan, this.config, k);
  }

  virtualTime(): number {
    return this.paused ? this.pausedAt : this.control.virtualTime(clock());
  }

  async pause(): Promise<void> {
    if (this.paused || this.disposed) return;
    const producers = this.control.set(PRODUCERS, PAUSE);
    await this.acks(0, this.producerWorkers, producers);
    const readers = this.control.set(READERS, PAUSE);
    await this.acks(this.producerWorkers, this.readerWorkers, readers);
    this.pausedAt = this.control.virtualTime(clock());
    if (this.readerWorkers === 0) {
      takeInventory(this.chan, this.stats, null, readerOptions(this.config), this.pausedAt * 1e6);
      this.stats.publish();
      this.stats.adopt();
    }
    this.paused = true;
  }

  resume(): void {
    if (!this.paused || this.disposed) return;
    this.control.setTimeBase(clock(), this.pausedAt, this.speed);
    this.paused = false;
    this.control.set(READERS, RUN);
    this.control.set(PRODUCERS, RUN);
  }

  async setSpeed(speed: number): Promise<void> {
    const wasPaused = this.paused;
    await this.pause();
    this.speed = speed;
    if (!wasPaused) this.resume();
  }

  pageFrame(drawing: boolean): void {
    if (!this.disposed) this.control.pageFrame(drawing);
  }

  accounting(): CpuAccounting[] {
    return accounting(this.stats);
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
      // Published before the readers run again (they adopt the rows as they resume); from here
      // this thread reads the rows as published, as before.
      this.stats.publish();
      this.stats.adopt();
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
    this.control.set(PRODUCERS, STOP);
    this.control.set(READERS, STOP);
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

  /** Resolves once workers `from`..`from + count - 1` have all stopped for pause `epoch`. */
  private async acks(from: number, count: number, epoch: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, (_, k) => this.control.untilAcked(from + k, epoch)));
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
 * The deterministic engine on the page's thread, over a SteppedRun, with the event log the
 * relay events go to: what a stepped run and the single-thread fallback share.
 */
abstract class MainThreadRun {
  readonly chan: Rchan;
  readonly stats: SimStats;
  readonly events: EventLog;
  protected readonly run: SteppedRun;

  constructor(
    readonly config: SimConfig,
    options: LiveRunOptions,
    /** Keep checkpoints to go back in time (a stepped run; not the fallback of a live one). */
    checkpoints: boolean,
  ) {
    const memory = new ArrayBuffer(eventRingsByteLength(1));
    let run: SteppedRun | null = null;
    const log = new EventRingWriter(memory, 0, () => (run === null ? 0 : run.sim.now * 1e6));
    this.events = new EventLog([new EventRingReader(memory, 0)]);
    run = new SteppedRun(config, {
      seed: options.seed,
      timeline: options.timeline,
      workload: options.workload,
      // A live run's fallback never goes back in time.
      checkpoints,
      tracer: log.tracer,
      // A long step drains the ring as it goes, so the log keeps up.
      onChunk: () => this.events.poll(),
      onOp: (op, sim) => logHotplug(log, sim.chan, op),
    });
    this.run = run;
    this.chan = run.sim.chan;
    this.stats = run.sim.stats;
  }

  accounting(): CpuAccounting[] {
    return this.run.sim.accounting();
  }

  readerPhase(k: number): number {
    return simReaderPhase(this.run.sim, k);
  }
}

/** A deterministic run stepped by hand: always paused between its steps. */
class SteppedMainRun extends MainThreadRun implements SteppedLiveRun {
  readonly mode = 'deterministic';
  readonly kind = 'deterministic';
  readonly fallbackReason = null;
  readonly paused = true;
  readonly timeline: Timeline;

  constructor(config: SimConfig, options: LiveRunOptions) {
    super(config, options, true);
    this.timeline = this.run.timeline;
  }

  virtualTime(): number {
    return this.run.sim.now;
  }

  eventsRun(): number {
    return this.run.eventsRun;
  }

  found(): boolean {
    return this.run.found;
  }

  step(by: StepBy): number {
    return this.run.step(by);
  }

  async operate(op: ChannelOp): Promise<void> {
    this.run.operate(op);
  }

  fileCall(action: FileAction): FileResult {
    return this.run.operate({ op: 'file', call: action }) as FileResult;
  }

  files(): FileTable {
    return this.run.sim.files;
  }

  fileCalls(): TimedOp[] {
    return this.run.fileCalls();
  }

  opsApplied(): number {
    return this.run.opsApplied;
  }

  dispose(): void {}
}

/**
 * The fallback of a real-time run where workers cannot run: the deterministic engine on the
 * page's thread, its virtual time following the clock.
 */
class FallbackRun extends MainThreadRun implements RealTimeRun {
  readonly mode = 'live';
  readonly kind = 'single-thread';
  readonly producerWorkers = 0;
  readonly readerWorkers = 0;
  paused = false;
  private baseReal = clock();
  private baseVirtual = 0;
  private speed: number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    config: SimConfig,
    options: LiveRunOptions,
    /** Why the run is on one thread. */
    readonly fallbackReason: string,
  ) {
    super(config, options, false);
    this.speed = options.speed;
    this.timer = setInterval(() => this.tick(), 16);
  }

  virtualTime(): number {
    return this.paused ? this.run.sim.now : this.baseVirtual + ((clock() - this.baseReal) / 1000) * this.speed;
  }

  async pause(): Promise<void> {
    this.tick();
    this.paused = true;
    this.baseVirtual = this.run.sim.now;
  }

  resume(): void {
    if (!this.paused) return;
    this.baseReal = clock();
    this.paused = false;
  }

  async setSpeed(speed: number): Promise<void> {
    this.baseVirtual = this.virtualTime();
    this.baseReal = clock();
    this.speed = speed;
  }

  /** One thread: the page's frames and the run's events already take turns. */
  pageFrame(): void {}

  async operate(op: ChannelOp): Promise<void> {
    this.tick();
    this.run.operate(op);
  }

  dispose(): void {
    clearInterval(this.timer);
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
