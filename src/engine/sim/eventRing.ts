/**
 * Relay events as they happen, in shared memory: one ring per thread that runs relay code
 * (the coordinator, each producer worker, each reader worker), written by that thread alone
 * and read by the page, which merges them into the event log (eventLog.ts).
 *
 * Layout of one ring, inside one buffer that holds them all:
 *   Int32 HEAD            slots written since the start (wraps at 2^32; compared modulo)
 *   Int32 count[cap]      records a burst slot stands for (drops coalesce, see below)
 *   Float64 slot[cap][F]  t_us, kind, cpu, a, b, c, d
 *
 * Ordering: the writer fills a slot, then publishes it with Atomics.store of HEAD; the page
 * loads HEAD with Atomics.load and only then reads slots below it. A page that falls more
 * than `cap` slots behind has lost the oldest ones; it re-reads HEAD after copying and
 * discards whatever the writer may have reused meanwhile. Nothing here ever blocks a writer.
 *
 * Drops coalesce: a stalled writer drops every record until a reader consumes, millions a
 * second, so consecutive drops on one CPU add to the count of one slot (Atomics.add) rather
 * than taking a slot each. That count is the only thing that changes after publication. It
 * never wraps: a burst slot counts up to BURST_MAX (2^31 - 1, about 14 minutes of a stalled
 * CPU at the rates the page runs), and the next drop opens a new slot, so every count the log
 * shows is exact and their sum is the burst's.
 *
 * The slot's Float64 fields are data, like a record's bytes: published by the release store of
 * HEAD and read only after an acquire load of it; a reader that fell a ring behind may copy a
 * slot the writer is reusing, and the second load of HEAD tells it to discard that copy.
 */
import { NR_CPUS, type ConsumeCause, type RelayEvent, type RelayTracer } from '../kernel/index.ts';

/** What a slot records. Kernel events, plus the hotplug steps the harness performs. */
export const EV = {
  /** relay_open_buf, at relay_open or when a CPU comes up (relay_prepare_cpu). */
  bufCreate: 0,
  /** a: sub-buffer produced (-1: none, the writer was stalled or starting); b: its padding; c: the sub-buffer the start step was about; d: SWITCH_* outcome. */
  switch: 1,
  /** count: records dropped because the buffer was full. */
  dropFull: 2,
  /** a: the record's length; b: 1 if it only failed to fit after the header. count as above. */
  dropToobig: 3,
  wakeupQueued: 4,
  /** a: sleepers woken. */
  wakeup: 5,
  /** a: subbufs_consumed before; b: after; c: CONSUMED_* cause. */
  consumed: 6,
  flush: 7,
  reset: 8,
  close: 9,
  /** a: 1 when bring-up created a buffer. */
  cpuOnline: 10,
  cpuOffline: 11,
  /** relay_file_open: a: the buffer's kref after. */
  fileOpen: 12,
  /** relay_file_release: a: the buffer's kref after. */
  fileRelease: 13,
  /** The buffer's last reference went: a: the channel's kref after. */
  bufFree: 14,
  /** The channel's last reference went. */
  chanFree: 15,
  /** relay_buf_fault: a: page; b: the mapping. */
  fault: 16,
  /** Up to v6.16, relay_close's warning: a: last_toobig; b: subbuf_size. */
  toobigWarning: 17,
} as const;
export type EventCode = (typeof EV)[keyof typeof EV];

export const SWITCH_ACCEPTED = 0;
export const SWITCH_REFUSED = 1;
/** The callback accepted a sub-buffer still holding unconsumed data: the flight recorder overwrites. */
export const SWITCH_OVERWROTE = 2;
/** The start step at relay_open or relay_reset (no previous sub-buffer). */
export const SWITCH_FIRST = 3;

export const CONSUMED_CAUSES: readonly ConsumeCause[] = ['read', 'subbufs_consumed', 'lapped'];

const F_T = 0;
const F_KIND = 1;
const F_CPU = 2;
const F_A = 3;
const F_B = 4;
const F_C = 5;
const F_D = 6;
const FIELDS = 7;
const HEAD = 0;

/** Slots per ring: a few frames of events at the busiest rates the page runs. A power of two, so slot = seq % cap survives the wrap of seq at 2^32. */
export const RING_SLOTS = 2048;

/** The largest count of one burst slot; one more drop opens the next slot. */
export const BURST_MAX = 0x7fffffff;

const ringBytes = (cap: number): number => 8 + cap * 4 + cap * FIELDS * 8;

/** Bytes of a buffer that holds `rings` rings. */
export const eventRingsByteLength = (rings: number, cap = RING_SLOTS): number => rings * ringBytes(cap);

