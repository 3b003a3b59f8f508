/**
 * Sub-buffer counters are size_t in the kernel: they never wrap in practice, and only their
 * differences and their values mod n matter. Ring buffers have broken at 2^32 before, so the
 * model is run across that boundary and compared, step by step, with the same run from 0.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { relayClient } from '../sim/client.ts';
import {
  B_BYTES_CONSUMED,
  B_DATA,
  B_I_SIZE,
  B_OFFSET,
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  relayFileOpen,
  relayFilePoll,
  relayFileRead,
  relayFlush,
  relayOpen,
  relayReserve,
  relaySubbufsConsumed,
  relayWrite,
  type RchanBuf,
} from './index.ts';
import { relayMmapView } from '../sim/mapping.ts';

type Op = { op: 'write' | 'reserve'; size: number } | { op: 'read'; count: number } | { op: 'consume'; k: number } | { op: 'flush' } | { op: 'poll' };

function open(mode: 'no-overwrite' | 'overwrite', sbs: number, n: number, start: number): RchanBuf {
  const opened = relayOpen({
    baseFilename: 'wrap',
    subbufSize: sbs,
    nSubbufs: n,
    cb: relayClient({ mode, headerReserve: 0, global: false }),
    nrCpus: 1,
    online: [0],
  });
  if (!opened.ok) throw new Error(opened.reason);
  const buf = opened.chan.buf(0)!;
  // Both counters start at the same multiple of n, so the ring is where it would be at 0.
  buf.ctl.store64(B_SUBBUFS_PRODUCED, start);
  buf.ctl.store64(B_SUBBUFS_CONSUMED, start);
  return buf;
}

function observe(buf: RchanBuf, start: number, op: Op, file: ReturnType<typeof relayFileOpen>): unknown {
  let result: unknown = null;
  const dst = new Uint8Array(4096);
  if (op.op === 'write') result = relayWrite(buf, new Uint8Array(op.size).fill(op.size));
  else if (op.op === 'reserve') result = relayReserve(buf, op.size);
  else if (op.op === 'read') {
    const chunks: number[] = [];
    result = [relayFileRead(file, op.count, dst, chunks), chunks, file.fPos];
  } else if (op.op === 'consume') result = relaySubbufsConsumed(buf.chan, 0, op.k);
  else if (op.op === 'flush') relayFlush(buf.chan);
  else result = relayFilePoll(file, false);
  const c = buf.ctl;
  return {
    result,
    produced: buf.produced - start,
    consumed: buf.consumed - start,
    offset: c.load(B_OFFSET),
    data: c.load(B_DATA),
    bytesConsumed: c.load(B_BYTES_CONSUMED),
    iSize: buf.field(B_I_SIZE),
    padding: Array.from({ length: buf.nSubbufs }, (_, i) => buf.padding(i)),
    mmap: relayMmapView(buf).map((s) => [s.subbuf, s.seq - start, s.padding]),
  };
}

const opArb = (sbs: number, n: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('write' as const), size: fc.integer({ min: 0, max: sbs + 2 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('reserve' as const), size: fc.integer({ min: 0, max: sbs }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('read' as const), count: fc.integer({ min: 0, max: 2 * sbs * n }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('consume' as const), k: fc.integer({ min: 0, max: n }) }) },
    { weight: 1, arbitrary: fc.constant({ op: 'flush' as const }) },
    { weight: 1, arbitrary: fc.constant({ op: 'poll' as const }) },
  );

describe('sub-buffer counters past 2^32', () => {
  it.each([
    ['no-overwrite', 16, 4],
    ['overwrite', 16, 4],
    ['overwrite', 12, 3],
    ['no-overwrite', 8, 1],
  ] as const)('%s, %i-byte sub-buffers x %i: a run across 2^32 matches the run from 0', (mode, sbs, n) => {
    // The largest multiple of n that leaves a few sub-buffers before 2^32.
    const start = n * Math.floor((2 ** 32 - 3) / n);
    expect(start % n).toBe(0);
    expect(start).toBeLessThan(2 ** 32);
    fc.assert(
      fc.property(fc.array(opArb(sbs, n), { minLength: 20, maxLength: 120 }), (ops) => {
        const a = open(mode, sbs, n, 0);
        const b = open(mode, sbs, n, start);
        const fa = relayFileOpen(a);
        const fb = relayFileOpen(b);
        for (const op of ops) expect(observe(b, start, op, fb)).toEqual(observe(a, 0, op, fa));
        return true;
      }),
      { seed: 42, numRuns: 150 },
    );
  });

  it('really crosses 2^32 in an overwriting run', () => {
    const start = 4 * Math.floor((2 ** 32 - 3) / 4);
    const buf = open('overwrite', 16, 4, start);
    for (let i = 0; i < 40; i++) relayWrite(buf, new Uint8Array(10));
    expect(buf.produced).toBeGreaterThan(2 ** 32);
    expect(buf.produced - start).toBe(39);
    expect(buf.ctl.load(B_DATA)).toBe(39 % 4);
  });
});
