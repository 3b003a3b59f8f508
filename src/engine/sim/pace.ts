/**
 * Speeds a run plays at, in virtual seconds per real second, and the one at which a person
 * can follow a configuration's sub-buffer switches by eye.
 */
import type { SimConfig } from './simConfig.ts';

/** The speeds offered, slowest first; Infinity is as fast as the engine goes. */
export const SPEEDS = [0.0001, 0.001, 0.01, 0.1, 1, 10, 100, Infinity] as const;

/** A switch about this often on the busiest buffer, in real seconds, can be followed by eye. */
const SECONDS_PER_SWITCH = 1.5;

/** The mean record size of the configuration's workload, bytes. */
function meanRecordSize(config: SimConfig): number {
  const w = config.workload;
  if (w.size === 'fixed') return w.sizeMin;
  if (w.size === 'bimodal') return w.sizeMin * (1 - w.largeShare) + w.sizeMax * w.largeShare;
  return (w.sizeMin + w.sizeMax) / 2;
}

/**
 * The fastest offered speed (at most real time) at which the busiest buffer switches no more
 * often than every SECONDS_PER_SWITCH real seconds.
 */
export function followableSpeed(config: SimConfig): number {
  const { channel: ch, workload: w } = config;
  const buffers = ch.global ? 1 : ch.cpus;
  // CPU 0 has the largest share: proportional to (1 - skew)^k, normalised.
  let shares = 0;
  for (let k = 0; k < ch.cpus; k++) shares += (1 - w.skew) ** k;
  const busiest = ch.global ? w.rate : w.rate / Math.max(shares, 1e-9);
  const perBuffer = buffers === 1 ? w.rate : busiest;
  const switchesPerSecond = (perBuffer * meanRecordSize(config)) / ch.subbufSize;
  if (!(switchesPerSecond > 0)) return 1;
  const wanted = 1 / (switchesPerSecond * SECONDS_PER_SWITCH);
  let best: number = SPEEDS[0];
  for (const s of SPEEDS) if (s <= Math.min(wanted, 1)) best = s;
  return best;
}

/** A speed as the transport names it. */
export function speedLabel(speed: number): string {
  if (!Number.isFinite(speed)) return 'as fast as possible';
  if (speed === 1) return 'real time (1x)';
  return speed < 1 ? `1/${Math.round(1 / speed).toLocaleString('en-US')}x` : `${speed}x`;
}
