/**
 * The guided tours: chapters that each drive a deterministic run through a story, point at
 * what to look at, and ask the reader to predict what relay does next before the engine
 * shows it. Every answer is read from the engine after the step, never written here.
 */
import {
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  P_DROPPED_FULL,
  P_NO_SLEEPER,
  P_WAKEUPS,
  P_WRITTEN,
  R_OVERWRITTEN,
  parseSimConfig,
  runSweep,
  type SimConfig,
} from '../../engine/index.ts';
import type { AppStore, LiveRun } from '../../store/index.ts';

/** What a step does to the run, through the store (as a user's clicks would). */
type Act = (store: AppStore) => void | Promise<void>;

export interface Reveal {
  answer: string;
  why: string;
}

export interface Question {
  prompt: string;
  choices: readonly string[];
  /** Runs the step that decides it (the reveal), and reads the answer from the engine. */
  reveal: (store: AppStore) => Reveal | Promise<Reveal>;
}

export interface TourStep {
  text: string;
  /** Brings the run to where this step's text is about. */
  act?: Act;
  /** The data-testid of what to look at. */
  look?: string;
  question?: Question;
}

export interface Chapter {
  id: string;
  title: string;
  steps: readonly TourStep[];
}

const run = (store: AppStore): LiveRun => {
  const r = store.getState().liveRun();
  if (r === null) throw new Error('the tour has no run: start the chapter again');
  return r;
};
const total = (r: LiveRun, field: number): number => {
  let n = 0;
  for (let cpu = 0; cpu < r.config.channel.cpus; cpu++) n += r.stats.get(cpu, field);
  return n;
};
const kernel = (r: LiveRun, cpu: number, field: number): number => r.chan.buf(cpu)?.ctl[field] ?? 0;
const start = (config: unknown, seed = 1): Act => (store) => store.getState().startLive(parseSimConfig(config), seed, { mode: 'deterministic', quiet: true });
const yesNo = ['yes', 'no'] as const;

const small = { cpus: 2, subbufSize: 4096, nSubbufs: 4, mode: 'no-overwrite' };
const fixed = (size: number, rate = 10_000) => ({ rate, arrival: 'constant', size: 'fixed', sizeMin: size });

