import { describe, expect, it } from 'vitest';
import { capacityOf, readerDrain } from './capacity.ts';
import { Random } from './random.ts';
import { parseSimConfig, type SimConfig } from './simConfig.ts';
import { watchedOutcome, watchedRun } from './steadyState.ts';
import { busiestBuffer } from './sweep.ts';
import { parseWorkloadCsv } from './workloadCsv.ts';

/** The slow reader: 4 CPUs at 200,000 records/s of 48-96 B, a reader that costs 1000 µs per KiB. */
const slow = parseSimConfig({ channel: { cpus: 4 }, workload: { rate: 200_000, sizeMin: 48, sizeMax: 96 }, reader: { costPerKiB: 1000 } });

/**
 * How close the closed-form peak backlog is to the simulated one, for readers that keep up:
 * the simulated peak is between LOW and HIGH times the estimate. The estimate adds its terms
 * as if they peaked at once, so it is mostly an upper bound; Poisson arrivals can go a little
 * above it (the model has no term for their fluctuation).
 */
const LOW = 0.55;
const HIGH = 1.15;

/** A seeded configuration whose reader keeps up on average, in a ring large enough never to drop. */
function keepsUp(rng: Random): SimConfig {
  const pause = rng.float() < 0.5;
  return parseSimConfig({
    channel: { cpus: rng.int(1, 4), subbufSize: 2 ** rng.int(11, 14), nSubbufs: 512 },
    workload: {
      rate: rng.int(5, 60) * 1000,
      arrival: (['constant', 'poisson', 'bursts'] as const)[rng.int(0, 2)],
      burstOn: 0.005 * rng.int(1, 4),
      burstOff: 0.01 * rng.int(1, 4),
      size: 'uniform',
      sizeMin: 32,
      sizeMax: 128,
    },
    reader: {
      period: 0.01 * rng.int(1, 5),
      costPerKiB: [0.5, 5, 50, 200][rng.int(0, 3)],
      wakeLatency: 50 * rng.int(0, 4),
      pauseEvery: pause ? 0.1 : 0,
      pauseFor: pause ? 0.01 * rng.int(1, 4) : 0,
    },
  });
}

/** A seeded configuration whose reader cannot keep up: it costs 2-4 times what the writers produce. */
function starved(rng: Random): SimConfig {
  const cpus = rng.int(1, 4);
  const rate = rng.int(20, 60) * 1000;
  const perCpu = (rate / cpus) * 80;
  return parseSimConfig({
    channel: { cpus, subbufSize: 4096, nSubbufs: 4 },
    workload: { rate, arrival: 'poisson', size: 'uniform', sizeMin: 32, sizeMax: 128 },
    // drain = 1.024e9 / costPerKiB
    reader: { costPerKiB: (1.024e9 / perCpu) * (2 + 2 * rng.float()), layout: 'per-cpu' },
  });
}

const run = (config: SimConfig, seed: number, seconds: number) => {
  const w = watchedRun(config, { seed }, seconds);
  w.sim.runUntil(seconds);
  return { ...watchedOutcome(w), monitor: w.monitor, capacity: w.capacity };
};

