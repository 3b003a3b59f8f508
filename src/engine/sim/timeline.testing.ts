/**
 * What the tests of going back in time share: a timeline with operations recorded at their
 * positions, and a stepped run's state as those tests compare it.
 */
import fc from 'fast-check';
import { Checkpoints } from './checkpoint.ts';
import { parseSimConfig, type SimConfig } from './simConfig.ts';
import { SteppedRun } from './steppedRun.ts';
import { Timeline, type TimelineOp } from './timeline.ts';

/** Random small configurations: every channel mode and layout, workload, reader and two kernels. */
export const configArb: fc.Arbitrary<SimConfig> = fc
  .record({
    cpus: fc.integer({ min: 1, max: 4 }),
    subbufSize: fc.constantFrom(256, 1024, 4096),
    nSubbufs: fc.integer({ min: 1, max: 6 }),
    mode: fc.constantFrom('no-overwrite', 'overwrite'),
    global: fc.boolean(),
    rate: fc.integer({ min: 2_000, max: 200_000 }),
    arrival: fc.constantFrom('poisson', 'constant', 'bursts'),
    size: fc.constantFrom('fixed', 'uniform', 'bimodal'),
    call: fc.constantFrom('relay_write', '__relay_write', 'relay_reserve'),
    reader: fc.boolean(),
    readMode: fc.constantFrom('read', 'mmap'),
    period: fc.constantFrom(0.0005, 0.002, 0.01),
    kernel: fc.constantFrom('v6.17', 'v4.9'),
  })
  .map((c) =>
    parseSimConfig({
      channel: { cpus: c.cpus, subbufSize: c.subbufSize, nSubbufs: c.nSubbufs, mode: c.mode, global: c.global, kernel: c.kernel },
      workload: { rate: c.rate, arrival: c.arrival, size: c.size, sizeMin: 16, sizeMax: 200, call: c.call },
      reader: { enabled: c.reader, mode: c.readMode, period: c.period, costPerKiB: 2 },
    }),
  );

/** A timeline with `ops` recorded in order of position, and checkpoints `spacing` events apart. */
export function timelineWith(ops: [number, TimelineOp][], spacing: number): Timeline {
  const timeline = new Timeline(new Checkpoints(undefined, spacing));
  for (const [at, op] of [...ops].sort((a, b) => a[0] - b[0])) timeline.recordOp(at, op);
  return timeline;
}

/** A run's whole observable state: memory, counters, clock, position. */
export function runState(r: SteppedRun): Record<string, unknown> {
  return {
    chan: Array.from(new Uint8Array(r.sim.chan.memory)),
    stats: Array.from(new Uint8Array(r.sim.stats.memory)),
    now: r.sim.now,
    events: r.eventsRun,
  };
}

/**
 * The same run three ways at event `at`: straight there; computed to `computed` with
 * checkpoints every 64 events and gone back (or on) to `at`; and rebuilt from that timeline.
 */
export function threeRuns(config: SimConfig, seed: number, ops: [number, TimelineOp][], computed: number, at: number) {
  const straight = new SteppedRun(config, { seed, timeline: timelineWith(ops, 1 << 20) });
  straight.seek(at);
  const timeline = timelineWith(ops, 64);
  const travelled = new SteppedRun(config, { seed, timeline });
  travelled.seek(computed);
  const checkpoints = timeline.checkpoints.count;
  travelled.seek(at); // back: from the checkpoint before `at`, or forward from where it is
  const rebuilt = new SteppedRun(config, { seed, timeline });
  rebuilt.seek(at);
  return { straight, travelled, rebuilt, checkpoints };
}
