/**
 * The relay file as user space sees it (kernel/relay.c file operations): open and release
 * with the buffer's reference count, read(2) (the v6.4+ path, and the older file-position
 * start behind the version switch), poll(2), mmap(2) with page faults, sendfile (up to
 * v6.7) and llseek. What user space computes over the memory (page geometry, the pages a
 * mapping touches, an mmap reader's view) is in sim/mapping.ts. Section numbers (§) refer to the relay
 * semantics document.
 */
import {
  B_BYTES_CONSUMED,
  B_DATA,
  B_FINALIZED,
  B_OFFSET,
  B_PADDING,
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  PAGE_SIZE,
  W_SLEEPERS,
  W_SWITCH,
} from './layout.ts';
import type { RchanBuf } from './rchan.ts';
import { consumeSubbufs, relayBufEmpty, relayBufGet, relayBufPut, storeConsumed } from './relay.ts';

/** An open relay file (`struct file`): its buffer and its file position. */
export interface RelayFile {
  readonly buf: RchanBuf;
  /**
   * `f_pos`. Since v6.4 informational only: read() starts from the consumer counters. Before
   * v6.4 read() starts from it whenever it is not 0.
   */
  fPos: number;
  /** Set by relayFileRelease; a released file must not be used again. */
  released: boolean;
}

/** The errors relay's file operations return (as negative errno in the kernel). */
export type RelayErrno = 'EINVAL' | 'ESPIPE';

/** `relay_file_open` (§6.6): the file takes a reference on its buffer. */
export function relayFileOpen(buf: RchanBuf): RelayFile {
  relayBufGet(buf);
  buf.chan.tracer?.({ kind: 'file_open', buf, kref: buf.kref });
  return { buf, fPos: 0, released: false };
}

/**
 * `relay_file_release` (§6.6): the last close of the file drops its reference; after
 * relay_close, the last file's release frees the buffer.
 */
export function relayFileRelease(file: RelayFile): void {
  if (file.released) return;
  file.released = true;
  const buf = file.buf;
  buf.chan.tracer?.({ kind: 'file_release', buf, kref: buf.kref - 1 });
  relayBufPut(buf);
}

/** `llseek`: relay files are opened non-seekable, so lseek and pread fail (§6.6). */
export const relayFileLlseek = (): RelayErrno => 'ESPIPE';

/**
 * The writer's `subbufs_produced`, `offset` and `data` at one moment. relay.c reads them one
 * by one while the writer may be switching; on a single thread that is the same thing, and
 * across threads a reader that mixed two moments could skip or misread a sub-buffer. So each
 * step of a read takes them once, under the writer's switch sequence (W_SWITCH).
 */
export interface WriterState {
  produced: number;
  offset: number;
  data: number;
}

/** The writer's state at one moment, for readers on any thread. */
export function writerState(buf: RchanBuf, out: WriterState): WriterState {
  while (!tryWriterState(buf, out, Infinity));
  return out;
}

/**
 * The writer's state at one moment if it can be had in `tries` looks, else false. A view on the
 * page uses few: a writer descheduled in the middle of a switch holds the sequence odd for as
 * long as its thread is off the CPU, and a frame must not spin that long.
 */
export function tryWriterState(buf: RchanBuf, out: WriterState, tries: number): boolean {
  const w = buf.words;
  const ctl = buf.ctl;
  for (let i = 0; i < tries; i++) {
    // Acquire: the loads below see at least what the writer stored before it made this even.
    const seq = w.load(W_SWITCH);
    if ((seq & 1) !== 0) continue; // a switch is under way on another thread
    out.produced = ctl.load64(B_SUBBUFS_PRODUCED);
    // Acquire of offset: the record bytes below it are complete (the writer stored it after the copy).
    out.offset = ctl.load(B_OFFSET);
    out.data = ctl.load(B_DATA);
    // Unchanged and even: no switch ran meanwhile, so the three are one moment (a plain write
    // may have moved offset on since, which only adds complete records).
    if (w.load(W_SWITCH) === seq) return true;
  }
  return false;
}

/** This thread's snapshot, reused by every read. */
const writer: WriterState = { produced: 0, offset: 0, data: 0 };

