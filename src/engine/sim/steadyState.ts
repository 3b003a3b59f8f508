/**
 * The steady-state verdict: a run is loss-free only if it lost nothing AND its backlog is not
 * growing. The same test judges a sweep's cells, the A/B comparison's sides and the page's
 * explorer (README "The steady-state verdict"):
 *
 * - overwrite with no reader: holds-last (the buffers keep the newest holdsLastSeconds).
 * - any record lost: lossy.
 * - a replayed workload that lost nothing: loss-free over the capture (it has no steady state
 *   beyond its end).
 * - otherwise the backlog grows when the capacity analysis finds the reader the bottleneck,
 *   or when the run's peak backlog in its last quarter exceeds that of its first quarter by
 *   more than GROWTH_SLACK of the first and two sub-buffers per buffer: then loss-free-for
 *   (lossFreeForSeconds, backlogGrowthBytesPerS), never recommended; else loss-free.
 */
import type { RelayEvent } from '../kernel/index.ts';
import { blktraceLoss, type BlktraceLoss } from './blktraceRun.ts';
import { capacityOf, mbps, type Capacity } from './capacity.ts';
import { lostRecords, simReport, type SimReport } from './report.ts';
import type { SimConfig } from './simConfig.ts';
import { Simulation, type SimOptions } from './simulation.ts';
import { P_BYTES, R_BYTES, type SimStats } from './stats.ts';

