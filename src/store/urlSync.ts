/**
 * Keeps the address in step with the store, and starts the run an address describes.
 */
import { Timeline } from '../engine/index.ts';
import type { AppStore } from './index.ts';
import { DEFAULT_URL_STATE, queryToState, stateToQuery, type UrlState } from './urlState.ts';

/** What the address says about the page rather than the run: kept as it was opened. */
export type PageSettings = Pick<UrlState, 'demo' | 'tour' | 'preset'>;
const PAGE_DEFAULTS: PageSettings = { demo: DEFAULT_URL_STATE.demo, tour: DEFAULT_URL_STATE.tour, preset: DEFAULT_URL_STATE.preset };
const pageOf = (s: PageSettings): PageSettings => ({ demo: s.demo, tour: s.tour, preset: s.preset });

/** Starts the run `s` describes: a deterministic one is stepped to the same event. */
export function restoreRun(store: AppStore, s: UrlState): void {
  const st = store.getState();
  // The file behind an imported workload is not in the address: the run waits for it, with the
  // address's settings shown, until workloadImport.ts is given a file with the same hash.
  if (s.workload !== null && st.liveWorkload?.hash !== s.workload) {
    store.setState({ liveConfig: s.config, liveSeed: s.seed, liveMode: s.mode, liveWorkloadPending: s });
    return;
  }
  // The operations go into the timeline, and the run applies each at its place on the way.
  const timeline = new Timeline();
  for (const { at, op } of s.ops) timeline.recordOp(at, op);
  st.startLive(s.config, s.seed, { mode: s.mode, timeline: s.mode === 'deterministic' ? timeline : undefined });
  if (s.selection !== null) st.select(s.selection);
  // To the event, then the clock as it was (no event falls between the last one run and it): at
  // once when it is little work, in slices with progress when more, on request past a bound.
  if (s.mode === 'deterministic') void st.openAt(s.events, s.t);
}

/** The state an address would carry now. */
export function currentUrlState(store: AppStore, embed: boolean, page: PageSettings = PAGE_DEFAULTS): UrlState {
  const s = store.getState();
  page = pageOf(page);
  // While the run waits for its workload's file, the address stays the one that was opened.
  if (s.liveWorkloadPending !== null) return { ...s.liveWorkloadPending, embed, tab: s.tab, ...page };
  // The demo is no one's run: the address does not describe it.
  if (s.liveDemo) return { ...DEFAULT_URL_STATE, embed, tab: s.tab, ...page };
  const run = s.liveRun();
  const stepped = run !== null && run.mode === 'deterministic' ? run : null;
  const events = stepped?.eventsRun() ?? 0;
  return {
    config: s.liveConfig,
    seed: s.liveSeed,
    mode: s.liveMode,
    events,
    t: stepped?.virtualTime() ?? 0,
    ops: stepped?.timeline.ops.filter((o) => o.at <= events) ?? [],
    selection: s.selection,
    embed,
    workload: s.liveWorkload?.hash ?? null,
    tab: s.tab,
    ...page,
  };
}

/**
 * Writes the store's state into the address as it changes; returns the unsubscribe. An address
 * the page would refuse to open (more operations, or more characters, than an address holds)
 * is not written: the last one that opens stays, and `addressNote` says why.
 */
export function syncUrl(store: AppStore, embed: boolean, write: (query: string) => void, page: PageSettings = PAGE_DEFAULTS): () => void {
  let last: string | null = null;
  const update = (): void => {
    const query = stateToQuery(currentUrlState(store, embed, page));
    if (query === last) return;
    last = query;
    const reading = queryToState(query);
    const note = reading.ok ? null : reading.error;
    if (store.getState().addressNote !== note) store.setState({ addressNote: note });
    if (note === null) write(query);
  };
  return store.subscribe(update);
}
