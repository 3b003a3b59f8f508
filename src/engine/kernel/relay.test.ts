// Unit tests of the kernel model through its own API: relay_open, the writers, the consumer
// calls, read/poll on a relay file, flush, reset, close, hotplug and relay_stats. Expected
// values follow the relay semantics document (mainline v6.17); section numbers refer to it.
import { describe, expect, it } from 'vitest';
import { clientOptionsError, relayClient, type RelayMode } from '../sim/client.ts';
import { HEADER_BYTE } from '../sim/payload.ts';
import {
  B_BIG_COUNT,
  B_BYTES_CONSUMED,
  B_DATA,
  B_FINALIZED,
  B_FULL_COUNT,
  B_I_SIZE,
  B_OFFSET,
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  CH_VERSION,
  POLLERR,
  POLLIN,
  POLLRDNORM,
  RELAY_STATS_BUF_FULL,
  RELAY_STATS_WRT_BIG,
  W_SLEEPERS,
  __relayWrite,
  relayClose,
  relayCpuOffline,
  relayCpuOnline,
  relayFileOpen,
  relayFilePoll,
  relayFileRead,
  relayFlush,
  relayOpen,
  relayOpenError,
  relayReserve,
  relayReset,
  relayStats,
  relaySubbufsConsumed,
  relayWakeupPending,
  wakeupReaders,
  relayWrite,
  type Rchan,
  type RchanBuf,
  type RelayEvent,
  type RelayFile,
  type RelayOpenResult,
} from './index.ts';
import { relayMmapView } from '../sim/mapping.ts';

interface OpenOptions {
  sbs: number;
  n: number;
  mode?: RelayMode;
  header?: number;
  global?: boolean;
  cpus?: number;
  online?: number[];
  tracer?: (e: RelayEvent) => void;
}

function open(o: OpenOptions): Rchan {
  const cpus = o.cpus ?? 1;
  const opened = relayOpen({
    baseFilename: 'trace',
    subbufSize: o.sbs,
    nSubbufs: o.n,
    cb: relayClient({ mode: o.mode ?? 'no-overwrite', headerReserve: o.header ?? 0, global: o.global ?? false }),
    nrCpus: cpus,
    online: o.online ?? Array.from({ length: cpus }, (_, cpu) => cpu),
    tracer: o.tracer,
  });
  if (!opened.ok) throw new Error(opened.reason);
  return opened.chan;
}

/** Why relay_open refused, or '' when it did not. */
const refusal = (opened: RelayOpenResult): string => (opened.ok ? '' : opened.reason);

/** The buffer of `cpu`, which must exist. */
function bufOf(chan: Rchan, cpu = 0): RchanBuf {
  const buf = chan.buf(cpu);
  if (buf === null) throw new Error(`CPU ${cpu} has no buffer`);
  return buf;
}

/** A record of `length` bytes, every byte `tag`. */
const rec = (length: number, tag: number): Uint8Array => new Uint8Array(length).fill(tag);

/** Bytes of several records laid end to end, as a read should return them. */
function bytesOf(...parts: [length: number, tag: number][]): number[] {
  return parts.flatMap(([length, tag]) => Array.from({ length }, () => tag));
}

function state(buf: RchanBuf) {
  const c = buf.ctl;
  return {
    offset: c.load(B_OFFSET),
    data: c.load(B_DATA),
    produced: buf.produced,
    consumed: buf.consumed,
    bytesConsumed: c.load(B_BYTES_CONSUMED),
    padding: Array.from({ length: buf.nSubbufs }, (_, i) => buf.padding(i)),
    finalized: c.load(B_FINALIZED) === 1,
    fullCount: buf.field(B_FULL_COUNT),
    bigCount: buf.field(B_BIG_COUNT),
    iSize: buf.field(B_I_SIZE),
    sleepers: buf.words.load(W_SLEEPERS),
    wakeupPending: relayWakeupPending(buf),
  };
}

/** Every field of the buffer, and its memory, for "nothing changed" comparisons. */
const fields = (buf: RchanBuf): number[] => buf.ctl.toArray();
const memory = (buf: RchanBuf): number[] => Array.from(buf.data);

interface ReadOutcome {
  ret: number;
  chunks: [number, number][];
  bytes: number[];
}

function read(file: RelayFile, count: number): ReadOutcome {
  const dst = new Uint8Array(Math.max(count, 0));
  const flat: number[] = [];
  const ret = relayFileRead(file, count, dst, flat);
  const chunks: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) chunks.push([flat[i], flat[i + 1]]);
  return { ret, chunks, bytes: Array.from(dst.subarray(0, ret)) };
}

/** Collects the events of a channel from now on. */
function record(chan: Rchan): RelayEvent[] {
  const events: RelayEvent[] = [];
  chan.tracer = (e) => events.push(e);
  return events;
}

const kinds = (events: RelayEvent[]): string[] => events.map((e) => e.kind);

/** sbs=16, n=2, no-overwrite, after three 10-byte writes: the third was dropped and the writer is stalled. */
function stalledChannel(): { chan: Rchan; buf: RchanBuf } {
  const chan = open({ sbs: 16, n: 2 });
  const buf = bufOf(chan);
  relayWrite(buf, rec(10, 1));
  relayWrite(buf, rec(10, 2));
  relayWrite(buf, rec(10, 3));
  return { chan, buf };
}

