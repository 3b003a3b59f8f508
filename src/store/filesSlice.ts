/**
 * The page as a user-space process with relay files open: one FileTable (fds and mappings)
 * over the current run's channel, the fds and mappings it has made (closed ones stay listed,
 * so that using one again shows EBADF), and the results of its calls. Everything here changes
 * only when the user acts or a deterministic run steps over a call, never per frame.
 *
 * A live run's calls go to a table of the page's own over the run's channel, and a new run
 * starts with no files. A deterministic run's calls are part of its timeline (SteppedRun): the
 * run applies each at its event, its checkpoints hold its table, so going back undoes the calls
 * made after, going forward again replays them, and an address carries them; what is shown
 * here is then read from the run (`syncRunFiles`).
 */
import type { StateCreator } from 'zustand';
import { FileTable, performFileAction, type FileAction, type FileResult, type TimedOp } from '../engine/index.ts';
import type { LiveSlice } from './liveSlice.ts';
import type { LiveRun, SteppedLiveRun } from '../workers/client.ts';

export interface FileHandle {
  fd: number;
  cpu: number;
  open: boolean;
}

export interface MapHandle {
  id: number;
  cpu: number;
  fd: number;
  mapped: boolean;
}

export interface FilesState {
  /** The run generation these belong to (liveGeneration). */
  generation: number;
  fds: readonly FileHandle[];
  maps: readonly MapHandle[];
  /** Newest last, at most RESULTS_KEPT. */
  results: readonly FileResult[];
}

export interface FilesSlice {
  files: FilesState;
  /**
   * One call on the current run's files. A live run's threads pause around it (as around a
   * channel operation) and the call runs on the page's view of the channel; a deterministic
   * run is between steps already, and records the call at its event. Resolves with the
   * result, or null when nothing runs.
   */
  fileAct: (action: FileAction, cpuHint?: number) => Promise<FileResult | null>;
  /** The current run's fd table (null before the first call on a live run). */
  fileTable: () => FileTable | null;
  /** Shows a deterministic run's files as they are at its event, if they changed (after a step, a jump, a rebuild). */
  syncRunFiles: () => void;
}

export const RESULTS_KEPT = 40;
export const NO_FILES: FilesState = { generation: -1, fds: [], maps: [], results: [] };

/** The files of the current generation, or none: a stable reference for selectors. */
export const currentFiles = (s: FilesSlice & Pick<LiveSlice, 'liveGeneration'>): FilesState =>
  s.files.generation === s.liveGeneration ? s.files : NO_FILES;

/** The handles and results after one more call. */
function withCall(was: FilesState, generation: number, action: FileAction, result: FileResult): FilesState {
  let { fds, maps } = was;
  if (result.errno === null) {
    if (action.op === 'open' && result.fd !== undefined) fds = [...fds.filter((h) => h.fd !== result.fd), { fd: result.fd, cpu: result.cpu, open: true }];
    if (action.op === 'close') fds = fds.map((h) => (h.fd === action.fd ? { ...h, open: false } : h));
    if (action.op === 'mmap' && result.map !== undefined) maps = [...maps, { id: result.map, cpu: result.cpu, fd: action.fd, mapped: true }];
    if (action.op === 'munmap') maps = maps.map((m) => (m.id === action.map ? { ...m, mapped: false } : m));
  }
  return { generation, fds, maps, results: [...was.results, result].slice(-RESULTS_KEPT) };
}

/** A deterministic run's files: its calls so far, in order. */
function filesOfCalls(generation: number, calls: readonly TimedOp[]): FilesState {
  let files: FilesState = { ...NO_FILES, generation };
  for (const { op, result } of calls) if (op.op === 'file' && result !== undefined) files = withCall(files, generation, op.call, result);
  return files;
}

export const filesSlice: StateCreator<FilesSlice & LiveSlice, [], [], FilesSlice> = (set, get) => {
  let owner: LiveRun | null = null;
  let table: FileTable | null = null;
  /** The deterministic run and its operations applied when its files were last shown. */
  let shown: { run: SteppedLiveRun; applied: number } | null = null;
  const stepped = (): SteppedLiveRun | null => {
    const run = get().liveRun();
    return run !== null && run.mode === 'deterministic' ? run : null;
  };
  return {
    files: NO_FILES,
    fileTable: () => {
      const run = get().liveRun();
      if (run !== null && run.mode === 'deterministic') return run.files();
      return owner !== null && owner === run ? table : null;
    },
    syncRunFiles: () => {
      const run = stepped();
      if (run === null) return;
      const applied = run.opsApplied();
      if (shown !== null && shown.run === run && shown.applied === applied && get().files.generation === get().liveGeneration) return;
      shown = { run, applied };
      const calls = run.fileCalls();
      // A run with no calls shows the same (stable) nothing as before.
      if (calls.length === 0 && currentFiles(get()) === NO_FILES) return;
      set({ files: filesOfCalls(get().liveGeneration, calls) });
    },
    fileAct: async (action, cpuHint = 0) => {
      const run = get().liveRun();
      if (run === null || get().liveStatus === 'failed') return null;
      if (run.mode === 'deterministic') {
        const result = run.fileCall(action);
        get().syncRunFiles();
        return result;
      }
      const pausing = get().liveStatus === 'running';
      if (pausing) await run.pause();
      if (get().liveRun() !== run) return null;
      if (owner !== run || table === null) {
        owner = run;
        table = new FileTable(run.chan);
      }
      const result = performFileAction(table, run.chan, action, cpuHint);
      // Resumed only if nobody paused the run meanwhile (its Pause button waits for the same pause).
      if (pausing && get().liveStatus === 'running' && get().liveRun() === run) run.resume();
      set({ files: withCall(currentFiles(get()), get().liveGeneration, action, result) });
      return result;
    },
  };
};
