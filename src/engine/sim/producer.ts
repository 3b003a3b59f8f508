/**
 * A CPU's producer: draws arrival times and record sizes from its seeded workload, writes
 * self-describing records with relay_write, __relay_write or relay_reserve, and runs the
 * deferred wakeup after the write returns (as irq_work runs once interrupts are back on).
 * It counts every outcome in the CPU's row of SimStats.
 */
import {
  __relayWrite,
  relayReserve,
  relayWakeupPending,
  wakeupReaders,
  relayWrite,
  type Rchan,
  type RchanBuf,
} from '../kernel/index.ts';
import type { Random } from './random.ts';
import { RecordTemplate, writeRecord } from './record.ts';
import { cpuShare, type WorkloadSettings } from './simConfig.ts';
import type { ReplayStream } from './workloadCsv.ts';
import {
  L_GLOBAL,
  P_BYTES,
  P_DROPPED_FULL,
  P_DROPPED_TOOBIG,
  P_LANDED,
  P_NO_SLEEPER,
  P_PADDING,
  P_PRODUCTIONS,
  P_WAKEUPS,
  P_WOKEN,
  P_WRITTEN,
  STATS_FIELDS,
  spinLock,
  spinUnlock,
  type SimStats,
} from './stats.ts';

/** What one emit did: a bit set. */
export const EMIT_LANDED = 1;
export const EMIT_FULL = 2;
export const EMIT_TOOBIG = 4;
/** The write produced a sub-buffer while a reader slept, and the wakeup ran. */
export const EMIT_WOKE = 8;
/** The CPU is offline or has no buffer, or the channel is closed: nothing was written. */
export const EMIT_OFFLINE = 16;
/**
 * Up to v4.9: the write produced a sub-buffer while a reader slept, and the wakeup timer is
 * armed; whoever keeps time runs the wakeup at the next jiffy.
 */
export const EMIT_TIMER = 32;

/**
 * Records of a format other than relayscope's own: the source decides when its CPU writes and
 * what, and fills each record in place once relay_reserve gave it room.
 */
export interface RecordSource {
  /** Virtual time (s) of the CPU's next record, at or after `now`; Infinity when there is none. */
  nextArrival(now: number): number;
  /** The size of that record; the source moves on to it. */
  nextSize(): number;
  /** Called before relay_reserve for the record. */
  beforeReserve(): void;
  /** Writes the record at `dst[at]` (relay_reserve succeeded). */
  writeAt(dst: Uint8Array, at: number): void;
}

/** The next arrival after `now` of a workload's process at `rate` records per second. */
export function drawArrival(w: WorkloadSettings, rate: number, rng: Random, now: number): number {
  if (rate <= 0) return Infinity;
  if (w.arrival === 'constant') return now + 1 / rate;
  if (w.arrival === 'poisson') return now + rng.exponential(1 / rate);
  // Bursts: Poisson at a rate that keeps the average, only inside the on-windows.
  const cycle = w.burstOn + w.burstOff;
  let t = now + rng.exponential(w.burstOn / (cycle * rate));
  const phase = t % cycle;
  if (phase >= w.burstOn) t += cycle - phase;
  return t;
}

/** Distinct record sizes whose prepared bytes are kept; others are cut from a larger one. */
const TEMPLATE_CACHE = 4096;

/**
 * Prepared records by size, one set for every producer of a thread rather than one per CPU:
 * the payload is the same on every CPU, and a write stamps the header just before it copies.
 */
const templates = new Map<number, RecordTemplate>();
let largest = new RecordTemplate(0);

/** The record's bytes, payload ready; only the header changes per record. */
function templateOf(size: number): RecordTemplate {
  let t = templates.get(size);
  if (t === undefined) {
    if (templates.size < TEMPLATE_CACHE) {
      t = new RecordTemplate(size);
      templates.set(size, t);
    } else {
      if (largest.length < size) largest = new RecordTemplate(size);
      t = largest;
    }
  }
  return t;
}

export class Producer {
  private readonly row: number;
  private readonly rate: number;
  /** The last template used: most workloads write one size, or few, in runs. */
  private last = new RecordTemplate(0);
  private buf: RchanBuf | null = null;
  /** The next record of `replay` (nextSize moves past it). */
  private replayAt = 0;

  constructor(
    private readonly chan: Rchan,
    readonly cpu: number,
    private readonly w: WorkloadSettings,
    private readonly rng: Random,
    private readonly stats: SimStats,
    /** Serialise with other threads' producers (global buffer written from several workers). */
    private readonly locked: boolean,
    /** Leave a queued wakeup to a timer (EMIT_TIMER) instead of running it after the write. */
    private readonly timerWakeups = false,
    /** Imported records to write instead of drawing arrivals and sizes from `w`. */
    private readonly replay: ReplayStream | null = null,
    /** Records of another format (blktrace's), written as their client writes them. */
    private readonly source: RecordSource | null = null,
  ) {
    this.row = cpu * STATS_FIELDS;
    this.rate = w.rate * cpuShare(w, cpu, chan.nrCpus);
  }

