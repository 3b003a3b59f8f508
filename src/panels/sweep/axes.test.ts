import { describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CONFIG, buffersMemory, defaultSweepAxes, findPreset } from '../../engine/index.ts';
import { AXES, BROWSER_CELL_CAP, browserAxes, parseAxis } from './axes.ts';

const preset = (id: string) => {
  const p = findPreset(id);
  if (p === undefined) throw new Error(id);
  return p.config;
};

describe('the browser default grid', () => {
  it('is the engine default grid when its largest cell fits under the cap', () => {
    const { axes, narrowed } = browserAxes(DEFAULT_SIM_CONFIG);
    expect(axes).toEqual(defaultSweepAxes(DEFAULT_SIM_CONFIG));
    expect(narrowed).toBeNull();
  });

  it('drops the largest values of kvmtrace until every cell fits, and says so', () => {
    const config = preset('kvmtrace');
    const { axes, narrowed } = browserAxes(config);
    const full = defaultSweepAxes(config);
    const biggest = buffersMemory({ subbufSize: Math.max(...axes.subbufSizes), nSubbufs: Math.max(...axes.nSubbufs), nrCpus: config.channel.cpus, isGlobal: false });
    expect(biggest).toBeLessThanOrEqual(BROWSER_CELL_CAP);
    expect(axes.subbufSizes).toEqual(full.subbufSizes.slice(0, axes.subbufSizes.length));
    expect(axes.nSubbufs).toEqual(full.nSubbufs.slice(0, axes.nSubbufs.length));
    expect(axes.subbufSizes.length * axes.nSubbufs.length).toBeGreaterThan(12);
    expect(narrowed).toMatch(/at most 32 MiB .* reaches 256 MiB/);
  });
});

describe('an axis typed as a list', () => {
  it('reads numbers, K and M suffixes, and sorts them', () => {
    expect(parseAxis('8192, 4K,1m', AXES.subbufSizes)).toEqual({ ok: true, values: [4096, 8192, 1048576] });
    expect(parseAxis('0.5,0.05', AXES.periods)).toEqual({ ok: true, values: [0.05, 0.5] });
  });

  it('names the item at fault and why', () => {
    expect(parseAxis('4096, x', AXES.subbufSizes)).toEqual({ ok: false, error: 'subbuf_size, item 2 ("x"): must be an integer from 1 to 4294967295' });
    expect(parseAxis('2,2', AXES.nSubbufs)).toEqual({ ok: false, error: 'n_subbufs, item 2 ("2"): given twice' });
    expect(parseAxis('1.5', AXES.nSubbufs)).toMatchObject({ ok: false, error: expect.stringMatching(/must be an integer/) });
    expect(parseAxis('', AXES.nSubbufs)).toEqual({ ok: false, error: 'n_subbufs: give at least one value' });
    expect(parseAxis(Array.from({ length: 30 }, (_, i) => i + 1).join(','), AXES.nSubbufs)).toMatchObject({ ok: false, error: 'n_subbufs: at most 24 values, got 30' });
  });
});
