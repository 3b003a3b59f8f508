import { describe, expect, it, vi } from 'vitest';
import { ArrivalOrder, CTL_PRODUCERS, LiveControl, RUN, STOP, controlByteLength, producerLoop } from './live.ts';
import { Producer } from './producer.ts';
import { Random } from './random.ts';
import { parseSimConfig } from './simConfig.ts';
import { openSimChannel } from './simChannel.ts';

/**
 * One producer thread for two CPUs of a channel-wide `rate` (constant arrivals). Its clock
 * reads 0 as it starts (twice: it starts, and nothing is due yet), then `ms`: each batch looks
 * at it once, and the thread is told to stop in the last of `batches`.
 */
function runBehind(rate: number, ms: number, batches: number): { counts: number[]; gaveWay: number } {
  const config = parseSimConfig({
    channel: { cpus: 2, subbufSize: 16384, nSubbufs: 8 },
    workload: { rate, arrival: 'constant', size: 'fixed', sizeMin: 64, sizeMax: 64 },
    reader: { enabled: false },
  });
  const { chan, stats } = openSimChannel(config, (n) => new SharedArrayBuffer(n));
  const control = new LiveControl(new SharedArrayBuffer(controlByteLength()));
  control.setTimeBase(0, 0, 1);
  control.set(CTL_PRODUCERS, RUN);
  const rng = new Random(1);
  const producers = [0, 1].map((cpu) => new Producer(chan, cpu, config.workload, rng.fork(cpu), stats, false));
  let calls = 0;
  const clock = (): number => {
    if (++calls <= 2) return 0;
    if (calls >= 2 + batches) control.set(CTL_PRODUCERS, STOP);
    return ms;
  };
  const giveWay = vi.spyOn(control, 'giveWayToPage');
  const counts = producerLoop({ control, index: 0, producers, clock, stats });
  return { counts, gaveWay: giveWay.mock.calls.length };
}

describe('the producer loop', () => {
  it('catches a thread that fell behind up on its CPUs in arrival order, not the first CPU by a whole batch', () => {
    // 100 ms on, 5,000 records are due on each CPU: it writes one batch and stops.
    const { counts } = runBehind(100_000, 100, 1);
    expect(counts[0] + counts[1]).toBe(2048);
    expect(Math.abs(counts[0] - counts[1])).toBeLessThanOrEqual(1);
  });
});

describe('a producer thread and the page', () => {
  const behindBy = (ms: number, batches: number): { giveWay: number; written: number } => {
    const { counts, gaveWay } = runBehind(200_000, ms, batches);
    return { giveWay: gaveWay, written: counts[0] + counts[1] };
  };

  it('gives way to the page every 256 records once a whole batch was not enough to catch up', () => {
    // 100 ms at 200,000 records/s: 20,000 records due, more than three batches of 2,048.
    const { giveWay, written } = behindBy(100, 3);
    expect(written).toBe(3 * 2048);
    // The first batch found it behind; the two after it looked at the page every 256 records.
    expect(giveWay).toBe(2 * (2048 / 256));
  });

  it('never waits for the page while it keeps up', () => {
    // 5 ms: 1,000 records due, written in the first batch; after that it is never behind.
    const { giveWay, written } = behindBy(5, 3);
    expect(written).toBe(1000);
    expect(giveWay).toBe(0);
  });
});

describe('the arrival order of a thread\'s CPUs', () => {
  it('always names the CPU with the earliest next record, the lowest index among equals', () => {
    const rng = new Random(7);
    for (const cpus of [1, 2, 3, 8, 32, 33]) {
      // Coarse times, so that ties are common.
      const at = Array.from({ length: cpus }, () => rng.int(0, 20));
      const order = new ArrivalOrder(at);
      for (let step = 0; step < 2000; step++) {
        let expected = 0;
        for (let i = 1; i < cpus; i++) if (at[i] < at[expected]) expected = i;
        expect(order.first).toBe(expected);
        // The first CPU's next record, or none (Infinity) now and then.
        at[expected] = rng.float() < 0.02 ? Infinity : at[expected] + rng.int(0, 6);
        order.firstMoved();
      }
    }
  });
});
