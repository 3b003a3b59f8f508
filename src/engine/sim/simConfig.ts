/**
 * A simulation: a channel, the workload its producers write, and the readers that drain it.
 * Config files and forms go through `parseSimConfig`, which fills in defaults and refuses
 * anything out of range with an error that names the field.
 */
import { KERNEL_VERSIONS, NR_CPUS, relayOpenError, type KernelVersion } from '../kernel/index.ts';
import { RELAY_MODES, clientOptionsError, type RelayMode } from './client.ts';
import { echoValue } from './jsonSyntax.ts';
import { RECORD_HEADER_SIZE } from './record.ts';
import { BLKTRACE_SEQUENCES, DEVICE_NAME, type BlktraceSequence } from './blktrace.ts';
import { SETTING_SECTIONS, sectionSettings } from './settingPaths.ts';

export interface ChannelSettings {
  cpus: number;
  subbufSize: number;
  nSubbufs: number;
  mode: RelayMode;
  global: boolean;
  headerReserve: number;
  /** The kernel the channel behaves as. */
  kernel: KernelVersion;
}

export const ARRIVALS = ['constant', 'poisson', 'bursts'] as const;
export type ArrivalKind = (typeof ARRIVALS)[number];
export const SIZE_MODELS = ['fixed', 'uniform', 'bimodal'] as const;
export type SizeKind = (typeof SIZE_MODELS)[number];
export const WRITE_CALLS = ['relay_write', '__relay_write', 'relay_reserve'] as const;
export type WriteCall = (typeof WRITE_CALLS)[number];
export const RECORD_FORMATS = ['relayscope', 'blktrace'] as const;
/** relayscope's self-describing records, or blktrace's `struct blk_io_trace` from simulated block I/O. */
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export interface WorkloadSettings {
  /** Records per second over all CPUs. */
  rate: number;
  arrival: ArrivalKind;
  /** bursts: seconds on, then seconds off (the rate holds while on). */
  burstOn: number;
  burstOff: number;
  size: SizeKind;
  /** fixed: sizeMin; uniform: sizeMin..sizeMax; bimodal: sizeMin or sizeMax. */
  sizeMin: number;
  sizeMax: number;
  /** bimodal: the share of records of sizeMax. */
  largeShare: number;
  /** 0 spreads the rate evenly; towards 1, CPU k gets a share proportional to (1 - skew)^k. */
  skew: number;
  call: WriteCall;
  /** blktrace: `rate` is block I/Os per second, each written as blktrace's events (sizes follow). */
  format: RecordFormat;
  /** blktrace: the traced disk's name (its files are `<device>.blktrace.<cpu>`). */
  device: string;
  /** blktrace: when the kernel takes the record's sequence number. */
  blktraceSequence: BlktraceSequence;
}

export const READER_LAYOUTS = ['per-cpu', 'single'] as const;
export type ReaderLayout = (typeof READER_LAYOUTS)[number];
export const READER_MODES = ['read', 'mmap'] as const;
export type ReaderMode = (typeof READER_MODES)[number];

export interface ReaderSettings {
  enabled: boolean;
  /** One reader per CPU (as blktrace), or one for every buffer. */
  layout: ReaderLayout;
  /** read(2), or mmap with relay_subbufs_consumed. */
  mode: ReaderMode;
  /** Seconds a reader with nothing to read sleeps in poll before it looks again. */
  period: number;
  /** Bytes asked for by each read(2). */
  chunk: number;
  /** Processing cost, microseconds per KiB read. */
  costPerKiB: number;
  /** Every pauseEvery seconds the reader stops for pauseFor seconds (0: never). */
  pauseEvery: number;
  pauseFor: number;
  /** Random spread of the poll period, as a fraction of it (0..1). */
  jitter: number;
  /** Microseconds from a wakeup to the reader running (scheduling latency). */
  wakeLatency: number;
}

export interface SimConfig {
  channel: ChannelSettings;
  workload: WorkloadSettings;
  reader: ReaderSettings;
}

