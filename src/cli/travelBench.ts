/**
 * The time-travel figures of `relayscope bench`, through the stepped-run code the page uses
 * (blktrace preset, checkpoints within the page's 256 MiB):
 * - travel_jump_ms_1m, travel_jump_ms_10m: the median time to go to a random event of a computed
 *   run of 1 M and 10 M events, over 21 jumps; going back rebuilds the run as the page does.
 * - landmark_search_none_ms_10m: the longest slice (main-thread task, in the page) of a search,
 *   in slices, for a landmark the first 10 M events do not contain (an overwrite, in a
 *   no-overwrite channel).
 * - history_bytes_per_s: bytes of history kept per virtual second of a 10 s run on 4 CPUs.
 */
import { Random, SteppedRun, Timeline, findPreset, type SimConfig } from '../engine/index.ts';
import { runSliced } from '../lib/slices.ts';

const JUMPS = 21;
const SEED = 1;

function blktrace(): SimConfig {
  const preset = findPreset('blktrace');
  if (preset === undefined) throw new Error('no blktrace preset');
  return preset.config;
}

/** Median ms of JUMPS jumps to random events within a computed run of `events` events. */
function jumps(config: SimConfig, events: number): number {
  const timeline = new Timeline();
  let run = new SteppedRun(config, { seed: SEED, timeline });
  run.seek(events);
  const rng = new Random(events);
  const times: number[] = [];
  for (let i = 0; i < JUMPS; i++) {
    const target = Math.floor(rng.float() * events);
    const t0 = performance.now();
    // As the page goes back: a new run over the same timeline, from the nearest checkpoint.
    if (target < run.eventsRun) run = new SteppedRun(config, { seed: SEED, timeline });
    run.step({ kind: 'to', events: target });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/** The longest slice of a search in slices for an overwrite over `events` events. */
async function searchNone(config: SimConfig, events: number): Promise<number> {
  const run = new SteppedRun(config, { seed: SEED });
  const sliced = runSliced((units) => {
    run.step({ kind: 'next', landmark: 'overwrite', budget: Math.min(units, events - run.eventsRun) });
    if (run.found) throw new Error('the blktrace preset overwrote: pick another landmark');
    return run.eventsRun >= events;
  });
  await sliced.done;
  return sliced.longestMs;
}

function historyBytesPerSecond(config: SimConfig): number {
  const run = new SteppedRun(config, { seed: SEED });
  run.step({ kind: 'until', t: 10 });
  return run.history.bytes / 10;
}

export async function travelFigures(write: (chunk: string) => void): Promise<Record<string, number>> {
  const config = blktrace();
  write('time travel (blktrace preset, checkpoints within 256 MiB):\n');
  const jump1m = jumps(config, 1_000_000);
  write(`  median jump within 1 M events: ${jump1m.toFixed(1)} ms\n`);
  const jump10m = jumps(config, 10_000_000);
  write(`  median jump within 10 M events: ${jump10m.toFixed(1)} ms\n`);
  const search = await searchNone(config, 10_000_000);
  write(`  longest slice of a 10 M-event search that finds nothing: ${search.toFixed(1)} ms\n`);
  const history = historyBytesPerSecond(config);
  write(`  history kept: ${Math.round(history)} bytes per virtual second (10 s, 4 CPUs)\n`);
  return {
    travel_jump_ms_1m: Number(jump1m.toFixed(1)),
    travel_jump_ms_10m: Number(jump10m.toFixed(1)),
    landmark_search_none_ms_10m: Number(search.toFixed(1)),
    history_bytes_per_s: Math.round(history),
  };
}