describe('the capacity model', () => {
  it('finds the slow reader the bottleneck, with both rates and what the reader would need', () => {
    const c = capacityOf(slow);
    expect(c.bottleneck).toBe('reader');
    expect(c.cpus).toHaveLength(4);
    for (const cpu of c.cpus) {
      expect(cpu.produceBytesPerS).toBeCloseTo(50_000 * 72);
      expect(cpu.drainBytesPerS).toBeCloseTo(1.024e6);
      expect(cpu.peakBacklogBytes).toBeNull();
    }
    expect(c.total).toMatchObject({ produceBytesPerS: 4 * 3.6e6, drainBytesPerS: 4 * 1.024e6, peakBacklogBytes: null });
    expect(c.need?.drainBytesPerS).toBeCloseTo(3.6e6);
    expect(c.need?.costPerKiB).toBeCloseTo((1000 * 1.024) / 3.6);
    expect(c.statement).toBe(
      'the reader drains 1.02 MB/s per CPU, the writers produce 3.6 MB/s: larger buffers only delay the loss (by about 0.41 s per MiB); ' +
        'make the reader faster (drain at least 3.6 MB/s, a cost of at most 284 µs/KiB) or reduce the rate',
    );
  });

  it('estimates the peak backlog of a reader that keeps up within its tolerance of the simulated peak, over seeded configurations', () => {
    const rng = new Random(7);
    for (let i = 0; i < 12; i++) {
      const config = keepsUp(rng);
      const r = run(config, i + 1, 0.5);
      const estimate = busiestBuffer(r.capacity).peakBacklogBytes ?? NaN;
      expect(r.capacity.bottleneck).toBe('buffer');
      expect(r.report.lossRate).toBe(0);
      const ratio = r.monitor.peakBacklogBytes / estimate;
      expect(ratio, `configuration ${i}: simulated ${r.monitor.peakBacklogBytes} B, estimated ${Math.round(estimate)} B`).toBeGreaterThanOrEqual(LOW);
      expect(ratio, `configuration ${i}: simulated ${r.monitor.peakBacklogBytes} B, estimated ${Math.round(estimate)} B`).toBeLessThanOrEqual(HIGH);
      expect(r.verdict.verdict).toBe('loss-free');
    }
  });

  it('gives a starved reader the drain rate the simulation reads at, and the loss 1 - drain/produce', () => {
    const rng = new Random(11);
    for (let i = 0; i < 6; i++) {
      const config = starved(rng);
      const seconds = 1;
      const r = run(config, i + 1, seconds);
      expect(r.capacity.bottleneck).toBe('reader');
      const drain = r.capacity.total.drainBytesPerS ?? NaN;
      const produce = r.capacity.total.produceBytesPerS;
      // A few sub-buffers fill before the loss starts, so a run of 1 s reads a little more.
      expect(r.report.total.bytesRead / seconds / drain).toBeGreaterThan(0.97);
      expect(r.report.total.bytesRead / seconds / drain).toBeLessThan(1.05);
      expect(r.report.lossRate).toBeCloseTo(1 - drain / produce, 1);
      expect(r.verdict.verdict).toBe('lossy');
    }
  });

  it('derives the drain from the read size, the pauses, and one reader for every buffer', () => {
    // A pass of max(chunk, 4 sub-buffers) never takes less than the scheduler's 1 µs.
    const cheap = parseSimConfig({ channel: { subbufSize: 4096 }, reader: { costPerKiB: 0.001, chunk: 65536 } });
    expect(readerDrain(cheap)).toBeCloseTo(65536 / 1e-6);
    const paused = parseSimConfig({ reader: { costPerKiB: 100, pauseEvery: 0.1, pauseFor: 0.025 } });
    expect(readerDrain(paused)).toBeCloseTo((1.024e9 / 100) * 0.75);
    const single = parseSimConfig({ channel: { cpus: 2 }, workload: { rate: 100_000, skew: 0.5, size: 'fixed', sizeMin: 64 }, reader: { layout: 'single', costPerKiB: 100 } });
    const c = capacityOf(single);
    expect(c.total.drainBytesPerS).toBeCloseTo(1.024e7);
    expect(c.cpus.map((x) => x.drainBytesPerS)).toEqual([expect.closeTo((1.024e7 * 2) / 3), expect.closeTo(1.024e7 / 3)]);
    expect(c.statement).toMatch(/^the reader drains 10.2 MB\/s in all \(one reader for every buffer\), the writers produce 6.4 MB\/s/);
  });

  it('says which term dominates: bursts beyond the drain', () => {
    const bursty = parseSimConfig({
      channel: { cpus: 1, subbufSize: 4096 },
      workload: { rate: 20_000, arrival: 'bursts', burstOn: 0.01, burstOff: 0.09, size: 'fixed', sizeMin: 64 },
      reader: { costPerKiB: 200, wakeLatency: 0 },
    });
    const b = capacityOf(bursty).cpus[0];
    // 1.28 MB/s on average, 12.8 MB/s in a burst of 10 ms, drained at 5.12 MB/s.
    expect(b.terms?.burst).toBeCloseTo((12.8e6 - 5.12e6) * 0.01);
    expect(b.dominant).toBe('burst');
    expect(capacityOf(bursty).statement).toMatch(/estimated peak backlog 79 KiB on the busiest buffer, mostly the burst excess$/);
  });

  it('states what a rate of 0 or a disabled reader cannot tell', () => {
    const idle = capacityOf(parseSimConfig({ workload: { rate: 0 } }));
    expect(idle).toMatchObject({ bottleneck: null, total: { produceBytesPerS: 0 } });
    expect(idle.statement).toMatch(/write nothing \(a rate of 0\): every size loses nothing, so the sweep cannot tell what size the channel needs/);
    const none = capacityOf(parseSimConfig({ reader: { enabled: false } }));
    expect(none.bottleneck).toBe('reader');
    expect(none.cpus.every((c) => c.drainBytesPerS === null)).toBe(true);
    expect(none.need).toBeNull();
    expect(none.statement).toMatch(/^no reader drains the channel: a no-overwrite channel fills and then drops every record, whatever its size/);
    expect(none.statement).toMatch(/no reader capacity can be concluded/);
  });

  it('measures a replayed workload: its mean rate and the backlog its records build', () => {
    // 100 records of 1000 B on CPU 0 in 1 ms, then nothing until 99 ms.
    const lines = ['timestamp_us,cpu,size', ...Array.from({ length: 100 }, (_, i) => `${i * 10},0,1000`), '99000,1,100'];
    const w = parseWorkloadCsv(lines.join('\n'), 'burst.csv');
    const config = parseSimConfig({ channel: { cpus: 2 }, reader: { costPerKiB: 100, wakeLatency: 0, period: 0.05 } });
    const c = capacityOf(config, w);
    expect(c.measured).toBe(true);
    expect(c.cpus[0].produceBytesPerS).toBeCloseTo(100_000 / 0.099);
    // A drain of 10.24 MB/s takes ~10 KB of the 100 KB the first millisecond writes.
    expect(c.cpus[0].terms?.burst).toBeGreaterThan(85_000);
    expect(c.cpus[0].terms?.burst).toBeLessThan(100_000);
    expect(c.cpus[0].dominant).toBe('burst');
  });
});
