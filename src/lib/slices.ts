/**
 * Long work done in slices, so the thread it runs on keeps answering: each slice runs a number
 * of units (events) sized to take about `sliceMs`, then yields to the event loop. The size
 * adapts to what the last slice took. Cancellable between slices.
 */

export interface SlicedOptions {
  /** Target duration of one slice, ms (the longest task the work may cause is about this). */
  sliceMs?: number;
  /** Units of the first slice. */
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

/**
 * Runs `work(units)` slice after slice until it returns true (finished). `work` must do at most
 * `units` units of work per call.
 */
export function runSliced(work: (units: number) => boolean, o: SlicedOptions = {}): Sliced {
  const now = o.now ?? (() => performance.now());
  const target = o.sliceMs ?? SLICE_MS;
  let units = o.first ?? 2000;
  let cancelled = false;
  let longest = 0;
  let finish: (how: 'done' | 'cancelled') => void = () => {};
  const done = new Promise<'done' | 'cancelled'>((resolve) => (finish = resolve));
  const slice = (): void => {
    if (cancelled) return finish('cancelled');
    const t0 = now();
    const finished = work(units);
    const ms = now() - t0;
    longest = Math.max(longest, ms);
    // The next slice sized for the target, changing by at most a factor of two at a time.
    units = Math.max(100, Math.round(units * Math.min(2, Math.max(0.5, target / Math.max(ms, 0.1)))));
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
