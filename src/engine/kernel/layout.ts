/**
 * The flat memory of one relay channel: every field of `struct rchan` and of each
 * `struct rchan_buf` lives at a fixed offset of one ArrayBuffer or SharedArrayBuffer, so that
 * the same bytes can be driven by this module on the main thread, in Node, or by producer and
 * reader workers sharing the memory.
 *
 *   [ channel block: Int32 ]  struct rchan (CH_*)
 *   [ buffer blocks: Int32 ]  one struct rchan_buf per buffer (B_*, then padding[n])
 *   [ words:         Int32 ]  per-buffer and channel-wide words: wait queues, wakeups, seqlocks
 *   [ data:          bytes ]  one page-aligned region of alloc_size bytes per buffer
 *
 * Shared memory by the memory model: the producer of a CPU, the reader of its buffer and the
 * page all touch these fields from different threads, so every field is an integer word that
 * only `Atomics` touches (SharedWords, shared.ts: a plain access does not compile). Counters
 * that can pass 2^32 in a long run (`subbufs_produced`, `subbufs_consumed`, i_size, the
 * statistics, `last_toobig`) are 64-bit: a low and a high Int32 word, read across threads
 * under the seqlock their row of SHARED_FIELDS names. The record bytes themselves are plain:
 * they are published by the release store of `offset` that follows the copy, and a reader
 * loads `offset` (acquire) before it reads them.
 *
 * Memory that is not shared (an ArrayBuffer: the deterministic engine on one thread) cannot
 * be seen by another thread, so SharedWords reaches it with plain loads and stores.
 *
 * SHARED_FIELDS below is the one table of who writes what, who reads it, and which barrier
 * orders it; layout.test.ts checks that the constants here match it.
 */

export const PAGE_SIZE = 4096;
/** Largest whole-channel memory relayscope allocates: the page-aligned buffers summed. */
export const RELAY_MEMORY_CAP = 512 * 1024 * 1024;
/** x86-64 with 4 KiB pages: 2^(PAGE_SHIFT + MAX_PAGE_ORDER). Bounds the padding array. */
export const KMALLOC_MAX_SIZE = 4 * 1024 * 1024;
const SIZEOF_SIZE_T = 8;
export const MAX_N_SUBBUFS = KMALLOC_MAX_SIZE / SIZEOF_SIZE_T;
export const UINT_MAX = 0xffffffff;
/** The most possible CPUs a channel can have in relayscope. */
export const NR_CPUS = 64;
export const RELAYFS_CHANNEL_VERSION = 7;

export const pageAlign = (bytes: number): number => Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;

// struct rchan: word indices into the channel block. Written by the channel-wide operations
// (open, hotplug, close), which run while every producer and reader is paused, except
// LAST_TOOBIG, written by any writer.
export const CH_VERSION = 0;
export const CH_SUBBUF_SIZE = 1;
export const CH_N_SUBBUFS = 2;
export const CH_ALLOC_SIZE = 3;
export const CH_NR_CPUS = 4;
export const CH_IS_GLOBAL = 5;
/** Legacy (up to v6.16) `last_toobig`: length of the last record refused as too big (64-bit). */
export const CH_LAST_TOOBIG = 6;
/** 1 while the channel is on the list of open channels (hotplug reaches it); 0 after close. */
export const CH_ON_LIST = 8;
/** Buffers created so far; buffer k is the k-th one created. */
export const CH_N_BUFS = 9;
export const CH_MAX_BUFS = 10;
/** The kernel version the channel behaves as: an index into KERNEL_VERSIONS (0, v6.17, when zeroed). */
export const CH_KERNEL = 11;
/**
 * `chan->kref`: one reference held by the client from relay_open to relay_close, plus one per
 * buffer whose memory is not yet freed (a buffer uses its channel until it is destroyed).
 */
export const CH_KREF = 12;
/** 1 once the last reference is gone and the channel is freed. */
export const CH_FREED = 13;
const CH_FIXED = 16;
/** `per_cpu_ptr(chan->buf, cpu)`: buffer index + 1, or 0 for none. NR_CPUS entries. */
export const CH_SLOTS = CH_FIXED;
/** `cpu_online_mask`, one entry per possible CPU: 1 online, 0 offline. */
export const CH_ONLINE = CH_SLOTS + NR_CPUS;
const CH_FIELDS = CH_ONLINE + NR_CPUS;

// struct rchan_buf: word indices into a buffer's block. 64-bit counters take two words.
export const B_CPU = 0;
/**
 * Write offset in the current sub-buffer: 0..sbs, or sbs+1 when stalled. Producer-owned: the
 * writer keeps a plain copy (RchanBuf.wOffset) and stores both with RchanBuf.setOffset.
 */
