/**
 * The capacity model: can the reader keep up with the writers at all, and if it can, how much
 * backlog must the buffers absorb? Computed from the configuration (or, for a replayed
 * workload, from its measured records), in closed form, and checked against simulated runs in
 * capacity.test.ts. README "The capacity model" states the assumptions.
 *
 * Per buffer (one per CPU, or the one global buffer):
 * - produce: the producers' mean byte rate; peakProduce: their rate inside a burst.
 * - drain: what the reader can read per second: a pass reads up to passBytes and then costs
 *   costPerKiB per KiB read (at least the scheduler's 1 µs), less the share of time it
 *   pauses. The poll period, jitter and wake latency do not limit it (a reader asleep is
 *   woken at every sub-buffer switch); they add backlog. One reader for all buffers shares
 *   its drain among them in proportion to what each produces.
 * - When produce >= drain on some buffer the reader is the bottleneck: the backlog grows
 *   without bound and no buffer size is loss-free in steady state.
 * - Otherwise the peak backlog is the sum of four terms: the burst excess (peak - drain) x
 *   burstOn; a pause, what is written while it lasts (mean x pauseFor; with bursts, peak x
 *   the burst time it covers); the wake latency, peak x wakeLatency; and the switch
 *   granularity, one sub-buffer (or less, when the poll timeout comes first).
 */
import { BLK_IO_TRACE_SIZE } from './blktrace.ts';
import { BLKTRACE_EVENTS_PER_IO } from './blktraceGen.ts';
import { readerOptions } from './reader.ts';
import { cpuShare, type SimConfig, type WorkloadSettings } from './simConfig.ts';
import type { ImportedWorkload } from './workloadCsv.ts';

export interface CapacityTerms {
  /** (peak - drain) x burstOn, or for a replay the fluid backlog its measured records build. */
  burst: number;
  /** What arrives while the reader pauses: mean x pauseFor (bursts: peak x the burst time a pause covers). */
  pause: number;
  /** What arrives between a wakeup and the reader running: peak x wakeLatency. */
  wake: number;
  /** What a sub-buffer holds before its switch wakes the reader (or the poll timeout comes). */
  subbuf: number;
}
export type CapacityTerm = keyof CapacityTerms;

export interface BufferCapacity {
  /** The buffer's CPU (0 for the global buffer). */
  cpu: number;
  /** Mean bytes per second its producers write. */
  produceBytesPerS: number;
  /** Bytes per second inside a burst (the mean for steady arrivals). */
  peakProduceBytesPerS: number;
  /** Bytes per second the reader can take from it; null when unbounded or when nothing reads. */
  drainBytesPerS: number | null;
  /** The closed-form peak backlog; null when the backlog grows without bound. */
  peakBacklogBytes: number | null;
  terms: CapacityTerms | null;
  /** The largest term. */
  dominant: CapacityTerm | null;
}

export type Bottleneck = 'reader' | 'buffer' | null;

export interface Capacity {
  cpus: BufferCapacity[];
  total: { produceBytesPerS: number; drainBytesPerS: number | null; peakBacklogBytes: number | null };
  /**
   * reader: mean production reaches the drain capacity (or nothing reads a no-overwrite
   * channel); buffer: the reader keeps up and the buffers must absorb the peaks; null: nothing
   * to size (no records, or overwrite with no reader, which keeps the newest by design).
   */
  bottleneck: Bottleneck;
  /** The rates come from a replayed workload's records, not from the configuration. */
  measured: boolean;
  /** What the reader would need to keep up (reader bottleneck with a reader), else null. */
  need: { drainBytesPerS: number; costPerKiB: number | null } | null;
  /** The analysis in plain words: what can and cannot be concluded. */
  statement: string;
}

/** The simulator's shortest reader step (simulation.ts): a pass never takes less. */
const MIN_PASS_S = 1e-6;

/**
 * Records one arrival writes: with workload.format blktrace an arrival is a block I/O, which
 * writes its queue, get-request, issue and complete events (blktraceGen.ts), each a 48-byte
 * blk_io_trace with no payload; otherwise an arrival is one record.
 */
export const recordsPerArrival = (w: WorkloadSettings): number => (w.format === 'blktrace' ? BLKTRACE_EVENTS_PER_IO : 1);

