/** A sweep cell that ran and lost nothing, for tests to vary one field at a time. */
import type { SweepCell } from './sweep.ts';

export const sweepCell = (over: Partial<SweepCell>): SweepCell => ({
  subbufSize: 4096,
  nSubbufs: 4,
  period: 0.1,
  memoryBytes: 32768,
  written: 100,
  lost: 0,
  lossRate: 0,
  lostBy: { droppedFull: 0, droppedToobig: 0, overwritten: 0, skipped: 0, discarded: 0 },
  peakReady: 2,
  peakBacklogBytes: 4096,
  verdict: 'loss-free',
  lossFreeForSeconds: null,
  backlogGrowthBytesPerS: null,
  holdsLastSeconds: null,
  verdictText: 'loss-free',
  drainBytesPerS: 1e6,
  error: null,
  blktrace: null,
  ...over,
});
