/**
 * The channel and writer side of kernel/relay.c (v6.17): relay_open, relay_write,
 * relay_reserve, relay_switch_subbuf, the sub-buffer start step, relay_subbufs_consumed,
 * relay_flush, relay_reset, relay_close, CPU hotplug and relay_stats.
 * Section numbers (§) refer to the relay semantics document.
 */
import {
  B_BIG_COUNT,
  B_BYTES_CONSUMED,
  B_CPU,
  B_FILE_CPU,
  B_FINALIZED,
  B_FREED,
  B_FULL_COUNT,
  B_I_SIZE,
  B_KREF,
  B_PADDING,
  B_PREV_PADDING,
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  CH_ALLOC_SIZE,
  CH_FREED,
  CH_IS_GLOBAL,
  CH_KERNEL,
  CH_KREF,
  CH_LAST_TOOBIG,
  CH_MAX_BUFS,
  CH_N_BUFS,
  CH_N_SUBBUFS,
  CH_NR_CPUS,
  CH_ON_LIST,
  CH_ONLINE,
  CH_SLOTS,
  CH_SUBBUF_SIZE,
  CH_VERSION,
  MAX_N_SUBBUFS,
  NR_CPUS,
  RELAY_MEMORY_CAP,
  RELAYFS_CHANNEL_VERSION,
  UINT_MAX,
  W_CONSUMED,
  W_SLEEPERS,
  W_SWITCH,
  W_WAIT,
  W_WAKEUP_PENDING,
  buffersMemory,
  channelLayout,
  channelWordsBase,
  W_CHANNEL_WAIT,
} from './layout.ts';
import {
  Rchan,
  type ChannelMemory,
  type ConsumeCause,
  type RchanBuf,
  type RchanCallbacks,
  type RelayTracer,
} from './rchan.ts';
import { SharedWords } from './shared.ts';
import { DEFAULT_KERNEL, KERNEL_VERSIONS, type KernelVersion } from './versions.ts';

export interface RelayOpenArgs {
  /** Files are named base_filename + CPU number. */
  baseFilename: string;
  /** The folder the files are created in (default RELAY_PARENT). */
  parent?: string;
  /** The kernel the channel behaves as (default v6.17). */
  kernel?: KernelVersion;
  subbufSize: number;
  nSubbufs: number;
  cb: RchanCallbacks;
  /** Possible CPUs (1..NR_CPUS). */
  nrCpus: number;
  /** CPUs online when relay_open runs. */
  online: readonly number[];
  /** Makes the channel's memory; defaults to a fresh ArrayBuffer. Memory must be zeroed. */
  allocate?: (byteLength: number) => ChannelMemory;
  /** Receives events from the start, the buffers' creation included. */
  tracer?: RelayTracer;
}

export type RelayOpenResult = { ok: true; chan: Rchan } | { ok: false; reason: string };

const MiB = 1024 * 1024;

/**
 * Why relay_open would refuse this geometry, or null. The first two checks are the kernel's
 * argument checks; the padding-array bound is relay_create_buf's; the memory cap is
 * relayscope's own (the whole channel's page-aligned buffers).
 */
export function relayOpenError(g: { subbufSize: number; nSubbufs: number; nrCpus: number; isGlobal: boolean }): string | null {
  const { subbufSize: sbs, nSubbufs: n } = g;
  if (!Number.isInteger(sbs) || !Number.isInteger(n)) return 'subbuf_size and n_subbufs must be integers';
  if (sbs === 0 || n === 0) return 'subbuf_size and n_subbufs must not be 0';
  // Negative values are huge as size_t, so they fail the overflow check as in the kernel.
  if (sbs < 0 || n < 0 || sbs > Math.floor(UINT_MAX / n))
    return `subbuf_size * n_subbufs (${sbs} * ${n}) does not fit in 32 bits`;
  if (!(g.nrCpus >= 1 && g.nrCpus <= NR_CPUS)) return `possible CPUs must be 1..${NR_CPUS}`;
  if (n > MAX_N_SUBBUFS) return `n_subbufs ${n} is above KMALLOC_MAX_SIZE / sizeof(size_t) = ${MAX_N_SUBBUFS}`;
  const need = buffersMemory(g);
  if (need > RELAY_MEMORY_CAP)
    return `the channel needs ${need} bytes (${(need / MiB).toFixed(1)} MiB) of buffers, above the ${RELAY_MEMORY_CAP / MiB} MiB cap`;
  return null;
}

