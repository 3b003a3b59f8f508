/** A worker_threads thread of the stress test: one producer or reader thread. */
import { parentPort, workerData } from 'node:worker_threads';
import { runLiveThread, type LiveThreadSetup } from '../engine/index.ts';

const clock = (): number => performance.timeOrigin + performance.now();
try {
  parentPort?.postMessage({ type: 'done', result: runLiveThread(workerData as LiveThreadSetup, clock) });
} catch (e) {
  parentPort?.postMessage({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
