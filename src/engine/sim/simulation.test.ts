import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSimConfig, type SimConfig } from './simConfig.ts';
import { B_I_SIZE, nextJiffy } from '../kernel/index.ts';
import { Simulation } from './simulation.ts';
import { P_DROPPED_FULL, P_DROPPED_TOOBIG, P_PADDING, P_WAKEUPS, P_NO_SLEEPER, P_PRODUCTIONS } from './stats.ts';

const configArb: fc.Arbitrary<SimConfig> = fc
  .record({
    cpus: fc.integer({ min: 1, max: 4 }),
    subbufSize: fc.integer({ min: 64, max: 4096 }),
    nSubbufs: fc.integer({ min: 1, max: 8 }),
    mode: fc.constantFrom('no-overwrite', 'overwrite'),
    global: fc.boolean(),
    header: fc.constantFrom(0, 0, 8, 20),
    rate: fc.integer({ min: 100, max: 40_000 }),
    arrival: fc.constantFrom('constant', 'poisson', 'bursts'),
    size: fc.constantFrom('fixed', 'uniform', 'bimodal'),
    big: fc.boolean(),
    call: fc.constantFrom('relay_write', '__relay_write', 'relay_reserve'),
    skew: fc.constantFrom(0, 0.5),
    enabled: fc.constantFrom(true, true, true, false),
    layout: fc.constantFrom('per-cpu', 'single'),
    readerMode: fc.constantFrom('read', 'mmap'),
    chunk: fc.integer({ min: 1, max: 9000 }),
    cost: fc.constantFrom(0, 5, 400),
    period: fc.constantFrom(0.001, 0.02),
    pause: fc.boolean(),
  })
  .map((r) =>
    parseSimConfig({
      channel: { cpus: r.cpus, subbufSize: r.subbufSize, nSubbufs: r.nSubbufs, mode: r.mode, global: r.global, headerReserve: r.header },
      workload: {
        rate: r.rate,
        arrival: r.arrival,
        size: r.size,
        sizeMin: 16,
        sizeMax: r.big ? 2 * r.subbufSize : Math.min(200, r.subbufSize),
        call: r.call,
        skew: r.skew,
      },
      reader: {
        enabled: r.enabled,
        layout: r.layout,
        mode: r.readerMode,
        chunk: r.chunk,
        costPerKiB: r.cost,
        period: r.period,
        pauseEvery: r.pause ? 0.05 : 0,
        pauseFor: r.pause ? 0.02 : 0,
      },
    }),
  );

const totals = (sim: Simulation) => {
  const acc = sim.accounting();
  const sum = (k: keyof (typeof acc)[number]) => acc.reduce((s, a) => s + (a[k] as number), 0);
  return { acc, sum };
};

describe('deterministic simulation', () => {
  it('accounts for every record: written = read + dropped + overwritten + skipped + discarded + in the buffer', () => {
    fc.assert(
      fc.property(configArb, fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom('none', 'flush', 'reset'), (config, seed, op) => {
        const sim = new Simulation(config, { seed });
        sim.runUntil(0.05);
        if (op === 'flush') sim.flush();
        if (op === 'reset') sim.reset();
        sim.runUntil(0.1);
        const { acc, sum } = totals(sim);
        for (const a of acc) {
          expect(a.unaccounted, `CPU ${a.cpu}: ${JSON.stringify(a)}`).toBe(0);
          expect(a.torn).toBe(0);
          expect(a.missing).toBe(0);
        }
        if (config.channel.mode === 'no-overwrite') expect(sum('overwritten')).toBe(0);
        if (op !== 'reset') expect(sum('discarded')).toBe(0);
      }),
      { seed: Number(process.env.SIM_SEED ?? 99), numRuns: Number(process.env.SIM_RUNS ?? 120) },
    );
  });

  it('counts the padding of every sub-buffer the writes produced: subbufs_produced x subbuf_size - i_size', () => {
    fc.assert(
      fc.property(configArb, fc.integer({ min: 1, max: 2 ** 31 }), (config, seed) => {
        fc.pre(!config.channel.global);
        const sim = new Simulation(config, { seed });
        sim.runUntil(0.05);
        for (let cpu = 0; cpu < config.channel.cpus; cpu++) {
          const buf = sim.chan.buf(cpu);
          if (buf === null) continue;
          expect(sim.stats.get(cpu, P_PADDING)).toBe(buf.produced * config.channel.subbufSize - buf.field(B_I_SIZE));
        }
      }),
      { seed: 7, numRuns: 60 },
    );
  });

  it('counts a wakeup only when a production finds a reader asleep', () => {
    const config = parseSimConfig({ workload: { rate: 2000, arrival: 'constant' }, reader: { period: 1 } });
    const sim = new Simulation(config, { seed: 5 });
    sim.runUntil(2);
    const s = sim.stats;
    expect(s.total(P_PRODUCTIONS)).toBeGreaterThan(0);
    expect(s.total(P_WAKEUPS) + s.total(P_NO_SLEEPER)).toBe(s.total(P_PRODUCTIONS));
    // A reader that sleeps for a second between looks is asleep at most productions.
    expect(s.total(P_WAKEUPS)).toBeGreaterThan(s.total(P_NO_SLEEPER));
    const busy = new Simulation(parseSimConfig({ workload: { rate: 2000 }, reader: { enabled: false } }), { seed: 5 });
    busy.runUntil(2);
    expect(busy.stats.total(P_WAKEUPS)).toBe(0);
  });

  it('gives the same run for the same seed, and another for another seed', () => {
    const config = parseSimConfig({ channel: { mode: 'overwrite', nSubbufs: 2 }, reader: { costPerKiB: 300 } });
    const run = (seed: number) => {
      const sim = new Simulation(config, { seed });
      sim.runUntil(0.2);
      return { stats: Array.from(sim.stats.f64), memory: Array.from(new Uint8Array(sim.chan.memory)) };
    };
    expect(run(7)).toEqual(run(7));
    expect(run(8).stats).not.toEqual(run(7).stats);
  });

});