describe('relay_open', () => {
  it('refuses a sub-buffer size of 0 or a sub-buffer count of 0', () => {
    const cb = relayClient({ mode: 'no-overwrite', headerReserve: 0, global: false });
    for (const [subbufSize, nSubbufs] of [
      [0, 4],
      [64, 0],
      [0, 0],
    ]) {
      const opened = relayOpen({ baseFilename: 'trace', subbufSize, nSubbufs, cb, nrCpus: 1, online: [0] });
      expect(opened.ok).toBe(false);
      expect(refusal(opened)).not.toBe('');
    }
  });

  it('refuses sbs > UINT_MAX / n, with integer division, before any memory check', () => {
    const geometry = (subbufSize: number, nSubbufs: number) => ({ subbufSize, nSubbufs, nrCpus: 1, isGlobal: false });
    // 4294967295 / 2 = 2147483647 in integer division: 2147483648 * 2 overflows 32 bits.
    const overflow = relayOpenError(geometry(2147483648, 2));
    // 2147483647 * 2 = 4294967294 fits; this geometry is refused only by relayscope's memory cap,
    // whose reason names the bytes needed: PAGE_ALIGN(4294967294) = 4294967296.
    const fits = relayOpenError(geometry(2147483647, 2));
    expect(overflow).not.toBeNull();
    expect(fits).toContain('4294967296');
    expect(overflow).not.toEqual(fits);
    // 4294967295 / 3 = 1431655765 exactly.
    expect(relayOpenError(geometry(1431655766, 3))).not.toEqual(relayOpenError(geometry(1431655765, 3)));
    expect(relayOpenError(geometry(1431655765, 3))).toContain('4294967296');
    expect(relayOpenError(geometry(4294967295, 1))).toContain('4294967296');
    expect(relayOpenError(geometry(4294967296, 1))).not.toEqual(relayOpenError(geometry(4294967295, 1)));
  });

  it('rounds alloc_size up to whole pages: 100 x 3 gives 4096', () => {
    const chan = open({ sbs: 100, n: 3 });
    expect(chan.allocSize).toBe(4096);
    const buf = bufOf(chan);
    expect(buf.data.length).toBe(4096);
    expect(buf.data.every((b) => b === 0)).toBe(true);
    expect(open({ sbs: 4096, n: 1 }).allocSize).toBe(4096);
    expect(open({ sbs: 4097, n: 1 }).allocSize).toBe(8192);
    expect(open({ sbs: 64, n: 4 }).allocSize).toBe(4096);
  });

  it('creates buffers only for the online CPUs, in increasing CPU order', () => {
    const events: RelayEvent[] = [];
    const chan = open({ sbs: 64, n: 4, cpus: 4, online: [3, 1], tracer: (e) => events.push(e) });
    expect(chan.bufs().map((b) => b.cpu)).toEqual([1, 3]);
    expect(chan.buf(0)).toBeNull();
    expect(chan.buf(2)).toBeNull();
    expect(bufOf(chan, 1).cpu).toBe(1);
    expect(bufOf(chan, 3).cpu).toBe(3);
    const created = events.filter((e) => e.kind === 'buf_create').map((e) => e.cpu);
    expect(created).toEqual([1, 3]);
  });

  it('resets each new buffer, running the sub-buffer-start step once for sub-buffer 0 with no previous sub-buffer', () => {
    const events: RelayEvent[] = [];
    const chan = open({ sbs: 64, n: 4, cpus: 2, tracer: (e) => events.push(e) });
    expect(kinds(events)).toEqual(['buf_create', 'subbuf_start', 'buf_create', 'subbuf_start']);
    const starts = events.filter((e) => e.kind === 'subbuf_start');
    expect(starts).toEqual([
      expect.objectContaining({ subbuf: 0, prevSubbuf: null, full: false, accepted: true }),
      expect.objectContaining({ subbuf: 0, prevSubbuf: null, full: false, accepted: true }),
    ]);
    for (const buf of chan.bufs()) {
      expect(state(buf)).toEqual({
        offset: 0,
        data: 0,
        produced: 0,
        consumed: 0,
        bytesConsumed: 0,
        padding: [0, 0, 0, 0],
        finalized: false,
        fullCount: 0,
        bigCount: 0,
        iSize: 0,
        sleepers: 0,
        wakeupPending: false,
      });
    }
  });

  it('lets a header client reserve its header in sub-buffer 0 at open', () => {
    const buf = bufOf(open({ sbs: 16, n: 2, header: 4 }));
    expect(state(buf)).toMatchObject({ offset: 4, data: 0, produced: 0, iSize: 0 });
    expect(Array.from(buf.data.subarray(0, 5))).toEqual([HEADER_BYTE, HEADER_BYTE, HEADER_BYTE, HEADER_BYTE, 0]);
  });

  it('records version 7 and puts the channel on the list of open channels', () => {
    const chan = open({ sbs: 64, n: 4 });
    expect(chan.ctl.load(CH_VERSION)).toBe(7);
    expect(chan.onList).toBe(true);
  });

  it('gives a global channel one buffer, stored in CPU 0\'s slot even when CPU 0 is offline', () => {
    const chan = open({ sbs: 32, n: 2, cpus: 3, online: [2, 1], global: true });
    expect(chan.isGlobal).toBe(true);
    expect(chan.nBufs).toBe(1);
    const global = bufOf(chan, 0);
    expect(global.cpu).toBe(0);
    expect(chan.buf(1)).toBe(global);
    expect(chan.buf(2)).toBe(global);
  });

  it('refuses a channel above the memory cap with a reason that gives the bytes needed', () => {
    // 4096 x 32768 = 128 MiB per buffer, times 8 CPUs.
    const opened = relayOpen({
      baseFilename: 'trace',
      subbufSize: 4096,
      nSubbufs: 32768,
      cb: relayClient({ mode: 'no-overwrite', headerReserve: 0, global: false }),
      nrCpus: 8,
      online: [0, 1, 2, 3, 4, 5, 6, 7],
    });
    expect(opened.ok).toBe(false);
    expect(refusal(opened)).toContain(String(8 * 128 * 1024 * 1024));
    // The same geometry as one global buffer needs only 128 MiB.
    expect(relayOpenError({ subbufSize: 4096, nSubbufs: 32768, nrCpus: 8, isGlobal: true })).toBeNull();
  });

  it('refuses more than 524288 sub-buffers (KMALLOC_MAX_SIZE / sizeof(size_t))', () => {
    const cb = relayClient({ mode: 'no-overwrite', headerReserve: 0, global: false });
    const over = relayOpen({ baseFilename: 'trace', subbufSize: 1, nSubbufs: 524289, cb, nrCpus: 1, online: [0] });
    expect(over.ok).toBe(false);
    const at = relayOpen({ baseFilename: 'trace', subbufSize: 1, nSubbufs: 524288, cb, nrCpus: 1, online: [0] });
    expect(at.ok).toBe(true);
  });

  it('a client header of sbs - 1 bytes or more is refused (the kernel would hit BUG_ON)', () => {
    expect(clientOptionsError({ headerReserve: 15, subbufSize: 16 })).not.toBeNull();
    expect(clientOptionsError({ headerReserve: 16, subbufSize: 16 })).not.toBeNull();
    expect(clientOptionsError({ headerReserve: 14, subbufSize: 16 })).toBeNull();
    expect(clientOptionsError({ headerReserve: 0, subbufSize: 16 })).toBeNull();
  });
});

