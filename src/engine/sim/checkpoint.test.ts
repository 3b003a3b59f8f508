/**
 * Checkpoints: restoring the nearest one and replaying the rest arrives where the straight run
 * does (the same memory, counters, clock and report, and the same run afterwards), for random
 * configurations, operations and targets; and they stay within their memory bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Checkpoints } from './checkpoint.ts';
import { simReport } from './report.ts';
import { parseSimConfig } from './simConfig.ts';
import { SteppedRun } from './steppedRun.ts';
import { Timeline, type ChannelOp } from './timeline.ts';
import { configArb, runState, threeRuns } from './timeline.testing.ts';

const opArb = (cpus: number): fc.Arbitrary<ChannelOp> =>
  fc.oneof(
    fc.constant<ChannelOp>({ op: 'flush' }),
    fc.constant<ChannelOp>({ op: 'reset' }),
    fc.integer({ min: 0, max: cpus - 1 }).map((cpu): ChannelOp => ({ op: 'cpu_offline', cpu })),
    fc.integer({ min: 0, max: cpus - 1 }).map((cpu): ChannelOp => ({ op: 'cpu_online', cpu })),
  );

const caseArb = configArb.chain((config) =>
  fc.record({
    config: fc.constant(config),
    seed: fc.integer({ min: 1, max: 1000 }),
    ops: fc.array(fc.tuple(fc.integer({ min: 0, max: 3000 }), opArb(config.channel.cpus)), { maxLength: 4 }),
    computed: fc.integer({ min: 200, max: 3000 }),
    target: fc.integer({ min: 0, max: 3000 }),
  }),
);

const state = runState;

describe('checkpoints', () => {
  it('restore + replay equals the straight run, in the same run and in a rebuilt one', () => {
    fc.assert(
      fc.property(caseArb, ({ config, seed, ops, computed, target }) => {
        const at = Math.min(target, computed);
        const { straight, travelled, rebuilt, checkpoints } = threeRuns(config, seed, ops, computed, at);
        expect(checkpoints).toBeGreaterThan(0);

        const want = state(straight);
        expect(state(rebuilt)).toEqual(want);
        expect(state(travelled)).toEqual(want);
        // The same run afterwards, and the same report.
        for (const r of [straight, travelled, rebuilt]) r.step({ kind: 'events', count: 500 });
        const after = state(straight);
        expect(state(rebuilt)).toEqual(after);
        expect(state(travelled)).toEqual(after);
        // (A report takes the inventory, which writes counters: each run's is taken last.)
        const report = simReport(straight.sim);
        expect(simReport(rebuilt.sim)).toEqual(report);
        expect(simReport(travelled.sim)).toEqual(report);
      }),
      { seed: 12, numRuns: 40 },
    );
  });

  it('goes back in time by virtual time too', () => {
    const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 1024, nSubbufs: 4 }, workload: { rate: 50_000 }, reader: { period: 0.002 } });
    const straight = new SteppedRun(config, { seed: 3 });
    straight.step({ kind: 'until', t: 0.01 });
    const timeline = new Timeline(new Checkpoints(undefined, 100));
    const run = new SteppedRun(config, { seed: 3, timeline });
    run.step({ kind: 'until', t: 0.05 });
    run.step({ kind: 'at', t: 0.01 });
    expect(state(run)).toEqual(state(straight));
  });

  it('keep within their memory bound by spacing further apart', () => {
    const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 4096, nSubbufs: 4 }, workload: { rate: 100_000 } });
    const checkpoints = new Checkpoints(400_000, 100);
    const run = new SteppedRun(config, { seed: 1, timeline: new Timeline(checkpoints) });
    run.seek(20_000);
    expect(checkpoints.bytes).toBeLessThanOrEqual(400_000);
    expect(checkpoints.spacing).toBeGreaterThan(100);
    // Evenly spread over the whole run: none further apart than the spacing.
    expect(checkpoints.atOrBefore(20_000)?.at).toBeGreaterThan(20_000 - checkpoints.spacing - 1);
    expect(checkpoints.atOrBefore(checkpoints.spacing)?.at).toBe(checkpoints.spacing);
  });
});