describe('reader wakeups by kernel version', () => {
  /** Each wakeup: when the production queued it, and when it ran. */
  function wakeups(kernel: 'v6.17' | 'v4.9'): { queued: number; ran: number; woken: number }[] {
    const config = parseSimConfig({
      channel: { cpus: 1, subbufSize: 256, nSubbufs: 4, kernel },
      workload: { rate: 1500, arrival: 'constant', size: 'fixed', sizeMin: 64 },
      reader: { period: 1, wakeLatency: 0, jitter: 0 },
    });
    const out: { queued: number; ran: number; woken: number }[] = [];
    let queued = -1;
    let sim: Simulation | null = null;
    sim = new Simulation(config, {
      seed: 3,
      tracer: (e) => {
        if (sim === null) return;
        if (e.kind === 'wakeup_queued') queued = sim.now;
        else if (e.kind === 'wakeup') out.push({ queued, ran: sim.now, woken: e.woken });
      },
    });
    sim.runUntil(0.1);
    return out;
  }

  it('v6.17 wakes a sleeping reader at the production itself (irq_work)', () => {
    const w = wakeups('v6.17');
    expect(w.length).toBeGreaterThan(5);
    for (const { queued, ran } of w) expect(ran).toBe(queued);
  });

  it('v4.9 wakes it at the next 4 ms jiffy (a timer), later than the production', () => {
    const w = wakeups('v4.9');
    expect(w.length).toBeGreaterThan(5);
    for (const { queued, ran, woken } of w) {
      expect(ran).toBeGreaterThan(queued);
      expect(ran).toBeCloseTo(nextJiffy(queued), 12);
      expect(Math.round(ran * 250 * 1e6) % 1e6).toBe(0);
      expect(woken).toBe(1);
    }
  });
});

describe('drops by kernel version', () => {
  // No reader and records up to two sub-buffers: the buffers fill (full) and many are too big.
  const drops = (kernel: 'v6.17' | 'v6.16', headerReserve: number) => {
    const config = parseSimConfig({
      channel: { cpus: 2, subbufSize: 256, nSubbufs: 2, headerReserve, kernel },
      workload: { rate: 5000, size: 'uniform', sizeMin: 16, sizeMax: 512 },
      reader: { enabled: false },
    });
    const sim = new Simulation(config, { seed: 11 });
    sim.runUntil(0.2);
    return { full: sim.stats.total(P_DROPPED_FULL), toobig: sim.stats.total(P_DROPPED_TOOBIG) };
  };

  it('tells full from too big without big_count, as v6.16 must, exactly as v6.17 does', () => {
    for (const header of [0, 32]) {
      const current = drops('v6.17', header);
      expect(current.full).toBeGreaterThan(0);
      expect(current.toobig).toBeGreaterThan(0);
      expect(drops('v6.16', header)).toEqual(current);
    }
  });
});


describe('a reader that pauses', () => {
  it('resumes at the end of a pause that floating point puts a hair inside the next one', () => {
    // 0.2 - phase + 0.05 is 0.24999999999999997, and 0.24999999999999997 % 0.05 lands in the
    // pause window again: the reader once went back to the same instant forever.
    const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 16384, nSubbufs: 2 }, workload: { rate: 40000 }, reader: { period: 0.05, pauseEvery: 0.05, pauseFor: 0.01 } });
    const sim = new Simulation(config, { seed: 3 });
    expect(sim.runUntil(0.3, 1_000_000)).toBe(true);
    expect(sim.accounting().every((a) => a.readIntact > 0 && a.unaccounted === 0)).toBe(true);
  });
});
