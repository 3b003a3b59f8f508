/**
 * Importing a workload recorded elsewhere (CSV of timestamp, cpu, size, or a blktrace capture) and replaying it
 * through the current configuration in a deterministic run. A file that does not parse, or
 * that the configuration cannot replay, is refused with the engine's message (file, line,
 * field and why) and the current run goes on untouched.
 */
import { ConfigError, checkWorkload, parseBlktraceCapture, parseWorkloadCsv, type CaptureFile, type ImportedWorkload } from '../engine/index.ts';
import type { AppStore } from './index.ts';
import { restoreRun } from './urlSync.ts';

/** Parses `text` and starts replaying it; returns why it was refused, or null. */
export function importWorkload(store: AppStore, text: string, name: string): string | null {
  return importParsed(store, name, () => parseWorkloadCsv(text, name));
}

/** Reads a blktrace capture (a device's `<dev>.blktrace.<cpu>` files) and starts replaying it; returns why it was refused, or null. */
export function importCapture(store: AppStore, files: readonly CaptureFile[]): string | null {
  const label = files.length === 1 ? files[0].name : `the ${files.length} files chosen`;
  return importParsed(store, label, () => parseBlktraceCapture(files, { label }));
}

function importParsed(store: AppStore, name: string, parse: () => ImportedWorkload): string | null {
  let workload: ImportedWorkload;
  const st = store.getState();
  const pending = st.liveWorkloadPending;
  try {
    workload = parse();
    if (pending !== null && pending.workload !== workload.hash)
      return `${name} is not the workload this address names: its hash is ${workload.hash}, the address names ${pending.workload}`;
    checkWorkload(workload, pending?.config ?? st.liveConfig);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  store.setState({ liveWorkload: workload });
  // The run an address described, stepped to its place; else the current settings from the start.
  if (pending !== null) restoreRun(store, pending);
  else st.startLive(st.liveConfig, st.liveSeed, { mode: 'deterministic' });
  return null;
}

/** Back to the generated workload: a fresh run of the current settings. */
export function forgetWorkload(store: AppStore): void {
  store.setState({ liveWorkload: null, liveWorkloadPending: null });
  store.getState().startLive();
}
