/**
 * `struct rchan` and `struct rchan_buf` as views over the channel's flat memory (layout.ts).
 * Any thread can build its own views over the same memory with `Rchan.attach`.
 */
import {
  B_CPU,
  B_DATA,
  B_FILE_CPU,
  B_FREED,
  B_KREF,
  B_OFFSET,
  B_PADDING,
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  B_BIG_COUNT,
  B_FULL_COUNT,
  B_I_SIZE,
  CH_ALLOC_SIZE,
  CH_FREED,
  CH_IS_GLOBAL,
  CH_KERNEL,
  CH_KREF,
  CH_LAST_TOOBIG,
  CH_N_BUFS,
  CH_N_SUBBUFS,
  CH_NR_CPUS,
  CH_ON_LIST,
  CH_ONLINE,
  CH_SLOTS,
  CH_SUBBUF_SIZE,
  W_CONSUMED,
  W_SWITCH,
  WORDS_PER_BUF,
  channelLayout,
  type ChannelLayout,
} from './layout.ts';
import { SharedWords, readSeq64 } from './shared.ts';
import { KERNEL_VERSIONS, kernelFeatures, type KernelFeatures, type KernelVersion } from './versions.ts';

export type ChannelMemory = ArrayBuffer | SharedArrayBuffer;

/** A debugfs-like folder for the relay files when the client names none. */
export const RELAY_PARENT = '/sys/kernel/debug/relayscope';
/** `S_IRUSR`: relay files are created read-only for their owner. */
export const RELAY_FILE_MODE = 0o400;

/** The client's callbacks (`struct rchan_callbacks`). */
export interface RchanCallbacks {
  /**
   * `subbuf_start(buf, subbuf, prev_subbuf)`: return true to let the writer into `subbuf`.
   * `prevSubbuf` is null at open and reset. Absent: relay's default no-overwrite policy.
   * The callback may reserve a header with `subbufStartReserve`. Up to v6.16 the kernel
   * passes `prev_padding` too; from v6.17 `prevPadding` is undefined.
   */
  subbufStart?: (buf: RchanBuf, subbuf: number, prevSubbuf: number | null, prevPadding?: number) => boolean;
  /** What `create_buf_file` reports through its `is_global` out-parameter. */
  isGlobal: boolean;
}

/** What relay does, as it happens: the tracepoints of the model. Emitted off the fast path. */
export type RelayEvent =
  | { kind: 'buf_create'; buf: RchanBuf; cpu: number }
  | { kind: 'produce'; buf: RchanBuf; subbuf: number; padding: number; subbufsProduced: number }
  | { kind: 'subbuf_start'; buf: RchanBuf; subbuf: number; prevSubbuf: number | null; full: boolean; accepted: boolean }
  | { kind: 'toobig'; buf: RchanBuf; length: number; afterHeader: boolean }
  | { kind: 'wakeup_queued'; buf: RchanBuf }
  | { kind: 'wakeup'; buf: RchanBuf; woken: number }
  | { kind: 'consumed'; buf: RchanBuf; from: number; to: number; cause: ConsumeCause }
  | { kind: 'reset'; buf: RchanBuf }
  | { kind: 'flush'; buf: RchanBuf }
  | { kind: 'close'; buf: RchanBuf }
  /** Up to v6.16: relay_close's warning that records too big for a sub-buffer were not logged. */
  | { kind: 'toobig_warning'; buf: RchanBuf; lastToobig: number; subbufSize: number }
  /** A file of the buffer was opened or released; `kref` is the buffer's count after it. */
  | { kind: 'file_open'; buf: RchanBuf; kref: number }
  | { kind: 'file_release'; buf: RchanBuf; kref: number }
  /** The last reference went: the buffer's pages are freed (relay_destroy_buf). */
  | { kind: 'buf_free'; buf: RchanBuf; chanKref: number }
  /** The channel's last reference went (relay_destroy_channel); `buf` is the buffer freed last. */
  | { kind: 'chan_free'; buf: RchanBuf }
  /** A mapped reader touched a page not yet in its mapping: relay_buf_fault supplied it. */
  | { kind: 'fault'; buf: RchanBuf; page: number; mapping: number };

/**
 * Why `subbufs_consumed` moved: `read` finished a sub-buffer, the client called
 * `relay_subbufs_consumed`, or read() found itself lapped by an overwriting writer.
 */
export type ConsumeCause = 'read' | 'subbufs_consumed' | 'lapped';

export type RelayTracer = (event: RelayEvent) => void;

