/**
 * `relayscope sweep (--config FILE | --preset NAME) [--seconds S] [--seed N] [--json]
 * [--subbuf-sizes LIST] [--n-subbufs LIST] [--periods LIST] [--workload-csv FILE] [--max-events N]
 * [--workload-blktrace DIR [--blktrace-device NAME]]`
 */
import { SweepJob, checkWorkloadCpus, estimateSweepEvents, sweepSeconds, type SweepCell, type SweepResult } from '../engine/index.ts';
import { formatBytes } from '../lib/format.ts';
import { listFlag, parseCommand, textFlag, type CommandSpec } from './args.ts';
import { RUN_FLAGS, loadAnyWorkload, loadSimConfig, refusedAsUsage, secondsFlag, seedFlag, workloadLine, workloadSummary } from './simulate.ts';
import type { CliIo } from './usage.ts';
import { SLICE_EVENTS, checkWork, runSliced } from './work.ts';

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

/** With blktrace records, what each cell lost and what blkparse would report; else nothing. */
function blktraceLines(r: SweepResult): string {
  const cells = r.cells.filter((c) => c.blktrace !== null);
  if (cells.length === 0) return '';
  const period = (c: SweepCell): string => (r.axes.periods.length > 1 ? `, period ${c.period} s` : '');
  const why = cells.map((c) => c.blktrace?.why ?? null).find((w) => w !== null);
  return (
    '\nblktrace: what blkparse would report reading the files from standard input (cat DIR/<dev>.blktrace.* | blkparse -i -)\n' +
    cells.map((c) => `  ${c.blktrace?.text}${period(c)}\n`).join('') +
    (why === undefined ? '' : `  (${why})\n`)
  );
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

export const SWEEP: CommandSpec = {
  name: 'sweep',
  synopsis: '(--config FILE | --preset NAME)',
  summary:
    'simulate every subbuf_size x n_subbufs of a grid (powers of two around the configuration\'s\nby default) and recommend the loss-free one with the least memory',
  flags: {
    ...RUN_FLAGS,
    seconds: { ...RUN_FLAGS.seconds, help: 'virtual seconds each cell runs (default: several burst cycles and reader pauses, at least the run\'s own length)' },
    'subbuf-sizes': { type: 'string', value: 'LIST', help: 'subbuf_size values, comma-separated' },
    'n-subbufs': { type: 'string', value: 'LIST', help: 'n_subbufs values, comma-separated' },
    periods: { type: 'string', value: 'LIST', help: 'reader.period values (s), comma-separated' },
  },
};

export async function sweep(args: string[], io: CliIo): Promise<void> {
  const { values } = parseCommand(SWEEP, args);
  const preset = textFlag(values, 'preset');
  const { config, name } = loadSimConfig('sweep', textFlag(values, 'config'), preset);
  const workload = loadAnyWorkload('sweep', values);
  // Record sizes may suit some cells and not others; the CPUs must suit them all.
  if (workload !== undefined) refusedAsUsage(() => checkWorkloadCpus(workload, config.channel.cpus));
  const byDefault = sweepSeconds(config, { workload });
  const seconds = secondsFlag('sweep', values, byDefault.seconds, workload);
  const secondsReason = textFlag(values, 'seconds') !== undefined ? 'given with --seconds' : byDefault.reason;
  const seed = seedFlag('sweep', values);
  const job = new SweepJob(config, {
    seed,
    seconds,
    secondsReason,
    subbufSizes: listFlag('sweep', values, 'subbuf-sizes', 1, 2 ** 32 - 1, true),
    nSubbufs: listFlag('sweep', values, 'n-subbufs', 1, 2 ** 32 - 1, true),
    periods: listFlag('sweep', values, 'periods', 1e-6, 3600),
    simOptions: { workload },
  });
  const { subbufSizes, nSubbufs, periods } = job.axes;
  const estimate = estimateSweepEvents(config, seconds, subbufSizes.length * nSubbufs.length, periods, workload);
  checkWork('sweep', values, estimate, `a grid of ${job.cellsTotal} cells of ${seconds} s`, 'sweep fewer values or fewer --seconds');
  await runSliced(io, { label: `sweep ${name}`, estimate, step: () => {
      job.step(SLICE_EVENTS);
      return job.done;
    },
    fraction: () => job.progress().fraction });
  const r = job.result();
  if (values.json === true) {
    const { recommended, reason, margin, capacity } = r;
    const w = workloadSummary(workload);
    io.out(JSON.stringify({ preset: preset ?? null, seconds, secondsReason, seed, grid: r.cells, capacity, recommended, reason, margin, workload: w }) + '\n');
    return;
  }
  const c = config.channel;
  io.out(
    `${name}: ${c.cpus} CPU${c.cpus > 1 ? 's' : ''}${c.global ? ' (one global buffer)' : ''}, ${c.mode}; ` +
      `${r.cells.length} configurations, ${seconds} s of virtual time each (${secondsReason}), seed ${seed}\n` +
      `${workloadLine(workload)}\ncapacity: ${r.capacity.statement}\n${table(r)}\n${blktraceLines(r)}\n${recommendation(r)}\n`,
  );
}
