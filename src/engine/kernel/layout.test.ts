import { describe, expect, it } from 'vitest';
import * as layout from './layout.ts';
import { SHARED_FIELDS, channelLayout, sharedFieldWords, type SharedField } from './layout.ts';
import { relayOpen } from './relay.ts';
import { SharedWords } from './shared.ts';
import { relayClient } from '../sim/client.ts';

const BLOCK_PREFIX: Record<SharedField['block'], string> = { rchan: 'CH_', rchan_buf: 'B_', words: 'W_' };

/** The exported field constants of layout.ts, by block. */
function constants(prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of Object.entries(layout))
    if (name.startsWith(prefix) && typeof value === 'number' && name !== 'W_CHANNEL_WAIT') out.set(name, value);
  return out;
}

describe('the shared-field table', () => {
  it('names every field constant of layout.ts once, at the index the constant holds', () => {
    for (const block of ['rchan', 'rchan_buf', 'words'] as const) {
      const indices = SHARED_FIELDS.filter((f) => f.block === block).map((f) => f.index);
      const declared = [...constants(BLOCK_PREFIX[block]).values()].filter((v) => !(block === 'words' && v === layout.WORDS_PER_BUF));
      expect(new Set(indices).size).toBe(indices.length);
      expect([...indices].sort((a, b) => a - b)).toEqual([...new Set(declared)].sort((a, b) => a - b));
    }
  });

  it('lays fields out without overlap, 64-bit counters on two words, padding[] last', () => {
    const n = 7;
    for (const block of ['rchan', 'rchan_buf', 'words'] as const) {
      const fields = SHARED_FIELDS.filter((f) => f.block === block).sort((a, b) => a.index - b.index);
      for (let i = 1; i < fields.length; i++) expect(fields[i].index).toBeGreaterThanOrEqual(fields[i - 1].index + sharedFieldWords(fields[i - 1], n));
    }
    const g = channelLayout({ subbufSize: 64, nSubbufs: n, nrCpus: 2, isGlobal: false });
    const buf = SHARED_FIELDS.filter((f) => f.block === 'rchan_buf');
    const end = Math.max(...buf.map((f) => f.index + sharedFieldWords(f, n)));
    expect(end).toBe(g.bufFields);
    expect(buf.find((f) => f.count === 'n_subbufs')?.index).toBe(layout.B_PADDING);
    const chan = SHARED_FIELDS.filter((f) => f.block === 'rchan');
    expect(Math.max(...chan.map((f) => f.index + sharedFieldWords(f, n)))).toBe(g.chanFields);
    expect(Math.max(...SHARED_FIELDS.filter((f) => f.block === 'words').map((f) => f.index + 1))).toBeLessThanOrEqual(layout.WORDS_PER_BUF);
  });

  it('says of every field who writes it, who reads it and what orders it', () => {
    for (const f of SHARED_FIELDS) {
      expect({ name: f.name, writers: f.writers.length > 0, readers: f.readers.length > 0, barrier: f.barrier.length > 10 }).toEqual({
        name: f.name,
        writers: true,
        readers: true,
        barrier: true,
      });
    }
    const u64 = SHARED_FIELDS.filter((f) => f.type === 'u64').map((f) => f.name);
    expect(u64).toEqual(expect.arrayContaining(['subbufs_produced', 'subbufs_consumed', 'i_size', 'stats.full_count', 'stats.big_count']));
  });

  it('matches the memory relay_open writes: 64-bit counters as low and high words', () => {
    const opened = relayOpen({
      baseFilename: 'cpu',
      subbufSize: 64,
      nSubbufs: 4,
      cb: relayClient({ mode: 'overwrite', headerReserve: 0, global: false }),
      nrCpus: 2,
      online: [0, 1],
    });
    if (!opened.ok) throw new Error(opened.reason);
    const chan = opened.chan;
    const l = chan.layout;
    const raw = new Int32Array(chan.memory);
    expect(raw[layout.CH_SUBBUF_SIZE]).toBe(64);
    expect(raw[layout.CH_N_SUBBUFS]).toBe(4);
    expect(raw[layout.CH_SLOTS + 1]).toBe(2);
    const buf = chan.buf(1)!;
    expect(buf.ctl.byteOffset).toBe((l.chanFields + l.bufFields) * 4);
    expect(buf.words.byteOffset).toBe(l.wordsOffset + layout.WORDS_PER_BUF * 4);
    const base = buf.ctl.byteOffset / 4;
    buf.ctl.store64(layout.B_SUBBUFS_PRODUCED, 2 ** 32 + 5);
    expect([raw[base + layout.B_SUBBUFS_PRODUCED], raw[base + layout.B_SUBBUFS_PRODUCED + 1]]).toEqual([5, 1]);
    expect(buf.produced).toBe(2 ** 32 + 5);
    buf.ctl.store64(layout.B_SUBBUFS_CONSUMED, 2 ** 33 - 1);
    expect([raw[base + layout.B_SUBBUFS_CONSUMED] >>> 0, raw[base + layout.B_SUBBUFS_CONSUMED + 1]]).toEqual([2 ** 32 - 1, 1]);
    expect(buf.consumed).toBe(2 ** 33 - 1);
    expect(raw[base + layout.B_CPU]).toBe(1);
  });
});

describe('the typed views of shared memory', () => {
  it('offer atomic access only: a plain read or write of a field does not compile', () => {
    const words = new SharedWords(new SharedArrayBuffer(64), 0, 16);
    words.store(layout.B_OFFSET, 3);
    expect(words.load(layout.B_OFFSET)).toBe(3);
    expect(words.add(layout.B_OFFSET, 2)).toBe(3);
    // @ts-expect-error a plain read of a shared field is a type error
    const plain: number = words[layout.B_OFFSET];
    // @ts-expect-error a plain write of a shared field is a type error
    words[layout.B_OFFSET] = 1;
    expect(() =>
      // @ts-expect-error nor can the view be passed where a typed array is expected
      Atomics.load(words, layout.B_OFFSET),
    ).toThrow(TypeError);
    expect(plain).toBeUndefined();
    expect(words.load(layout.B_OFFSET)).toBe(5);
  });

  it('keep 64-bit counters exact across the 2^31 and 2^32 boundaries', () => {
    const words = new SharedWords(new ArrayBuffer(16), 0, 4);
    for (const v of [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1]) {
      words.store64(0, v);
      expect(words.load64(0)).toBe(v);
      expect(words.load64Low(0)).toBe(v % 2 ** 32);
    }
  });
});
