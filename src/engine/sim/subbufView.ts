/**
 * What each sub-buffer of a buffer holds right now, for pictures of the ring: a pure read of
 * the kernel state, allocation-free so it can run every frame over shared memory.
 */
import type { RchanBuf } from '../kernel/index.ts';
import { RECORD_HEADER_SIZE, RECORD_MAGIC, payloadIntact, readRecordHeader } from './record.ts';
import { readBufferFields, type BufferFields } from './views.ts';

/** Never written since open or reset. */
export const SUBBUF_FREE = 0;
/** The writer's current sub-buffer. */
export const SUBBUF_WRITING = 1;
/** Produced and not consumed: ready for a reader. */
export const SUBBUF_READY = 2;
/** Produced and consumed: free for the writer to enter again. */
export const SUBBUF_CONSUMED = 3;
/** The writer's current sub-buffer, entered before a reader consumed it (overwrite mode). */
export const SUBBUF_OVERWRITING = 4;

export interface BufferPicture {
  /** SUBBUF_* per sub-buffer. */
  state: Uint8Array;
  /** Bytes of data (header included) per sub-buffer; the rest of a produced one is padding. */
  fill: Float64Array;
  /** The writer owns no sub-buffer: the last switch was refused (no-overwrite, full). */
  stalled: boolean;
  /** Sub-buffer and byte the writer writes at next (-1 when stalled). */
  writeSubbuf: number;
  writeOffset: number;
  /** Sub-buffer and byte read(2) would start from. */
  readSubbuf: number;
  readOffset: number;
  produced: number;
  consumed: number;
}

export function bufferPicture(n: number): BufferPicture {
  return {
    state: new Uint8Array(n),
    fill: new Float64Array(n),
    stalled: false,
    writeSubbuf: 0,
    writeOffset: 0,
    readSubbuf: 0,
    readOffset: 0,
    produced: 0,
    consumed: 0,
  };
}

/**
 * Fills `out` with the buffer's sub-buffers as they are now. With `tries`, gives up (false) if
 * the writer stays in the middle of a switch that long: a frame then keeps its last picture.
 */
export function pictureBuffer(buf: RchanBuf, out: BufferPicture, tries = Infinity): boolean {
  if (!readBufferFields(buf, fields, tries)) return false;
  pictureFields(fields, buf.subbufSize, buf.nSubbufs, out);
  return true;
}

// Reused by every call: pictures are taken every frame, and this allocates nothing.
const fields: BufferFields = { produced: 0, offset: 0, data: 0, consumed: 0, bytesConsumed: 0, padding: [], paddingAt: 0 };

/** Fills `out` with the sub-buffers of a buffer in the state `f` describes (a live buffer, or a step of a scenario). */
export function pictureFields(f: BufferFields, sbs: number, n: number, out: BufferPicture): BufferPicture {
  const consumed = f.consumed;
  const stalled = f.offset === sbs + 1;
  // The newest sub-buffer number each slot holds: the writer's is `produced` (live) or the
  // last produced one (stalled); the others trail it around the ring.
  const newest = stalled ? f.produced - 1 : f.produced;
  const newestSlot = ((newest % n) + n) % n;
  for (let i = 0; i < n; i++) {
    const gen = newest - ((newestSlot - i + n) % n);
    const padding = f.padding[f.paddingAt + i] ?? 0;
    let state: number;
    let fill: number;
    if (!stalled && gen === f.produced) {
      state = f.produced - consumed >= n ? SUBBUF_OVERWRITING : SUBBUF_WRITING;
      fill = Math.min(f.offset, sbs);
    } else if (gen < 0) {
      state = SUBBUF_FREE;
      fill = 0;
    } else {
      state = gen >= consumed ? SUBBUF_READY : SUBBUF_CONSUMED;
      fill = sbs - padding;
    }
    out.state[i] = state;
    out.fill[i] = fill;
  }
  out.stalled = stalled;
  out.writeSubbuf = stalled ? -1 : f.data;
  out.writeOffset = stalled ? 0 : f.offset;
  out.readSubbuf = consumed % n;
  out.readOffset = f.bytesConsumed;
  out.produced = f.produced;
  out.consumed = consumed;
  return out;
}

