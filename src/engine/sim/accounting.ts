/**
 * Every record accounted for. Producers count what they wrote, landed and dropped; readers
 * count what they read, and the gaps they saw. What is still in the buffers is measured, not
 * derived: a copy of the channel's memory is drained with read(2) from each reader's place,
 * while producers are stopped. Then, per CPU,
 *
 *   written = read intact + dropped full + dropped too big + overwritten + skipped
 *             + discarded by relay_reset + still in the buffer
 *
 * and anything else (unexplained gaps, failed checks) is an anomaly, shown, never hidden.
 */
import { Rchan } from '../kernel/index.ts';
import { Reader, type ReaderOptions } from './reader.ts';
import {
  C_DISCARDED,
  I_IN_BUFFER,
  I_MISSING,
  I_OVERWRITTEN,
  I_TORN,
  P_DROPPED_FULL,
  P_DROPPED_TOOBIG,
  P_LANDED,
  P_WRITTEN,
  R_DUPLICATE,
  R_INTACT,
  R_MISSING,
  R_NEXT_SEQ,
  R_OVERWRITTEN,
  R_SKIPPED,
  R_TORN,
  SimStats,
} from './stats.ts';

/** Where each record a CPU wrote went. `unaccounted` must be 0. */
export interface CpuAccounting {
  cpu: number;
  written: number;
  readIntact: number;
  droppedFull: number;
  droppedToobig: number;
  overwritten: number;
  skipped: number;
  discarded: number;
  inBuffer: number;
  unaccounted: number;
  /** Anomalies, counted apart: failed checks nothing explains, unexplained gaps, repeats. */
  torn: number;
  missing: number;
  duplicates: number;
}

/** CPUs whose records a reader of these buffers sees: every CPU's for the global buffer. */
export function readerCpus(chan: Rchan, reader: Reader | null): number[] {
  if (reader === null || chan.isGlobal) return Array.from({ length: chan.nrCpus }, (_, i) => i);
  return reader.streams.map((s) => s.buf.cpu);
}

/**
 * Drains a copy of the channel from where `reader` stands (from the start of every buffer
 * when there is no reader) and writes the inventory of its CPUs into `stats` (I_* fields).
 * Producers must be stopped; the live channel is not touched.
 */
export function takeInventory(
  chan: Rchan,
  stats: SimStats,
  reader: Reader | null,
  options: ReaderOptions,
  nowUs: number,
): void {
  const copy = new ArrayBuffer(chan.memory.byteLength);
  new Uint8Array(copy).set(new Uint8Array(chan.memory));
  const twin = Rchan.attachExisting(copy, chan.cb, chan.baseFilename);
  const scratch = SimStats.create(stats.cpus, (n) => new ArrayBuffer(n));
  const cpus = readerCpus(chan, reader);
  for (const cpu of cpus) {
    scratch.set(cpu, R_NEXT_SEQ, stats.get(cpu, R_NEXT_SEQ));
    // The drain resolves sequence numbers against the writer's count (reader.ts, sequenceNumber).
    scratch.set(cpu, P_LANDED, stats.get(cpu, P_LANDED));
  }
  const drainOptions: ReaderOptions = { ...options, mode: 'read', verify: 'full' };
  const drain = reader !== null ? reader.cloneOnto(twin, scratch, drainOptions) : new Reader(twin, twin.bufs(), scratch, drainOptions);
  for (let idle = 0; idle < chan.nSubbufs + 2; ) idle = drain.service(nowUs) > 0 ? 0 : idle + 1;
  const lapped = options.relayMode === 'overwrite';
  for (const cpu of cpus) {
    // Records that landed after the newest one found are gone: no later record shows the gap.
    // Both counts are exact (64-bit), so the tail is too, however long the run.
    const tail = stats.get(cpu, P_LANDED) - scratch.get(cpu, R_NEXT_SEQ);
    stats.set(cpu, I_IN_BUFFER, scratch.get(cpu, R_INTACT));
    stats.set(cpu, I_OVERWRITTEN, scratch.get(cpu, R_OVERWRITTEN) + (lapped ? tail : 0));
    stats.set(cpu, I_MISSING, scratch.get(cpu, R_MISSING) + (lapped ? 0 : tail));
    stats.set(cpu, I_TORN, scratch.get(cpu, R_TORN));
  }
}

/**
 * relay_reset's share of the accounting, before the reset: what the inventory found in the
 * buffers is discarded, what it found gone is lost, and readers go on after the last record
 * that landed.
 */
export function discardInventory(stats: SimStats): void {
  for (let cpu = 0; cpu < stats.cpus; cpu++) {
    stats.add(cpu, C_DISCARDED, stats.get(cpu, I_IN_BUFFER));
    stats.add(cpu, R_OVERWRITTEN, stats.get(cpu, I_OVERWRITTEN));
    stats.add(cpu, R_MISSING, stats.get(cpu, I_MISSING));
    stats.add(cpu, R_TORN, stats.get(cpu, I_TORN));
    for (const f of [I_IN_BUFFER, I_OVERWRITTEN, I_MISSING, I_TORN]) stats.set(cpu, f, 0);
    stats.set(cpu, R_NEXT_SEQ, stats.get(cpu, P_LANDED));
  }
}

/** The identity for every CPU, from the counters and the last inventory. */
export function accounting(stats: SimStats): CpuAccounting[] {
  return Array.from({ length: stats.cpus }, (_, cpu) => {
    const g = (field: number): number => stats.get(cpu, field);
    const a = {
      cpu,
      written: g(P_WRITTEN),
      readIntact: g(R_INTACT),
      droppedFull: g(P_DROPPED_FULL),
      droppedToobig: g(P_DROPPED_TOOBIG),
      overwritten: g(R_OVERWRITTEN) + g(I_OVERWRITTEN),
      skipped: g(R_SKIPPED),
      discarded: g(C_DISCARDED),
      inBuffer: g(I_IN_BUFFER),
      torn: g(R_TORN) + g(I_TORN),
      missing: g(R_MISSING) + g(I_MISSING),
      duplicates: g(R_DUPLICATE),
    };
    const sum = a.readIntact + a.droppedFull + a.droppedToobig + a.overwritten + a.skipped + a.discarded + a.inBuffer;
    // Unexplained gaps (missing) are no fate, so they show here too.
    return { ...a, unaccounted: a.written - sum };
  });
}
