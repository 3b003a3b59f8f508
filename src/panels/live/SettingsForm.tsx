/**
 * The settings that start a run: a preset to begin from (with where its numbers come from),
 * then every field of the channel, the workload and the reader, and the seed. A bad value is
 * shown beside its field and the last valid run goes on.
 */
import { useState, type FormEvent } from 'react';
import {
  ARRIVALS,
  BLKTRACE_SEQUENCES,
  ConfigError,
  KERNEL_VERSIONS,
  PRESETS,
  READER_LAYOUTS,
  READER_MODES,
  RECORD_FORMATS,
  RELAY_MODES,
  SIZE_MODELS,
  WRITE_CALLS,
  echoValue,
  parseSimConfig,
  settingValue,
  splitSettingPath,
  type SettingPath,
  type SimConfig,
} from '../../engine/index.ts';
import { parseNumberText } from '../../lib/numberText.ts';
import { useAppStore, useAppStoreApi } from '../../store/index.ts';
import { PresetOptions } from '../common/PresetOptions.tsx';

/** A field of a setting, or (`P` with 'seed') of the seed. */
interface Field<P extends string = SettingPath> {
  path: P;
  label: string;
  /** A number, one of some words, or a boolean shown as two words (false first). */
  options?: readonly string[];
  boolean?: readonly [string, string];
  /** Shown only when the section's details are open. */
  more?: boolean;
  title?: string;
}

const SECTIONS: { id: keyof SimConfig; legend: string; fields: Field[] }[] = [
  {
    id: 'channel',
    legend: 'Channel (relay_open)',
    fields: [
      { path: 'channel.cpus', label: 'CPUs' },
      { path: 'channel.subbufSize', label: 'subbuf_size (bytes)' },
      { path: 'channel.nSubbufs', label: 'n_subbufs' },
      { path: 'channel.mode', label: 'mode', options: RELAY_MODES, title: 'no-overwrite: the default subbuf_start; overwrite: a flight recorder' },
      { path: 'channel.global', label: 'buffers', boolean: ['per-CPU', 'global'] },
      { path: 'channel.headerReserve', label: 'header bytes', title: 'subbuf_start_reserve: bytes the callback keeps at the start of each sub-buffer' },
      { path: 'channel.kernel', label: 'kernel', options: KERNEL_VERSIONS, title: 'the kernel whose relay the run follows; the versions panel says what differs' },
    ],
  },
  {
    id: 'workload',
    legend: 'Workload (the producers)',
    fields: [
      { path: 'workload.rate', label: 'records/s (all CPUs)' },
      { path: 'workload.arrival', label: 'arrivals', options: ARRIVALS },
      { path: 'workload.size', label: 'record sizes', options: SIZE_MODELS },
      { path: 'workload.sizeMin', label: 'size min (bytes)' },
      { path: 'workload.sizeMax', label: 'size max (bytes)' },
      { path: 'workload.call', label: 'call', options: WRITE_CALLS },
      {
        path: 'workload.format',
        label: 'records',
        options: RECORD_FORMATS,
        title: "relayscope: its own self-describing records; blktrace: struct blk_io_trace from simulated block I/O (rate is I/Os per second, sizes follow from the events; deterministic runs only)",
      },
      {
        path: 'workload.blktraceSequence',
        label: 'blktrace sequence',
        options: BLKTRACE_SEQUENCES,
        title: 'after-reserve: up to v6.17, a dropped record takes no sequence number (no gap); before-reserve: the 2025 series, every dropped record leaves a gap',
      },
      { path: 'workload.largeShare', label: 'share of large (bimodal)', more: true },
      { path: 'workload.burstOn', label: 'burst on (s)', more: true },
      { path: 'workload.burstOff', label: 'burst off (s)', more: true },
      { path: 'workload.skew', label: 'CPU skew (0..0.99)', more: true },
    ],
  },
  {
    id: 'reader',
    legend: 'Reader (user space)',
    fields: [
      { path: 'reader.enabled', label: 'reader', boolean: ['none', 'running'] },
      { path: 'reader.mode', label: 'reads by', options: READER_MODES },
      { path: 'reader.layout', label: 'readers', options: READER_LAYOUTS },
      { path: 'reader.period', label: 'poll timeout (s)' },
      { path: 'reader.chunk', label: 'read(2) size (bytes)' },
      { path: 'reader.costPerKiB', label: 'cost (µs/KiB)' },
      { path: 'reader.pauseEvery', label: 'pause every (s)', more: true },
      { path: 'reader.pauseFor', label: 'pause for (s)', more: true },
      { path: 'reader.jitter', label: 'poll jitter (0..1)', more: true },
      { path: 'reader.wakeLatency', label: 'wake latency (µs)', more: true },
    ],
  },
];

const FIELDS: Field[] = SECTIONS.flatMap((s) => s.fields);
const SEED = 'seed' as const;

/** The size fields blktrace's events fix: sent with workload.format blktrace only when changed, so a change is refused beside its field. */
const BLKTRACE_SIZES: readonly SettingPath[] = ['workload.size', 'workload.sizeMin', 'workload.sizeMax', 'workload.largeShare'];

function valueAt(config: SimConfig, f: Field): string {
  const value = settingValue(config, f.path);
  return f.boolean ? f.boolean[value ? 1 : 0] : String(value);
}

const formValues = (config: SimConfig, seed: number): Record<string, string> => ({
  ...Object.fromEntries(FIELDS.map((f) => [f.path, valueAt(config, f)])),
  [SEED]: String(seed),
});

