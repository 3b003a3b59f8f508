/**
 * The live run: its settings, its status and low-rate facts about it. The run object itself
 * (workers, shared memory) is made by an injected factory and kept outside React state;
 * counters are read from its shared memory by the panels each frame, never stored here.
 */
import type { StateCreator } from 'zustand';
import { formatCount } from '../lib/format.ts';
import {
  ConfigError,
  DEFAULT_SIM_CONFIG,
  LANDMARK_BUDGET,
  followableSpeed,
  checkWorkload,
  liveRunRefusal,
  parseSimConfig,
  type CpuAccounting,
  type ImportedWorkload,
  type Landmark,
  type SimConfig,
  type Timeline,
} from '../engine/index.ts';
import type { ChannelOp, LiveRun, LiveRunOptions, RunMode, SteppedLiveRun, StepBy } from '../workers/client.ts';
import type { UrlState } from './urlState.ts';

/** The fastest a live run's clock goes: workers then write as fast as they can. */
export const MAX_LIVE_SPEED = 1000;

export type LiveStatus = 'idle' | 'running' | 'paused' | 'failed';

export type CreateRun = (config: SimConfig, options: LiveRunOptions) => LiveRun;

export interface StartOptions {
  mode?: RunMode;
  /** Testing the error path: the first worker of this kind fails at start. */
  faultyWorker?: LiveRunOptions['faultyWorker'];
  /** A deterministic run rebuilt to go back in time: the timeline of the run it replaces. */
  timeline?: Timeline;
  /** Virtual seconds per real second; by default real time for the test API, else the speed chosen or one a person can follow. */
  speed?: number;
  /** The small run that plays on load, before the user starts one (`live.snapshot().kind === 'demo'`). */
  demo?: boolean;
  /** Started by code (the test API, a tour, a rebuild to go back in time): replacing a run offers no undo. */
  quiet?: boolean;
}

/** A run replaced by the user's start, to start again with Undo. */
export interface ReplacedRun {
  config: SimConfig;
  seed: number;
  mode: RunMode;
  speed: number;
  /** Deterministic runs: where it was, and its timeline, to come back to the same event. */
  events: number;
  timeline: Timeline | null;
}

/** The last channel operation, for the stage to mark on the buffers it touched. */
export interface LastOp {
  op: ChannelOp;
  /** Bumped by each operation. */
  seq: number;
}

export interface LiveSlice {
  liveConfig: SimConfig;
  liveSeed: number;
  liveSpeed: number;
  /** Real time with workers, or virtual time stepped by hand. */
  liveMode: RunMode;
  liveStatus: LiveStatus;
  /** The worker's error that stopped the run. */
  liveError: string | null;
  /** Why the run is on one thread (null with workers, or when nothing runs). */
  liveFallback: string | null;
  /** Changes whenever a new run starts, so panels rebuild around it. */
  liveGeneration: number;
  /** Accounting taken at the last pause. */
  liveAccounting: CpuAccounting[] | null;
  startLive: (config?: unknown, seed?: number, options?: StartOptions) => void;
  /** Deterministic runs: advance, then take the accounting. */
  stepLive: (by: StepBy) => number;
  /**
   * Deterministic runs: go to `events` events from the start, forward by stepping, back by
   * rebuilding the run from the start with the same timeline.
   */
  seekLive: (events: number) => void;
  /** Deterministic runs: back to the previous landmark of a kind; false when there is none. */
  seekPrevious: (landmark: Landmark) => boolean;
  /** The kind of landmark the previous/next buttons and keys jump to. */
  liveLandmark: Landmark;
  setLiveLandmark: (landmark: Landmark) => void;
  /** Deterministic runs: to the previous or next landmark of the chosen kind. */
  jumpLive: (direction: 'previous' | 'next') => void;
  /** What the last jump has to say (no such landmark), or ''. */
  liveNotice: string;
  /**
   * A channel operation: at once in a deterministic run, between a pause and a resume in a
   * live one. Then the accounting, where it is exact (a stepped or paused run).
   */
  operateLive: (op: ChannelOp) => Promise<void>;
  /** Bumped by channel operations, so views that depend on the channel's shape refresh. */
  liveOps: number;
  /** The sub-buffer under inspection: buffer (creation index) and sub-buffer. */
  selection: { buffer: number; subbuf: number } | null;
  select: (selection: { buffer: number; subbuf: number } | null) => void;
  pauseLive: () => Promise<CpuAccounting[] | null>;
  resumeLive: () => void;
  stopLive: () => void;
  /** The mode the next run starts in. */
  setLiveMode: (mode: RunMode) => void;
  setLiveSpeed: (speed: number) => Promise<void>;
  /** The current run, for the panels' frame callbacks. */
  liveRun: () => LiveRun | null;
  /** The current run is the demo that plays on load. */
  liveDemo: boolean;
  /** The seed of the current run (the demo's is not the settings' seed). */
  liveRunSeed: number;
  /** The user chose a speed: runs they start keep it (otherwise each gets one a person can follow). */
  liveSpeedChosen: boolean;
  /** A deterministic run plays: its virtual time advances at `liveSpeed` (Infinity: as fast as it can). */
  livePlaying: boolean;
  setPlaying: (playing: boolean) => void;
  /** Plays or pauses: a deterministic run plays, a live one pauses and resumes. */
  togglePlay: () => void;
  /** The run the user's last start replaced, while it can be brought back. */
  liveReplaced: ReplacedRun | null;
  /** Starts the replaced run again (a deterministic one at the event it was at). */
  undoReplace: () => void;
  dismissReplaced: () => void;
  /** Bumped by every start and channel operation: the stage brings itself into view. */
  liveStarts: number;
  liveLastOp: LastOp | null;
  /**
   * Imported records that runs replay instead of the generated workload; while one is set,
   * runs are deterministic (the replay is in virtual time).
   */
  liveWorkload: ImportedWorkload | null;
  /**
   * An address named an imported workload by its hash: the run it describes waits here until
   * the file is chosen again (see workloadImport.ts).
   */
  liveWorkloadPending: UrlState | null;
}

