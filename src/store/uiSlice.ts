/**
 * The workspace around the stage: which tool's tab is open (kept in the address), whether the
 * settings drawer is open, and whether the address still follows the run.
 */
import type { StateCreator } from 'zustand';

/** The workspace's tools, in tab order: their ids are the address's `tab=`. */
export const TABS = [
  { id: 'events', label: 'Event log' },
  { id: 'inspector', label: 'Sub-buffer inspector' },
  { id: 'series', label: 'Over time' },
  { id: 'accounting', label: 'Accounting' },
  { id: 'files', label: 'Relay files' },
  { id: 'memory', label: 'Memory' },
  { id: 'versions', label: 'Kernel versions' },
  { id: 'sizing', label: 'Sizing explorer' },
  { id: 'compare', label: 'A/B' },
  { id: 'scenarios', label: 'Scenarios' },
  { id: 'data', label: 'Import & export' },
] as const;
export type TabId = (typeof TABS)[number]['id'];
export const DEFAULT_TAB: TabId = 'events';

export const isTab = (id: string): id is TabId => TABS.some((t) => t.id === id);

export interface UiSlice {
  tab: TabId;
  setTab: (tab: TabId) => void;
  drawerOpen: boolean;
  setDrawerOpen: (open: boolean) => void;
  /** A tour step is on show beside the stage: the transport keeps to its essentials. */
  touring: boolean;
  setTouring: (touring: boolean) => void;
  /**
   * Why the address stopped following the run (what it would carry now would not open), or
   * null: it then keeps the last address that opens.
   */
  addressNote: string | null;
}

export const uiSlice: StateCreator<UiSlice> = (set) => ({
  tab: DEFAULT_TAB,
  setTab: (tab) => set({ tab }),
  drawerOpen: false,
  setDrawerOpen: (drawerOpen) => set({ drawerOpen }),
  touring: false,
  setTouring: (touring) => set({ touring }),
  addressNote: null,
});