/** One published slot, as the page copies it. */
export interface EventSlot {
  /** The ring it came from (which thread), and its place in that ring's sequence. */
  ring: number;
  seq: number;
  tUs: number;
  kind: EventCode;
  cpu: number;
  a: number;
  b: number;
  c: number;
  d: number;
  count: number;
}

class RingViews {
  readonly words: Int32Array;
  readonly counts: Int32Array;
  readonly f64: Float64Array;

  constructor(
    memory: ArrayBufferLike,
    index: number,
    readonly cap: number,
  ) {
    const base = index * ringBytes(cap);
    this.words = new Int32Array(memory, base, 2);
    this.counts = new Int32Array(memory, base + 8, cap);
    this.f64 = new Float64Array(memory, base + 8 + cap * 4, cap * FIELDS);
  }
}

/**
 * The writing end: a RelayTracer for this thread's channel view. `clock` gives virtual time
 * in microseconds; it is called once per slot, never for a drop that coalesces.
 */
export class EventRingWriter {
  private readonly v: RingViews;
  private head = 0;
  /** A produce waits for its start step, so the switch is one slot with its outcome. */
  private pending: { subbuf: number; padding: number; wakeup: boolean } | null = null;
  /**
   * Per CPU: the seq of its last slot, and of its last drop slot of each kind (-1: none). Arrays,
   * not maps: a stalled writer comes through here for every record it drops.
   */
  private readonly lastSeq = new Float64Array(NR_CPUS).fill(-1);
  private readonly burstSeq = new Float64Array(NR_CPUS * 2).fill(-1);

  constructor(
    memory: ArrayBufferLike,
    index: number,
    private readonly clock: () => number,
    cap = RING_SLOTS,
  ) {
    this.v = new RingViews(memory, index, cap);
    this.head = Atomics.load(this.v.words, HEAD) >>> 0;
  }

  readonly tracer: RelayTracer = (e: RelayEvent): void => {
    const cpu = e.buf.cpu;
    switch (e.kind) {
      case 'buf_create':
        return this.put(EV.bufCreate, cpu, 0);
      case 'produce':
        this.pending = { subbuf: e.subbuf, padding: e.padding, wakeup: false };
        return;
      case 'wakeup_queued':
        if (this.pending !== null) this.pending.wakeup = true;
        else this.put(EV.wakeupQueued, cpu);
        return;
      case 'subbuf_start':
        return this.start(cpu, e.subbuf, e.prevSubbuf === null, e.full, e.accepted);
      case 'toobig':
        return this.drop(EV.dropToobig, cpu, e.length, e.afterHeader ? 1 : 0);
      case 'wakeup':
        return this.put(EV.wakeup, cpu, e.woken);
      case 'consumed':
        return this.put(EV.consumed, cpu, e.from, e.to, CONSUMED_CAUSES.indexOf(e.cause));
      case 'flush':
        return this.put(EV.flush, cpu);
      case 'reset':
        return this.put(EV.reset, cpu);
      case 'close':
        return this.put(EV.close, cpu);
      case 'file_open':
        return this.put(EV.fileOpen, cpu, e.kref);
      case 'file_release':
        return this.put(EV.fileRelease, cpu, e.kref);
      case 'buf_free':
        return this.put(EV.bufFree, cpu, e.chanKref);
      case 'chan_free':
        return this.put(EV.chanFree, cpu);
      case 'fault':
        return this.put(EV.fault, cpu, e.page, e.mapping);
      case 'toobig_warning':
        return this.put(EV.toobigWarning, cpu, e.lastToobig, e.subbufSize);
    }
  };

  /** A step of the harness around the kernel, logged before it runs: CPU bring-up (a: 1 when it will create a buffer) or tear-down. */
  hotplug(code: typeof EV.cpuOnline | typeof EV.cpuOffline, cpu: number, createdBuffer = false): void {
    this.put(code, cpu, createdBuffer ? 1 : 0);
  }

  private start(cpu: number, subbuf: number, first: boolean, full: boolean, accepted: boolean): void {
    const p = this.pending;
    this.pending = null;
    const outcome = first ? SWITCH_FIRST : !accepted ? SWITCH_REFUSED : full ? SWITCH_OVERWROTE : SWITCH_ACCEPTED;
    // A stalled writer retrying: each refusal is one more dropped record, not a switch.
    if (p === null && outcome === SWITCH_REFUSED) return this.drop(EV.dropFull, cpu, 0, 0);
    this.put(EV.switch, cpu, p?.subbuf ?? -1, p?.padding ?? 0, subbuf, outcome);
    if (p?.wakeup) this.put(EV.wakeupQueued, cpu);
    if (outcome === SWITCH_REFUSED) this.drop(EV.dropFull, cpu, 0, 0);
  }

