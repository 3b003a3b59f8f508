import type { DemoScenario } from './demoScenario.ts';
import { useEffect, useRef } from 'react';
import { Stage } from './panels/stage/Stage.tsx';
import { Transport } from './panels/stage/Transport.tsx';
import { Legend } from './panels/stage/Legend.tsx';
import { EventLogPanel } from './panels/events/EventLogPanel.tsx';
import { Inspector } from './panels/inspector/Inspector.tsx';
import { ScenarioStepper } from './panels/scenario/ScenarioStepper.tsx';
import { Tracks } from './panels/timeseries/Tracks.tsx';
import { AccountingPanel, CountersStrip, LivePanel, RunNotices } from './panels/live/LivePanel.tsx';
import { Tours } from './panels/tours/Tours.tsx';
import { Splitter } from './panels/common/Splitter.tsx';
import { FilesPanel } from './panels/files/FilesPanel.tsx';
import { MemoryView } from './panels/memory/MemoryView.tsx';
import { VersionsPanel } from './panels/versions/VersionsPanel.tsx';
import { SizingExplorer } from './panels/sweep/SizingExplorer.tsx';
import { ABCompare } from './panels/compare/ABCompare.tsx';
import { Exports } from './panels/exports/Exports.tsx';
import { WorkloadImport } from './panels/workload/WorkloadImport.tsx';
import { TABS, useAppStore, useAppStoreApi, type TabId } from './store/index.ts';

interface AppProps {
  /** Whether the page is cross-origin isolated (SharedArrayBuffer available). */
  crossOriginIsolated: boolean;
  /** The conformance scenario to show, already run through the engine. */
  scenario: DemoScenario;
  /** Why the page's address could not be used (the page then shows the defaults). */
  urlError: string | null;
  /** Presentation mode (`?embed=1`): the stage, a minimal transport, a large legend. */
  embed: boolean;
  /** A tour chapter the address opens (0-based), or null. */
  tour: number | null;
}

/**
 * The app shell: a header, the stage with the transport and the legend beside it, the counters
 * under it, the settings in a drawer and every other tool a tab of one workspace.
 */
export function App({ crossOriginIsolated, scenario, urlError, embed, tour }: AppProps) {
  const drawerOpen = useAppStore((s) => s.drawerOpen);
  const store = useAppStoreApi();
  if (embed)
    return (
      <div className="app embed">
        <header className="app-header">
          <h1>relayscope</h1>
          <a className="meta" href={`?${new URLSearchParams([...new URLSearchParams(window.location.search)].filter(([k]) => k !== 'embed')).toString()}`}>
            Open in relayscope
          </a>
        </header>
        <div className="app-body">
          <main className="app-main">
            <Stage presentation />
            <Legend large />
          </main>
          <aside className="app-side" aria-label="Transport and tour">
            {tour !== null && <Tours initialChapter={tour} />}
            <Transport minimal />
          </aside>
        </div>
      </div>
    );
  return (
    <div className="app">
      <header className="app-header">
        <h1>relayscope</h1>
        <p className="tagline">Linux relay channels (kernel/relay.c), simulated and shown</p>
        <button
          type="button"
          className="drawer-toggle"
          aria-expanded={drawerOpen}
          aria-controls="settings-drawer"
          data-testid="app.settings"
          onClick={() => store.getState().setDrawerOpen(!drawerOpen)}
        >
          {drawerOpen ? 'Hide settings' : 'Settings'}
        </button>
        <IsolationBadge crossOriginIsolated={crossOriginIsolated} />
        <UndoReplace />
      </header>
      {urlError !== null && (
        <p className="banner" role="alert" data-testid="app.url-error">
          This address could not be used: {urlError}. The page shows the default settings instead.
        </p>
      )}
      <div className={`app-body${drawerOpen ? ' with-drawer' : ''}`}>
        <aside id="settings-drawer" className="drawer" hidden={!drawerOpen} aria-label="Settings" data-testid="app.drawer">
          <LivePanel />
        </aside>
        <main className="app-main">
          <RunNotices />
          <Stage />
          <Legend />
          <CountersStrip />
          <Splitter above=".stage" below=".workspace" />
          <Workspace scenario={scenario} />
        </main>
        <aside className="app-side" aria-label="Transport, tour and legend">
          <Tours initialChapter={tour} />
          <Transport />
        </aside>
      </div>
    </div>
  );
}

