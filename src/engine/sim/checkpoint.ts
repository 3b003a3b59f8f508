/**
 * Checkpoints of a deterministic run: a copy of its whole state (the channel's memory, the
 * counters, the producers with their random generators, the readers with their open files and
 * carried bytes, the scheduler's queue and timers, the clock), taken every so many events, so
 * that going to any event restores the nearest checkpoint before it and replays only the rest.
 * The files the run's user-space process holds (its FileTable) are part of the run's state.
 *
 * The copy is made without knowing the objects' shapes: memory is copied as whole ArrayBuffers
 * (whatever the channel's layout inside them), objects keep their prototypes, and typed arrays
 * are rebuilt over the copied buffer at the same offset. The channel, its buffers' views and the
 * counters are not copied as objects: their state is their memory, and a restore copies that
 * memory back into the run being restored (which may be a fresh run of the same configuration).
 */
import type { Rchan } from '../kernel/index.ts';
import type { FileTable } from './files.ts';
import type { SimStats } from './stats.ts';

/**
 * Objects a checkpoint keeps by reference instead of copying: inputs that never change (the
 * configuration, an imported workload) and scratch space whose content does not outlive a call.
 */
const SHARED = new WeakSet<object>();

export function sharedInCheckpoints<T extends object>(o: T): T {
  SHARED.add(o);
  return o;
}

type Memo = Map<unknown, unknown>;

/**
 * What a checkpoint holds in place of a run's channel, buffers, counters and their memory, so
 * that it keeps no run alive and restores into any run of the same configuration.
 */
class Stand {
  constructor(readonly name: string) {}
}

/** A typed array over a run's memory, in a checkpoint: rebuilt over the restoring run's memory. */
class ViewOf {
  constructor(
    readonly memory: Stand,
    readonly Ctor: new (b: ArrayBufferLike, offset: number, length: number) => ArrayBufferView,
    readonly offset: number,
    readonly length: number,
  ) {}
}

/** Bytes of ArrayBuffer a copy allocated, and objects it made: the checkpoint's size. */
interface CopyCount {
  bytes: number;
  objects: number;
}

/** A deep copy of `v`; objects in `memo` (or SHARED) are replaced by what it maps them to. */
function copy(v: unknown, memo: Memo, count: CopyCount): unknown {
  if (typeof v !== 'object' || v === null) return v; // functions too: kept by reference
  const seen = memo.get(v);
  if (seen !== undefined) return seen;
  if (SHARED.has(v)) return v;
  let out: unknown;
  if (v instanceof ArrayBuffer) {
    out = v.slice(0);
    count.bytes += v.byteLength;
  } else if (v instanceof ViewOf) {
    out = new v.Ctor(copy(v.memory, memo, count) as ArrayBufferLike, v.offset, v.length);
  } else if (ArrayBuffer.isView(v)) {
    const buffer = copy(v.buffer, memo, count);
    const Ctor = v.constructor as ViewOf['Ctor'];
    const length = v instanceof DataView ? v.byteLength : (v as unknown as { length: number }).length;
    out = buffer instanceof Stand ? new ViewOf(buffer, Ctor, v.byteOffset, length) : new Ctor(buffer as ArrayBuffer, v.byteOffset, length);
  } else if (v instanceof Map) {
    const m = new Map();
    memo.set(v, m);
    for (const [k, x] of v) m.set(copy(k, memo, count), copy(x, memo, count));
    out = m;
  } else if (v instanceof Set) {
    const s = new Set();
    memo.set(v, s);
    for (const x of v) s.add(copy(x, memo, count));
    out = s;
  } else if (Array.isArray(v)) {
    const a: unknown[] = [];
    memo.set(v, a);
    for (let i = 0; i < v.length; i++) a.push(copy(v[i], memo, count));
    out = a;
  } else {
    const o = Object.create(Object.getPrototypeOf(v)) as Record<string, unknown>;
    memo.set(v, o);
    for (const k of Object.keys(v)) o[k] = copy((v as Record<string, unknown>)[k], memo, count);
    out = o;
  }
  count.objects += 1;
  memo.set(v, out);
  return out;
}

/** What a run is made of, as a checkpoint sees it. */
export interface CheckpointParts {
  chan: Rchan;
  stats: SimStats;
  /** The files the run's user-space process holds: fds, mappings, their read positions and faulted pages. */
  files: FileTable;
  /** Everything else of the run's state, by field name (copied deeply). */
  state: Record<string, unknown>;
}

/**
 * The state a checkpoint copies: the run's own, and its file table under `files` (restored
 * with it, its files' buffers replaced by the restoring run's like every other reference).
 */
function snapshotState(parts: CheckpointParts): Record<string, unknown> {
  return { ...parts.state, files: parts.files };
}

/** The stand-ins of one checkpoint. */
interface Stands {
  chan: Stand;
  stats: Stand;
  chanMemory: Stand;
  statsMemory: Stand;
  bufs: Stand[];
}

export interface Checkpoint {
  /** Events run when it was taken. */
  readonly at: number;
  /** Virtual time (s) then. */
  readonly now: number;
  /** Bytes it holds (memory copies, plus a rough 64 bytes per object). */
  readonly bytes: number;
  readonly chanMemory: ArrayBuffer;
  readonly statsMemory: ArrayBuffer;
  /** The counters' own copy (SimStats.f64): on one thread, the counts themselves. */
  readonly statsCounts: Float64Array;
  /** The state, with stand-ins for the run's channel, buffers and counters. */
  readonly state: Record<string, unknown>;
  readonly stands: Stands;
  /** Anything the owner keeps with it (the stepped run: operations applied). */
  readonly extra: number;
}

