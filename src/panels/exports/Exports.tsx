/**
 * Downloads of the current run: its counters as CSV and JSON (countersCsv / countersJson, the
 * same columns as the CLI's), and a Chrome trace-event file from a deterministic simulation of
 * the current settings, seed and workload, for Perfetto UI or chrome://tracing. When the records
 * are blktrace's, the files its readers would have written, as one ZIP archive (fflate).
 */
import { useState, type FormEvent } from 'react';
import { countersCsv, countersJson, runReport, type SimReport } from '../../engine/index.ts';
import { downloadBytes, downloadText } from '../../lib/download.ts';
import { zipFiles } from '../../lib/zip.ts';
import { blktraceRunFiles, writesBlktrace } from '../../store/blktraceExport.ts';
import { useAppStore, useAppStoreApi, type AppStore, useLiveRun } from '../../store/index.ts';

/** The current run's report, when its counters are exact: a deterministic run, or a paused one. */
function currentReport(store: AppStore): SimReport | null {
  const s = store.getState();
  const run = s.liveRun();
  if (run === null || s.liveStatus === 'failed' || (run.kind !== 'deterministic' && s.liveStatus !== 'paused')) return null;
  return runReport({ config: run.config, seed: s.liveSeed, seconds: run.virtualTime(), chan: run.chan, stats: run.stats, accounting: run.accounting() });
}

export function Exports() {
  const status = useAppStore((s) => s.liveStatus);
  const store = useAppStoreApi();
  const run = useLiveRun();
  const exact = run !== null && status !== 'failed' && (run.kind === 'deterministic' || status === 'paused');
  const [secondsText, setSecondsText] = useState('');
  const [traceError, setTraceError] = useState<string | null>(null);
  const [tracing, setTracing] = useState(false);
  const blktrace = useAppStore(writesBlktrace);
  const [archiveNote, setArchiveNote] = useState<string | null>(null);

  /** The length the form asks for: the run's time when empty; or why it is refused. */
  const length = (): number | string => {
    const t = secondsText.trim();
    const runTime = store.getState().liveRun()?.virtualTime() ?? 0;
    const seconds = t === '' ? (runTime > 0 ? runTime : 1) : Number(t);
    return !Number.isFinite(seconds) || seconds <= 0 || seconds > 60 ? `seconds must be a number above 0 and at most 60, got ${JSON.stringify(t)}` : seconds;
  };

  const archive = (): void => {
    const seconds = length();
    if (typeof seconds === 'string') {
      setTraceError(seconds);
      return;
    }
    setTraceError(null);
    const out = blktraceRunFiles(store, seconds);
    if (out === null) return;
    downloadBytes(`relayscope-${out.device}.blktrace.zip`, zipFiles(out.files), 'application/zip');
    const bytes = out.files.reduce((n, f) => n + f.bytes.length, 0);
    setArchiveNote(`${out.files.map((f) => f.name).join(', ')}: ${bytes} bytes in all, after ${+seconds.toPrecision(6)} s`);
  };

  const counters = (format: 'csv' | 'json'): void => {
    const report = currentReport(store);
    if (report === null) return;
    if (format === 'csv') downloadText('relayscope-counters.csv', countersCsv(report), 'text/csv');
    else downloadText('relayscope-counters.json', `${JSON.stringify(countersJson(report), null, 2)}\n`, 'application/json');
  };

  const trace = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const seconds = length();
    if (typeof seconds === 'string') {
      setTraceError(seconds);
      return;
    }
    setTraceError(null);
    setTracing(true);
    try {
      const file = await store.getState().chromeTrace(seconds);
      downloadText('relayscope-trace.json', JSON.stringify(file), 'application/json');
    } catch (err) {
      setTraceError(err instanceof Error ? err.message : String(err));
    } finally {
      setTracing(false);
    }
  };

  return (
    <section className="card" aria-labelledby="exports-heading">
      <h2 id="exports-heading">Export</h2>
      <div className="controls" role="group" aria-label="Counters">
        <button type="button" data-testid="export.csv" disabled={!exact} onClick={() => counters('csv')}>
          Counters as CSV
        </button>
        <button type="button" data-testid="export.json" disabled={!exact} onClick={() => counters('json')}>
          Counters as JSON
        </button>
        <span className="meta" data-testid="export.note">
          {run === null
            ? 'Start a run to export its counters.'
            : exact
              ? 'The current run’s counters, per CPU and in total.'
              : 'Pause the run to export its counters: they are exact only while it is paused.'}
        </span>
      </div>
      <form className="controls" onSubmit={(e) => void trace(e)} noValidate aria-label="Chrome trace">
        <div className="field">
          <label htmlFor="export-seconds">Trace length (virtual s)</label>
          <input
            id="export-seconds"
            data-testid="export.trace.seconds"
            value={secondsText}
            placeholder="the run's time"
            aria-invalid={traceError !== null}
            aria-describedby={traceError !== null ? 'export-seconds-error' : undefined}
            onChange={(e) => setSecondsText(e.target.value)}
          />
        </div>
        <button type="submit" data-testid="export.trace" disabled={tracing}>
          {tracing ? 'Tracing…' : 'Chrome trace (JSON)'}
        </button>
        {traceError !== null && (
          <span className="field-error" id="export-seconds-error" role="alert" data-testid="export.trace.error">
            {traceError}
          </span>
        )}
      </form>
      <div className="controls" role="group" aria-label="blktrace files">
        <button type="button" data-testid="export.blktrace" disabled={!blktrace} onClick={archive}>
          blktrace files (ZIP)
        </button>
        <span className="meta" data-testid="export.blktrace.note">
          {!blktrace
            ? 'The records are relayscope’s own: choose workload.format blktrace, or import a blktrace capture, for blktrace’s files.'
            : (archiveNote ?? 'What blktrace’s reader threads would have written, <dev>.blktrace.<cpu> per CPU, for blkparse.')}
        </span>
      </div>
      <p className="explanation">
        The trace is a deterministic simulation of the current settings, seed and workload, so the same file comes out every
        time: counters of every buffer and the drops and wakeups of each CPU, for Perfetto UI (ui.perfetto.dev) or chrome://tracing.
        The blktrace files come from the same simulation, for the same length; unzip them and run{' '}
        <code>cat sda.blktrace.* | blkparse -i -</code>.
      </p>
    </section>
  );
}
