import { describe, expect, it } from 'vitest';
import { runSliced } from './slices.ts';

describe('work in slices', () => {
  it('runs slice after slice until done, sizing each for the target by the clock', async () => {
    // A clock that says each unit of work takes 0.01 ms.
    let ms = 0;
    const sizes: number[] = [];
    let left = 50_000;
    const job = runSliced(
      (units) => {
        sizes.push(units);
        ms += units * 0.01;
        left -= units;
        return left <= 0;
      },
      { sliceMs: 20, first: 100, now: () => ms },
    );
    expect(await job.done).toBe('done');
    // From 100 units the slices double toward 2,000 units (20 ms), and stay there.
    expect(sizes.slice(0, 6)).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect(job.longestMs).toBeCloseTo(20, 5);
  });

  it('stops before the next slice when cancelled', async () => {
    let slices = 0;
    const job = runSliced(() => {
      slices += 1;
      if (slices === 3) job.cancel();
      return false;
    });
    expect(await job.done).toBe('cancelled');
    expect(slices).toBe(3);
  });
});
