/**
 * The app's one store, built from slices. Made by a factory so that main.tsx injects the real
 * worker client and a unit test can inject a small fake one.
 */
import { createContext, useContext } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import { liveSlice, type CreateRun, type LiveSlice } from './liveSlice.ts';
import { filesSlice, type FilesSlice } from './filesSlice.ts';
import { exploreSlice, type ExploreSlice } from './exploreSlice.ts';
import { uiSlice, type UiSlice } from './uiSlice.ts';
import type { CreateExplorer } from '../workers/exploreClient.ts';
import type { LiveRun } from '../workers/client.ts';
export type AppState = LiveSlice & FilesSlice & ExploreSlice & UiSlice;
export type AppStore = StoreApi<AppState>;

export interface StoreDeps {
  createRun: CreateRun;
  /** Makes the worker (or single-thread stand-in) that runs sweeps, comparisons and traces. */
  createExplorer: CreateExplorer;
}

export function createAppStore(deps: StoreDeps): AppStore {
  const store = createStore<AppState>()((...a) => ({ ...liveSlice(deps.createRun)(...a), ...filesSlice(...a), ...exploreSlice(deps.createExplorer)(...a), ...uiSlice(...a) }));
  // A deterministic run's files follow it: every step, jump and rebuild sets the accounting or the generation.
  store.subscribe((s, was) => {
    if (s.liveAccounting !== was.liveAccounting || s.liveGeneration !== was.liveGeneration) s.syncRunFiles();
  });
  return store;
}

export const StoreContext = createContext<AppStore | null>(null);

/** Selects from the app store; selectors must return primitives or stable references. */
export function useAppStore<T>(selector: (s: AppState) => T): T {
  const store = useContext(StoreContext);
  if (store === null) throw new Error('useAppStore outside StoreContext');
  return useStore(store, selector);
}

const selectLiveRun = (s: AppState): LiveRun | null => s.liveRun();

/**
 * The current run, for what a component renders around it (its shape, its kind); the component
 * renders again when another run starts or the run stops. Per-frame data is read from the run in
 * a frame callback (`store.getState().liveRun()` there), never through this.
 */
export function useLiveRun(): LiveRun | null {
  return useAppStore(selectLiveRun);
}

export function useAppStoreApi(): AppStore {
  const store = useContext(StoreContext);
  if (store === null) throw new Error('useAppStoreApi outside StoreContext');
  return store;
}

export { TABS, DEFAULT_TAB, isTab, type TabId } from './uiSlice.ts';
export type { LastOp, LiveStatus, ReplacedRun, StartOptions } from './liveSlice.ts';
export { currentFiles, type FileHandle, type FilesState, type MapHandle } from './filesSlice.ts';
export type { FileAction, FileResult } from '../engine/index.ts';
export type { CompareResult, JobState, JobStatus, SweepRequest, SweepRun } from './exploreSlice.ts';
export type { ChannelOp, LiveRun, RealTimeRun, RunMode, SteppedLiveRun, StepBy } from '../workers/client.ts';
