/**
 * The test API that relayscope puts on `window.relayscope`, in development and in the
 * production build alike. Playwright suites (ours and others') drive and read the page
 * through it instead of scraping the DOM.
 *
 * Versioned: a change that breaks a caller bumps `version`.
 */
import type { CpuAccounting, SimReport, StepBy, SweepResult } from './engine/index.ts';
import type { FileAction, FileResult } from './store/index.ts';

/** The live run as the test API reports it. */
export interface LiveSnapshot {
  status: 'idle' | 'running' | 'paused' | 'failed';
  /**
   * Workers racing over SharedArrayBuffer, the single-thread fallback, a stepped run, or the
   * demo that plays on load (a stepped run nobody started; `?demo=0` turns it off).
   */
  kind: 'workers' | 'single-thread' | 'deterministic' | 'demo' | null;
  fallbackReason: string | null;
  error: string | null;
  producerWorkers: number;
  readerWorkers: number;
  cpus: number;
  /** Virtual seconds the run has covered. */
  virtualTime: number;
  /** Records written per CPU, so far. */
  written: number[];
  /** Records read back intact per CPU, so far. */
  readIntact: number[];
  /** `subbufs_produced` and `subbufs_consumed` of each CPU's buffer (0 for a CPU with none). */
  subbufsProduced: number[];
  subbufsConsumed: number[];
  /** Where every record went, taken at the last pause (null while running). */
  accounting: CpuAccounting[] | null;
}

/** Reference counts of the run's channel and buffers (relay_file_open takes one, release and relay_close drop one). */
export interface Lifetime {
  chanKref: number;
  chanFreed: boolean;
  /** Every buffer in creation order: its file's path, its kref and whether its pages are freed. */
  buffers: { cpu: number; path: string; kref: number; freed: boolean }[];
}

/** One entry of the event log. */
export interface LoggedEvent {
  /** Virtual microseconds. */
  tUs: number;
  cpu: number;
  group: 'switch' | 'drop' | 'overwrite' | 'wakeup' | 'consumed' | 'channel' | 'hotplug' | 'file';
  /** The kernel function that did it, e.g. `relay_switch_subbuf`. */
  fn: string;
  text: string;
  /** Records a drop entry stands for (1 for other events). */
  count: number;
}

export interface RelayscopeTestApi {
  /** Version of this interface. */
  readonly version: 1;
  /**
   * The canonical trace lines of the scenario shown on the page, step 0 first, exactly as
   * the engine's `canonicalTrace` returns them. A fresh array on each call.
   * Throws if the scenario could not be loaded (the page then shows the error).
   */
  canonicalLines(): string[];
  /** `window.crossOriginIsolated` when the page started: whether SharedArrayBuffer is usable. */
  readonly crossOriginIsolated: boolean;
  /** The live run (producer and reader workers). */
  readonly live: {
    /**
     * Starts a run with a simulation config (the CLI's config file format; what it leaves out
     * takes the default) and a seed. Throws with a message naming the field for a bad config.
     * `mode: 'deterministic'` runs in virtual time, advanced only by `step`; `faultyWorker`
     * tests the error path: the first worker of that kind fails at start. A live run goes in
     * real time unless `speed` (virtual seconds per real second) says otherwise. It replaces
     * whatever runs (the demo included) without asking.
     */
    start(config?: unknown, seed?: number, options?: { mode?: 'live' | 'deterministic'; faultyWorker?: 'producer' | 'reader'; speed?: number }): void;
    /**
     * Deterministic runs: one event, to the next sub-buffer switch, or `seconds` of virtual
     * time. Returns the events run; the snapshot's accounting is then up to date.
     */
    step(by: StepBy): number;
    /**
     * relay_flush, relay_reset, relay_close or CPU hotplug: at once in a deterministic run; in
     * a live run the threads pause around it. Resolves once it is done.
     */
    operate(op: { op: 'flush' | 'reset' | 'close' } | { op: 'cpu_online' | 'cpu_offline'; cpu: number }): Promise<void>;
    /**
     * A call on a relay file, as the files panel makes it (`FileAction` in
     * src/engine/sim/fileCalls.ts: open, read, sendfile, poll, lseek, mmap, mapread, munmap,
     * close); a live run's threads pause around it, a deterministic run records it in its
     * timeline at its event. Resolves with the call and its return
     * value or errno, or null when no run is there.
     */
    file(action: FileAction): Promise<FileResult | null>;
    /** The channel's and every buffer's reference count, or null when no run is there. */
    lifetime(): Lifetime | null;
    /** The event log's newest entries (up to `max`, default 100), newest first. */
    events(max?: number): LoggedEvent[];
    /** Pauses producers, then readers, and resolves with the snapshot and its accounting. */
    pause(): Promise<LiveSnapshot>;
    resume(): void;
    stop(): void;
    snapshot(): LiveSnapshot;
    /**
     * Resolves once every panel shows the engine's state as it was at the call (throttled text
     * included): the wait-for-idle of a deterministic run after a step.
     */
    idle(): Promise<void>;
  };
  /**
   * Runs a deterministic simulation on the page's main thread, `seconds` of virtual time, and
   * returns the same report as `relayscope simulate --json` does for that config and seed.
   */
  simulate(config: unknown, seed: number, seconds: number): SimReport;
  /**
   * The sizing explorer's last complete sweep, exactly as the engine's `SweepJob.result()` gave
   * it (the grid with each cell's verdict, the capacity analysis, recommendation, margin, reason
   * and secondsReason of `relayscope sweep --json`); null before one.
   */
  sweepResult(): SweepResult | null;
  /** The script time (ms) of each animation frame since the last call, from the app's frame loop. */
  frameTimes(): number[];
  /** Script milliseconds per panel's frame callback since the last `frameTimes()` call. */
  frameProfile(): Record<string, number>;
  /** Renders so far of the components that show per-frame data (they re-render on structure only). */
  renderCounts(): Record<string, number>;
}

declare global {
  interface Window {
    /** Set once by `installTestApi` at start-up; see {@link RelayscopeTestApi}. */
    relayscope?: RelayscopeTestApi;
  }
}

export function installTestApi(api: RelayscopeTestApi): void {
  window.relayscope = Object.freeze(api);
}