export const VERDICTS = ['loss-free', 'loss-free-for', 'lossy', 'holds-last'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface SteadyVerdict {
  verdict: Verdict;
  /** loss-free-for: the run length over which nothing was lost. */
  lossFreeForSeconds: number | null;
  /** loss-free-for: how fast the backlog grows, whole channel. */
  backlogGrowthBytesPerS: number | null;
  /** holds-last: seconds of the most recent history the buffers keep. */
  holdsLastSeconds: number | null;
  /** The verdict in words, e.g. "loss-free for 1 s only (backlog growing at 10 MB/s)". */
  verdictText: string;
}

/** How much more the last quarter's peak backlog may be than the first's and still be steady. */
export const GROWTH_SLACK = 0.5;

/**
 * Watches a run's backlog (bytes written and not yet read, per buffer) at every sub-buffer
 * switch: its peak, and the whole channel's peak in each quarter of the run.
 */
export class BacklogMonitor {
  /** The most bytes unread at once on any one buffer. */
  peakBacklogBytes = 0;
  /** The most sub-buffers produced and not consumed at once, on any buffer. */
  peakReady = 0;
  /** The whole channel's peak backlog in each quarter of [0, seconds]. */
  readonly quarterPeak = [0, 0, 0, 0];
  private run: { stats: SimStats; now: number } | null = null;

  constructor(
    private readonly config: SimConfig,
    private readonly seconds: number,
  ) {}

  /** The run whose counters and clock the tracer reads (set once it exists). */
  bind(run: { stats: SimStats; now: number }): void {
    this.run = run;
  }

  /** The tracer to give the run: it looks at 'produce' events only. */
  readonly tracer = (e: RelayEvent): void => {
    if (e.kind !== 'produce' || this.run === null) return;
    const ready = e.subbufsProduced - e.buf.consumed;
    if (ready > this.peakReady) this.peakReady = ready;
    const { stats, now } = this.run;
    const cpus = this.config.channel.cpus;
    const backlogOf = (cpu: number): number => stats.get(cpu, P_BYTES) - stats.get(cpu, R_BYTES);
    let mine = 0;
    let all = 0;
    for (let cpu = 0; cpu < cpus; cpu++) {
      const b = backlogOf(cpu);
      all += b;
      if (this.config.channel.global || cpu === e.buf.cpu) mine += b;
    }
    if (mine > this.peakBacklogBytes) this.peakBacklogBytes = mine;
    const q = Math.min(3, Math.max(0, Math.floor((4 * now) / Math.max(this.seconds, 1e-9))));
    if (all > this.quarterPeak[q]) this.quarterPeak[q] = all;
  };

  /** Bytes per second the backlog grew from the first quarter to the last, when it did beyond the slack; else 0. */
  growthBytesPerS(): number {
    const [first, , , last] = this.quarterPeak;
    const ch = this.config.channel;
    const slack = Math.max(first * GROWTH_SLACK, 2 * ch.subbufSize * (ch.global ? 1 : ch.cpus));
    if (last - first <= slack) return 0;
    return (last - first) / (0.75 * this.seconds);
  }
}

const secondsText = (s: number): string => `${+s.toPrecision(3)} s`;

export interface VerdictInput {
  config: SimConfig;
  capacity: Capacity;
  /** Virtual seconds the run covered. */
  seconds: number;
  lost: number;
  /** The records came from a replayed workload (a CSV file, a blktrace capture). */
  replayed: boolean;
  monitor: BacklogMonitor;
}

/** The steady-state verdict of one run. */
export function steadyVerdict({ config, capacity, seconds, lost, replayed, monitor }: VerdictInput): SteadyVerdict {
  const none = { lossFreeForSeconds: null, backlogGrowthBytesPerS: null, holdsLastSeconds: null };
  const ch = config.channel;
  if (!config.reader.enabled && ch.mode === 'overwrite') {
    // The busiest buffer keeps the least history: a ring of nSubbufs sub-buffers at its rate.
    const rate = Math.max(...capacity.cpus.map((c) => c.produceBytesPerS));
    const holds = rate > 0 ? (ch.subbufSize * ch.nSubbufs) / rate : null;
    return {
      ...none,
      verdict: 'holds-last',
      holdsLastSeconds: holds,
      verdictText: holds === null ? 'holds the last records (nothing is written)' : `holds the last ${secondsText(holds)}`,
    };
  }
  if (lost > 0) return { ...none, verdict: 'lossy', verdictText: 'lossy' };
  if (replayed) return { ...none, verdict: 'loss-free', verdictText: 'loss-free over the capture' };
  const model =
    capacity.bottleneck === 'reader'
      ? capacity.cpus.reduce((s, c) => s + Math.max(0, c.produceBytesPerS - (c.drainBytesPerS ?? 0)), 0)
      : 0;
  const growth = Math.max(model, monitor.growthBytesPerS());
  if (capacity.bottleneck === 'reader' || growth > 0)
    return {
      ...none,
      verdict: 'loss-free-for',
      lossFreeForSeconds: seconds,
      backlogGrowthBytesPerS: growth,
      verdictText: `loss-free for ${secondsText(seconds)} only (backlog growing${growth > 0 ? ` at ${mbps(growth)}` : ' without bound'})`,
    };
  return { ...none, verdict: 'loss-free', verdictText: 'loss-free' };
}

/** A simulation with its backlog watched and its capacity analysed: what a verdict is made of. */
export interface WatchedRun {
  sim: Simulation;
  monitor: BacklogMonitor;
  capacity: Capacity;
  /** Virtual seconds the run is to cover (the quarters are of this). */
  seconds: number;
}

/** Opens `config` for a run of `seconds` with its backlog watched; throws what Simulation throws. */
export function watchedRun(config: SimConfig, options: Omit<SimOptions, 'tracer'>, seconds: number): WatchedRun {
  const monitor = new BacklogMonitor(config, seconds);
  const sim = new Simulation(config, { ...options, tracer: monitor.tracer });
  monitor.bind(sim);
  return { sim, monitor, capacity: capacityOf(config, options.workload), seconds };
}

/** What a comparison keeps of each side beside its report. */
export interface RunOutcome {
  verdict: SteadyVerdict;
  /** The most bytes unread at once on any one buffer. */
  peakBacklogBytes: number;
  capacity: Capacity;
  /** With blktrace records: what the run lost and what blkparse would report; else null. */
  blktrace: BlktraceLoss | null;
}

/** A watched run's outcome (watchedOutcome's verdict with the backlog and the capacity). */
export function runOutcome(run: WatchedRun): { report: SimReport; outcome: RunOutcome } {
  const { report, verdict, blktrace } = watchedOutcome(run);
  return { report, outcome: { verdict, peakBacklogBytes: run.monitor.peakBacklogBytes, capacity: run.capacity, blktrace } };
}

/**
 * The report and the verdict of a watched run, at its end, and with blktrace records what
 * blkparse would report once blktrace's readers read what is left (after the report is taken).
 */
export function watchedOutcome(run: WatchedRun): { report: SimReport; verdict: SteadyVerdict; blktrace: BlktraceLoss | null } {
  const report = simReport(run.sim);
  const { config, options } = run.sim;
  const verdict = steadyVerdict({
    config,
    capacity: run.capacity,
    seconds: run.seconds,
    lost: lostRecords(report.total),
    replayed: options.workload !== undefined,
    monitor: run.monitor,
  });
  return { report, verdict, blktrace: blktraceLoss(run.sim) };
}
