/**
 * How much work a run asks for, known before it starts: the events a Simulation will run
 * (about one per record written, one per reader poll, and a wakeup and a read per sub-buffer
 * filled), so that a command can
 * refuse a run that would take hours, and show progress for one that takes seconds.
 * An estimate, not a bound: wakeups between polls and pauses add a few events more.
 */
import { meanRecordSize, recordsPerArrival } from './capacity.ts';
import type { ImportedWorkload } from './workloadCsv.ts';
import type { SimConfig } from './simConfig.ts';

/** Events a run may take unless the caller raises the bound: about a minute of one core. */
export const MAX_RUN_EVENTS = 100_000_000;

/** Records the workload writes in `seconds` of virtual time. */
export function estimateRecords(config: SimConfig, seconds: number, workload?: ImportedWorkload): number {
  if (workload !== undefined) {
    const n = workload.timesNs.length;
    return workload.duration <= 0 ? n : n * Math.min(1, seconds / workload.duration);
  }
  // Bursts keep the average rate (README: workload.arrival).
  return config.workload.rate * recordsPerArrival(config.workload) * seconds;
}

/** Mean size of a generated record, in bytes. */
function meanSize(config: SimConfig, workload?: ImportedWorkload): number {
  if (workload !== undefined) return workload.maxSize;
  return meanRecordSize(config.workload);
}

/** Sub-buffer switches in `seconds`: each may wake a reader, which then reads (two events). */
function estimateSwitches(config: SimConfig, seconds: number, workload?: ImportedWorkload): number {
  if (!config.reader.enabled) return 0;
  return (2 * estimateRecords(config, seconds, workload) * meanSize(config, workload)) / config.channel.subbufSize;
}

/** Reader polls in `seconds`: one per reader per poll period. */
export function estimatePolls(config: SimConfig, seconds: number, period = config.reader.period): number {
  const r = config.reader;
  if (!r.enabled) return 0;
  const readers = r.layout === 'single' || config.channel.global ? 1 : config.channel.cpus;
  return (readers * seconds) / period;
}

/** The events of one run of `seconds`. */
export const estimateRunEvents = (config: SimConfig, seconds: number, workload?: ImportedWorkload): number =>
  Math.ceil(estimateRecords(config, seconds, workload) + estimatePolls(config, seconds) + estimateSwitches(config, seconds, workload));

/** The events of a sweep: every cell runs the same workload; the period axis changes the polls. */
export function estimateSweepEvents(
  config: SimConfig,
  seconds: number,
  cellsPerPeriod: number,
  periods: readonly number[],
  workload?: ImportedWorkload,
): number {
  // The switches differ from cell to cell; the configuration's own stand for them.
  const records = estimateRecords(config, seconds, workload) + estimateSwitches(config, seconds, workload);
  let total = 0;
  for (const p of periods) total += cellsPerPeriod * (records + estimatePolls(config, seconds, p) + CELL_EVENTS);
  return Math.ceil(total);
}

/** What opening and closing one sweep cell costs, counted in events. */
const CELL_EVENTS = 1000;
