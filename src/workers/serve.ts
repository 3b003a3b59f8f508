/**
 * The body of every worker entry: one guarded message switch. A worker runs one live thread
 * (producers or readers) until the page stops it, and reports its end or its error.
 */
import { runLiveThread } from '../engine/index.ts';
import { FROM_WORKER, TO_WORKER, type FromWorker, type ToWorker } from './protocol.ts';

interface WorkerScope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
}

/** The wall clock every thread shares: each worker's time origin differs, their sum does not. */
const clock = (): number => performance.timeOrigin + performance.now();

export function serve(scope: WorkerScope, role: 'producer' | 'reader'): void {
  scope.onmessage = (e) => {
    const msg = e.data;
    switch (msg.type) {
      case TO_WORKER.start:
        try {
          if (msg.setup.role !== role) throw new Error(`a ${role} worker was asked to run a ${msg.setup.role}`);
          scope.postMessage({ type: FROM_WORKER.done, result: runLiveThread(msg.setup, clock) });
        } catch (err) {
          // The page shows the message; the console keeps the stack for whoever debugs it.
          console.error(err);
          scope.postMessage({ type: FROM_WORKER.error, message: err instanceof Error ? err.message : String(err) });
        }
        return;
      default:
        scope.postMessage({ type: FROM_WORKER.error, message: `unknown message ${JSON.stringify(msg)}` });
    }
  };
}
