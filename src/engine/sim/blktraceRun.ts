/**
 * A run whose records are blktrace's, ended as blktrace ends: its reader threads read what is
 * left, and it reports per CPU what blkparse would count in the files they wrote, and the lines
 * blktrace prints at exit about the channel's dropped records.
 */
import { blktraceExitMessage, type BlktraceCpuSummary } from './blktrace.ts';
import type { SimReport } from './report.ts';
import type { SimConfig } from './simConfig.ts';
import type { Simulation } from './simulation.ts';

/** The readers read until nothing is left (blktrace's threads at exit). Producers must be done. */
export function blktraceExit(sim: Simulation): void {
  if (sim.blktrace === null) return;
  for (const slot of sim.readers) while (slot.reader.service(sim.now * 1e6) > 0);
}

export type BlktraceReport = Omit<SimReport, 'cpus'> & {
  cpus: (SimReport['cpus'][number] & { blktrace: BlktraceCpuSummary })[];
  /** What blktrace prints at exit (two lines), or null when nothing was dropped. */
  blktraceMessage: string | null;
};

/** `report` (of `sim`) with blktrace's per-CPU counts and exit message; null when the records are not blktrace's. */
export function blktraceReport(sim: Simulation, report: SimReport): BlktraceReport | null {
  const sink = sim.blktrace;
  if (sink === null) return null;
  const cpus = report.cpus.map((row) => ({ ...row, blktrace: sink.summary(row.cpu) }));
  const dropped = report.cpus.reduce((n, r) => n + r.droppedFull, 0);
  const read = report.cpus.reduce((n, r) => n + r.readIntact, 0);
  return { ...report, cpus, blktraceMessage: blktraceExitMessage(dropped, read) };
}

/**
 * Why a live run (producer and reader workers) cannot take `config`, or null. Its readers verify
 * relayscope's self-describing records only; blktrace's run in deterministic mode and the CLI.
 */
export function liveRunRefusal(config: SimConfig): string | null {
  if (config.workload.format !== 'blktrace') return null;
  return "workload.format blktrace runs in deterministic mode only: the live run's reader workers verify relayscope's own records, not blktrace's";
}