export class RchanBuf {
  /** The buffer's fields and `padding[]` (indices B_* of layout.ts), atomic words only. */
  readonly ctl: SharedWords;
  /** The buffer's alloc_size bytes: `buf->start`. Published by the release store of `offset`. */
  readonly data: Uint8Array;
  /** This buffer's wait and seqlock words (W_* of layout.ts). */
  readonly words: SharedWords;
  readonly subbufSize: number;
  readonly nSubbufs: number;
  /**
   * This thread is inside the buffer's switch seqlock (W_SWITCH odd by its own hand): a plain
   * property of this thread's view, not shared memory. Code the switch calls (the callback, a
   * tracer) reads the writer's counters directly then, instead of waiting for an even count.
   */
  switching = false;
  /**
   * The writer's plain copies of `offset` and `data` (B_OFFSET, B_DATA). The writer is the
   * only thread that changes them while it runs, so it reads them here instead of loading
   * them, and stores them with `setOffset`/`setData`, which keep the copy and the shared word
   * together (the store stays the release). Another thread's view may hold a stale copy:
   * `resync` loads the words again. The writer resyncs when it starts after a pause (the
   * coordinator may have reset, flushed or hot-plugged meanwhile) and when it takes a shared
   * lock (several threads write a global buffer); every switch resyncs first, so a flush or
   * reset run from the coordinator's view starts from the words.
   */
  wOffset = 0;
  wData = 0;
  /**
   * Sub-buffers this view produced: a plain count of this thread's own, so that a writer sees
   * whether its write produced without loading `subbufs_produced`.
   */
  productions = 0;

  constructor(
    readonly chan: Rchan,
    /** Creation index: the k-th buffer created, and its place in memory. */
    readonly index: number,
  ) {
    const l = chan.layout;
    this.ctl = new SharedWords(chan.memory, (l.chanFields + index * l.bufFields) * 4, l.bufFields);
    this.data = new Uint8Array(chan.memory, l.dataOffset + index * l.allocSize, l.allocSize);
    this.words = new SharedWords(chan.memory, l.wordsOffset + index * WORDS_PER_BUF * 4, WORDS_PER_BUF);
    this.subbufSize = l.subbufSize;
    this.nSubbufs = l.nSubbufs;
    this.resync();
  }

  /** Takes the writer's copies of `offset` and `data` from the shared words (acquire loads). */
  resync(): void {
    this.wOffset = this.ctl.load(B_OFFSET);
    this.wData = this.ctl.load(B_DATA);
  }

  /** The writer stores `offset`: its copy, then the shared word (the release store). */
  setOffset(value: number): void {
    this.wOffset = value;
    this.ctl.store(B_OFFSET, value);
  }

  /** The writer stores `data`: its copy, then the shared word. */
  setData(value: number): void {
    this.wData = value;
    this.ctl.store(B_DATA, value);
  }

  get cpu(): number {
    return this.ctl.load(B_CPU);
  }

  /** The relay file's name: base_filename followed by the CPU number. */
  get fileName(): string {
    return `${this.chan.baseFilename}${this.ctl.load(B_FILE_CPU)}`;
  }

  /** Where the file lives: the parent folder and the name. */
  get filePath(): string {
    return `${this.chan.parent}/${this.fileName}`;
  }

  /** `kref`: one for the channel until relay_close, plus one per open file. */
  get kref(): number {
    return this.ctl.load(B_KREF);
  }

  /** The buffer's pages are freed: nothing may use it any more. */
  get freed(): boolean {
    return this.ctl.load(B_FREED) === 1;
  }

  /** `offset == subbuf_size + 1`: the last switch was refused and the writer owns nothing. */
  get stalled(): boolean {
    return this.ctl.load(B_OFFSET) === this.subbufSize + 1;
  }

  /** Buffer position the writer would write to next (`data + offset`). */
  get writePos(): number {
    return this.ctl.load(B_DATA) * this.subbufSize + this.ctl.load(B_OFFSET);
  }

  padding(subbuf: number): number {
    return this.ctl.load(B_PADDING + subbuf);
  }

  /** `subbufs_produced`, read under the writer's switch seqlock: exact from any thread. */
  get produced(): number {
    return this.switching ? this.ctl.load64(B_SUBBUFS_PRODUCED) : readSeq64(this.words, W_SWITCH, this.ctl, B_SUBBUFS_PRODUCED);
  }

  /** `subbufs_consumed`, read under the consumer's seqlock: exact from any thread. */
  get consumed(): number {
    return readSeq64(this.words, W_CONSUMED, this.ctl, B_SUBBUFS_CONSUMED);
  }

  /** Sub-buffers produced and not consumed: what an mmap reader may process. */
  get ready(): number {
    return this.produced - this.consumed;
  }

  /**
   * Any B_* field as a number, from any thread: 64-bit counters under their seqlock (the
   * layout table names it; NaN if `tries` readings all met its writer inside), other fields
   * with one atomic load.
   */
  field(index: number, tries = Infinity): number {
    if (index === B_SUBBUFS_CONSUMED) return readSeq64(this.words, W_CONSUMED, this.ctl, B_SUBBUFS_CONSUMED, tries);
    if (index === B_SUBBUFS_PRODUCED || index === B_FULL_COUNT || index === B_BIG_COUNT || index === B_I_SIZE)
      return this.switching ? this.ctl.load64(index) : readSeq64(this.words, W_SWITCH, this.ctl, index, tries);
    return this.ctl.load(index);
  }
}