/** relay_open (§3): a buffer, a file and an initial sub-buffer start for each online CPU. */
export function relayOpen(args: RelayOpenArgs): RelayOpenResult {
  const geometry = {
    subbufSize: args.subbufSize,
    nSubbufs: args.nSubbufs,
    nrCpus: args.nrCpus,
    isGlobal: args.cb.isGlobal,
  };
  const reason = relayOpenError(geometry);
  if (reason !== null) return { ok: false, reason };
  const layout = channelLayout(geometry);
  const memory = args.allocate ? args.allocate(layout.byteLength) : new ArrayBuffer(layout.byteLength);
  // Nothing else sees the memory yet: other threads get it (postMessage) after relay_open.
  new SharedWords(memory, 0, layout.chanFields).store(CH_KERNEL, KERNEL_VERSIONS.indexOf(args.kernel ?? DEFAULT_KERNEL));
  const chan = Rchan.attach(memory, layout, args.cb, args.baseFilename, args.parent);
  chan.tracer = args.tracer ?? null;
  const f = chan.ctl;
  f.store(CH_KREF, 1);
  f.store(CH_VERSION, RELAYFS_CHANNEL_VERSION);
  f.store(CH_SUBBUF_SIZE, layout.subbufSize);
  f.store(CH_N_SUBBUFS, layout.nSubbufs);
  f.store(CH_ALLOC_SIZE, layout.allocSize);
  f.store(CH_NR_CPUS, layout.nrCpus);
  f.store(CH_MAX_BUFS, layout.maxBufs);
  f.store(CH_ON_LIST, 1);
  for (const cpu of args.online) f.store(CH_ONLINE + cpu, 1);
  for (let cpu = 0; cpu < layout.nrCpus; cpu++) {
    if (f.load(CH_ONLINE + cpu) === 1) f.store(CH_SLOTS + cpu, relayOpenBuf(chan, cpu).index + 1);
  }
  return { ok: true, chan };
}

/**
 * relay_open_buf: the global buffer if there is one already, else a new buffer with a fresh
 * reset state. The first buffer of a global channel takes CPU 0's slot and cpu 0.
 */
function relayOpenBuf(chan: Rchan, cpu: number): RchanBuf {
  const f = chan.ctl;
  if (f.load(CH_IS_GLOBAL) === 1) return chan.bufAt(f.load(CH_SLOTS) - 1);
  const buf = chan.bufAt(f.load(CH_N_BUFS));
  f.add(CH_N_BUFS, 1);
  buf.ctl.store(B_CPU, cpu);
  buf.ctl.store(B_FILE_CPU, cpu);
  buf.ctl.store(B_KREF, 1);
  f.add(CH_KREF, 1);
  chan.tracer?.({ kind: 'buf_create', buf, cpu });
  if (chan.cb.isGlobal) {
    f.store(CH_IS_GLOBAL, 1);
    f.store(CH_SLOTS, buf.index + 1);
    buf.ctl.store(B_CPU, 0);
  }
  __relayReset(buf);
  return buf;
}

/**
 * `relay_buf_full`: produced - consumed >= n. Run by the writer at a switch: its own
 * `subbufs_produced`, and the consumer's count under the consumer's seqlock.
 */
export function relayBufFull(buf: RchanBuf): boolean {
  return buf.ctl.load64(B_SUBBUFS_PRODUCED) - buf.consumed >= buf.nSubbufs;
}

/**
 * `relay_buf_empty`: produced == consumed (the current sub-buffer's data does not count).
 * Run by the consumer (poll): the writer's count under the switch seqlock.
 */
export function relayBufEmpty(buf: RchanBuf): boolean {
  return buf.produced === buf.ctl.load64(B_SUBBUFS_CONSUMED);
}

/**
 * `subbuf_start_reserve`: called from a subbuf_start callback, reserves the first `length`
 * bytes of the sub-buffer for the client's header.
 */
export function subbufStartReserve(buf: RchanBuf, length: number): void {
  buf.setOffset(length);
}