describe('relay_write', () => {
  it('copies a record that fits at data + offset and advances offset', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    expect(relayWrite(buf, rec(20, 1))).toBe(20);
    expect(relayWrite(buf, rec(30, 2))).toBe(30);
    expect(state(buf)).toMatchObject({ offset: 50, data: 0, produced: 0, iSize: 0 });
    expect(Array.from(buf.data.subarray(0, 51))).toEqual([...bytesOf([20, 1], [30, 2]), 0]);
  });

  it('a write that exactly fills the sub-buffer produces nothing', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(buf, rec(64, 1));
    expect(state(buf)).toMatchObject({ offset: 64, data: 0, produced: 0, padding: [0, 0, 0, 0], iSize: 0 });
  });

  it('the next write into an exactly full sub-buffer produces it with padding 0', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(buf, rec(64, 1));
    relayWrite(buf, rec(1, 2));
    expect(state(buf)).toMatchObject({ offset: 1, data: 1, produced: 1, padding: [0, 0, 0, 0], iSize: 64 });
    expect(buf.data[64]).toBe(2);
  });

  it('a record that does not fit switches: the tail becomes padding and the record starts the next sub-buffer', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(buf, rec(50, 1));
    expect(relayWrite(buf, rec(20, 2))).toBe(20);
    expect(state(buf)).toMatchObject({ offset: 20, data: 1, produced: 1, consumed: 0, padding: [14, 0, 0, 0], iSize: 50 });
    expect(Array.from(buf.data.subarray(50, 84))).toEqual([...bytesOf([14, 0]), ...bytesOf([20, 2])]);
  });

  it('a write of sbs bytes fits an empty sub-buffer but switches from a non-empty one', () => {
    const empty = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(empty, rec(64, 1));
    expect(state(empty)).toMatchObject({ offset: 64, data: 0, produced: 0 });

    const used = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(used, rec(1, 1));
    relayWrite(used, rec(64, 2));
    expect(state(used)).toMatchObject({ offset: 64, data: 1, produced: 1, padding: [63, 0, 0, 0], iSize: 1 });
  });

  it('a write of 0 bytes into a live sub-buffer changes nothing, even when it is exactly full', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(buf, rec(20, 1));
    let before = fields(buf);
    expect(relayWrite(buf, rec(0, 2))).toBe(0);
    expect(fields(buf)).toEqual(before);

    relayWrite(buf, rec(44, 3));
    before = fields(buf);
    relayWrite(buf, rec(0, 4));
    expect(fields(buf)).toEqual(before);
    expect(state(buf)).toMatchObject({ offset: 64, produced: 0 });
  });

  it('a record of sbs + 1 bytes is dropped as too big: only big_count and last_toobig change', () => {
    const chan = open({ sbs: 64, n: 4 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    const before = fields(buf);
    const mem = memory(buf);
    const events = record(chan);
    expect(relayWrite(buf, rec(65, 2))).toBe(0);
    const expected = [...before];
    expected[B_BIG_COUNT] += 1;
    expect(fields(buf)).toEqual(expected);
    expect(memory(buf)).toEqual(mem);
    expect(chan.lastToobig).toBe(65);
    expect(kinds(events)).toEqual(['toobig']);
  });

  it('a too-big record is rejected before the full check, also when the writer is stalled', () => {
    const { chan, buf } = stalledChannel();
    const before = fields(buf);
    expect(relayWrite(buf, rec(17, 9))).toBe(0);
    const expected = [...before];
    expected[B_BIG_COUNT] += 1;
    expect(fields(buf)).toEqual(expected);
    expect(state(buf)).toMatchObject({ offset: 17, fullCount: 1, bigCount: 1 });
    expect(chan.lastToobig).toBe(17);
  });

  it('the switch that finds the buffer full first produces the last sub-buffer, then refuses and stalls', () => {
    const { buf } = stalledChannel();
    expect(state(buf)).toMatchObject({
      offset: 17,
      data: 1,
      produced: 2,
      consumed: 0,
      padding: [6, 6],
      fullCount: 1,
      iSize: 20,
    });
    expect(buf.stalled).toBe(true);
    expect(buf.ready).toBe(2);
    // The dropped record was not copied anywhere.
    expect(Array.from(buf.data.subarray(0, 32))).toEqual(bytesOf([10, 1], [6, 0], [10, 2], [6, 0]));
  });

  it('retries while stalled count full each time but produce nothing and add nothing to i_size', () => {
    const { chan, buf } = stalledChannel();
    const events = record(chan);
    expect(relayWrite(buf, rec(10, 4))).toBe(0);
    expect(relayWrite(buf, rec(10, 5))).toBe(0);
    expect(state(buf)).toMatchObject({ offset: 17, data: 1, produced: 2, fullCount: 3, iSize: 20 });
    expect(kinds(events)).toEqual(['subbuf_start', 'subbuf_start']);
  });

  it('a 0-byte write while stalled is a resume attempt, counted as full while still full', () => {
    const { buf } = stalledChannel();
    expect(relayWrite(buf, rec(0, 4))).toBe(0);
    expect(state(buf)).toMatchObject({ offset: 17, produced: 2, fullCount: 2 });
  });

  it('once a sub-buffer is consumed a 0-byte write resumes the writer at produced % n without producing', () => {
    const { chan, buf } = stalledChannel();
    relaySubbufsConsumed(chan, 0, 1);
    const events = record(chan);
    relayWrite(buf, rec(0, 4));
    expect(state(buf)).toMatchObject({ offset: 0, data: 0, produced: 2, consumed: 1, padding: [0, 6], fullCount: 1, iSize: 20 });
    expect(kinds(events)).toEqual(['subbuf_start']);
  });

  it('after a sub-buffer is consumed the next record lands at the start of sub-buffer produced % n', () => {
    const { chan, buf } = stalledChannel();
    relaySubbufsConsumed(chan, 0, 1);
    expect(relayWrite(buf, rec(4, 7))).toBe(4);
    expect(state(buf)).toMatchObject({ offset: 4, data: 0, produced: 2, consumed: 1, iSize: 20 });
    expect(Array.from(buf.data.subarray(0, 4))).toEqual(bytesOf([4, 7]));
  });

  it('a stale padding value of the next sub-buffer never reaches a reader', () => {
    const { chan, buf } = stalledChannel();
    relaySubbufsConsumed(chan, 0, 1);
    // padding[0] still holds the value of the consumed lap until the writer enters it.
    expect(state(buf).padding).toEqual([6, 6]);
    relayWrite(buf, rec(4, 7));
    expect(state(buf).padding).toEqual([0, 6]);
    const r = read(relayFileOpen(buf), 100);
    expect(r.chunks).toEqual([
      [16, 10],
      [0, 4],
    ]);
    expect(r.bytes).toEqual(bytesOf([10, 2], [4, 7]));
  });

  it('with a header of R bytes, sbs - R bytes fit a fresh sub-buffer', () => {
    const buf = bufOf(open({ sbs: 16, n: 4, header: 4 }));
    expect(relayWrite(buf, rec(12, 1))).toBe(12);
    expect(state(buf)).toMatchObject({ offset: 16, data: 0, produced: 0, bigCount: 0 });
  });

  it('with a header, sbs - R + 1 bytes switch and are then dropped, leaving a header-only sub-buffer each time', () => {
    const chan = open({ sbs: 16, n: 4, header: 4 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(12, 1));
    const events = record(chan);
    expect(relayWrite(buf, rec(13, 2))).toBe(0);
    expect(state(buf)).toMatchObject({ offset: 4, data: 1, produced: 1, padding: [0, 0, 0, 0], bigCount: 1, iSize: 16 });
    expect(chan.lastToobig).toBe(13);
    expect(relayWrite(buf, rec(13, 3))).toBe(0);
    expect(relayWrite(buf, rec(13, 4))).toBe(0);
    expect(state(buf)).toMatchObject({ offset: 4, data: 3, produced: 3, padding: [0, 12, 12, 0], bigCount: 3, iSize: 24 });
    for (const start of [16, 32, 48]) {
      expect(Array.from(buf.data.subarray(start, start + 5))).toEqual([HEADER_BYTE, HEADER_BYTE, HEADER_BYTE, HEADER_BYTE, 0]);
    }
    const toobig = events.filter((e) => e.kind === 'toobig');
    expect(toobig.map((e) => [e.length, e.afterHeader])).toEqual([
      [13, true],
      [13, true],
      [13, true],
    ]);
  });

  it('in overwrite mode a switch into a full buffer still happens, counts full and replaces the old bytes', () => {
    const buf = bufOf(open({ sbs: 16, n: 2, mode: 'overwrite' }));
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    expect(relayWrite(buf, rec(10, 3))).toBe(10);
    expect(state(buf)).toMatchObject({ offset: 10, data: 0, produced: 2, consumed: 0, padding: [0, 6], fullCount: 1, iSize: 20 });
    expect(Array.from(buf.data.subarray(0, 10))).toEqual(bytesOf([10, 3]));
  });

  it('__relay_write behaves exactly like relay_write', () => {
    const a = bufOf(open({ sbs: 16, n: 2 }));
    const b = bufOf(open({ sbs: 16, n: 2 }));
    for (const length of [10, 6, 0, 17, 10, 10, 3]) {
      expect(__relayWrite(b, rec(length, length))).toBe(relayWrite(a, rec(length, length)));
      expect(fields(b)).toEqual(fields(a));
      expect(memory(b)).toEqual(memory(a));
    }
  });

  it('counters keep counting past n: only their values mod n choose the sub-buffer', () => {
    const chan = open({ sbs: 8, n: 3, mode: 'overwrite' });
    const buf = bufOf(chan);
    for (let k = 1; k <= 1000; k++) relayWrite(buf, rec(8, k & 0xff));
    // Write k fills a sub-buffer exactly; write k + 1 produces it. Every switch from the third on is full.
    expect(state(buf)).toMatchObject({ offset: 8, data: 999 % 3, produced: 999, consumed: 0, fullCount: 997, iSize: 999 * 8 });
    // Lapped: the reader restarts at sub-buffer 999 - 3 + 1 = 997, holding record 998.
    const r = read(relayFileOpen(buf), 100);
    expect(r.chunks).toEqual([
      [8, 8],
      [16, 8],
      [0, 8],
    ]);
    expect(r.bytes).toEqual(bytesOf([8, 998 & 0xff], [8, 999 & 0xff], [8, 1000 & 0xff]));
    expect(state(buf)).toMatchObject({ consumed: 999, bytesConsumed: 8 });
  });

  it('counters far above 2^32 still select sub-buffers by their value mod n', () => {
    const buf = bufOf(open({ sbs: 8, n: 3 }));
    const big = 2 ** 40; // 2^40 % 3 == 1
    buf.ctl.store64(B_SUBBUFS_PRODUCED, big);
    buf.ctl.store64(B_SUBBUFS_CONSUMED, big);
    buf.ctl.store(B_DATA, big % 3);
    relayWrite(buf, rec(6, 1));
    relayWrite(buf, rec(6, 2));
    expect(state(buf)).toMatchObject({ offset: 6, data: 2, produced: big + 1, consumed: big, padding: [0, 2, 0] });
    const r = read(relayFileOpen(buf), 100);
    expect(r.chunks).toEqual([
      [8, 6],
      [16, 6],
    ]);
    expect(state(buf)).toMatchObject({ consumed: big + 1, bytesConsumed: 6 });
  });
});

describe('relay_reserve', () => {
  it('returns data + offset and advances offset without copying anything', () => {
    const buf = bufOf(open({ sbs: 32, n: 2 }));
    expect(relayReserve(buf, 10)).toBe(0);
    expect(relayReserve(buf, 5)).toBe(10);
    expect(state(buf)).toMatchObject({ offset: 15, data: 0, produced: 0 });
    expect(buf.data.every((b) => b === 0)).toBe(true);
  });

  it('a reserve that does not fit switches like a write', () => {
    const buf = bufOf(open({ sbs: 32, n: 2 }));
    expect(relayReserve(buf, 32)).toBe(0);
    expect(relayReserve(buf, 32)).toBe(32);
    expect(state(buf)).toMatchObject({ offset: 32, data: 1, produced: 1, padding: [0, 0], iSize: 32 });
  });

  it('returns NULL when the switch is refused, and the writer stalls', () => {
    const buf = bufOf(open({ sbs: 32, n: 2 }));
    relayReserve(buf, 32);
    relayReserve(buf, 32);
    expect(relayReserve(buf, 32)).toBe(-1);
    expect(state(buf)).toMatchObject({ offset: 33, data: 1, produced: 2, fullCount: 1, iSize: 64 });
  });

  it('a 0-byte reserve in a live sub-buffer returns a valid pointer and changes nothing', () => {
    const buf = bufOf(open({ sbs: 32, n: 2 }));
    let before = fields(buf);
    expect(relayReserve(buf, 0)).toBe(0);
    expect(fields(buf)).toEqual(before);
    relayReserve(buf, 10);
    before = fields(buf);
    expect(relayReserve(buf, 0)).toBe(10);
    expect(fields(buf)).toEqual(before);
    relayReserve(buf, 22);
    before = fields(buf);
    expect(relayReserve(buf, 0)).toBe(32);
    expect(fields(buf)).toEqual(before);
  });

  it('a 0-byte reserve while stalled and still full returns NULL and counts full', () => {
    const buf = bufOf(open({ sbs: 32, n: 2 }));
    relayReserve(buf, 32);
    relayReserve(buf, 32);
    relayReserve(buf, 32);
    expect(relayReserve(buf, 0)).toBe(-1);
    expect(state(buf)).toMatchObject({ offset: 33, produced: 2, fullCount: 2 });
  });

  it('a 0-byte reserve that resumes the writer still returns NULL', () => {
    const chan = open({ sbs: 32, n: 2 });
    const buf = bufOf(chan);
    relayReserve(buf, 32);
    relayReserve(buf, 32);
    relayReserve(buf, 32);
    relaySubbufsConsumed(chan, 0, 1);
    expect(relayReserve(buf, 0)).toBe(-1);
    expect(state(buf)).toMatchObject({ offset: 0, data: 0, produced: 2, consumed: 1, fullCount: 1 });
    expect(relayReserve(buf, 32)).toBe(0);
  });

  it('a reserve longer than the sub-buffer returns NULL and changes nothing but big_count', () => {
    const chan = open({ sbs: 32, n: 2 });
    const buf = bufOf(chan);
    relayReserve(buf, 8);
    const before = fields(buf);
    expect(relayReserve(buf, 33)).toBe(-1);
    const expected = [...before];
    expected[B_BIG_COUNT] += 1;
    expect(fields(buf)).toEqual(expected);
    expect(chan.lastToobig).toBe(33);
  });

  it('with a header, reserves start after it, and one byte too many switches and returns NULL', () => {
    const buf = bufOf(open({ sbs: 16, n: 4, header: 4 }));
    expect(relayReserve(buf, 12)).toBe(4);
    expect(relayReserve(buf, 13)).toBe(-1);
    expect(state(buf)).toMatchObject({ offset: 4, data: 1, produced: 1, bigCount: 1, iSize: 16 });
    expect(relayReserve(buf, 12)).toBe(20);
  });
});

describe('relay_subbufs_consumed', () => {
  /** sbs=16, n=4, three sub-buffers produced, the writer in sub-buffer 3. */
  function threeProduced(): { chan: Rchan; buf: RchanBuf } {
    const chan = open({ sbs: 16, n: 4, cpus: 2, online: [0] });
    const buf = bufOf(chan);
    for (let k = 1; k <= 4; k++) relayWrite(buf, rec(10, k));
    return { chan, buf };
  }

  it('k = 0 is accepted and changes nothing', () => {
    const { chan, buf } = threeProduced();
    const before = fields(buf);
    expect(relaySubbufsConsumed(chan, 0, 0)).toBe(true);
    expect(fields(buf)).toEqual(before);
  });

  it('k up to the number ready moves consumed forward by k', () => {
    const { chan, buf } = threeProduced();
    expect(relaySubbufsConsumed(chan, 0, 2)).toBe(true);
    expect(state(buf)).toMatchObject({ produced: 3, consumed: 2 });
    expect(relaySubbufsConsumed(chan, 0, 1)).toBe(true);
    expect(state(buf)).toMatchObject({ produced: 3, consumed: 3 });
  });

  it('k above the number ready but not above n clamps consumed to produced', () => {
    const { chan, buf } = threeProduced();
    expect(relaySubbufsConsumed(chan, 0, 4)).toBe(true);
    expect(state(buf)).toMatchObject({ produced: 3, consumed: 3 });
  });

  it('k above n is ignored', () => {
    const { chan, buf } = threeProduced();
    const before = fields(buf);
    expect(relaySubbufsConsumed(chan, 0, 5)).toBe(false);
    expect(fields(buf)).toEqual(before);
  });

  it('a CPU without a buffer, or out of range, is ignored', () => {
    const { chan, buf } = threeProduced();
    const before = fields(buf);
    expect(relaySubbufsConsumed(chan, 1, 1)).toBe(false);
    expect(relaySubbufsConsumed(chan, 2, 1)).toBe(false);
    expect(relaySubbufsConsumed(chan, 64, 1)).toBe(false);
    expect(relaySubbufsConsumed(chan, -1, 1)).toBe(false);
    expect(fields(buf)).toEqual(before);
  });

  it('a negative count, huge as size_t, is ignored', () => {
    const { chan, buf } = threeProduced();
    const before = fields(buf);
    expect(relaySubbufsConsumed(chan, 0, -1)).toBe(false);
    expect(fields(buf)).toEqual(before);
  });

  it('leaves bytes_consumed alone, so a later read skips that many bytes of the next sub-buffer', () => {
    const chan = open({ sbs: 16, n: 4 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    const file = relayFileOpen(buf);
    expect(read(file, 4).ret).toBe(4);
    expect(state(buf)).toMatchObject({ consumed: 0, bytesConsumed: 4 });
    relaySubbufsConsumed(chan, 0, 1);
    expect(state(buf)).toMatchObject({ consumed: 1, bytesConsumed: 4 });
    const r = read(file, 100);
    expect(r.chunks).toEqual([[20, 6]]);
  });

  it('in a global channel any CPU with a slot reaches the global buffer', () => {
    const chan = open({ sbs: 16, n: 4, cpus: 3, global: true });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    expect(relaySubbufsConsumed(chan, 2, 1)).toBe(true);
    expect(state(buf)).toMatchObject({ produced: 1, consumed: 1 });
  });
});

describe('read', () => {
  it('a read of 0 bytes returns 0 and changes nothing', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(buf, rec(50, 1));
    relayWrite(buf, rec(20, 2));
    const file = relayFileOpen(buf);
    const before = fields(buf);
    expect(read(file, 0)).toEqual({ ret: 0, chunks: [], bytes: [] });
    expect(fields(buf)).toEqual(before);
    expect(file.fPos).toBe(0);
  });

  it('a read smaller than a record splits it, and bytes_consumed advances', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(buf, rec(20, 1));
    const file = relayFileOpen(buf);
    expect(read(file, 5)).toEqual({ ret: 5, chunks: [[0, 5]], bytes: bytesOf([5, 1]) });
    expect(state(buf)).toMatchObject({ consumed: 0, bytesConsumed: 5 });
    expect(file.fPos).toBe(5);
    expect(read(file, 100)).toEqual({ ret: 15, chunks: [[5, 15]], bytes: bytesOf([15, 1]) });
    expect(state(buf)).toMatchObject({ consumed: 0, bytesConsumed: 20 });
  });

  it('reads data in the current, not yet produced, sub-buffer, and returns 0 once caught up with the writer', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    const file = relayFileOpen(buf);
    relayWrite(buf, rec(20, 1));
    expect(read(file, 100).bytes).toEqual(bytesOf([20, 1]));
    expect(state(buf).produced).toBe(0);
    expect(read(file, 100)).toEqual({ ret: 0, chunks: [], bytes: [] });
    relayWrite(buf, rec(3, 2));
    expect(read(file, 100)).toEqual({ ret: 3, chunks: [[20, 3]], bytes: bytesOf([3, 2]) });
  });

  it('a read that spans sub-buffers returns one chunk per sub-buffer and skips the padding', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(buf, rec(50, 1));
    relayWrite(buf, rec(20, 2));
    const file = relayFileOpen(buf);
    const r = read(file, 1000);
    expect(r.ret).toBe(70);
    expect(r.chunks).toEqual([
      [0, 50],
      [64, 20],
    ]);
    expect(r.bytes).toEqual(bytesOf([50, 1], [20, 2]));
    expect(state(buf)).toMatchObject({ consumed: 1, bytesConsumed: 20 });
    expect(file.fPos).toBe(84);
  });

  it('header bytes are returned with the data', () => {
    const buf = bufOf(open({ sbs: 16, n: 4, header: 4 }));
    relayWrite(buf, rec(8, 1));
    relayWrite(buf, rec(8, 2));
    const r = read(relayFileOpen(buf), 100);
    expect(r.chunks).toEqual([
      [0, 12],
      [16, 12],
    ]);
    expect(r.bytes).toEqual(bytesOf([4, HEADER_BYTE], [8, 1], [4, HEADER_BYTE], [8, 2]));
  });

  it('an exactly full current sub-buffer read to its end keeps bytes_consumed at sbs until the next production', () => {
    const buf = bufOf(open({ sbs: 16, n: 2 }));
    const file = relayFileOpen(buf);
    relayWrite(buf, rec(16, 1));
    expect(read(file, 100)).toEqual({ ret: 16, chunks: [[0, 16]], bytes: bytesOf([16, 1]) });
    expect(state(buf)).toMatchObject({ produced: 0, consumed: 0, bytesConsumed: 16 });
    expect(read(file, 100).ret).toBe(0);
    relayWrite(buf, rec(1, 2));
    expect(read(file, 100)).toEqual({ ret: 1, chunks: [[16, 1]], bytes: [2] });
    expect(state(buf)).toMatchObject({ produced: 1, consumed: 1, bytesConsumed: 1 });
  });

  it('a reader whose position equals an exactly full writer\'s, one lap behind, still reads', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(16, 1));
    relayWrite(buf, rec(16, 2));
    relaySubbufsConsumed(chan, 0, 1);
    relayWrite(buf, rec(16, 3));
    // produced 2, consumed 1: read position 16 equals write position 0 * 16 + 16.
    expect(state(buf)).toMatchObject({ produced: 2, consumed: 1, bytesConsumed: 0, offset: 16, data: 0 });
    const r = read(relayFileOpen(buf), 100);
    expect(r.chunks).toEqual([
      [16, 16],
      [0, 16],
    ]);
    expect(r.bytes).toEqual(bytesOf([16, 2], [16, 3]));
    expect(state(buf)).toMatchObject({ produced: 2, consumed: 2, bytesConsumed: 16 });
  });

  it('a stalled buffer is read whole: all n produced sub-buffers, including the one data points at', () => {
    const { buf } = stalledChannel();
    const file = relayFileOpen(buf);
    const r = read(file, 100);
    expect(r.chunks).toEqual([
      [0, 10],
      [16, 10],
    ]);
    expect(r.bytes).toEqual(bytesOf([10, 1], [10, 2]));
    expect(state(buf)).toMatchObject({ offset: 17, produced: 2, consumed: 2, bytesConsumed: 0 });
    expect(file.fPos).toBe(0);
    expect(read(file, 100).ret).toBe(0);
  });

  it('a reader lapped in overwrite mode restarts at produced - n + 1 and gets n - 1 sub-buffers plus the current one', () => {
    const chan = open({ sbs: 16, n: 4, mode: 'overwrite' });
    const buf = bufOf(chan);
    for (let k = 1; k <= 6; k++) relayWrite(buf, rec(10, k));
    expect(state(buf)).toMatchObject({ produced: 5, consumed: 0, data: 1, offset: 10, padding: [6, 0, 6, 6] });
    const events = record(chan);
    const r = read(relayFileOpen(buf), 1000);
    expect(r.chunks).toEqual([
      [32, 10],
      [48, 10],
      [0, 10],
      [16, 10],
    ]);
    expect(r.bytes).toEqual(bytesOf([10, 3], [10, 4], [10, 5], [10, 6]));
    expect(state(buf)).toMatchObject({ produced: 5, consumed: 5, bytesConsumed: 10 });
    const lapped = events.filter((e) => e.kind === 'consumed' && e.cause === 'lapped');
    expect(lapped).toEqual([expect.objectContaining({ from: 0, to: 2 })]);
  });

  it('the file position jumps over padding, wraps to 0 at the end of the ring and stays put on a read of 0', () => {
    const buf = bufOf(open({ sbs: 16, n: 2 }));
    const file = relayFileOpen(buf);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    read(file, 4);
    expect(file.fPos).toBe(4);
    read(file, 6);
    expect(file.fPos).toBe(16);
    relayWrite(buf, rec(10, 3));
    read(file, 10);
    expect(file.fPos).toBe(0);
    read(file, 100);
    expect(file.fPos).toBe(10);
    expect(read(file, 100).ret).toBe(0);
    expect(file.fPos).toBe(10);
  });

  it('two files of the same buffer share the consumer state and see disjoint data', () => {
    const buf = bufOf(open({ sbs: 64, n: 4 }));
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    const first = relayFileOpen(buf);
    const second = relayFileOpen(buf);
    expect(read(first, 5).bytes).toEqual(bytesOf([5, 1]));
    expect(read(second, 100)).toEqual({ ret: 15, chunks: [[5, 15]], bytes: bytesOf([5, 1], [10, 2]) });
    expect(read(first, 100).ret).toBe(0);
    expect(first.fPos).toBe(5);
    expect(second.fPos).toBe(20);
  });

  it('all-padding sub-buffers make read return 0 while consumed still advances', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayFlush(chan);
    relayFlush(chan);
    expect(state(buf)).toMatchObject({ offset: 17, produced: 2, consumed: 0, padding: [16, 16], fullCount: 1 });
    const file = relayFileOpen(buf);
    expect(read(file, 100).ret).toBe(0);
    expect(state(buf).consumed).toBe(1);
    expect(read(file, 100).ret).toBe(0);
    expect(state(buf).consumed).toBe(2);
    expect(read(file, 100).ret).toBe(0);
    expect(state(buf).consumed).toBe(2);
    relayWrite(buf, rec(5, 1));
    expect(read(file, 100)).toEqual({ ret: 5, chunks: [[0, 5]], bytes: bytesOf([5, 1]) });
  });

  it('data left after close is still readable', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    relayClose(chan);
    expect(read(relayFileOpen(buf), 100)).toEqual({ ret: 10, chunks: [[0, 10]], bytes: bytesOf([10, 1]) });
  });

  it('a stale bytes_consumed that lands in padding makes the read start at the next sub-buffer, consuming once more', () => {
    const chan = open({ sbs: 16, n: 4 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(12, 1));
    relayWrite(buf, rec(5, 2));
    relayWrite(buf, rec(12, 3));
    expect(state(buf)).toMatchObject({ produced: 2, data: 2, offset: 12, padding: [4, 11, 0, 0] });
    const file = relayFileOpen(buf);
    read(file, 10);
    relaySubbufsConsumed(chan, 0, 1);
    expect(state(buf)).toMatchObject({ consumed: 1, bytesConsumed: 10 });
    // Position 16 + 10 lies in the 11 bytes of padding of sub-buffer 1: the read moves to 32.
    expect(read(file, 100)).toEqual({ ret: 12, chunks: [[32, 12]], bytes: bytesOf([12, 3]) });
    // 10 + 12 > 16: the safety net consumes sub-buffer 1 before accounting the 12 bytes.
    expect(state(buf)).toMatchObject({ consumed: 2, bytesConsumed: 12 });
    expect(read(file, 100).ret).toBe(0);
  });

  it('a read without a destination still accounts the bytes', () => {
    const buf = bufOf(open({ sbs: 16, n: 2 }));
    relayWrite(buf, rec(10, 1));
    expect(relayFileRead(relayFileOpen(buf), 100, null)).toBe(10);
    expect(state(buf).bytesConsumed).toBe(10);
  });
});