/**
 * `relay_file_read_consume` (§6.2 step 5): account `nbytes` read at `readPos`, finishing the
 * sub-buffer when its non-padding bytes are all read, unless it is the writer's exactly-full
 * current sub-buffer.
 */
function readConsume(buf: RchanBuf, w: WriterState, readPos: number, nbytes: number): void {
  // The consumer's own fields (subbufs_consumed, bytes_consumed) by plain-cost atomic loads;
  // the writer's through the snapshot `w`.
  const ctl = buf.ctl;
  const sbs = buf.subbufSize;
  const n = buf.nSubbufs;
  if (w.produced === ctl.load64(B_SUBBUFS_CONSUMED) && w.offset === ctl.load(B_BYTES_CONSUMED)) return;
  if (ctl.load(B_BYTES_CONSUMED) + nbytes > sbs) {
    consumeSubbufs(buf, 1, 'read');
    ctl.store(B_BYTES_CONSUMED, 0);
  }
  const bytesConsumed = ctl.load(B_BYTES_CONSUMED) + nbytes;
  ctl.store(B_BYTES_CONSUMED, bytesConsumed);
  // Position 0 stands for "the consumer's sub-buffer", even where a padding skip made them differ.
  const readSubbuf = readPos !== 0 ? Math.floor(readPos / sbs) : ctl.load64(B_SUBBUFS_CONSUMED) % n;
  if (bytesConsumed + ctl.load(B_PADDING + readSubbuf) === sbs) {
    if (readSubbuf === w.produced % n && w.offset === sbs) return;
    consumeSubbufs(buf, 1, 'read');
    ctl.store(B_BYTES_CONSUMED, 0);
  }
}

/**
 * `relay_file_read_avail` (§6.2 step 1): whether anything is readable. Side effects: finishes
 * a finished sub-buffer, and moves a lapped reader to the oldest sub-buffer not being rewritten.
 */
function readAvail(buf: RchanBuf, w: WriterState): boolean {
  const ctl = buf.ctl;
  const sbs = buf.subbufSize;
  const n = buf.nSubbufs;
  const produced = w.produced;
  readConsume(buf, w, 0, 0);
  let consumed = ctl.load64(B_SUBBUFS_CONSUMED);
  const offset = w.offset;
  if (offset > sbs) return produced !== consumed;
  if (produced - consumed >= n) {
    const from = consumed;
    consumed = produced - n + 1;
    storeConsumed(buf, consumed);
    ctl.store(B_BYTES_CONSUMED, 0);
    buf.chan.tracer?.({ kind: 'consumed', buf, from, to: consumed, cause: 'lapped' });
  }
  let writePos = (produced % n) * sbs + offset;
  const readPos = (consumed % n) * sbs + ctl.load(B_BYTES_CONSUMED);
  if (readPos > writePos) writePos += n * sbs;
  if (readPos === writePos) return offset === sbs && produced > consumed;
  return true;
}

/**
 * `relay_file_read_start_pos` (§6.2 step 2): the consumer's position, moved past padding.
 * Before v6.4 a non-zero file position `fPos` is the position instead (§13).
 */
function readStartPos(buf: RchanBuf, fPos: number): number {
  const ctl = buf.ctl;
  const sbs = buf.subbufSize;
  const n = buf.nSubbufs;
  const from =
    fPos !== 0 && buf.chan.features.readFromFilePos ? fPos : (ctl.load64(B_SUBBUFS_CONSUMED) % n) * sbs + ctl.load(B_BYTES_CONSUMED);
  let pos = from % (n * sbs);
  const subbuf = Math.floor(pos / sbs);
  const end = (subbuf + 1) * sbs;
  if (pos >= end - ctl.load(B_PADDING + subbuf)) pos = ((subbuf + 1) % n) * sbs;
  return pos;
}

