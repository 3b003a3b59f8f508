/**
 * What a live thread does, given the shared memory: build its own views over the channel,
 * then run producers or readers until told to stop. Browser Web Workers (src/workers) and
 * Node worker_threads (the stress test) both run exactly this.
 */
import { Rchan } from '../kernel/index.ts';
import { relayClient } from './client.ts';
import { EventRingWriter } from './eventRing.ts';
import { LiveControl, producerLoop, readerLoop } from './live.ts';
import { Producer } from './producer.ts';
import { Random } from './random.ts';
import { Reader, readerOptions } from './reader.ts';
import type { SimConfig } from './simConfig.ts';
import { SimStats } from './stats.ts';

export interface LiveThreadSetup {
  role: 'producer' | 'reader';
  index: number;
  config: SimConfig;
  seed: number;
  /** Producers: the CPUs this thread writes for. Readers: the buffers (creation indices) it reads. */
  cpus: number[];
  /** Readers: one reader per buffer (per-CPU layout), or one for all of them. */
  readerPerBuffer?: boolean;
  kernel: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  control: SharedArrayBuffer;
  unthrottled?: boolean;
  limit?: number;
  verify?: 'full' | 'ends';
  /** Where this thread logs the relay events it causes: the rings' memory and its ring. */
  events?: { memory: SharedArrayBuffer; ring: number };
}

export interface LiveThreadResult {
  counts?: number[];
  wakeLatenciesUs?: number[];
}

/**
 * Wakeup latencies a reader thread keeps for its result (the stress test's and the benchmark's
 * medians): the first ones only, so that a page's run of any length holds a bounded array.
 */
export const MAX_WAKE_LATENCIES = 100_000;

export function runLiveThread(s: LiveThreadSetup, clock: () => number): LiveThreadResult {
  const ch = s.config.channel;
  const chan = Rchan.attachExisting(s.kernel, relayClient(ch), 'relay');
  const stats = new SimStats(s.stats, ch.cpus);
  const control = new LiveControl(s.control);
  if (s.events) chan.tracer = new EventRingWriter(s.events.memory, s.events.ring, () => control.virtualTime(clock()) * 1e6).tracer;
  if (s.role === 'producer') {
    const rng = new Random(s.seed);
    // Several threads writing one global buffer serialise, as the kernel asks of clients.
    const locked = ch.global && ch.cpus > 1;
    const producers = s.cpus.map((cpu) => new Producer(chan, cpu, s.config.workload, rng.fork(cpu), stats, locked));
    return { counts: producerLoop({ control, index: s.index, producers, stats, clock, unthrottled: s.unthrottled, limit: s.limit }) };
  }
  const r = s.config.reader;
  const options = readerOptions(s.config, s.verify);
  const bufs = s.cpus.map((k) => chan.bufAt(k));
  const readers = s.readerPerBuffer ? bufs.map((b) => new Reader(chan, [b], stats, options)) : [new Reader(chan, bufs, stats, options)];
  const wakeLatenciesUs: number[] = [];
  readerLoop({
    control,
    index: s.index,
    chan,
    stats,
    readers,
    readerOptions: options,
    period: r.period,
    costPerKiB: r.costPerKiB,
    pauseEvery: r.pauseEvery,
    pauseFor: r.pauseFor,
    jitter: r.jitter,
    random: new Random(s.seed).fork(1000 + s.index),
    clock,
    onWakeLatency: (us) => {
      if (wakeLatenciesUs.length < MAX_WAKE_LATENCIES) wakeLatenciesUs.push(us);
    },
  });
  return { wakeLatenciesUs };
}