export const DEFAULT_SIM_CONFIG: SimConfig = {
  channel: { cpus: 4, subbufSize: 16384, nSubbufs: 8, mode: 'no-overwrite', global: false, headerReserve: 0, kernel: 'v6.17' },
  workload: {
    rate: 200_000,
    arrival: 'poisson',
    burstOn: 0.01,
    burstOff: 0.03,
    size: 'uniform',
    sizeMin: 32,
    sizeMax: 96,
    largeShare: 0.1,
    skew: 0,
    call: 'relay_write',
    format: 'relayscope',
    device: 'sda',
    blktraceSequence: 'after-reserve',
  },
  reader: {
    enabled: true,
    layout: 'per-cpu',
    mode: 'read',
    period: 0.05,
    chunk: 65536,
    costPerKiB: 0.5,
    pauseEvery: 0,
    pauseFor: 0,
    jitter: 0.1,
    wakeLatency: 20,
  },
};

/** Largest record a workload may ask for: 4 sub-buffers, and never above 16 MiB. */
export const maxRecordSize = (subbufSize: number): number => Math.min(4 * subbufSize, 16 * 1024 * 1024);

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** The setting the error is about (`workload.sizeMin`), when it is about one. */
  readonly path: string | null;
  constructor(message: string, path: string | null = null) {
    super(message);
    this.path = path;
  }
}

type Section = keyof SimConfig;
type Check = (value: unknown, path: string) => unknown;

const fail = (path: string, what: string, v: unknown): never => {
  throw new ConfigError(`${path} must be ${what}, got ${echoValue(v)}`, path);
};
const int =
  (min: number, max: number): Check =>
  (v, path) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : fail(path, `an integer from ${min} to ${max}`, v);
const num =
  (min: number, max: number): Check =>
  (v, path) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : fail(path, `a number from ${min} to ${max}`, v);
const oneOf =
  (options: readonly string[]): Check =>
  (v, path) =>
    typeof v === 'string' && options.includes(v) ? v : fail(path, `one of ${options.join(', ')}`, v);
const bool: Check = (v, path) => (typeof v === 'boolean' ? v : fail(path, 'true or false', v));

const CHECKS: { [S in Section]: { [K in keyof SimConfig[S]]: Check } } = {
  channel: {
    cpus: int(1, NR_CPUS),
    subbufSize: int(1, 2 ** 32 - 1),
    nSubbufs: int(1, 2 ** 32 - 1),
    mode: oneOf(RELAY_MODES),
    global: bool,
    headerReserve: int(0, 2 ** 32 - 1),
    kernel: oneOf(KERNEL_VERSIONS),
  },
  workload: {
    rate: num(0, 1e9),
    arrival: oneOf(ARRIVALS),
    burstOn: num(1e-6, 3600),
    burstOff: num(0, 3600),
    size: oneOf(SIZE_MODELS),
    sizeMin: int(0, 2 ** 31),
    sizeMax: int(0, 2 ** 31),
    largeShare: num(0, 1),
    skew: num(0, 0.99),
    call: oneOf(WRITE_CALLS),
    format: oneOf(RECORD_FORMATS),
    device: (v, path) => (typeof v === 'string' && DEVICE_NAME.test(v) ? v : fail(path, 'a disk name such as sda (letters, digits, _ . -)', v)),
    blktraceSequence: oneOf(BLKTRACE_SEQUENCES),
  },
  reader: {
    enabled: bool,
    layout: oneOf(READER_LAYOUTS),
    mode: oneOf(READER_MODES),
    period: num(1e-6, 3600),
    chunk: int(1, 64 * 1024 * 1024),
    costPerKiB: num(0, 1e6),
    pauseEvery: num(0, 3600),
    pauseFor: num(0, 3600),
    jitter: num(0, 1),
    wakeLatency: num(0, 1e7),
  },
};