/** `relay_file_read_subbuf_avail` (§6.2 step 3): contiguous readable bytes from `readPos`. */
function readSubbufAvail(buf: RchanBuf, w: WriterState, readPos: number): number {
  const sbs = buf.subbufSize;
  const readSubbuf = Math.floor(readPos / sbs);
  const readOffset = readPos % sbs;
  const padding = buf.ctl.load(B_PADDING + readSubbuf);
  if (readSubbuf === w.data) {
    const writeOffset = Math.min(w.offset, sbs);
    return readOffset + padding < writeOffset ? writeOffset - (readOffset + padding) : 0;
  }
  return sbs - padding - readOffset;
}

/** `relay_file_read_end_pos` (§6.2 step 6): the file position after a copy. */
function readEndPos(buf: RchanBuf, readPos: number, count: number): number {
  const sbs = buf.subbufSize;
  const subbuf = Math.floor(readPos / sbs);
  const end =
    (readPos % sbs) + count + buf.ctl.load(B_PADDING + subbuf) === sbs ? (subbuf + 1) * sbs : readPos + count;
  return end >= sbs * buf.nSubbufs ? 0 : end;
}

/**
 * `read(2)` of up to `count` bytes (§6.2). Copies into `dst` (at least min(count, n*sbs)
 * long) unless it is null, and appends each contiguous range copied to `chunks` as
 * (position, length) pairs. Returns the bytes read. Never sleeps.
 */
export function relayFileRead(file: RelayFile, count: number, dst: Uint8Array | null, chunks?: number[]): number {
  const buf = file.buf;
  let read = 0;
  while (count > 0) {
    const w = writerState(buf, writer);
    if (!readAvail(buf, w)) break;
    const start = readStartPos(buf, file.fPos);
    let avail = readSubbufAvail(buf, w, start);
    if (avail === 0) break;
    if (avail > count) avail = count;
    if (dst !== null) dst.set(buf.data.subarray(start, start + avail), read);
    chunks?.push(start, avail);
    read += avail;
    count -= avail;
    readConsume(buf, w, start, avail);
    file.fPos = readEndPos(buf, start, avail);
  }
  return read;
}

export const POLLIN = 0x0001;
export const POLLERR = 0x0008;
export const POLLRDNORM = 0x0040;

/**
 * `poll(2)` (§6.3): POLLERR once finalized; POLLIN|POLLRDNORM when a produced sub-buffer is
 * unconsumed; otherwise 0, and with `sleep` the caller stays on `read_wait` until a
 * production wakes it.
 */
export function relayFilePoll(file: RelayFile, sleep = true): number {
  const buf = file.buf;
  if (buf.ctl.load(B_FINALIZED) === 1) return POLLERR;
  // poll_wait: on the wait queue first, then look. A production between the two then finds
  // the poller queued and wakes it; looking first could lose that wakeup on another thread.
  // Both sides are seq-cst (this add, the writer's store of subbufs_produced and its load of
  // the sleepers), so one of them sees the other: the kernel's smp_mb pair.
  if (sleep) buf.words.add(W_SLEEPERS, 1);
  if (relayBufEmpty(buf)) return 0;
  if (sleep) relayPollCancel(file);
  return POLLIN | POLLRDNORM;
}

/** One mapping of a relay file (a VMA): the pages it has faulted in so far. */
export interface RelayMapping {
  readonly file: RelayFile;
  /** Names the mapping in fault events. */
  readonly id: number;
  readonly length: number;
  /** 1 for each page of the buffer this mapping has faulted in. */
  readonly faulted: Uint8Array;
  faults: number;
}

/**
 * `relay_file_mmap` (§6.4): the buffer is mapped whole or not at all. Any length other than
 * alloc_size is EINVAL. No page is present until it is touched.
 */
export function relayFileMmap(file: RelayFile, length: number, id: number): RelayMapping | RelayErrno {
  const chan = file.buf.chan;
  if (length !== chan.allocSize) return 'EINVAL';
  return { file, id, length, faulted: new Uint8Array(chan.allocSize / PAGE_SIZE), faults: 0 };
}

/**
 * `relay_buf_fault`: the first touch of page `pgoff` through the mapping supplies the buffer's
 * page there. Returns true when this touch faulted. Pages beyond the buffer are SIGBUS,
 * which a mapping of exactly alloc_size never reaches.
 */