/**
 * `relay_subbuf_start` (§5.1): counts a full buffer whatever the callback decides (v6.17+),
 * then asks the callback, or applies the default no-overwrite policy. Up to v6.16 the
 * callback also gets `prev_padding`.
 */
function relaySubbufStart(buf: RchanBuf, subbuf: number, prevSubbuf: number | null): boolean {
  const full = relayBufFull(buf);
  const features = buf.chan.features;
  // Inside W_SWITCH (every caller holds it): a view reads the 64-bit count under it.
  if (full && features.relayStats) buf.ctl.store64(B_FULL_COUNT, buf.ctl.load64(B_FULL_COUNT) + 1);
  const callback = buf.chan.cb.subbufStart;
  let accepted: boolean;
  if (!callback) accepted = !full;
  else if (features.prevPadding) accepted = callback(buf, subbuf, prevSubbuf, buf.ctl.load(B_PREV_PADDING));
  else accepted = callback(buf, subbuf, prevSubbuf);
  buf.chan.tracer?.({ kind: 'subbuf_start', buf, subbuf, prevSubbuf, full, accepted });
  return accepted;
}

/**
 * A record too big to write: v6.17 counts it in `big_count`; up to v6.16 `last_toobig` keeps
 * its length. The model keeps last_toobig in every version (Rchan.lastToobig says why).
 */
function recordToobig(buf: RchanBuf, length: number, afterHeader: boolean): void {
  if (buf.chan.features.relayStats) buf.ctl.store64(B_BIG_COUNT, buf.ctl.load64(B_BIG_COUNT) + 1);
  buf.chan.ctl.store64(CH_LAST_TOOBIG, length);
  buf.chan.tracer?.({ kind: 'toobig', buf, length, afterHeader });
}

/**
 * `relay_switch_subbuf` (§4.2): close the current sub-buffer (unless stalled), try to start
 * the next one, and return how many of `length` bytes the caller may now write (0 = drop).
 */
export function relaySwitchSubbuf(buf: RchanBuf, length: number): number {
  // The writer's state changes below; readers on other threads wait for an even W_SWITCH.
  // Odd first: nothing below may be seen half-done by a reader that takes the snapshot.
  buf.words.add(W_SWITCH, 1);
  buf.switching = true;
  // Run by the writer, or by relay_flush from the coordinator's view with the writer paused:
  // either way the words hold the truth, the copy may not (a flush's view is not the writer's).
  buf.resync();
  let accepted = 0;
  if (length > buf.subbufSize) recordToobig(buf, length, false);
  else accepted = closeAndStartSubbuf(buf, length);
  buf.switching = false;
  // Even again: the stores above are released to a reader that loads this value.
  buf.words.add(W_SWITCH, 1);
  return accepted;
}

/** Steps 2 to 8 of §4.2: produce the current sub-buffer, start the next, check the fit again. */
function closeAndStartSubbuf(buf: RchanBuf, length: number): number {
  const ctl = buf.ctl;
  const sbs = buf.subbufSize;
  const n = buf.nSubbufs;
  const offset = buf.wOffset;
  if (offset !== sbs + 1) {
    const produced = ctl.load64(B_SUBBUFS_PRODUCED);
    const padding = sbs - offset;
    // padding[] and i_size before subbufs_produced: a reader that sees the sub-buffer
    // produced (its load of the count comes after our store) sees its padding too.
    ctl.store(B_PADDING + (produced % n), padding);
    if (buf.chan.features.prevPadding) ctl.store(B_PREV_PADDING, padding);
    ctl.store64(B_I_SIZE, ctl.load64(B_I_SIZE) + offset);
    ctl.store64(B_SUBBUFS_PRODUCED, produced + 1);
    buf.productions++;
    buf.chan.tracer?.({ kind: 'produce', buf, subbuf: produced % n, padding, subbufsProduced: produced + 1 });
    // waitqueue_active after the barrier (smp_mb in the kernel; the seq-cst store of the
    // count above here): a poller that queued itself before looking is seen, or it sees the
    // production. irq_work_queue of pending work does nothing.
    if (buf.words.load(W_SLEEPERS) > 0 && buf.words.compareExchange(W_WAKEUP_PENDING, 0, 1) === 0)
      buf.chan.tracer?.({ kind: 'wakeup_queued', buf });
  }
  const next = ctl.load64(B_SUBBUFS_PRODUCED) % n;
  const old = buf.wData;
  buf.setOffset(0);
  if (!relaySubbufStart(buf, next, old)) {
    // Stalled: `data` stays on the last produced sub-buffer, padding[next] keeps its value.
    buf.setOffset(sbs + 1);
    return 0;
  }
  buf.setData(next);
  ctl.store(B_PADDING + next, 0);
  // The callback may have reserved a header (subbufStartReserve keeps the copy).
  if (length + buf.wOffset > sbs) {
    recordToobig(buf, length, true);
    return 0;
  }
  return length;
}

