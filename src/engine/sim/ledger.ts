/**
 * The record ledger: where every record went. It follows the kernel's events (a sub-buffer
 * entered, consumer progress) and the client's writes and reads, and gives every record
 * exactly one fate. Bytes a reader receives are checked against the record they belong to;
 * anything it cannot explain (padding returned, a corrupt or duplicated byte) is an anomaly.
 *
 * Sub-buffers are identified by their absolute number (`subbufs_produced` when the writer
 * entered them), so a ring slot's records are told apart from an earlier lap's.
 */
import { B_DATA, type ConsumeCause, type RchanBuf, type RelayEvent } from '../kernel/index.ts';
import { HEADER_BYTE, recordIntact } from './payload.ts';

export const RECORD_FATES = [
  'read',
  'dropped_full',
  'dropped_toobig',
  'overwritten',
  'skipped',
  'reset',
  'in_buffer',
] as const;
export type RecordFate = (typeof RECORD_FATES)[number];
export type RecordCounts = Record<RecordFate, number> & { written: number };

interface LedgerRecord {
  seq: number;
  cpu: number;
  length: number;
  /** Buffer position; -1 for a dropped record. */
  pos: number;
  /** Next byte of the record a reader should receive. */
  delivered: number;
  /** A reader missed some of its bytes. */
  gap: boolean;
  fate: RecordFate | null;
}

/** A region of a sub-buffer: a record, or the client's header (record null). */
interface Entry {
  pos: number;
  length: number;
  record: LedgerRecord | null;
}

interface Slot {
  gen: number;
  entries: Entry[];
}

/** A piece of a read: bytes [from, from+length) of record seq, or of a header (seq null). */
export interface ReadPiece {
  seq: number | null;
  from: number;
  length: number;
  intact: boolean;
}

export interface LedgerAnomaly {
  kind: 'padding_returned' | 'corrupt' | 'duplicate' | 'fate_twice';
  message: string;
}

export class RecordLedger {
  readonly anomalies: LedgerAnomaly[] = [];
  private readonly records: LedgerRecord[] = [];
  private readonly slots = new Map<RchanBuf, Slot[]>();

  constructor(private readonly headerReserve: number) {}

  /** Feed every RelayEvent of the channel here. */
  onEvent(e: RelayEvent): void {
    switch (e.kind) {
      case 'subbuf_start':
        if (e.accepted) this.enter(e.buf, e.subbuf);
        return;
      case 'reset':
        for (const slot of this.slotsOf(e.buf)) this.settle(slot, 'reset');
        this.slots.delete(e.buf);
        return;
      case 'consumed':
        this.consumed(e.buf, e.from, e.to, e.cause);
        return;
      default:
        return;
    }
  }

  /** A record landed at buffer position `pos` (the writer's current sub-buffer). */
  written(buf: RchanBuf, seq: number, cpu: number, pos: number, length: number): void {
    const record: LedgerRecord = { seq, cpu, length, pos, delivered: 0, gap: false, fate: null };
    this.records.push(record);
    // The writer's sub-buffer; a zero-length record may sit exactly at its end.
    this.slotsOf(buf)[buf.ctl.load(B_DATA)].entries.push({ pos, length, record });
    if (length === 0) this.decide(record, 'read');
  }

  dropped(seq: number, cpu: number, length: number, cause: 'dropped_full' | 'dropped_toobig'): void {
    const record: LedgerRecord = { seq, cpu, length, pos: -1, delivered: 0, gap: false, fate: null };
    this.records.push(record);
    this.decide(record, cause);
  }

  /**
   * What a read returned: `dst` holds the bytes, `chunks` the (position, length) pairs they
   * came from, in order. Returns the pieces of records and headers they contain.
   */
  delivered(buf: RchanBuf, dst: Uint8Array, chunks: readonly number[]): ReadPiece[] {
    const pieces: ReadPiece[] = [];
    const sbs = buf.subbufSize;
    let at = 0;
    for (let c = 0; c < chunks.length; c += 2) {
      const start = chunks[c];
      const end = start + chunks[c + 1];
      const slot = this.slotsOf(buf)[Math.floor(start / sbs)];
      let covered = start;
      for (const entry of slot.entries) {
        const from = Math.max(start, entry.pos);
        const to = Math.min(end, entry.pos + entry.length);
        if (from >= to) continue;
        if (from > covered) this.unexplained(buf, covered, from);
        covered = to;
        pieces.push(this.receive(entry, dst, at + (from - start), from - entry.pos, to - from));
      }
      if (covered < end) this.unexplained(buf, covered, end);
      at += end - start;
    }
    return pieces;
  }

