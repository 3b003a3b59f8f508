/**
 * `relayscope simulate (--config FILE | --preset NAME) [--seconds S] [--seed N] [--json]
 * [--workload-csv FILE] [--trace-out FILE] [--max-events N]
 * [--workload-blktrace DIR [--blktrace-device NAME]] [--blktrace-out DIR]`
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ChromeTraceRecorder,
  ConfigError,
  JsonTextError,
  blktraceExit,
  blktraceReport,
  parseBlktraceCapture,
  PRESETS,
  Simulation,
  estimateRunEvents,
  findPreset,
  parseJsonText,
  parseSimConfig,
  parseWorkloadCsv,
  simReport,
  type ImportedWorkload,
  type SimConfig,
  type SimReport,
  type BlktraceReport,
} from '../engine/index.ts';
import { numberFlag, parseCommand, textFlag, type CommandSpec, type Flag, type FlagValues } from './args.ts';
import { readInput, readInputBytes } from './input.ts';
import { UsageError, type CliIo } from './usage.ts';
import { MAX_EVENTS_FLAG, SLICE_EVENTS, checkWork, runSliced } from './work.ts';

/** Longest run, in virtual seconds, a command takes. */
export const MAX_SECONDS = 3600;

/** The flags every command that runs a simulation shares. */
export const RUN_FLAGS = {
  config: { type: 'string', value: 'FILE', help: 'the simulation configuration, JSON (README "Configuration files")' },
  preset: { type: 'string', value: 'NAME', help: 'or a preset: blktrace, kvmtrace, ...' },
  seconds: { type: 'string', value: 'S', help: `virtual seconds to run, at most ${MAX_SECONDS}` },
  seed: { type: 'string', value: 'N', help: 'the seed of the run, an integer from 0 to 4294967295 (default 1)' },
  json: { type: 'boolean', help: 'print one JSON line instead of the table' },
  'workload-csv': { type: 'string', value: 'FILE', help: 'replay recorded records (timestamp, cpu, size) instead' },
  'workload-blktrace': { type: 'string', value: 'DIR', help: 'or replay a blktrace capture (<dev>.blktrace.<cpu> files)' },
  'blktrace-device': { type: 'string', value: 'NAME', help: 'the device of --workload-blktrace DIR, when it holds several' },
  'max-events': MAX_EVENTS_FLAG,
} as const satisfies Record<string, Flag>;

