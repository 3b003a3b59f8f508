/**
 * read(2) behaviours of v6.17 that surprise: they are the kernel's, and the model keeps them.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../sim/runner.ts';
import type { Scenario } from '../sim/scenario.ts';

const config = { cpus: 1, subbufSize: 8, nSubbufs: 3, mode: 'no-overwrite', global: false, headerReserve: 0, online: [0] };

describe('read() after all-padding sub-buffers', () => {
  it('returns the same bytes twice in one call: they are charged to the skipped sub-buffer', () => {
    const scenario: Scenario = {
      config,
      ops: [{ op: 'flush' }, { op: 'flush' }, { op: 'write', cpu: 0, size: 7 }, { op: 'read', cpu: 0, maxBytes: 72 }],
    };
    const read = runScenario(scenario)[4];
    expect(read.result).toMatchObject({ kind: 'read', ret: 14, chunks: [[16, 7], [16, 7]] });
    if (read.result.kind !== 'read') throw new Error('not a read');
    expect(read.result.pieces.map((p) => [p.seq, p.from, p.length])).toEqual([
      [1, 0, 7],
      [1, 0, 7],
    ]);
    // The second copy overflows the skipped sub-buffer's count (7 + 7 > 8), so the safety net
    // of the consume step moves the consumer on, where the reader and writer then meet.
    expect(read.buffers[0]).toMatchObject({ subbufsConsumed: 2, bytesConsumed: 7, subbufsProduced: 2, offset: 7 });
  });
});