/** Mean record size of a generated workload, bytes. */
export function meanRecordSize(w: WorkloadSettings): number {
  if (w.format === 'blktrace') return BLK_IO_TRACE_SIZE;
  if (w.size === 'fixed') return w.sizeMin;
  if (w.size === 'uniform') return (w.sizeMin + w.sizeMax) / 2;
  return w.sizeMin * (1 - w.largeShare) + w.sizeMax * w.largeShare;
}

/** Peak over mean: bursts write the whole cycle's records while they are on. */
const burstFactor = (w: WorkloadSettings): number => (w.arrival === 'bursts' ? (w.burstOn + w.burstOff) / w.burstOn : 1);

/** Bytes per second one reader takes when it never waits for data; null without a cost. */
export function readerDrain(config: SimConfig): number | null {
  const r = config.reader;
  if (!r.enabled || r.costPerKiB === 0) return null;
  const passBytes = readerOptions(config).passBytes;
  const passSeconds = Math.max((passBytes / 1024) * r.costPerKiB * 1e-6, MIN_PASS_S);
  const available = r.pauseEvery > 0 ? 1 - r.pauseFor / r.pauseEvery : 1;
  return (passBytes / passSeconds) * available;
}

/** The buffers' CPUs: one per CPU, or 0 for a global channel. */
const bufferCpus = (config: SimConfig): number[] => (config.channel.global ? [0] : Array.from({ length: config.channel.cpus }, (_, c) => c));

interface Rates {
  mean: number;
  peak: number;
  /** For a replay: the fluid backlog its records build against `drain` (null: unbounded drain). */
  fluid?: (drain: number | null) => number;
}

/** Per buffer rates of the configuration's generated workload. */
function generatedRates(config: SimConfig): Rates[] {
  const w = config.workload;
  const bytes = w.rate * recordsPerArrival(w) * meanRecordSize(w);
  return bufferCpus(config).map((cpu) => {
    const mean = config.channel.global ? bytes : bytes * cpuShare(w, cpu, config.channel.cpus);
    return { mean, peak: mean * burstFactor(w) };
  });
}

/**
 * Per buffer rates measured from a replayed workload: mean over its duration, and the
 * fluid queue its records build against a drain (the exact burst term for that drain).
 * Any importer that yields an ImportedWorkload (CSV, a blktrace capture) is measured so.
 */
function measuredRates(config: SimConfig, w: ImportedWorkload): Rates[] {
  const cpus = bufferCpus(config);
  const duration = Math.max(w.duration, 1e-9);
  const of = (k: number): number => (config.channel.global ? 0 : w.cpus[k]);
  return cpus.map((cpu) => {
    let bytes = 0;
    for (let k = 0; k < w.sizes.length; k++) if (of(k) === cpu) bytes += w.sizes[k];
    const mean = bytes / duration;
    const fluid = (drain: number | null): number => {
      if (drain === null) return 0;
      let backlog = 0;
      let peak = 0;
      let last = 0;
      for (let k = 0; k < w.sizes.length; k++) {
        if (of(k) !== cpu) continue;
        const t = w.timesNs[k] * 1e-9;
        backlog = Math.max(0, backlog - (t - last) * drain) + w.sizes[k];
        last = t;
        if (backlog > peak) peak = backlog;
      }
      return peak;
    };
    // The peak rate: the densest 1 ms of the capture.
    return { mean, peak: Math.max(mean, densest(w, (k) => of(k) === cpu, 1e-3)), fluid };
  });
}

/** Bytes per second in the busiest span of `span` seconds among the records `mine` picks. */
function densest(w: ImportedWorkload, mine: (k: number) => boolean, span: number): number {
  let best = 0;
  let sum = 0;
  let from = 0;
  for (let k = 0; k < w.sizes.length; k++) {
    if (!mine(k)) continue;
    sum += w.sizes[k];
    while (w.timesNs[k] - w.timesNs[from] > span * 1e9) {
      if (mine(from)) sum -= w.sizes[from];
      from += 1;
    }
    if (sum > best) best = sum;
  }
  return best / span;
}

/** Pauses the estimate looks at for the worst overlap with bursts: those of the longest sweep. */
const PAUSE_HORIZON_S = 60;
const MAX_PAUSES = 10_000;

/**
 * The most bytes written while the reader pauses: the mean rate x pauseFor for steady
 * arrivals; for bursts, the peak rate x the most burst time one pause covers. Both start at
 * time 0 (bursts at k x cycle, pauses end at k x pauseEvery, as the simulation has them), so
 * the overlap is computed for each pause of the first PAUSE_HORIZON_S seconds.
 */
