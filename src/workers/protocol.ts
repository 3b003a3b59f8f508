/**
 * Messages between the page and its workers. The shared memory crosses once, in `start`;
 * after that only these typed messages do, and everything per-record goes through memory.
 */
import type { LiveThreadResult, LiveThreadSetup } from '../engine/index.ts';
import type { ExploreJob, ExploreProgress, ExploreResult } from './exploreJobs.ts';

export const TO_WORKER = { start: 'start' } as const;
export const FROM_WORKER = { done: 'done', error: 'error' } as const;

export type ToWorker = { type: typeof TO_WORKER.start; setup: LiveThreadSetup };

export type FromWorker =
  | { type: typeof FROM_WORKER.done; result: LiveThreadResult }
  | { type: typeof FROM_WORKER.error; message: string };

/**
 * The explore worker (sizing sweeps, A/B comparisons, Chrome traces): plain data in and out,
 * no shared memory. Each job has an id, so a late message of a cancelled job is recognised.
 */
export const TO_EXPLORE = { run: 'run', cancel: 'cancel' } as const;
export const FROM_EXPLORE = { progress: 'progress', result: 'result', cancelled: 'cancelled', error: 'error' } as const;

export type ToExplore = { type: typeof TO_EXPLORE.run; id: number; job: ExploreJob } | { type: typeof TO_EXPLORE.cancel; id: number };

export type FromExplore =
  | { type: typeof FROM_EXPLORE.progress; id: number; progress: ExploreProgress }
  | { type: typeof FROM_EXPLORE.result; id: number; result: ExploreResult }
  | { type: typeof FROM_EXPLORE.cancelled; id: number }
  | { type: typeof FROM_EXPLORE.error; id: number; message: string };
