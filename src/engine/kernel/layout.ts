/**
 * The flat memory of one relay channel: every field of `struct rchan` and of each
 * `struct rchan_buf` lives at a fixed offset of one ArrayBuffer or SharedArrayBuffer, so that
 * the same bytes can be driven by this module on the main thread, in Node, or by producer and
 * reader workers sharing the memory.
 *
 *   [ control: Float64 ]  channel block, then one block per buffer (fields + padding[n])
 *   [ words:   Int32   ]  per-buffer and channel-wide words for Atomics (wait/notify)
 *   [ data:    bytes   ]  one page-aligned region of alloc_size bytes per buffer
 *
 * Counters are Float64: exact integers up to 2^53, so `subbufs_produced` and friends keep
 * counting far past 2^32 (the kernel's are size_t), and `counter % n` stays right.
 *
 * Ownership (which thread writes a field) matters once producers and readers run on different
 * threads. Within this module every access is a plain load or store: the kernel model is
 * single-threaded per operation, as relay.c is per CPU with interrupts off. Code that shares
 * the memory across threads publishes with Atomics on the words region after the plain stores
 * (write the payload, then the fields, then Atomics.store a word), and readers Atomics.load
 * that word before reading fields: that is what orders the plain stores for them.
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

// struct rchan: indices into the channel block (Float64). Written only by channel-wide
// operations (open, hotplug, close), except LAST_TOOBIG, written by any writer.
export const CH_VERSION = 0;
export const CH_SUBBUF_SIZE = 1;
export const CH_N_SUBBUFS = 2;
export const CH_ALLOC_SIZE = 3;
export const CH_NR_CPUS = 4;
export const CH_IS_GLOBAL = 5;
/** Legacy (up to v6.16) `last_toobig`: length of the last record refused as too big. */
export const CH_LAST_TOOBIG = 6;
/** 1 while the channel is on the list of open channels (hotplug reaches it); 0 after close. */
export const CH_ON_LIST = 7;
/** Buffers created so far; buffer k is the k-th one created. */
export const CH_N_BUFS = 8;
export const CH_MAX_BUFS = 9;
/** The kernel version the channel behaves as: an index into KERNEL_VERSIONS (0, v6.17, when zeroed). */
export const CH_KERNEL = 10;
/**
 * `chan->kref`: one reference held by the client from relay_open to relay_close, plus one per
 * buffer whose memory is not yet freed (a buffer uses its channel until it is destroyed).
 */
export const CH_KREF = 11;
/** 1 once the last reference is gone and the channel is freed. */
export const CH_FREED = 12;
const CH_FIXED = 16;
/** `per_cpu_ptr(chan->buf, cpu)`: buffer index + 1, or 0 for none. NR_CPUS entries. */
export const CH_SLOTS = CH_FIXED;
/** `cpu_online_mask`, one entry per possible CPU: 1 online, 0 offline. */
export const CH_ONLINE = CH_SLOTS + NR_CPUS;
const CH_FIELDS = CH_ONLINE + NR_CPUS;

// struct rchan_buf: indices into a buffer's block (Float64).
export const B_CPU = 0;
/** Write offset in the current sub-buffer: 0..sbs, or sbs+1 when stalled. Producer-owned. */
export const B_OFFSET = 1;
/** Index of the sub-buffer `data` points at. Producer-owned. */
export const B_DATA = 2;
export const B_SUBBUFS_PRODUCED = 3;
/** Consumer-owned, except at reset. */
export const B_SUBBUFS_CONSUMED = 4;
export const B_BYTES_CONSUMED = 5;
export const B_FINALIZED = 6;
export const B_FULL_COUNT = 7;
export const B_BIG_COUNT = 8;
/** The relay file's inode `i_size`. */
export const B_I_SIZE = 9;
/** Up to v6.16: padding of the sub-buffer produced last, passed to the callback. */
export const B_PREV_PADDING = 10;
/** The CPU in the relay file's name (base_filename + CPU); for a global buffer, the first online CPU. */
export const B_FILE_CPU = 11;
/** 1 once the buffer's memory is freed (the channel closed and its last file released). */
export const B_FREED = 12;
/**
 * `kref`: one reference for the channel plus one per open file. Plain stores, like every
 * field: each reader thread opens only its own buffers' files, and close and release run on
 * the thread that owns the channel's lifetime.
 */
export const B_KREF = 13;
/** First of the n entries of `padding[]`. */
export const B_PADDING = 16;

/**
 * Words (Int32) per buffer: `read_wait` and `wakeup_work`, the state readers and writers
 * share across threads, always accessed with Atomics.
 * - W_SLEEPERS: tasks asleep on read_wait (a reader adds itself in poll; the wakeup clears it).
 * - W_WAKEUP_PENDING: the deferred wakeup (irq_work) is queued and has not run.
 * - W_WAIT: a generation count the wakeup bumps; sleepers Atomics.wait on it.
 * - W_SWITCH: odd while relay_switch_subbuf changes the writer's state, even otherwise (a
 *   seqlock): readers on other threads take `subbufs_produced`, `offset` and `data` as one
 *   consistent moment under it. Plain writes only move `offset` forward within the current
 *   sub-buffer and do not touch it.
 */
export const W_SLEEPERS = 0;
export const W_WAKEUP_PENDING = 1;
export const W_WAIT = 2;
export const W_SWITCH = 3;
export const WORDS_PER_BUF = 4;
/** Channel-wide words after the per-buffer ones: a wait word for a reader serving every CPU. */
export const W_CHANNEL_WAIT = 0;
const CHANNEL_WORDS = 4;

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
  /** Float64 entries in one buffer's block. */
  bufFields: number;
  /** Float64 index of buffer k's block is chanFields + k * bufFields. */
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
  const controlBytes = (CH_FIELDS + maxBufs * bufFields) * 8;
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