  /** Seconds from `now` to this CPU's next record, or Infinity when it writes none. */
  nextArrival(now: number): number {
    if (this.source !== null) return this.source.nextArrival(now);
    if (this.replay !== null) return this.replayAt < this.replay.times.length ? this.replay.times[this.replayAt] : Infinity;
    return drawArrival(this.w, this.rate, this.rng, now);
  }

  /** A record size drawn from the workload. */
  nextSize(): number {
    const w = this.w;
    if (this.source !== null) return this.source.nextSize();
    if (this.replay !== null) return this.replay.sizes[this.replayAt++];
    if (w.size === 'fixed') return w.sizeMin;
    if (w.size === 'uniform') return this.rng.int(w.sizeMin, w.sizeMax);
    return this.rng.float() < w.largeShare ? w.sizeMax : w.sizeMin;
  }

  /** Writes one record of `size` bytes stamped `tsUs`; returns EMIT_* bits. */
  emit(size: number, tsUs: number): number {
    return this.begin() ? this.write(size, tsUs) : EMIT_OFFLINE;
  }

  /**
   * Whether the CPU may write now: it has a buffer, is online, and the channel is open (an
   * offline CPU runs nothing; after relay_close a client must not write, the kernel would
   * write into freed memory). Takes the writer's copies of `offset` and `data` from memory.
   * Those fields and the answer change only with producers paused, so a loop asks once per
   * batch, after it last looked at the pause word, and then calls `write` for each record.
   */
  begin(): boolean {
    const chan = this.chan;
    let buf = this.buf;
    if (buf === null) {
      buf = chan.buf(this.cpu);
      if (buf === null) return false;
      this.buf = buf;
    }
    if (!chan.cpuOnline(this.cpu) || !chan.onList) return false;
    buf.resync();
    return true;
  }

  /** `emit` for a CPU that `begin` found ready, with no pause since: returns EMIT_* bits. */
  write(size: number, tsUs: number): number {
    const buf = this.buf as RchanBuf;
    // This thread's plain copy of the CPU's counts, published by the loop every few ms.
    this.stats.own(this.cpu, P_WRITTEN);
    const f = this.stats.f64;
    const row = this.row;
    const seq = f[row + P_LANDED] >>> 0;
    const ts = tsUs >>> 0;
    f[row + P_WRITTEN] += 1;
    if (this.locked) {
      spinLock(this.stats.locks, L_GLOBAL);
      // Writers on other threads moved offset and data since this one held the lock.
      buf.resync();
    }
    // This view's own count of productions: enough to see whether this write produced.
    const producedBefore = buf.productions;
    // What the sub-buffer holds if this write closes it: the switch adds it to i_size.
    const offsetBefore = buf.wOffset;
    let landed: boolean;
    if (this.source !== null) {
      // blktrace: relay_reserve, then the record is filled in place (sequence and all).
      this.source.beforeReserve();
      const pos = relayReserve(buf, size);
      landed = pos >= 0;
      if (landed) this.source.writeAt(buf.data, pos);
    } else if (this.w.call === 'relay_reserve') {
      const pos = relayReserve(buf, size);
      landed = pos >= 0;
      if (landed) writeRecord(buf.data, pos, this.cpu, size, seq, ts);
    } else {
      let record = this.last;
      if (record.length !== size) {
        record = templateOf(size);
        if (record.length === size) this.last = record;
      }
      record.stamp(this.cpu, size, seq, ts);
      const write = this.w.call === 'relay_write' ? relayWrite : __relayWrite;
      landed = write(buf, record.bytes, size) > 0;
    }
    // A refused switch always leaves the writer stalled; a too-big record (over subbuf_size, or
    // after a header) does not. Kernels before v6.17 keep no big_count to tell them apart.
    const toobig = !landed && (size > buf.subbufSize || buf.wOffset !== buf.subbufSize + 1);
    let out = 0;
    // A write produces at most one sub-buffer (§15.8).
    if (buf.productions !== producedBefore) {
      f[row + P_PRODUCTIONS] += 1;
      // relay_switch_subbuf adds the produced sub-buffer's data bytes to i_size; the rest is padding.
      f[row + P_PADDING] += buf.subbufSize - offsetBefore;
      if (this.timerWakeups && relayWakeupPending(buf)) out |= EMIT_TIMER;
      else if (relayWakeupPending(buf)) {
        f[row + P_WOKEN] += wakeupReaders(buf);
        f[row + P_WAKEUPS] += 1;
        out |= EMIT_WOKE;
      } else f[row + P_NO_SLEEPER] += 1;
    }
    if (this.locked) spinUnlock(this.stats.locks, L_GLOBAL);
    if (landed) {
      f[row + P_LANDED] += 1;
      f[row + P_BYTES] += size;
      return out | EMIT_LANDED;
    }
    if (toobig) {
      f[row + P_DROPPED_TOOBIG] += 1;
      return out | EMIT_TOOBIG;
    }
    f[row + P_DROPPED_FULL] += 1;
    return out | EMIT_FULL;
  }
}