export function relayBufFault(map: RelayMapping, pgoff: number): boolean {
  if (map.faulted[pgoff] === 1) return false;
  map.faulted[pgoff] = 1;
  map.faults += 1;
  const buf = map.file.buf;
  buf.chan.tracer?.({ kind: 'fault', buf, page: pgoff, mapping: map.id });
  return true;
}

/**
 * sendfile(2)/splice(2) from a relay file (§6.5). Up to v6.7 relay's splice_read sent whole
 * produced sub-buffers without their padding and consumed them; relayscope sends them (the rest
 * of one a read started) while they fit in `count`, and never the writer's current one. From
 * v6.8 there is no splice_read: EINVAL. Copies into `dst` as relayFileRead does.
 */
export function relayFileSendfile(file: RelayFile, count: number, dst: Uint8Array | null, chunks?: number[]): number | RelayErrno {
  const buf = file.buf;
  if (!buf.chan.features.spliceRead) return 'EINVAL';
  const ctl = buf.ctl;
  const sbs = buf.subbufSize;
  let sent = 0;
  const ready = spliceSubbufs(buf);
  // An overwriting writer lapped the consumer: the sub-buffers it rewrote are gone.
  if (ready.length > 0 && ready[0].seq > ctl.load64(B_SUBBUFS_CONSUMED)) {
    consumeSubbufs(buf, ready[0].seq - ctl.load64(B_SUBBUFS_CONSUMED), 'lapped');
    ctl.store(B_BYTES_CONSUMED, 0);
  }
  for (const { subbuf, padding } of ready) {
    const skip = Math.min(ctl.load(B_BYTES_CONSUMED), sbs - padding);
    const length = sbs - padding - skip;
    if (length > count - sent) break;
    const start = subbuf * sbs + skip;
    if (dst !== null) dst.set(buf.data.subarray(start, start + length), sent);
    if (length > 0) chunks?.push(start, length);
    sent += length;
    consumeSubbufs(buf, 1, 'read');
    ctl.store(B_BYTES_CONSUMED, 0);
    file.fPos = ((subbuf + 1) % buf.nSubbufs) * sbs;
  }
  return sent;
}

/** One produced, unconsumed sub-buffer, as splice_read walks them and an mmap reader finds them. */
export interface MmapSubbuf {
  /** Ring index. */
  subbuf: number;
  /** The absolute sub-buffer number (`subbufs_consumed` + k). */
  seq: number;
  padding: number;
}

/**
 * The produced, unconsumed sub-buffers from `consumed % n` on, with the padding relay recorded
 * for each (§6.1, §6.4, §6.5): what splice_read (up to v6.7) sends, and what user space's mmap
 * reader computes from the same counters (sim/mapping.ts, relayMmapView). When an overwriting
 * writer is more than a lap ahead, the older ones are gone: a live writer owns the slot of
 * `produced - n`, so only the newest n-1 produced sub-buffers are intact (all n when stalled).
 */
export function spliceSubbufs(buf: RchanBuf): MmapSubbuf[] {
  const ctl = buf.ctl;
  const n = buf.nSubbufs;
  const w = writerState(buf, writer);
  const produced = w.produced;
  const stalled = w.offset === buf.subbufSize + 1;
  const first = Math.max(ctl.load64(B_SUBBUFS_CONSUMED), stalled ? produced - n : produced - n + 1);
  const out: MmapSubbuf[] = [];
  for (let seq = first; seq < produced; seq++) {
    const subbuf = seq % n;
    // After the snapshot's acquire of subbufs_produced: the writer stored this padding before it.
    out.push({ subbuf, seq, padding: ctl.load(B_PADDING + subbuf) });
  }
  return out;
}

/**
 * `poll_freewait`: a poller that stops waiting (its timeout ran out, or another file woke it)
 * leaves `read_wait`. A wakeup that already emptied the queue leaves nothing to remove.
 */
export function relayPollCancel(file: RelayFile): void {
  const w = file.buf.words;
  for (;;) {
    const sleepers = w.load(W_SLEEPERS);
    if (sleepers === 0 || w.compareExchange(W_SLEEPERS, sleepers, sleepers - 1) === sleepers) return;
  }
}