export const B_OFFSET = 1;
/** Index of the sub-buffer `data` points at. Producer-owned, with a plain copy (RchanBuf.wData). */
export const B_DATA = 2;
export const B_SUBBUFS_PRODUCED = 3;
/** Consumer-owned, except at reset. */
export const B_SUBBUFS_CONSUMED = 5;
export const B_BYTES_CONSUMED = 7;
export const B_FINALIZED = 8;
export const B_FULL_COUNT = 9;
export const B_BIG_COUNT = 11;
/** The relay file's inode `i_size`. */
export const B_I_SIZE = 13;
/** Up to v6.16: padding of the sub-buffer produced last, passed to the callback. */
export const B_PREV_PADDING = 15;
/** The CPU in the relay file's name (base_filename + CPU); for a global buffer, the first online CPU. */
export const B_FILE_CPU = 16;
/** 1 once the buffer's memory is freed (the channel closed and its last file released). */
export const B_FREED = 17;
/** `kref`: one reference for the channel plus one per open file. */
export const B_KREF = 18;
/** First of the n entries of `padding[]`. */
export const B_PADDING = 20;

/**
 * Words per buffer: `read_wait` and `wakeup_work`, and the two seqlocks.
 * - W_SLEEPERS: tasks asleep on read_wait (a reader adds itself in poll; the wakeup clears it).
 * - W_WAKEUP_PENDING: the deferred wakeup (irq_work) is queued and has not run.
 * - W_WAIT: a generation count the wakeup bumps; sleepers Atomics.wait on it.
 * - W_SWITCH: odd while relay_switch_subbuf (or reset) changes the writer's state, even
 *   otherwise (a seqlock): readers on other threads take `subbufs_produced`, `offset` and
 *   `data` as one consistent moment under it, and read the writer's 64-bit counters under it.
 *   A write that stays in the current sub-buffer moves only `offset`, with one release store,
 *   and does not touch it.
 * - W_CONSUMED: the same for the consumer's `subbufs_consumed` (64-bit), which the writer
 *   reads at every switch to see whether the buffer is full.
 */
export const W_SLEEPERS = 0;
export const W_WAKEUP_PENDING = 1;
export const W_WAIT = 2;
export const W_SWITCH = 3;
export const W_CONSUMED = 4;
export const WORDS_PER_BUF = 8;
/** Channel-wide words after the per-buffer ones: a wait word for a reader serving every CPU. */
export const W_CHANNEL_WAIT = 0;
const CHANNEL_WORDS = 4;

/** How a shared field is stored: one Int32 word, or a 64-bit counter as low and high words. */
export type SharedType = 'i32' | 'u64';
/**
 * Who touches a field. `writer`: the producer of the buffer's CPU (relay_write, relay_reserve,
 * relay_switch_subbuf and the subbuf_start callback it runs). `reader`: the consumer of the
 * buffer (read, poll, mmap, sendfile, relay_subbufs_consumed, file open). `control`: the
 * channel-wide operations (relay_open, reset, flush, close, hotplug, file release), which run
 * with every producer and reader paused. `view`: the page's frame loop and the reports.
 */
export type SharedThread = 'writer' | 'reader' | 'control' | 'view';

export interface SharedField {
  /** The kernel's name. */
  name: string;
  block: 'rchan' | 'rchan_buf' | 'words';
  /** Word index in its block; `count` words (padding[] has n_subbufs, the slots NR_CPUS). */
  index: number;
  type: SharedType;
  count?: 'n_subbufs' | 'nr_cpus';
  writers: readonly SharedThread[];
  readers: readonly SharedThread[];
  /** What orders it for the threads that read it. */
  barrier: string;
}

const OPEN = 'set by relay_open before the memory is handed to any other thread (a message carries it after)';
const PAUSED = 'written only with producers and readers paused: ordered by the pause handshake (CTL_ACK, then the RUN store); Atomics.load after';
const SWITCH = 'Atomics.store inside the W_SWITCH seqlock (odd while a switch runs); other threads read it between two equal even loads of W_SWITCH';

