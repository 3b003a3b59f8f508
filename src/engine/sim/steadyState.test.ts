import { describe, expect, it } from 'vitest';
import { capacityOf } from './capacity.ts';
import { parseSimConfig, type SimConfig } from './simConfig.ts';
import { BacklogMonitor, steadyVerdict, watchedOutcome, watchedRun } from './steadyState.ts';
import { parseWorkloadCsv } from './workloadCsv.ts';

const verdictOf = (config: SimConfig, seconds: number, workload?: ReturnType<typeof parseWorkloadCsv>) => {
  const w = watchedRun(config, { seed: 1, workload }, seconds);
  w.sim.runUntil(seconds);
  return watchedOutcome(w).verdict;
};

describe('the steady-state verdict', () => {
  it('calls a run that lost nothing only because it was short "loss-free for N s only", with the growth', () => {
    // The writers produce 1.024 MB/s on average, and the reader drains exactly that much.
    const even = parseSimConfig({
      channel: { cpus: 1, subbufSize: 4096, nSubbufs: 32 },
      workload: { rate: 16_000, arrival: 'bursts', burstOn: 0.01, burstOff: 0.03, size: 'fixed', sizeMin: 64 },
      reader: { period: 0.02, costPerKiB: 1000 },
    });
    const v = verdictOf(even, 0.5);
    expect(v.verdict).toBe('loss-free-for');
    expect(v.lossFreeForSeconds).toBe(0.5);
    expect(v.verdictText).toMatch(/^loss-free for 0\.5 s only \(backlog growing/);
    const slow = parseSimConfig({ channel: { cpus: 1, nSubbufs: 1024, subbufSize: 4096 }, workload: { rate: 20_000, size: 'fixed', sizeMin: 100 }, reader: { costPerKiB: 1000 } });
    const s = verdictOf(slow, 0.5);
    expect(s.verdict).toBe('loss-free-for');
    // 2 MB/s produced, 1.024 MB/s drained.
    expect(s.backlogGrowthBytesPerS).toBeGreaterThan(0.9e6);
    expect(s.backlogGrowthBytesPerS).toBeLessThan(1.1e6);
    expect(s.verdictText).toMatch(/^loss-free for 0\.5 s only \(backlog growing at (0\.9\d*|1(\.0\d*)?) MB\/s\)$/);
  });

  it('calls a run whose reader keeps up and that lost nothing loss-free, and one that lost records lossy', () => {
    const fine = parseSimConfig({ channel: { cpus: 2, subbufSize: 4096, nSubbufs: 16 }, workload: { rate: 20_000 }, reader: { costPerKiB: 20 } });
    expect(verdictOf(fine, 0.5)).toMatchObject({ verdict: 'loss-free', verdictText: 'loss-free', lossFreeForSeconds: null });
    const tight = parseSimConfig({ ...fine, channel: { ...fine.channel, nSubbufs: 1, subbufSize: 512 }, reader: { ...fine.reader, wakeLatency: 5000 } });
    expect(verdictOf(tight, 0.5).verdict).toBe('lossy');
  });

  it('finds a backlog growing from the first quarter to the last beyond the slack, whatever the model says', () => {
    const config = parseSimConfig({ channel: { cpus: 1, subbufSize: 4096 } });
    const capacity = capacityOf(config);
    expect(capacity.bottleneck).toBe('buffer');
    const monitor = new BacklogMonitor(config, 2);
    monitor.quarterPeak.splice(0, 4, 10_000, 20_000, 30_000, 40_000);
    const v = steadyVerdict({ config, capacity, seconds: 2, lost: 0, replayed: false, monitor });
    expect(v).toMatchObject({ verdict: 'loss-free-for', lossFreeForSeconds: 2, backlogGrowthBytesPerS: 30_000 / 1.5 });
    // Within the slack (half the first quarter's peak, and two sub-buffers): steady.
    monitor.quarterPeak.splice(0, 4, 10_000, 14_000, 12_000, 14_000);
    expect(steadyVerdict({ config, capacity, seconds: 2, lost: 0, replayed: false, monitor }).verdict).toBe('loss-free');
  });

  it('calls a replay that lost nothing loss-free over the capture, and overwrite with no reader holds-last', () => {
    const w = parseWorkloadCsv(['timestamp_us,cpu,size', ...Array.from({ length: 200 }, (_, i) => `${i * 100},0,64`)].join('\n'), 'w.csv');
    const config = parseSimConfig({ channel: { cpus: 1 }, reader: { costPerKiB: 1000 } });
    expect(verdictOf(config, w.duration, w)).toMatchObject({ verdict: 'loss-free', verdictText: 'loss-free over the capture' });
    const recorder = parseSimConfig({ channel: { cpus: 1, mode: 'overwrite', subbufSize: 4096, nSubbufs: 4 }, workload: { rate: 1000, size: 'fixed', sizeMin: 64 }, reader: { enabled: false } });
    expect(verdictOf(recorder, 1)).toMatchObject({ verdict: 'holds-last', holdsLastSeconds: 16384 / 64_000, verdictText: 'holds the last 0.256 s' });
  });
});
