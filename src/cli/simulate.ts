/**
 * `relayscope simulate (--config FILE | --preset NAME) [--seconds S] [--seed N] [--json]
 * [--workload-csv FILE] [--trace-out FILE] [--max-events N]`
 */
import { writeFileSync } from 'node:fs';
import {
  ChromeTraceRecorder,
  ConfigError,
  JsonTextError,
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
} from '../engine/index.ts';
import { numberFlag, parseCommand, textFlag, type CommandSpec, type Flag, type FlagValues } from './args.ts';
import { readInput } from './input.ts';
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

export const SIMULATE: CommandSpec = {
  name: 'simulate',
  synopsis: '(--config FILE | --preset NAME)',
  summary:
    'run producers and readers in virtual time and report per-CPU counters, loss by cause,\nwakeups, reader lag and memory',
  flags: {
    ...RUN_FLAGS,
    'trace-out': { type: 'string', value: 'FILE', help: 'also write the run as a Chrome trace (Perfetto UI)' },
  },
};

export async function simulate(args: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(SIMULATE, args);
  const { config, name } = loadSimConfig('simulate', textFlag(values, 'config'), textFlag(values, 'preset'));
  const workload = loadWorkload(textFlag(values, 'workload-csv'));
  const seconds = secondsFlag('simulate', values, 1, workload);
  const seed = seedFlag('simulate', values);
  const estimate = estimateRunEvents(config, seconds, workload);
  checkWork('simulate', values, estimate, `${seconds} s of this run`, 'run fewer --seconds, a lower workload.rate or a longer reader.period');
  const sim = refusedAsUsage(() => new Simulation(config, { seed, workload }));
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
  const report = simReport(sim);
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
      traced,
  );
}