/**
 * Where the records of sub-buffer `subbuf` end, for pictures that draw each record: fills
 * `ends` with the end offset of each record (of record.ts's format) found in its first `fill`
 * bytes after the client's `header`, and returns how many, at most `ends.length`. A picture
 * of one frame may race the writer; a record not yet whole simply ends the list.
 */
export function recordEnds(buf: RchanBuf, subbuf: number, fill: number, header: number, ends: Float64Array): number {
  const base = subbuf * buf.subbufSize;
  const d = buf.data;
  let at = header;
  let n = 0;
  while (n < ends.length && at + RECORD_HEADER_SIZE <= fill) {
    const p = base + at;
    // The magic byte, then the whole record's length (u32, little-endian) at bytes 4-7.
    if (d[p] !== RECORD_MAGIC) break;
    const length = (d[p + 4] | (d[p + 5] << 8) | (d[p + 6] << 16) | (d[p + 7] << 24)) >>> 0;
    if (length < RECORD_HEADER_SIZE || at + length > fill) break;
    at += length;
    ends[n++] = at;
  }
  return n;
}

/** A record found in a sub-buffer's bytes. */
export interface FoundRecord {
  /** Offset in the sub-buffer. */
  offset: number;
  length: number;
  cpu: number;
  seq: number;
  ts: number;
  intact: boolean;
}

export interface SubbufInspection {
  subbuf: number;
  state: number;
  /** Client header bytes at the start (0 when none or nothing written). */
  header: number;
  /** Bytes of data, header included; in a produced sub-buffer the rest is padding. */
  fill: number;
  padding: number;
  records: FoundRecord[];
  /** Bytes after the last record that are no record (a torn or overwritten tail); 0 normally. */
  unreadable: number;
  /** What read(2) would return from this sub-buffer now: bytes, from which offset. */
  readBytes: number;
  readFrom: number;
  /** An mmap reader processes produced, unconsumed sub-buffers only. */
  mmapReady: boolean;
}

/**
 * What sub-buffer `subbuf` of `buf` holds now, its bytes parsed as the live records of
 * record.ts (other contents, such as scenario payloads, show as unreadable), at most
 * `maxRecords` of them.
 */
export function inspectSubbuf(buf: RchanBuf, subbuf: number, headerReserve: number, maxRecords = 1000): SubbufInspection {
  const p = bufferPicture(buf.nSubbufs);
  pictureBuffer(buf, p);
  const sbs = buf.subbufSize;
  const state = p.state[subbuf];
  const fill = p.fill[subbuf];
  const header = state === SUBBUF_FREE ? 0 : Math.min(headerReserve, fill);
  const records: FoundRecord[] = [];
  const base = subbuf * sbs;
  let at = header;
  while (at + RECORD_HEADER_SIZE <= fill && records.length < maxRecords) {
    const h = readRecordHeader(buf.data, base + at);
    if (h === null || at + h.length > fill) break;
    records.push({ offset: at, length: h.length, cpu: h.cpu, seq: h.seq, ts: h.ts, intact: payloadIntact(buf.data, base + at, h.length) });
    at += h.length;
  }
  const produced = state === SUBBUF_READY || state === SUBBUF_CONSUMED;
  // read(2) starts at the consumer's position in its own sub-buffer, and takes later ones whole.
  let readFrom = 0;
  let readBytes = 0;
  if (state === SUBBUF_READY || state === SUBBUF_WRITING || state === SUBBUF_OVERWRITING) {
    readFrom = subbuf === p.readSubbuf ? Math.min(p.readOffset, fill) : 0;
    readBytes = Math.max(0, fill - readFrom);
  }
  return {
    subbuf,
    state,
    header,
    fill,
    padding: produced ? sbs - fill : 0,
    records,
    unreadable: records.length < maxRecords ? Math.max(0, fill - at) : 0,
    readBytes,
    readFrom,
    mmapReady: state === SUBBUF_READY,
  };
}
