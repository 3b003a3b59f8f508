/**
 * The one animation-frame loop of the app. Panels register a callback that reads the shared
 * memory and writes the DOM directly; nothing per frame goes through React state. The loop
 * times its own callbacks (script time per frame), which npm run bench:ui reports.
 */
export type FrameCallback = (now: number) => void;

const callbacks = new Set<FrameCallback>();
let handle: number | null = null;
/** Script milliseconds of the last frames, newest last (bounded). */
const durations: number[] = [];
const KEPT = 10_000;

function frame(now: number): void {
  const start = performance.now();
  for (const cb of callbacks) cb(now);
  durations.push(performance.now() - start);
  if (durations.length > KEPT) durations.shift();
  handle = callbacks.size > 0 ? requestAnimationFrame(frame) : null;
}

/** Calls `cb` on every animation frame until the returned function is called. */
export function onFrame(cb: FrameCallback): () => void {
  callbacks.add(cb);
  if (handle === null) handle = requestAnimationFrame(frame);
  return () => {
    callbacks.delete(cb);
  };
}

/** The script time of each frame since the last call, in milliseconds; starts a new window. */
export function takeFrameTimes(): number[] {
  return durations.splice(0, durations.length);
}
