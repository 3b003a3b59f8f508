/**
 * Exploring buffer sizes away from the live run: the sizing sweep, the A/B comparison and the
 * Chrome trace export, each a job in an explore worker (made by an injected factory, one per
 * kind of job, so a sweep and a comparison can run at once). The store keeps each job's
 * status, a throttled progress and the last result; a job that fails or is cancelled leaves
 * the last good result in place.
 */
import type { StateCreator } from 'zustand';
import type { ChromeTrace, RunOutcome, SimConfig, SimReport, SweepAxes, SweepResult } from '../engine/index.ts';
import type { CreateExplorer, ExploreJob, ExploreProgress, ExploreResult, Explorer } from '../workers/exploreClient.ts';
import type { LiveSlice } from './liveSlice.ts';

export type JobStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface JobState<R> {
  status: JobStatus;
  progress: ExploreProgress | null;
  /** The last result a job of this kind finished with. */
  result: R | null;
  /** Why the last job failed. */
  error: string | null;
}

export interface SweepRequest {
  config: SimConfig;
  seconds: number;
  /** Why the sweep runs `seconds` (sweepSeconds' reason, or "given"). */
  secondsReason?: string;
  axes: Partial<SweepAxes>;
}

/** A finished sweep and the configuration it swept. */
export interface SweepRun {
  config: SimConfig;
  result: SweepResult;
}

export interface CompareResult {
  configs: readonly [SimConfig, SimConfig];
  reports: [SimReport, SimReport];
  /** Each side's steady-state verdict, peak backlog and capacity. */
  outcomes: [RunOutcome, RunOutcome];
  seconds: number;
}

export interface ExploreSlice {
  sweep: JobState<SweepRun>;
  compare: JobState<CompareResult>;
  /** Why explore jobs run on the page's thread (null with a worker, or before the first job). */
  exploreFallback: string | null;
  /** Runs a sweep with the run's seed and imported workload. */
  startSweep: (request: SweepRequest) => Promise<void>;
  cancelSweep: () => void;
  /** Runs two configurations for `seconds` on the run's seed and imported workload. */
  startCompare: (configs: readonly [SimConfig, SimConfig], seconds: number) => Promise<void>;
  cancelCompare: () => void;
  /** A Chrome trace of the current configuration, seed and workload for `seconds`. */
  chromeTrace: (seconds: number) => Promise<ChromeTrace>;
}

const IDLE = { status: 'idle', progress: null, result: null, error: null } as const;

/** Progress reaches the store at most this often, in steps of the fraction. */
const PROGRESS_STEP = 0.01;

type Kind = 'sweep' | 'compare' | 'trace';

export const exploreSlice =
  (createExplorer: CreateExplorer): StateCreator<LiveSlice & ExploreSlice, [], [], ExploreSlice> =>
  (set, get) => {
    const explorers = new Map<Kind, Explorer>();
    const cancels = new Map<Kind, () => void>();
    const explorer = (kind: Kind): Explorer => {
      let e = explorers.get(kind);
      if (e === undefined) {
        e = createExplorer();
        explorers.set(kind, e);
        if (get().exploreFallback !== e.fallbackReason) set({ exploreFallback: e.fallbackReason });
      }
      return e;
    };

    /** Runs a job of `kind`, keeping `key`'s state in step; resolves with the result or null. */
    const start = async (kind: Kind, job: ExploreJob, key?: 'sweep' | 'compare'): Promise<ExploreResult | null> => {
      const update = (patch: Partial<JobState<unknown>>): void => {
        if (key !== undefined) set({ [key]: { ...get()[key], ...patch } } as Partial<ExploreSlice>);
      };
      update({ status: 'running', progress: { fraction: 0 }, error: null });
      const run = explorer(kind).run(job, (p) => {
        const last = key === undefined ? null : get()[key].progress;
        if (last === null || p.fraction - last.fraction >= PROGRESS_STEP || p.cellsDone !== last.cellsDone) update({ progress: p });
      });
      cancels.set(kind, run.cancel);
      const outcome = await run.outcome;
      if (cancels.get(kind) === run.cancel) cancels.delete(kind);
      // The caller stores the result with the status, in one update.
      if (outcome.status === 'done') return outcome.result;
      update({ status: outcome.status, progress: null, error: outcome.status === 'failed' ? outcome.error : null });
      if (outcome.status === 'failed' && key === undefined) throw new Error(outcome.error);
      return null;
    };
    const common = (seconds: number) => ({ seed: get().liveSeed, seconds, workload: get().liveWorkload ?? undefined });

    return {
      sweep: IDLE,
      compare: IDLE,
      exploreFallback: null,
      startSweep: async ({ config, seconds, secondsReason, axes }) => {
        const r = await start('sweep', { kind: 'sweep', config, axes, secondsReason, ...common(seconds) }, 'sweep');
        if (r?.kind === 'sweep') set({ sweep: { status: 'done', progress: null, error: null, result: { config, result: r.result } } });
      },
      cancelSweep: () => cancels.get('sweep')?.(),
      startCompare: async (configs, seconds) => {
        const r = await start('compare', { kind: 'compare', configs, ...common(seconds) }, 'compare');
        if (r?.kind === 'compare') set({ compare: { status: 'done', progress: null, error: null, result: { configs, reports: r.reports, outcomes: r.outcomes, seconds } } });
      },
      cancelCompare: () => cancels.get('compare')?.(),
      chromeTrace: async (seconds) => {
        const r = await start('trace', { kind: 'trace', config: get().liveConfig, ...common(seconds) });
        if (r?.kind !== 'trace') throw new Error('the trace was cancelled');
        return r.trace;
      },
    };
  };
