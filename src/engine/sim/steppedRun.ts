/**
 * A deterministic run stepped by hand, that can go back in time: it records its landmarks and
 * channel operations in a Timeline, follows the operations recorded there when it steps over
 * their positions, and a fresh run of the same configuration and seed, given the same
 * timeline, arrives at the same state for the same number of events.
 */
import type { RelayTracer } from '../kernel/index.ts';
import { Simulation } from './simulation.ts';
import type { ImportedWorkload } from './workloadCsv.ts';
import type { SimConfig } from './simConfig.ts';
import { LANDMARKS, Timeline, landmarkOf, type ChannelOp, type Landmark } from './timeline.ts';

/** How a run steps: one event, to the next sub-buffer switch, by time or to a time, by a number of events, or to the next landmark of a kind. */
export type StepBy =
  | { kind: 'event' }
  | { kind: 'switch' }
  | { kind: 'time'; seconds: number }
  | { kind: 'until'; t: number }
  | { kind: 'events'; count: number }
  | { kind: 'next'; landmark: Landmark; budget?: number };

export interface SteppedRunOptions {
  seed: number;
  timeline?: Timeline;
  /** Receives every relay event (the event log). */
  tracer?: RelayTracer;
  /** Called every CHUNK events of a long step, and before each operation (so a log can drain). */
  onChunk?: () => void;
  /** Called just before an operation is applied. */
  /** Called before each operation; `sim` is given because ops at event 0 run inside the constructor. */
  onOp?: (op: ChannelOp, sim: Simulation) => void;
  /** Imported records to replay instead of the generated workload (Simulation's `workload`). */
  workload?: ImportedWorkload;
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

  constructor(
    config: SimConfig,
    private readonly o: SteppedRunOptions,
  ) {
    this.timeline = o.timeline ?? new Timeline();
    const tracer: RelayTracer = (e) => {
      o.tracer?.(e);
      const l = landmarkOf(e);
      if (l === null) return;
      this.hits |= 1 << LANDMARKS.indexOf(l);
      this.timeline.note(l, this.sim.eventsRun);
    };
    this.sim = new Simulation(config, { seed: o.seed, tracer, workload: o.workload });
    this.applyDue();
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
    else if (by.kind === 'time' || by.kind === 'until') {
      // By time, the clock ends at the time asked for, not at the last event's.
      const until = by.kind === 'until' ? by.t : sim.now + by.seconds;
      for (let next = sim.nextTime; next <= until; next = sim.nextTime) {
        if (!this.stepOne()) break;
        if ((sim.eventsRun - before) % CHUNK === 0) this.o.onChunk?.();
      }
      sim.runUntil(until, 0);
    } else {
      const bit = 1 << LANDMARKS.indexOf(by.kind === 'switch' ? 'switch' : by.landmark);
      const budget = by.kind === 'switch' ? 10_000_000 : (by.budget ?? LANDMARK_BUDGET);
      this.hits = 0;
      while ((this.hits & bit) === 0 && sim.eventsRun - before < budget) {
        if (!this.stepOne()) break;
        if ((sim.eventsRun - before) % CHUNK === 0) this.o.onChunk?.();
      }
      this.found = (this.hits & bit) !== 0;
    }
    this.timeline.reached(sim.eventsRun);
    return sim.eventsRun - before;
  }

  /** Runs forward to `events` events from the start, applying recorded operations on the way. */
  seek(events: number): void {
    const sim = this.sim;
    if (events < sim.eventsRun) throw new Error(`cannot seek back from event ${sim.eventsRun} to ${events}: rebuild the run`);
    while (sim.eventsRun < events) {
      if (!this.stepOne()) break;
      if (sim.eventsRun % CHUNK === 0) this.o.onChunk?.();
    }
    this.timeline.reached(sim.eventsRun);
  }

  /** Applies an operation now, and records it (starting a new future if this run went back). */
  operate(op: ChannelOp): void {
    this.timeline.recordOp(this.sim.eventsRun, op);
    this.apply(op);
    this.applied = this.timeline.ops.length;
  }

  /** One event, then any operation recorded at the new position. */
  private stepOne(): boolean {
    if (!this.sim.step()) return false;
    this.applyDue();
    return true;
  }

  private applyDue(): void {
    const ops = this.timeline.ops;
    while (this.applied < ops.length && ops[this.applied].at <= this.sim.eventsRun) this.apply(ops[this.applied++].op);
  }

  private apply(op: ChannelOp): void {
    this.o.onChunk?.();
    const sim = this.sim;
    this.o.onOp?.(op, sim);
    if (op.op === 'flush') sim.flush();
    else if (op.op === 'reset') sim.reset();
    else if (op.op === 'close') sim.close();
    else if (op.op === 'cpu_online') sim.cpuOnline(op.cpu);
    else sim.cpuOffline(op.cpu);
  }
}