/** The simulation config named by --config or --preset; shared by the commands that run one. */
export function loadSimConfig(command: string, config: string | undefined, preset: string | undefined): { config: SimConfig; name: string } {
  if ((config === undefined) === (preset === undefined)) throw new UsageError(`${command}: give either --config FILE or --preset NAME`);
  if (preset !== undefined) {
    const p = findPreset(preset);
    if (p === undefined) throw new UsageError(`${command}: no preset ${JSON.stringify(preset.slice(0, 40))} (${PRESETS.map((x) => x.id).join(', ')})`);
    return { config: p.config, name: p.id };
  }
  const file = config as string;
  const text = readInput(file, 'config');
  try {
    return { config: parseSimConfig(parseJsonText(text)), name: file };
  } catch (e) {
    if (e instanceof ConfigError || e instanceof JsonTextError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

/** The workload named by --workload-csv, or undefined without one. */
export function loadWorkload(file: string | undefined): ImportedWorkload | undefined {
  if (file === undefined) return undefined;
  const text = readInput(file, 'csv');
  try {
    return parseWorkloadCsv(text, file);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** The capture named by --workload-blktrace DIR (and --blktrace-device NAME), or undefined without one. */
export function loadCapture(command: string, dir: string | undefined, device: string | undefined): ImportedWorkload | undefined {
  if (dir === undefined) {
    if (device !== undefined) throw new UsageError(`${command}: --blktrace-device chooses a device of --workload-blktrace DIR; give that too`);
    return undefined;
  }
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new UsageError(`${dir}: cannot read the directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let total = 0;
  const files = names
    .filter((n) => /\.blktrace\.\d+$/.test(n))
    .map((n) => {
      const path = join(dir, n);
      const bytes = new Uint8Array(readInputBytes(path, 'capture', total));
      total += bytes.length;
      return { name: path, bytes };
    });
  return refusedAsUsage(() => parseBlktraceCapture(files, { device, label: dir }));
}

/** The imported workload of --workload-csv or --workload-blktrace (at most one of them). */
export function loadAnyWorkload(command: string, values: FlagValues): ImportedWorkload | undefined {
  const csv = textFlag(values, 'workload-csv');
  const dir = textFlag(values, 'workload-blktrace');
  if (csv !== undefined && dir !== undefined) throw new UsageError(`${command}: give --workload-csv FILE or --workload-blktrace DIR, not both`);
  return csv !== undefined ? loadWorkload(csv) : loadCapture(command, dir, textFlag(values, 'blktrace-device'));
}

/** Why `--blktrace-out` cannot write blktrace's files for this run, or null. */
function blktraceOutRefusal(config: SimConfig, workload: ImportedWorkload | undefined): string | null {
  const c = config.channel;
  const blk = workload === undefined ? config.workload.format === 'blktrace' : workload.blktrace !== undefined;
  if (!blk) return 'needs blktrace records: workload.format blktrace (the blktrace preset) or a capture (--workload-blktrace DIR)';
  if (c.global) return "blktrace's files are per CPU: a global buffer (channel.global) cannot be written as them";
  if (config.reader.layout !== 'per-cpu') return 'blktrace reads each CPU\'s buffer with a thread of its own: reader.layout must be per-cpu';
  if (c.headerReserve !== 0) return "blktrace's files hold only records: channel.headerReserve must be 0";
  return null;
}

/**
 * --seconds, or by default `fallback` (the imported workload's span, when there is one): a
 * workload longer than MAX_SECONDS needs --seconds, rather than running past the cap.
 */
export function secondsFlag(command: string, values: FlagValues, fallback: number, workload: ImportedWorkload | undefined): number {
  if (workload !== undefined && textFlag(values, 'seconds') === undefined && workload.duration > MAX_SECONDS)
    throw new UsageError(
      `${command}: ${workload.name} spans ${workload.duration} s, beyond the ${MAX_SECONDS} s a run may last; give --seconds S (at most ${MAX_SECONDS}) to replay its beginning`,
    );
  return numberFlag(command, values, 'seconds', workload?.duration ?? fallback, 0, MAX_SECONDS);
}

export const seedFlag = (command: string, values: FlagValues): number => numberFlag(command, values, 'seed', 1, 0, 2 ** 32 - 1, true);

/** Runs `make`, turning what the configuration refuses (a workload it cannot replay) into a UsageError. */
export function refusedAsUsage<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** How the JSON outputs name an imported workload. */
export const workloadSummary = (w: ImportedWorkload | undefined) =>
  w === undefined ? null : { file: w.name, records: w.timesNs.length, duration: w.duration, hash: w.hash };

export const workloadLine = (w: ImportedWorkload | undefined): string =>
  w === undefined
    ? ''
    : `workload: ${w.name}, ${w.timesNs.length} records over ${w.duration} s (hash ${w.hash}), replayed in place of the generated one\n`;

const pad = (v: string | number, w: number): string => String(v).padStart(w);

function table(r: SimReport): string {
  const cols = [
    ['cpu', (x: SimReport['cpus'][number]) => x.cpu],
    ['written', (x) => x.written],
    ['read', (x) => x.readIntact],
    ['full', (x) => x.droppedFull],
    ['toobig', (x) => x.droppedToobig],
    ['overwr', (x) => x.overwritten],
    ['skipped', (x) => x.skipped],
    ['reset', (x) => x.discarded],
    ['inbuf', (x) => x.inBuffer],
    ['wakeups', (x) => x.wakeups],
    ['nosleep', (x) => x.productionsWithoutSleeper],
    ['lag ms', (x) => (x.maxLagUs / 1000).toFixed(1)],
  ] as const satisfies readonly (readonly [string, (x: SimReport['cpus'][number]) => string | number])[];
  const lines = [cols.map(([h]) => pad(h, 9)).join('')];
  for (const cpu of r.cpus) lines.push(cols.map(([, f]) => pad(f(cpu), 9)).join(''));
  return lines.join('\n');
}

function blktraceLines(r: BlktraceReport, dir: string | undefined): string {
  const rows = r.cpus.map(
    (c) => `  cpu ${c.cpu}: ${c.blktrace.events} events, sequence ${c.blktrace.firstSeq ?? '-'} to ${c.blktrace.lastSeq ?? '-'}, ${c.blktrace.seqGaps} gaps (${c.blktrace.seqMissing} missing)\n`,
  );
  return (
    `blktrace: what blkparse would count in the files the readers wrote${dir === undefined ? '' : ` (written to ${dir})`}\n` +
    rows.join('') +
    (r.blktraceMessage === null ? 'blktrace: no dropped events\n' : `${r.blktraceMessage}\n`)
  );
}

export const SIMULATE: CommandSpec = {
  name: 'simulate',
  synopsis: '(--config FILE | --preset NAME)',
  summary:
    'run producers and readers in virtual time and report per-CPU counters, loss by cause,\nwakeups, reader lag and memory',
  flags: {
    ...RUN_FLAGS,
    'trace-out': { type: 'string', value: 'FILE', help: 'also write the run as a Chrome trace (Perfetto UI)' },
    'blktrace-out': { type: 'string', value: 'DIR', help: "write what blktrace's readers read, <dev>.blktrace.<cpu>, for blkparse" },
  },
};

export async function simulate(args: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(SIMULATE, args);
  const { config, name } = loadSimConfig('simulate', textFlag(values, 'config'), textFlag(values, 'preset'));
  const workload = loadAnyWorkload('simulate', values);
  const blktraceOut = textFlag(values, 'blktrace-out');
  const refusal = blktraceOut === undefined ? null : blktraceOutRefusal(config, workload);
  if (refusal !== null) throw new UsageError(`simulate: --blktrace-out ${refusal}`);
  const seconds = secondsFlag('simulate', values, 1, workload);
  const seed = seedFlag('simulate', values);
  const estimate = estimateRunEvents(config, seconds, workload);
  checkWork('simulate', values, estimate, `${seconds} s of this run`, 'run fewer --seconds, a lower workload.rate or a longer reader.period');
  const sim = refusedAsUsage(() => new Simulation(config, { seed, workload, blktraceFiles: blktraceOut !== undefined }));
  const traceOut = textFlag(values, 'trace-out');
  const recorder = traceOut === undefined ? null : new ChromeTraceRecorder(sim, seconds);
  await runSliced(io, {
    label: `simulate ${name}`,
    estimate,
    step: () => (recorder === null ? sim.runUntil(seconds, SLICE_EVENTS) : recorder.advance(seconds, SLICE_EVENTS)),
    fraction: () => (seconds === 0 ? 1 : Math.min(1, sim.now / seconds)),
  });
  let traced = '';
  if (traceOut !== undefined && recorder !== null) {
    const trace = recorder.trace();
    try {
      writeFileSync(traceOut, JSON.stringify(trace));
      traced = `trace: ${trace.traceEvents.length} events written to ${traceOut}\n`;
    } catch (e) {
      throw new UsageError(`${traceOut}: cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  blktraceExit(sim);
  const plain = simReport(sim);
  const blk = blktraceReport(sim, plain);
  const report = blk ?? plain;
  if (blktraceOut !== undefined && sim.blktrace !== null) {
    try {
      mkdirSync(blktraceOut, { recursive: true });
      for (const f of sim.blktrace.fileList()) writeFileSync(join(blktraceOut, f.name), f.bytes);
    } catch (e) {
      throw new UsageError(`${blktraceOut}: cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  if (values.json === true) {
    // The page's simulate() gives the same report; only an imported workload adds a field.
    const extra = workload === undefined ? {} : { workload: workloadSummary(workload) };
    io.out(JSON.stringify({ name, ...extra, ...report }) + '\n');
    return;
  }
  const t = report.total;
  const c = config.channel;
  io.out(
    `${name}: ${c.cpus} CPU${c.cpus > 1 ? 's' : ''}${c.global ? ' (one global buffer)' : ''}, ${c.nSubbufs} x ${c.subbufSize} B, ${c.mode}, kernel ${c.kernel}; ` +
      `${seconds} s of virtual time, seed ${seed}, ${sim.eventsRun} events\n` +
      workloadLine(workload) +
      `memory: ${report.memoryBytes} bytes of buffers\n\n${table(report)}\n\n` +
      `records: ${t.written} written, ${t.readIntact} read intact, ${t.inBuffer} still in the buffers\n` +
      `lost: ${t.droppedFull} dropped full, ${t.droppedToobig} dropped too big, ${t.overwritten} overwritten, ` +
      `${t.skipped} skipped, ${t.discarded} discarded by reset (loss rate ${(report.lossRate * 100).toFixed(3)}%)\n` +
      `wakeups: ${t.wakeups} issued (${t.pollersWoken} pollers woken), ${t.productionsWithoutSleeper} productions with nobody asleep\n` +
      `reader lag: at most ${(t.maxLagUs / 1000).toFixed(2)} ms\n` +
      `accounting: ${t.unaccounted} unaccounted, ${t.torn} torn, ${t.missing} missing, ${t.duplicates} duplicated\n` +
      (blk === null ? '' : blktraceLines(blk, blktraceOut)) +
      traced,
  );
}