export class Rchan {
  /** The channel's fields (CH_* of layout.ts), atomic words only. */
  readonly ctl: SharedWords;
  /** Every buffer's words, then the channel-wide ones (channelWordsBase). */
  readonly words: SharedWords;
  readonly subbufSize: number;
  readonly nSubbufs: number;
  readonly allocSize: number;
  /** Set to receive RelayEvents; null costs nothing. */
  tracer: RelayTracer | null = null;
  private readonly views: RchanBuf[] = [];

  /** The kernel the channel behaves as (stored in its memory, so every thread agrees). */
  readonly kernel: KernelVersion;
  readonly features: KernelFeatures;

  private constructor(
    readonly memory: ChannelMemory,
    readonly layout: ChannelLayout,
    readonly cb: RchanCallbacks,
    readonly baseFilename: string,
    /** The folder the files are created in (relay_open's parent). */
    readonly parent: string,
  ) {
    this.ctl = new SharedWords(memory, 0, layout.chanFields);
    this.kernel = KERNEL_VERSIONS[this.ctl.load(CH_KERNEL)] ?? KERNEL_VERSIONS[0];
    this.features = kernelFeatures(this.kernel);
    this.words = new SharedWords(memory, layout.wordsOffset, layout.wordCount);
    this.subbufSize = layout.subbufSize;
    this.nSubbufs = layout.nSubbufs;
    this.allocSize = layout.allocSize;
  }

  /**
   * Views over memory laid out by `channelLayout(layout)`; used by relayOpen and by workers.
   * The kernel version is read from the memory (CH_KERNEL), so set it before attaching.
   */
  static attach(memory: ChannelMemory, layout: ChannelLayout, cb: RchanCallbacks, baseFilename: string, parent = RELAY_PARENT): Rchan {
    return new Rchan(memory, layout, cb, baseFilename, parent);
  }

  /** Views over memory that an earlier relayOpen filled in: the geometry is read from it. */
  static attachExisting(memory: ChannelMemory, cb: RchanCallbacks, baseFilename: string, parent = RELAY_PARENT): Rchan {
    if (memory.byteLength < CH_SLOTS * 4) throw new Error('relay memory does not hold a channel');
    const head = new SharedWords(memory, 0, CH_SLOTS);
    const layout = channelLayout({
      subbufSize: head.load(CH_SUBBUF_SIZE),
      nSubbufs: head.load(CH_N_SUBBUFS),
      nrCpus: head.load(CH_NR_CPUS),
      isGlobal: head.load(CH_IS_GLOBAL) === 1,
    });
    if (layout.allocSize !== head.load(CH_ALLOC_SIZE) || layout.byteLength > memory.byteLength)
      throw new Error('relay memory does not hold a channel');
    return new Rchan(memory, layout, cb, baseFilename, parent);
  }

  get nrCpus(): number {
    return this.layout.nrCpus;
  }

  get isGlobal(): boolean {
    return this.ctl.load(CH_IS_GLOBAL) === 1;
  }

  /** False once relay_close took the channel off the list of open channels. */
  get onList(): boolean {
    return this.ctl.load(CH_ON_LIST) === 1;
  }

  /**
   * `last_toobig`. Only kernels up to v6.16 have the field; the model keeps it in every version
   * so that a v6.17 trace can show what an older kernel would hold.
   */
  get lastToobig(): number {
    return this.ctl.load64(CH_LAST_TOOBIG);
  }

  /** `kref`: the client's reference until relay_close, plus one per buffer not yet freed. */
  get kref(): number {
    return this.ctl.load(CH_KREF);
  }

  get freed(): boolean {
    return this.ctl.load(CH_FREED) === 1;
  }

  get nBufs(): number {
    return this.ctl.load(CH_N_BUFS);
  }

  /** `*per_cpu_ptr(chan->buf, cpu)`, or null when that CPU has no buffer. */
  buf(cpu: number): RchanBuf | null {
    if (!(cpu >= 0 && cpu < this.layout.nrCpus)) return null;
    const slot = this.ctl.load(CH_SLOTS + cpu);
    return slot === 0 ? null : this.bufAt(slot - 1);
  }

  /** Buffer by creation index. */
  bufAt(index: number): RchanBuf {
    let view = this.views[index];
    if (view === undefined) {
      view = new RchanBuf(this, index);
      this.views[index] = view;
    }
    return view;
  }

  /** Every buffer, in creation order. */
  bufs(): RchanBuf[] {
    const out: RchanBuf[] = [];
    for (let k = 0; k < this.nBufs; k++) out.push(this.bufAt(k));
    return out;
  }

  cpuOnline(cpu: number): boolean {
    return this.ctl.load(CH_ONLINE + cpu) === 1;
  }
}