export const liveSlice =
  (createRun: CreateRun): StateCreator<LiveSlice> =>
  (set, get) => {
    let run: LiveRun | null = null;
    const dispose = (): void => {
      run?.dispose();
      run = null;
    };
    /** The current run if it is a stepped one. */
    const stepped = (): SteppedLiveRun | null => (run !== null && run.mode === 'deterministic' ? run : null);
    return {
      liveConfig: DEFAULT_SIM_CONFIG,
      liveSeed: 1,
      liveSpeed: 1,
      liveMode: 'live',
      liveStatus: 'idle',
      liveError: null,
      liveFallback: null,
      liveGeneration: 0,
      liveAccounting: null,
      liveOps: 0,
      liveLandmark: 'drop',
      liveWorkload: null,
      liveWorkloadPending: null,
      liveDemo: false,
      liveRunSeed: 1,
      liveSpeedChosen: false,
      livePlaying: false,
      liveReplaced: null,
      liveStarts: 0,
      liveLastOp: null,
      setPlaying: (livePlaying) => {
        if (run === null || run.kind !== 'deterministic') return;
        set({ livePlaying, liveAccounting: livePlaying ? get().liveAccounting : run.accounting() });
      },
      togglePlay: () => {
        const st = get();
        if (run === null) return;
        if (run.kind === 'deterministic') st.setPlaying(!st.livePlaying);
        else if (st.liveStatus === 'running') void st.pauseLive();
        else st.resumeLive();
      },
      undoReplace: () => {
        const r = get().liveReplaced;
        if (r === null) return;
        get().startLive(r.config, r.seed, { mode: r.mode, speed: r.speed, timeline: r.timeline ?? undefined, quiet: true });
        if (r.mode === 'deterministic' && r.events > 0) get().stepLive({ kind: 'events', count: r.events });
        set({ liveReplaced: null });
      },
      dismissReplaced: () => set({ liveReplaced: null }),
      setLiveLandmark: (liveLandmark) => set({ liveLandmark }),
      liveNotice: '',
      jumpLive: (direction) => {
        const current = stepped();
        const landmark = get().liveLandmark;
        if (current === null) return;
        if (direction === 'previous') {
          set({ liveNotice: get().seekPrevious(landmark) ? '' : `No earlier ${landmark} in this run.` });
          return;
        }
        get().stepLive({ kind: 'next', landmark });
        set({ liveNotice: current.found() ? '' : `No ${landmark} in the next ${formatCount(LANDMARK_BUDGET)} events; the run stopped there.` });
      },
      selection: null,
      select: (selection) => set({ selection }),
      liveRun: () => run,
      startLive: (config, seed, options = {}) => {
        // parseSimConfig throws a ConfigError naming the field; the caller shows it and the
        // previous configuration stays.
        const parsed = config === undefined ? get().liveConfig : parseSimConfig(config);
        const workload = get().liveWorkload ?? undefined;
        // A WorkloadError (a CPU beyond the channel, a record too large) is a ConfigError too.
        if (workload !== undefined) checkWorkload(workload, parsed);
        const mode = workload !== undefined ? 'deterministic' : (options.mode ?? get().liveMode);
        const refused = mode === 'live' ? liveRunRefusal(parsed) : null;
        if (refused !== null) throw new ConfigError(refused);
        // A user's start over a user's run that has gone somewhere can be undone.
        const before = get();
        const replaced: ReplacedRun | null =
          options.quiet !== true && run !== null && !before.liveDemo && before.liveStatus !== 'failed' && (before.liveStatus === 'running' || (run.kind === 'deterministic' && run.eventsRun() > 0))
            ? {
                config: before.liveConfig,
                seed: before.liveSeed,
                mode: run.kind === 'deterministic' ? 'deterministic' : 'live',
                speed: before.liveSpeed,
                events: run.kind === 'deterministic' ? run.eventsRun() : 0,
                timeline: run.mode === 'deterministic' ? run.timeline : null,
              }
            : null;
        // The test API runs in real time unless told otherwise; a person's run at a pace they can follow.
        const speed = options.speed ?? (options.quiet === true ? 1 : before.liveSpeedChosen ? before.liveSpeed : followableSpeed(parsed));
        dispose();
        const liveSeed = seed ?? get().liveSeed;
        const generation = get().liveGeneration + 1;
        const created = createRun(parsed, {
          mode,
          seed: liveSeed,
          speed: Number.isFinite(speed) ? speed : MAX_LIVE_SPEED,
          faultyWorker: options.faultyWorker,
          timeline: options.timeline,
          workload,
          onError: (message) => {
            if (get().liveGeneration !== generation) return;
            dispose();
            set({ liveStatus: 'failed', liveError: message });
          },
        });
        run = created;
        const deterministic = mode === 'deterministic';
        set({
          // The demo is nobody's settings: the form, the explorer and the next run keep theirs.
          ...(options.demo === true ? {} : { liveConfig: parsed, liveSeed, liveMode: mode }),
          liveRunSeed: liveSeed,
          liveStatus: deterministic ? 'paused' : 'running',
          liveError: null,
          liveFallback: created.fallbackReason,
          liveGeneration: generation,
          liveAccounting: deterministic ? created.accounting() : null,
          selection: options.timeline ? get().selection : null,
          liveWorkloadPending: null,
          liveSpeed: speed,
          liveDemo: options.demo === true,
          livePlaying: false,
          liveReplaced: replaced ?? (options.quiet === true ? before.liveReplaced : null),
          liveStarts: before.liveStarts + 1,
          liveLastOp: null,
        });
      },
      operateLive: async (op) => {
        const current = run;
        if (current === null || get().liveStatus === 'failed') return;
        await current.operate(op);
        if (run !== current) return;
        const seq = (get().liveLastOp?.seq ?? 0) + 1;
        set({
          liveAccounting: get().liveStatus === 'paused' ? current.accounting() : null,
          liveOps: get().liveOps + 1,
          liveLastOp: { op, seq },
          liveStarts: get().liveStarts + 1,
        });
      },
      stepLive: (by) => {
        const current = stepped();
        if (current === null) return 0;
        const events = current.step(by);
        set({ liveAccounting: current.accounting(), liveNotice: '' });
        return events;
      },
      seekLive: (events) => {
        const current = stepped();
        if (current === null) return;
        const at = current.eventsRun();
        if (events >= at) current.step({ kind: 'events', count: events - at });
        const { liveSpeed, liveDemo, livePlaying } = get();
        // Back in time: the same configuration and seed again, with the run's timeline (the demo stays the demo).
        if (events < at) get().startLive(current.config, get().liveRunSeed, { mode: 'deterministic', timeline: current.timeline, quiet: true, speed: liveSpeed, demo: liveDemo });
        const now = stepped();
        if (now === null) return;
        if (now !== current) now.step({ kind: 'events', count: events });
        set({ liveAccounting: now.accounting(), livePlaying: now !== current ? livePlaying : get().livePlaying });
      },
      seekPrevious: (landmark) => {
        const current = stepped();
        if (current === null) return false;
        const previous = current.timeline.previous(landmark, current.eventsRun());
        if (previous === null) return false;
        get().seekLive(previous);
        return true;
      },
      pauseLive: async () => {
        const current = run;
        if (current === null || current.mode !== 'live' || get().liveStatus !== 'running') return get().liveAccounting;
        await current.pause();
        if (run !== current) return null;
        const accounting = current.accounting();
        set({ liveStatus: 'paused', liveAccounting: accounting });
        return accounting;
      },
      resumeLive: () => {
        if (run === null || run.mode !== 'live' || get().liveStatus !== 'paused') return;
        run.resume();
        set({ liveStatus: 'running', liveAccounting: null });
      },
      stopLive: () => {
        dispose();
        set({ liveStatus: 'idle', liveAccounting: null, liveFallback: null, livePlaying: false, liveDemo: false });
      },
      setLiveMode: (mode) => set({ liveMode: mode }),
      setLiveSpeed: async (speed) => {
        set({ liveSpeed: speed, liveSpeedChosen: true });
        // A live run's clock takes a finite rate: as fast as possible is its fastest speed.
        if (run !== null && run.mode === 'live') await run.setSpeed(Number.isFinite(speed) ? speed : MAX_LIVE_SPEED);
      },
    };
  };
