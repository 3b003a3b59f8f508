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
  B_DATA,
  B_FILE_CPU,
  B_FINALIZED,
  B_FREED,
  B_FULL_COUNT,
  B_I_SIZE,
  B_KREF,
  B_OFFSET,
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
  new Float64Array(memory, 0, layout.chanFields)[CH_KERNEL] = KERNEL_VERSIONS.indexOf(args.kernel ?? DEFAULT_KERNEL);
  const chan = Rchan.attach(memory, layout, args.cb, args.baseFilename, args.parent);
  chan.tracer = args.tracer ?? null;
  const f = chan.f64;
  f[CH_KREF] = 1;
  f[CH_VERSION] = RELAYFS_CHANNEL_VERSION;
  f[CH_SUBBUF_SIZE] = layout.subbufSize;
  f[CH_N_SUBBUFS] = layout.nSubbufs;
  f[CH_ALLOC_SIZE] = layout.allocSize;
  f[CH_NR_CPUS] = layout.nrCpus;
  f[CH_MAX_BUFS] = layout.maxBufs;
  f[CH_ON_LIST] = 1;
  for (const cpu of args.online) f[CH_ONLINE + cpu] = 1;
  for (let cpu = 0; cpu < layout.nrCpus; cpu++) {
    if (f[CH_ONLINE + cpu] === 1) f[CH_SLOTS + cpu] = relayOpenBuf(chan, cpu).index + 1;
  }
  return { ok: true, chan };
}

/**
 * relay_open_buf: the global buffer if there is one already, else a new buffer with a fresh
 * reset state. The first buffer of a global channel takes CPU 0's slot and cpu 0.
 */
function relayOpenBuf(chan: Rchan, cpu: number): RchanBuf {
  const f = chan.f64;
  if (f[CH_IS_GLOBAL] === 1) return chan.bufAt(f[CH_SLOTS] - 1);
  const buf = chan.bufAt(f[CH_N_BUFS]);
  f[CH_N_BUFS] += 1;
  buf.ctl[B_CPU] = cpu;
  buf.ctl[B_FILE_CPU] = cpu;
  buf.ctl[B_KREF] = 1;
  f[CH_KREF] += 1;
  chan.tracer?.({ kind: 'buf_create', buf, cpu });
  if (chan.cb.isGlobal) {
    f[CH_IS_GLOBAL] = 1;
    f[CH_SLOTS] = buf.index + 1;
    buf.ctl[B_CPU] = 0;
  }
  resetBuf(buf);
  return buf;
}

/** `relay_buf_full`: produced - consumed >= n. */
export function relayBufFull(buf: RchanBuf): boolean {
  return buf.ctl[B_SUBBUFS_PRODUCED] - buf.ctl[B_SUBBUFS_CONSUMED] >= buf.nSubbufs;
}

/** `relay_buf_empty`: produced == consumed (the current sub-buffer's data does not count). */
export function relayBufEmpty(buf: RchanBuf): boolean {
  return buf.ctl[B_SUBBUFS_PRODUCED] === buf.ctl[B_SUBBUFS_CONSUMED];
}

/**
 * `subbuf_start_reserve`: called from a subbuf_start callback, reserves the first `length`
 * bytes of the sub-buffer for the client's header.
 */
export function subbufStartReserve(buf: RchanBuf, length: number): void {
  buf.ctl[B_OFFSET] = length;
}

/**
 * `relay_subbuf_start` (§5.1): counts a full buffer whatever the callback decides (v6.17+),
 * then asks the callback, or applies the default no-overwrite policy. Up to v6.16 the
 * callback also gets `prev_padding`.
 */
function relaySubbufStart(buf: RchanBuf, subbuf: number, prevSubbuf: number | null): boolean {
  const full = relayBufFull(buf);
  const features = buf.chan.features;
  if (full && features.relayStats) buf.ctl[B_FULL_COUNT] += 1;
  const callback = buf.chan.cb.subbufStart;
  let accepted: boolean;
  if (!callback) accepted = !full;
  else if (features.prevPadding) accepted = callback(buf, subbuf, prevSubbuf, buf.ctl[B_PREV_PADDING]);
  else accepted = callback(buf, subbuf, prevSubbuf);
  buf.chan.tracer?.({ kind: 'subbuf_start', buf, subbuf, prevSubbuf, full, accepted });
  return accepted;
}

/**
 * A record too big to write: v6.17 counts it in `big_count`; up to v6.16 `last_toobig` keeps
 * its length. The model keeps last_toobig in every version (Rchan.lastToobig says why).
 */
function recordToobig(buf: RchanBuf, length: number, afterHeader: boolean): void {
  if (buf.chan.features.relayStats) buf.ctl[B_BIG_COUNT] += 1;
  buf.chan.f64[CH_LAST_TOOBIG] = length;
  buf.chan.tracer?.({ kind: 'toobig', buf, length, afterHeader });
}

/**
 * `relay_switch_subbuf` (§4.2): close the current sub-buffer (unless stalled), try to start
 * the next one, and return how many of `length` bytes the caller may now write (0 = drop).
 */
