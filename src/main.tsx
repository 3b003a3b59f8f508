import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { demoScenario } from './demoScenario.ts';
import {
  LOG_GROUPS,
  Simulation,
  bufferCounters,
  cpuCounters,
  describeEvent,
  findPreset,
  groupOf,
  parseSimConfig,
  readBufferCounters,
  readCpuCounters,
  simReport,
} from './engine/index.ts';
import { StoreContext, createAppStore, type AppStore } from './store/index.ts';
import { frameProfile, settled, takeFrameTimes } from './lib/frameLoop.ts';
import { renderCounts } from './lib/renderCount.ts';
import { ensureIsolation } from './lib/isolation.ts';
import { installTestApi, type LiveSnapshot, type LoggedEvent } from './testApi.ts';
import { createLiveRun } from './workers/client.ts';
import { createExplorer } from './workers/exploreClient.ts';
import { DEFAULT_URL_STATE, queryToState } from './store/urlState.ts';
import { startDemo } from './store/demo.ts';
import { restoreRun, syncUrl } from './store/urlSync.ts';
import './styles.css';

const isolated = window.crossOriginIsolated;
const reducedMotion = (): boolean => window.matchMedia('(prefers-reduced-motion: reduce)').matches;
const store = createAppStore({ createRun: createLiveRun, createExplorer });

function liveSnapshot(s: AppStore): LiveSnapshot {
  const state = s.getState();
  const run = state.liveRun();
  const cpus = run?.config.channel.cpus ?? state.liveConfig.channel.cpus;
  const counters = Array.from({ length: cpus }, (_, c) => (run === null ? cpuCounters() : readCpuCounters(run.stats, c, cpuCounters())));
  const buffers = Array.from({ length: cpus }, (_, c) => readBufferCounters(run?.chan.buf(c) ?? null, bufferCounters()));
  return {
    status: state.liveStatus,
    kind: run === null ? null : state.liveDemo ? 'demo' : run.kind,
    fallbackReason: run?.fallbackReason ?? null,
    error: state.liveError,
    producerWorkers: run?.mode === 'live' ? run.producerWorkers : 0,
    readerWorkers: run?.mode === 'live' ? run.readerWorkers : 0,
    cpus,
    virtualTime: run?.virtualTime() ?? 0,
    written: counters.map((c) => c.written),
    readIntact: counters.map((c) => c.readIntact),
    subbufsProduced: buffers.map((b) => b.subbufsProduced),
    subbufsConsumed: buffers.map((b) => b.subbufsConsumed),
    accounting: state.liveAccounting,
  };
}

function loggedEvents(s: AppStore, max: number): LoggedEvent[] {
  const run = s.getState().liveRun();
  if (run === null) return [];
  run.events.poll();
  const all = { groups: new Set(LOG_GROUPS.map((g) => g.id)), cpu: null };
  return run.events.recent(max, all).map((e) => ({
    tUs: e.tUs,
    cpu: e.cpu,
    group: groupOf(e),
    ...describeEvent(e, run.config.channel.global),
    count: e.count,
  }));
}

installTestApi({
  version: 1,
  crossOriginIsolated: isolated,
  canonicalLines() {
    const result = demoScenario();
    if (!result.ok) throw new Error(`${result.file}: ${result.error}`);
    return [...result.lines];
  },
  live: {
    start: (config, seed, options) => store.getState().startLive(config, seed, { ...options, quiet: true, speed: options?.speed ?? 1 }),
    step: (by) => store.getState().stepLive(by),
    operate: (op) => store.getState().operateLive(op),
    pause: async () => {
      await store.getState().pauseLive();
      return liveSnapshot(store);
    },
    resume: () => store.getState().resumeLive(),
    stop: () => store.getState().stopLive(),
    snapshot: () => liveSnapshot(store),
    events: (max = 100) => loggedEvents(store, max),
    idle: settled,
    file: (action) => store.getState().fileAct(action, 'cpu' in action ? action.cpu : 0),
    lifetime: () => {
      const chan = store.getState().liveRun()?.chan;
      if (chan === undefined) return null;
      const buffers = chan.bufs().map((b) => ({ cpu: b.cpu, path: b.filePath, kref: b.kref, freed: b.freed }));
      return { chanKref: chan.kref, chanFreed: chan.freed, buffers };
    },
  },
  frameTimes: takeFrameTimes,
  frameProfile,
  renderCounts,
  simulate(config, seed, seconds) {
    const sim = new Simulation(parseSimConfig(config), { seed });
    sim.runUntil(seconds);
    return simReport(sim);
  },
  sweepResult: () => store.getState().sweep.result?.result ?? null,
});

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

if (new URLSearchParams(window.location.search).has('bench')) {
  // Bench mode: no app, only the measured workers, driven by e2e/bench.mjs (npm run bench).
  const { runBrowserBench } = await import('./workers/bench.ts');
  window.relayscopeBench = { run: runBrowserBench };
  rootElement.textContent = 'relayscope benchmarks: run them with npm run bench.';
}
// On a host without the isolation headers, a service worker adds them and the page reloads.
else if (!(await ensureIsolation(`${import.meta.env.BASE_URL}coi-serviceworker.js`))) {
  // An address that describes a run starts it; one that cannot be used says why, and the
  // page shows the defaults.
  const reading = queryToState(window.location.search);
  const page = reading.ok ? reading.state : DEFAULT_URL_STATE;
  const embed = page.embed;
  store.getState().setTab(page.tab);
  if (reading.ok && !reading.empty) restoreRun(store, reading.state);
  else {
    const preset = page.preset === null ? undefined : findPreset(page.preset);
    // A preset the address names runs at a pace one can follow; otherwise, unless the tour or
    // the address says not to, the demo plays (paused for readers who asked for less motion).
    if (preset !== undefined) {
      store.getState().startLive(preset.config, page.seed, { mode: 'deterministic', quiet: true });
      store.getState().setPlaying(!reducedMotion());
    } else if (page.demo && page.tour === null) startDemo(store, !reducedMotion());
  }
  syncUrl(store, embed, (query) => window.history.replaceState(null, '', query === '' ? window.location.pathname : `?${query}`), page);
  createRoot(rootElement).render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App crossOriginIsolated={isolated} scenario={demoScenario()} urlError={reading.ok ? null : reading.error} embed={embed} tour={page.tour === null ? null : page.tour - 1} />
      </StoreContext.Provider>
    </StrictMode>,
  );
}
