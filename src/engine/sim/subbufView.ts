/**
 * What each sub-buffer of a buffer holds right now, for pictures of the ring: a pure read of
 * the kernel state, allocation-free so it can run every frame over shared memory.
 */
import { B_BYTES_CONSUMED, B_PADDING, B_SUBBUFS_CONSUMED, writerState, type RchanBuf, type WriterState } from '../kernel/index.ts';

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

const snapshot: WriterState = { produced: 0, offset: 0, data: 0 };

/** Fills `out` with the buffer's sub-buffers as they are now. */
export function pictureBuffer(buf: RchanBuf, out: BufferPicture): BufferPicture {
  const n = buf.nSubbufs;
  const sbs = buf.subbufSize;
  const w = writerState(buf, snapshot);
  const ctl = buf.ctl;
  const consumed = ctl[B_SUBBUFS_CONSUMED];
  const stalled = w.offset === sbs + 1;
  // The newest sub-buffer number each slot holds: the writer's is `produced` (live) or the
  // last produced one (stalled); the others trail it around the ring.
  const newest = stalled ? w.produced - 1 : w.produced;
  const newestSlot = ((newest % n) + n) % n;
  for (let i = 0; i < n; i++) {
    const gen = newest - ((newestSlot - i + n) % n);
    const padding = ctl[B_PADDING + i];
    let state: number;
    let fill: number;
    if (!stalled && gen === w.produced) {
      state = w.produced - consumed >= n ? SUBBUF_OVERWRITING : SUBBUF_WRITING;
      fill = Math.min(w.offset, sbs);
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
  out.writeSubbuf = stalled ? -1 : w.data;
  out.writeOffset = stalled ? 0 : w.offset;
  out.readSubbuf = consumed % n;
  out.readOffset = ctl[B_BYTES_CONSUMED];
  out.produced = w.produced;
  out.consumed = consumed;
  return out;
}
