/**
 * Long work done in slices, so the thread it runs on keeps answering. A slice is a run of short
 * calls of the work (chunks, each of a number of units sized to take about a quarter of the
 * slice), made while the clock says the next one still fits in the slice, then a yield to the
 * event loop: a slice ends within its target even when the cost of a unit varies (a checkpoint
 * taken, a restore, a collection), overrunning it by at most one chunk's surprise. The chunk's
 * size adapts to what the last one took. Cancellable between slices.
 */

export interface SlicedOptions {
  /** Target duration of one slice, ms (the longest task the work may cause is about this). */
  sliceMs?: number;
  /** Units of the first chunk (500 by default: the first runs the code before it is compiled, many times slower). */
  first?: number;
  /** Called after every slice. */
  onSlice?: () => void;
  /** A clock in ms (performance.now by default). */
  now?: () => number;
}

export interface Sliced {
  /** Stops before the next slice; `done` resolves with 'cancelled'. */
  cancel(): void;
  readonly done: Promise<'done' | 'cancelled'>;
  /** The longest slice so far, ms. */
  readonly longestMs: number;
}

/** Slices run for about this long: well under the 50 ms of a long task. */
export const SLICE_MS = 20;
/** Chunks of a slice: each sized for this share of the slice. */
const CHUNKS_PER_SLICE = 4;
/** Fewest units in a chunk. */
const MIN_UNITS = 100;

/**
 * Runs `work(units)` chunk after chunk, in slices, until it returns true (finished). `work` must
 * do at most `units` units of work per call.
 */
export function runSliced(work: (units: number) => boolean, o: SlicedOptions = {}): Sliced {
  const now = o.now ?? (() => performance.now());
  const target = o.sliceMs ?? SLICE_MS;
  const chunkMs = target / CHUNKS_PER_SLICE;
  let units = o.first ?? 500;
  let cancelled = false;
  let longest = 0;
  let finish: (how: 'done' | 'cancelled') => void = () => {};
  const done = new Promise<'done' | 'cancelled'>((resolve) => (finish = resolve));
  const slice = (): void => {
    if (cancelled) return finish('cancelled');
    const t0 = now();
    let finished = false;
    for (let t = t0; ; ) {
      finished = work(units);
      const end = now();
      const last = end - t;
      t = end;
      // The next chunk sized for its share: smaller at once, larger by at most a factor of two.
      const next = Math.max(MIN_UNITS, Math.round(units * Math.min(2, chunkMs / Math.max(last, 0.01))));
      const expected = (last * next) / units;
      units = next;
      // Another chunk only if it is expected to end within the slice.
      if (finished || end - t0 + expected > target) break;
    }
    longest = Math.max(longest, now() - t0);
    o.onSlice?.();
    if (finished) return finish('done');
    setTimeout(slice, 0);
  };
  setTimeout(slice, 0);
  return {
    cancel: () => {
      cancelled = true;
    },
    done,
    get longestMs() {
      return longest;
    },
  };
}