export function relaySwitchSubbuf(buf: RchanBuf, length: number): number {
  if (length > buf.subbufSize) {
    recordToobig(buf, length, false);
    return 0;
  }
  // The writer's state changes below; readers on other threads wait for an even W_SWITCH.
  Atomics.add(buf.words, W_SWITCH, 1);
  const accepted = closeAndStartSubbuf(buf, length);
  Atomics.add(buf.words, W_SWITCH, 1);
  return accepted;
}

/** Steps 2 to 8 of §4.2: produce the current sub-buffer, start the next, check the fit again. */
function closeAndStartSubbuf(buf: RchanBuf, length: number): number {
  const ctl = buf.ctl;
  const sbs = buf.subbufSize;
  const n = buf.nSubbufs;
  const offset = ctl[B_OFFSET];
  if (offset !== sbs + 1) {
    const produced = ctl[B_SUBBUFS_PRODUCED];
    const padding = sbs - offset;
    ctl[B_PADDING + (produced % n)] = padding;
    if (buf.chan.features.prevPadding) ctl[B_PREV_PADDING] = padding;
    ctl[B_SUBBUFS_PRODUCED] = produced + 1;
    ctl[B_I_SIZE] += offset;
    buf.chan.tracer?.({ kind: 'produce', buf, subbuf: produced % n, padding, subbufsProduced: produced + 1 });
    // waitqueue_active after the barrier; irq_work_queue of pending work does nothing.
    if (Atomics.load(buf.words, W_SLEEPERS) > 0 && Atomics.compareExchange(buf.words, W_WAKEUP_PENDING, 0, 1) === 0)
      buf.chan.tracer?.({ kind: 'wakeup_queued', buf });
  }
  const next = ctl[B_SUBBUFS_PRODUCED] % n;
  const old = ctl[B_DATA];
  ctl[B_OFFSET] = 0;
  if (!relaySubbufStart(buf, next, old)) {
    // Stalled: `data` stays on the last produced sub-buffer, padding[next] keeps its value.
    ctl[B_OFFSET] = sbs + 1;
    return 0;
  }
  ctl[B_DATA] = next;
  ctl[B_PADDING + next] = 0;
  if (length + ctl[B_OFFSET] > sbs) {
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
  const ctl = buf.ctl;
  let offset = ctl[B_OFFSET];
  if (offset + length > buf.subbufSize) {
    length = relaySwitchSubbuf(buf, length);
    if (length === 0) return 0;
    offset = ctl[B_OFFSET];
  }
  buf.data.set(length === src.length ? src : src.subarray(0, length), ctl[B_DATA] * buf.subbufSize + offset);
  ctl[B_OFFSET] = offset + length;
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
  const ctl = buf.ctl;
  if (ctl[B_OFFSET] + length > buf.subbufSize) {
    length = relaySwitchSubbuf(buf, length);
    if (length === 0) return -1;
  }
  const pos = ctl[B_DATA] * buf.subbufSize + ctl[B_OFFSET];
  ctl[B_OFFSET] += length;
  return pos;
}

/** Moves `subbufs_consumed` forward by k, clamped to produced. Shared by every consumer path. */
export function consumeSubbufs(buf: RchanBuf, k: number, cause: ConsumeCause): void {
  const ctl = buf.ctl;
  const from = ctl[B_SUBBUFS_CONSUMED];
  const produced = ctl[B_SUBBUFS_PRODUCED];
  const to = k > produced - from ? produced : from + k;
  ctl[B_SUBBUFS_CONSUMED] = to;
  if (to !== from) buf.chan.tracer?.({ kind: 'consumed', buf, from, to, cause });
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
 * Runs a queued deferred wakeup (the irq_work): wakes every task asleep on `read_wait`.
 * Returns how many were woken.
 */
export function relayWakeupWork(buf: RchanBuf): number {
  const w = buf.words;
  if (Atomics.exchange(w, W_WAKEUP_PENDING, 0) === 0) return 0;
  const woken = Atomics.exchange(w, W_SLEEPERS, 0);
  // wake_up_interruptible: a sleeper waiting on the old generation returns. A poller of
  // several files (poll or epoll over every buffer) waits on the channel's word instead.
  Atomics.add(w, W_WAIT, 1);
  Atomics.notify(w, W_WAIT);
  const cw = buf.chan.words;
  const channelWait = channelWordsBase(buf.chan.layout) + W_CHANNEL_WAIT;
  Atomics.add(cw, channelWait, 1);
  Atomics.notify(cw, channelWait);
  buf.chan.tracer?.({ kind: 'wakeup', buf, woken });
  return woken;
}

/** Whether a deferred wakeup is queued on the buffer (irq_work pending, or the timer armed). */
export const relayWakeupPending = (buf: RchanBuf): boolean => Atomics.load(buf.words, W_WAKEUP_PENDING) !== 0;

/**
 * What reset and close do with a pending wakeup: `irq_work_sync` runs it; up to v4.9
 * `del_timer_sync` cancels the timer, so its sleepers are not woken.
 */
function relayWakeupSync(buf: RchanBuf): void {
  if (buf.chan.features.timerWakeup) Atomics.store(buf.words, W_WAKEUP_PENDING, 0);
  else relayWakeupWork(buf);
}

/** Buffers the channel-wide operations act on: the global one once, else each CPU's in CPU order. */
function channelBufs(chan: Rchan): RchanBuf[] {
  if (chan.isGlobal) return chan.f64[CH_SLOTS] === 0 ? [] : [chan.bufAt(chan.f64[CH_SLOTS] - 1)];
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

/** `__relay_reset` (§7.2): counters, padding and statistics to zero, then the initial start step. */
function resetBuf(buf: RchanBuf): void {
  const ctl = buf.ctl;
  relayWakeupSync(buf);
  Atomics.add(buf.words, W_SWITCH, 1);
  ctl[B_SUBBUFS_PRODUCED] = 0;
  ctl[B_SUBBUFS_CONSUMED] = 0;
  ctl[B_BYTES_CONSUMED] = 0;
  ctl[B_FINALIZED] = 0;
  ctl[B_DATA] = 0;
  ctl[B_OFFSET] = 0;
  ctl.fill(0, B_PADDING, B_PADDING + buf.nSubbufs);
  ctl[B_FULL_COUNT] = 0;
  ctl[B_BIG_COUNT] = 0;
  ctl[B_PREV_PADDING] = 0;
  relaySubbufStart(buf, 0, null);
  Atomics.add(buf.words, W_SWITCH, 1);
}

/** `relay_reset`: memory, i_size, last_toobig, open files and sleepers are left as they are. */
export function relayReset(chan: Rchan): void {
  for (const buf of channelBufs(chan)) {
    chan.tracer?.({ kind: 'reset', buf });
    resetBuf(buf);
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
    buf.ctl[B_FINALIZED] = 1;
    relayWakeupSync(buf);
    chan.tracer?.({ kind: 'close', buf });
    last = buf;
    relayBufPut(buf);
  }
  if (chan.features.lastToobig && chan.lastToobig !== 0 && last !== null)
    chan.tracer?.({ kind: 'toobig_warning', buf: last, lastToobig: chan.lastToobig, subbufSize: chan.subbufSize });
  chan.f64[CH_ON_LIST] = 0;
  if (last !== null) relayChanPut(chan, last);
}

/** `kref_get(&buf->kref)`: an open file's reference on the buffer. */
export function relayBufGet(buf: RchanBuf): void {
  buf.ctl[B_KREF] += 1;
}

/**
 * `kref_put(&buf->kref, relay_remove_buf)`: at the last reference the buffer is destroyed:
 * its pages are freed, its CPU slots cleared, and its reference on the channel dropped.
 * After that nothing may touch it; the memory here stays, marked freed.
 */
export function relayBufPut(buf: RchanBuf): void {
  const ctl = buf.ctl;
  ctl[B_KREF] -= 1;
  if (ctl[B_KREF] > 0) return;
  const chan = buf.chan;
  ctl[B_FREED] = 1;
  for (let cpu = 0; cpu < chan.nrCpus; cpu++) if (chan.f64[CH_SLOTS + cpu] === buf.index + 1) chan.f64[CH_SLOTS + cpu] = 0;
  chan.tracer?.({ kind: 'buf_free', buf, chanKref: chan.kref - 1 });
  relayChanPut(chan, buf);
}

/** `kref_put(&chan->kref, relay_destroy_channel)`; `buf` names the event's buffer. */
function relayChanPut(chan: Rchan, buf: RchanBuf): void {
  chan.f64[CH_KREF] -= 1;
  if (chan.f64[CH_KREF] > 0) return;
  chan.f64[CH_FREED] = 1;
  chan.tracer?.({ kind: 'chan_free', buf });
}

/**
 * CPU hotplug, bring-up (§9): `relay_prepare_cpu` gives the CPU a buffer if the channel is
 * still open and the CPU has none, then the CPU is online.
 */
export function relayCpuOnline(chan: Rchan, cpu: number): void {
  const f = chan.f64;
  if (f[CH_ON_LIST] === 1 && f[CH_SLOTS + cpu] === 0) f[CH_SLOTS + cpu] = relayOpenBuf(chan, cpu).index + 1;
  f[CH_ONLINE + cpu] = 1;
}

/** CPU hotplug, tear-down: relay does nothing; the buffer stays with its state. */
export function relayCpuOffline(chan: Rchan, cpu: number): void {
  chan.f64[CH_ONLINE + cpu] = 0;
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
  if (chan.isGlobal) return channelBufs(chan).reduce((sum, buf) => sum + buf.ctl[field], 0);
  let count = 0;
  for (let cpu = 0; cpu < chan.nrCpus; cpu++) {
    const buf = chan.buf(cpu);
    if (buf !== null && chan.cpuOnline(cpu)) count += buf.ctl[field];
  }
  return count;
}
