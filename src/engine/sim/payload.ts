/**
 * The record format of scenarios (FORMAT.md "Record content"): byte i of record `seq` is a
 * fixed function of both, so any byte read back says which record it came from and whether
 * it is intact. Header bytes reserved by the client are HEADER_BYTE.
 */

export const HEADER_BYTE = 0xee;

export const recordByte = (seq: number, i: number): number => (seq * 31 + i * 7 + (seq >>> 8) + 1) & 0xff;

/** Writes bytes [from, from + length) of record `seq` at `dst[at]`. */
export function fillRecord(dst: Uint8Array, at: number, seq: number, length: number, from = 0): void {
  for (let i = 0; i < length; i++) dst[at + i] = recordByte(seq, from + i);
}

export function makeRecord(seq: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  fillRecord(out, 0, seq, length);
  return out;
}

/** Whether `src[at, at + length)` holds bytes [from, from + length) of record `seq`. */
export function recordIntact(src: Uint8Array, at: number, seq: number, from: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (src[at + i] !== recordByte(seq, from + i)) return false;
  return true;
}

/** 32-bit FNV-1a of `bytes[start, end)`. */
export function fnv1a(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h >>> 0;
}
