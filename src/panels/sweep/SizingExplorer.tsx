/**
 * The sizing explorer: sweeps subbuf_size x n_subbufs (and, if asked, the reader's period) for
 * the current settings or a preset, in the explore worker, and shows the capacity analysis, a
 * heatmap of steady-state verdicts and loss (or memory), and the smallest loss-free
 * configuration with its margin (the estimated peak backlog beside the simulated one), or why
 * there is none. Clicking a cell starts the run with that configuration.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { ConfigError, MAX_SWEEP_SECONDS, PRESETS, mbps, sweepSeconds, termWords, type SimConfig, type SweepCell } from '../../engine/index.ts';
import { formatBytes, formatCount } from '../../lib/format.ts';
import { useAppStore, useAppStoreApi, type SweepRun } from '../../store/index.ts';
import { AXES, axisText, browserAxes, parseAxis } from './axes.ts';
import { cellText, heat, lossText, textOn, type HeatMetric } from './heatmap.ts';
import { PresetOptions } from '../common/PresetOptions.tsx';
import { TextField } from '../common/TextField.tsx';

type AxisKey = keyof typeof AXES;
const AXIS_KEYS = Object.keys(AXES) as AxisKey[];
const CURRENT = '';

function sourceConfig(source: string, current: SimConfig): SimConfig {
  return PRESETS.find((p) => p.id === source)?.config ?? current;
}

function defaultTexts(config: SimConfig): Record<AxisKey, string> {
  const { axes } = browserAxes(config);
  return { subbufSizes: axisText(axes.subbufSizes), nSubbufs: axisText(axes.nSubbufs), periods: '' };
}

const cellName = (c: SweepCell): string => `${c.nSubbufs} x ${formatBytes(c.subbufSize)}`;

export function SizingExplorer() {
  const liveConfig = useAppStore((s) => s.liveConfig);
  const workload = useAppStore((s) => s.liveWorkload);
  const seed = useAppStore((s) => s.liveSeed);
  const sweep = useAppStore((s) => s.sweep);
  const fallback = useAppStore((s) => s.exploreFallback);
  const store = useAppStoreApi();
  const [source, setSource] = useState(CURRENT);
  const config = sourceConfig(source, liveConfig);
  const [texts, setTexts] = useState<Record<AxisKey, string>>(() => defaultTexts(config));
  // Empty: as long as sweepSeconds says (several periods, or the current run's length).
  const [secondsText, setSecondsText] = useState('');
  const [errors, setErrors] = useState<Partial<Record<AxisKey | 'seconds', string>>>({});
  // Axes that follow the current settings start again from them when a run changes them.
  const [seen, setSeen] = useState(liveConfig);
  if (seen !== liveConfig) {
    setSeen(liveConfig);
    if (source === CURRENT) setTexts(defaultTexts(liveConfig));
  }
  const narrowed = useMemo(() => browserAxes(config).narrowed, [config]);

  const chooseSource = (id: string): void => {
    setSource(id);
    setTexts(defaultTexts(sourceConfig(id, liveConfig)));
    setErrors({});
  };

  const run = (e: FormEvent): void => {
    e.preventDefault();
    const found: Partial<Record<AxisKey | 'seconds', string>> = {};
    const axes: Partial<Record<AxisKey, number[]>> = {};
    for (const key of AXIS_KEYS) {
      // An empty period list sweeps the configuration's own period.
      if (key === 'periods' && texts.periods.trim() === '') continue;
      const r = parseAxis(texts[key], AXES[key]);
      if (r.ok) axes[key] = r.values;
      else found[key] = r.error;
    }
    const given = secondsText.trim() !== '';
    const byDefault = sweepSeconds(config, { runSeconds: source === CURRENT ? store.getState().liveRun()?.virtualTime() : undefined, workload: workload ?? undefined });
    const seconds = given ? Number(secondsText) : byDefault.seconds;
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_SWEEP_SECONDS)
      found.seconds = `seconds must be a number above 0 and at most ${MAX_SWEEP_SECONDS}, got ${JSON.stringify(secondsText)}`;
    setErrors(found);
    // Bad input runs nothing: the last result stays on show.
    if (Object.keys(found).length > 0) return;
    void store.getState().startSweep({ config, seconds, secondsReason: given ? 'given' : byDefault.reason, axes });
  };

  const field = (key: AxisKey | 'seconds', label: string, value: string, onChange: (v: string) => void, hint?: string) => (
    <TextField
      key={key}
      id={`sweep-${key}`}
      label={label}
      value={value}
      placeholder={hint}
      error={errors[key]}
      testId={key === 'seconds' ? 'sweep.seconds' : `sweep.axis.${key}`}
      onChange={onChange}
    />
  );

  const running = sweep.status === 'running';
  const progress = sweep.progress;
  return (
    <section className="card" aria-labelledby="sweep-heading">
      <h2 id="sweep-heading">Sizing explorer</h2>
      <p className="explanation">
        How big must the buffers be? Each cell runs the configuration for the same virtual time, seed {seed} and workload
        {workload !== null ? ` (the imported ${workload.name})` : ''}, with that subbuf_size and n_subbufs; the recommendation is the
        loss-free cell with the least memory (as <code>relayscope sweep</code> gives it). A cell is loss-free only if it lost nothing
        and its backlog is not growing; the capacity analysis says first whether any size can be.
      </p>
      <form className="settings" onSubmit={run} noValidate aria-label="Sweep settings">
        <div className="live-form">
          <div className="field">
            <label htmlFor="sweep-source">Configuration</label>
            <select id="sweep-source" data-testid="sweep.source" value={source} onChange={(e) => chooseSource(e.target.value)}>
              <PresetOptions current="the current settings" />
            </select>
          </div>
          {field('subbufSizes', 'subbuf_size values (bytes)', texts.subbufSizes, (v) => setTexts({ ...texts, subbufSizes: v }))}
          {field('nSubbufs', 'n_subbufs values', texts.nSubbufs, (v) => setTexts({ ...texts, nSubbufs: v }))}
          {field('periods', 'reader periods (s)', texts.periods, (v) => setTexts({ ...texts, periods: v }), `${config.reader.period} (its own)`)}
          {field('seconds', 'virtual seconds per cell', secondsText, setSecondsText, 'several periods, or the run')}
        </div>
        {narrowed !== null && (
          <p className="meta" data-testid="sweep.note">
            Note: {narrowed}.
          </p>
        )}
        <div className="controls">
          <button type="submit" className="primary" data-testid="sweep.run" disabled={running}>
            Run sweep
          </button>
          <button type="button" data-testid="sweep.cancel" disabled={!running} onClick={() => store.getState().cancelSweep()}>
            Cancel
          </button>
          {running && progress !== null && (
            <>
              <progress data-testid="sweep.progress" max={1} value={progress.fraction} aria-label="Sweep progress" />
              <span className="meta">
                {progress.cellsDone ?? 0} of {progress.cellsTotal ?? '?'} cells
              </span>
            </>
          )}
          <span className="status" data-testid="sweep.status">
            {sweep.status}
          </span>
        </div>
      </form>
      {fallback !== null && (
        <p className="banner" role="status" data-testid="sweep.fallback">
          The sweep runs on the page&apos;s thread: {fallback}.
        </p>
      )}
      {sweep.status === 'cancelled' && (
        <p className="meta" role="status" data-testid="sweep.cancelled">
          Cancelled{sweep.result !== null ? '; the last complete sweep is shown' : ''}.
        </p>
      )}
      {sweep.error !== null && (
        <p className="error" role="alert" data-testid="sweep.error">
          The sweep failed: {sweep.error}
        </p>
      )}
      {sweep.result !== null && <SweepView run={sweep.result} />}
    </section>
  );
}

function SweepView({ run }: { run: SweepRun }) {
  const { result, config: base } = run;
  const [metric, setMetric] = useState<HeatMetric>('loss');
  const periods = result.axes.periods;
  const [periodIndex, setPeriodIndex] = useState(0);
  const period = periods[Math.min(periodIndex, periods.length - 1)];
  const store = useAppStoreApi();
  const [loadError, setLoadError] = useState<string | null>(null);
  const colours = useMemo(() => heat(result.cells, metric, formatBytes), [result, metric]);
  const byKey = useMemo(() => new Map(result.cells.filter((c) => c.period === period).map((c) => [`${c.subbufSize}.${c.nSubbufs}`, c])), [result, period]);
  const rec = result.recommended;
  const m = result.margin;

  const load = (c: SweepCell): void => {
    try {
      store.getState().startLive({
        channel: { ...base.channel, subbufSize: c.subbufSize, nSubbufs: c.nSubbufs },
        workload: base.workload,
        reader: { ...base.reader, period: c.period },
      });
      setLoadError(null);
    } catch (err) {
      // An imported workload whose records do not fit this cell, say: the run goes on.
      if (!(err instanceof ConfigError)) throw err;
      setLoadError(err.message);
    }
  };

  return (
    <div data-testid="sweep.result">
      <CapacityView run={run} />
      {rec !== null && m !== null ? (
        <div data-testid="sweep.recommended" data-subbuf-size={rec.subbufSize} data-n-subbufs={rec.nSubbufs} data-period={rec.period}>
          <p>
            <strong>Recommended: {cellName(rec)}</strong> ({formatBytes(rec.memoryBytes)} in all, reader period {rec.period} s): {rec.verdictText}{' '}
            over {result.seconds} s.
          </p>
          <p className="meta" data-testid="sweep.estimate" data-estimated={m.estimatedPeakBacklogBytes ?? ''} data-simulated={m.peakBacklogBytes}>
            Peak backlog on one buffer: {m.estimatedPeakBacklogBytes === null ? 'no estimate' : `${formatBytes(Math.round(m.estimatedPeakBacklogBytes))} estimated`}
            {m.dominant !== null ? ` (mostly ${termWords(m.dominant)})` : ''}, {formatBytes(m.peakBacklogBytes)} simulated, of the{' '}
            {formatBytes(m.bufferBytes)} each buffer holds.
          </p>
          <p className="meta" data-testid="sweep.margin">
            Margin: at worst {m.peakReady} of {rec.nSubbufs} sub-buffers were ready and unread ({m.headroom} spare, {Math.round(m.peakFill * 100)}%
            full).
            {[m.smallerNSubbufs, m.smallerSubbufSize]
              .filter((c): c is SweepCell => c !== null)
              .map((c) => ` ${cellName(c)} ${c.error !== null ? `is refused (${c.error})` : `loses ${formatCount(c.lost ?? 0)} records (${lossText(c)})`}.`)
              .join('')}
          </p>
        </div>
      ) : (
        <p data-testid="sweep.reason">No recommendation: {result.reason}.</p>
      )}
      <div className="controls" role="group" aria-label="Heatmap">
        <label>
          Colour by{' '}
          <select data-testid="sweep.metric" value={metric} onChange={(e) => setMetric(e.target.value as HeatMetric)}>
            <option value="loss">loss</option>
            <option value="memory">memory</option>
          </select>
        </label>
        {periods.length > 1 && (
          <label>
            Reader period{' '}
            <select data-testid="sweep.period" value={periodIndex} onChange={(e) => setPeriodIndex(Number(e.target.value))}>
              {periods.map((p, i) => (
                <option key={p} value={i}>
                  {p} s
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <ul className="legend" aria-label="Colours">
        {colours.legend.map((l) => (
          <li key={l.label}>
            <span className="swatch" style={{ background: l.color }} />
            {l.label}
          </li>
        ))}
      </ul>
      {loadError !== null && (
        <p className="error" role="alert" data-testid="sweep.load-error">
          Could not load that cell: {loadError}
        </p>
      )}
      <BlktraceView cells={result.cells.filter((c) => c.period === period)} />
      <div className="table-wrap">
        <table className="heatmap" data-testid="sweep.heatmap">
          <caption className="visually-hidden">
            Loss and memory by n_subbufs (rows) and subbuf_size (columns); a cell loads its configuration into the run
          </caption>
          <thead>
            <tr>
              <th scope="col">n_subbufs \ subbuf_size</th>
              {result.axes.subbufSizes.map((s) => (
                <th scope="col" key={s}>
                  {formatBytes(s)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.axes.nSubbufs.map((n) => (
              <tr key={n}>
                <th scope="row">{n}</th>
                {result.axes.subbufSizes.map((s) => {
                  const c = byKey.get(`${s}.${n}`);
                  if (c === undefined) return <td key={s} />;
                  const fill = colours.fill(c);
                  const recommended = c === rec;
                  return (
                    <td key={s}>
                      <button
                        type="button"
                        className={recommended ? 'heat recommended' : 'heat'}
                        style={{ background: fill, color: textOn(fill) }}
                        data-testid={`sweep.cell.${s}.${n}`}
                        data-verdict={c.verdict ?? ''}
                        title={
                          c.error ??
                          `${c.verdictText}: ${formatCount(c.written ?? 0)} written, ${formatCount(c.lost ?? 0)} lost, peak ${c.peakReady} ready, peak backlog ${formatBytes(c.peakBacklogBytes ?? 0)}`
                        }
                        aria-label={`${cellName(c)}, ${formatBytes(c.memoryBytes)}: ${lossText(c)}${recommended ? ', recommended' : ''}. Load into the run.`}
                        disabled={c.error !== null}
                        onClick={() => load(c)}
                      >
                        {cellText(c)}
                        <br />
                        {formatBytes(c.memoryBytes)}
                        {recommended ? ' ★' : ''}
                      </button>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** With blktrace records: per cell, what it would have lost and what blkparse would report (the CLI's sentences). */
