/**
 * A user-space reader of relay files, as blktrace's per-CPU threads are: it reads with
 * read(2) or maps the buffer and hands back whole sub-buffers with relay_subbufs_consumed,
 * parses the self-describing records it gets, checks each, and counts per CPU in SimStats:
 * intact, overwritten, skipped, duplicated, torn (a failed check nothing explains) and
 * missing (a sequence gap nothing explains).
 *
 * Sequence gaps are how losses after landing show: in overwrite mode a gap is records the
 * writer lapped; after a deliberate skip it is records skipped; otherwise it is a bug, counted
 * as missing. Records never span sub-buffers, so after anything unreadable the reader
 * resynchronises at the next sub-buffer start.
 */
import { sharedInCheckpoints } from './checkpoint.ts';
import {
  B_SUBBUFS_PRODUCED,
  relayFileOpen,
  relayFilePoll,
  relayFileRead,
  relayPollCancel,
  relaySubbufsConsumed,
  type Rchan,
  type RchanBuf,
  type RelayFile,
} from '../kernel/index.ts';
import { relayMmapView } from './mapping.ts';
import type { RelayMode } from './client.ts';
import { RECORD_HEADER_SIZE, parseRecordHeader, payloadByte, payloadIntact, type RecordHeader } from './record.ts';
import { BLK_IO_TRACE_SIZE, blkFrame, type BlkFrame, type BlktraceSink } from './blktrace.ts';
import type { ReaderMode, SimConfig } from './simConfig.ts';
import {
  R_BYTES,
  R_DUPLICATE,
  R_INTACT,
  R_LAG_US,
  R_LAPPED_READS,
  R_MAX_LAG_US,
  R_MISSING,
  R_NEXT_SEQ,
  R_OVERWRITTEN,
  R_TORN,
  P_LANDED,
  STATS_FIELDS,
  type SimStats,
} from './stats.ts';

/**
 * How far ahead of the producer's last published count of landed records a record's sequence
 * number may be: the records it landed since it last published (it publishes every few
 * milliseconds; 2^30 is minutes at any rate the engine reaches).
 */
export const SEQ_AHEAD = 2 ** 30;

/**
 * The 64-bit sequence number of a record whose header holds `seq32` (the number mod 2^32),
 * by serial-number arithmetic against `landed`, the writer's count of landed records as this
 * thread knows it: the one value congruent to seq32 in the window (U - 2^32, U], with
 * U = landed + SEQ_AHEAD. Exact for every record less than 2^32 - SEQ_AHEAD (3.2e9) records
 * older than the writer's count; a record still in a buffer is at most 2^25 records old (512
 * MiB of 16-byte records), so any record a reader can meet is resolved exactly, in runs of any
 * length.
 */
export function sequenceNumber(seq32: number, landed: number): number {
  const top = landed + SEQ_AHEAD;
  // `>>> 0` is the exact remainder mod 2^32 of an integer below 2^53 (ToUint32), at the cost of
  // a truncation; `%` on a double is a call to fmod, the dearest line of the reader's profile.
  return top - ((top - seq32) >>> 0);
}

/**
 * How far in the future of the reader's clock a record's timestamp may be: the reader reads
 * its clock once per pass, and records written during the pass carry later times. 2^28 µs
 * is 268 s of virtual time.
 */
export const LAG_AHEAD_US = 2 ** 28;

/**
 * Microseconds from a record's timestamp (`ts32`, its µs mod 2^32) to `nowUs`, exact whatever
 * the run's length: serial-number arithmetic in the window [-LAG_AHEAD_US, 2^32 - LAG_AHEAD_US)
 * µs around now, so lags up to 67 minutes read exactly (a reader pauses 60 minutes at most),
 * and a record stamped after the reader read its clock counts as lag 0.
 */
export function recordLag(nowUs: number, ts32: number): number {
  const ahead = (ts32 - Math.floor(nowUs)) >>> 0;
  return ahead <= LAG_AHEAD_US ? 0 : 2 ** 32 - ahead;
}

