/** Landmark ticks under the time-travel slider: which pixel columns hold a landmark of a kind. */
import { LANDMARKS, type Landmark } from '../../engine/index.ts';

/** Landmark kinds drawn as ticks, top to bottom, with their colours (styles.css --tick-*). */
export const TICK_KINDS: readonly Landmark[] = LANDMARKS;

/** Pixel columns (of `width`) holding at least one landmark of `kind` between events 0 and `horizon`. */
export function tickColumns(at: readonly number[], horizon: number, width: number): number[] {
  const cols: number[] = [];
  let last = -1;
  for (const a of at) {
    const x = horizon > 0 ? Math.min(width - 1, Math.floor((a / horizon) * width)) : 0;
    if (x !== last) cols.push(x);
    last = x;
  }
  return cols;
}