/** Every shared field: its type, its writer, its readers and the barrier that orders it. */
export const SHARED_FIELDS: readonly SharedField[] = [
  { name: 'version', block: 'rchan', index: CH_VERSION, type: 'i32', writers: ['control'], readers: ['view'], barrier: PAUSED },
  { name: 'subbuf_size', block: 'rchan', index: CH_SUBBUF_SIZE, type: 'i32', writers: ['control'], readers: ['writer', 'reader', 'view'], barrier: OPEN },
  { name: 'n_subbufs', block: 'rchan', index: CH_N_SUBBUFS, type: 'i32', writers: ['control'], readers: ['writer', 'reader', 'view'], barrier: OPEN },
  { name: 'alloc_size', block: 'rchan', index: CH_ALLOC_SIZE, type: 'i32', writers: ['control'], readers: ['writer', 'reader', 'view'], barrier: OPEN },
  { name: 'nr_cpus', block: 'rchan', index: CH_NR_CPUS, type: 'i32', writers: ['control'], readers: ['writer', 'reader', 'view'], barrier: OPEN },
  { name: 'is_global', block: 'rchan', index: CH_IS_GLOBAL, type: 'i32', writers: ['control'], readers: ['writer', 'reader', 'view'], barrier: OPEN },
  { name: 'last_toobig', block: 'rchan', index: CH_LAST_TOOBIG, type: 'u64', writers: ['writer'], readers: ['control', 'view'], barrier: 'last writer wins, as in the kernel; record sizes of live runs stay below 2^32, so the high word stays 0 and racing writers cannot tear it; control reads it paused' },
  { name: 'on_list', block: 'rchan', index: CH_ON_LIST, type: 'i32', writers: ['control'], readers: ['writer', 'view'], barrier: PAUSED },
  { name: 'n_bufs', block: 'rchan', index: CH_N_BUFS, type: 'i32', writers: ['control'], readers: ['writer', 'reader', 'view'], barrier: PAUSED },
  { name: 'max_bufs', block: 'rchan', index: CH_MAX_BUFS, type: 'i32', writers: ['control'], readers: ['view'], barrier: PAUSED },
  { name: 'kernel', block: 'rchan', index: CH_KERNEL, type: 'i32', writers: ['control'], readers: ['writer', 'reader', 'view'], barrier: OPEN },
  { name: 'kref', block: 'rchan', index: CH_KREF, type: 'i32', writers: ['control'], readers: ['view'], barrier: PAUSED },
  { name: 'freed', block: 'rchan', index: CH_FREED, type: 'i32', writers: ['control'], readers: ['view'], barrier: PAUSED },
  { name: 'buf (per-CPU pointers)', block: 'rchan', index: CH_SLOTS, type: 'i32', count: 'nr_cpus', writers: ['control'], readers: ['writer', 'reader', 'view'], barrier: PAUSED },
  { name: 'cpu_online_mask', block: 'rchan', index: CH_ONLINE, type: 'i32', count: 'nr_cpus', writers: ['control'], readers: ['writer', 'view'], barrier: PAUSED },
  { name: 'cpu', block: 'rchan_buf', index: B_CPU, type: 'i32', writers: ['control'], readers: ['writer', 'reader', 'view'], barrier: 'set when the buffer is created, before any thread that uses it is told of it' },
  { name: 'offset', block: 'rchan_buf', index: B_OFFSET, type: 'i32', writers: ['writer'], readers: ['reader', 'view'], barrier: 'release: one Atomics.store per record, after the record is copied; a reader Atomics.loads it (acquire) before reading the bytes below it. At a switch, inside W_SWITCH. The writer reads its own plain copy (RchanBuf.wOffset), taken again with Atomics.load after a pause, at every switch and under the global buffer\'s lock' },
  { name: 'data', block: 'rchan_buf', index: B_DATA, type: 'i32', writers: ['writer'], readers: ['reader', 'view'], barrier: `${SWITCH}; the writer reads its own plain copy (RchanBuf.wData), taken again as for offset` },
  { name: 'subbufs_produced', block: 'rchan_buf', index: B_SUBBUFS_PRODUCED, type: 'u64', writers: ['writer'], readers: ['reader', 'view'], barrier: `${SWITCH}; stored after padding[] and i_size, so a reader that sees it sees them` },
  { name: 'subbufs_consumed', block: 'rchan_buf', index: B_SUBBUFS_CONSUMED, type: 'u64', writers: ['reader'], readers: ['writer', 'view'], barrier: 'Atomics.store inside the W_CONSUMED seqlock; the writer reads it between two equal even loads of W_CONSUMED at every switch' },
  { name: 'bytes_consumed', block: 'rchan_buf', index: B_BYTES_CONSUMED, type: 'i32', writers: ['reader'], readers: ['view'], barrier: 'Atomics.store; a view may see it a moment old' },
  { name: 'finalized', block: 'rchan_buf', index: B_FINALIZED, type: 'i32', writers: ['control'], readers: ['reader', 'view'], barrier: PAUSED },
  { name: 'stats.full_count', block: 'rchan_buf', index: B_FULL_COUNT, type: 'u64', writers: ['writer'], readers: ['view', 'control'], barrier: SWITCH },
  { name: 'stats.big_count', block: 'rchan_buf', index: B_BIG_COUNT, type: 'u64', writers: ['writer'], readers: ['view', 'control'], barrier: SWITCH },
  { name: 'i_size', block: 'rchan_buf', index: B_I_SIZE, type: 'u64', writers: ['writer'], readers: ['view'], barrier: SWITCH },
  { name: 'prev_padding', block: 'rchan_buf', index: B_PREV_PADDING, type: 'i32', writers: ['writer'], readers: ['view'], barrier: SWITCH },
  { name: 'file cpu', block: 'rchan_buf', index: B_FILE_CPU, type: 'i32', writers: ['control'], readers: ['reader', 'view'], barrier: 'set when the buffer is created, before any thread that uses it is told of it' },
  { name: 'freed', block: 'rchan_buf', index: B_FREED, type: 'i32', writers: ['control'], readers: ['view'], barrier: PAUSED },
  { name: 'kref', block: 'rchan_buf', index: B_KREF, type: 'i32', writers: ['reader', 'control'], readers: ['view'], barrier: 'Atomics.add by the thread that opens a file, Atomics.sub-style add at release; read-modify-writes never lose a count' },
  { name: 'padding[]', block: 'rchan_buf', index: B_PADDING, type: 'i32', count: 'n_subbufs', writers: ['writer'], readers: ['reader', 'view'], barrier: 'Atomics.store before the release of subbufs_produced (inside W_SWITCH); a reader loads it after it has seen the sub-buffer produced' },
  { name: 'read_wait (sleepers)', block: 'words', index: W_SLEEPERS, type: 'i32', writers: ['reader', 'writer'], readers: ['writer'], barrier: 'Atomics.add by a poller before it looks (poll_wait), Atomics.exchange by the wakeup: a production between the two finds the poller queued' },
  { name: 'wakeup_work pending', block: 'words', index: W_WAKEUP_PENDING, type: 'i32', writers: ['writer', 'control'], readers: ['writer', 'control'], barrier: 'Atomics.compareExchange queues it once; Atomics.exchange runs it once' },
  { name: 'read_wait (generation)', block: 'words', index: W_WAIT, type: 'i32', writers: ['writer', 'control'], readers: ['reader'], barrier: 'Atomics.add then Atomics.notify; a sleeper Atomics.waits on the value it loaded before polling' },
  { name: 'switch seqlock', block: 'words', index: W_SWITCH, type: 'i32', writers: ['writer', 'control'], readers: ['reader', 'view'], barrier: 'Atomics.add before and after the writer changes data, subbufs_produced and padding[]' },
  { name: 'consumed seqlock', block: 'words', index: W_CONSUMED, type: 'i32', writers: ['reader', 'control'], readers: ['writer', 'view'], barrier: 'Atomics.add before and after the consumer changes subbufs_consumed' },
];