export interface ReaderOptions {
  mode: ReaderMode;
  /** Bytes per read(2): the size of the reader's buffer. */
  chunk: number;
  /** The client's header at the start of every sub-buffer. */
  headerReserve: number;
  relayMode: RelayMode;
  /** Check every payload byte, or the header and the payload's first and last bytes (benchmarks). */
  verify: 'full' | 'ends';
  /** Bytes one service pass reads at most, so that a busy reader yields now and then. */
  passBytes: number;
  /**
   * The records are blktrace's (in this byte order, times from `baseNs`): each is checked by
   * its framing, and counted in landing order (its own sequence may have gaps by design).
   */
  blktrace?: { littleEndian: boolean; baseNs: number } | null;
}

/** A configuration's reader, as Reader takes it. */
export function readerOptions(config: SimConfig, verify: 'full' | 'ends' = 'full'): ReaderOptions {
  const { channel: ch, reader: r } = config;
  return {
    mode: r.mode,
    chunk: r.chunk,
    headerReserve: ch.headerReserve,
    relayMode: ch.mode,
    verify,
    passBytes: Math.max(r.chunk, 4 * ch.subbufSize),
    blktrace: null,
  };
}

/** Where the reader is in one buffer's byte stream. */
interface Stream {
  buf: RchanBuf;
  file: RelayFile;
  /** Bytes of a record cut by a read(2) count, waiting for the rest. */
  carry: Uint8Array;
  carryLen: number;
  /** Header bytes still to skip at the start of a sub-buffer. */
  skip: number;
  /** Buffer position the next chunk continues from, or -1 when it must start a sub-buffer. */
  nextPos: number;
  /**
   * An overwriting writer has lapped a copy of this stream: records of a newer lap may have
   * been read early, and come again at their place. Those repeats are explained.
   */
  lapped: boolean;
}

export class Reader {
  readonly streams: Stream[];
  private dst: Uint8Array;
  private readonly chunks: number[] = [];
  /** The writer produced while the last read(2) or mapped parse ran: it may have lapped it. */
  private writerMoved = false;
  private now = 0;
  private readonly headerSize: number;
  private readonly blk: ReaderOptions['blktrace'] & object | null;
  private readonly frame: BlkFrame = { cpu: 0, length: 0, timeNs: 0 };
  private readonly blkHeader: RecordHeader = { cpu: 0, length: 0, seq: 0, ts: 0 };
  /** The header of the record being checked: one object, filled for every record. */
  private readonly rec: RecordHeader = { cpu: 0, length: 0, seq: 0, ts: 0 };
  /**
   * A DataView of the bytes being parsed (the read buffer, a carry, a mapped buffer), and of
   * which. Over the read buffer it is scratch as the buffer is, kept by reference in
   * checkpoints with it: a restored reader's view and the bytes it views stay one pair.
   */
  private view: DataView<ArrayBufferLike>;
  private viewed: Uint8Array;
  /** Per CPU, the writer's count of landed records, taken at the start of each pass. */
  private readonly landed: Float64Array;
  /** The CPUs whose records this reader's buffers hold. */
  private readonly cpus: number[];

  constructor(
    private readonly chan: Rchan,
    bufs: readonly RchanBuf[],
    private readonly stats: SimStats,
    private readonly o: ReaderOptions,
    /** blktrace's reader threads: every record read is written to its CPU's file. */
    private readonly sink: BlktraceSink | null = null,
  ) {
    this.blk = o.blktrace ?? null;
    this.headerSize = this.blk === null ? RECORD_HEADER_SIZE : BLK_IO_TRACE_SIZE;
    this.streams = bufs.map((buf) => ({ buf, file: relayFileOpen(buf), carry: new Uint8Array(64), carryLen: 0, skip: 0, nextPos: -1, lapped: false }));
    // The reader's own buffer, and the count of every read(2): with a writer producing during
    // the call, one read can return more than the ring holds.
    // Scratch space for one read: a checkpoint need not copy it.
    this.dst = sharedInCheckpoints(new Uint8Array(o.chunk));
    this.view = sharedInCheckpoints(new DataView(this.dst.buffer));
    this.viewed = this.dst;
    this.landed = new Float64Array(stats.cpus);
    this.cpus = chan.isGlobal ? Array.from({ length: stats.cpus }, (_, i) => i) : bufs.map((b) => b.cpu);
  }

