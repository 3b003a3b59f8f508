import { describe, expect, it } from 'vitest';
import { findPreset } from './presets.ts';
import { parseSimConfig } from './simConfig.ts';
import { SweepJob, defaultSweepAxes, recommend, runSweep, sweepSeconds, type SweepCell } from './sweep.ts';
import { parseWorkloadCsv } from './workloadCsv.ts';
import { sweepCell } from './sweepCell.testing.ts';

// A channel whose reader is slow enough that small rings overflow and large ones do not.
const config = parseSimConfig({
  channel: { cpus: 2, subbufSize: 4096, nSubbufs: 4 },
  workload: { rate: 20_000, arrival: 'constant', size: 'fixed', sizeMin: 64 },
  reader: { period: 0.05, costPerKiB: 20, jitter: 0 },
});

const cell = sweepCell;

describe('sizing sweep', () => {
  it('builds the default grid from powers of two around the configuration, never below one sub-buffer', () => {
    const g = defaultSweepAxes(config);
    expect(g.subbufSizes).toEqual([512, 1024, 2048, 4096, 8192, 16384]);
    expect(g.nSubbufs).toEqual([1, 2, 4, 8, 16]);
    expect(g.periods).toEqual([0.05]);
    const ath9k = defaultSweepAxes((findPreset('ath9k-spectral') ?? { config }).config);
    expect(ath9k.subbufSizes[0]).toBe(128);
    expect(ath9k.nSubbufs).toEqual([32, 64, 128, 256, 512, 1024]);
  });

  it('runs every cell with page-aligned whole-channel memory and recommends the cheapest loss-free one', () => {
    const r = runSweep(config, { seed: 3, seconds: 0.3, subbufSizes: [1024, 4096], nSubbufs: [1, 2, 8] });
    expect(r.cells).toHaveLength(6);
    for (const c of r.cells) {
      expect(c.memoryBytes).toBe(2 * Math.ceil((c.subbufSize * c.nSubbufs) / 4096) * 4096);
      expect(c.written).toBeGreaterThan(0);
      expect(c.lossRate).toBeCloseTo((c.lost ?? 0) / (c.written ?? 1));
    }
    const one = r.cells.find((c) => c.subbufSize === 1024 && c.nSubbufs === 1);
    expect(one?.lost).toBeGreaterThan(0);
    expect(r.recommended).not.toBeNull();
    const rec = r.recommended as SweepCell;
    expect(rec.lost).toBe(0);
    const lossFreeMemory = r.cells.filter((c) => c.lost === 0).map((c) => c.memoryBytes);
    expect(Math.min(...lossFreeMemory)).toBe(rec.memoryBytes);
    expect(r.reason).toBeNull();
    expect(r.margin?.headroom).toBe(rec.nSubbufs - (rec.peakReady ?? 0));
  });

  it('gives the same cells for the same seed', () => {
    const opts = { seed: 11, seconds: 0.2, subbufSizes: [2048], nSubbufs: [1, 4] };
    expect(runSweep(config, opts).cells).toEqual(runSweep(config, opts).cells);
  });

  it('advances in bounded slices with progress, and gives the same cells as one run', () => {
    const opts = { seed: 5, seconds: 0.2, subbufSizes: [1024, 4096], nSubbufs: [2, 4] };
    const job = new SweepJob(config, opts);
    const fractions: number[] = [];
    let slices = 0;
    while (!job.done) {
      fractions.push(job.step(500).fraction);
      slices++;
    }
    expect(slices).toBeGreaterThan(8);
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    expect(job.result().cells).toEqual(runSweep(config, opts).cells);
  });

  it('runs one cell at a time, and stops when cancelled with the cells that ran', () => {
    const job = new SweepJob(config, { seed: 1, seconds: 0.1, subbufSizes: [1024, 2048], nSubbufs: [2, 4] });
    expect(job.cellsTotal).toBe(4);
    expect(job.runCell()).toMatchObject({ subbufSize: 1024, nSubbufs: 2 });
    job.step(10);
    job.cancel();
    expect(job.done).toBe(true);
    expect(job.runCell()).toBeNull();
    const r = job.result();
    expect(r.cancelled).toBe(true);
    expect(r.cells).toHaveLength(1);
  });

  it('reports cells it cannot open instead of failing, with the reason', () => {
    const r = runSweep(config, { seed: 1, seconds: 0.05, subbufSizes: [8, 4096], nSubbufs: [2] });
    const refused = r.cells[0];
    expect(refused).toMatchObject({ subbufSize: 8, written: null, lost: null, lossRate: null });
    expect(refused.error).toMatch(/channel\.subbufSize 8 cannot hold any record: every record is at least 16 bytes/);
    expect(r.cells[1].error).toBeNull();
    const huge = runSweep(config, { seed: 1, seconds: 0.05, subbufSizes: [64 * 1024 * 1024], nSubbufs: [8] });
    expect(huge.cells[0].error).toMatch(/512 MiB cap/);
    expect(huge.recommended).toBeNull();
    expect(huge.reason).toMatch(/every configuration in the grid was refused/);
  });

  it('sweeps the reader period when asked', () => {
    const r = runSweep(config, { seed: 2, seconds: 0.2, subbufSizes: [4096], nSubbufs: [2], periods: [0.01, 0.5] });
    expect(r.cells.map((c) => c.period)).toEqual([0.01, 0.5]);
  });

  it('explains why nothing is loss-free, naming the main cause', () => {
    const tight = parseSimConfig({ channel: { cpus: 1, subbufSize: 1024 }, workload: { rate: 20_000, sizeMin: 1000, sizeMax: 1000, size: 'fixed' } });
    const r = runSweep(tight, { seed: 1, seconds: 0.2, subbufSizes: [1024], nSubbufs: [1, 2] });
    expect(r.recommended).toBeNull();
    expect(r.capacity.bottleneck).toBe('buffer');
    expect(r.reason).toMatch(/^no configuration in the grid is loss-free; the least lossy, 2 x 1024 B/);
    expect(r.reason).toMatch(/dropped because the buffer was full/);
  });

  it('says an overwrite channel with no reader holds the last seconds, and recommends no size', () => {
    const recorder = parseSimConfig({ channel: { cpus: 1, mode: 'overwrite' }, workload: { rate: 50_000, size: 'fixed', sizeMin: 64 }, reader: { enabled: false } });
    const r = runSweep(recorder, { seed: 1, seconds: 0.5, subbufSizes: [4096], nSubbufs: [1, 2] });
    expect(r.recommended).toBeNull();
    expect(r.capacity).toMatchObject({ bottleneck: null, total: { produceBytesPerS: 3_200_000, drainBytesPerS: null } });
    expect(r.reason).toMatch(/^no reader drains the channel: an overwrite channel keeps only the newest data/);
    expect(r.cells.map((c) => c.verdict)).toEqual(['holds-last', 'holds-last']);
    expect(r.cells.map((c) => c.holdsLastSeconds)).toEqual([4096 / 3_200_000, 8192 / 3_200_000]);
  });

  it('breaks ties in memory by the lower peak fill, then the longer period, then more sub-buffers', () => {
    const a = cell({ subbufSize: 1024, nSubbufs: 4, memoryBytes: 4096, peakReady: 1 });
    const b = cell({ subbufSize: 512, nSubbufs: 8, memoryBytes: 4096, peakReady: 3 });
    expect(recommend([a, b], config).recommended).toBe(a);
    const c = cell({ subbufSize: 512, nSubbufs: 8, memoryBytes: 4096, peakReady: 3 });
    const d = cell({ subbufSize: 1024, nSubbufs: 4, memoryBytes: 4096, peakReady: 1 });
    expect(recommend([c, d], config).recommended).toBe(d);
    const e = cell({ nSubbufs: 8, memoryBytes: 4096, peakReady: 0 });
    const f = cell({ nSubbufs: 4, memoryBytes: 4096, peakReady: 0 });
    expect(recommend([f, e], config).recommended).toBe(e);
  });

  it('gives the margin: peak occupancy and the next smaller cells along each axis', () => {
    const cells = [
      cell({ subbufSize: 1024, nSubbufs: 4, memoryBytes: 8192, lost: 7, lossRate: 0.07, verdict: 'lossy' }),
      cell({ subbufSize: 2048, nSubbufs: 2, memoryBytes: 8192, lost: 3, lossRate: 0.03, verdict: 'lossy' }),
      cell({ subbufSize: 2048, nSubbufs: 4, memoryBytes: 16384, peakReady: 3 }),
    ];
    const r = recommend(cells, config);
    expect(r.recommended).toBe(cells[2]);
    expect(r.margin).toMatchObject({ peakReady: 3, headroom: 1, peakFill: 0.75 });
    expect(r.margin?.smallerNSubbufs).toBe(cells[1]);
    expect(r.margin?.smallerSubbufSize).toBe(cells[0]);
  });
});