  private drop(code: typeof EV.dropFull | typeof EV.dropToobig, cpu: number, a: number, b: number): void {
    const key = cpu * 2 + (code === EV.dropFull ? 0 : 1);
    const seq = this.burstSeq[key];
    // Coalesce while nothing else happened on this CPU and the slot is still in the ring.
    if (seq >= 0 && this.lastSeq[cpu] === seq && ((this.head - seq) >>> 0) < this.v.cap - 1) {
      // The slot's count was at most BURST_MAX - 1 before this add: it cannot wrap.
      if (Atomics.add(this.v.counts, seq % this.v.cap, 1) + 1 >= BURST_MAX) this.burstSeq[key] = -1;
      return;
    }
    this.put(code, cpu, a, b);
    this.burstSeq[key] = (this.head - 1) >>> 0;
  }

  /**
   * For tests of the wrap: the open drop burst of `cpu` (of the kind of `code`) counts `count`
   * already, as if that many records had been dropped into it.
   */
  seedBurst(code: typeof EV.dropFull | typeof EV.dropToobig, cpu: number, count: number): void {
    const seq = this.burstSeq[cpu * 2 + (code === EV.dropFull ? 0 : 1)];
    if (seq < 0 || count < 1 || count > BURST_MAX) throw new Error('no open burst, or a count no slot holds');
    Atomics.store(this.v.counts, seq % this.v.cap, count);
    if (count >= BURST_MAX) this.burstSeq[cpu * 2 + (code === EV.dropFull ? 0 : 1)] = -1;
  }

  private put(kind: EventCode, cpu: number, a = 0, b = 0, c = 0, d = 0): void {
    const v = this.v;
    const seq = this.head;
    const slot = seq % v.cap;
    const at = slot * FIELDS;
    v.f64[at + F_T] = this.clock();
    v.f64[at + F_KIND] = kind;
    v.f64[at + F_CPU] = cpu;
    v.f64[at + F_A] = a;
    v.f64[at + F_B] = b;
    v.f64[at + F_C] = c;
    v.f64[at + F_D] = d;
    Atomics.store(v.counts, slot, 1);
    this.head = (seq + 1) >>> 0;
    // Publish after the slot is complete.
    Atomics.store(v.words, HEAD, this.head | 0);
    this.lastSeq[cpu] = seq;
  }
}

/** The reading end, on the page: copies what was published since the last call. */
export class EventRingReader {
  private readonly v: RingViews;
  private seen = 0;
  /** Slots the writer reused before they were copied. */
  lost = 0;

  constructor(
    memory: ArrayBufferLike,
    readonly index: number,
    cap = RING_SLOTS,
  ) {
    this.v = new RingViews(memory, index, cap);
    this.seen = Atomics.load(this.v.words, HEAD) >>> 0;
  }

  /** Calls `take` for each new slot, oldest first. Returns how many were taken. */
  drain(take: (slot: EventSlot) => void): number {
    const v = this.v;
    const head = Atomics.load(v.words, HEAD) >>> 0;
    let from = this.seen;
    const behind = (head - from) >>> 0;
    // Keep one slot of margin: the writer may be filling the slot after head.
    if (behind > v.cap - 1) {
      this.lost += behind - (v.cap - 1);
      from = (head - (v.cap - 1)) >>> 0;
    }
    const copied: EventSlot[] = [];
    for (let seq = from; seq !== head; seq = (seq + 1) >>> 0) copied.push(this.read(seq));
    // Whatever the writer reached meanwhile may have overwritten the oldest copies.
    const after = Atomics.load(v.words, HEAD) >>> 0;
    let taken = 0;
    for (const s of copied) {
      if (((after - s.seq) >>> 0) > v.cap - 1) this.lost += 1;
      else {
        take(s);
        taken++;
      }
    }
    this.seen = head;
    return taken;
  }

  /** The current count of a slot still in the ring (a burst that may have grown), or -1. */
  countOf(seq: number): number {
    const v = this.v;
    const head = Atomics.load(v.words, HEAD) >>> 0;
    if (((head - seq) >>> 0) > v.cap - 1) return -1;
    return Atomics.load(v.counts, seq % v.cap);
  }

  private read(seq: number): EventSlot {
    const v = this.v;
    const at = (seq % v.cap) * FIELDS;
    const f = v.f64;
    return {
      ring: this.index,
      seq,
      tUs: f[at + F_T],
      kind: f[at + F_KIND] as EventCode,
      cpu: f[at + F_CPU],
      a: f[at + F_A],
      b: f[at + F_B],
      c: f[at + F_C],
      d: f[at + F_D],
      count: Atomics.load(v.counts, seq % v.cap),
    };
  }
}
