/**
 * File calls in a deterministic run's timeline: a run that has file calls among its
 * operations, restored from a checkpoint and replayed (in the same run, or in a run rebuilt
 * from the same timeline), equals the straight run: the same memory, counters, clock, report,
 * the same file table, and the same results for the calls made from there.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Checkpoints } from './checkpoint.ts';
import type { FileAction } from './fileCalls.ts';
import { simReport } from './report.ts';
import { parseSimConfig, type SimConfig } from './simConfig.ts';
import { SteppedRun } from './steppedRun.ts';
import { Timeline, type TimelineOp } from './timeline.ts';
import { configArb, runState, threeRuns } from './timeline.testing.ts';

/** Calls as the panel makes them: on fds 3 to 5 and mappings 1 to 3, good or not. */
const callArb = (config: SimConfig): fc.Arbitrary<FileAction> => {
  const cpu = fc.integer({ min: 0, max: config.channel.cpus - 1 });
  const fd = fc.integer({ min: 3, max: 5 });
  const map = fc.integer({ min: 1, max: 3 });
  const allocSize = Math.ceil((config.channel.subbufSize * config.channel.nSubbufs) / 4096) * 4096;
  return fc.oneof(
    { arbitrary: cpu.map((c): FileAction => ({ op: 'open', cpu: c })), weight: 3 },
    { arbitrary: fc.tuple(fd, fc.integer({ min: 1, max: 8192 })).map(([f, count]): FileAction => ({ op: 'read', fd: f, count })), weight: 3 },
    fc.tuple(fd, fc.constantFrom(4096, 65536)).map(([f, count]): FileAction => ({ op: 'sendfile', fd: f, count })),
    fd.map((f): FileAction => ({ op: 'poll', fd: f })),
    fd.map((f): FileAction => ({ op: 'lseek', fd: f, offset: 0 })),
    { arbitrary: fc.tuple(fd, fc.constantFrom(allocSize, 4096)).map(([f, length]): FileAction => ({ op: 'mmap', fd: f, length })), weight: 2 },
    fc.tuple(map, fc.integer({ min: 0, max: allocSize }), fc.integer({ min: 1, max: 5000 })).map(([m, offset, length]): FileAction => ({ op: 'mapread', map: m, offset, length })),
    map.map((m): FileAction => ({ op: 'munmap', map: m })),
    fd.map((f): FileAction => ({ op: 'close', fd: f })),
  );
};

const opArb = (config: SimConfig): fc.Arbitrary<TimelineOp> =>
  fc.oneof(
    { arbitrary: callArb(config).map((call): TimelineOp => ({ op: 'file', call })), weight: 6 },
    fc.constant<TimelineOp>({ op: 'flush' }),
    fc.constant<TimelineOp>({ op: 'reset' }),
    fc.constant<TimelineOp>({ op: 'close' }),
    fc.integer({ min: 0, max: config.channel.cpus - 1 }).map((cpu): TimelineOp => ({ op: 'cpu_offline', cpu })),
  );

const caseArb = configArb.chain((config) =>
  fc.record({
    config: fc.constant(config),
    seed: fc.integer({ min: 1, max: 1000 }),
    ops: fc.array(fc.tuple(fc.integer({ min: 0, max: 2500 }), opArb(config)), { maxLength: 12 }),
    after: fc.array(callArb(config), { maxLength: 6 }),
    computed: fc.integer({ min: 300, max: 3000 }),
    target: fc.integer({ min: 0, max: 3000 }),
  }),
);

/** A run's whole observable state, its files included. */
function state(r: SteppedRun): unknown {
  const files = r.sim.files;
  return {
    ...runState(r),
    fds: files.openFds().map((o) => ({ fd: o.fd, holders: o.holders, cpu: o.file.buf.cpu, fPos: o.file.fPos, released: o.file.released })),
    maps: files.mappings().map((m) => ({ id: m.id, fd: m.open.fd, faulted: Array.from(m.map.faulted), faults: m.map.faults })),
    calls: r.fileCalls().map((o) => o.result),
  };
}

describe('file calls in the timeline', () => {
  it('restore + replay equals the straight run: the same state, report, file table and results', () => {
    fc.assert(
      fc.property(caseArb, ({ config, seed, ops, after, computed, target }) => {
        const at = Math.min(target, computed);
        const { straight, travelled, rebuilt } = threeRuns(config, seed, ops, computed, at);

        const want = state(straight);
        expect(state(travelled)).toEqual(want);
        expect(state(rebuilt)).toEqual(want);
        // The same calls from here give the same results (a new future for the runs that went back).
        const results = (r: SteppedRun) => after.map((call) => r.operate({ op: 'file', call }));
        const expected = results(straight);
        expect(results(travelled)).toEqual(expected);
        for (const r of [straight, travelled]) r.step({ kind: 'events', count: 300 });
        expect(state(travelled)).toEqual(state(straight));
        expect(simReport(travelled.sim)).toEqual(simReport(straight.sim));
      }),
      { seed: 21, numRuns: 40 },
    );
  });

  it('a checkpoint holds the file table: a file opened and read before it is open at the same position after a restore', () => {
    const config = parseSimConfig({ channel: { cpus: 1, subbufSize: 1024, nSubbufs: 4 }, workload: { rate: 50_000 }, reader: { enabled: false } });
    const timeline = new Timeline(new Checkpoints(undefined, 100));
    const run = new SteppedRun(config, { seed: 4, timeline });
    run.seek(50);
    expect(run.operate({ op: 'file', call: { op: 'open', cpu: 0 } })).toMatchObject({ fd: 3, errno: null });
    expect(run.operate({ op: 'file', call: { op: 'read', fd: 3, count: 100 } })).toMatchObject({ errno: null });
    run.seek(150);
    const pos = run.sim.files.openFds()[0].file.fPos;
    run.operate({ op: 'file', call: { op: 'close', fd: 3 } });
    run.seek(400);
    expect(run.sim.files.openFds()).toEqual([]);
    run.seek(120); // from the checkpoint at 100, which holds fd 3 open
    expect(timeline.checkpoints.atOrBefore(120)?.at).toBe(100);
    expect(run.sim.files.openFds().map((o) => [o.fd, o.file.fPos])).toEqual([[3, pos]]);
    expect(run.sim.chan.buf(0)?.kref).toBe(2);
    expect(run.fileCalls().map((o) => o.result?.call)).toEqual(['open("/sys/kernel/debug/relayscope/relay0", O_RDONLY)', 'read(3, buf, 100)']);
    expect(timeline.next('file', 0)?.at).toBe(50);
  });
});
