/**
 * The sizing sweep: how much memory does a channel need not to lose records? For one
 * configuration it runs every cell of a grid of `subbufSize` x `nSubbufs` (and, if asked,
 * reader periods) as a deterministic Simulation with the same seed and workload, and
 * recommends the loss-free cell with the least memory.
 *
 * The sweep is a job that advances in bounded slices (`step(maxEvents)`), so a Web Worker can
 * run it, post its progress between slices and stop when told; `runSweep` runs one to the end.
 *
 * Definitions (README "relayscope sweep"):
 * - memoryBytes: the whole channel's buffers, PAGE_ALIGN(subbufSize * nSubbufs) each, one per
 *   CPU or one for a global channel (buffersMemory).
 * - lost: records that will never be read: dropped because the buffer was full, dropped as too
 *   big, overwritten, skipped by the reader, discarded by relay_reset (lostRecords). Records
 *   still in the buffers at the end are not lost: a reader would still get them.
 * - lossRate: lost / written (0 when nothing was written).
 * - peakReady: the most sub-buffers produced and not yet consumed at once, on any buffer.
 * - peakBacklogBytes: the most bytes written and not yet read at once, on any buffer.
 * - verdict: the steady-state verdict (steadyState.ts); only a loss-free cell is recommended,
 *   and none when the capacity analysis (capacity.ts) finds the reader the bottleneck.
 */
import { buffersMemory } from '../kernel/index.ts';
import type { BlktraceLoss } from './blktraceRun.ts';
import { capacityOf, type Capacity, type CapacityTerm } from './capacity.ts';
import { lostRecords, type LostCounts } from './report.ts';
import { ConfigError, checkSimConfig, type SimConfig } from './simConfig.ts';
import type { SimOptions } from './simulation.ts';
import { watchedOutcome, watchedRun, type SteadyVerdict, type WatchedRun } from './steadyState.ts';
import type { ImportedWorkload } from './workloadCsv.ts';

export interface SweepAxes {
  subbufSizes: readonly number[];
  nSubbufs: readonly number[];
  /** reader.period values (seconds); the configuration's own when not swept. */
  periods: readonly number[];
}

export interface SweepOptions extends Partial<SweepAxes> {
  seed: number;
  /** Virtual seconds each cell runs. */
  seconds: number;
  /** Why the cells run `seconds` (sweepSeconds gives it for the default). */
  secondsReason?: string;
  /** Passed to every cell's Simulation (an imported workload, for one). */
  simOptions?: Omit<SimOptions, 'seed' | 'tracer'>;
}

export interface SweepCell {
  subbufSize: number;
  nSubbufs: number;
  /** The reader's poll period in this cell (s). */
  period: number;
  memoryBytes: number;
  /** Null when the cell could not run (see `error`). */
  written: number | null;
  lost: number | null;
  lossRate: number | null;
  /** `lost` by cause. */
  lostBy: LostCounts | null;
  peakReady: number | null;
  /** The most bytes written and not yet read at once, on any buffer. */
  peakBacklogBytes: number | null;
  /** The steady-state verdict; null for a refused cell. */
  verdict: SteadyVerdict['verdict'] | null;
  lossFreeForSeconds: number | null;
  backlogGrowthBytesPerS: number | null;
  holdsLastSeconds: number | null;
  /** The verdict in words ("loss-free for 1 s only (backlog growing at 10 MB/s)"). */
  verdictText: string | null;
  /** What the reader drains per CPU in this cell (its busiest buffer's share); null when unbounded or none. */
  drainBytesPerS: number | null;
  /** Why the configuration could not be opened (over the memory cap, record sizes...), else null. */
  error: string | null;
  /** With blktrace records (a capture, the blktrace format): what was lost and what blkparse would report; else null. */
  blktrace: BlktraceLoss | null;
}

/** The fields a cell that ran fills in. */
type Outcome = Omit<SweepCell, 'subbufSize' | 'nSubbufs' | 'period' | 'memoryBytes' | 'drainBytesPerS' | 'error'>;

