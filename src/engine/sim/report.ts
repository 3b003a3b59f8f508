/** What a run comes to: per-CPU counters, loss by cause, wakeups, reader lag and memory. */
import {
  B_BIG_COUNT,
  B_BYTES_CONSUMED,
  B_FULL_COUNT,
  B_I_SIZE,
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  buffersMemory,
  type Rchan,
  type RchanBuf,
} from '../kernel/index.ts';
import type { SimConfig } from './simConfig.ts';
import type { CpuAccounting } from './accounting.ts';
import type { Simulation } from './simulation.ts';
import {
  P_BYTES,
  P_NO_SLEEPER,
  P_PRODUCTIONS,
  P_WAKEUPS,
  P_WOKEN,
  R_BYTES,
  R_LAPPED_READS,
  R_LAG_US,
  R_MAX_LAG_US,
  R_TIMEOUTS,
  R_WOKEN,
  type SimStats,
} from './stats.ts';

export interface CpuReport extends CpuAccounting {
  bytesWritten: number;
  bytesRead: number;
  productions: number;
  wakeups: number;
  productionsWithoutSleeper: number;
  pollersWoken: number;
  readerWakeups: number;
  readerTimeouts: number;
  /** Reads that met an overwriting writer lapping the range they copied (explained). */
  lappedReads: number;
  lagUs: number;
  maxLagUs: number;
  /** Sub-buffers produced and not consumed at the end. */
  ready: number;
}

/** A buffer's own counters at the end of the run, as struct rchan_buf has them. */
export interface BufferCounters {
  /** The CPU that owns it; 0 for the global buffer. */
  cpu: number;
  subbufsProduced: number;
  subbufsConsumed: number;
  bytesConsumed: number;
  /** stats.full_count and stats.big_count (v6.17). */
  fullCount: number;
  bigCount: number;
  /** The relay file's i_size. */
  iSize: number;
}

export const bufferCounters = (b: RchanBuf): BufferCounters => ({
  cpu: b.cpu,
  subbufsProduced: b.field(B_SUBBUFS_PRODUCED),
  subbufsConsumed: b.field(B_SUBBUFS_CONSUMED),
  bytesConsumed: b.field(B_BYTES_CONSUMED),
  fullCount: b.field(B_FULL_COUNT),
  bigCount: b.field(B_BIG_COUNT),
  iSize: b.field(B_I_SIZE),
});

export interface SimReport {
  seconds: number;
  seed: number;
  config: SimConfig;
  /** The whole channel's page-aligned buffers. */
  memoryBytes: number;
  cpus: CpuReport[];
  /** Every buffer's counters, in creation order (one for a global channel). */
  buffers: BufferCounters[];
  total: Omit<CpuReport, 'cpu' | 'lagUs' | 'maxLagUs' | 'ready'> & { maxLagUs: number };
  /** Records lost (dropped, overwritten, skipped, discarded) per record written. */
  lossRate: number;
}

function cpuReports(accounting: CpuAccounting[], stats: SimStats, readyOf: (cpu: number) => number): CpuReport[] {
  return accounting.map((a) => {
    const g = (field: number): number => stats.get(a.cpu, field);
    return {
      ...a,
      bytesWritten: g(P_BYTES),
      bytesRead: g(R_BYTES),
      productions: g(P_PRODUCTIONS),
      wakeups: g(P_WAKEUPS),
      productionsWithoutSleeper: g(P_NO_SLEEPER),
      pollersWoken: g(P_WOKEN),
      readerWakeups: g(R_WOKEN),
      readerTimeouts: g(R_TIMEOUTS),
      lappedReads: g(R_LAPPED_READS),
      lagUs: g(R_LAG_US),
      maxLagUs: g(R_MAX_LAG_US),
      ready: readyOf(a.cpu),
    };
  });
}

/** What a run lost for good: the fates that are neither read intact nor still in the buffers. */
export type LostCounts = Pick<CpuAccounting, 'droppedFull' | 'droppedToobig' | 'overwritten' | 'skipped' | 'discarded'>;

/** Records lost: dropped full + dropped too big + overwritten + skipped + discarded by reset. */
export const lostRecords = (t: LostCounts): number => t.droppedFull + t.droppedToobig + t.overwritten + t.skipped + t.discarded;

/** What a report is made of: any run's channel and counters, not only a Simulation's. */
export interface RunParts {
  config: SimConfig;
  seed: number;
  /** Virtual seconds the run covered. */
  seconds: number;
  chan: Rchan;
  stats: SimStats;
  /** Every CPU's accounting, exact at this moment (a stepped or paused run). */
  accounting: CpuAccounting[];
}

export function simReport(sim: Simulation): SimReport {
  return runReport({ config: sim.config, seed: sim.options.seed, seconds: sim.now, chan: sim.chan, stats: sim.stats, accounting: sim.accounting() });
}

/** The report of a run from its parts: the page's current run (deterministic, or paused). */
export function runReport(run: RunParts): SimReport {
  const c = run.config.channel;
  const cpus = cpuReports(run.accounting, run.stats, (cpu) => run.chan.buf(cpu)?.ready ?? 0);
  const sum = (key: keyof CpuReport): number => cpus.reduce((s, r) => s + (r[key] as number), 0);
  const keys = [
    'written',
    'readIntact',
    'droppedFull',
    'droppedToobig',
    'overwritten',
    'skipped',
    'discarded',
    'inBuffer',
    'unaccounted',
    'torn',
    'missing',
    'duplicates',
    'bytesWritten',
    'bytesRead',
    'productions',
    'wakeups',
    'productionsWithoutSleeper',
    'pollersWoken',
    'readerWakeups',
    'readerTimeouts',
    'lappedReads',
  ] as const;
  const total = Object.fromEntries(keys.map((k) => [k, sum(k)])) as SimReport['total'];
  total.maxLagUs = Math.max(0, ...cpus.map((r) => r.maxLagUs));
  const lost = lostRecords(total);
  return {
    seconds: run.seconds,
    seed: run.seed,
    config: run.config,
    memoryBytes: buffersMemory({ subbufSize: c.subbufSize, nSubbufs: c.nSubbufs, nrCpus: c.cpus, isGlobal: c.global }),
    cpus,
    buffers: run.chan.bufs().map(bufferCounters),
    total,
    lossRate: total.written === 0 ? 0 : lost / total.written,
  };
}
