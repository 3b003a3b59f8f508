/**
 * The files blktrace's readers would have written for the current run: a deterministic
 * simulation of its settings, seed and workload (generated blktrace records or an imported
 * capture) for `seconds` of virtual time, ended as blktrace ends (the readers read what is left).
 */
import { Simulation, blktraceExit } from '../engine/index.ts';
import type { AppState, AppStore } from './index.ts';

export interface BlktraceFiles {
  device: string;
  files: { name: string; bytes: Uint8Array }[];
}

/** Whether the current settings write blktrace's records (a selector: a boolean). */
export const writesBlktrace = (s: AppState): boolean =>
  s.liveWorkload !== null ? s.liveWorkload.blktrace !== undefined : s.liveConfig.workload.format === 'blktrace';

export function blktraceRunFiles(store: AppStore, seconds: number): BlktraceFiles | null {
  const s = store.getState();
  if (!writesBlktrace(s)) return null;
  const sim = new Simulation(s.liveConfig, { seed: s.liveSeed, workload: s.liveWorkload ?? undefined, blktraceFiles: true });
  sim.runUntil(seconds);
  blktraceExit(sim);
  const sink = sim.blktrace;
  return sink === null ? null : { device: sink.device, files: sink.fileList() };
}