/** How much room the recommended cell had. */
export interface SweepMargin {
  peakReady: number;
  /** nSubbufs - peakReady: sub-buffers never needed at the worst moment. */
  headroom: number;
  /** peakReady / nSubbufs. */
  peakFill: number;
  /** The cell with the same subbufSize and period and the next smaller nSubbufs, if any. */
  smallerNSubbufs: SweepCell | null;
  /** The cell with the same nSubbufs and period and the next smaller subbufSize, if any. */
  smallerSubbufSize: SweepCell | null;
  /** Bytes one buffer holds: subbufSize x nSubbufs. */
  bufferBytes: number;
  /** The simulated peak backlog on any buffer, bytes. */
  peakBacklogBytes: number;
  /** The capacity model's estimate for the cell's busiest buffer (null when it has none). */
  estimatedPeakBacklogBytes: number | null;
  /** The estimate's largest term. */
  dominant: CapacityTerm | null;
}

export interface SweepResult {
  seed: number;
  seconds: number;
  /** Why the cells ran as long as they did. */
  secondsReason: string;
  /** The configuration's capacity analysis. */
  capacity: Capacity;
  /** The values each axis took. */
  axes: SweepAxes;
  cells: SweepCell[];
  recommended: SweepCell | null;
  margin: SweepMargin | null;
  /** Why there is no recommendation; null when there is one. */
  reason: string | null;
  /** The job was cancelled: `cells` holds only the cells that ran. */
  cancelled: boolean;
}

export interface SweepProgress {
  cellsDone: number;
  cellsTotal: number;
  /** 0..1, counting the running cell's virtual time. */
  fraction: number;
}

/** Smallest sub-buffer the default grid tries. */
const MIN_DEFAULT_SUBBUF = 64;
/** The default grid: the configuration's value times 1/8 .. 4, in powers of two. */
const DEFAULT_STEPS = [-3, -2, -1, 0, 1, 2];

const powersAround = (value: number, floor: number): number[] => {
  const out = DEFAULT_STEPS.map((k) => Math.round(value * 2 ** k)).filter((v) => v >= Math.min(floor, value));
  return [...new Set(out)].sort((a, b) => a - b);
};

/** The shortest default sweep (s) when there is no current run. */
export const MIN_SWEEP_SECONDS = 1;
/** The longest default sweep (s): the page's limit. */
export const MAX_SWEEP_SECONDS = 60;
/** The default sweep covers this many of the workload's and the reader's longest period. */
export const SWEEP_PERIODS = 5;

/**
 * How long a default sweep runs, and why: a replay's whole capture; else SWEEP_PERIODS times
 * the longest period of the workload and reader (the burst cycle, the reader's pause period),
 * or the current run's length (MIN_SWEEP_SECONDS without one), whichever is longer. The poll
 * period is no such cycle: a reader asleep is woken by every sub-buffer switch.
 */
export function sweepSeconds(config: SimConfig, o: { runSeconds?: number; workload?: ImportedWorkload } = {}): { seconds: number; reason: string } {
  const s = (v: number): string => `${+v.toPrecision(4)} s`;
  if (o.workload !== undefined) return { seconds: o.workload.duration, reason: `the capture's length (${s(o.workload.duration)}): a replay has no steady state beyond its end` };
  const { workload: w, reader: r } = config;
  const periods = [
    { name: 'burst cycle', value: w.arrival === 'bursts' ? w.burstOn + w.burstOff : 0 },
    { name: "reader's pause period", value: r.enabled ? r.pauseEvery : 0 },
  ];
  const longest = periods.reduce((a, b) => (b.value > a.value ? b : a));
  const cover = SWEEP_PERIODS * longest.value;
  const floor = o.runSeconds !== undefined && o.runSeconds > 0 ? o.runSeconds : MIN_SWEEP_SECONDS;
  const floorName = o.runSeconds !== undefined && o.runSeconds > 0 ? `the current run's length (${s(floor)})` : `the shortest default sweep (${s(floor)})`;
  const seconds = Math.min(MAX_SWEEP_SECONDS, Math.max(cover, floor));
  const why =
    longest.value === 0
      ? `${floorName}: the workload has no bursts and the reader no pauses`
      : cover > floor
        ? `${SWEEP_PERIODS} x the ${longest.name} (${s(longest.value)}), longer than ${floorName}`
        : `${floorName}, at least ${SWEEP_PERIODS} x the longest period (the ${longest.name}, ${s(longest.value)})`;
  return { seconds, reason: seconds < Math.max(cover, floor) ? `${why}, capped at ${s(MAX_SWEEP_SECONDS)}` : why };
}

