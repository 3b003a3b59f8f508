/** `relayscope simulate (--config FILE | --preset NAME) [--seconds S] [--seed N] [--json]` */
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  PRESETS,
  Simulation,
  findPreset,
  jsonSyntaxMessage,
  parseSimConfig,
  simReport,
  type SimConfig,
  type SimReport,
} from '../engine/index.ts';
import { numberFlag, parseFlags } from './args.ts';
import { UsageError } from './usage.ts';

/** The simulation config named by --config or --preset; shared by the commands that run one. */
export function loadSimConfig(command: string, config: string | undefined, preset: string | undefined): { config: SimConfig; name: string } {
  if ((config === undefined) === (preset === undefined)) throw new UsageError(`${command}: give either --config FILE or --preset NAME`);
  if (preset !== undefined) {
    const p = findPreset(preset);
    if (p === undefined) throw new UsageError(`${command}: no preset "${preset}" (${PRESETS.map((x) => x.id).join(', ')})`);
    return { config: p.config, name: p.id };
  }
  const file = config as string;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UsageError(`${file}: ${jsonSyntaxMessage(text)}`);
  }
  try {
    return { config: parseSimConfig(raw), name: file };
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

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

export function simulate(args: string[], write: (chunk: string) => void): void {
  const flags = parseFlags('simulate', args, { values: ['--config', '--preset', '--seconds', '--seed'], switches: ['--json'] });
  if (flags.rest.length > 0) throw new UsageError(`simulate: unexpected argument "${flags.rest[0]}"`);
  const { config, name } = loadSimConfig('simulate', flags.values.get('--config'), flags.values.get('--preset'));
  const seconds = numberFlag('simulate', flags, '--seconds', 1, 0, 3600);
  const seed = numberFlag('simulate', flags, '--seed', 1, 0, 2 ** 32 - 1, true);
  const sim = new Simulation(config, { seed });
  sim.runUntil(seconds);
  const report = simReport(sim);
  if (flags.switches.has('--json')) {
    write(JSON.stringify({ name, ...report }) + '\n');
    return;
  }
  const t = report.total;
  const c = config.channel;
  write(
    `${name}: ${c.cpus} CPU${c.cpus > 1 ? 's' : ''}${c.global ? ' (one global buffer)' : ''}, ${c.nSubbufs} x ${c.subbufSize} B, ${c.mode}, kernel ${c.kernel}; ` +
      `${seconds} s of virtual time, seed ${seed}, ${sim.eventsRun} events\n` +
      `memory: ${report.memoryBytes} bytes of buffers\n\n${table(report)}\n\n` +
      `records: ${t.written} written, ${t.readIntact} read intact, ${t.inBuffer} still in the buffers\n` +
      `lost: ${t.droppedFull} dropped full, ${t.droppedToobig} dropped too big, ${t.overwritten} overwritten, ` +
      `${t.skipped} skipped, ${t.discarded} discarded by reset (loss rate ${(report.lossRate * 100).toFixed(3)}%)\n` +
      `wakeups: ${t.wakeups} issued (${t.pollersWoken} pollers woken), ${t.productionsWithoutSleeper} productions with nobody asleep\n` +
      `reader lag: at most ${(t.maxLagUs / 1000).toFixed(2)} ms\n` +
      `accounting: ${t.unaccounted} unaccounted, ${t.torn} torn, ${t.missing} missing, ${t.duplicates} duplicated\n`,
  );
}