function BlktraceView({ cells }: { cells: readonly SweepCell[] }) {
  const told = cells.flatMap((c) => (c.blktrace === null ? [] : [{ c, b: c.blktrace }]));
  if (told.length === 0) return null;
  const why = told.map(({ b }) => b.why).find((w) => w !== null);
  return (
    <div data-testid="sweep.blktrace">
      <p className="meta">
        What blkparse would report reading each cell&apos;s files from standard input (<code>cat DIR/&lt;dev&gt;.blktrace.* | blkparse -i -</code>):
      </p>
      <ul>
        {told.map(({ c, b }) => (
          <li
            key={`${c.subbufSize}.${c.nSubbufs}`}
            data-testid={`sweep.blktrace.${c.subbufSize}.${c.nSubbufs}`}
            data-lost={b.lost}
            data-gaps={b.seqGaps}
            data-missing={b.seqMissing}
          >
            {capitalised(b.text)}.
          </li>
        ))}
      </ul>
      {why !== undefined && (
        <p className="meta" data-testid="sweep.blktrace.why">
          Why: {why}.
        </p>
      )}
    </div>
  );
}

const capitalised = (t: string): string => t.charAt(0).toUpperCase() + t.slice(1);

const rate = (b: number | null): string => (b === null ? 'unbounded' : mbps(b));

