import { describe, expect, it } from 'vitest';
import { Simulation, parseSimConfig, simReport } from '../../engine/index.ts';
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
