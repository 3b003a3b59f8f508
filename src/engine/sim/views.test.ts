import { describe, expect, it } from 'vitest';
import { B_SUBBUFS_PRODUCED, GLANCE_TRIES, relayStats, RELAY_STATS_BUF_FULL, W_SLEEPERS, W_SWITCH } from '../kernel/index.ts';
import { ScenarioRunner } from './runner.ts';
import type { ScenarioOp } from './scenario.ts';
import { parseSimConfig } from './simConfig.ts';
import { Simulation } from './simulation.ts';
import { bufferCounters, cpuCounters, readBufferCounters, readCpuCounters, readTotalCounters, writerOffset } from './views.ts';

const write = (size: number): ScenarioOp => ({ op: 'write', cpu: 0, size });

/** A no-overwrite buffer of 4 x 64 bytes, after `ops`. */
function bufferAfter(ops: ScenarioOp[]) {
  const runner = new ScenarioRunner({
    config: { cpus: 2, subbufSize: 64, nSubbufs: 4, mode: 'no-overwrite', global: false, headerReserve: 0, online: [0, 1] },
    ops,
  });
  runner.runAll();
  return runner.chan!;
}

describe("a buffer's counters", () => {
  it("are the kernel's fields, filled into the caller's object", () => {
    const chan = bufferAfter([write(40), write(40), write(40), { op: 'consume', cpu: 0, subbufs: 1 }]);
    const out = bufferCounters();
    expect(readBufferCounters(chan.buf(0), out)).toBe(out);
    expect(out).toMatchObject({ present: true, subbufsProduced: 2, subbufsConsumed: 1, ready: 1, offset: 40, data: 2, iSize: 80 });
    expect(writerOffset(chan.buf(0)!)).toBe(40);
  });

  it('count the full ring as full_count says, and what waits in poll', () => {
    const chan = bufferAfter([write(40), write(40), write(40), write(40), write(40), write(40)]);
    const out = readBufferCounters(chan.buf(0), bufferCounters());
    expect(out.fullCount).toBe(relayStats(chan, RELAY_STATS_BUF_FULL));
    expect(out.fullCount).toBeGreaterThan(0);
    expect(out.offset).toBe(65);
    chan.buf(0)!.words.store(W_SLEEPERS, 1);
    expect(readBufferCounters(chan.buf(0), out).sleepers).toBe(1);
  });

  it('read by a frame, keep their last values while a writer on another thread holds its seqlock', () => {
    const chan = bufferAfter([write(40), write(40), { op: 'consume', cpu: 0, subbufs: 1 }]);
    const buf = chan.buf(0)!;
    const out = readBufferCounters(buf, bufferCounters(), GLANCE_TRIES);
    expect(out).toMatchObject({ subbufsProduced: 1, subbufsConsumed: 1, complete: true });
    // A writer preempted inside relay_switch_subbuf: the switch seqlock stays odd.
    const seq = buf.words.load(W_SWITCH);
    buf.words.store(W_SWITCH, seq + 1);
    expect(buf.field(B_SUBBUFS_PRODUCED, GLANCE_TRIES)).toBeNaN();
    out.subbufsProduced = 7; // what the frame showed before
    readBufferCounters(buf, out, GLANCE_TRIES);
    expect(out).toMatchObject({ subbufsProduced: 7, subbufsConsumed: 1, complete: false });
    buf.words.store(W_SWITCH, seq + 2);
    expect(readBufferCounters(buf, out, GLANCE_TRIES)).toMatchObject({ subbufsProduced: 1, complete: true });
  });

  it('are all zero for a CPU without a buffer, whatever the object held before', () => {
    const chan = bufferAfter([write(40), write(40)]);
    const out = readBufferCounters(chan.buf(0), bufferCounters());
    expect(out.subbufsProduced).toBe(1);
    expect(readBufferCounters(chan.buf(5), out)).toEqual(bufferCounters());
  });
});

describe("a CPU's counters", () => {
  const sim = new Simulation(
    parseSimConfig({ channel: { cpus: 2, subbufSize: 4096, nSubbufs: 4, mode: 'overwrite' }, workload: { rate: 20_000 }, reader: { period: 0.01 } }),
    { seed: 7 },
  );
  sim.runUntil(0.05);

  it("agree with the run's accounting, CPU by CPU", () => {
    const out = cpuCounters();
    for (const a of sim.accounting()) {
      readCpuCounters(sim.stats, a.cpu, out);
      expect(out.written).toBe(a.written);
      expect(out.readIntact).toBe(a.readIntact);
      expect(out.droppedFull + out.droppedToobig).toBe(a.droppedFull + a.droppedToobig);
      expect(out.written).toBeGreaterThan(0);
    }
  });

  it('sum over CPUs, lags taking the largest', () => {
    const per = [0, 1].map((cpu) => readCpuCounters(sim.stats, cpu, cpuCounters()));
    const total = readTotalCounters(sim.stats, cpuCounters());
    expect(total.written).toBe(per[0].written + per[1].written);
    expect(total.bytesRead).toBe(per[0].bytesRead + per[1].bytesRead);
    expect(total.maxLagUs).toBe(Math.max(per[0].maxLagUs, per[1].maxLagUs));
    // Filled again, not added to what the object held.
    expect(readTotalCounters(sim.stats, total).written).toBe(per[0].written + per[1].written);
  });
});
