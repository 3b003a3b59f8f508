/**
 * The page as a user-space process with relay files open: one FileTable (fds and mappings)
 * over the current run's channel, the fds and mappings it has made (closed ones stay listed,
 * so that using one again shows EBADF), and the results of its calls. Everything here changes
 * only when the user acts, never per frame. A new run (or a deterministic run rebuilt to go
 * back in time) starts with no files.
 */
import type { StateCreator } from 'zustand';
import { FileTable } from '../engine/index.ts';
import { performFileAction, type FileAction, type FileResult } from './fileActions.ts';
import type { LiveSlice } from './liveSlice.ts';
import type { LiveRun } from '../workers/client.ts';

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
   * run is between steps already. Resolves with the result, or null when nothing runs.
   */
  fileAct: (action: FileAction, cpuHint?: number) => Promise<FileResult | null>;
  /** The current run's fd table (null before the first call on this run). */
  fileTable: () => FileTable | null;
}

export const RESULTS_KEPT = 40;
export const NO_FILES: FilesState = { generation: -1, fds: [], maps: [], results: [] };

/** The files of the current generation, or none: a stable reference for selectors. */
export const currentFiles = (s: FilesSlice & Pick<LiveSlice, 'liveGeneration'>): FilesState =>
  s.files.generation === s.liveGeneration ? s.files : NO_FILES;

export const filesSlice: StateCreator<FilesSlice & LiveSlice, [], [], FilesSlice> = (set, get) => {
  let owner: LiveRun | null = null;
  let table: FileTable | null = null;
  return {
    files: NO_FILES,
    fileTable: () => (owner !== null && owner === get().liveRun() ? table : null),
    fileAct: async (action, cpuHint = 0) => {
      const run = get().liveRun();
      if (run === null || get().liveStatus === 'failed') return null;
      const live = run.mode === 'live' ? run : null;
      const pausing = live !== null && get().liveStatus === 'running';
      if (pausing) await live.pause();
      if (get().liveRun() !== run) return null;
      if (owner !== run || table === null) {
        owner = run;
        table = new FileTable(run.chan);
      }
      const result = performFileAction(table, run.chan, action, cpuHint);
      // Resumed only if nobody paused the run meanwhile (its Pause button waits for the same pause).
      if (pausing && get().liveStatus === 'running' && get().liveRun() === run) live.resume();

      const generation = get().liveGeneration;
      const was = currentFiles(get());
      let { fds, maps } = was;
      if (result.errno === null) {
        if (action.op === 'open' && result.fd !== undefined) fds = [...fds.filter((h) => h.fd !== result.fd), { fd: result.fd, cpu: result.cpu, open: true }];
        if (action.op === 'close') fds = fds.map((h) => (h.fd === action.fd ? { ...h, open: false } : h));
        if (action.op === 'mmap' && result.map !== undefined) maps = [...maps, { id: result.map, cpu: result.cpu, fd: action.fd, mapped: true }];
        if (action.op === 'munmap') maps = maps.map((m) => (m.id === action.map ? { ...m, mapped: false } : m));
      }
      set({ files: { generation, fds, maps, results: [...was.results, result].slice(-RESULTS_KEPT) } });
      return result;
    },
  };
};
