import { describe, expect, it } from 'vitest';
import { Simulation, lostRecords, parseSimConfig, runOutcome, simReport, watchedRun } from '../../engine/index.ts';
import { diffReports } from './diff.ts';

const report = (nSubbufs: number) => {
  const sim = new Simulation(parseSimConfig({ channel: { cpus: 2, subbufSize: 1024, nSubbufs }, workload: { rate: 50000 }, reader: { period: 0.05, pauseEvery: 0.05, pauseFor: 0.01 } }), { seed: 3 });
  sim.runUntil(0.2);
  return simReport(sim);
};

describe('the A/B diff', () => {
  const a = report(2);
  const b = report(16);
  const rows = Object.fromEntries(diffReports(a, b).map((r) => [r.key, r]));

  it('says which run lost less and by how much', () => {
    expect(a.total.droppedFull).toBeGreaterThan(b.total.droppedFull);
    expect(rows.lost.better).toBe('B');
    expect(rows.lost.by).toMatch(/^B, [\d\u202f]+ lower \(\d[\d.]*% less\)$/);
  });

  it('counts memory against the bigger channel', () => {
    expect(rows.memoryBytes.better).toBe('A');
    expect(rows.memoryBytes).toMatchObject({ a: '8 KiB', b: '32 KiB', by: 'A, 24 KiB lower (75% less)' });
  });

  it('gives no winner for counters that only describe the run, and "same" for equal ones', () => {
    expect(rows.written.better).toBeNull();
    expect(rows.written.by).toBe('equal');
    expect(diffReports(a, a).every((r) => r.better === null || r.better === 'same')).toBe(true);
  });
});

describe('the A/B diff of a reader that cannot keep up', () => {
  // 4 CPUs at 200,000 records/s of 48-96 B (3.6 MB/s per CPU), a reader that drains 1.024 MB/s per CPU.
  const slow = (nSubbufs: number, subbufSize: number) => {
    const config = parseSimConfig({ channel: { cpus: 4, nSubbufs, subbufSize }, workload: { rate: 200_000, sizeMin: 48, sizeMax: 96 }, reader: { costPerKiB: 1000 } });
    const run = watchedRun(config, { seed: 1 }, 0.5);
    run.sim.runUntil(0.5);
    return runOutcome(run);
  };
  const a = slow(8, 16384);
  const b = slow(8, 512 * 1024);
  const rows = Object.fromEntries(diffReports(a.report, b.report, [a.outcome, b.outcome]).map((r) => [r.key, r]));

  it('does not call the larger buffer better at loss: it only holds more records at risk', () => {
    expect(lostRecords(b.report.total)).toBe(0);
    expect(lostRecords(a.report.total)).toBeGreaterThan(0);
    expect(rows.lost.better).toBeNull();
    expect(rows.lost.by).toMatch(/^neither: B has [\d\u202f]+ fewer so far, but the reader is the bottleneck of both/);
    expect(rows.lost.by).not.toMatch(/less/);
    expect(rows.lossRate.better).toBeNull();
    expect(rows.readIntact.better).toBeNull();
    expect(rows.readIntact.by).toMatch(/^neither: B has [\d\u202f]+ more so far/);
    expect(rows.inBuffer.better).toBe('A');
    expect(rows.peakBacklog.better).toBe('A');
    expect(rows.maxLagUs.better).toBe('A');
  });

  it('gives the steady-state verdicts first, and no winner between them', () => {
    expect(rows.verdict).toMatchObject({ a: 'lossy', better: null });
    expect(rows.verdict.b).toMatch(/^loss-free for 0\.5 s only \(backlog growing at [\d.]+ MB\/s\)$/);
    expect(rows.verdict.by).toBe('neither: the reader is the bottleneck of both: once full, A loses 71.6% and B 71.6% of its records');
  });
});