function pauseBytes(config: SimConfig, rates: Rates): number {
  const { workload: w, reader: r } = config;
  if (rates.fluid !== undefined || w.arrival !== 'bursts') return rates.mean * r.pauseFor;
  const cycle = w.burstOn + w.burstOff;
  // Burst time in [0, t); the cycle count is rounded so that t = k x cycle gives k cycles and no more.
  const onBetween = (t: number): number => {
    const n = Math.floor(t / cycle + 1e-9);
    return n * w.burstOn + Math.min(Math.max(0, t - n * cycle), w.burstOn);
  };
  const pauses = Math.min(MAX_PAUSES, Math.max(1, Math.floor(PAUSE_HORIZON_S / r.pauseEvery)));
  let most = 0;
  for (let k = 1; k <= pauses; k++) {
    const end = k * r.pauseEvery;
    most = Math.max(most, onBetween(end) - onBetween(end - r.pauseFor));
  }
  return rates.peak * most;
}

const terms = (config: SimConfig, rates: Rates, drain: number | null): CapacityTerms => {
  const { workload: w, reader: r, channel: ch } = config;
  const burst = rates.fluid !== undefined ? rates.fluid(drain) : w.arrival === 'bursts' ? Math.max(0, rates.peak - (drain ?? Infinity)) * w.burstOn : 0;
  return {
    burst,
    pause: r.pauseEvery > 0 ? pauseBytes(config, rates) : 0,
    wake: rates.peak * r.wakeLatency * 1e-6,
    subbuf: Math.min(ch.subbufSize, rates.peak * r.period * (1 + r.jitter)),
  };
};

const dominantOf = (t: CapacityTerms): CapacityTerm =>
  (Object.keys(t) as CapacityTerm[]).reduce((best, k) => (t[k] > t[best] ? k : best), 'burst' as CapacityTerm);

const TERM_WORDS: Record<CapacityTerm, string> = {
  burst: 'the burst excess',
  pause: "the reader's pauses",
  wake: 'the wake latency',
  subbuf: 'one sub-buffer of switch granularity',
};

/** A rate for people: MB/s with enough digits. */
export const mbps = (bytesPerS: number): string => `${+(bytesPerS / 1e6).toPrecision(bytesPerS >= 1e6 ? 3 : 2)} MB/s`;
const kib = (bytes: number): string => `${+(bytes / 1024).toPrecision(3)} KiB`;

/** The capacity analysis of `config`, with the measured rates of `workload` when it replays one. */
export function capacityOf(config: SimConfig, workload?: ImportedWorkload): Capacity {
  const measured = workload !== undefined;
  const rates = measured ? measuredRates(config, workload) : generatedRates(config);
  const r = config.reader;
  const readers = r.layout === 'single' || config.channel.global ? 1 : rates.length;
  const oneDrain = readerDrain(config);
  const produce = rates.reduce((s, x) => s + x.mean, 0);
  // One reader for every buffer gives each the share of its drain that its production takes.
  const drainOf = (x: Rates): number | null =>
    oneDrain === null ? null : readers === 1 && rates.length > 1 ? (produce > 0 ? oneDrain * (x.mean / produce) : oneDrain / rates.length) : oneDrain;
  const overwrite = config.channel.mode === 'overwrite';

  const reading = r.enabled;
  const starved = reading && oneDrain !== null && (readers === 1 ? produce >= oneDrain * (1 - 1e-9) && produce > 0 : rates.some((x) => x.mean > 0 && x.mean >= oneDrain * (1 - 1e-9)));
  const bottleneck: Bottleneck = produce === 0 || (!reading && overwrite) ? null : !reading || starved ? 'reader' : 'buffer';

  const cpus: BufferCapacity[] = rates.map((x, i) => {
    const drain = drainOf(x);
    const base = { cpu: bufferCpus(config)[i], produceBytesPerS: x.mean, peakProduceBytesPerS: x.peak, drainBytesPerS: reading ? drain : null };
    if (bottleneck !== 'buffer') return { ...base, peakBacklogBytes: null, terms: null, dominant: null };
    const t = terms(config, x, drain);
    return { ...base, peakBacklogBytes: t.burst + t.pause + t.wake + t.subbuf, terms: t, dominant: dominantOf(t) };
  });
  const sumOrNull = (values: (number | null)[]): number | null => (values.some((v) => v === null) ? null : values.reduce<number>((s, v) => s + (v ?? 0), 0));
  const totalDrain = !reading ? null : readers === 1 ? oneDrain : sumOrNull(cpus.map((c) => c.drainBytesPerS));
  const total = { produceBytesPerS: produce, drainBytesPerS: totalDrain, peakBacklogBytes: bottleneck === 'buffer' ? sumOrNull(cpus.map((c) => c.peakBacklogBytes)) : null };

  // The busiest buffer speaks for the channel.
  const busiest = cpus.reduce((a, b) => (b.produceBytesPerS > a.produceBytesPerS ? b : a), cpus[0]);
  const need =
    bottleneck === 'reader' && reading
      ? {
          drainBytesPerS: readers === 1 ? produce : busiest.produceBytesPerS,
          // The cost per KiB at which the reader, pauses and all, drains that much.
          costPerKiB: oneDrain === null ? null : (r.costPerKiB * (oneDrain / (readers === 1 ? produce : busiest.produceBytesPerS))),
        }
      : null;
  const capacity: Capacity = { cpus, total, bottleneck, measured, need, statement: '' };
  const shared = reading && readers === 1 && rates.length > 1 ? { produce, drain: oneDrain } : null;
  const perCpu = config.channel.global ? 'in all' : shared !== null ? 'in all (one reader for every buffer)' : 'per CPU';
  capacity.statement = statementOf(config, capacity, busiest, shared, perCpu);
  return capacity;
}