  /**
   * One pass over the reader's files at time `nowUs`: reads what is there (up to passBytes)
   * and processes it. Returns the bytes read.
   */
  service(nowUs: number): number {
    this.now = nowUs;
    // Once a pass, not once a record: another thread's count is an atomic load.
    for (const cpu of this.cpus) this.landed[cpu] = this.stats.get(cpu, P_LANDED);
    let total = 0;
    for (const s of this.streams) total += this.o.mode === 'read' ? this.serviceRead(s) : this.serviceMmap(s);
    return total;
  }

  /**
   * poll(2) on every file before sleeping: true if all had nothing, and the reader is now on
   * their wait queues; false (and off the queues again) if something is ready.
   */
  sleep(): boolean {
    let ready = false;
    for (const s of this.streams) if (relayFilePoll(s.file, true) !== 0) ready = true;
    if (ready) this.wake();
    return !ready;
  }

  /** Leaves every wait queue (woken, or the poll timed out). */
  wake(): void {
    for (const s of this.streams) relayPollCancel(s.file);
  }

  /** Forgets partial records: after relay_reset the streams start afresh. */
  restart(): void {
    for (const s of this.streams) {
      s.carryLen = 0;
      s.skip = 0;
      s.nextPos = -1;
    }
  }

  /** A reader of another channel (a copy of this one's memory) in the same place of each stream. */
  cloneOnto(chan: Rchan, stats: SimStats, options: ReaderOptions = this.o): Reader {
    const bufs = this.streams.map((s) => chan.bufAt(s.buf.index));
    const r = new Reader(chan, bufs, stats, options);
    r.streams.forEach((s, i) => {
      const from = this.streams[i];
      s.carry = from.carry.slice();
      s.carryLen = from.carryLen;
      s.skip = from.skip;
      s.nextPos = from.nextPos;
      s.lapped = from.lapped;
      s.file.fPos = from.file.fPos;
    });
    return r;
  }

  private serviceRead(s: Stream): number {
    let total = 0;
    const sbs = this.chan.subbufSize;
    while (total < this.o.passBytes) {
      // The low word of the writer's count is enough to see whether it moved.
      const before = s.buf.ctl.load64Low(B_SUBBUFS_PRODUCED);
      this.chunks.length = 0;
      const got = relayFileRead(s.file, this.dst.length, this.dst, this.chunks);
      if (got === 0) break;
      this.writerMoved = s.buf.ctl.load64Low(B_SUBBUFS_PRODUCED) !== before;
      if (this.lapped) s.lapped = true;
      let at = 0;
      for (let c = 0; c < this.chunks.length; c += 2) {
        const pos = this.chunks[c];
        const len = this.chunks[c + 1];
        this.chunk(s, this.dst, at, pos, len, sbs);
        at += len;
      }
      total += got;
    }
    if (total > 0) this.stats.add(s.buf.cpu, R_BYTES, total);
    return total;
  }

  private serviceMmap(s: Stream): number {
    const buf = s.buf;
    const sbs = this.chan.subbufSize;
    const view = relayMmapView(buf);
    if (view.length === 0) return 0;
    const before = buf.ctl.load64Low(B_SUBBUFS_PRODUCED);
    let total = 0;
    for (const sub of view) {
      const start = sub.subbuf * sbs;
      const len = sbs - sub.padding;
      s.nextPos = -1; // each sub-buffer is parsed on its own
      this.writerMoved = buf.ctl.load64Low(B_SUBBUFS_PRODUCED) !== before || this.o.relayMode === 'overwrite';
      if (this.lapped) s.lapped = true;
      this.chunk(s, buf.data, start, start, len, sbs);
      total += len;
    }
    // Hand the processed sub-buffers back, n at a time (a larger count is ignored).
    let left = view[view.length - 1].seq + 1 - buf.consumed;
    while (left > 0) {
      const k = Math.min(left, this.chan.nSubbufs);
      relaySubbufsConsumed(this.chan, buf.cpu, k);
      left -= k;
    }
    this.stats.add(buf.cpu, R_BYTES, total);
    return total;
  }

