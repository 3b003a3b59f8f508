import { describe, expect, it } from 'vitest';
import { CTL_PRODUCERS, LiveControl, RUN, STOP, controlByteLength, producerLoop } from './live.ts';
import { Producer } from './producer.ts';
import { Random } from './random.ts';
import { parseSimConfig } from './simConfig.ts';
import { openSimChannel } from './simChannel.ts';

describe('the producer loop', () => {
  it('catches a thread that fell behind up on its CPUs in arrival order, not the first CPU by a whole batch', () => {
    const config = parseSimConfig({
      channel: { cpus: 2, subbufSize: 16384, nSubbufs: 8 },
      workload: { rate: 100_000, arrival: 'constant', size: 'fixed', sizeMin: 64, sizeMax: 64 },
      reader: { enabled: false },
    });
    const { chan, stats } = openSimChannel(config, (n) => new SharedArrayBuffer(n));
    const control = new LiveControl(new SharedArrayBuffer(controlByteLength()));
    control.setTimeBase(0, 0, 1);
    control.set(CTL_PRODUCERS, RUN);
    const rng = new Random(1);
    const producers = [0, 1].map((cpu) => new Producer(chan, cpu, config.workload, rng.fork(cpu), stats, false));
    // The thread reads the clock at 0 ms (twice: it starts, and nothing is due yet), then
    // finds itself 100 ms on with 5,000 records due on each CPU: it writes one batch and is
    // told to stop before the next.
    let calls = 0;
    const clock = (): number => {
      if (++calls <= 2) return 0;
      control.set(CTL_PRODUCERS, STOP);
      return 100;
    };
    const counts = producerLoop({ control, index: 0, producers, clock, stats });
    expect(counts[0] + counts[1]).toBe(2048);
    expect(Math.abs(counts[0] - counts[1])).toBeLessThanOrEqual(1);
  });
});
