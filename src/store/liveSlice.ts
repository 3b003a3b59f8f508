/**
 * The live run: its settings, its status and low-rate facts about it. The run object itself
 * (workers, shared memory) is made by an injected factory and kept outside React state;
 * counters are read from its shared memory by the panels each frame, never stored here.
 */
import type { StateCreator } from 'zustand';
import { formatCount } from '../lib/format.ts';
import { watchFrames } from '../lib/frameLoop.ts';
import { runSliced, type Sliced } from '../lib/slices.ts';
import {
  ConfigError,
  DEFAULT_SIM_CONFIG,
  LANDMARK_BUDGET,
  followableSpeed,
  checkWorkload,
  liveRunRefusal,
  estimateEvents,
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

/** A long step running in slices: what it does, and how far it is of its bound. */
export interface LiveJob {
  label: string;
  done: number;
  total: number;
}

/** An address that asks for more work than it runs by itself: what it asks for. */
export interface LiveOffer {
  label: string;
  /** Events it would run, estimated. */
  events: number;
}

/** Events a step runs at once; a step that must compute more runs in slices with progress. */
export const SYNC_EVENTS = 20_000;
/** Events an address runs by itself (in slices, with progress); beyond, the page asks first. */
export const ADDRESS_EVENTS = 2_000_000;

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
   * Deterministic runs: go to `events` events from the start, back by rebuilding the run with
   * the same timeline; either way from the nearest checkpoint, and in slices with progress when
   * it must compute past what the run has computed. Resolves when done: false if cancelled.
   */
  seekLive: (events: number) => Promise<boolean>;
  /** Deterministic runs: go to virtual time `t` (s), as seekLive goes to an event. */
  seekTime: (t: number) => Promise<boolean>;
  /**
   * Opens a deterministic run at `events` and then virtual time `t` (an address): at once, or in
   * slices, or, past ADDRESS_EVENTS, only once the offer is accepted.
   */
  openAt: (events: number, t: number) => Promise<void>;
  /** The long step in progress, or null. */
  liveJob: LiveJob | null;
  /** Stops the long step in progress where it is (a search goes back to where it started). */
  cancelLiveJob: () => void;
  /** An address's work waiting to be accepted, or null. */
  liveOffer: LiveOffer | null;
  acceptLiveOffer: () => void;
  declineLiveOffer: () => void;
  /** Deterministic runs: back to the previous landmark of a kind; false when there is none. */
  seekPrevious: (landmark: Landmark) => boolean;
  /** The kind of landmark the previous/next buttons and keys jump to. */
  liveLandmark: Landmark;
  setLiveLandmark: (landmark: Landmark) => void;
  /** Deterministic runs: to the previous or next landmark of the chosen kind. */
  jumpLive: (direction: 'previous' | 'next') => void;
  /** Most events a search for the next landmark runs past the current one (LANDMARK_BUDGET by default). */
  liveSearchBound: number;
  setLiveSearchBound: (events: number) => void;
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
    /** Stops telling a run with workers when the page runs its frame callbacks (producers that are behind give way). */
    let unwatch: (() => void) | null = null;
    let job: Sliced | null = null;
    let offered: (() => void) | null = null;
    const stopJob = (): void => {
      job?.cancel();
      job = null;
      offered = null;
      if (get().liveJob !== null || get().liveOffer !== null) set({ liveJob: null, liveOffer: null });
    };
    const dispose = (): void => {
      stopJob();
      unwatch?.();
      unwatch = null;
      run?.dispose();
      run = null;
    };
    /** The current run if it is a stepped one. */
    const stepped = (): SteppedLiveRun | null => (run !== null && run.mode === 'deterministic' ? run : null);
    /** Runs `work` in slices with progress; `progress()` says how much of `total` is done. */
    const sliced = (label: string, total: number, progress: () => number, work: (units: number) => boolean): Promise<'done' | 'cancelled'> => {
      stopJob();
      set({ liveJob: { label, done: 0, total } });
      const mine = runSliced(work, { onSlice: () => job === mine && set({ liveJob: { label, done: Math.min(progress(), total), total } }) });
      job = mine;
      return mine.done.then((how) => {
        if (job === mine) {
          job = null;
          set({ liveJob: null });
        }
        return how;
      });
    };
    /** A new run of the same configuration and timeline, at the start: going back replaces the run. */
    const rebuild = (current: SteppedLiveRun): SteppedLiveRun | null => {
      // The same configuration and seed again, with the run's timeline (the demo stays the demo).
      const { liveSpeed, liveDemo, livePlaying, liveRunSeed } = get();
      get().startLive(current.config, liveRunSeed, { mode: 'deterministic', timeline: current.timeline, quiet: true, speed: liveSpeed, demo: liveDemo });
      set({ livePlaying });
      return stepped();
    };
    const settle = (current: SteppedLiveRun): void => {
      if (run === current) set({ liveAccounting: current.accounting() });
    };
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
      liveSearchBound: LANDMARK_BUDGET,
      setLiveSearchBound: (liveSearchBound) => set({ liveSearchBound }),
      liveNotice: '',
      jumpLive: (direction) => {
        const current = stepped();
        const landmark = get().liveLandmark;
        if (current === null) return;
        if (direction === 'previous') {
          set({ liveNotice: get().seekPrevious(landmark) ? '' : `No earlier ${landmark} in this run.` });
          return;
        }
        const timeline = current.timeline;
        const start = current.eventsRun();
        const startTime = current.virtualTime();
        const budget = get().liveSearchBound;
        const known = timeline?.next(landmark, start);
        if (known && known.at <= start + budget) {
          void get().seekLive(known.at);
          set({ liveNotice: '' });
          return;
        }
        // Past what the run has computed, at most `budget` events on, in slices; the run goes back
        // to where it was when there is none (or the search is cancelled).
        const bound = start + budget;
        if (known === null && timeline !== null && timeline.horizon > start) current.step({ kind: 'to', events: Math.min(timeline.horizon, bound) });
        set({ liveNotice: '' });
        let found = false;
        void sliced(`Searching for the next ${landmark}`, budget, () => current.eventsRun() - start, (units) => {
          const ran = current.step({ kind: 'next', landmark, budget: Math.min(units, bound - current.eventsRun()) });
          found = current.found();
          return found || ran === 0 || current.eventsRun() >= bound;
        }).then(async (how) => {
          if (run !== current) return;
          if (how === 'done' && found) {
            settle(current);
            return;
          }
          const at = formatCount(start);
          // Back to the same event, and the clock where it was (no event falls in between).
          if (await get().seekLive(start)) await get().seekTime(startTime);
          set({
            liveNotice:
              how === 'cancelled'
                ? `Search cancelled; the run stays at event ${at}.`
                : `No ${landmark} in the next ${formatCount(budget)} events; the run stays at event ${at}.`,
          });
        });
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
        if (created.mode === 'live') unwatch = watchFrames(() => created.pageFrame(true), () => created.pageFrame(false));
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
        stopJob();
        const events = current.step(by);
        set({ liveAccounting: current.accounting(), liveNotice: '' });
        return events;
      },
      seekLive: async (events) => {
        let current = stepped();
        if (current === null) return false;
        stopJob();
        if (events < current.eventsRun()) current = rebuild(current);
        if (current === null) return false;
        const horizon = current.timeline?.horizon ?? 0;
        if (events <= Math.max(horizon, current.eventsRun()) + SYNC_EVENTS) {
          current.step({ kind: 'to', events });
          settle(current);
          return true;
        }
        if (horizon > current.eventsRun()) current.step({ kind: 'to', events: horizon });
        const target = current;
        const from = target.eventsRun();
        const how = await sliced(`Computing to event ${formatCount(events)}`, events - from, () => target.eventsRun() - from, (units) => {
          const ran = target.step({ kind: 'events', count: Math.min(units, events - target.eventsRun()) });
          return ran === 0 || target.eventsRun() >= events;
        });
        settle(target);
        return how === 'done';
      },
      seekTime: async (t) => {
        let current = stepped();
        if (current === null) return false;
        stopJob();
        if (t < current.virtualTime()) current = rebuild(current);
        if (current === null) return false;
        const timeline = current.timeline;
        const known = Math.max(timeline?.horizonTime ?? 0, current.virtualTime());
        current.step({ kind: 'until', t: Math.min(t, known) });
        // A little past what is computed: at once; more, in slices.
        const target = current;
        const from = target.virtualTime();
        const ran = t > from ? target.step({ kind: 'until', t, budget: SYNC_EVENTS }) : 0;
        if (target.virtualTime() >= t || ran < SYNC_EVENTS) {
          settle(target);
          return true;
        }
        const us = (x: number): number => Math.round(x * 1e6);
        const how = await sliced(`Computing to t = ${(t * 1000).toFixed(3)} ms`, us(t - from), () => us(target.virtualTime() - from), (units) => {
          const stepped = target.step({ kind: 'until', t, budget: units });
          return stepped < units || target.virtualTime() >= t;
        });
        settle(target);
        return how === 'done';
      },
      openAt: (events, t) => {
        const current = stepped();
        if (current === null) return Promise.resolve();
        const estimate = Math.max(events, estimateEvents(current.config, t));
        const go = (): Promise<void> => {
          const first = events > 0 ? get().seekLive(events) : Promise.resolve(true);
          const then = (arrived: boolean): Promise<unknown> | undefined => (arrived && t > 0 ? get().seekTime(t) : undefined);
          // A step that needed no slices is done already: the clock follows at once.
          if (get().liveJob === null) return Promise.resolve(then(true)).then(() => {});
          return first.then(then).then(() => {});
        };
        if (estimate <= ADDRESS_EVENTS) return go();
        stopJob();
        offered = () => void go();
        const what = t > 0 ? `t = ${t} s` : `event ${formatCount(events)}`;
        set({ liveOffer: { label: `This address asks for ${what}: about ${formatCount(estimate)} events, more than the ${formatCount(ADDRESS_EVENTS)} an address runs by itself.`, events: estimate } });
        return Promise.resolve();
      },
      liveJob: null,
      cancelLiveJob: () => {
        job?.cancel();
      },
      liveOffer: null,
      acceptLiveOffer: () => {
        const go = offered;
        offered = null;
        set({ liveOffer: null });
        go?.();
      },
      declineLiveOffer: () => {
        offered = null;
        set({ liveOffer: null });
      },
      seekPrevious: (landmark) => {
        const current = stepped();
        if (current === null) return false;
        const previous = current.timeline.previous(landmark, current.eventsRun());
        if (previous === null) return false;
        void get().seekLive(previous);
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
