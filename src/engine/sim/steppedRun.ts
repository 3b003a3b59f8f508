/**
 * A deterministic run stepped by hand, that can go back in time: it records its landmarks,
 * channel operations, file calls, history and checkpoints in a Timeline, follows the operations recorded
 * there when it steps over their positions, and a fresh run of the same configuration and
 * seed, given the same timeline, arrives at the same state for the same number of events. To
 * go to an event it restores the nearest checkpoint before it and replays only the rest.
 */
import type { RelayTracer } from '../kernel/index.ts';
import type { Checkpoint } from './checkpoint.ts';
import { History, channelSampler, type Sampler } from './history.ts';
import { Simulation } from './simulation.ts';
import type { ImportedWorkload } from './workloadCsv.ts';
import type { SimConfig } from './simConfig.ts';
import { performFileAction, type FileResult } from './fileCalls.ts';
import { LANDMARKS, Timeline, landmarkOf, type Landmark, type TimedOp, type TimelineOp } from './timeline.ts';

/**
 * How a run steps: one event, to the next sub-buffer switch, by time or to a time (`until`, or
 * `at`, which may go back; `until` stops after `budget` events if given, its clock then at the
 * last event's time), by a number of events, to an event (`to`, which may go back), or to
 * the next landmark of a kind (at most `budget` events further).
 */
export type StepBy =
  | { kind: 'event' }
  | { kind: 'switch' }
  | { kind: 'time'; seconds: number }
  | { kind: 'until'; t: number; budget?: number }
  | { kind: 'at'; t: number }
  | { kind: 'events'; count: number }
  | { kind: 'to'; events: number }
  | { kind: 'next'; landmark: Landmark; budget?: number };

export interface SteppedRunOptions {
  seed: number;
  timeline?: Timeline;
  /** Receives every relay event (the event log). */
  tracer?: RelayTracer;
  /** Called every CHUNK events of a long step, and before each operation (so a log can drain). */
  onChunk?: () => void;
  /** Called before each operation; `sim` is given because ops at event 0 run inside the constructor. */
  onOp?: (op: TimelineOp, sim: Simulation) => void;
  /** Imported records to replay instead of the generated workload (Simulation's `workload`). */
  workload?: ImportedWorkload;
  /** Keep checkpoints (true by default); a run that never goes back (a live run's fallback) saves the memory. */
  checkpoints?: boolean;
}

/** Events between calls of onChunk. */
const CHUNK = 1024;
/** Most events a jump to the next landmark runs before giving up. */
export const LANDMARK_BUDGET = 5_000_000;

export class SteppedRun {
  readonly sim: Simulation;
  readonly timeline: Timeline;
  /** Operations of the timeline already applied to this run. */
  private applied = 0;
  /** Landmarks met since the last reset of this mask, one bit per LANDMARKS entry. */
  private hits = 0;
  readonly history: History;
  private readonly sampler: Sampler;

  constructor(
    config: SimConfig,
    private readonly o: SteppedRunOptions,
  ) {
    this.timeline = o.timeline ?? new Timeline();
    const tracer: RelayTracer = (e) => {
      o.tracer?.(e);
      const l = landmarkOf(e);
      if (l === null) return;
      this.mark(l);
    };
    this.sim = new Simulation(config, { seed: o.seed, tracer, workload: o.workload });
    const sim = this.sim;
    this.history = this.timeline.history ??= new History(config.channel.cpus, config.channel.global);
    this.sampler = channelSampler(sim.chan, sim.stats, (cpu) => sim.readerAsleep(cpu));
    this.applyDue();
    // The start is a checkpoint too, so that any event can be gone back to in place.
    if (o.checkpoints !== false && this.timeline.checkpoints.count === 0) this.timeline.checkpoints.add(sim.checkpoint(this.applied));
  }

  /** Virtual time (s) now. */
  get now(): number {
    return this.sim.now;
  }

  get eventsRun(): number {
    return this.sim.eventsRun;
  }

  /** Whether the last step to a landmark (or switch) found one; it stops at its budget otherwise. */
  found = true;

  /** Steps; returns the events run. */
  step(by: StepBy): number {
    const sim = this.sim;
    const before = sim.eventsRun;
    if (by.kind === 'event') this.stepOne();
    else if (by.kind === 'events') this.seek(before + by.count);
    else if (by.kind === 'to') this.seek(by.events);
    else if (by.kind === 'time' || by.kind === 'until' || by.kind === 'at') {
      // By time, the clock ends at the time asked for, not at the last event's.
      const until = by.kind === 'time' ? sim.now + by.seconds : by.t;
      const c = this.timeline.checkpoints.atOrBeforeTime(until);
      if (by.kind === 'at' && until < sim.now) {
        if (c === null) throw new Error(`no checkpoint before t = ${until} s`);
        this.restore(c);
      } else if (c !== null && c.now > sim.now) this.restore(c);
      const budget = by.kind === 'until' ? (by.budget ?? Infinity) : Infinity;
      let ran = 0;
      for (let next = sim.nextTime; next <= until && ran < budget; next = sim.nextTime, ran++) {
        if (!this.stepOne()) break;
        if ((sim.eventsRun - before) % CHUNK === 0) this.o.onChunk?.();
      }
      if (ran < budget) sim.runUntil(until, 0);
      this.history.record(sim.now, this.sampler);
    } else this.toLandmark(by.kind === 'switch' ? 'switch' : by.landmark, by.kind === 'switch' ? 10_000_000 : (by.budget ?? LANDMARK_BUDGET));
    this.timeline.reached(sim.eventsRun, sim.now);
    return sim.eventsRun - before;
  }

