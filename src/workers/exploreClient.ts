/**
 * The owner of an explore worker: runs one job at a time (a new one cancels the last), hands
 * back progress and the result, and stops the worker on dispose(). Without Web Workers the
 * same jobs run on the page's thread in slices, and `fallbackReason` says why.
 */
import { runJob, type ExploreJob, type ExploreProgress, type ExploreResult } from './exploreJobs.ts';
import { FROM_EXPLORE, TO_EXPLORE, type FromExplore, type ToExplore } from './protocol.ts';

export type { ExploreJob, ExploreProgress, ExploreResult } from './exploreJobs.ts';

export type ExploreOutcome = { status: 'done'; result: ExploreResult } | { status: 'cancelled' } | { status: 'failed'; error: string };

export interface ExploreRun {
  /** Settles once: with the result, on cancel, or with the job's error. */
  readonly outcome: Promise<ExploreOutcome>;
  cancel(): void;
}

export interface Explorer {
  /** Why jobs run on the page's thread (null in a worker). */
  readonly fallbackReason: string | null;
  run(job: ExploreJob, onProgress: (p: ExploreProgress) => void): ExploreRun;
  dispose(): void;
}

export type CreateExplorer = () => Explorer;

export function createExplorer(): Explorer {
  return typeof Worker === 'undefined' ? new SingleThreadExplorer('this browser has no Web Workers') : new WorkerExplorer();
}

interface Pending {
  id: number;
  onProgress: (p: ExploreProgress) => void;
  settle: (o: ExploreOutcome) => void;
}

class WorkerExplorer implements Explorer {
  readonly fallbackReason = null;
  private readonly worker: Worker;
  private pending: Pending | null = null;
  private nextId = 1;

  constructor() {
    this.worker = new Worker(new URL('./explore.worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromExplore>) => {
      const msg = e.data;
      const p = this.pending;
      // Messages of a job that was cancelled or replaced are late: nobody waits for them.
      if (p === null || msg.id !== p.id) return;
      if (msg.type === FROM_EXPLORE.progress) p.onProgress(msg.progress);
      else if (msg.type === FROM_EXPLORE.result) this.settle({ status: 'done', result: msg.result });
      else if (msg.type === FROM_EXPLORE.error) this.settle({ status: 'failed', error: msg.message });
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.settle({ status: 'failed', error: `the explore worker failed: ${e.message || 'it did not load'}` });
    };
  }

  run(job: ExploreJob, onProgress: (p: ExploreProgress) => void): ExploreRun {
    this.settle({ status: 'cancelled' });
    const id = this.nextId++;
    const outcome = new Promise<ExploreOutcome>((settle) => {
      this.pending = { id, onProgress, settle };
    });
    this.post({ type: TO_EXPLORE.run, id, job });
    return {
      outcome,
      cancel: () => {
        if (this.pending?.id !== id) return;
        this.post({ type: TO_EXPLORE.cancel, id });
        this.settle({ status: 'cancelled' });
      },
    };
  }

  dispose(): void {
    this.settle({ status: 'cancelled' });
    this.worker.terminate();
  }

  private settle(o: ExploreOutcome): void {
    const p = this.pending;
    this.pending = null;
    p?.settle(o);
  }

  private post(msg: ToExplore): void {
    this.worker.postMessage(msg);
  }
}

/** The same jobs on the page's thread, in slices between which the page stays responsive. */
class SingleThreadExplorer implements Explorer {
  private stop: (() => void) | null = null;

  constructor(readonly fallbackReason: string) {}

  run(job: ExploreJob, onProgress: (p: ExploreProgress) => void): ExploreRun {
    this.stop?.();
    let settle: (o: ExploreOutcome) => void = () => {};
    const outcome = new Promise<ExploreOutcome>((resolve) => {
      settle = (o) => {
        this.stop = null;
        settle = () => {};
        resolve(o);
      };
    });
    const cancelJob = runJob(job, {
      progress: (p) => onProgress(p),
      result: (result) => settle({ status: 'done', result }),
      error: (error) => settle({ status: 'failed', error }),
    });
    const cancel = (): void => {
      cancelJob();
      settle({ status: 'cancelled' });
    };
    this.stop = cancel;
    return { outcome, cancel };
  }

  dispose(): void {
    this.stop?.();
  }
}

/** For tests and hosts without workers: jobs on the calling thread. */
export function createSingleThreadExplorer(reason: string): Explorer {
  return new SingleThreadExplorer(reason);
}