/**
 * `relay_write` (§4.1) into `buf`, the buffer of the CPU the writer runs on (the kernel finds
 * it through the per-CPU pointer; callers here pass `chan.buf(cpu)`): copies `length` bytes of `src` unless the record is
 * dropped. Returns the bytes copied: `length`, or 0 when the record was dropped (the kernel
 * returns nothing; the count lets callers account without re-reading state).
 */
export function relayWrite(buf: RchanBuf, src: Uint8Array, length: number = src.length): number {
  // The writer's own fields, from its plain copy: no other thread changes them while it runs.
  let offset = buf.wOffset;
  if (offset + length > buf.subbufSize) {
    length = relaySwitchSubbuf(buf, length);
    if (length === 0) return 0;
    offset = buf.wOffset;
  }
  // Copy first (plain stores), then publish: this Atomics.store is the release that makes the
  // record's bytes visible to a reader whose Atomics.load of `offset` sees the new value. A
  // plain store here would let a weakly ordered CPU show the offset before the bytes.
  buf.data.set(length === src.length ? src : src.subarray(0, length), buf.wData * buf.subbufSize + offset);
  buf.setOffset(offset + length);
  return length;
}

/**
 * `__relay_write`: relay_write with preemption rather than interrupts disabled. The buffer
 * logic is identical; only what may interleave with it in a real kernel differs.
 */
export const __relayWrite = relayWrite;

/**
 * `relay_reserve` (§4.1): the buffer position of a `length`-byte slot the caller fills later,
 * or -1 for NULL. A zero-length reserve that resumes a stalled writer still returns NULL.
 */
export function relayReserve(buf: RchanBuf, length: number): number {
  let offset = buf.wOffset;
  if (offset + length > buf.subbufSize) {
    length = relaySwitchSubbuf(buf, length);
    if (length === 0) return -1;
    offset = buf.wOffset;
  }
  const pos = buf.wData * buf.subbufSize + offset;
  // As in the kernel, the slot is published before the client fills it: a reader that races
  // the client may see it unfilled (relay_reserve's callers own that ordering).
  buf.setOffset(offset + length);
  return pos;
}

/** Moves `subbufs_consumed` forward by k, clamped to produced. Shared by every consumer path. */
export function consumeSubbufs(buf: RchanBuf, k: number, cause: ConsumeCause): void {
  const from = buf.ctl.load64(B_SUBBUFS_CONSUMED);
  const produced = buf.produced;
  const to = k > produced - from ? produced : from + k;
  storeConsumed(buf, to);
  if (to !== from) buf.chan.tracer?.({ kind: 'consumed', buf, from, to, cause });
}

/**
 * The consumer moves `subbufs_consumed` (64-bit) inside its seqlock, so that the writer, which
 * reads it at every switch, never takes half of an old value and half of a new one.
 */
export function storeConsumed(buf: RchanBuf, value: number): void {
  buf.words.add(W_CONSUMED, 1);
  buf.ctl.store64(B_SUBBUFS_CONSUMED, value);
  buf.words.add(W_CONSUMED, 1);
}

/**
 * `relay_subbufs_consumed(chan, cpu, k)` (§6.1). Returns false when the call is ignored: no
 * such CPU, no buffer for it, or k outside 0..n (a negative k is huge as size_t).
 * It leaves `bytes_consumed` alone.
 */
export function relaySubbufsConsumed(chan: Rchan, cpu: number, k: number): boolean {
  const buf = chan.buf(cpu);
  if (buf === null || !(k >= 0 && k <= chan.nSubbufs)) return false;
  consumeSubbufs(buf, k, 'subbufs_consumed');
  return true;
}