describe('poll', () => {
  it('with only partial data the mask is 0 and the caller sleeps', () => {
    const buf = bufOf(open({ sbs: 16, n: 2 }));
    relayWrite(buf, rec(10, 1));
    expect(relayFilePoll(relayFileOpen(buf))).toBe(0);
    expect(state(buf).sleepers).toBe(1);
  });

  it('a poll that does not wait is not counted as a sleeper', () => {
    const buf = bufOf(open({ sbs: 16, n: 2 }));
    expect(relayFilePoll(relayFileOpen(buf), false)).toBe(0);
    expect(state(buf).sleepers).toBe(0);
  });

  it('reports POLLIN | POLLRDNORM while produced != consumed, without sleeping', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    const file = relayFileOpen(buf);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    expect(relayFilePoll(file)).toBe(POLLIN | POLLRDNORM);
    expect(state(buf).sleepers).toBe(0);
    relaySubbufsConsumed(chan, 0, 1);
    expect(relayFilePoll(file)).toBe(0);
    expect(state(buf).sleepers).toBe(1);
  });

  it('reports POLLERR after close and does not queue the caller', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    relayClose(chan);
    expect(relayFilePoll(relayFileOpen(buf))).toBe(POLLERR);
    expect(state(buf).sleepers).toBe(0);
  });

  it('counts every poller that found nothing', () => {
    const buf = bufOf(open({ sbs: 16, n: 2 }));
    const file = relayFileOpen(buf);
    for (let k = 0; k < 3; k++) expect(relayFilePoll(file)).toBe(0);
    expect(relayFilePoll(relayFileOpen(buf))).toBe(0);
    expect(state(buf).sleepers).toBe(4);
  });
});

