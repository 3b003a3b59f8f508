import { describe, expect, it } from 'vitest';
import { simReport } from './report.ts';
import { parseSimConfig } from './simConfig.ts';
import { SteppedRun } from './steppedRun.ts';
import { P_PRODUCTIONS } from './stats.ts';
import { Timeline } from './timeline.ts';

const config = parseSimConfig({
  channel: { cpus: 2, subbufSize: 1024, nSubbufs: 4, mode: 'no-overwrite' },
  workload: { rate: 40_000, arrival: 'poisson', size: 'uniform', sizeMin: 16, sizeMax: 120 },
  reader: { mode: 'read', period: 0.003, costPerKiB: 400 },
});

/** Everything a picture of the run shows: the report, and every buffer's kernel fields. */
const state = (r: SteppedRun): unknown => ({
  report: simReport(r.sim),
  kernel: Array.from(new Float64Array(r.sim.chan.memory as ArrayBuffer)),
  now: r.sim.now,
});

describe('a run stepped by hand', () => {
  it('arrives at the same state when rebuilt from the start to the same event, operations included', () => {
    const first = new SteppedRun(config, { seed: 5 });
    first.step({ kind: 'time', seconds: 0.01 });
    first.operate({ op: 'flush' });
    first.step({ kind: 'switch' });
    first.operate({ op: 'cpu_offline', cpu: 1 });
    first.step({ kind: 'events', count: 300 });
    const at = first.eventsRun;

    const again = new SteppedRun(config, { seed: 5, timeline: first.timeline });
    again.seek(at);
    expect(again.eventsRun).toBe(at);
    expect(state(again)).toEqual(state(first));
  });

  it('steps to the next sub-buffer switch, one production at a time', () => {
    const run = new SteppedRun(config, { seed: 1 });
    run.step({ kind: 'switch' });
    const produced = (): number => run.sim.stats.get(0, P_PRODUCTIONS) + run.sim.stats.get(1, P_PRODUCTIONS);
    expect(produced()).toBe(1);
    const at = run.sim.now;
    run.step({ kind: 'switch' });
    expect(produced()).toBe(2);
    expect(run.sim.now).toBeGreaterThan(at);
  });

  it('jumps to the next landmark and back to the previous one', () => {
    const run = new SteppedRun(parseSimConfig({ ...config, reader: { enabled: false } }), { seed: 2 });
    const ran = run.step({ kind: 'next', landmark: 'drop' });
    expect(ran).toBeGreaterThan(0);
    const firstDrop = run.eventsRun;
    expect(run.sim.stats.get(0, 2) + run.sim.stats.get(1, 2)).toBe(1); // P_DROPPED_FULL
    run.step({ kind: 'next', landmark: 'drop' });
    expect(run.timeline.previous('drop', run.eventsRun)).toBe(firstDrop);
    expect(run.timeline.previous('drop', firstDrop)).toBeNull();
    expect(run.step({ kind: 'next', landmark: 'wakeup', budget: 20_000 })).toBe(20_000); // nobody ever sleeps
    expect(run.found).toBe(false);
  });

  it('forgets the old future when an operation is applied after going back', () => {
    const timeline = new Timeline();
    const run = new SteppedRun(config, { seed: 9, timeline });
    run.step({ kind: 'events', count: 500 });
    run.operate({ op: 'reset' });
    run.step({ kind: 'events', count: 500 });
    expect(timeline.horizon).toBe(1000);

    const back = new SteppedRun(config, { seed: 9, timeline });
    back.seek(200);
    back.operate({ op: 'flush' });
    expect(timeline.horizon).toBe(200);
    expect(timeline.ops).toEqual([{ at: 200, op: { op: 'flush' } }]);
    // Switches after event 200 were the old future's; the flush's own are at 200.
    expect(timeline.previous('switch', Infinity)).toBe(200);
  });
});