/** The axes a sweep of `config` uses where the caller gives none. */
export function defaultSweepAxes(config: SimConfig): SweepAxes {
  return {
    subbufSizes: powersAround(config.channel.subbufSize, MIN_DEFAULT_SUBBUF),
    nSubbufs: powersAround(config.channel.nSubbufs, 1),
    periods: [config.reader.period],
  };
}

const cellConfig = (config: SimConfig, subbufSize: number, nSubbufs: number, period: number): SimConfig => ({
  channel: { ...config.channel, subbufSize, nSubbufs },
  workload: config.workload,
  reader: { ...config.reader, period },
});

interface Running extends WatchedRun {
  cell: Pick<SweepCell, 'subbufSize' | 'nSubbufs' | 'period' | 'memoryBytes' | 'drainBytesPerS'>;
}

const REFUSED: Omit<Outcome, 'error'> = {
  written: null,
  lost: null,
  lossRate: null,
  lostBy: null,
  peakReady: null,
  peakBacklogBytes: null,
  verdict: null,
  lossFreeForSeconds: null,
  backlogGrowthBytesPerS: null,
  holdsLastSeconds: null,
  verdictText: null,
  blktrace: null,
};

/** The busiest buffer's entry: it speaks for the channel. */
export const busiestBuffer = (c: Capacity): Capacity['cpus'][number] => c.cpus.reduce((a, b) => (b.produceBytesPerS > a.produceBytesPerS ? b : a), c.cpus[0]);

export class SweepJob {
  readonly axes: SweepAxes;
  readonly cellsTotal: number;
  readonly cells: SweepCell[] = [];
  /** The configuration's own capacity analysis. */
  readonly capacity: Capacity;
  private running: Running | null = null;
  private isCancelled = false;

  constructor(
    readonly config: SimConfig,
    readonly options: SweepOptions,
  ) {
    const d = defaultSweepAxes(config);
    this.axes = {
      subbufSizes: options.subbufSizes ?? d.subbufSizes,
      nSubbufs: options.nSubbufs ?? d.nSubbufs,
      periods: options.periods ?? d.periods,
    };
    this.cellsTotal = this.axes.subbufSizes.length * this.axes.nSubbufs.length * this.axes.periods.length;
    this.capacity = capacityOf(config, options.simOptions?.workload);
  }

  get cellsDone(): number {
    return this.cells.length;
  }

  /** Every cell ran, or the job was cancelled. */
  get done(): boolean {
    return this.isCancelled || this.cells.length === this.cellsTotal;
  }

  get cancelled(): boolean {
    return this.isCancelled;
  }

  progress(): SweepProgress {
    const part = this.running === null ? 0 : Math.min(1, this.running.sim.now / Math.max(this.options.seconds, 1e-9));
    const total = this.cellsTotal;
    return { cellsDone: this.cells.length, cellsTotal: total, fraction: total === 0 ? 1 : (this.cells.length + part) / total };
  }

  /** Stops the job: the running cell is dropped, and `result()` holds the cells that ran. */
  cancel(): void {
    this.isCancelled = true;
    this.running = null;
  }

  /**
   * Advances by at most `maxEvents` simulation events (plus opening or closing one cell), and
   * returns the progress. Does nothing once done.
   */
  step(maxEvents = 100_000): SweepProgress {
    if (this.done) return this.progress();
    const running = this.running ?? this.open();
    if (running !== null && running.sim.runUntil(this.options.seconds, maxEvents)) this.finish(running);
    return this.progress();
  }

  /** Runs the current cell to its end; returns it (null when the job is done). */
  runCell(): SweepCell | null {
    if (this.done) return null;
    const before = this.cells.length;
    while (this.cells.length === before && !this.done) this.step(Infinity);
    return this.cells[before] ?? null;
  }