/** The settings that shape generated record sizes, which blktrace's events fix. */
const BLKTRACE_SIZE_KEYS = ['size', 'sizeMin', 'sizeMax', 'largeShare'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A complete, valid configuration from `raw` (any part may be left out for its default, on
 * top of `base`). Throws ConfigError naming the first field that is wrong.
 */
export function parseSimConfig(raw: unknown, base: SimConfig = DEFAULT_SIM_CONFIG): SimConfig {
  if (!isObject(raw)) return fail('the configuration', 'an object with channel, workload and reader', raw);
  // Own keys only: a key named after a built-in (`constructor`, `__proto__`) is no section.
  for (const key of Object.keys(raw))
    if (!Object.hasOwn(CHECKS, key)) throw new ConfigError(`unknown section ${echoValue(key)} (channel, workload or reader)`);
  const out = { channel: { ...base.channel }, workload: { ...base.workload }, reader: { ...base.reader } } as unknown as Record<
    Section,
    Record<string, unknown>
  >;
  for (const section of SETTING_SECTIONS) {
    const given = Object.hasOwn(raw, section) ? raw[section] : undefined;
    if (given === undefined) continue;
    if (!isObject(given)) fail(section, 'an object', given);
    const checks = CHECKS[section] as Record<string, Check>;
    for (const [key, value] of Object.entries(given as Record<string, unknown>)) {
      if (!Object.hasOwn(checks, key))
        throw new ConfigError(`${section}.${/^[\w$]{1,40}$/.test(key) ? key : echoValue(key, 40)} is not a setting (${sectionSettings(section).join(', ')})`);
      const check = checks[key];
      out[section][key] = check(value, `${section}.${key}`);
    }
  }
  const config = out as unknown as SimConfig;
  if (config.workload.format === 'blktrace' && isObject(raw.workload)) {
    const given = raw.workload;
    for (const key of BLKTRACE_SIZE_KEYS)
      if (key in given && given[key] !== base.workload[key])
        throw new ConfigError(
          `workload.${key} cannot be set with workload.format blktrace: its record sizes follow from the events (48 bytes and each record's pdu_len)`,
        );
  }
  checkSimConfig(config);
  return config;
}

/**
 * Cross-field checks: what relay_open and the client would refuse, and record sizes (not
 * with `generatedSizes` false: an imported workload's records replace them).
 */
export function checkSimConfig(c: SimConfig, generatedSizes = true): void {
  const ch = c.channel;
  const open = relayOpenError({ subbufSize: ch.subbufSize, nSubbufs: ch.nSubbufs, nrCpus: ch.cpus, isGlobal: ch.global });
  if (open !== null) throw new ConfigError(`channel: ${open}`);
  const client = clientOptionsError(ch);
  if (client !== null) throw new ConfigError(`channel.${client}`);
  // relay_write drops what does not fit after the header bytes: with less room than a record
  // header, every write of the run would be dropped as too big.
  const room = ch.subbufSize - ch.headerReserve;
  if (room < RECORD_HEADER_SIZE)
    throw new ConfigError(
      `channel.subbufSize ${ch.subbufSize}${ch.headerReserve > 0 ? ` (${room} after the header bytes)` : ''} cannot hold any record: ` +
        `every record is at least ${RECORD_HEADER_SIZE} bytes (its header), so every write would be dropped as too big; give at least ${RECORD_HEADER_SIZE + ch.headerReserve}`,
      'channel.subbufSize',
    );
  const w = c.workload;
  if (w.format === 'blktrace' && ch.mode !== 'no-overwrite')
    throw new ConfigError(
      "channel.mode must be no-overwrite with workload.format blktrace: blktrace's relay client never overwrites (a full buffer drops the record)",
    );
  const cap = maxRecordSize(ch.subbufSize);
  for (const key of ['sizeMin', 'sizeMax'] as const) {
    if (!generatedSizes || w.format === 'blktrace' || (key === 'sizeMax' && w.size === 'fixed')) continue;
    if (w[key] < RECORD_HEADER_SIZE || w[key] > cap)
      throw new ConfigError(
        `workload.${key} must be from ${RECORD_HEADER_SIZE} (the record header) to ${cap} (4 sub-buffers, at most 16 MiB), got ${w[key]}`,
        `workload.${key}`,
      );
  }
  if (generatedSizes && w.format !== 'blktrace' && w.size !== 'fixed' && w.sizeMax < w.sizeMin)
    throw new ConfigError(`workload.sizeMax (${w.sizeMax}) must not be below workload.sizeMin (${w.sizeMin})`, 'workload.sizeMax');
  if (c.reader.pauseEvery > 0 && c.reader.pauseFor >= c.reader.pauseEvery)
    throw new ConfigError(`reader.pauseFor (${c.reader.pauseFor}) must be shorter than reader.pauseEvery (${c.reader.pauseEvery})`, 'reader.pauseFor');
}

/** Share of the total rate that CPU `cpu` of `cpus` writes. */
export function cpuShare(w: WorkloadSettings, cpu: number, cpus: number): number {
  let total = 0;
  for (let k = 0; k < cpus; k++) total += (1 - w.skew) ** k;
  return (1 - w.skew) ** cpu / total;
}