const wholeCopy = (m: ArrayBufferLike): ArrayBuffer => new Uint8Array(m).slice().buffer;

/** The pairs (run's object, stand-in) of a run's channel, buffers and counters. */
function pairs(chan: Rchan, stats: SimStats, stands: Stands): [object, Stand][] {
  return [
    [chan, stands.chan],
    [stats, stands.stats],
    [chan.memory, stands.chanMemory],
    [stats.memory, stands.statsMemory],
    ...stands.bufs.map((s, i): [object, Stand] => [chan.bufAt(i), s]),
  ];
}

/** Takes a checkpoint of `parts` after `at` events at virtual time `now`. */
export function takeCheckpoint(parts: CheckpointParts, at: number, now: number, extra = 0): Checkpoint {
  const { chan, stats } = parts;
  const stands: Stands = {
    chan: new Stand('chan'),
    stats: new Stand('stats'),
    chanMemory: new Stand('chan memory'),
    statsMemory: new Stand('stats memory'),
    bufs: Array.from({ length: chan.nBufs }, (_, i) => new Stand(`buf ${i}`)),
  };
  const memo: Memo = new Map<unknown, unknown>(pairs(chan, stats, stands));
  const count: CopyCount = { bytes: 0, objects: 0 };
  const state = copy(snapshotState(parts), memo, count) as Record<string, unknown>;
  const chanMemory = wholeCopy(chan.memory);
  const statsMemory = wholeCopy(stats.memory);
  const statsCounts = stats.f64.slice();
  const bytes = chanMemory.byteLength + statsMemory.byteLength + statsCounts.byteLength + count.bytes + 64 * count.objects;
  return { at, now, bytes, chanMemory, statsMemory, statsCounts, state, stands, extra };
}

/**
 * Restores a checkpoint into a run of the same configuration (the one it was taken from, or a
 * fresh one): copies the memory back into the run's own memory, and returns the state to assign
 * to the run, with the stand-ins replaced by the run's channel, buffers and counters.
 */
export function restoreCheckpoint(c: Checkpoint, chan: Rchan, stats: SimStats): Record<string, unknown> {
  if (chan.memory.byteLength !== c.chanMemory.byteLength) throw new Error('the checkpoint is of another channel');
  new Uint8Array(chan.memory).set(new Uint8Array(c.chanMemory));
  new Uint8Array(stats.memory).set(new Uint8Array(c.statsMemory));
  stats.f64.set(c.statsCounts);
  // The buffers exist once the channel's memory is back (bufAt reads how many there are).
  const memo: Memo = new Map<unknown, unknown>(pairs(chan, stats, c.stands).map(([run, stand]) => [stand, run]));
  return copy(c.state, memo, { bytes: 0, objects: 0 }) as Record<string, unknown>;
}

/** The memory checkpoints may hold in the page: 256 MiB. */
export const CHECKPOINT_BYTES = 256 * 1024 * 1024;
/** Fewest events between two checkpoints (so taking them costs little next to running). */
export const CHECKPOINT_MIN_SPACING = 1 << 15;
/** Most checkpoints kept, however small. */
const MAX_CHECKPOINTS = 1024;

/**
 * A run's checkpoints, spaced to fit a memory bound: one every `spacing` events; when they
 * would outgrow the bound, every other one is dropped and the spacing doubles, so they always
 * cover the whole computed run evenly, at most `spacing` events apart.
 */
export class Checkpoints {
  spacing: number;
  private readonly list: Checkpoint[] = [];

  constructor(
    /** Bytes they may hold. */
    readonly bound = CHECKPOINT_BYTES,
    /** Events between checkpoints at first. */
    spacing = CHECKPOINT_MIN_SPACING,
  ) {
    this.spacing = spacing;
  }

  get count(): number {
    return this.list.length;
  }

  /** Bytes held now. */
  get bytes(): number {
    let n = 0;
    for (const c of this.list) n += c.bytes;
    return n;
  }

  /** Whether a run that has just reached event `at` should take one. */
  due(at: number): boolean {
    if (at === 0 || at % this.spacing !== 0) return false;
    const last = this.list[this.list.length - 1];
    return last === undefined || last.at < at;
  }

  add(c: Checkpoint): void {
    this.list.push(c);
    // The bound, with room for the one being taken next (the sizes of one run barely vary).
    while (this.list.length > 1 && (this.list.length > MAX_CHECKPOINTS || this.bytes + c.bytes > this.bound)) {
      this.spacing *= 2;
      const keep = this.list.filter((k) => k.at % this.spacing === 0);
      this.list.length = 0;
      this.list.push(...keep);
    }
  }

  /** The last checkpoint at or before event `at`, or null. */
  atOrBefore(at: number): Checkpoint | null {
    return this.last((c) => c.at <= at);
  }

  /** The last checkpoint at or before virtual time `t`, or null. */
  atOrBeforeTime(t: number): Checkpoint | null {
    return this.last((c) => c.now <= t);
  }

  /** Forgets checkpoints after event `at` (a new future starts there). */
  truncate(at: number): void {
    let keep = this.list.length;
    while (keep > 0 && this.list[keep - 1].at > at) keep--;
    this.list.length = keep;
  }

  private last(ok: (c: Checkpoint) => boolean): Checkpoint | null {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ok(this.list[mid])) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? this.list[lo - 1] : null;
  }
}
