/**
 * A run whose records are blktrace's, ended as blktrace ends: its reader threads read what is
 * left, and it reports per CPU what blkparse would count in the files they wrote, and the lines
 * blktrace prints at exit about the channel's dropped records.
 */
import { blktraceExitMessage, type BlktraceCpuSummary, type BlktraceSequence } from './blktrace.ts';
import { lostRecords, simReport, type SimReport } from './report.ts';
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
 * What a run of blktrace records lost, and what blkparse would report reading the files its
 * readers wrote from standard input (`cat DIR/<dev>.blktrace.* | blkparse -i -`): a sweep
 * cell's, an A/B side's. Counted over all CPUs, after the readers read what was left.
 */
export interface BlktraceLoss {
  /**
   * Whose sequence numbers the files carry: the generated workload's `blktraceSequence`, or
   * `capture` (a replayed capture keeps its own numbers, so every record lost between two kept
   * ones leaves a gap, as when the kernel numbers before reserving).
   */
  sequence: BlktraceSequence | 'capture';
  /** Records that never reached the files (dropped, overwritten...): the run's `lost`. */
  lost: number;
  /** Records the channel dropped because the buffer was full: blktrace's dropped count. */
  dropped: number;
  /** What blkparse counts as events in the files (all but the PROCESS and TIMESTAMP notes). */
  events: number;
  /** blkparse's `Skips: seqGaps forward (seqMissing - x%)`. */
  seqGaps: number;
  seqMissing: number;
  /** What blktrace prints at exit (two lines), or null when nothing was dropped. */
  message: string | null;
  /** In words: "this capture at 64 KiB x 2 would have lost N events, blkparse would report G gaps (M missing)". */
  text: string;
  /** Why blkparse sees those gaps, or none, for the files' sequence numbering; null when nothing was lost. */
  why: string | null;
}

/** Sizes as blktrace's `-b` speaks of them: 64 KiB, 1 MiB, 512 B. */
const sizeText = (b: number): string => (b % 2 ** 20 === 0 ? `${b / 2 ** 20} MiB` : b % 1024 === 0 ? `${b / 1024} KiB` : `${b} B`);

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Why blkparse sees the gaps it sees (or none), for the sequence numbering the files carry. */
function whyGaps(l: Omit<BlktraceLoss, 'text' | 'why'>): string | null {
  if (l.lost === 0) return null;
  if (l.sequence === 'after-reserve')
    return "up to v6.17 (after-reserve) a dropped record takes no sequence number, so blkparse says Skips: 0 and only blktrace's dropped count shows the loss";
  if (l.sequence === 'before-reserve')
    return 'the sequence is taken before reserving (before-reserve, the 2025 series), so a record dropped between two kept ones leaves a gap; leading and trailing losses leave none';
  return (
    "the replayed files keep the capture's sequence numbers, so a record dropped between two kept ones leaves a gap, as when the sequence is taken before " +
    'reserving (the 2025 series); up to v6.17 a dropped record takes no number, and there blkparse would say Skips: 0'
  );
}

/**
 * What `sim`'s blktrace readers wrote, counted as blkparse would, and what was lost; null when
 * its records are not blktrace's. Ends the run as blktrace ends (blktraceExit): take any other
 * report of the run before.
 */
export function blktraceLoss(sim: Simulation): BlktraceLoss | null {
  if (sim.blktrace === null) return null;
  blktraceExit(sim);
  const report = blktraceReport(sim, simReport(sim)) as BlktraceReport;
  const sum = (f: (c: BlktraceReport['cpus'][number]) => number): number => report.cpus.reduce((n, c) => n + f(c), 0);
  const loss: Omit<BlktraceLoss, 'text' | 'why'> = {
    sequence: sim.options.workload?.blktrace !== undefined ? 'capture' : sim.config.workload.blktraceSequence,
    lost: lostRecords(report.total),
    dropped: report.total.droppedFull,
    events: sum((c) => c.blktrace.events),
    seqGaps: sum((c) => c.blktrace.seqGaps),
    seqMissing: sum((c) => c.blktrace.seqMissing),
    message: report.blktraceMessage,
  };
  const ch = sim.config.channel;
  const subject = loss.sequence === 'capture' ? 'this capture' : 'this run';
  const text =
    `${subject} at ${sizeText(ch.subbufSize)} x ${ch.nSubbufs} would have lost ${plural(loss.lost, 'event')}, ` +
    `blkparse would report ${plural(loss.seqGaps, 'gap')} (${loss.seqMissing} missing)`;
  return { ...loss, text, why: whyGaps(loss) };
}

/**
 * Why a live run (producer and reader workers) cannot take `config`, or null. Its readers verify
 * relayscope's self-describing records only; blktrace's run in deterministic mode and the CLI.
 */
export function liveRunRefusal(config: SimConfig): string | null {
  if (config.workload.format !== 'blktrace') return null;
  return "workload.format blktrace runs in deterministic mode only: the live run's reader workers verify relayscope's own records, not blktrace's";
}
