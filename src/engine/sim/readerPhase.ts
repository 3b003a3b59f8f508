/**
 * What each reader of a run is doing and whether a wakeup is on its way to it, for pictures of
 * the run: allocation-free reads, like pictureBuffer, so that a view never reads a field offset.
 *
 * A reader of the deterministic simulation says exactly what it does (Simulation keeps its
 * phase). A reader in a worker publishes nothing of its own, so its phase is read from the
 * kernel's state of the buffers it reads: on their wait queue (asleep), a deferred wakeup queued
 * (woken), data ready (reading), or none (processing what it read).
 */
import { GLANCE_TRIES, type Rchan } from '../kernel/index.ts';
import type { SimConfig } from './simConfig.ts';
import type { Simulation } from './simulation.ts';
import { bufferCounters, readBufferCounters } from './views.ts';

/** No reader serves this buffer (disabled, or none for it). */
export const READER_OFF = 0;
/** Asleep in poll(2), on the buffers' wait queues. */
export const READER_ASLEEP = 1;
/** A wakeup took it off the wait queue; it has not run yet (`wakeLatency`). */
export const READER_WOKEN = 2;
/** Copying bytes out of the buffer (read(2), or an mmap reader's pass): the instant of the copy. */
export const READER_READING = 3;
/** Processing what it copied (`costPerKiB`), or about to poll again. */
export const READER_PROCESSING = 4;
/** Stopped for `pauseFor` seconds (`pauseEvery`). */
export const READER_PAUSED = 5;

/** The phases' names, by READER_*: the `data-state` of a reader in the stage. */
export const READER_PHASES = ['off', 'asleep', 'woken', 'reading', 'processing', 'paused'] as const;
export type ReaderPhaseName = (typeof READER_PHASES)[number];

/** How many readers a configuration has: one per buffer (per-CPU layout), one for all, or none. */
export function readerCount(config: SimConfig, nBufs: number): number {
  if (!config.reader.enabled) return 0;
  return config.channel.global || config.reader.layout === 'single' ? 1 : nBufs;
}

/** The reader that serves buffer `index` (creation order), or -1. */
export function readerOfBuffer(config: SimConfig, nBufs: number, index: number): number {
  const n = readerCount(config, nBufs);
  if (n === 0) return -1;
  return n === 1 ? 0 : index;
}

/** READER_* of reader `k` of a deterministic simulation. */
export function simReaderPhase(sim: Simulation, k: number): number {
  const slot = sim.readers[k];
  if (slot === undefined) return READER_OFF;
  if (slot.phase === READER_READING && sim.now > slot.readAt) return READER_PROCESSING;
  return slot.phase;
}

const counters = bufferCounters();

/** READER_* of reader `k` of a run whose readers publish nothing: from the kernel's state. */
export function kernelReaderPhase(chan: Rchan, config: SimConfig, k: number): number {
  // (Asked for every reader every frame: the buffers one by one, not chan.bufs()'s new array.)
  const nBufs = chan.nBufs;
  const n = readerCount(config, nBufs);
  if (k >= n) return READER_OFF;
  let asleep = false;
  let woken = false;
  let ready = false;
  for (let i = n === 1 ? 0 : k; i < (n === 1 ? nBufs : k + 1); i++) {
    readBufferCounters(chan.bufAt(i), counters, GLANCE_TRIES);
    if (counters.sleepers > 0) asleep = true;
    if (counters.wakeupPending) woken = true;
    // A counter that could not be read: its writer is switching, so a sub-buffer is being produced.
    if (counters.ready > 0 || !counters.complete) ready = true;
  }
  if (woken) return READER_WOKEN;
  if (asleep) return READER_ASLEEP;
  return ready ? READER_READING : READER_PROCESSING;
}
