/**
 * Work with a bound: a run's events are estimated before it starts (workEstimate.ts) and one
 * past the bound is refused with the estimate and how to proceed. A run goes in slices,
 * giving the event loop a turn between them, so that Ctrl-C stops it cleanly and, on a
 * terminal, a progress line on stderr shows how far it is.
 */
import { MAX_RUN_EVENTS } from '../engine/index.ts';
import type { FlagValues, Flag } from './args.ts';
import { numberFlag } from './args.ts';
import { Interrupted, UsageError, type CliIo } from './usage.ts';

/** Events this machine's engine runs in a second, about: for saying how long a refused run would take. */
const EVENTS_PER_SECOND = 1.5e6;
/** Runs estimated above this draw a progress line (on a terminal). */
export const PROGRESS_FROM_EVENTS = 2_000_000;
/** Events between two looks at Ctrl-C and the progress line. */
export const SLICE_EVENTS = 100_000;

export const MAX_EVENTS_FLAG: Flag = {
  type: 'string',
  value: 'N',
  help: `run even if the estimated events pass N (default ${MAX_RUN_EVENTS.toLocaleString('en-US')})`,
};

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

function duration(events: number): string {
  const s = events / EVENTS_PER_SECOND;
  if (s < 120) return `${Math.ceil(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} minutes`;
  if (s < 2 * 86400) return `${Math.round(s / 3600)} hours`;
  return `${Math.round(s / 86400)} days`;
}

/** Refuses work estimated past the bound (--max-events, or MAX_RUN_EVENTS), saying how to proceed. */
export function checkWork(command: string, values: FlagValues, estimate: number, what: string, smaller: string): void {
  const bound = numberFlag(command, values, 'max-events', MAX_RUN_EVENTS, 1, Number.MAX_SAFE_INTEGER, true);
  if (estimate <= bound) return;
  throw new UsageError(
    `${command}: ${what} is about ${count(estimate)} events (some ${duration(estimate)} of computing), above the bound of ${count(bound)}; ` +
      `${smaller}, or pass --max-events ${Math.ceil(estimate * 1.1)} to run it anyway`,
  );
}

const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface SlicedWork {
  /** Runs one slice; true when the work is done. */
  step(): boolean;
  /** How far the work is, 0 to 1. */
  fraction(): number;
  /** What the progress line and the interruption message call the work. */
  label: string;
  estimate: number;
}

/** Runs `work` to its end in slices; throws Interrupted when the user presses Ctrl-C. */
export async function runSliced(io: CliIo, work: SlicedWork): Promise<void> {
  const drawn = io.errIsTTY && work.estimate > PROGRESS_FROM_EVENTS;
  let shown = -1;
  const draw = (): void => {
    const percent = Math.floor(work.fraction() * 100);
    if (!drawn || percent === shown) return;
    shown = percent;
    io.err(`\r${work.label}: ${percent}% (Ctrl-C stops)\x1b[K`);
  };
  const clear = (): void => {
    if (shown >= 0) io.err('\r\x1b[K');
  };
  draw();
  for (;;) {
    if (io.signal.aborted) {
      clear();
      throw new Interrupted(`${work.label}: interrupted at ${Math.floor(work.fraction() * 100)}%`);
    }
    if (work.step()) break;
    draw();
    await yieldTurn();
  }
  clear();
}
