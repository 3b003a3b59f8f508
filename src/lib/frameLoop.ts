/**
 * The one animation-frame loop of the app. Panels register a callback that reads the shared
 * memory and writes the DOM directly; nothing per frame goes through React state. The loop
 * times its own callbacks (script time per frame), which npm run bench:ui reports.
 */
export type FrameCallback = (now: number) => void;

interface Registered {
  cb: FrameCallback;
  /** Who registered it, for the per-panel breakdown. */
  name: string;
}

const callbacks = new Set<Registered>();
/** Script milliseconds per callback name since the last takeFrameProfile. */
const profile = new Map<string, number>();
let handle: number | null = null;
/** Script milliseconds of the last frames, newest last (bounded). */
const durations: number[] = [];
const KEPT = 10_000;

/** Told when the page's frame callbacks start and when they are done. */
interface FrameWatcher {
  begin: () => void;
  end: () => void;
}
const watchers = new Set<FrameWatcher>();

function frame(now: number): void {
  for (const w of watchers) w.begin();
  const start = performance.now();
  for (const r of callbacks) {
    const t = performance.now();
    r.cb(now);
    profile.set(r.name, (profile.get(r.name) ?? 0) + performance.now() - t);
  }
  durations.push(performance.now() - start);
  if (durations.length > KEPT) durations.shift();
  for (const w of watchers) w.end();
  handle = callbacks.size > 0 ? requestAnimationFrame(frame) : null;
}

/** Calls `cb` on every animation frame until the returned function is called. */
export function onFrame(name: string, cb: FrameCallback): () => void {
  const r = { cb, name };
  callbacks.add(r);
  if (handle === null) handle = requestAnimationFrame(frame);
  return () => {
    callbacks.delete(r);
  };
}

/**
 * Calls `begin` before each frame's callbacks and `end` after them, until the returned
 * function is called (which calls `end` once more).
 */
export function watchFrames(begin: () => void, end: () => void): () => void {
  const w = { begin, end };
  watchers.add(w);
  return () => {
    watchers.delete(w);
    end();
  };
}

/** The script time of each frame since the last call, in milliseconds; starts a new window. */
export function takeFrameTimes(): number[] {
  profile.clear();
  return durations.splice(0, durations.length);
}

/** Script milliseconds spent in each named callback since the last takeFrameTimes. */
export function frameProfile(): Record<string, number> {
  return Object.fromEntries(profile);
}

/** Longest a panel waits between refreshes of what it throttles (the event log, the inspector). */
export const SLOWEST_REFRESH_MS = 300;
/** Most frames a panel spreads one refresh over (the channel's text lines). */
export const SLOWEST_REFRESH_FRAMES = 15;

/**
 * Resolves after the first frame that comes both SLOWEST_REFRESH_MS and SLOWEST_REFRESH_FRAMES
 * or more after the call: by then every panel, throttled ones included, shows the state the
 * engine had at the call.
 */
export function settled(): Promise<void> {
  const from = performance.now();
  let frames = 0;
  return new Promise((resolve) => {
    const stop = onFrame('settled', (now) => {
      if (++frames <= SLOWEST_REFRESH_FRAMES || now - from < SLOWEST_REFRESH_MS) return;
      stop();
      resolve();
    });
  });
}
