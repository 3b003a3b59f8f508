/**
 * The one animation-frame loop of the app. Panels register a callback that reads the shared
 * memory and writes the DOM directly; nothing per frame goes through React state.
 */
export type FrameCallback = (now: number) => void;

const callbacks = new Set<FrameCallback>();
let handle: number | null = null;

function frame(now: number): void {
  for (const cb of callbacks) cb(now);
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
