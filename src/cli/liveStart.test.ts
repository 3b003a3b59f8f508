/**
 * A live run's start, on real threads (the stress test's worker, as built by build:cli): the
 * producers write nothing until every reader runs, however late a reader comes up.
 */
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PRODUCERS,
  READERS,
  LiveControl,
  PAUSE,
  RUN,
  STOP,
  accounting,
  controlByteLength,
  openSimChannel,
  parseSimConfig,
  type LiveThreadSetup,
} from '../engine/index.ts';

const workerFile = resolve(import.meta.dirname, '../../build/cli/src/cli/stressWorker.js');
const clock = (): number => performance.timeOrigin + performance.now();

function thread(setup: LiveThreadSetup): Promise<void> {
  return new Promise((done, fail) => {
    const w = new Worker(workerFile, { workerData: setup });
    w.on('message', (m: { type: string; message?: string }) => (m.type === 'error' ? fail(new Error(m.message)) : undefined));
    w.on('error', fail);
    w.on('exit', () => done());
  });
}

function until(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const tick = (): void => (done() ? resolve() : void setTimeout(tick, 2));
    tick();
  });
}

describe('a live run starting', () => {
  it('drops nothing while its reader is still coming up: producers wait for every reader', async () => {
    // 1,000 records of 64 bytes fill the buffer, half a second of this workload.
    const config = parseSimConfig({
      channel: { cpus: 1, subbufSize: 16384, nSubbufs: 4 },
      workload: { rate: 2000, arrival: 'constant', size: 'fixed', sizeMin: 64, sizeMax: 64 },
      reader: { period: 0.01, costPerKiB: 0, jitter: 0 },
    });
    const shared = (n: number): SharedArrayBuffer => new SharedArrayBuffer(n);
    const { chan, stats } = openSimChannel(config, shared);
    const control = new LiveControl(shared(controlByteLength()));
    control.setTimeBase(clock(), 0, 1);
    control.expectReaders(1);
    control.set(READERS, RUN);
    control.set(PRODUCERS, RUN);
    const base = { config, seed: 1, kernel: chan.memory as SharedArrayBuffer, stats: stats.memory as SharedArrayBuffer, control: control.memory as SharedArrayBuffer };

    // 3,000 records, a second and a half; the reader starts once they could all have been written.
    const producer = thread({ ...base, role: 'producer', index: 0, cpus: [0], limit: 3000 });
    await Promise.race([producer, new Promise((r) => setTimeout(r, 1500))]);
    const reader = thread({ ...base, role: 'reader', index: 1, cpus: [0] });
    await producer;
    const epoch = control.set(READERS, PAUSE);
    await until(() => control.acked(1, epoch));
    const [cpu0] = accounting(stats);
    control.set(READERS, STOP);
    await reader;

    expect(cpu0.written).toBe(3000);
    expect(cpu0.droppedFull).toBe(0);
    expect(cpu0.readIntact + cpu0.inBuffer).toBe(3000);
  }, 60_000);
});