describe('the default sweep length', () => {
  it('covers five burst cycles or reader pauses, or the current run, whichever is longer, and says which', () => {
    const steady = parseSimConfig({ workload: { arrival: 'poisson' } });
    expect(sweepSeconds(steady)).toEqual({ seconds: 1, reason: 'the shortest default sweep (1 s): the workload has no bursts and the reader no pauses' });
    const paused = parseSimConfig({ reader: { pauseEvery: 0.5, pauseFor: 0.1 }, workload: { arrival: 'bursts', burstOn: 0.01, burstOff: 0.03 } });
    expect(sweepSeconds(paused)).toEqual({ seconds: 2.5, reason: "5 x the reader's pause period (0.5 s), longer than the shortest default sweep (1 s)" });
    expect(sweepSeconds(paused, { runSeconds: 4 })).toEqual({
      seconds: 4,
      reason: "the current run's length (4 s), at least 5 x the longest period (the reader's pause period, 0.5 s)",
    });
    const rare = parseSimConfig({ reader: { pauseEvery: 100, pauseFor: 1 } });
    expect(sweepSeconds(rare)).toEqual({ seconds: 60, reason: "5 x the reader's pause period (100 s), longer than the shortest default sweep (1 s), capped at 60 s" });
  });

  it('runs a replay for its capture', () => {
    const w = parseWorkloadCsv('0,0,64\n2500,0,64\n', 'w.csv');
    expect(sweepSeconds(config, { workload: w })).toEqual({ seconds: 0.0025, reason: "the capture's length (0.0025 s): a replay has no steady state beyond its end" });
  });
});
