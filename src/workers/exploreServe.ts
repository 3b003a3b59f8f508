/**
 * The explore worker's body: one guarded message switch. A new job cancels the one before it;
 * a cancel names the job it stops, so a late cancel never stops the next one.
 */
import { runJob } from './exploreJobs.ts';
import { FROM_EXPLORE, TO_EXPLORE, type FromExplore, type ToExplore } from './protocol.ts';

interface ExploreScope {
  onmessage: ((e: MessageEvent<ToExplore>) => void) | null;
  postMessage(message: FromExplore): void;
}

export function serveExplore(scope: ExploreScope): void {
  let current: { id: number; cancel: () => void } | null = null;
  scope.onmessage = (e) => {
    const msg = e.data;
    switch (msg.type) {
      case TO_EXPLORE.run: {
        current?.cancel();
        const { id } = msg;
        const finish = (): void => {
          if (current?.id === id) current = null;
        };
        current = { id, cancel: () => {} };
        const cancel = runJob(msg.job, {
          progress: (progress) => scope.postMessage({ type: FROM_EXPLORE.progress, id, progress }),
          result: (result) => {
            finish();
            scope.postMessage({ type: FROM_EXPLORE.result, id, result });
          },
          error: (message) => {
            finish();
            scope.postMessage({ type: FROM_EXPLORE.error, id, message });
          },
        });
        if (current?.id === id) current.cancel = cancel;
        return;
      }
      case TO_EXPLORE.cancel:
        if (current?.id !== msg.id) return;
        current.cancel();
        current = null;
        scope.postMessage({ type: FROM_EXPLORE.cancelled, id: msg.id });
        return;
      default:
        scope.postMessage({ type: FROM_EXPLORE.error, id: -1, message: `unknown message ${JSON.stringify(msg)}` });
    }
  };
}
