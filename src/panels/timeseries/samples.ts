/**
 * Samples of a run's counters over virtual time, kept in a bounded window, and the series the
 * charts draw from them: rates between samples, levels at each.
 */
import { cpuCounters, readCpuCounters, type Rchan, type SimStats } from '../../engine/index.ts';

/** Samples kept: older ones are dropped. */
export const MAX_SAMPLES = 1200;

export interface Sample {
  /** Virtual seconds. */
  t: number;
  /** Per CPU, cumulative: written, read, lost (dropped and overwritten), wakeups; and ready sub-buffers now. */
  written: Float64Array;
  read: Float64Array;
  lost: Float64Array;
  wakeups: Float64Array;
  ready: Float64Array;
}

export const METRICS = [
  { key: 'written', label: 'throughput', unit: 'records/s', rate: true },
  { key: 'read', label: 'read', unit: 'records/s', rate: true },
  { key: 'lost', label: 'loss', unit: 'records/s', rate: true },
  { key: 'wakeups', label: 'wakeups', unit: 'per s', rate: true },
  { key: 'ready', label: 'occupancy', unit: 'sub-buffers ready', rate: false },
] as const;

export type MetricKey = (typeof METRICS)[number]['key'];

// Reused by every sample: a CPU's counters as they are read.
const counters = cpuCounters();

export function takeSample(t: number, stats: SimStats, chan: Rchan): Sample {
  const cpus = stats.cpus;
  const s: Sample = {
    t,
    written: new Float64Array(cpus),
    read: new Float64Array(cpus),
    lost: new Float64Array(cpus),
    wakeups: new Float64Array(cpus),
    ready: new Float64Array(cpus),
  };
  for (let c = 0; c < cpus; c++) {
    const n = readCpuCounters(stats, c, counters);
    s.written[c] = n.written;
    s.read[c] = n.readIntact;
    s.lost[c] = n.droppedFull + n.droppedToobig + n.overwritten;
    s.wakeups[c] = n.wakeups;
    // A global buffer is every CPU's: it counts once, on CPU 0.
    const buf = chan.isGlobal && c > 0 ? null : chan.buf(c);
    s.ready[c] = buf === null ? 0 : Math.max(0, buf.ready);
  }
  return s;
}

/** `cpu` < 0 means every CPU summed. */
function value(s: Sample, key: MetricKey, cpu: number): number {
  const arr = s[key];
  if (cpu >= 0) return arr[cpu];
  let sum = 0;
  for (let c = 0; c < arr.length; c++) sum += arr[c];
  return sum;
}

/** The points of a metric: rates between consecutive samples, or levels at each. */
export function series(samples: readonly Sample[], key: MetricKey, rate: boolean, cpu: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = rate ? 1 : 0; i < samples.length; i++) {
    const s = samples[i];
    if (!rate) {
      out.push([s.t, value(s, key, cpu)]);
      continue;
    }
    const prev = samples[i - 1];
    const dt = s.t - prev.t;
    if (dt > 0) out.push([s.t, (value(s, key, cpu) - value(prev, key, cpu)) / dt]);
  }
  return out;
}
