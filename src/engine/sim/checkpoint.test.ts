/**
 * Checkpoints: restoring the nearest one and replaying the rest arrives where the straight run
 * does (the same memory, counters, clock and report, and the same run afterwards), for random
 * configurations, operations and targets; and they stay within their memory bound.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Checkpoints, type Checkpoint } from './checkpoint.ts';
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
    /** Room for this many checkpoints, or 0 for the page's bound: a small room makes them thin out. */
    room: fc.constantFrom(0, 0, 3, 5, 9),
  }),
);

const state = runState;

describe('checkpoints', () => {
  it('restore + replay equals the straight run, in the same run and in a rebuilt one', () => {
    fc.assert(
      fc.property(caseArb, ({ config, seed, ops, computed, target, room }) => {
        const at = Math.min(target, computed);
        // A checkpoint's size at the start (the run's objects add a little later), and a small room for some.
        const size = new SteppedRun(config, { seed, checkpoints: false }).sim.checkpoint().bytes;
        const bound = room === 0 ? undefined : room * size + size / 2;
        const { straight, travelled, rebuilt, checkpoints } = threeRuns(config, seed, ops, computed, at, bound);
        expect(checkpoints).toBeGreaterThan(0);
        // With little room, some were dropped (the one at event 0 and one every 64 would not fit).
        expect(checkpoints).toBeLessThanOrEqual(room > 0 ? room : Infinity);

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
    // Spread over the whole run: none further apart than twice the spacing, the last within it.
    expect(checkpoints.atOrBefore(20_000)?.at).toBeGreaterThan(20_000 - checkpoints.spacing - 1);
    for (let at = 0; at <= 20_000; at += 50) expect(checkpoints.atOrBefore(at)?.at).toBeGreaterThan(at - 2 * checkpoints.spacing);
  });

  it('reuse the memory of the one dropped last for the next one taken, and never restore a dropped one', () => {
    // A channel large beside the rest of the state, so that the checkpoints' sizes barely vary.
    const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 65536, nSubbufs: 4 }, workload: { rate: 100_000 }, reader: { period: 0.002 } });
    const sizer = new SteppedRun(config, { seed: 2, checkpoints: false });
    sizer.seek(400);
    const size = sizer.sim.checkpoint().bytes;
    const checkpoints = new Checkpoints(5.5 * size, 100); // room for 4 and the next
    const timeline = new Timeline(checkpoints);
    const run = new SteppedRun(config, { seed: 2, timeline });
    run.seek(150);
    const dropped = checkpoints.atOrBefore(150) as Checkpoint;
    expect(dropped.at).toBe(100);
    // 400 taken: 100 goes (the earliest odd multiple of 100); 500 taken into its memory: 300 goes.
    run.seek(500);
    expect([0, 150, 300, 450, 500].map((at) => checkpoints.atOrBefore(at)?.at)).toEqual([0, 0, 200, 400, 500]);
    const reused = checkpoints.atOrBefore(500) as Checkpoint;
    expect(reused.chanMemory).toBe(dropped.chanMemory);
    expect(new Set([0, 200, 400, 500].map((at) => checkpoints.atOrBefore(at)?.chanMemory)).size).toBe(4);
    expect(() => run.sim.restore(dropped)).toThrow(/dropped/);
    // The reused memory holds the new checkpoint: a rebuilt run going there equals the straight run.
    const straight = new SteppedRun(config, { seed: 2, checkpoints: false });
    straight.seek(507);
    const rebuilt = new SteppedRun(config, { seed: 2, timeline });
    rebuilt.seek(507);
    expect(state(rebuilt)).toEqual(state(straight));
  });

  it('fill their bound as they thin out: the earliest odd multiple of the spacing goes first', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 40 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(1, 3, 64),
        (fit, rounds, spacing) => {
          // The spacing doubles about every `fit` checkpoints taken: a few rounds of that.
          const takes = rounds * fit;
          const size = 1000;
          const checkpoints = new Checkpoints(fit * size, spacing);
          const add = (at: number): void => checkpoints.add({ at, now: at / 1000, bytes: size } as Checkpoint);
          add(0);
          let taken = 1;
          let at = 0;
          for (let i = 0; i < takes; i++) {
            // The next event a run would take one at.
            at = (Math.floor(at / checkpoints.spacing) + 1) * checkpoints.spacing;
            expect(checkpoints.due(at)).toBe(true);
            add(at);
            taken += 1;
            // As many as fit with room for the next one, and no more.
            expect(checkpoints.count).toBe(Math.min(taken, fit - 1));
            expect(checkpoints.bytes).toBeLessThanOrEqual(fit * size - size);
          }
          // All at multiples of the spacing, the start kept, none further apart than twice it, and
          // the denser part last: once a gap is the spacing, every later one is too.
          const s = checkpoints.spacing;
          const ats: number[] = [];
          for (let e = at; e >= 0; ) {
            const c = checkpoints.atOrBefore(e);
            if (c === null) break;
            ats.unshift(c.at);
            e = c.at - 1;
          }
          expect(ats[0]).toBe(0);
          expect(ats.length).toBe(checkpoints.count);
          const gaps = ats.slice(1).map((x, i) => x - ats[i]);
          for (const x of ats) expect(x % s).toBe(0);
          for (const g of gaps) expect([s, 2 * s]).toContain(g);
          const firstShort = gaps.indexOf(s);
          expect(gaps.slice(firstShort < 0 ? gaps.length : firstShort).every((g) => g === s)).toBe(true);
          expect(at - ats[ats.length - 1]).toBeLessThan(2 * s);
        },
      ),
      { seed: 5, numRuns: 200 },
    );
  });
});