  /** Counts by fate; records not yet decided are still in the buffer. */
  counts(): RecordCounts {
    const out = { written: this.records.length } as RecordCounts;
    for (const fate of RECORD_FATES) out[fate] = 0;
    for (const r of this.records) out[r.fate ?? 'in_buffer'] += 1;
    return out;
  }

  private slotsOf(buf: RchanBuf): Slot[] {
    let slots = this.slots.get(buf);
    if (slots === undefined) {
      slots = Array.from({ length: buf.nSubbufs }, () => ({ gen: -1, entries: [] }));
      this.slots.set(buf, slots);
    }
    return slots;
  }

  /** The writer entered `subbuf`: whatever an earlier lap left there is overwritten. */
  private enter(buf: RchanBuf, subbuf: number): void {
    const slot = this.slotsOf(buf)[subbuf];
    this.settle(slot, 'overwritten');
    slot.gen = buf.produced;
    slot.entries = [];
    if (this.headerReserve > 0) slot.entries.push({ pos: subbuf * buf.subbufSize, length: this.headerReserve, record: null });
  }

  /** The consumer moved past sub-buffers [from, to): their unread records are lost to it. */
  private consumed(buf: RchanBuf, from: number, to: number, cause: ConsumeCause): void {
    const slots = this.slotsOf(buf);
    const n = buf.nSubbufs;
    // A slot holds one of the last n+1 sub-buffers at most; older numbers cannot be there.
    for (let gen = Math.max(from, to - n - 1); gen < to; gen++) {
      const slot = slots[gen % n];
      if (slot.gen === gen) this.settle(slot, cause === 'lapped' ? 'overwritten' : 'skipped');
    }
  }

  private settle(slot: Slot, fate: RecordFate): void {
    for (const e of slot.entries) if (e.record !== null && e.record.fate === null) this.decide(e.record, fate);
  }

  private decide(record: LedgerRecord, fate: RecordFate): void {
    if (record.fate !== null) {
      this.anomalies.push({ kind: 'fate_twice', message: `record ${record.seq} was ${record.fate}, then ${fate}` });
      return;
    }
    record.fate = fate;
  }

  private receive(entry: Entry, dst: Uint8Array, at: number, from: number, length: number): ReadPiece {
    const r = entry.record;
    if (r === null) {
      let intact = true;
      for (let i = 0; i < length; i++) if (dst[at + i] !== HEADER_BYTE) intact = false;
      if (!intact) this.anomalies.push({ kind: 'corrupt', message: `header at ${entry.pos} read back changed` });
      return { seq: null, from, length, intact };
    }
    const intact = recordIntact(dst, at, r.seq, from, length);
    if (!intact) this.anomalies.push({ kind: 'corrupt', message: `record ${r.seq} bytes ${from}..${from + length} corrupt` });
    if (from < r.delivered)
      // v6.17 does this after read() skips an all-padding sub-buffer: the bytes are charged to
      // the skipped sub-buffer, and the next iteration copies them again.
      this.anomalies.push({ kind: 'duplicate', message: `record ${r.seq}: bytes ${from}..${from + length} returned again` });
    else {
      if (from > r.delivered) r.gap = true;
      r.delivered = from + length;
      if (r.delivered === r.length && !r.gap && r.fate === null) this.decide(r, 'read');
    }
    return { seq: r.seq, from, length, intact };
  }

  private unexplained(buf: RchanBuf, start: number, end: number): void {
    this.anomalies.push({
      kind: 'padding_returned',
      message: `buffer ${buf.index}: read returned bytes [${start}, ${end}) that no record or header holds`,
    });
  }
}