  /**
   * Goes to `events` events from the start, applying recorded operations on the way: from the
   * nearest checkpoint at or before it when that is ahead of this run (or when going back).
   */
  seek(events: number): void {
    const sim = this.sim;
    const c = this.timeline.checkpoints.atOrBefore(events);
    if (events < sim.eventsRun) {
      if (c === null) throw new Error(`no checkpoint before event ${events}`);
      this.restore(c);
    } else if (c !== null && c.at > sim.eventsRun) this.restore(c);
    while (sim.eventsRun < events) {
      if (!this.stepOne()) break;
      if (sim.eventsRun % CHUNK === 0) this.o.onChunk?.();
    }
    this.timeline.reached(sim.eventsRun, sim.now);
  }

  /**
   * Applies an operation now, and records it (starting a new future if this run went back);
   * a file call's result is returned (null for a channel operation).
   */
  operate(op: TimelineOp): FileResult | null {
    this.timeline.recordOp(this.sim.eventsRun, op, this.sim.now);
    const timed = this.timeline.ops[this.timeline.ops.length - 1];
    this.apply(timed);
    this.applied = this.timeline.ops.length;
    return timed.result ?? null;
  }

  /** How many of the timeline's operations this run has applied: they change only when this does. */
  get opsApplied(): number {
    return this.applied;
  }

  /** The file calls applied on the way to here, oldest first, with their results. */
  fileCalls(): TimedOp[] {
    const out: TimedOp[] = [];
    const ops = this.timeline.ops;
    for (let i = 0; i < this.applied; i++) if (ops[i].op.op === 'file') out.push(ops[i]);
    return out;
  }

  /**
   * To the next `landmark` at most `budget` events ahead: where the timeline already knows the
   * run, straight there (by checkpoint); past its horizon, by running.
   */
  private toLandmark(landmark: Landmark, budget: number): void {
    const sim = this.sim;
    const start = sim.eventsRun;
    const known = this.timeline.next(landmark, start);
    if (known !== undefined) {
      const target = known === null ? Math.min(this.timeline.horizon, start + budget) : Math.min(known.at, start + budget);
      if (target > start) this.seek(target);
      if (known !== null && known.at <= start + budget) {
        this.found = true;
        return;
      }
    }
    const bit = 1 << LANDMARKS.indexOf(landmark);
    this.hits = 0;
    while ((this.hits & bit) === 0 && sim.eventsRun - start < budget) {
      if (!this.stepOne()) break;
      if ((sim.eventsRun - start) % CHUNK === 0) this.o.onChunk?.();
    }
    this.found = (this.hits & bit) !== 0;
  }

  /** Puts the run in a checkpoint's state, with the operations applied up to it. */
  private restore(c: Checkpoint): void {
    this.sim.restore(c);
    this.applied = c.extra;
  }

  private mark(l: Landmark): void {
    this.hits |= 1 << LANDMARKS.indexOf(l);
    this.timeline.note(l, this.sim.eventsRun, this.sim.now);
  }

  /** One event (the history sampled first if it ends a bucket), then any operation recorded at the new position. */
  private stepOne(): boolean {
    const sim = this.sim;
    const next = sim.nextTime;
    if (next >= this.history.nextAt && next !== Infinity) this.history.record(next, this.sampler);
    if (!sim.step()) return false;
    this.applyDue();
    const checkpoints = this.timeline.checkpoints;
    if (this.o.checkpoints !== false && checkpoints.due(sim.eventsRun)) checkpoints.add(sim.checkpoint(this.applied));
    return true;
  }

  private applyDue(): void {
    const ops = this.timeline.ops;
    while (this.applied < ops.length && ops[this.applied].at <= this.sim.eventsRun) this.apply(ops[this.applied++]);
  }

  private apply(timed: TimedOp): void {
    this.o.onChunk?.();
    const sim = this.sim;
    const op = timed.op;
    if (op.op === 'cpu_online' || op.op === 'cpu_offline') this.mark('hotplug');
    if (op.op === 'file') this.mark('file');
    this.o.onOp?.(op, sim);
    // The same call on the same state: every run of the timeline gets the same result.
    if (op.op === 'file') timed.result = performFileAction(sim.files, sim.chan, op.call);
    else if (op.op === 'flush') sim.flush();
    else if (op.op === 'reset') sim.reset();
    else if (op.op === 'close') sim.close();
    else if (op.op === 'cpu_online') sim.cpuOnline(op.cpu);
    else sim.cpuOffline(op.cpu);
  }
}

/**
 * About how many events a run of `config` takes to reach virtual time `t` (s): every record
 * arrival, and the readers' polls; reads of what arrived add a little more.
 */
export function estimateEvents(config: SimConfig, t: number): number {
  const r = config.reader;
  const readers = !r.enabled ? 0 : config.channel.global || r.layout === 'single' ? 1 : config.channel.cpus;
  return Math.ceil(config.workload.rate * t + (r.period > 0 ? (readers * t) / r.period : 0));
}