/**
 * `wakeup_readers`: the deferred wakeup (the irq_work) once it runs; wakes every task asleep
 * on `read_wait`. Returns how many were woken.
 */
export function wakeupReaders(buf: RchanBuf): number {
  const w = buf.words;
  if (w.exchange(W_WAKEUP_PENDING, 0) === 0) return 0;
  const woken = w.exchange(W_SLEEPERS, 0);
  // wake_up_interruptible: a sleeper waiting on the old generation returns. A poller of
  // several files (poll or epoll over every buffer) waits on the channel's word instead.
  w.add(W_WAIT, 1);
  w.notify(W_WAIT);
  const cw = buf.chan.words;
  const channelWait = channelWordsBase(buf.chan.layout) + W_CHANNEL_WAIT;
  cw.add(channelWait, 1);
  cw.notify(channelWait);
  buf.chan.tracer?.({ kind: 'wakeup', buf, woken });
  return woken;
}

/** Whether a deferred wakeup is queued on the buffer (irq_work pending, or the timer armed). */
export const relayWakeupPending = (buf: RchanBuf): boolean => buf.words.load(W_WAKEUP_PENDING) !== 0;

/**
 * What reset and close do with a pending wakeup: `irq_work_sync` runs it; up to v4.9
 * `del_timer_sync` cancels the timer, so its sleepers are not woken.
 */
function relayWakeupSync(buf: RchanBuf): void {
  if (buf.chan.features.timerWakeup) buf.words.store(W_WAKEUP_PENDING, 0);
  else wakeupReaders(buf);
}

/** Buffers the channel-wide operations act on: the global one once, else each CPU's in CPU order. */
function channelBufs(chan: Rchan): RchanBuf[] {
  if (chan.isGlobal) return chan.ctl.load(CH_SLOTS) === 0 ? [] : [chan.bufAt(chan.ctl.load(CH_SLOTS) - 1)];
  const out: RchanBuf[] = [];
  for (let cpu = 0; cpu < chan.nrCpus; cpu++) {
    const buf = chan.buf(cpu);
    if (buf !== null) out.push(buf);
  }
  return out;
}

/** `relay_flush` (§7.1): a zero-length switch on every buffer, offline CPUs' included. */
export function relayFlush(chan: Rchan): void {
  for (const buf of channelBufs(chan)) {
    chan.tracer?.({ kind: 'flush', buf });
    relaySwitchSubbuf(buf, 0);
  }
}

/**
 * `__relay_reset` (§7.2): counters, padding and statistics to zero, then the initial start
 * step. The writer's fields change inside W_SWITCH, the consumer's inside W_CONSUMED, as
 * their own threads change them (reset runs while both are paused, but a view may look).
 */
function __relayReset(buf: RchanBuf): void {
  const ctl = buf.ctl;
  relayWakeupSync(buf);
  buf.words.add(W_SWITCH, 1);
  buf.switching = true;
  ctl.store64(B_SUBBUFS_PRODUCED, 0);
  storeConsumed(buf, 0);
  ctl.store(B_BYTES_CONSUMED, 0);
  ctl.store(B_FINALIZED, 0);
  buf.setData(0);
  buf.setOffset(0);
  ctl.fill(0, B_PADDING, B_PADDING + buf.nSubbufs);
  ctl.store64(B_FULL_COUNT, 0);
  ctl.store64(B_BIG_COUNT, 0);
  ctl.store(B_PREV_PADDING, 0);
  relaySubbufStart(buf, 0, null);
  buf.switching = false;
  buf.words.add(W_SWITCH, 1);
}

/** `relay_reset`: memory, i_size, last_toobig, open files and sleepers are left as they are. */
export function relayReset(chan: Rchan): void {
  for (const buf of channelBufs(chan)) {
    chan.tracer?.({ kind: 'reset', buf });
    __relayReset(buf);
  }
}

/**
 * `relay_close` (§7.3): finalizes every buffer, removes its file and drops the channel's
 * reference on it (a buffer no file holds is freed there and then), warns about too-big
 * records up to v6.16, takes the channel off the hotplug list and drops the client's
 * reference on the channel. It neither flushes nor wakes pollers.
 */