describe('deferred wakeups', () => {
  it('a production with a sleeper queues a wakeup, which wakes the sleeper when it runs', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayFilePoll(relayFileOpen(buf));
    const events = record(chan);
    relayWrite(buf, rec(10, 1));
    expect(state(buf)).toMatchObject({ wakeupPending: false, sleepers: 1 });
    relayWrite(buf, rec(10, 2));
    expect(state(buf)).toMatchObject({ wakeupPending: true, sleepers: 1 });
    expect(wakeupReaders(buf)).toBe(1);
    expect(state(buf)).toMatchObject({ wakeupPending: false, sleepers: 0 });
    expect(kinds(events)).toEqual(['produce', 'wakeup_queued', 'subbuf_start', 'wakeup']);
  });

  it('a production without sleepers queues nothing', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    const events = record(chan);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    expect(state(buf).wakeupPending).toBe(false);
    expect(wakeupReaders(buf)).toBe(0);
    expect(kinds(events)).not.toContain('wakeup_queued');
    expect(kinds(events)).not.toContain('wakeup');
  });

  it('one wakeup wakes every sleeper', () => {
    const buf = bufOf(open({ sbs: 16, n: 2 }));
    for (let k = 0; k < 3; k++) relayFilePoll(relayFileOpen(buf));
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    expect(wakeupReaders(buf)).toBe(3);
    expect(state(buf).sleepers).toBe(0);
  });

  it('productions before the wakeup runs coalesce into one wakeup', () => {
    const chan = open({ sbs: 16, n: 4 });
    const buf = bufOf(chan);
    relayFilePoll(relayFileOpen(buf));
    const events = record(chan);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    relayFlush(chan);
    expect(state(buf).produced).toBe(2);
    expect(wakeupReaders(buf)).toBe(1);
    expect(wakeupReaders(buf)).toBe(0);
    expect(kinds(events).filter((k) => k === 'wakeup_queued')).toHaveLength(1);
    expect(kinds(events).filter((k) => k === 'wakeup')).toHaveLength(1);
  });

  it('refused switches while stalled queue no wakeup, even with a task waiting', () => {
    const { buf } = stalledChannel();
    wakeupReaders(buf);
    // A task still waiting on read_wait.
    buf.words.store(W_SLEEPERS, 1);
    relayWrite(buf, rec(10, 4));
    relayFlush(buf.chan);
    expect(state(buf)).toMatchObject({ wakeupPending: false, sleepers: 1, produced: 2, fullCount: 3 });
  });

  it('resuming from a stall produces nothing and wakes nobody', () => {
    const { chan, buf } = stalledChannel();
    relaySubbufsConsumed(chan, 0, 2);
    expect(relayFilePoll(relayFileOpen(buf))).toBe(0);
    relayWrite(buf, rec(10, 4));
    expect(state(buf)).toMatchObject({ offset: 10, data: 0, produced: 2, sleepers: 1, wakeupPending: false });
    expect(wakeupReaders(buf)).toBe(0);
  });

  it('reset and close neither queue a wakeup nor wake the sleepers', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    relayFilePoll(relayFileOpen(buf));
    const events = record(chan);
    relayReset(chan);
    expect(state(buf)).toMatchObject({ sleepers: 1, wakeupPending: false });
    relayClose(chan);
    expect(state(buf)).toMatchObject({ sleepers: 1, wakeupPending: false });
    expect(kinds(events)).not.toContain('wakeup_queued');
    expect(kinds(events)).not.toContain('wakeup');
  });

  it('reset and close finish a wakeup that is already queued instead of dropping it', () => {
    for (const finish of [relayReset, relayClose]) {
      const chan = open({ sbs: 16, n: 2 });
      const buf = bufOf(chan);
      relayFilePoll(relayFileOpen(buf));
      relayWrite(buf, rec(10, 1));
      relayFlush(chan);
      expect(state(buf).wakeupPending).toBe(true);
      finish(chan);
      expect(state(buf)).toMatchObject({ wakeupPending: false, sleepers: 0 });
    }
  });
});