function statementOf(
  config: SimConfig,
  c: Capacity,
  busiest: BufferCapacity,
  shared: { produce: number; drain: number | null } | null,
  perCpu: string,
): string {
  const source = c.measured ? 'the replayed records' : 'the writers';
  const produce = shared?.produce ?? busiest.produceBytesPerS;
  if (produce === 0)
    return (
      `${source} write nothing (a rate of 0): every size loses nothing, so the sweep cannot tell what size the channel needs, ` +
      `nor whether the reader keeps up; give the workload a rate`
    );
  if (!config.reader.enabled) {
    if (config.channel.mode === 'overwrite')
      return (
        `no reader drains the channel: an overwrite channel keeps only the newest data, so the size decides how much history ` +
        `it holds (the writers produce ${mbps(produce)} ${perCpu}); no reader capacity can be concluded`
      );
    return (
      `no reader drains the channel: a no-overwrite channel fills and then drops every record, whatever its size ` +
      `(the writers produce ${mbps(produce)} ${perCpu}); no reader capacity can be concluded; enable the reader`
    );
  }
  const drain = shared?.drain ?? busiest.drainBytesPerS;
  if (drain === null)
    return (
      `the reader has no cost per KiB, so the model sets no limit to its drain; the buffers absorb the peaks ` +
      `(estimated peak backlog ${kib(busiest.peakBacklogBytes ?? 0)} on the busiest buffer${dominantWords(busiest)})`
    );
  const rates = `the reader drains ${mbps(drain)} ${perCpu}, ${source} produce ${mbps(produce)}`;
  if (c.bottleneck === 'reader') {
    const need = c.need;
    // A reader that drains exactly what is produced keeps up on no average: it needs more.
    const [at, atMost] = produce > drain ? ['at least', 'of at most'] : ['more than', 'below'];
    const delay = produce > drain ? `(by about ${+((1048576 / (produce - drain)).toPrecision(2))} s per MiB)` : '(the backlog wanders without bound)';
    return (
      `${rates}: larger buffers only delay the loss ${delay}; make the reader faster` +
      (need === null ? '' : ` (drain ${at} ${mbps(need.drainBytesPerS)}${need.costPerKiB === null ? '' : `, a cost ${atMost} ${+need.costPerKiB.toPrecision(3)} µs/KiB`})`) +
      ` or reduce the rate`
    );
  }
  return (
    `${rates}: the reader keeps up on average, and the buffers must absorb the peaks: ` +
    `estimated peak backlog ${kib(busiest.peakBacklogBytes ?? 0)} on the busiest buffer${dominantWords(busiest)}`
  );
}

const dominantWords = (b: BufferCapacity): string => (b.dominant === null ? '' : `, mostly ${TERM_WORDS[b.dominant]}`);

export const termWords = (t: CapacityTerm): string => TERM_WORDS[t];
