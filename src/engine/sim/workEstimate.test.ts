import { describe, expect, it } from 'vitest';
import { PRESETS } from './presets.ts';
import { parseSimConfig } from './simConfig.ts';
import { Simulation } from './simulation.ts';
import { estimateRunEvents, estimateSweepEvents } from './workEstimate.ts';

describe('the work a run asks for, before it starts', () => {
  it('is within a fifth of the events the run takes (or 50 events), for every preset and for bursts', () => {
    const configs = [...PRESETS.map((p) => p.config), parseSimConfig({ workload: { arrival: 'bursts', rate: 50_000 }, reader: { period: 0.001 } })];
    for (const config of configs) {
      const sim = new Simulation(config, { seed: 3 });
      sim.runUntil(1);
      const estimate = estimateRunEvents(config, 1);
      expect(Math.abs(estimate - sim.eventsRun)).toBeLessThan(Math.max(0.2 * sim.eventsRun, 50));
    }
  });

  it('counts no polls without a reader, and one reader for a global channel', () => {
    const none = parseSimConfig({ workload: { rate: 1000 }, reader: { enabled: false } });
    expect(estimateRunEvents(none, 2)).toBe(2000);
    const global = parseSimConfig({ channel: { global: true }, workload: { rate: 0 }, reader: { period: 0.5 } });
    expect(estimateRunEvents(global, 10)).toBe(20);
  });

  it('grows with the cells of a sweep and the periods it tries', () => {
    const c = parseSimConfig({ workload: { rate: 1000 }, reader: { enabled: false } });
    expect(estimateSweepEvents(c, 1, 6, [0.05])).toBe(6 * (1000 + 1000));
    expect(estimateSweepEvents(c, 1, 6, [0.05, 0.1])).toBe(2 * 6 * (1000 + 1000));
  });
});
