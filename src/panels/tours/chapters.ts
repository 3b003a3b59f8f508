/**
 * The guided tours: chapters that each drive a deterministic run through a story, point at
 * what to look at, and ask the reader to predict what relay does next before the engine
 * shows it. Every answer is read from the engine after the step, never written here.
 */
import {
  READER_WOKEN,
  bufferCounters,
  capacityOf,
  cpuCounters,
  parseSimConfig,
  readBufferCounters,
  readCpuCounters,
  readTotalCounters,
  runSweep,
  sweepSeconds,
  termWords,
  type BufferCounters,
  type CpuCounters,
  type SimConfig,
  type SweepResult,
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
/** A counter summed over every CPU. */
const total = (r: LiveRun, counter: keyof CpuCounters): number => readTotalCounters(r.stats, cpuCounters())[counter];
/** A field of a CPU's buffer (0 when it has none). */
const kernel = (r: LiveRun, cpu: number, field: Exclude<keyof BufferCounters, 'present' | 'finalized' | 'wakeupPending' | 'complete'>): number =>
  readBufferCounters(r.chan.buf(cpu), bufferCounters())[field];
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
            const before = [0, 1].map((c) => kernel(run(store), c, 'subbufsProduced'));
            store.getState().stepLive({ kind: 'switch' });
            const after = [0, 1].map((c) => kernel(run(store), c, 'subbufsProduced'));
            const both = after.every((p, c) => p > before[c]);
            return {
              answer: both ? 'yes' : 'no',
              why: `subbufs_produced went from ${before.join(' and ')} to ${after.join(' and ')}: each buffer switches when its own writer fills it.`,
            };
          },
        },
      },
      {
        text: 'Each record lands at the writer’s position (▼), one segment after another; read(2) would start at ▲. Nobody reads yet, so produced sub-buffers stay ready (amber) with their padding hatched.',
        act: (store) => void store.getState().stepLive({ kind: 'events', count: 6 }),
        look: 'channel.canvas',
        question: {
          prompt: 'Step to the next switch. Will CPU 0’s subbufs_produced be 2?',
          choices: yesNo,
          reveal: (store) => {
            store.getState().stepLive({ kind: 'switch' });
            const p = kernel(run(store), 0, 'subbufsProduced');
            return { answer: p === 2 ? 'yes' : 'no', why: `subbufs_produced is ${p}: it counts every sub-buffer the writer finished, since relay_open.` };
          },
        },
      },
      {
        text: 'Now a reader per CPU, as blktrace has: reader 0 reads CPU 0’s buffer, reader 1 CPU 1’s, each in its own lane under its buffer. A reader that finds nothing sleeps in poll.',
        act: start({ channel: small, workload: fixed(64), reader: { period: 0.05, costPerKiB: 200 } }),
        look: 'channel.canvas',
        question: {
          prompt: 'In the next 50 ms, will reader 0 consume a sub-buffer (subbufs_consumed above 0)?',
          choices: yesNo,
          reveal: (store) => {
            store.getState().stepLive({ kind: 'time', seconds: 0.05 });
            const c = kernel(run(store), 0, 'subbufsConsumed');
            return { answer: c > 0 ? 'yes' : 'no', why: `subbufs_consumed is ${c}: read(2) hands a sub-buffer back once it has read it to its padding.` };
          },
        },
      },
      {
        text: 'The counters under the stage are the kernel’s per buffer (subbufs_produced, subbufs_consumed, full_count, i_size) and the run’s per CPU (written, read, dropped). Play to watch them move; Space plays and pauses, W steps to the next switch.',
        look: 'live.counters',
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
      {
        text: 'The writer goes on in the next sub-buffer, empty again. Each switch closes a sub-buffer the same way, so with records of one size every sub-buffer gets the same padding.',
        look: 'channel.canvas',
        question: {
          prompt: 'How many bytes of padding will sub-buffer 1 get?',
          choices: ['0', '96', '1000'],
          reveal: (store) => {
            store.getState().stepLive({ kind: 'switch' });
            const padding = run(store).chan.bufAt(0).padding(1);
            return { answer: String(padding), why: `padding[1] is ${padding}, as padding[0] was.` };
          },
        },
      },
      {
        text: 'A client may keep the first bytes of every sub-buffer for itself (subbuf_start_reserve, here 32 bytes: the pink header). Records start after it, so less room is left for them.',
        act: start({ channel: { ...small, cpus: 1, headerReserve: 32 }, workload: fixed(1000, 1000), reader: { enabled: false } }),
        look: 'channel.canvas',
        question: {
          prompt: 'With a 32-byte header, how many bytes of padding will sub-buffer 0 get?',
          choices: ['0', '64', '96'],
          reveal: (store) => {
            store.getState().stepLive({ kind: 'switch' });
            const padding = run(store).chan.bufAt(0).padding(0);
            return { answer: String(padding), why: `padding[0] is ${padding}: 4096 - 32 - 4 x 1000.` };
          },
        },
      },
      {
        text: 'A record larger than a sub-buffer can never fit, however empty the ring: relay drops it as too big (a hollow mark beside the buffer) and big_count counts it.',
        act: start({ channel: { ...small, cpus: 1 }, workload: fixed(5000, 1000), reader: { enabled: false } }),
        look: 'channel.canvas',
        question: {
          prompt: 'Will the first record of 5000 bytes land?',
          choices: yesNo,
          reveal: (store) => {
            const before = total(run(store), 'droppedToobig');
            store.getState().stepLive({ kind: 'event' });
            const after = total(run(store), 'droppedToobig');
            return { answer: after > before ? 'no' : 'yes', why: `Records dropped as too big: ${before} → ${after}; the ring is untouched.` };
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
            const before = total(run(store), 'droppedFull');
            store.getState().stepLive({ kind: 'event' });
            const after = total(run(store), 'droppedFull');
            return {
              answer: after > before ? 'yes' : 'no',
              why: `Records dropped because the buffer was full: ${before} → ${after}. relay_switch_subbuf asked subbuf_start for sub-buffer 0, it refused, and the record was lost (full_count counts each refusal).`,
            };
          },
        },
      },
      {
        text: 'While the writer is stalled, every write is dropped: the stage says “stalled: N dropped” and the red marks spill off the end of the ring.',
        look: 'channel.canvas',
        question: {
          prompt: 'Ten more writes arrive. How many are dropped?',
          choices: ['0', '5', '10'],
          reveal: (store) => {
            const before = total(run(store), 'droppedFull');
            store.getState().stepLive({ kind: 'events', count: 10 });
            const after = total(run(store), 'droppedFull');
            return { answer: String(after - before), why: `Dropped because the ring was full: ${before} → ${after}.` };
          },
        },
      },
      {
        text: 'full_count is the kernel’s own counter of the times the start step found the ring full. Since v6.17 it also counts flushes and overwrite switches made while full, so it is not the drop count in general.',
        look: 'live.counters',
        question: {
          prompt: 'Here, is full_count equal to the records dropped?',
          choices: yesNo,
          reveal: (store) => {
            const r = run(store);
            const full = kernel(r, 0, 'fullCount');
            const dropped = total(r, 'droppedFull');
            return { answer: full === dropped ? 'yes' : 'no', why: `full_count is ${full}, records dropped ${dropped}: each dropped write made the writer try a switch, and each try was refused.` };
          },
        },
      },
      {
        text: 'A reader frees the writer: once it consumes a produced sub-buffer, the next switch is accepted. This reader sleeps 50 ms in poll, long enough for the ring to fill.',
        act: async (store) => {
          await start({ channel: { ...small, cpus: 1 }, workload: fixed(1024, 1000), reader: { period: 0.05, jitter: 0 } })(store);
          store.getState().stepLive({ kind: 'time', seconds: 0.03 });
        },
        look: 'channel.canvas',
        question: {
          prompt: 'When the reader wakes and reads, will the writer produce sub-buffers again?',
          choices: yesNo,
          reveal: (store) => {
            const before = kernel(run(store), 0, 'subbufsProduced');
            store.getState().stepLive({ kind: 'time', seconds: 0.04 });
            const after = kernel(run(store), 0, 'subbufsProduced');
            return { answer: after > before ? 'yes' : 'no', why: `subbufs_produced: ${before} → ${after}.` };
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
            const before = total(run(store), 'overwritten');
            store.getState().stepLive({ kind: 'time', seconds: 0.1 });
            const after = total(run(store), 'overwritten');
            return { answer: after > before ? 'yes' : 'no', why: `Records overwritten before they were read: ${before} → ${after}. Nothing was dropped: the writer went on, over the reader's data.` };
          },
        },
      },
      {
        text: 'Without a reader the writer simply goes round: entering a produced sub-buffer nobody read, it laps it (dark and striped on the stage). The writer does not touch subbufs_consumed; a reader finds out at its next read, when relay moves it past what was lost.',
        act: async (store) => {
          await start({ channel: { ...small, cpus: 1, mode: 'overwrite' }, workload: fixed(1024, 1000), reader: { enabled: false } })(store);
          store.getState().stepLive({ kind: 'events', count: 16 });
        },
        look: 'channel.canvas',
        question: {
          prompt: 'The ring is full. After the next switch, will subbufs_consumed still be 0?',
          choices: yesNo,
          reveal: (store) => {
            store.getState().stepLive({ kind: 'switch' });
            const c = kernel(run(store), 0, 'subbufsConsumed');
            return { answer: c === 0 ? 'yes' : 'no', why: `subbufs_consumed is ${c}, subbufs_produced ${kernel(run(store), 0, 'subbufsProduced')}: more produced than the ring holds, the lap shows only in the difference.` };
          },
        },
      },
      {
        text: 'An overwrite channel never drops for lack of room: the cost of going on is the oldest data.',
        look: 'live.counters',
        question: {
          prompt: 'In the next 100 ms, will any record be dropped because the ring is full?',
          choices: yesNo,
          reveal: (store) => {
            const before = total(run(store), 'droppedFull');
            store.getState().stepLive({ kind: 'time', seconds: 0.1 });
            const after = total(run(store), 'droppedFull');
            return { answer: after > before ? 'yes' : 'no', why: `Dropped because full: ${before} → ${after}.` };
          },
        },
      },
      {
        text: 'A reader fast enough for the workload reads every sub-buffer before the writer comes round again, so even a flight recorder loses nothing.',
        act: start({ channel: { ...small, cpus: 1, mode: 'overwrite' }, workload: fixed(64, 20_000), reader: { period: 0.001, costPerKiB: 0 } }),
        look: 'channel.canvas',
        question: {
          prompt: 'In the next 100 ms, will any record be overwritten before it is read?',
          choices: yesNo,
          reveal: (store) => {
            const before = total(run(store), 'overwritten');
            store.getState().stepLive({ kind: 'time', seconds: 0.1 });
            const after = total(run(store), 'overwritten');
            return { answer: after > before ? 'yes' : 'no', why: `Overwritten before they were read: ${before} → ${after}.` };
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
            const before = total(run(store), 'wakeups');
            store.getState().stepLive({ kind: 'switch' });
            const after = total(run(store), 'wakeups');
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
            const before = [total(r, 'wakeups'), total(r, 'noSleeper')];
            store.getState().stepLive({ kind: 'switch' });
            const after = [total(r, 'wakeups'), total(r, 'noSleeper')];
            return {
              answer: after[0] > before[0] ? 'yes' : 'no',
              why: `Wakeups: ${before[0]} → ${after[0]}; productions with nobody asleep: ${before[1]} → ${after[1]}.`,
            };
          },
        },
      },
      {
        text: 'The wakeup is deferred: relay_write only queues irq_work, and the woken reader runs its wakeLatency later (here 20 ms). The stage draws it as the hop from the buffer to the reader’s lane.',
        act: async (store) => {
          await start({ channel: { ...small, cpus: 1 }, workload: fixed(64, 10_000), reader: { period: 1, wakeLatency: 20_000 } })(store);
          store.getState().stepLive({ kind: 'switch' });
        },
        look: 'channel.canvas',
        question: {
          prompt: 'At the moment of the next wakeup, is the reader already running?',
          choices: yesNo,
          reveal: (store) => {
            store.getState().stepLive({ kind: 'next', landmark: 'wakeup' });
            const woken = run(store).readerPhase(0) === READER_WOKEN;
            return { answer: woken ? 'no' : 'yes', why: woken ? 'It is off the wait queue and on its way: it runs 20 ms later.' : 'It was already running.' };
          },
        },
      },
      {
        text: 'A reader asleep with nothing produced also wakes when its poll times out (here every 10 ms): a timeout, not a wakeup from relay.',
        act: start({ channel: { ...small, cpus: 1 }, workload: fixed(64, 10), reader: { period: 0.01, jitter: 0 } }),
        look: 'live.counters',
        question: {
          prompt: 'In the next 25 ms, with no sub-buffer produced, will the reader run?',
          choices: yesNo,
          reveal: (store) => {
            const before = total(run(store), 'readerTimeouts');
            store.getState().stepLive({ kind: 'time', seconds: 0.025 });
            const after = total(run(store), 'readerTimeouts');
            return { answer: after > before ? 'yes' : 'no', why: `Poll timeouts: ${before} → ${after}; wakeups stayed ${total(run(store), 'wakeups')}.` };
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
            const ready = kernel(r, 0, 'subbufsProduced') - kernel(r, 0, 'subbufsConsumed');
            return { answer: String(ready), why: `subbufs_produced - subbufs_consumed = ${ready}; padding[0] is ${r.chan.bufAt(0).padding(0)} bytes.` };
          },
        },
      },
      {
        text: 'relay_reset puts every buffer back as it was at open: what nobody read is discarded, and the writers start again at sub-buffer 0.',
        look: 'channel.canvas',
        question: {
          prompt: 'After relay_reset, how many sub-buffers has the buffer produced?',
          choices: ['0', '1', '2'],
          reveal: async (store) => {
            await store.getState().operateLive({ op: 'reset' });
            store.getState().stepLive({ kind: 'events', count: 3 });
            return { answer: String(kernel(run(store), 0, 'subbufsProduced')), why: 'subbufs_produced and subbufs_consumed are back to 0, and three new records landed in sub-buffer 0.' };
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
            const before = kernel(r, 0, 'subbufsProduced');
            const written = total(r, 'written');
            store.getState().stepLive({ kind: 'time', seconds: 0.05 });
            return {
              answer: total(r, 'written') > written || kernel(r, 0, 'subbufsProduced') > before ? 'yes' : 'no',
              why: `Records written after the close: ${total(r, 'written') - written}. The channel is off the list; nothing more is written.`,
            };
          },
        },
      },
      {
        text: 'CPU hotplug: when a CPU goes offline relay does nothing to its buffer, which keeps its data for a reader; the CPU simply writes no more.',
        act: async (store) => {
          await start({ channel: small, workload: fixed(100, 1000), reader: { enabled: false } })(store);
          store.getState().stepLive({ kind: 'events', count: 6 });
          await store.getState().operateLive({ op: 'cpu_offline', cpu: 1 });
        },
        look: 'channel.canvas',
        question: {
          prompt: 'CPU 1 is offline. In the next 20 ms, will it write any record?',
          choices: yesNo,
          reveal: (store) => {
            const r = run(store);
            const before = readCpuCounters(r.stats, 1, cpuCounters()).written;
            store.getState().stepLive({ kind: 'time', seconds: 0.02 });
            const after = readCpuCounters(r.stats, 1, cpuCounters()).written;
            return { answer: after > before ? 'yes' : 'no', why: `CPU 1 wrote ${after - before} records; its buffer still holds what it had.` };
          },
        },
      },
    ],
  },
  {
    id: 'sizing',
    title: 'Sizing: the reader first, then the buffers',
    steps: [
      {
        text: 'A bursty workload: 17,000 records of 64 bytes a second on average (1.09 MB/s), all of it in 10 ms bursts every 40 ms, and a reader that needs 1 ms per KiB it reads. With 4 sub-buffers of 4096 bytes, records are lost in every burst.',
        act: async (store) => {
          await start(sizingConfig(4))(store);
          store.getState().stepLive({ kind: 'time', seconds: 0.5 });
        },
        look: 'live.counters',
        question: {
          prompt: 'Keeping 4096-byte sub-buffers, what is the smallest n_subbufs that loses nothing in 0.5 s?',
          choices: ['4', '8', '16', '32'],
          reveal: () => {
            const cells = shortSweep().cells;
            const first = cells.find((c) => c.lost === 0);
            const lines = cells.map((c) => `${c.nSubbufs}: ${c.lost ?? '-'} lost`).join(', ');
            return {
              answer: first === undefined ? 'none' : String(first.nSubbufs),
              why: `The sweep, same seed and workload, 0.5 s each: ${lines}. But is 0.5 s long enough to tell?`,
            };
          },
        },
      },
      {
        text: 'Before any size, the capacity rule: the buffers can only absorb what the reader will drain later. If the writers produce, on average, as much as the reader can read or more, the backlog grows for ever, and a larger buffer only delays the loss. The sizing explorer has run the same sweep: read its capacity analysis.',
        act: (store) => store.getState().startSweep({ config: sizingConfig(4), seconds: 0.5, secondsReason: 'given', axes: SHORT_AXES }),
        look: 'sweep.capacity',
        question: {
          prompt: 'The reader drains 1 KiB per ms. Can any number of sub-buffers be loss-free in steady state?',
          choices: yesNo,
          reveal: () => {
            const c = capacityOf(sizingConfig(4));
            return { answer: c.bottleneck === 'reader' ? 'no' : 'yes', why: `The capacity analysis: ${c.statement}.` };
          },
        },
      },
      {
        text: 'So the steady-state verdict: a cell is loss-free only if it lost nothing AND its backlog is not growing. A cell that lost nothing only because the run was short is "loss-free for N s only", and is never recommended.',
        look: 'sweep.heatmap',
        question: {
          prompt: 'What is the verdict on 16 x 4096 after its 0.5 s without a loss?',
          choices: ['loss-free', 'loss-free-for', 'lossy'],
          reveal: (store) => {
            const cell = shortSweep().cells.find((c) => c.nSubbufs === 16);
            store.getState().startLive(parseSimConfig(sizingConfig(16)), 1, { mode: 'deterministic' });
            store.getState().stepLive({ kind: 'time', seconds: LONG_RUN });
            const r = run(store);
            const lost = total(r, 'droppedFull');
            return {
              answer: cell?.verdict ?? 'none',
              why: `The sweep says "${cell?.verdictText}". The run now shows 16 x 4096 over ${LONG_RUN} s: ${lost} of ${total(r, 'written')} records dropped.`,
            };
          },
        },
      },
      {
        text: 'Make the reader faster instead: at 0.5 ms per KiB it drains 2 MB/s, nearly twice what the writers produce on average. Now the buffers only have to absorb the bursts: 4.35 MB/s for 10 ms against a 2 MB/s drain, plus one sub-buffer before the switch wakes the reader.',
        act: async (store) => {
          await start(sizingConfig(4, FAST_READER))(store);
          store.getState().stepLive({ kind: 'time', seconds: 0.5 });
        },
        look: 'live.counters',
        question: {
          prompt: 'With that reader, what is the smallest n_subbufs the sweep recommends, over its default length?',
          choices: ['4', '8', '16', '32'],
          reveal: (store) => {
            const config = sizingConfig(4, FAST_READER);
            const { seconds, reason } = sweepSeconds(config);
            const result = runSweep(config, { seed: 1, seconds, secondsReason: reason, subbufSizes: [4096], nSubbufs: [4, 8, 16, 32] });
            const best = result.recommended;
            const m = result.margin;
            if (best !== null) {
              store.getState().startLive(parseSimConfig(sizingConfig(best.nSubbufs, FAST_READER)), 1, { mode: 'deterministic' });
              store.getState().stepLive({ kind: 'time', seconds: LONG_RUN });
            }
            const estimate = m?.estimatedPeakBacklogBytes;
            return {
              answer: best === null ? 'none' : String(best.nSubbufs),
              why:
                `Over ${seconds} s (${reason}): ${result.cells.map((c) => `${c.nSubbufs}: ${c.verdictText}`).join(', ')}. ` +
                (m === null || estimate === null || estimate === undefined
                  ? `${result.reason}.`
                  : `The peak backlog: ${Math.round(estimate)} bytes estimated (mostly ${termWords(m.dominant ?? 'burst')}), ${m.peakBacklogBytes} simulated, ` +
                    `of the ${m.bufferBytes} the ring holds. The run now shows the recommended size for ${LONG_RUN} s.`),
            };
          },
        },
      },
    ],
  },
];

/** The sizing chapter's reader at first costs 1000 µs per KiB: it drains 1.024 MB/s, a little less than the writers produce. */
function sizingConfig(nSubbufs: number, costPerKiB = 1000): SimConfig {
  return parseSimConfig({
    channel: { cpus: 1, subbufSize: 4096, nSubbufs, mode: 'no-overwrite' },
    workload: { rate: 17_000, arrival: 'bursts', burstOn: 0.01, burstOff: 0.03, size: 'fixed', sizeMin: 64 },
    reader: { period: 0.02, costPerKiB },
  });
}

/** A reader twice as fast as the writers' mean rate. */
const FAST_READER = 500;
/** How long the chapter runs a size to show what 0.5 s hid. */
const LONG_RUN = 2;

/** The chapter's first sweep: 0.5 s per cell, too short to tell. */
const SHORT_AXES = { subbufSizes: [4096], nSubbufs: [4, 8, 16, 32] };
let shortResult: SweepResult | null = null;
/** The engine's sweep, run once: the same seed and configuration always give the same result. */
const shortSweep = (): SweepResult => (shortResult ??= runSweep(sizingConfig(4), { seed: 1, seconds: 0.5, secondsReason: 'given', ...SHORT_AXES }));
