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
 */
import { buffersMemory, type RelayEvent } from '../kernel/index.ts';
import { lostRecords, simReport, type LostCounts } from './report.ts';
import { ConfigError, checkSimConfig, type SimConfig } from './simConfig.ts';
import { Simulation, type SimOptions } from './simulation.ts';

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
  /** Why the configuration could not be opened (over the memory cap, record sizes...), else null. */
  error: string | null;
}

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
}

export interface SweepResult {
  seed: number;
  seconds: number;
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

interface Running {
  cell: Omit<SweepCell, 'written' | 'lost' | 'lossRate' | 'lostBy' | 'peakReady' | 'error'>;
  sim: Simulation;
  peak: { ready: number };
}

export class SweepJob {
  readonly axes: SweepAxes;
  readonly cellsTotal: number;
  readonly cells: SweepCell[] = [];
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
    const { recommended, margin, reason } = recommend(this.cells, this.config);
    return {
      seed: this.options.seed,
      seconds: this.options.seconds,
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
    const cell = { ...at, memoryBytes };
    const config = cellConfig(this.config, at.subbufSize, at.nSubbufs, at.period);
    const peak = { ready: 0 };
    const tracer = (e: RelayEvent): void => {
      if (e.kind !== 'produce') return;
      const ready = e.subbufsProduced - e.buf.consumed;
      if (ready > peak.ready) peak.ready = ready;
    };
    try {
      checkSimConfig(config, this.options.simOptions?.workload === undefined);
      const sim = new Simulation(config, { ...this.options.simOptions, seed: this.options.seed, tracer });
      this.running = { cell, sim, peak };
      return this.running;
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.cells.push({ ...cell, written: null, lost: null, lossRate: null, lostBy: null, peakReady: null, error: e.message });
      return null;
    }
  }

  private finish(running: Running): void {
    const t = simReport(running.sim).total;
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
      peakReady: running.peak.ready,
      error: null,
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

/** The recommended cell, its margin, or why there is none. */
export function recommend(
  cells: readonly SweepCell[],
  config: SimConfig,
): { recommended: SweepCell | null; margin: SweepMargin | null; reason: string | null } {
  const ok = cells.filter(ran);
  const lossFree = ok.filter((c) => c.lost === 0).sort(better);
  const best = lossFree[0];
  if (best !== undefined) {
    const peakReady = best.peakReady ?? 0;
    return {
      recommended: best,
      margin: {
        peakReady,
        headroom: best.nSubbufs - peakReady,
        peakFill: peakFill(best),
        smallerNSubbufs: smaller(cells, best, 'nSubbufs'),
        smallerSubbufSize: smaller(cells, best, 'subbufSize'),
      },
      reason: null,
    };
  }
  if (cells.length === 0) return { recommended: null, margin: null, reason: 'no cell has run yet' };
  if (ok.length === 0) return { recommended: null, margin: null, reason: `every configuration in the grid was refused; the first: ${cells[0].error}` };
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