  /** Parses `len` bytes at `src[at]`, which came from buffer position `pos`. */
  private chunk(s: Stream, src: Uint8Array, at: number, pos: number, len: number, sbs: number): void {
    if (pos % sbs === 0) {
      // A sub-buffer starts with the client's header, whether or not the last chunk ended
      // right before it (it does when the last sub-buffer was exactly full). No record spans
      // sub-buffers, so nothing half-read survives here.
      s.carryLen = 0;
      s.skip = this.o.headerReserve;
    } else if (pos !== s.nextPos) {
      // Not a continuation (a skip or a repeat): resynchronise at the next sub-buffer start.
      s.carryLen = 0;
      s.skip = 0;
      s.nextPos = -1;
      return;
    }
    s.nextPos = (pos + len) % (sbs * this.chan.nSubbufs);
    let i = at;
    const end = at + len;
    if (s.skip > 0) {
      const k = Math.min(s.skip, end - i);
      s.skip -= k;
      i += k;
    }
    if (s.carryLen > 0) {
      i = this.finishCarry(s, src, i, end);
      if (i < 0) return;
    }
    while (i < end) {
      if (end - i < this.headerSize) {
        this.startCarry(s, src, i, end);
        return;
      }
      const h = this.header(src, i);
      if (h === null) return this.lost(s);
      if (end - i < h.length) {
        this.startCarry(s, src, i, end);
        return;
      }
      this.deliver(s, h, this.intact(src, i, h.length), src, i);
      i += h.length;
    }
  }

  private startCarry(s: Stream, src: Uint8Array, from: number, end: number): void {
    this.fitCarry(s, Math.max(this.headerSize, end - from));
    s.carry.set(src.subarray(from, end), 0);
    s.carryLen = end - from;
  }

  /** Completes a carried record with bytes from `src[i..end)`; returns where parsing goes on, or -1. */
  private finishCarry(s: Stream, src: Uint8Array, i: number, end: number): number {
    for (;;) {
      const have = s.carryLen;
      const h = have >= this.headerSize ? this.header(s.carry, 0) : null;
      if (have >= this.headerSize && h === null) {
        this.lost(s);
        return -1;
      }
      const need = (h?.length ?? this.headerSize) - have;
      const k = Math.min(need, end - i);
      this.fitCarry(s, have + k);
      s.carry.set(src.subarray(i, i + k), have);
      s.carryLen = have + k;
      i += k;
      if (k < need) return -1; // still incomplete: the next read continues it
      if (h !== null) {
        s.carryLen = 0;
        this.deliver(s, h, this.intact(s.carry, 0, h.length), s.carry, 0);
        return i;
      }
    }
  }

  private fitCarry(s: Stream, size: number): void {
    if (s.carry.length >= size) return;
    const grown = new Uint8Array(Math.max(size, s.carry.length * 2));
    grown.set(s.carry.subarray(0, s.carryLen));
    s.carry = grown;
  }

  /** The header of the record at `src[at]`, or null if there is none there. */
  private header(src: Uint8Array, at: number): RecordHeader | null {
    const blk = this.blk;
    if (blk === null) {
      if (src !== this.viewed) {
        this.viewed = src;
        this.view = new DataView(src.buffer, src.byteOffset, src.byteLength);
      }
      return parseRecordHeader(this.view, at, this.rec) ? this.rec : null;
    }
    if (!blkFrame(src, at, blk.littleEndian, this.frame)) return null;
    // blktrace's own sequence is the kernel's (it may skip dropped records): records are
    // counted in the order they landed, which a no-overwrite reader sees unbroken.
    const h = this.blkHeader;
    h.cpu = this.frame.cpu;
    h.length = this.frame.length;
    h.seq = h.cpu < this.stats.cpus ? this.stats.get(h.cpu, R_NEXT_SEQ) : 0;
    h.ts = Math.max(0, Math.floor((this.frame.timeNs - blk.baseNs) / 1000)) >>> 0;
    return h;
  }

