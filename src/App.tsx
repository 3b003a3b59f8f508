import type { DemoScenario } from './demoScenario.ts';
import { ChannelView } from './panels/channel/ChannelView.tsx';
import { EventLogPanel } from './panels/events/EventLogPanel.tsx';
import { Inspector } from './panels/inspector/Inspector.tsx';
import { ScenarioStepper } from './panels/scenario/ScenarioStepper.tsx';
import { Tracks } from './panels/timeseries/Tracks.tsx';
import { LivePanel } from './panels/live/LivePanel.tsx';
import { Tours } from './panels/tours/Tours.tsx';
import { FilesPanel } from './panels/files/FilesPanel.tsx';
import { MemoryView } from './panels/memory/MemoryView.tsx';
import { VersionsPanel } from './panels/versions/VersionsPanel.tsx';
import { SizingExplorer } from './panels/sweep/SizingExplorer.tsx';
import { ABCompare } from './panels/compare/ABCompare.tsx';
import { Exports } from './panels/exports/Exports.tsx';
import { WorkloadImport } from './panels/workload/WorkloadImport.tsx';

interface AppProps {
  /** Whether the page is cross-origin isolated (SharedArrayBuffer available). */
  crossOriginIsolated: boolean;
  /** The conformance scenario to show, already run through the engine. */
  scenario: DemoScenario;
  /** Why the page's address could not be used (the page then shows the defaults). */
  urlError: string | null;
  /** The channel view alone, in large type (`?embed=1`). */
  embed: boolean;
}

export function App({ crossOriginIsolated, scenario, urlError, embed }: AppProps) {
  if (embed)
    return (
      <main className="page embed">
        <h1 className="visually-hidden">relayscope</h1>
        <ChannelView large />
        <p className="meta">
          <a href={`?${new URLSearchParams([...new URLSearchParams(window.location.search)].filter(([k]) => k !== 'embed')).toString()}`}>
            Open in relayscope
          </a>
        </p>
      </main>
    );
  return (
    <div className="page">
      <header className="page-header">
        <h1>relayscope</h1>
        <p className="tagline">A simulator and visualizer of Linux relay channels (kernel/relay.c).</p>
      </header>

      <main>
        {urlError !== null && (
          <p className="banner" role="alert" data-testid="app.url-error">
            This address could not be used: {urlError}. The page shows the default settings instead.
          </p>
        )}
        <section className="card" aria-labelledby="isolation-heading">
          <h2 id="isolation-heading">Cross-origin isolation</h2>
          <p>
            <span
              className={crossOriginIsolated ? 'status status-ok' : 'status status-warn'}
              data-testid="app.isolation"
            >
              {crossOriginIsolated ? 'cross-origin isolated' : 'not cross-origin isolated'}
            </span>
          </p>
          <p className="explanation">
            {crossOriginIsolated
              ? 'SharedArrayBuffer is available: producer and reader workers can share the relay buffers in memory.'
              : 'SharedArrayBuffer is not available: the page must be served with the COOP and COEP headers for workers to share the relay buffers, so the simulation runs on one thread.'}
          </p>
        </section>

        <Tours />
        {/* Side by side on wide screens: the controls, and what they do to the channel. */}
        <div className="workspace">
          <div className="workspace-controls">
            <LivePanel />
            <WorkloadImport />
            <Exports />
          </div>
          <div className="workspace-views">
            <ChannelView />
            <Tracks />
            <Inspector />
            <EventLogPanel />
            <FilesPanel />
            <MemoryView />
            <VersionsPanel />
          </div>
        </div>
        <SizingExplorer />
        <ABCompare />

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
      </main>
    </div>
  );
}