  /** The recommendation over the cells that ran so far (all of them once done). */
  result(): SweepResult {
    const { recommended, margin, reason } = recommend(this.cells, this.config, this.capacity, this.options.simOptions?.workload);
    return {
      seed: this.options.seed,
      seconds: this.options.seconds,
      secondsReason: this.options.secondsReason ?? 'given',
      capacity: this.capacity,
      axes: this.axes,
      cells: [...this.cells],
      recommended,
      margin,
      reason,
      cancelled: this.isCancelled,
    };
  }

  /** Cell k of the grid, in order: subbufSize slowest, then nSubbufs, then period. */
  private coordinates(k: number): { subbufSize: number; nSubbufs: number; period: number } {
    const { subbufSizes, nSubbufs, periods } = this.axes;
    const p = k % periods.length;
    const n = Math.floor(k / periods.length) % nSubbufs.length;
    const s = Math.floor(k / (periods.length * nSubbufs.length));
    return { subbufSize: subbufSizes[s], nSubbufs: nSubbufs[n], period: periods[p] };
  }

  /** Opens the next cell; a configuration that cannot be opened is recorded as refused. */
  private open(): Running | null {
    const at = this.coordinates(this.cells.length);
    const ch = this.config.channel;
    const memoryBytes = buffersMemory({ subbufSize: at.subbufSize, nSubbufs: at.nSubbufs, nrCpus: ch.cpus, isGlobal: ch.global });
    const config = cellConfig(this.config, at.subbufSize, at.nSubbufs, at.period);
    const workload = this.options.simOptions?.workload;
    const cell = { ...at, memoryBytes, drainBytesPerS: busiestBuffer(capacityOf(config, workload)).drainBytesPerS };
    try {
      checkSimConfig(config, workload === undefined);
      this.running = { cell, ...watchedRun(config, { ...this.options.simOptions, seed: this.options.seed }, this.options.seconds) };
      return this.running;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.cells.push({ ...cell, ...REFUSED, error: e.message });
      return null;
    }
  }

  private finish(running: Running): void {
    const { report, verdict, blktrace } = watchedOutcome(running);
    const t = report.total;
    const lostBy: LostCounts = {
      droppedFull: t.droppedFull,
      droppedToobig: t.droppedToobig,
      overwritten: t.overwritten,
      skipped: t.skipped,
      discarded: t.discarded,
    };
    const lost = lostRecords(lostBy);
    this.cells.push({
      ...running.cell,
      written: t.written,
      lost,
      lossRate: t.written === 0 ? 0 : lost / t.written,
      lostBy,
      peakReady: running.monitor.peakReady,
      peakBacklogBytes: running.monitor.peakBacklogBytes,
      ...verdict,
      error: null,
      blktrace,
    });
    this.running = null;
  }
}

/** Runs a whole sweep on this thread. */
export function runSweep(config: SimConfig, options: SweepOptions): SweepResult {
  const job = new SweepJob(config, options);
  while (!job.done) job.step(Infinity);
  return job.result();
}

const peakFill = (c: SweepCell): number => (c.peakReady ?? 0) / c.nSubbufs;

/**
 * Orders loss-free cells: least memory first; at equal memory (page rounding makes 8 x 512 B
 * and 4 x 1 KiB both one page) the one that came least close to full, then the longer reader
 * period (a cheaper reader), then more sub-buffers (the reader hands memory back to the writer
 * in smaller pieces).
 */
const better = (a: SweepCell, b: SweepCell): number =>
  a.memoryBytes - b.memoryBytes || peakFill(a) - peakFill(b) || b.period - a.period || b.nSubbufs - a.nSubbufs;

const ran = (c: SweepCell): boolean => c.error === null && c.lost !== null;

/** The nearest cell below `cell` along one axis, the others equal. */
function smaller(cells: readonly SweepCell[], cell: SweepCell, axis: 'subbufSize' | 'nSubbufs'): SweepCell | null {
  const other = axis === 'subbufSize' ? 'nSubbufs' : 'subbufSize';
  let best: SweepCell | null = null;
  for (const c of cells)
    if (c.period === cell.period && c[other] === cell[other] && c[axis] < cell[axis] && (best === null || c[axis] > best[axis])) best = c;
  return best;
}

