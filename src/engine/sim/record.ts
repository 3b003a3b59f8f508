/**
 * Live records: self-describing, so a reader can check every one it gets.
 *
 *   byte 0      RECORD_MAGIC
 *   byte 1      CPU that wrote it
 *   bytes 2-3   check: 16 bits mixed from CPU, length, sequence and timestamp
 *   bytes 4-7   length of the whole record, header included (u32, little-endian)
 *   bytes 8-11  sequence number among the records that CPU landed (u32)
 *   bytes 12-15 timestamp, microseconds mod 2^32
 *   then        payload: byte i of the record is payloadByte(i)
 *
 * Sequence numbers count landed records only, so a reader that sees a gap knows records were
 * lost after they landed (overwritten, skipped, discarded), never dropped ones.
 * The client's sub-buffer header (HEADER_BYTE, see payload.ts) cannot be taken for a record:
 * a record starts with RECORD_MAGIC.
 */
export const RECORD_HEADER_SIZE = 16;
export const RECORD_MAGIC = 0xa5;

export const payloadByte = (i: number): number => (i * 7 + 0x3d) & 0xff;

export function recordCheck(cpu: number, length: number, seq: number, ts: number): number {
  let h = Math.imul(cpu + 1, 0x9e3779b1) ^ Math.imul(length, 0x85ebca6b);
  h = Math.imul(h ^ seq, 0xc2b2ae35) ^ Math.imul(ts, 0x27d4eb2f);
  return (h ^ (h >>> 16)) & 0xffff;
}

/** Typed arrays use the host's byte order; the header is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A record of `length` bytes with the payload filled in and a blank header, for writers that
 * copy the same bytes again and again: only the header changes, through `words`.
 */
export class RecordTemplate {
  readonly bytes: Uint8Array;
  /** The header as four 32-bit words (on little-endian hosts). */
  private readonly words: Uint32Array;

  constructor(readonly length: number) {
    const memory = new ArrayBuffer(Math.ceil(Math.max(length, RECORD_HEADER_SIZE) / 4) * 4);
    this.bytes = new Uint8Array(memory, 0, length);
    this.words = new Uint32Array(memory, 0, RECORD_HEADER_SIZE / 4);
    for (let i = RECORD_HEADER_SIZE; i < length; i++) this.bytes[i] = payloadByte(i);
  }

  /** Stamps the header (what writeRecordHeader writes, in four stores instead of sixteen). */
  stamp(cpu: number, length: number, seq: number, ts: number): void {
    if (!LITTLE_ENDIAN) return writeRecordHeader(this.bytes, 0, cpu, length, seq, ts);
    const w = this.words;
    w[0] = RECORD_MAGIC | (cpu << 8) | (recordCheck(cpu, length, seq, ts) << 16);
    w[1] = length;
    w[2] = seq;
    w[3] = ts;
  }
}

/** Fills in the header of the record at `dst[at]`. */
export function writeRecordHeader(dst: Uint8Array, at: number, cpu: number, length: number, seq: number, ts: number): void {
  const check = recordCheck(cpu, length, seq, ts);
  dst[at] = RECORD_MAGIC;
  dst[at + 1] = cpu;
  dst[at + 2] = check & 0xff;
  dst[at + 3] = check >>> 8;
  dst[at + 4] = length & 0xff;
  dst[at + 5] = (length >>> 8) & 0xff;
  dst[at + 6] = (length >>> 16) & 0xff;
  dst[at + 7] = length >>> 24;
  dst[at + 8] = seq & 0xff;
  dst[at + 9] = (seq >>> 8) & 0xff;
  dst[at + 10] = (seq >>> 16) & 0xff;
  dst[at + 11] = seq >>> 24;
  dst[at + 12] = ts & 0xff;
  dst[at + 13] = (ts >>> 8) & 0xff;
  dst[at + 14] = (ts >>> 16) & 0xff;
  dst[at + 15] = ts >>> 24;
}

/** Writes a whole record (header and payload) at `dst[at]`, as a relay_reserve client fills its slot. */
export function writeRecord(dst: Uint8Array, at: number, cpu: number, length: number, seq: number, ts: number): void {
  for (let i = RECORD_HEADER_SIZE; i < length; i++) dst[at + i] = payloadByte(i);
  writeRecordHeader(dst, at, cpu, length, seq, ts);
}

export interface RecordHeader {
  cpu: number;
  length: number;
  seq: number;
  ts: number;
}

/** The header at `src[at]` if it is a well-formed record header, else null. */
export function readRecordHeader(src: Uint8Array, at: number): RecordHeader | null {
  if (at + RECORD_HEADER_SIZE > src.length) return null;
  const h: RecordHeader = { cpu: 0, length: 0, seq: 0, ts: 0 };
  return parseRecordHeader(new DataView(src.buffer, src.byteOffset, src.byteLength), at, h) ? h : null;
}

/**
 * Whether byte `at` of `view` starts a well-formed record header; if so, fills `out` with it.
 * The view must hold RECORD_HEADER_SIZE bytes from `at` (it throws a RangeError otherwise; a
 * reader has checked already, and a DataView's byteLength costs as much as the header's loads).
 * A reader checks every record it meets with this, through one DataView of its buffer and
 * into one object of its own: nothing is allocated, and each field is one load (DataView
 * reads little-endian words at any alignment; four byte loads and shifts cost three times as much).
 */
export function parseRecordHeader(view: DataView, at: number, out: RecordHeader): boolean {
  if (view.getUint8(at) !== RECORD_MAGIC) return false;
  const cpu = view.getUint8(at + 1);
  const length = view.getUint32(at + 4, true);
  const seq = view.getUint32(at + 8, true);
  const ts = view.getUint32(at + 12, true);
  if (length < RECORD_HEADER_SIZE) return false;
  if (view.getUint16(at + 2, true) !== recordCheck(cpu, length, seq, ts)) return false;
  out.cpu = cpu;
  out.length = length;
  out.seq = seq;
  out.ts = ts;
  return true;
}

/** Whether the payload of a `length`-byte record at `src[at]` is intact. */
export function payloadIntact(src: Uint8Array, at: number, length: number): boolean {
  for (let i = RECORD_HEADER_SIZE; i < length; i++) if (src[at + i] !== payloadByte(i)) return false;
  return true;
}
