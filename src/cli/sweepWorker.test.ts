/**
 * The sweep job driven from a real thread, as the page will drive it from a Web Worker: the
 * worker owns the loop, posts progress between slices, reads a cancel message before the next
 * one, and posts a result that survives structured cloning. Runs the engine emitted by
 * `npm run build:cli`.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { findPreset, parseSimConfig, runSweep, type SimConfig, type SweepProgress, type SweepResult } from '../engine/index.ts';

const engine = pathToFileURL(join(resolve(import.meta.dirname, '../..'), 'build/cli/src/engine/index.js')).href;

// The loop of src/engine/README.md, in a worker_threads thread.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.engine).then(({ SweepJob }) => {
  let cancelled = false;
  parentPort.on('message', (m) => { if (m === 'cancel') cancelled = true; });
  const job = new SweepJob(workerData.config, workerData.options);
  const tick = () => {
    if (cancelled) job.cancel();
    const progress = job.step(workerData.slice);
    parentPort.postMessage({ kind: 'progress', progress });
    if (job.done) {
      parentPort.postMessage({ kind: 'result', result: job.result() });
      parentPort.close();
    } else setTimeout(tick, 0);
  };
  tick();
});
`;

interface Outcome {
  progress: SweepProgress[];
  result: SweepResult;
}

function drive(config: SimConfig, options: object, slice: number, cancelAfter = Infinity): Promise<Outcome> {
  return new Promise((done, fail) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { engine, config, options, slice } });
    const progress: SweepProgress[] = [];
    worker.on('message', (m: { kind: 'progress'; progress: SweepProgress } | { kind: 'result'; result: SweepResult }) => {
      if (m.kind === 'progress') {
        progress.push(m.progress);
        if (progress.length === cancelAfter) worker.postMessage('cancel');
      } else {
        done({ progress, result: m.result });
        void worker.terminate();
      }
    });
    worker.on('error', fail);
  });
}

const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 2048, nSubbufs: 4 }, workload: { rate: 20_000 }, reader: { costPerKiB: 20 } });
const options = { seed: 9, seconds: 0.1, subbufSizes: [1024, 2048], nSubbufs: [1, 4] };

describe('the sweep job in a worker thread', () => {
  it('posts rising progress between slices and a result equal to a run on this thread', async () => {
    const { progress, result } = await drive(config, options, 500);
    expect(progress.length).toBeGreaterThan(10);
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThanOrEqual(progress[i - 1].fraction);
    expect(progress.at(-1)).toEqual({ cellsDone: 4, cellsTotal: 4, fraction: 1 });
    expect(result).toEqual(runSweep(config, options));
  });

  it('stops when told, with the cells that ran', async () => {
    const blktrace = (findPreset('blktrace') ?? { config }).config;
    const { progress, result } = await drive(blktrace, { seed: 1, seconds: 1 }, 5000, 3);
    expect(result.cancelled).toBe(true);
    expect(result.cells.length).toBeLessThan(progress[0].cellsTotal);
    expect(progress.at(-1)?.fraction).toBeLessThan(1);
  });
});
