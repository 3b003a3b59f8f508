/**
 * Where a deterministic run's landmarks are: after which event (counted from the start) each
 * sub-buffer switch, drop, overwrite and wakeup happened. The same configuration and seed give
 * the same events, so a run rebuilt from the start to go back in time finds them at the same
 * counts, and the timeline carries over from one rebuild to the next. It also holds the
 * channel operations applied on the way, so a rebuild applies them at the same points; an
 * operation applied after going back starts a new future, and the old one is forgotten.
 */
import type { RelayEvent } from '../kernel/index.ts';

/** Channel operations a run applies between events. */
export type ChannelOp = { op: 'flush' } | { op: 'reset' } | { op: 'close' } | { op: 'cpu_online' | 'cpu_offline'; cpu: number };

/** An operation and the number of events run before it. */
export interface TimedOp {
  at: number;
  op: ChannelOp;
}

export type Landmark = 'switch' | 'drop' | 'overwrite' | 'wakeup';
export const LANDMARKS: readonly Landmark[] = ['switch', 'drop', 'overwrite', 'wakeup'];

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
    default:
      return null;
  }
}

/** Landmarks kept per kind (up to twice as many); beyond, the oldest are forgotten (jumping back stops there). */
const KEPT = 200_000;

export class Timeline {
  /** The furthest event any run of this timeline has reached. */
  horizon = 0;
  /** Operations in the order applied, by position. */
  readonly ops: TimedOp[] = [];
  private readonly marks = new Map<Landmark, number[]>(LANDMARKS.map((l) => [l, []]));

  /** Records an operation applied after `at` events; anything recorded beyond `at` is a future that no longer happens. */
  recordOp(at: number, op: ChannelOp): void {
    if (at < this.horizon) this.truncate(at);
    this.ops.push({ at, op });
  }

  /** Forgets everything after event `at`. */
  private truncate(at: number): void {
    this.horizon = at;
    for (const list of this.marks.values()) {
      let keep = list.length;
      while (keep > 0 && list[keep - 1] > at) keep--;
      list.length = keep;
    }
    let keep = this.ops.length;
    while (keep > 0 && this.ops[keep - 1].at > at) keep--;
    this.ops.length = keep;
  }

  /** Notes that event number `at` (1 = the first) was a `landmark`, once. */
  note(landmark: Landmark, at: number): void {
    if (at < this.horizon) return; // already seen by an earlier run of the same events
    const list = this.marks.get(landmark) as number[];
    if (list.length > 0 && list[list.length - 1] >= at) return;
    list.push(at);
    // Trimmed in bulk: a stalled writer makes a landmark of every record it drops.
    if (list.length > 2 * KEPT) list.splice(0, list.length - KEPT);
  }

  /** Extends the horizon once a run has passed event `at`. */
  reached(at: number): void {
    if (at > this.horizon) this.horizon = at;
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
