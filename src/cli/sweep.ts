/**
 * `relayscope sweep (--config FILE | --preset NAME) [--seconds S] [--seed N] [--json]
 * [--subbuf-sizes LIST] [--n-subbufs LIST] [--periods LIST]`
 */
import { SweepJob, checkWorkloadCpus, sweepSeconds, type SweepCell, type SweepResult } from '../engine/index.ts';
import { formatBytes } from '../lib/format.ts';
import { listFlag, numberFlag, parseFlags } from './args.ts';
import { loadAnyWorkload, loadSimConfig, refusedAsUsage, workloadLine, workloadSummary } from './simulate.ts';
import { UsageError } from './usage.ts';

const pad = (v: string | number, w: number): string => String(v).padStart(w);

const bytes = formatBytes;

const percent = (rate: number): string => `${(rate * 100).toFixed(3)}%`;

function table(r: SweepResult): string {
  const periods = r.axes.periods.length > 1;
  const head = ['subbuf_size', 'n_subbufs', ...(periods ? ['period s'] : []), 'memory', 'written', 'lost', 'loss', 'peak ready'];
  const widths = [12, 10, ...(periods ? [9] : []), 11, 10, 9, 9, 11];
  const row = (cells: (string | number)[]): string => cells.map((c, i) => pad(c, widths[i])).join('');
  const lines = [row(head)];
  for (const c of r.cells) {
    const lead = [bytes(c.subbufSize), c.nSubbufs, ...(periods ? [c.period] : []), bytes(c.memoryBytes)];
    if (c.error !== null) lines.push(`${row(lead)}   refused: ${c.error}`);
    else {
      const mark = c === r.recommended ? '  <- recommended' : '';
      lines.push(row([...lead, c.written ?? 0, c.lost ?? 0, percent(c.lossRate ?? 0), `${c.peakReady}/${c.nSubbufs}`]) + `   ${c.verdictText}${mark}`);
    }
  }
  return lines.join('\n');
}

const cellName = (c: SweepCell): string => `${c.nSubbufs} x ${bytes(c.subbufSize)} (${bytes(c.memoryBytes)} in all)`;

function recommendation(r: SweepResult): string {
  const rec = r.recommended;
  const m = r.margin;
  if (rec === null || m === null) return `no recommendation: ${r.reason}`;
  const lines = [
    `recommended: ${cellName(rec)}, period ${rec.period} s: ${rec.verdictText} over ${r.seconds} s`,
    `margin: at worst ${m.peakReady} of ${rec.nSubbufs} sub-buffers were ready and unread (${m.headroom} spare); ` +
      `peak backlog ${bytes(m.peakBacklogBytes)} simulated, ${m.estimatedPeakBacklogBytes === null ? 'no estimate' : `${bytes(Math.round(m.estimatedPeakBacklogBytes))} estimated`}` +
      ` of ${bytes(m.bufferBytes)} per buffer`,
  ];
  for (const smaller of [m.smallerNSubbufs, m.smallerSubbufSize])
    if (smaller !== null)
      lines.push(
        `  ${cellName(smaller)}: ${smaller.error !== null ? `refused (${smaller.error})` : `loses ${smaller.lost} records (${percent(smaller.lossRate ?? 0)})`}`,
      );
  return lines.join('\n');
}

export function sweep(args: string[], write: (chunk: string) => void): void {
  const flags = parseFlags('sweep', args, {
    values: ['--config', '--preset', '--seconds', '--seed', '--subbuf-sizes', '--n-subbufs', '--periods', '--workload-csv', '--workload-blktrace', '--blktrace-device'],
    switches: ['--json'],
  });
  if (flags.rest.length > 0) throw new UsageError(`sweep: unexpected argument "${flags.rest[0]}"`);
  const preset = flags.values.get('--preset');
  const { config, name } = loadSimConfig('sweep', flags.values.get('--config'), preset);
  const workload = loadAnyWorkload('sweep', flags);
  // Record sizes may suit some cells and not others; the CPUs must suit them all.
  if (workload !== undefined) refusedAsUsage(() => checkWorkloadCpus(workload, config.channel.cpus));
  const byDefault = sweepSeconds(config, { workload });
  const seconds = numberFlag('sweep', flags, '--seconds', byDefault.seconds, 0, 3600);
  const secondsReason = flags.values.has('--seconds') ? 'given with --seconds' : byDefault.reason;
  const seed = numberFlag('sweep', flags, '--seed', 1, 0, 2 ** 32 - 1, true);
  const job = new SweepJob(config, {
    seed,
    seconds,
    secondsReason,
    subbufSizes: listFlag('sweep', flags, '--subbuf-sizes', 1, 2 ** 32 - 1, true),
    nSubbufs: listFlag('sweep', flags, '--n-subbufs', 1, 2 ** 32 - 1, true),
    periods: listFlag('sweep', flags, '--periods', 1e-6, 3600),
    simOptions: { workload },
  });
  while (!job.done) job.step(Infinity);
  const r = job.result();
  if (flags.switches.has('--json')) {
    const { recommended, reason, margin, capacity } = r;
    const w = workloadSummary(workload);
    write(JSON.stringify({ preset: preset ?? null, seconds, secondsReason, seed, grid: r.cells, capacity, recommended, reason, margin, workload: w }) + '\n');
    return;
  }
  const c = config.channel;
  write(
    `${name}: ${c.cpus} CPU${c.cpus > 1 ? 's' : ''}${c.global ? ' (one global buffer)' : ''}, ${c.mode}; ` +
      `${r.cells.length} configurations, ${seconds} s of virtual time each (${secondsReason}), seed ${seed}\n` +
      `${workloadLine(workload)}\ncapacity: ${r.capacity.statement}\n${table(r)}\n\n${recommendation(r)}\n`,
  );
}
