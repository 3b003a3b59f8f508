import { describe, expect, it } from 'vitest';
import { COUNTER_COLUMNS, countersCsv, countersJson } from './countersExport.ts';
import { findPreset } from './presets.ts';
import { simReport } from './report.ts';
import { parseSimConfig, type SimConfig } from './simConfig.ts';
import { Simulation } from './simulation.ts';

const reportOf = (config: SimConfig, seconds = 0.2) => {
  const sim = new Simulation(config, { seed: 6 });
  sim.runUntil(seconds);
  return { sim, report: simReport(sim) };
};

const oneSubbuf = (findPreset('one-subbuf') ?? { config: parseSimConfig({}) }).config;

describe('counters export', () => {
  it('heads the columns with the kernel names, then the record accounting', () => {
    expect(COUNTER_COLUMNS.slice(0, 9)).toEqual([
      'cpu',
      'buffer',
      'subbufs_produced',
      'subbufs_consumed',
      'ready',
      'bytes_consumed',
      'full_count',
      'big_count',
      'i_size',
    ]);
    expect(COUNTER_COLUMNS).toContain('dropped_full');
  });

  it("gives every CPU its buffer's counters and its records, and a total row", () => {
    const { sim, report } = reportOf(oneSubbuf);
    const json = countersJson(report);
    expect(json.cpus).toHaveLength(2);
    json.cpus.forEach((row, cpu) => {
      const buf = sim.chan.buf(cpu);
      expect(row).toMatchObject({ cpu, buffer: String(cpu), subbufs_produced: buf?.produced, written: report.cpus[cpu].written });
      expect(row.ready).toBe(Number(row.subbufs_produced) - Number(row.subbufs_consumed));
    });
    expect(json.total.cpu).toBe('total');
    expect(json.total.full_count).toBe(Number(json.cpus[0].full_count) + Number(json.cpus[1].full_count));
    expect(json.total.dropped_full).toBe(report.total.droppedFull);
    expect(Number(json.total.dropped_full)).toBeGreaterThan(0);
  });

  it('counts a global buffer once in the total, while each CPU row shows it', () => {
    const global = parseSimConfig({ channel: { cpus: 3, global: true }, workload: { rate: 20_000 } });
    const json = countersJson(reportOf(global).report);
    expect(json.cpus.map((r) => r.buffer)).toEqual(['global', 'global', 'global']);
    expect(json.cpus[1].subbufs_produced).toBe(json.cpus[0].subbufs_produced);
    expect(json.total.subbufs_produced).toBe(json.cpus[0].subbufs_produced);
    expect(json.total.written).toBe(json.cpus.reduce((s, r) => s + Number(r.written), 0));
  });

  it('writes CSV with a header row, a line per CPU and the total, all the same width', () => {
    const { report } = reportOf(oneSubbuf);
    const lines = countersCsv(report).trimEnd().split('\n');
    expect(lines[0]).toBe(COUNTER_COLUMNS.join(','));
    expect(lines).toHaveLength(4);
    expect(lines[3].startsWith('total,all,')).toBe(true);
    for (const line of lines) expect(line.split(',')).toHaveLength(COUNTER_COLUMNS.length);
    const json = countersJson(report);
    expect(lines[1].split(',').map(Number)).toEqual(COUNTER_COLUMNS.map((c) => Number(json.cpus[0][c])));
  });
});