const CAUSES: { key: keyof LostCounts; why: (config: SimConfig) => string }[] = [
  { key: 'droppedFull', why: () => 'dropped because the buffer was full: the reader does not keep up (more memory, a shorter reader period or a cheaper reader)' },
  { key: 'droppedToobig', why: () => 'dropped as too big: a record longer than a sub-buffer (less its header) never fits, whatever the number of sub-buffers' },
  {
    key: 'overwritten',
    why: (config) =>
      config.reader.enabled
        ? 'overwritten: the reader fell a whole ring behind the writer'
        : 'overwritten: with no reader an overwrite channel keeps only the newest data, so a run that writes more than the buffers hold loses the oldest',
  },
  { key: 'skipped', why: () => 'skipped by the reader' },
  { key: 'discarded', why: () => 'discarded by relay_reset' },
];

/**
 * The recommended cell, its margin, or why there is none. Only a loss-free cell (lost nothing,
 * backlog not growing) is recommended, and none when `capacity` (the swept configuration's)
 * finds the reader the bottleneck or nothing to size.
 */
export function recommend(
  cells: readonly SweepCell[],
  config: SimConfig,
  capacity: Capacity = capacityOf(config),
  workload?: ImportedWorkload,
): { recommended: SweepCell | null; margin: SweepMargin | null; reason: string | null } {
  const none = (reason: string) => ({ recommended: null, margin: null, reason });
  if (capacity.bottleneck === 'reader') return none(`the reader is the bottleneck: ${capacity.statement}`);
  if (capacity.bottleneck === null) return none(capacity.statement);
  const ok = cells.filter(ran);
  const lossFree = ok.filter((c) => c.verdict === 'loss-free').sort(better);
  const best = lossFree[0];
  if (best !== undefined) {
    const peakReady = best.peakReady ?? 0;
    const estimate = busiestBuffer(capacityOf(cellConfig(config, best.subbufSize, best.nSubbufs, best.period), workload));
    return {
      recommended: best,
      margin: {
        peakReady,
        headroom: best.nSubbufs - peakReady,
        peakFill: peakFill(best),
        smallerNSubbufs: smaller(cells, best, 'nSubbufs'),
        smallerSubbufSize: smaller(cells, best, 'subbufSize'),
        bufferBytes: best.subbufSize * best.nSubbufs,
        peakBacklogBytes: best.peakBacklogBytes ?? 0,
        estimatedPeakBacklogBytes: estimate.peakBacklogBytes,
        dominant: estimate.dominant,
      },
      reason: null,
    };
  }
  if (cells.length === 0) return none('no cell has run yet');
  if (ok.length === 0) return none(`every configuration in the grid was refused; the first: ${cells[0].error}`);
  const growing = ok.filter((c) => c.verdict === 'loss-free-for');
  if (growing.length > 0) {
    const g = growing[0];
    return none(
      `no configuration in the grid is loss-free in steady state: ${growing.length} lost nothing in ${g.lossFreeForSeconds} s only, ` +
        `their backlog growing (${g.nSubbufs} x ${g.subbufSize} B: ${g.verdictText}); run the sweep longer, or make the reader faster`,
    );
  }
  const least = [...ok].sort((a, b) => (a.lossRate ?? 0) - (b.lossRate ?? 0) || a.memoryBytes - b.memoryBytes)[0];
  const by = least.lostBy as LostCounts;
  const cause = CAUSES.reduce((m, c) => (by[c.key] > by[m.key] ? c : m), CAUSES[0]);
  return {
    recommended: null,
    margin: null,
    reason:
      `no configuration in the grid is loss-free; the least lossy, ${least.nSubbufs} x ${least.subbufSize} B, ` +
      `still loses ${least.lost} of ${least.written} records (${((least.lossRate ?? 0) * 100).toFixed(3)}%), mostly ${cause.why(config)}`,
  };
}
