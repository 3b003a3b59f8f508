/**
 * Messages between the page and its workers. The shared memory crosses once, in `start`;
 * after that only these typed messages do, and everything per-record goes through memory.
 */
import type { LiveThreadResult, LiveThreadSetup } from '../engine/index.ts';

export const TO_WORKER = { start: 'start' } as const;
export const FROM_WORKER = { done: 'done', error: 'error' } as const;

export type ToWorker = { type: typeof TO_WORKER.start; setup: LiveThreadSetup };

export type FromWorker =
  | { type: typeof FROM_WORKER.done; result: LiveThreadResult }
  | { type: typeof FROM_WORKER.error; message: string };