describe('relay_flush', () => {
  it('produces a live, non-empty sub-buffer with padding sbs - offset and wakes a sleeping poller', () => {
    const chan = open({ sbs: 64, n: 4 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(20, 1));
    relayFilePoll(relayFileOpen(buf));
    relayFlush(chan);
    expect(state(buf)).toMatchObject({ offset: 0, data: 1, produced: 1, padding: [44, 0, 0, 0], iSize: 20, wakeupPending: true });
    expect(wakeupReaders(buf)).toBe(1);
  });

  it('produces an empty sub-buffer with padding sbs and adds nothing to i_size; read skips it', () => {
    const chan = open({ sbs: 64, n: 4 });
    const buf = bufOf(chan);
    relayFlush(chan);
    expect(state(buf)).toMatchObject({ offset: 0, data: 1, produced: 1, padding: [64, 0, 0, 0], iSize: 0 });
    relayWrite(buf, rec(5, 1));
    expect(read(relayFileOpen(buf), 100)).toEqual({ ret: 5, chunks: [[64, 5]], bytes: bytesOf([5, 1]) });
  });

  it('repeated flushes in no-overwrite mode fill the ring with empty sub-buffers and stall with no data', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayFlush(chan);
    relayFlush(chan);
    expect(state(buf)).toMatchObject({ offset: 17, data: 1, produced: 2, consumed: 0, padding: [16, 16], fullCount: 1, iSize: 0 });
  });

  it('on a stalled buffer it is only a resume attempt', () => {
    const { chan, buf } = stalledChannel();
    relayFlush(chan);
    expect(state(buf)).toMatchObject({ offset: 17, data: 1, produced: 2, fullCount: 2, iSize: 20 });
    relaySubbufsConsumed(chan, 0, 1);
    const events = record(chan);
    relayFlush(chan);
    expect(state(buf)).toMatchObject({ offset: 0, data: 0, produced: 2, consumed: 1, fullCount: 2, iSize: 20 });
    expect(kinds(events)).toEqual(['flush', 'subbuf_start']);
  });

  it('acts on the buffers of offline CPUs too, in CPU order', () => {
    const chan = open({ sbs: 32, n: 2, cpus: 3 });
    relayWrite(bufOf(chan, 2), rec(8, 1));
    relayCpuOffline(chan, 2);
    relayCpuOffline(chan, 0);
    const events = record(chan);
    relayFlush(chan);
    expect(state(bufOf(chan, 2))).toMatchObject({ produced: 1, padding: [24, 0], iSize: 8 });
    expect(state(bufOf(chan, 0))).toMatchObject({ produced: 1, padding: [32, 0], iSize: 0 });
    const flushed = events.filter((e) => e.kind === 'flush').map((e) => e.buf.cpu);
    expect(flushed).toEqual([0, 1, 2]);
  });

  it('flushes a global buffer exactly once', () => {
    const chan = open({ sbs: 32, n: 4, cpus: 3, global: true });
    const events = record(chan);
    relayWrite(bufOf(chan, 1), rec(8, 1));
    relayFlush(chan);
    expect(state(bufOf(chan)).produced).toBe(1);
    expect(kinds(events).filter((k) => k === 'flush')).toHaveLength(1);
  });

  it('leaves the consumer state alone', () => {
    const chan = open({ sbs: 16, n: 4 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    read(relayFileOpen(buf), 4);
    relayFlush(chan);
    expect(state(buf)).toMatchObject({ produced: 1, consumed: 0, bytesConsumed: 4 });
  });
});

describe('relay_reset', () => {
  it('puts a used buffer back in its open state', () => {
    const { chan, buf } = stalledChannel();
    relayWrite(buf, rec(17, 9));
    read(relayFileOpen(buf), 3);
    relayReset(chan);
    expect(state(buf)).toEqual({
      offset: 0,
      data: 0,
      produced: 0,
      consumed: 0,
      bytesConsumed: 0,
      padding: [0, 0],
      finalized: false,
      fullCount: 0,
      bigCount: 0,
      iSize: 20,
      sleepers: 0,
      wakeupPending: false,
    });
  });

  it('keeps memory, i_size, last_toobig and sleeping pollers', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    relayWrite(buf, rec(20, 3));
    relaySubbufsConsumed(chan, 0, 1);
    relayFilePoll(relayFileOpen(buf));
    const mem = memory(buf);
    relayReset(chan);
    expect(memory(buf)).toEqual(mem);
    expect(state(buf)).toMatchObject({ iSize: 10, sleepers: 1, produced: 0, consumed: 0 });
    expect(chan.lastToobig).toBe(20);
  });

  it('re-reserves the header in sub-buffer 0', () => {
    const chan = open({ sbs: 16, n: 2, header: 4 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(12, 1));
    relayWrite(buf, rec(12, 2));
    const events = record(chan);
    relayReset(chan);
    expect(state(buf)).toMatchObject({ offset: 4, data: 0, produced: 0 });
    expect(Array.from(buf.data.subarray(0, 4))).toEqual(bytesOf([4, HEADER_BYTE]));
    expect(kinds(events)).toEqual(['reset', 'subbuf_start']);
    expect(events[1]).toMatchObject({ subbuf: 0, prevSubbuf: null, full: false, accepted: true });
  });

  it('makes the old data unreachable: a read right after reset returns 0 and keeps the file position', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    const file = relayFileOpen(buf);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    read(file, 4);
    relayReset(chan);
    expect(read(file, 100).ret).toBe(0);
    expect(file.fPos).toBe(4);
    relayWrite(buf, rec(4, 5));
    expect(read(file, 100)).toEqual({ ret: 4, chunks: [[0, 4]], bytes: bytesOf([4, 5]) });
  });

  it('makes a stalled writer live again', () => {
    const { chan, buf } = stalledChannel();
    relayReset(chan);
    expect(buf.stalled).toBe(false);
    expect(relayWrite(buf, rec(10, 4))).toBe(10);
    expect(state(buf)).toMatchObject({ offset: 10, data: 0, produced: 0 });
  });

  it('acts on offline CPUs\' buffers, and on a global buffer once', () => {
    const chan = open({ sbs: 16, n: 2, cpus: 2 });
    relayWrite(bufOf(chan, 1), rec(10, 1));
    relayWrite(bufOf(chan, 1), rec(10, 2));
    relayCpuOffline(chan, 1);
    relayReset(chan);
    expect(state(bufOf(chan, 1))).toMatchObject({ offset: 0, data: 0, produced: 0 });

    const global = open({ sbs: 16, n: 2, cpus: 3, global: true });
    const events = record(global);
    relayReset(global);
    expect(kinds(events).filter((k) => k === 'reset')).toHaveLength(1);
  });
});

describe('relay_close', () => {
  it('finalizes every buffer, offline CPUs\' included, and takes the channel off the list', () => {
    const chan = open({ sbs: 16, n: 2, cpus: 2 });
    relayCpuOffline(chan, 1);
    const events = record(chan);
    relayClose(chan);
    expect(chan.bufs().map((b) => state(b).finalized)).toEqual([true, true]);
    expect(chan.onList).toBe(false);
    // No file holds them: each buffer is freed as the channel lets go, the channel with the last.
    expect(kinds(events)).toEqual(['close', 'buf_free', 'close', 'buf_free', 'chan_free']);
  });

  it('does not flush: the current sub-buffers stay unproduced', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    const before = state(buf);
    relayClose(chan);
    expect(state(buf)).toEqual({ ...before, finalized: true });
    expect(relayMmapView(buf)).toEqual([]);
  });

  it('does not wake sleeping pollers; a later poll returns POLLERR', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    const file = relayFileOpen(buf);
    relayFilePoll(file);
    relayClose(chan);
    expect(state(buf)).toMatchObject({ sleepers: 1, wakeupPending: false });
    expect(relayFilePoll(file)).toBe(POLLERR);
  });

  it('a CPU that comes online after close gets no buffer', () => {
    const chan = open({ sbs: 16, n: 2, cpus: 2, online: [0] });
    relayClose(chan);
    const events = record(chan);
    relayCpuOnline(chan, 1);
    expect(chan.buf(1)).toBeNull();
    expect(chan.nBufs).toBe(1);
    expect(events).toEqual([]);
  });

  it('closes a global buffer once', () => {
    const chan = open({ sbs: 16, n: 2, cpus: 3, global: true });
    const events = record(chan);
    relayClose(chan);
    expect(kinds(events)).toEqual(['close', 'buf_free', 'chan_free']);
    expect(state(chan.bufAt(0)).finalized).toBe(true);
  });
});

