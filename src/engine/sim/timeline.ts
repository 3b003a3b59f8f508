/**
 * Where a deterministic run's landmarks are: after which event (counted from the start) each
 * sub-buffer switch, drop, overwrite and wakeup happened. The same configuration and seed give
 * the same events, so a run rebuilt from the start to go back in time finds them at the same
 * counts, and the timeline carries over from one rebuild to the next. It also holds the
 * channel operations and file calls applied on the way, so a rebuild applies them at the same points; an
 * operation applied after going back starts a new future, and the old one is forgotten.
 */
import type { RelayEvent } from '../kernel/index.ts';
import { Checkpoints } from './checkpoint.ts';
import type { FileAction, FileResult } from './fileCalls.ts';
import type { History } from './history.ts';

/** Channel operations a run applies between events. */
export type ChannelOp = { op: 'flush' } | { op: 'reset' } | { op: 'close' } | { op: 'cpu_online' | 'cpu_offline'; cpu: number };

/** A system call on a relay file by the run's user-space process (the files panel's calls). */
export interface FileOp {
  op: 'file';
  call: FileAction;
}

/** What a deterministic run applies between events: a channel operation or a file call. */
export type TimelineOp = ChannelOp | FileOp;

/** An operation and the number of events run before it. */
export interface TimedOp {
  at: number;
  op: TimelineOp;
  /** A file call's result, once a run of this timeline has applied it (every run gets the same). */
  result?: FileResult;
}

export type Landmark = 'switch' | 'drop' | 'overwrite' | 'wakeup' | 'flush' | 'reset' | 'close' | 'hotplug' | 'file';
export const LANDMARKS: readonly Landmark[] = ['switch', 'drop', 'overwrite', 'wakeup', 'flush', 'reset', 'close', 'hotplug', 'file'];

/** The landmark a relay event is, if any. */
export function landmarkOf(e: RelayEvent): Landmark | null {
  switch (e.kind) {
    case 'produce':
      return 'switch';
    case 'subbuf_start':
      return !e.accepted ? 'drop' : e.full && e.prevSubbuf !== null ? 'overwrite' : null;
    case 'toobig':
      return 'drop';
    case 'wakeup':
      return 'wakeup';
    case 'flush':
    case 'reset':
    case 'close':
      return e.kind;
    default:
      return null;
  }
}

/** Landmarks kept per kind (up to twice as many); beyond, the oldest are forgotten (jumping back stops there). */
const KEPT = 200_000;

export class Timeline {
  /** The furthest event any run of this timeline has reached. */
  horizon = 0;
  /** Virtual time (s) at the horizon. */
  horizonTime = 0;
  /** Operations in the order applied, by position. */
  readonly ops: TimedOp[] = [];
  private readonly marks = new Map<Landmark, number[]>(LANDMARKS.map((l) => [l, []]));
  /** Virtual time (s) of each landmark, beside `marks`. */
  private readonly times = new Map<Landmark, number[]>(LANDMARKS.map((l) => [l, []]));
  /** Per kind: landmarks up to this event may have been forgotten (KEPT). */
  private readonly forgotten = new Map<Landmark, number>(LANDMARKS.map((l) => [l, 0]));
  /** Snapshots of the run, to go to any event by replaying only from the nearest one. */
  readonly checkpoints: Checkpoints;
  /** The run's recorded history; made by the first run of this timeline (it knows the CPUs). */
  history: History | null = null;

  constructor(checkpoints = new Checkpoints()) {
    this.checkpoints = checkpoints;
  }

  /** Records an operation applied after `at` events at virtual time `t`; anything recorded beyond is a future that no longer happens. */
  recordOp(at: number, op: TimelineOp, t = Infinity): void {
    if (at < this.horizon) this.truncate(at, t);
    // Operations not reached yet (an address's, past where the run stopped) are of that future too.
    else this.dropOpsAfter(at);
    this.ops.push({ at, op });
  }

  /** Forgets everything after event `at` (virtual time `t`). */
  private truncate(at: number, t: number): void {
    this.horizon = at;
    this.horizonTime = Math.min(this.horizonTime, t);
    this.checkpoints.truncate(at);
    this.history?.truncate(t);
    for (const [l, list] of this.marks) {
      let keep = list.length;
      while (keep > 0 && list[keep - 1] > at) keep--;
      list.length = keep;
      (this.times.get(l) as number[]).length = keep;
    }
    this.dropOpsAfter(at);
  }

  private dropOpsAfter(at: number): void {
    let keep = this.ops.length;
    while (keep > 0 && this.ops[keep - 1].at > at) keep--;
    this.ops.length = keep;
  }

  /** Notes that event number `at` (1 = the first), at virtual time `t`, was a `landmark`, once. */
  note(landmark: Landmark, at: number, t = 0): void {
    if (at < this.horizon) return; // already seen by an earlier run of the same events
    const list = this.marks.get(landmark) as number[];
    if (list.length > 0 && list[list.length - 1] >= at) return;
    const times = this.times.get(landmark) as number[];
    list.push(at);
    times.push(t);
    // Trimmed in bulk: a stalled writer makes a landmark of every record it drops.
    if (list.length > 2 * KEPT) {
      this.forgotten.set(landmark, list[list.length - KEPT - 1]);
      list.splice(0, list.length - KEPT);
      times.splice(0, times.length - KEPT);
    }
  }

  /** Extends the horizon once a run has passed event `at` (virtual time `t`). */
  reached(at: number, t = this.horizonTime): void {
    if (at > this.horizon) {
      this.horizon = at;
      this.horizonTime = t;
    }
  }

  /**
   * The first `landmark` strictly after event `at` within the horizon: its event and time; null
   * when there is none up to the horizon, undefined when it is not known (it may have been forgotten).
   */
  next(landmark: Landmark, at: number): { at: number; t: number } | null | undefined {
    if (at < (this.forgotten.get(landmark) as number)) return undefined;
    const list = this.marks.get(landmark) as number[];
    const i = upperBound(list, at);
    return i < list.length ? { at: list[i], t: (this.times.get(landmark) as number[])[i] } : null;
  }

  /** The landmarks of a kind known between events `from` and `to`: events and times, in order. */
  between(landmark: Landmark, from: number, to: number): { at: number[]; t: number[] } {
    const list = this.marks.get(landmark) as number[];
    const i = upperBound(list, from - 1);
    const j = upperBound(list, to);
    return { at: list.slice(i, j), t: (this.times.get(landmark) as number[]).slice(i, j) };
  }

  /** The last `landmark` strictly before event `at`, or null. */
  previous(landmark: Landmark, at: number): number | null {
    const list = this.marks.get(landmark) as number[];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid] < at) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? list[lo - 1] : null;
  }

  /** How many `landmark`s are known. */
  count(landmark: Landmark): number {
    return (this.marks.get(landmark) as number[]).length;
  }
}

/** The first index whose value is greater than `x` in an ascending list. */
function upperBound(list: readonly number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
