/**
 * The demo that plays on load, before anyone starts a run: a small deterministic channel (2
 * CPUs x 4 sub-buffers of 512 bytes, a fixed seed) slow enough to follow each record landing,
 * a switch leaving padding, and a reader asleep in poll woken by the production and reading.
 * The reader is slow to wake and to process, so that the wakeup's hop and the reading can be
 * seen; it keeps up, so nothing is dropped. Starting any other run replaces it.
 */
import { parseSimConfig } from '../engine/index.ts';
import type { AppStore } from './index.ts';

export const DEMO_CONFIG = parseSimConfig({
  channel: { cpus: 2, subbufSize: 512, nSubbufs: 4, mode: 'no-overwrite', headerReserve: 16 },
  workload: { rate: 300, arrival: 'poisson', size: 'uniform', sizeMin: 40, sizeMax: 120 },
  reader: { mode: 'read', period: 0.5, jitter: 0, costPerKiB: 60_000, wakeLatency: 15_000, chunk: 65536 },
});
export const DEMO_SEED = 7;
/** Virtual seconds per real second: a record lands about every third of a second on each CPU, a switch every two. */
export const DEMO_SPEED = 0.02;

/** Starts the demo; it plays unless `play` is false (reduced motion: shown paused). */
export function startDemo(store: AppStore, play: boolean): void {
  store.getState().startLive(DEMO_CONFIG, DEMO_SEED, { mode: 'deterministic', demo: true, quiet: true, speed: DEMO_SPEED });
  // A first switch, so that the picture already shows padding and a produced sub-buffer.
  store.getState().stepLive({ kind: 'switch' });
  store.getState().setPlaying(play);
}