/** The form's words and numbers as a raw configuration for parseSimConfig. */
function rawConfig(values: Record<string, string>): Record<string, Record<string, unknown>> {
  const raw: Record<string, Record<string, unknown>> = { channel: {}, workload: {}, reader: {} };
  for (const f of FIELDS) {
    const { section, key } = splitSettingPath(f.path);
    const text = values[f.path].trim();
    // Text that is not a decimal number goes on as typed, so the error quotes it.
    raw[section][key] = f.boolean ? text === f.boolean[1] : f.options ? text : (parseNumberText(text) ?? text);
  }
  return raw;
}

/** The field a message names as a whole word (`workload.size` is not named by `workload.sizeMin`). */
const pathNamedIn = (message: string): string | undefined =>
  FIELDS.find((f) => new RegExp(`\\b${f.path.replace('.', '\\.')}\\b`).test(message))?.path;

export function SettingsForm() {
  const config = useAppStore((s) => s.liveConfig);
  const seed = useAppStore((s) => s.liveSeed);
  const store = useAppStoreApi();
  const mode = useAppStore((s) => s.liveMode);
  const [values, setValues] = useState<Record<string, string>>(() => formValues(config, seed));
  // What the form was filled with (the settings, or a preset): the fields the user left alone.
  const [loaded, setLoaded] = useState(values);
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({});
  const [preset, setPreset] = useState('');
  const chosen = PRESETS.find((p) => p.id === preset);

  const choosePreset = (id: string): void => {
    setPreset(id);
    const p = PRESETS.find((x) => x.id === id);
    if (p !== undefined) {
      const filled = formValues(p.config, parseNumberText(values[SEED]) ?? 1);
      setValues(filled);
      setLoaded(filled);
    }
    setErrors({});
  };

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const raw = rawConfig(values);
    if (raw.workload.format === 'blktrace')
      for (const path of BLKTRACE_SIZES) if (values[path] === loaded[path]) delete raw.workload[splitSettingPath(path).key];
    const seedText = values[SEED].trim();
    const nextSeed = parseNumberText(seedText);
    if (nextSeed === null || !Number.isInteger(nextSeed) || nextSeed < 0 || nextSeed > 2 ** 32 - 1) {
      setErrors({ [SEED]: `seed must be an integer from 0 to ${2 ** 32 - 1}, got ${echoValue(seedText, 40)}` });
      return;
    }
    try {
      parseSimConfig(raw, config);
      // With an imported workload, the channel must also be able to replay it.
      store.getState().startLive(raw, nextSeed);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const field = FIELDS.find((f) => f.path === (err.path ?? pathNamedIn(err.message)))?.path ?? 'form';
      // The format a live run refuses: say how to run it.
      const hint = field === 'workload.format' && mode === 'live' && raw.workload.format === 'blktrace' ? '. Choose Mode: deterministic (virtual time), then Start' : '';
      setErrors({ [field]: `${err.message}${hint}` });
      return;
    }
    setErrors({});
  };

  const input = (f: Field<SettingPath | typeof SEED>) => {
    const id = `live-${f.path.replace('.', '-')}`;
    const err = errors[f.path];
    const words = f.boolean ?? f.options;
    return (
      <div className="field" key={f.path} title={f.title}>
        <label htmlFor={id}>{f.label}</label>
        {words ? (
          <select id={id} value={values[f.path]} data-testid={`live.form.${f.path}`} onChange={(e) => setValues({ ...values, [f.path]: e.target.value })}>
            {words.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            inputMode="decimal"
            value={values[f.path]}
            aria-invalid={err !== undefined}
            aria-describedby={err !== undefined ? `${id}-error` : undefined}
            data-testid={`live.form.${f.path}`}
            onChange={(e) => setValues({ ...values, [f.path]: e.target.value })}
          />
        )}
        {err !== undefined && (
          <span className="field-error" id={`${id}-error`} role="alert" data-testid={`live.form.${f.path}.error`}>
            {err}
          </span>
        )}
      </div>
    );
  };

  return (
    <form className="settings" onSubmit={submit} noValidate aria-label="Run settings">
      <div className="field preset">
        <label htmlFor="live-preset">Start from a preset</label>
        <select id="live-preset" data-testid="live.form.preset" value={preset} onChange={(e) => choosePreset(e.target.value)}>
          <PresetOptions current="(the current settings)" />
        </select>
      </div>
      {chosen !== undefined && (
        <p className="explanation preset-source" data-testid="live.form.preset.source">
          {chosen.source}
        </p>
      )}
      {SECTIONS.map((s) => (
        <fieldset key={s.id} className="live-form">
          <legend>{s.legend}</legend>
          {s.fields.filter((f) => !f.more).map(input)}
          {s.fields.some((f) => f.more) && (
            <details className="more" open={s.fields.some((f) => f.more && errors[f.path] !== undefined) || undefined}>
              <summary>more</summary>
              <div className="live-form">{s.fields.filter((f) => f.more).map(input)}</div>
            </details>
          )}
        </fieldset>
      ))}
      <div className="live-form">
        {input({ path: SEED, label: 'seed', title: 'the same seed and settings give the same deterministic run' })}
      </div>
      {errors.form !== undefined && (
        <p className="field-error" role="alert" data-testid="live.form.error">
          {errors.form}
        </p>
      )}
      <button type="submit" className="primary" data-testid="live.start">
        Start
      </button>
    </form>
  );
}