/** Words a field takes: 1 or 2 each, times n_subbufs or nr_cpus for arrays. */
export const sharedFieldWords = (f: SharedField, nSubbufs: number): number =>
  (f.type === 'u64' ? 2 : 1) * (f.count === 'n_subbufs' ? nSubbufs : f.count === 'nr_cpus' ? NR_CPUS : 1);

export interface ChannelGeometry {
  subbufSize: number;
  nSubbufs: number;
  nrCpus: number;
  isGlobal: boolean;
}

export interface ChannelLayout extends ChannelGeometry {
  allocSize: number;
  /** Buffers the memory has room for: one when global, else one per possible CPU. */
  maxBufs: number;
  /** Words (Int32) in one buffer's block. */
  bufFields: number;
  /** Word index of buffer k's block is chanFields + k * bufFields. */
  chanFields: number;
  /** Byte offset of the words region (Int32), and its length in words. */
  wordsOffset: number;
  wordCount: number;
  /** Byte offset of buffer 0's data; buffer k's is dataOffset + k * allocSize. */
  dataOffset: number;
  byteLength: number;
}

/** Memory of the page-aligned buffers summed: what the cap limits. */
export const buffersMemory = (g: ChannelGeometry): number =>
  pageAlign(g.subbufSize * g.nSubbufs) * (g.isGlobal ? 1 : g.nrCpus);

/** The one function that sizes a channel's memory. Geometry must already be valid. */
export function channelLayout(g: ChannelGeometry): ChannelLayout {
  const allocSize = pageAlign(g.subbufSize * g.nSubbufs);
  const maxBufs = g.isGlobal ? 1 : g.nrCpus;
  const bufFields = B_PADDING + g.nSubbufs;
  const controlBytes = (CH_FIELDS + maxBufs * bufFields) * 4;
  const wordCount = maxBufs * WORDS_PER_BUF + CHANNEL_WORDS;
  const dataOffset = pageAlign(controlBytes + wordCount * 4);
  return {
    ...g,
    allocSize,
    maxBufs,
    bufFields,
    chanFields: CH_FIELDS,
    wordsOffset: controlBytes,
    wordCount,
    dataOffset,
    byteLength: dataOffset + maxBufs * allocSize,
  };
}

/** Index of the first channel-wide word in the words region. */
export const channelWordsBase = (layout: ChannelLayout): number => layout.maxBufs * WORDS_PER_BUF;