export const CHAPTERS: readonly Chapter[] = [
  {
    id: 'channel',
    title: 'A channel and its per-CPU buffers',
    steps: [
      {
        text: 'relay_open made a channel of 2 CPUs. Each CPU writes only into its own buffer, a ring of 4 sub-buffers of 4096 bytes, so writers never share a lock. The blue cell is the sub-buffer each writer is filling.',
        act: start({ channel: small, workload: fixed(64), reader: { enabled: false } }),
        look: 'channel.canvas',
        question: {
          prompt: 'Step to the first sub-buffer switch. Will the other CPU’s buffer switch at the same moment?',
          choices: yesNo,
          reveal: (store) => {
            const before = [0, 1].map((c) => kernel(run(store), c, B_SUBBUFS_PRODUCED));
            store.getState().stepLive({ kind: 'switch' });
            const after = [0, 1].map((c) => kernel(run(store), c, B_SUBBUFS_PRODUCED));
            const both = after.every((p, c) => p > before[c]);
            return {
              answer: both ? 'yes' : 'no',
              why: `subbufs_produced went from ${before.join(' and ')} to ${after.join(' and ')}: each buffer switches when its own writer fills it.`,
            };
          },
        },
      },
    ],
  },
  {
    id: 'padding',
    title: 'Padding',
    steps: [
      {
        text: 'A record never straddles two sub-buffers. Records of 1000 bytes: four fit in 4096 bytes; the fifth does not, so relay_switch_subbuf closes the sub-buffer and the bytes left over become padding (hatched).',
        act: start({ channel: { ...small, cpus: 1 }, workload: fixed(1000, 1000), reader: { enabled: false } }),
        look: 'channel.canvas',
        question: {
          prompt: 'How many bytes of padding will sub-buffer 0 get?',
          choices: ['0', '96', '1000'],
          reveal: (store) => {
            store.getState().stepLive({ kind: 'switch' });
            const padding = run(store).chan.bufAt(0).padding(0);
            return { answer: String(padding), why: `padding[0] is ${padding}: 4096 - 4 x 1000. A reader skips it; read(2) never returns padding.` };
          },
        },
      },
    ],
  },
  {
    id: 'no-overwrite',
    title: 'No-overwrite: the writer stalls and drops',
    steps: [
      {
        text: 'Nobody reads. The default subbuf_start callback refuses a sub-buffer that was produced and not consumed, so once the ring is full the writer stalls: it owns no sub-buffer at all.',
        act: async (store) => {
          await start({ channel: { ...small, cpus: 1 }, workload: fixed(1024, 1000), reader: { enabled: false } })(store);
          store.getState().stepLive({ kind: 'events', count: 16 });
        },
        look: 'live.counters',
        question: {
          prompt: 'The ring holds 16 records of 1024 bytes and is full. Will the next write be dropped?',
          choices: yesNo,
          reveal: (store) => {
            const before = total(run(store), P_DROPPED_FULL);
            store.getState().stepLive({ kind: 'event' });
            const after = total(run(store), P_DROPPED_FULL);
            return {
              answer: after > before ? 'yes' : 'no',
              why: `Records dropped because the buffer was full: ${before} → ${after}. relay_switch_subbuf asked subbuf_start for sub-buffer 0, it refused, and the record was lost (full_count counts each refusal).`,
            };
          },
        },
      },
    ],
  },
  {
    id: 'overwrite',
    title: 'Overwrite: the flight recorder laps the reader',
    steps: [
      {
        text: 'The overwrite callback always accepts the next sub-buffer, read or not. The writer never stalls; a reader too slow to keep up finds that what it had not read yet is gone.',
        act: async (store) => {
          await start({ channel: { ...small, cpus: 1, mode: 'overwrite' }, workload: fixed(64, 20_000), reader: { period: 0.004, costPerKiB: 3000, chunk: 256 } })(store);
          store.getState().stepLive({ kind: 'time', seconds: 0.01 });
        },
        look: 'channel.canvas',
        question: {
          prompt: 'The reader is behind. In the next 100 ms, will any record be overwritten before it is read?',
          choices: yesNo,
          reveal: (store) => {
            const before = total(run(store), R_OVERWRITTEN);
            store.getState().stepLive({ kind: 'time', seconds: 0.1 });
            const after = total(run(store), R_OVERWRITTEN);
            return { answer: after > before ? 'yes' : 'no', why: `Records overwritten before they were read: ${before} → ${after}. Nothing was dropped: the writer went on, over the reader's data.` };
          },
        },
      },
    ],
  },
  {
    id: 'wakeups',
    title: 'Wakeups only when a reader sleeps',
    steps: [
      {
        text: 'A reader with nothing to read sleeps in poll. When a sub-buffer is produced, relay queues a deferred wakeup (irq_work) — but only if someone is asleep; otherwise there is nothing to wake and no cost.',
        act: async (store) => {
          await start({ channel: { ...small, cpus: 1 }, workload: fixed(64, 10_000), reader: { period: 1 } })(store);
          store.getState().stepLive({ kind: 'switch' });
        },
        look: 'live.counters',
        question: {
          prompt: 'The reader drained everything and sleeps in poll. Will the next sub-buffer switch wake it?',
          choices: yesNo,
          reveal: (store) => {
            const before = total(run(store), P_WAKEUPS);
            store.getState().stepLive({ kind: 'switch' });
            const after = total(run(store), P_WAKEUPS);
            return { answer: after > before ? 'yes' : 'no', why: `Wakeups issued: ${before} → ${after}. The event log shows irq_work_queue and then wakeup_readers.` };
          },
        },
      },
      {
        text: 'Now a reader that is always busy with what it has (a slow one): it never sleeps in poll, so no production finds a sleeper.',
        act: async (store) => {
          await start({ channel: { ...small, cpus: 1 }, workload: fixed(64, 10_000), reader: { period: 1, costPerKiB: 100_000 } })(store);
          store.getState().stepLive({ kind: 'time', seconds: 0.02 });
        },
        look: 'live.counters',
        question: {
          prompt: 'Will the next sub-buffer switch issue a wakeup?',
          choices: yesNo,
          reveal: (store) => {
            const r = run(store);
            const before = [total(r, P_WAKEUPS), total(r, P_NO_SLEEPER)];
            store.getState().stepLive({ kind: 'switch' });
            const after = [total(r, P_WAKEUPS), total(r, P_NO_SLEEPER)];
            return {
              answer: after[0] > before[0] ? 'yes' : 'no',
              why: `Wakeups: ${before[0]} → ${after[0]}; productions with nobody asleep: ${before[1]} → ${after[1]}.`,
            };
          },
        },
      },
    ],
  },
  {
    id: 'flush-reset-close',
    title: 'Flush, reset and close',
    steps: [
      {
        text: 'relay_flush produces every buffer’s current sub-buffer as it stands, so a reader can have what was written so far; the rest of it becomes padding.',
        act: async (store) => {
          await start({ channel: { ...small, cpus: 1 }, workload: fixed(100, 1000), reader: { enabled: false } })(store);
          store.getState().stepLive({ kind: 'events', count: 5 });
        },
        look: 'channel.canvas',
        question: {
          prompt: 'Five records of 100 bytes are in sub-buffer 0. After relay_flush, how many sub-buffers are ready for a reader?',
          choices: ['0', '1', '4'],
          reveal: async (store) => {
            await store.getState().operateLive({ op: 'flush' });
            const r = run(store);
            const ready = kernel(r, 0, B_SUBBUFS_PRODUCED) - kernel(r, 0, B_SUBBUFS_CONSUMED);
            return { answer: String(ready), why: `subbufs_produced - subbufs_consumed = ${ready}; padding[0] is ${r.chan.bufAt(0).padding(0)} bytes.` };
          },
        },
      },
      {
        text: 'relay_close finalizes the buffers and drops the channel’s references. A client must not write after it; readers may still read what is left.',
        question: {
          prompt: 'After relay_close, will the producer’s next records land in the buffer?',
          choices: yesNo,
          reveal: async (store) => {
            await store.getState().operateLive({ op: 'close' });
            const r = run(store);
            const before = kernel(r, 0, B_SUBBUFS_PRODUCED);
            const written = total(r, P_WRITTEN);
            store.getState().stepLive({ kind: 'time', seconds: 0.05 });
            return {
              answer: total(r, P_WRITTEN) > written || kernel(r, 0, B_SUBBUFS_PRODUCED) > before ? 'yes' : 'no',
              why: `Records written after the close: ${total(r, P_WRITTEN) - written}. The channel is off the list; nothing more is written.`,
            };
          },
        },
      },
    ],
  },
  {
    id: 'sizing',
    title: 'Sizing for a workload',
    steps: [
      {
        text: 'A bursty workload: 16,000 records of 64 bytes a second on average, all of it in 10 ms bursts every 40 ms (64,000 a second inside a burst), and a reader that needs 1 ms per KiB it reads. With 4 sub-buffers of 4096 bytes, records are lost in every burst.',
        act: async (store) => {
          await start(sizingConfig(4))(store);
          store.getState().stepLive({ kind: 'time', seconds: 0.5 });
        },
        look: 'live.counters',
        question: {
          prompt: 'Keeping 4096-byte sub-buffers, what is the smallest n_subbufs that loses nothing in 0.5 s?',
          choices: ['4', '8', '16', '32'],
          reveal: (store) => {
            const result = runSweep(parseSimConfig(sizingConfig(4)), { seed: 1, seconds: 0.5, subbufSizes: [4096], nSubbufs: [4, 8, 16, 32] });
            const best = result.recommended;
            if (best !== null) {
              store.getState().startLive(parseSimConfig(sizingConfig(best.nSubbufs)), 1, { mode: 'deterministic' });
              store.getState().stepLive({ kind: 'time', seconds: 0.5 });
            }
            const lines = result.cells.map((c) => `${c.nSubbufs}: ${c.lost ?? '-'} lost`).join(', ');
            return {
              answer: best === null ? 'none' : String(best.nSubbufs),
              why: `The sweep, same seed and workload: ${lines}. The run now shows the recommended size.`,
            };
          },
        },
      },
    ],
  },
];

function sizingConfig(nSubbufs: number): SimConfig {
  return parseSimConfig({
    channel: { cpus: 1, subbufSize: 4096, nSubbufs, mode: 'no-overwrite' },
    workload: { rate: 16_000, arrival: 'bursts', burstOn: 0.01, burstOff: 0.03, size: 'fixed', sizeMin: 64 },
    reader: { period: 0.02, costPerKiB: 1000 },
  });
}