  private intact(src: Uint8Array, at: number, length: number): boolean {
    if (this.blk !== null) return true; // its framing was checked
    if (this.o.verify === 'full') return payloadIntact(src, at, length);
    return (
      length === RECORD_HEADER_SIZE ||
      (src[at + RECORD_HEADER_SIZE] === payloadByte(RECORD_HEADER_SIZE) && src[at + length - 1] === payloadByte(length - 1))
    );
  }

  /** An overwriting writer lapped what this read copied: the relay documentation's warning. */
  private get lapped(): boolean {
    return this.o.relayMode === 'overwrite' && this.writerMoved;
  }

  /** Bytes that are no record: explained by a lapping writer in overwrite mode, else torn. */
  private lost(s: Stream): void {
    s.carryLen = 0;
    s.nextPos = -1;
    this.stats.add(s.buf.cpu, this.lapped ? R_LAPPED_READS : R_TORN);
  }

  /**
   * Counts a record whose header checked out: intact (or torn, by its payload), with the
   * sequence gap before it. Run for every record: the rare outcomes are calls of their own,
   * so that this stays small enough to be inlined into the parse loop.
   */
  private deliver(s: Stream, h: RecordHeader, intact: boolean, src: Uint8Array, at: number): void {
    const stats = this.stats;
    const cpu = h.cpu;
    // A per-CPU blktrace buffer holds only its CPU's records (the cpu field says whose).
    if (cpu >= stats.cpus || !intact || (this.blk !== null && this.foreign(s, cpu))) return this.torn(cpu);
    // This thread owns the CPU's reader fields: it counts into its plain copy, published after
    // each pass, as the producer does (one check of ownership, then plain reads and writes).
    stats.own(cpu, R_INTACT);
    const f = stats.f64;
    const row = cpu * STATS_FIELDS;
    // The header holds the sequence number mod 2^32; the reader's count of the next one is
    // exact, and the writer's count (as of this pass) places the header's in its window.
    const next = f[row + R_NEXT_SEQ];
    const seq = sequenceNumber(h.seq, Math.max(this.landed[cpu], next));
    if (seq !== next && this.older(s, cpu, seq, next)) return;
    f[row + R_INTACT] += 1;
    f[row + R_NEXT_SEQ] = seq + 1;
    this.sink?.append(cpu, src, at, h.length);
    const lag = recordLag(this.now, h.ts);
    f[row + R_LAG_US] = lag;
    if (lag > f[row + R_MAX_LAG_US]) f[row + R_MAX_LAG_US] = lag;
  }

  private foreign(s: Stream, cpu: number): boolean {
    return !this.chan.isGlobal && cpu !== s.buf.cpu;
  }

  /** A record that failed its check, counted against its CPU (or the last one, if that is no CPU). */
  private torn(cpu: number): void {
    this.stats.add(Math.min(cpu, this.stats.cpus - 1), this.lapped ? R_LAPPED_READS : R_TORN);
  }

  /**
   * A sequence number other than the next one: true (and counted) if the record is older; else
   * the records between are counted as gone, and the record is read.
   */
  private older(s: Stream, cpu: number, seq: number, next: number): boolean {
    if (seq < next) {
      // An older record: read early from a lapped copy and now met at its place, or returned
      // again by read() (v6.17 after an all-padding sub-buffer).
      this.stats.add(cpu, s.lapped ? R_LAPPED_READS : R_DUPLICATE);
      return true;
    }
    this.stats.add(cpu, this.o.relayMode === 'overwrite' ? R_OVERWRITTEN : R_MISSING, seq - next);
    return false;
  }
}