export function relayClose(chan: Rchan): void {
  const bufs = channelBufs(chan);
  let last: RchanBuf | null = null;
  for (const buf of bufs) {
    buf.ctl.store(B_FINALIZED, 1);
    relayWakeupSync(buf);
    chan.tracer?.({ kind: 'close', buf });
    last = buf;
    relayBufPut(buf);
  }
  if (chan.features.lastToobig && chan.lastToobig !== 0 && last !== null)
    chan.tracer?.({ kind: 'toobig_warning', buf: last, lastToobig: chan.lastToobig, subbufSize: chan.subbufSize });
  chan.ctl.store(CH_ON_LIST, 0);
  if (last !== null) relayChanPut(chan, last);
}

/** `kref_get(&buf->kref)`: an open file's reference on the buffer. */
export function relayBufGet(buf: RchanBuf): void {
  buf.ctl.add(B_KREF, 1);
}

/**
 * `kref_put(&buf->kref, relay_remove_buf)`: at the last reference the buffer is destroyed:
 * its pages are freed, its CPU slots cleared, and its reference on the channel dropped.
 * After that nothing may touch it; the memory here stays, marked freed.
 */
export function relayBufPut(buf: RchanBuf): void {
  const ctl = buf.ctl;
  if (ctl.add(B_KREF, -1) - 1 > 0) return;
  const chan = buf.chan;
  ctl.store(B_FREED, 1);
  for (let cpu = 0; cpu < chan.nrCpus; cpu++) if (chan.ctl.load(CH_SLOTS + cpu) === buf.index + 1) chan.ctl.store(CH_SLOTS + cpu, 0);
  chan.tracer?.({ kind: 'buf_free', buf, chanKref: chan.kref - 1 });
  relayChanPut(chan, buf);
}

/** `kref_put(&chan->kref, relay_destroy_channel)`; `buf` names the event's buffer. */
function relayChanPut(chan: Rchan, buf: RchanBuf): void {
  if (chan.ctl.add(CH_KREF, -1) - 1 > 0) return;
  chan.ctl.store(CH_FREED, 1);
  chan.tracer?.({ kind: 'chan_free', buf });
}

/**
 * CPU hotplug, bring-up (§9): `relay_prepare_cpu` gives the CPU a buffer if the channel is
 * still open and the CPU has none, then the CPU is online.
 */
export function relayCpuOnline(chan: Rchan, cpu: number): void {
  const f = chan.ctl;
  if (f.load(CH_ON_LIST) === 1 && f.load(CH_SLOTS + cpu) === 0) f.store(CH_SLOTS + cpu, relayOpenBuf(chan, cpu).index + 1);
  f.store(CH_ONLINE + cpu, 1);
}

/** CPU hotplug, tear-down: relay does nothing; the buffer stays with its state. */
export function relayCpuOffline(chan: Rchan, cpu: number): void {
  chan.ctl.store(CH_ONLINE + cpu, 0);
}

export const RELAY_STATS_BUF_FULL = 1;
export const RELAY_STATS_WRT_BIG = 2;
const RELAY_STATS_LAST = RELAY_STATS_WRT_BIG;

/**
 * `relay_stats` (§7.4): full or too-big counts of the global buffer, or summed over the
 * buffers of online CPUs. Flags 0, or above RELAY_STATS_LAST (3 included), give 0.
 * Null before v6.17, which has no relay_stats.
 */
export function relayStats(chan: Rchan, flags: number): number | null {
  if (!chan.features.relayStats) return null;
  if (flags > RELAY_STATS_LAST) return 0;
  const field = flags & RELAY_STATS_BUF_FULL ? B_FULL_COUNT : flags & RELAY_STATS_WRT_BIG ? B_BIG_COUNT : -1;
  if (field < 0) return 0;
  if (chan.isGlobal) return channelBufs(chan).reduce((sum, buf) => sum + buf.field(field), 0);
  let count = 0;
  for (let cpu = 0; cpu < chan.nrCpus; cpu++) {
    const buf = chan.buf(cpu);
    if (buf !== null && chan.cpuOnline(cpu)) count += buf.field(field);
  }
  return count;
}
