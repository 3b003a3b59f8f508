/**
 * The explore worker's jobs as plain data, and the loop that runs one in bounded slices. The
 * same loop runs in the worker entry and, where workers are missing, on the page's thread, so
 * both give the same results for the same job.
 */
import {
  ChromeTraceRecorder,
  Simulation,
  SweepJob,
  runOutcome,
  watchedRun,
  type ChromeTrace,
  type RunOutcome,
  type ImportedWorkload,
  type SimConfig,
  type SimReport,
  type SweepAxes,
  type SweepResult,
} from '../engine/index.ts';

interface Common {
  seed: number;
  /** Virtual seconds each simulation runs. */
  seconds: number;
  /** Imported records replayed instead of the generated workload. */
  workload?: ImportedWorkload;
}

export type ExploreJob =
  | (Common & { kind: 'sweep'; config: SimConfig; axes: Partial<SweepAxes>; secondsReason?: string })
  | (Common & { kind: 'compare'; configs: readonly [SimConfig, SimConfig] })
  | (Common & { kind: 'trace'; config: SimConfig });

export type ExploreResult =
  | { kind: 'sweep'; result: SweepResult }
  | { kind: 'compare'; reports: [SimReport, SimReport]; outcomes: [RunOutcome, RunOutcome] }
  | { kind: 'trace'; trace: ChromeTrace };

export interface ExploreProgress {
  /** 0..1 */
  fraction: number;
  /** Sweeps: cells finished and in all. */
  cellsDone?: number;
  cellsTotal?: number;
}

/** A job under way: advanced by at most `maxEvents` simulation events per call. */
export interface RunningJob {
  step(maxEvents: number): ExploreProgress;
  readonly done: boolean;
  result(): ExploreResult;
}

function sweepJob(job: Extract<ExploreJob, { kind: 'sweep' }>): RunningJob {
  const sweep = new SweepJob(job.config, {
    seed: job.seed,
    seconds: job.seconds,
    secondsReason: job.secondsReason,
    ...job.axes,
    simOptions: { workload: job.workload },
  });
  return {
    step: (maxEvents) => sweep.step(maxEvents),
    get done() {
      return sweep.done;
    },
    result: () => ({ kind: 'sweep', result: sweep.result() }),
  };
}

/** Two simulations on the same seed and workload, run one after the other, each with its steady-state verdict. */
function compareJob(job: Extract<ExploreJob, { kind: 'compare' }>): RunningJob {
  const runs = job.configs.map((config) => watchedRun(config, { seed: job.seed, workload: job.workload }, job.seconds));
  const sims = runs.map((r) => r.sim);
  let at = 0;
  const seconds = Math.max(job.seconds, 1e-9);
  return {
    step(maxEvents) {
      if (at < sims.length && sims[at].runUntil(job.seconds, maxEvents)) at += 1;
      const part = at < sims.length ? Math.min(1, sims[at].now / seconds) : 0;
      return { fraction: (at + part) / sims.length };
    },
    get done() {
      return at === sims.length;
    },
    result: () => {
      const [a, b] = runs.map(runOutcome);
      return { kind: 'compare', reports: [a.report, b.report], outcomes: [a.outcome, b.outcome] };
    },
  };
}

function traceJob(job: Extract<ExploreJob, { kind: 'trace' }>): RunningJob {
  const sim = new Simulation(job.config, { seed: job.seed, workload: job.workload });
  const recorder = new ChromeTraceRecorder(sim, job.seconds);
  let done = false;
  return {
    step(maxEvents) {
      done = recorder.advance(job.seconds, maxEvents);
      return { fraction: done ? 1 : Math.min(1, sim.now / Math.max(job.seconds, 1e-9)) };
    },
    get done() {
      return done;
    },
    result: () => ({ kind: 'trace', trace: recorder.trace() }),
  };
}

/** Opens a job; throws (a ConfigError, a WorkloadError) when its configuration cannot run. */
export function openJob(job: ExploreJob): RunningJob {
  if (job.kind === 'sweep') return sweepJob(job);
  if (job.kind === 'compare') return compareJob(job);
  return traceJob(job);
}

/** Events per slice: a few milliseconds of work, so progress and a cancel get through. */
export const EVENTS_PER_SLICE = 100_000;

export interface JobCallbacks {
  progress(p: ExploreProgress): void;
  result(r: ExploreResult): void;
  error(message: string): void;
}

/**
 * Runs a job in slices, yielding to the event loop between them (a macrotask, so a cancel
 * message or a click is seen before the next slice). Returns the cancel function.
 */
export function runJob(job: ExploreJob, on: JobCallbacks): () => void {
  let cancelled = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: RunningJob;
  try {
    running = openJob(job);
  } catch (err) {
    on.error(err instanceof Error ? err.message : String(err));
    return () => {};
  }
  const tick = (): void => {
    timer = null;
    if (cancelled) return;
    try {
      on.progress(running.step(EVENTS_PER_SLICE));
      if (running.done) on.result(running.result());
      else timer = setTimeout(tick, 0);
    } catch (err) {
      on.error(err instanceof Error ? err.message : String(err));
    }
  };
  timer = setTimeout(tick, 0);
  return () => {
    cancelled = true;
    if (timer !== null) clearTimeout(timer);
  };
}