describe('CPU hotplug', () => {
  it('a CPU brought online after open gets a fresh buffer in its reset state', () => {
    const chan = open({ sbs: 16, n: 2, cpus: 2, online: [0], header: 4 });
    relayWrite(bufOf(chan, 0), rec(12, 1));
    relayWrite(bufOf(chan, 0), rec(12, 2));
    const events = record(chan);
    relayCpuOnline(chan, 1);
    const buf = bufOf(chan, 1);
    expect(buf.cpu).toBe(1);
    expect(chan.cpuOnline(1)).toBe(true);
    expect(state(buf)).toMatchObject({ offset: 4, data: 0, produced: 0, consumed: 0, fullCount: 0, bigCount: 0, iSize: 0 });
    expect(kinds(events)).toEqual(['buf_create', 'subbuf_start']);
    expect(events[1]).toMatchObject({ subbuf: 0, prevSubbuf: null });
  });

  it('taking a CPU offline keeps its buffer and state', () => {
    const chan = open({ sbs: 16, n: 2, cpus: 2 });
    const buf = bufOf(chan, 1);
    relayWrite(buf, rec(10, 1));
    const before = fields(buf);
    relayCpuOffline(chan, 1);
    expect(chan.cpuOnline(1)).toBe(false);
    expect(chan.buf(1)).toBe(buf);
    expect(fields(buf)).toEqual(before);
  });

  it('bringing a CPU back reuses its buffer with the state intact', () => {
    const chan = open({ sbs: 16, n: 2, cpus: 2 });
    const buf = bufOf(chan, 1);
    relayWrite(buf, rec(10, 1));
    relayCpuOffline(chan, 1);
    const before = fields(buf);
    const events = record(chan);
    relayCpuOnline(chan, 1);
    expect(chan.buf(1)).toBe(buf);
    expect(chan.nBufs).toBe(2);
    expect(fields(buf)).toEqual(before);
    expect(events).toEqual([]);
  });

  it('in a global channel a CPU brought online later shares the global buffer', () => {
    const chan = open({ sbs: 16, n: 2, cpus: 3, online: [0], global: true });
    relayCpuOnline(chan, 2);
    expect(chan.buf(2)).toBe(bufOf(chan, 0));
    expect(chan.nBufs).toBe(1);
  });
});

