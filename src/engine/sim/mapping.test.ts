// A buffer's memory as pages (§1), mmap and relay_buf_fault (§6.4), and the buffer's and the
// channel's reference counts from open to the last release (§6.6, §7.3).
import { describe, expect, it } from 'vitest';
import {
  PAGE_SIZE,
  relayBufFault,
  relayClose,
  relayFileMmap,
  relayFileOpen,
  relayFileRelease,
  relayOpen,
  type RelayEvent,
} from '../kernel/index.ts';
import { relayMappingRead, relayPage, relayPageMap, relayPages, relaySubbufPages } from './mapping.ts';

function open(subbufSize: number, nSubbufs: number, cpus = 1) {
  const events: RelayEvent[] = [];
  const online = Array.from({ length: cpus }, (_, i) => i);
  const opened = relayOpen({ baseFilename: 'cpu', subbufSize, nSubbufs, cb: { isGlobal: false }, nrCpus: cpus, online, tracer: (e) => events.push(e) });
  if (!opened.ok) throw new Error(opened.reason);
  return { chan: opened.chan, events };
}

describe('pages', () => {
  it('rounds alloc_size up to whole pages and leaves the tail of the last one unused', () => {
    const { chan } = open(100, 3);
    expect(relayPageMap(chan)).toEqual({ allocSize: 4096, pageSize: PAGE_SIZE, pageCount: 1, used: 300, unusedTail: 3796 });
    expect(relayPage(chan, 0).subbufs).toEqual([
      { subbuf: 0, from: 0, to: 100 },
      { subbuf: 1, from: 100, to: 200 },
      { subbuf: 2, from: 200, to: 300 },
    ]);
    expect(relayPage(chan, 0).unused).toBe(3796);
  });

  it('names the part of each sub-buffer a page holds when sub-buffers cross pages', () => {
    const { chan } = open(3000, 3);
    expect(relayPages(chan).map((p) => [p.page, p.subbufs.map((s) => `${s.subbuf}:${s.from}-${s.to}`).join(' '), p.unused])).toEqual([
      [0, '0:0-3000 1:3000-4096', 0],
      [1, '1:4096-6000 2:6000-8192', 0],
      [2, '2:8192-9000', 3288],
    ]);
    expect([0, 1, 2].map((s) => relaySubbufPages(chan, s))).toEqual([
      [0, 0],
      [0, 1],
      [1, 2],
    ]);
  });

  it('spreads a sub-buffer larger than a page over several whole pages', () => {
    const { chan } = open(8192, 2);
    expect(relayPageMap(chan).pageCount).toBe(4);
    expect(relaySubbufPages(chan, 1)).toEqual([2, 3]);
    expect(relayPage(chan, 3).subbufs).toEqual([{ subbuf: 1, from: 12288, to: 16384 }]);
  });
});

describe('mmap and relay_buf_fault', () => {
  it('maps only alloc_size, and no page is present before it is touched', () => {
    const { chan } = open(3000, 3);
    const file = relayFileOpen(chan.bufAt(0));
    expect(relayFileMmap(file, 9000, 1)).toBe('EINVAL');
    const map = relayFileMmap(file, 12288, 1);
    expect(typeof map === 'object' && Array.from(map.faulted)).toEqual([0, 0, 0]);
  });

  it('faults a page once, and emits the fault for the page and the mapping', () => {
    const { chan, events } = open(3000, 3);
    const map = relayFileMmap(relayFileOpen(chan.bufAt(0)), 12288, 7);
    if (typeof map === 'string') throw new Error(map);
    expect([relayBufFault(map, 2), relayBufFault(map, 2)]).toEqual([true, false]);
    expect(relayMappingRead(map, 4095, 2)?.length).toBe(2);
    expect(map.faults).toBe(3);
    expect(events.filter((e) => e.kind === 'fault').map((e) => (e.kind === 'fault' ? [e.page, e.mapping] : null))).toEqual([
      [2, 7],
      [0, 7],
      [1, 7],
    ]);
    expect(relayMappingRead(map, 12000, 289)).toBeNull();
  });
});

describe('reference counts', () => {
  it('starts a buffer at one reference (the channel\'s) and the channel at one plus one per buffer', () => {
    const { chan } = open(64, 2, 3);
    expect(chan.kref).toBe(4);
    expect(chan.bufs().map((b) => b.kref)).toEqual([1, 1, 1]);
  });

  it('frees a buffer at its last reference after relay_close, and the channel with its last buffer', () => {
    const { chan, events } = open(64, 2, 2);
    const file = relayFileOpen(chan.bufAt(0));
    expect(chan.bufAt(0).kref).toBe(2);
    relayClose(chan);
    expect([chan.bufAt(0).freed, chan.bufAt(1).freed, chan.freed, chan.kref]).toEqual([false, true, false, 1]);
    expect(chan.buf(0)).toBe(chan.bufAt(0));
    expect(chan.buf(1)).toBeNull();
    relayFileRelease(file);
    relayFileRelease(file);
    expect([chan.bufAt(0).freed, chan.freed, chan.kref, chan.bufAt(0).kref]).toEqual([true, true, 0, 0]);
    expect(events.filter((e) => e.kind.endsWith('free')).map((e) => `${e.kind}:${e.buf.cpu}`)).toEqual(['buf_free:1', 'buf_free:0', 'chan_free:0']);
  });
});
