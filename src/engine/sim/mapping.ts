/**
 * What user space computes over a relay file's memory: the buffer as 4096-byte pages and the
 * sub-buffers each holds, the bytes a mapping touches (faulting each page in through the
 * kernel's relay_buf_fault), and what an mmap reader finds ready. The kernel keeps what it
 * needs itself (relayFileMmap, relayBufFault, and spliceSubbufs for splice_read up to v6.7).
 */
import { PAGE_SIZE, relayBufFault, spliceSubbufs, type MmapSubbuf, type Rchan, type RchanBuf, type RelayMapping } from '../kernel/index.ts';

/**
 * Touches `length` bytes at `offset` of the mapping, faulting in each page met for the first
 * time, and returns the bytes (a view of the buffer). Null when the range leaves the mapping.
 */
export function relayMappingRead(map: RelayMapping, offset: number, length: number): Uint8Array | null {
  if (!(offset >= 0 && length >= 0 && offset + length <= map.length)) return null;
  if (length > 0) for (let p = Math.floor(offset / PAGE_SIZE); p <= Math.floor((offset + length - 1) / PAGE_SIZE); p++) relayBufFault(map, p);
  return map.file.buf.data.subarray(offset, offset + length);
}

/** The part of one sub-buffer a page holds: buffer positions [from, to). */
export interface PageSubbuf {
  subbuf: number;
  from: number;
  to: number;
}

export interface RelayPage {
  page: number;
  /** Buffer positions [start, end) of the page. */
  start: number;
  end: number;
  subbufs: PageSubbuf[];
  /** Bytes of the page past the last sub-buffer: never used (page rounding). */
  unused: number;
}

/** A buffer's memory as pages (§1): alloc_size = PAGE_ALIGN(subbuf_size * n_subbufs). */
export interface RelayPageMap {
  allocSize: number;
  pageSize: number;
  pageCount: number;
  /** subbuf_size * n_subbufs: the bytes sub-buffers use. */
  used: number;
  /** alloc_size - used: the unused tail of the last page. */
  unusedTail: number;
}

/** The page geometry every buffer of the channel shares. */
export function relayPageMap(chan: Rchan): RelayPageMap {
  const used = chan.subbufSize * chan.nSubbufs;
  return { allocSize: chan.allocSize, pageSize: PAGE_SIZE, pageCount: chan.allocSize / PAGE_SIZE, used, unusedTail: chan.allocSize - used };
}

/** Page `page` of a buffer: which sub-buffers (or parts of them) it holds. */
export function relayPage(chan: Rchan, page: number): RelayPage {
  const sbs = chan.subbufSize;
  const used = sbs * chan.nSubbufs;
  const start = page * PAGE_SIZE;
  const end = start + PAGE_SIZE;
  const subbufs: PageSubbuf[] = [];
  for (let i = Math.floor(start / sbs); i < chan.nSubbufs && i * sbs < end; i++)
    subbufs.push({ subbuf: i, from: Math.max(start, i * sbs), to: Math.min(end, (i + 1) * sbs) });
  return { page, start, end, subbufs, unused: end - Math.max(start, Math.min(end, used)) };
}

/** Every page of a buffer, first to last. */
export function relayPages(chan: Rchan): RelayPage[] {
  return Array.from({ length: chan.allocSize / PAGE_SIZE }, (_, page) => relayPage(chan, page));
}

/** The pages a sub-buffer spans, first to last. */
export function relaySubbufPages(chan: Rchan, subbuf: number): [number, number] {
  const sbs = chan.subbufSize;
  return [Math.floor((subbuf * sbs) / PAGE_SIZE), Math.floor(((subbuf + 1) * sbs - 1) / PAGE_SIZE)];
}

/**
 * What an mmap consumer sees (§6.1, §6.4): the produced, unconsumed sub-buffers from
 * `consumed % n` on, with their padding, computed from the counters as the kernel's
 * splice_read walked them (spliceSubbufs).
 */
export const relayMmapView = (buf: RchanBuf): MmapSubbuf[] => spliceSubbufs(buf);
