/**
 * A/B comparison: two configurations of the same base (the current settings or a preset), on
 * the same seed and workload, run in the explore worker for N virtual seconds; their counters
 * side by side, with which did better and by how much, each side's steady-state verdict and
 * what its capacity analysis concludes.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { ConfigError, PRESETS, RELAY_MODES, parseSimConfig, sweepSeconds, type RunOutcome, type SimConfig } from '../../engine/index.ts';
import { useAppStore, useAppStoreApi } from '../../store/index.ts';
import { diffReports, type Side } from './diff.ts';
import { PresetOptions } from '../common/PresetOptions.tsx';
import { TextField } from '../common/TextField.tsx';

const SIDES: readonly Side[] = ['A', 'B'];
const CURRENT = '';

interface SideFields {
  subbufSize: string;
  nSubbufs: string;
  period: string;
  mode: string;
}
type FieldKey = keyof SideFields;

const FIELDS: { key: FieldKey; label: string; path: string }[] = [
  { key: 'subbufSize', label: 'subbuf_size (bytes)', path: 'channel.subbufSize' },
  { key: 'nSubbufs', label: 'n_subbufs', path: 'channel.nSubbufs' },
  { key: 'period', label: 'poll timeout (s)', path: 'reader.period' },
  { key: 'mode', label: 'mode', path: 'channel.mode' },
];

const fieldsOf = (c: SimConfig, nSubbufsFactor = 1): SideFields => ({
  subbufSize: String(c.channel.subbufSize),
  nSubbufs: String(c.channel.nSubbufs * nSubbufsFactor),
  period: String(c.reader.period),
  mode: c.channel.mode,
});

const num = (text: string): number => (text.trim() === '' ? NaN : Number(text));

/** The side's configuration, or the ConfigError naming the field at fault. */
function sideConfig(base: SimConfig, f: SideFields): SimConfig {
  return parseSimConfig({
    channel: { ...base.channel, subbufSize: num(f.subbufSize), nSubbufs: num(f.nSubbufs), mode: f.mode },
    workload: base.workload,
    reader: { ...base.reader, period: num(f.period) },
  });
}

