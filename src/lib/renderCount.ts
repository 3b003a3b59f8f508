/**
 * How many times each hot component has rendered. Panels that show per-frame data must not
 * re-render when only that data changes; a test reads these counts while a run goes on, so an
 * accidental subscription to fast-changing state fails it.
 */
const counts = new Map<string, number>();

/** Call in a component's body: counts one render of `name`. */
export function countRender(name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}

/** Renders so far, by component. */
export function renderCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}
