import { describe, expect, it } from 'vitest';
import type { SweepCell } from '../../engine/index.ts';
import { sweepCell } from '../../engine/sim/sweepCell.testing.ts';
import { GROWING, LOSS_FREE, REFUSED, heat, lossText, luminance, textOn } from './heatmap.ts';

const cell = (over: Partial<SweepCell>): SweepCell => sweepCell({ period: 0.05, memoryBytes: 65536, written: 1000, lostBy: null, peakReady: 1, ...over });

const contrast = (a: string, b: string): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

describe('the heatmap colours', () => {
  const cells = [
    cell({}),
    cell({ lost: 10, lossRate: 0.01, memoryBytes: 16384, verdict: 'lossy', verdictText: 'lossy' }),
    cell({ lost: 500, lossRate: 0.5, memoryBytes: 4096, verdict: 'lossy', verdictText: 'lossy' }),
    cell({ error: 'too big', lost: null, lossRate: null, verdict: null, verdictText: null }),
    cell({ verdict: 'loss-free-for', lossFreeForSeconds: 1, backlogGrowthBytesPerS: 1e7, verdictText: 'loss-free for 1 s only (backlog growing at 10 MB/s)' }),
  ];

  it('give loss-free cells their own colour, refused cells grey, and lossier cells darker', () => {
    const h = heat(cells, 'loss', String);
    expect(h.fill(cells[0])).toBe(LOSS_FREE);
    expect(h.fill(cells[3])).toBe(REFUSED);
    expect(h.fill(cells[4])).toBe(GROWING);
    expect(luminance(h.fill(cells[2]))).toBeLessThan(luminance(h.fill(cells[1])));
    expect(h.legend.map((l) => l.label)).toEqual(['loss-free', 'loss-free for the run only (backlog growing)', '1% lost', '50% lost', 'refused']);
  });

  it('colour by memory on a log scale, more memory darker', () => {
    const h = heat(cells, 'memory', (n) => `${n} B`);
    expect(luminance(h.fill(cells[0]))).toBeLessThan(luminance(h.fill(cells[2])));
    expect(h.legend.map((l) => l.label)).toEqual(['4096 B', '16384 B', '65536 B']);
    expect(h.fill(cells[4])).toBe(h.fill(cells[0]));
  });

  it('put text on every fill with at least 4.5:1 contrast', () => {
    for (const metric of ['loss', 'memory'] as const) {
      const h = heat(cells, metric, String);
      for (const c of cells) expect(contrast(h.fill(c), textOn(h.fill(c)))).toBeGreaterThanOrEqual(4.5);
    }
    for (let v = 0; v < 256; v += 5) {
      const grey = `rgb(${v}, ${v}, ${v})`;
      expect(contrast(grey, textOn(grey))).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('say a cell\'s verdict in words', () => {
    expect(cells.map(lossText)).toEqual(['loss-free', '1% lost', '50% lost', 'refused', 'loss-free for 1 s only (backlog growing at 10 MB/s)']);
  });
});
