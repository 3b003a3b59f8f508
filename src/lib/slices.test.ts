import { describe, expect, it } from 'vitest';
import { runSliced } from './slices.ts';

/** Runs `total` units with a clock that charges `cost(units, call)` ms per call; what each slice took. */
async function slicesOf(total: number, cost: (units: number, call: number) => number, first = 100) {
  let ms = 0;
  let left = total;
  const sizes: number[] = [];
  const slices: number[] = [];
  let sliceStart = 0;
  const job = runSliced(
    (units) => {
      sizes.push(units);
      ms += cost(units, sizes.length - 1);
      left -= units;
      return left <= 0;
    },
    {
      sliceMs: 20,
      first,
      now: () => ms,
      onSlice: () => {
        slices.push(ms - sliceStart);
        sliceStart = ms;
      },
    },
  );
  // Slices start where the last ended: the clock only moves in work.
  expect(await job.done).toBe('done');
  return { sizes, slices, longest: job.longestMs };
}

describe('work in slices', () => {
  it('runs chunks sized by the clock for a quarter of the slice, as many as fit in it', async () => {
    // Each unit takes 0.01 ms: chunks double from 100 units toward 500 (5 ms), and stay there.
    const { sizes, slices, longest } = await slicesOf(50_000, (units) => units * 0.01);
    expect(sizes.slice(0, 6)).toEqual([100, 200, 400, 500, 500, 500]);
    // The first slice stops where the next chunk would pass 20 ms; the others are four chunks.
    expect(slices[0]).toBeCloseTo(17, 5);
    expect(slices.slice(1, -1).every((s) => Math.abs(s - 20) < 1e-9)).toBe(true);
    expect(longest).toBeCloseTo(20, 5);
  });

  it('ends a slice within its target when a unit costs more now and then, by at most the surprise', async () => {
    // Every seventh chunk costs 8 ms more (a checkpoint taken, say).
    const { slices, longest } = await slicesOf(200_000, (units, call) => units * 0.01 + (call % 7 === 6 ? 8 : 0));
    expect(slices.length).toBeGreaterThan(20);
    expect(longest).toBeGreaterThan(20);
    expect(longest).toBeLessThanOrEqual(20 + 8 + 1e-9);
  });

  it('shrinks the chunks when the units get dearer, so a slice still ends near its target', async () => {
    // The first 10,000 units cost 0.01 ms each, the rest 0.2 ms: 20 times dearer.
    let done = 0;
    const { slices } = await slicesOf(30_000, (units) => {
      const cheap = Math.max(0, Math.min(units, 10_000 - done));
      done += units;
      return cheap * 0.01 + (units - cheap) * 0.2;
    });
    // One slice meets the change (its chunk 20 times its share); from the next on, all within 20 ms.
    const over = slices.map((s, i) => [s, i] as const).filter(([s]) => s > 20 + 1e-9);
    expect(over.length).toBeLessThanOrEqual(1);
    expect(slices.at(-2)).toBeLessThanOrEqual(20 + 1e-9);
  });

  it('stops before the next slice when cancelled', async () => {
    let calls = 0;
    const job = runSliced(
      () => {
        calls += 1;
        if (calls === 3) job.cancel();
        return false;
      },
      // A clock by which every call takes a whole slice: one call per slice.
      { now: (() => { let ms = 0; return () => (ms += 15); })() },
    );
    expect(await job.done).toBe('cancelled');
    expect(calls).toBe(3);
  });
});