export function ABCompare() {
  const liveConfig = useAppStore((s) => s.liveConfig);
  const seed = useAppStore((s) => s.liveSeed);
  const compare = useAppStore((s) => s.compare);
  const store = useAppStoreApi();
  const [source, setSource] = useState(CURRENT);
  const base = PRESETS.find((p) => p.id === source)?.config ?? liveConfig;
  // B starts as A with twice the sub-buffers: a first question worth asking.
  const [sides, setSides] = useState<Record<Side, SideFields>>(() => ({ A: fieldsOf(base), B: fieldsOf(base, 2) }));
  // As long as the sizing sweep would run: several burst cycles and reader pauses.
  const [secondsText, setSecondsText] = useState(() => String(sweepSeconds(base).seconds));
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({});
  // Fields that follow the current settings start again from them when a run changes them.
  const [seen, setSeen] = useState(liveConfig);
  if (seen !== liveConfig) {
    setSeen(liveConfig);
    if (source === CURRENT) setSides({ A: fieldsOf(liveConfig), B: fieldsOf(liveConfig, 2) });
  }
  const rows = useMemo(() => (compare.result === null ? [] : diffReports(...compare.result.reports, compare.result.outcomes)), [compare.result]);

  const [startError, setStartError] = useState<string | null>(null);
  /** A side's configuration becomes the run on the stage. */
  const startSide = (config: SimConfig): void => {
    try {
      store.getState().startLive({ channel: config.channel, workload: config.workload, reader: config.reader });
      setStartError(null);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      setStartError(err.message);
    }
  };

  const chooseSource = (id: string): void => {
    setSource(id);
    const c = PRESETS.find((p) => p.id === id)?.config ?? liveConfig;
    setSides({ A: fieldsOf(c), B: fieldsOf(c, 2) });
    setErrors({});
  };

  const run = (e: FormEvent): void => {
    e.preventDefault();
    const found: Partial<Record<string, string>> = {};
    const configs: SimConfig[] = [];
    for (const side of SIDES) {
      try {
        configs.push(sideConfig(base, sides[side]));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const field = FIELDS.find((f) => err.message.includes(f.path))?.key ?? 'subbufSize';
        found[`${side}.${field}`] = `${side}: ${err.message}`;
      }
    }
    const seconds = num(secondsText);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 60)
      found.seconds = `seconds must be a number above 0 and at most 60, got ${JSON.stringify(secondsText)}`;
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void store.getState().startCompare([configs[0], configs[1]], seconds);
  };

  const input = (key: string, label: string, value: string, onChange: (v: string) => void, options?: readonly string[]) =>
    options ? (
      <div className="field" key={key}>
        <label htmlFor={`compare-${key}`}>{label}</label>
        <select id={`compare-${key}`} data-testid={`compare.${key}`} value={value} onChange={(e) => onChange(e.target.value)}>
          {options.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </div>
    ) : (
      <TextField key={key} id={`compare-${key.replace('.', '-')}`} label={label} value={value} error={errors[key]} testId={`compare.${key}`} inputMode="decimal" onChange={onChange} />
    );

  const running = compare.status === 'running';
  const result = compare.result;
  return (
    <section className="card" aria-labelledby="compare-heading">
      <h2 id="compare-heading">A/B comparison</h2>
      <p className="explanation">
        Two channels for the same workload: both run the same seed ({seed}) and records in virtual time, so every difference in
        their counters comes from the configuration.
      </p>
      <form className="settings" onSubmit={run} noValidate aria-label="Comparison settings">
        <div className="live-form">
          <div className="field">
            <label htmlFor="compare-source">Both start from</label>
            <select id="compare-source" data-testid="compare.source" value={source} onChange={(e) => chooseSource(e.target.value)}>
              <PresetOptions current="the current settings" />
            </select>
          </div>
          {input('seconds', 'virtual seconds', secondsText, setSecondsText)}
        </div>
        {SIDES.map((side) => (
          <fieldset key={side} className="live-form">
            <legend>{side}</legend>
            {FIELDS.map((f) =>
              input(
                `${side}.${f.key}`,
                f.label,
                sides[side][f.key],
                (v) => setSides({ ...sides, [side]: { ...sides[side], [f.key]: v } }),
                f.key === 'mode' ? RELAY_MODES : undefined,
              ),
            )}
          </fieldset>
        ))}
        <div className="controls">
          <button type="submit" className="primary" data-testid="compare.run" disabled={running}>
            Compare
          </button>
          <button type="button" data-testid="compare.cancel" disabled={!running} onClick={() => store.getState().cancelCompare()}>
            Cancel
          </button>
          {running && compare.progress !== null && (
            <progress data-testid="compare.progress" max={1} value={compare.progress.fraction} aria-label="Comparison progress" />
          )}
          <span className="status" data-testid="compare.status">
            {compare.status}
          </span>
        </div>
      </form>
      {compare.error !== null && (
        <p className="error" role="alert" data-testid="compare.error">
          The comparison failed: {compare.error}
        </p>
      )}
      {result !== null && (
        <div className="table-wrap">
          <table className="counters" data-testid="compare.table">
            <caption className="meta">
              {result.seconds} virtual s, seed {result.reports[0].seed}. A: {result.configs[0].channel.nSubbufs} x {result.configs[0].channel.subbufSize} B,{' '}
              {result.configs[0].channel.mode}, period {result.configs[0].reader.period} s. B: {result.configs[1].channel.nSubbufs} x{' '}
              {result.configs[1].channel.subbufSize} B, {result.configs[1].channel.mode}, period {result.configs[1].reader.period} s.
            </caption>
            <thead>
              <tr>
                <th scope="col">counter</th>
                <th scope="col">A</th>
                <th scope="col">B</th>
                <th scope="col">better</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-testid={`compare.row.${r.key}`}>
                  <th scope="row">{r.label}</th>
                  <td data-testid={`compare.row.${r.key}.a`}>{r.a}</td>
                  <td data-testid={`compare.row.${r.key}.b`}>{r.b}</td>
                  <td data-testid={`compare.row.${r.key}.better`} data-better={r.better ?? ''}>
                    {r.by}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <BlktraceSides outcomes={result.outcomes} />
          {SIDES.map((side, i) => (
            <p key={side} className="meta" data-testid={`compare.capacity.${side}`} data-bottleneck={result.outcomes[i].capacity.bottleneck ?? ''}>
              {side}: {result.outcomes[i].capacity.statement}.
            </p>
          ))}
          <div className="controls" role="group" aria-label="Run a side on the stage">
            {SIDES.map((side, i) => (
              <button key={side} type="button" data-testid={`compare.start.${side}`} onClick={() => startSide(result.configs[i])}>
                Run {side} on the stage
              </button>
            ))}
          </div>
          {startError !== null && (
            <p className="error" role="alert" data-testid="compare.start.error">
              Could not start that side: {startError}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/** With blktrace records: what each side lost and what blkparse would report, and why once. */
function BlktraceSides({ outcomes }: { outcomes: readonly RunOutcome[] }) {
  const why = outcomes.map((o) => o.blktrace?.why ?? null).find((w) => w !== null);
  return (
    <>
      {SIDES.map((side, i) => {
        const b = outcomes[i].blktrace;
        return (
          b !== null && (
            <p key={side} data-testid={`compare.blktrace.${side}`} data-lost={b.lost} data-gaps={b.seqGaps} data-missing={b.seqMissing}>
              {side}: {b.text}.
            </p>
          )
        );
      })}
      {why !== undefined && (
        <p className="meta" data-testid="compare.blktrace.why">
          Why: {why}.
        </p>
      )}
    </>
  );
}