/** What the capacity analysis concludes, per buffer: the writers' rate, the reader's, the estimated peak backlog. */
function CapacityView({ run }: { run: SweepRun }) {
  const { capacity: c, seconds, secondsReason } = run.result;
  return (
    <div data-testid="sweep.capacity" data-bottleneck={c.bottleneck ?? ''}>
      <p>
        <strong>Capacity{c.measured ? ' (measured from the replayed records)' : ''}:</strong> {c.statement}.
      </p>
      <p className="meta" data-testid="sweep.seconds-reason">
        Each cell ran {seconds} s: {secondsReason}.
      </p>
      <div className="table-wrap">
        <table className="counters" data-testid="sweep.capacity.table">
          <caption className="visually-hidden">Per buffer: the writers' mean rate, the reader's drain and the estimated peak backlog</caption>
          <thead>
            <tr>
              <th scope="col">buffer</th>
              <th scope="col">writers (mean)</th>
              <th scope="col">writers (peak)</th>
              <th scope="col">reader drains</th>
              <th scope="col">peak backlog (estimate)</th>
            </tr>
          </thead>
          <tbody>
            {c.cpus.map((b) => (
              <tr key={b.cpu} data-testid={`sweep.capacity.cpu.${b.cpu}`}>
                <th scope="row">CPU {b.cpu}</th>
                <td>{rate(b.produceBytesPerS)}</td>
                <td>{rate(b.peakProduceBytesPerS)}</td>
                <td>{b.drainBytesPerS === null && c.bottleneck !== 'buffer' ? 'none' : rate(b.drainBytesPerS)}</td>
                <td>
                  {b.peakBacklogBytes === null
                    ? c.bottleneck === 'reader'
                      ? 'grows without bound'
                      : '-'
                    : `${formatBytes(Math.round(b.peakBacklogBytes))}${b.dominant !== null ? `, mostly ${termWords(b.dominant)}` : ''}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