describe('relay_stats', () => {
  /** Two CPUs, sbs=16, n=1: CPU 0 ends with full_count 2, CPU 1 with full_count 1 and big_count 2. */
  function countingChannel(): Rchan {
    const chan = open({ sbs: 16, n: 1, cpus: 2 });
    const b0 = bufOf(chan, 0);
    const b1 = bufOf(chan, 1);
    relayWrite(b0, rec(10, 1));
    relayWrite(b0, rec(10, 2));
    relayWrite(b0, rec(10, 3));
    relayWrite(b1, rec(10, 1));
    relayWrite(b1, rec(10, 2));
    relayWrite(b1, rec(17, 3));
    relayWrite(b1, rec(40, 4));
    return chan;
  }

  it('sums full_count and big_count over the buffers of online CPUs', () => {
    const chan = countingChannel();
    expect(state(bufOf(chan, 0))).toMatchObject({ fullCount: 2, bigCount: 0 });
    expect(state(bufOf(chan, 1))).toMatchObject({ fullCount: 1, bigCount: 2 });
    expect(relayStats(chan, RELAY_STATS_BUF_FULL)).toBe(3);
    expect(relayStats(chan, RELAY_STATS_WRT_BIG)).toBe(2);
  });

  it('leaves out an offline CPU\'s buffer until the CPU comes back', () => {
    const chan = countingChannel();
    relayCpuOffline(chan, 1);
    expect(relayStats(chan, RELAY_STATS_BUF_FULL)).toBe(2);
    expect(relayStats(chan, RELAY_STATS_WRT_BIG)).toBe(0);
    relayCpuOnline(chan, 1);
    expect(relayStats(chan, RELAY_STATS_BUF_FULL)).toBe(3);
    expect(relayStats(chan, RELAY_STATS_WRT_BIG)).toBe(2);
  });

  it('reports the single buffer of a global channel', () => {
    const chan = open({ sbs: 16, n: 1, cpus: 2, online: [1], global: true });
    const buf = bufOf(chan, 1);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    relayWrite(buf, rec(20, 3));
    expect(relayStats(chan, RELAY_STATS_BUF_FULL)).toBe(1);
    expect(relayStats(chan, RELAY_STATS_WRT_BIG)).toBe(1);
  });

  it('flags 0, 3 (both bits) and anything above 2 give 0', () => {
    const chan = countingChannel();
    expect(RELAY_STATS_BUF_FULL).toBe(1);
    expect(RELAY_STATS_WRT_BIG).toBe(2);
    for (const flags of [0, 3, 4, 7]) expect(relayStats(chan, flags)).toBe(0);
  });

  it('reset sets the counts back to 0', () => {
    const chan = countingChannel();
    relayReset(chan);
    expect(relayStats(chan, RELAY_STATS_BUF_FULL)).toBe(0);
    expect(relayStats(chan, RELAY_STATS_WRT_BIG)).toBe(0);
  });
});

describe('mmap view', () => {
  it('lists the produced, unconsumed sub-buffers from consumed % n on, with their padding', () => {
    const chan = open({ sbs: 32, n: 4 });
    const buf = bufOf(chan);
    for (let k = 1; k <= 3; k++) relayWrite(buf, rec(20, k));
    expect(relayMmapView(buf).map((s) => [s.subbuf, s.padding])).toEqual([
      [0, 12],
      [1, 12],
    ]);
    relaySubbufsConsumed(chan, 0, 1);
    expect(relayMmapView(buf).map((s) => [s.subbuf, s.padding])).toEqual([[1, 12]]);
  });

  it('lists all n sub-buffers of a stalled buffer', () => {
    const { buf } = stalledChannel();
    expect(relayMmapView(buf).map((s) => [s.subbuf, s.padding])).toEqual([
      [0, 6],
      [1, 6],
    ]);
  });
});

describe('events through chan.tracer', () => {
  it('a switch emits produce (sub-buffer, padding, new produced count), then subbuf_start', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    const events = record(chan);
    relayWrite(buf, rec(10, 2));
    expect(events).toEqual([
      { kind: 'produce', buf, subbuf: 0, padding: 6, subbufsProduced: 1 },
      { kind: 'subbuf_start', buf, subbuf: 1, prevSubbuf: 0, full: false, accepted: true },
    ]);
  });

  it('a refused switch emits subbuf_start with full set and not accepted', () => {
    const chan = open({ sbs: 16, n: 2 });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2));
    const events = record(chan);
    relayWrite(buf, rec(10, 3));
    expect(events).toEqual([
      { kind: 'produce', buf, subbuf: 1, padding: 6, subbufsProduced: 2 },
      { kind: 'subbuf_start', buf, subbuf: 0, prevSubbuf: 1, full: true, accepted: false },
    ]);
  });

  it('an overwriting switch into a full buffer emits subbuf_start with full set and accepted', () => {
    const chan = open({ sbs: 16, n: 1, mode: 'overwrite' });
    const buf = bufOf(chan);
    relayWrite(buf, rec(10, 1));
    const events = record(chan);
    relayWrite(buf, rec(10, 2));
    expect(events.find((e) => e.kind === 'subbuf_start')).toMatchObject({ subbuf: 0, full: true, accepted: true });
  });

  it('too-big records emit toobig, marked afterHeader only when dropped after a header switch', () => {
    const chan = open({ sbs: 16, n: 2, header: 4, mode: 'overwrite' });
    const buf = bufOf(chan);
    const events = record(chan);
    relayWrite(buf, rec(17, 1));
    relayWrite(buf, rec(13, 2));
    const toobig = events.filter((e) => e.kind === 'toobig');
    expect(toobig).toEqual([
      { kind: 'toobig', buf, length: 17, afterHeader: false },
      { kind: 'toobig', buf, length: 13, afterHeader: true },
    ]);
  });

  it('consumer progress emits consumed with its cause', () => {
    const chan = open({ sbs: 16, n: 4 });
    const buf = bufOf(chan);
    for (let k = 1; k <= 4; k++) relayWrite(buf, rec(10, k));
    const events = record(chan);
    relaySubbufsConsumed(chan, 0, 1);
    read(relayFileOpen(buf), 10);
    expect(events.filter((e) => e.kind === 'consumed')).toEqual([
      { kind: 'consumed', buf, from: 0, to: 1, cause: 'subbufs_consumed' },
      { kind: 'consumed', buf, from: 1, to: 2, cause: 'read' },
    ]);
  });

  it('a call that moves nothing emits no consumed event', () => {
    const chan = open({ sbs: 16, n: 4 });
    const events = record(chan);
    relaySubbufsConsumed(chan, 0, 0);
    relaySubbufsConsumed(chan, 0, 3);
    expect(events).toEqual([]);
  });

  it('flush, reset and close emit one event per buffer, naming it', () => {
    const chan = open({ sbs: 16, n: 2, cpus: 2 });
    const events = record(chan);
    relayFlush(chan);
    relayReset(chan);
    relayClose(chan);
    const perBuffer = events
      .filter((e) => e.kind === 'flush' || e.kind === 'reset' || e.kind === 'close')
      .map((e) => [e.kind, e.buf.cpu]);
    expect(perBuffer).toEqual([
      ['flush', 0],
      ['flush', 1],
      ['reset', 0],
      ['reset', 1],
      ['close', 0],
      ['close', 1],
    ]);
  });
});
