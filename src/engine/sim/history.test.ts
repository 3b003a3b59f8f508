import { describe, expect, it } from 'vitest';
import { H_FIELDS, History, HISTORY_ASLEEP, HISTORY_READING, HISTORY_WOKEN, type CpuSample, type Sampler } from './history.ts';
import { parseSimConfig } from './simConfig.ts';
import { SteppedRun } from './steppedRun.ts';

/** A sampler over a scripted state, per CPU. */
function scripted(state: Partial<CpuSample>[]): Sampler {
  return (cpu, out) => {
    Object.assign(out, { written: 0, read: 0, droppedFull: 0, droppedBig: 0, overwritten: 0, ready: 0, bytes: 0, reader: 0, woken: 0, readBytes: 0 }, state[cpu]);
  };
}

describe('the run history', () => {
  it('records one bucket per resolution step, an idle stretch filled with the same state', () => {
    const h = new History(2, false, 8, 1);
    const s = [{ written: 3, ready: 1 }, { written: 5, ready: 2 }];
    h.record(0.5, scripted(s)); // no bucket has ended yet
    expect(h.count).toBe(0);
    h.record(3, scripted(s));
    expect(h.count).toBe(3);
    expect(h.value('written', 0, 0)).toBe(3);
    expect(h.value('written', 1, 0)).toBe(0); // nothing more written in the second second
    expect(h.value('written', 2, -1)).toBe(0);
    expect(h.value('ready', 2, -1)).toBe(3);
    s[0] = { written: 10, ready: 4 };
    h.record(4, scripted(s));
    expect(h.value('written', 3, 0)).toBe(7);
    expect(h.value('written', 3, -1)).toBe(7);
  });

  it('merges buckets in pairs when full: counts keep their totals, levels their extremes, the bound holds', () => {
    const h = new History(1, false, 4, 1);
    const levels = [1, 5, 2, 0, 3, 3];
    let written = 0;
    levels.forEach((ready, i) => {
      written += i + 1;
      h.record(i + 1, scripted([{ written, ready, reader: i === 1 ? HISTORY_ASLEEP : 0 }]));
    });
    expect(h.resolution).toBe(2);
    expect(h.count).toBe(3);
    expect(h.bytes).toBeLessThanOrEqual(h.bound);
    expect(h.bound).toBe(4 * (1 + 1) * H_FIELDS * 8); // one CPU and the total
    // Buckets [0,2), [2,4), [4,6): written 1+2, 3+4, 5+6.
    expect([0, 1, 2].map((b) => h.value('written', b, 0))).toEqual([3, 7, 11]);
    expect([0, 1, 2].map((b) => h.value('ready', b, 0))).toEqual([5, 2, 3]);
    expect([0, 1, 2].map((b) => h.value('ready', b, 0, true))).toEqual([1, 0, 3]);
    expect(h.value('reader', 0, 0) & HISTORY_ASLEEP).toBe(HISTORY_ASLEEP);
    expect(h.value('reader', 1, 0) & HISTORY_ASLEEP).toBe(0);
    // A long run stays within the bound.
    for (let t = 7; t < 10_000; t += 7) h.record(t, scripted([{ written: t }]));
    expect(h.count).toBeLessThanOrEqual(4);
    expect(h.end).toBeLessThanOrEqual(10_000);
    expect(h.end).toBeGreaterThan(10_000 - h.resolution * 2);
  });

  it('forgets what follows a new future', () => {
    const h = new History(1, false, 16, 1);
    h.record(10, scripted([{ written: 4 }]));
    h.truncate(4.5);
    expect(h.count).toBe(4);
    h.record(6, scripted([{ written: 9 }]));
    expect(h.value('written', 4, 0)).toBe(5);
  });

  it('a global buffer counts its levels once in the total', () => {
    const h = new History(3, true, 4, 1);
    h.record(1, scripted([{ ready: 2 }, { ready: 2 }, { ready: 2 }]));
    expect(h.value('ready', 0, -1)).toBe(2);
  });

  it('keeps the total as it was at each sample: merged, it holds the most seen at once', () => {
    const h = new History(2, false, 2, 1);
    h.record(1, scripted([{ ready: 3 }, { ready: 0 }]));
    h.record(2, scripted([{ ready: 0 }, { ready: 3 }]));
    h.record(3, scripted([{ ready: 1 }, { ready: 1 }])); // the two buckets merge
    expect(h.resolution).toBe(2);
    expect([h.value('ready', 0, 0), h.value('ready', 0, 1)]).toEqual([3, 3]);
    expect(h.value('ready', 0, -1)).toBe(3); // never 6 ready at once
    expect(h.value('ready', 0, -1, true)).toBe(3);
  });

  it('sees a run of buckets as one column: the largest value, or the union of reader states', () => {
    const h = new History(2, false, 8, 1);
    h.record(1, scripted([{ written: 2, ready: 1 }, { written: 1, ready: 3, reader: HISTORY_ASLEEP }]));
    h.record(2, scripted([{ written: 7, ready: 0 }, { written: 1, ready: 1 }]));
    h.record(3, scripted([{ written: 8, ready: 2 }, { written: 4, ready: 0 }]));
    // Written per bucket in total: 3, 5, 4; ready in total: 4, 1, 2.
    expect(h.peak('written', 0, 3, -1)).toBe(5);
    expect(h.peak('written', 2, 3, -1)).toBe(4);
    expect(h.peak('ready', 1, 3, -1)).toBe(2);
    expect(h.peak('ready', 0, 3, 1)).toBe(3);
    expect(h.peak('reader', 0, 3, -1) & HISTORY_ASLEEP).toBe(HISTORY_ASLEEP);
    expect(h.peak('reader', 1, 3, -1) & HISTORY_ASLEEP).toBe(0);
    expect(h.peak('written', 1, 1, -1)).toBe(0);
  });

  it('is recorded by a stepped run: per CPU, ready never above n_subbufs, readers asleep and reading', () => {
    const config = parseSimConfig({
      channel: { cpus: 2, subbufSize: 1024, nSubbufs: 4 },
      workload: { rate: 80_000, sizeMin: 16, sizeMax: 64 },
      reader: { period: 0.004, costPerKiB: 50 },
    });
    const run = new SteppedRun(config, { seed: 4 });
    run.step({ kind: 'until', t: 0.1 });
    const h = run.history;
    expect(h.end).toBeGreaterThan(0.09);
    let written = 0;
    let maxReady = 0;
    let bits = 0;
    for (let b = 0; b < h.count; b++)
      for (let cpu = 0; cpu < 2; cpu++) {
        written += h.value('written', b, cpu);
        maxReady = Math.max(maxReady, h.value('ready', b, cpu));
        bits |= h.value('reader', b, cpu);
      }
    const stats = run.sim.stats;
    // Everything written up to the last bucket's end, and no more.
    expect(written).toBeLessThanOrEqual(stats.get(0, 0) + stats.get(1, 0));
    expect(written).toBeGreaterThan(0.9 * (stats.get(0, 0) + stats.get(1, 0)));
    expect(maxReady).toBeGreaterThan(0);
    expect(maxReady).toBeLessThanOrEqual(4);
    expect(bits & HISTORY_ASLEEP).toBe(HISTORY_ASLEEP);
    expect(bits & HISTORY_READING).toBe(HISTORY_READING);
    expect(bits & HISTORY_WOKEN).toBe(HISTORY_WOKEN);
  });
});