/** The header's isolation badge; its explanation on demand. */
function IsolationBadge({ crossOriginIsolated }: { crossOriginIsolated: boolean }) {
  return (
    <details className="isolation">
      <summary>
        <span className={crossOriginIsolated ? 'status status-ok' : 'status status-warn'} data-testid="app.isolation">
          {crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated'}
        </span>
      </summary>
      <p className="explanation popover" data-testid="app.isolation.why">
        {crossOriginIsolated
          ? 'SharedArrayBuffer is available: producer and reader workers can share the relay buffers in memory.'
          : 'SharedArrayBuffer is not available: the page must be served with the COOP and COEP headers for workers to share the relay buffers, so the simulation runs on one thread.'}
      </p>
    </details>
  );
}

/** After a start replaced a user's run: bring it back. */
function UndoReplace() {
  const replaced = useAppStore((s) => s.liveReplaced);
  const store = useAppStoreApi();
  if (replaced === null) return null;
  return (
    <p className="undo" role="status" data-testid="app.undo">
      A new run replaced yours.{' '}
      <button type="button" data-testid="app.undo.button" onClick={() => store.getState().undoReplace()}>
        Undo
      </button>
      <button type="button" aria-label="Dismiss" onClick={() => store.getState().dismissReplaced()}>
        ×
      </button>
    </p>
  );
}

/**
 * The tools, docked in one pane under the stage: the bar above it goes to any tool in one click
 * (the pane scrolls to it, the stage stays), and the address keeps the one chosen. Every tool
 * stays mounted and in the document, so that its state and its frame work go on as before.
 */
function Workspace({ scenario }: { scenario: DemoScenario }) {
  const tab = useAppStore((s) => s.tab);
  const store = useAppStoreApi();
  const pane = useRef<HTMLElement>(null);
  const go = (id: TabId, smooth: boolean, pageToo = true): void => {
    const section = document.getElementById(`tool-${id}`);
    const box = pane.current;
    if (section === null || box === null) return;
    const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    // Within the pane only: the page itself (and so the stage) does not move.
    const top = section.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop - (box.querySelector('.tabs')?.clientHeight ?? 0);
    if (box.scrollHeight > box.clientHeight) box.scrollTo({ top, behavior: smooth && !still ? 'smooth' : 'auto' });
    else if (pageToo) section.scrollIntoView({ block: 'start', behavior: smooth && !still ? 'smooth' : 'auto' });
  };
  // The tool the address names is the one in view on load, in the pane: the page stays at the stage.
  useEffect(() => {
    go(store.getState().tab, false, false);
  }, [store]);
  // What is scrolled into view in the pane (a focused control, a found row) lands below the
  // sticky bar of tools, however many lines the bar wraps to.
  useEffect(() => {
    const box = pane.current;
    const bar = box?.querySelector<HTMLElement>('.tabs');
    if (box === null || bar === null || bar === undefined) return;
    const fit = (): void => {
      box.style.scrollPaddingTop = `${bar.offsetHeight + 8}px`;
    };
    fit();
    const watch = new ResizeObserver(fit);
    watch.observe(bar);
    return () => watch.disconnect();
  }, []);
  const panel = (id: TabId, children: React.ReactNode) => (
    <div id={`tool-${id}`} className={`tool${tab === id ? ' current' : ''}`} data-testid={`tab.${id}.panel`}>
      {children}
    </div>
  );
  return (
    <section ref={pane} className="workspace" aria-label="Tools">
      <nav className="tabs" aria-label="Tools">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            aria-current={tab === t.id ? 'true' : undefined}
            data-testid={`tab.${t.id}`}
            onClick={() => {
              store.getState().setTab(t.id);
              go(t.id, true);
            }}
          >
            {t.label}
          </button>
        ))}
      </nav>
      {panel('events', <EventLogPanel />)}
      {panel('inspector', <Inspector />)}
      {panel('series', <Tracks />)}
      {panel('accounting', <AccountingPanel />)}
      {panel('files', <FilesPanel />)}
      {panel('memory', <MemoryView />)}
      {panel('versions', <VersionsPanel />)}
      {panel('sizing', <SizingExplorer />)}
      {panel('compare', <ABCompare />)}
      {panel(
        'scenarios',
        <>
          <ScenarioStepper />
          <section className="card" aria-labelledby="scenario-heading">
            <h2 id="scenario-heading">Conformance scenario</h2>
            {scenario.ok ? (
              <>
                <h3 data-testid="scenario.name">{scenario.name}</h3>
                <p className="meta">
                  <code>{scenario.file}</code> · {scenario.lines.length} steps · canonical trace
                </p>
                <pre className="trace" data-testid="scenario.lines" tabIndex={0} aria-label="Canonical trace lines">
                  {scenario.lines.join('\n')}
                </pre>
              </>
            ) : (
              <p className="error" role="alert" data-testid="scenario.error">
                Could not run <code>{scenario.file}</code>: {scenario.error}
              </p>
            )}
          </section>
        </>,
      )}
      {panel(
        'data',
        <>
          <WorkloadImport />
          <Exports />
        </>,
      )}
    </section>
  );
}
