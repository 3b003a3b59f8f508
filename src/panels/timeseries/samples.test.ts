import { describe, expect, it } from 'vitest';
import { thin } from './samples.ts';

describe('thin', () => {
  it('keeps every point up to the bound', () => {
    expect(thin([1, 2, 3], 3)).toEqual([1, 2, 3]);
  });

  it('keeps at most the bound, evenly spaced, the first and the last included', () => {
    const points = Array.from({ length: 1200 }, (_, i) => i);
    const kept = thin(points, 160);
    expect(kept).toHaveLength(160);
    expect(kept[0]).toBe(0);
    expect(kept.at(-1)).toBe(1199);
    const gaps = kept.slice(1).map((p, i) => p - kept[i]);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
  });
});
