/**
 * The browser benchmarks, run by the page in bench mode (`/?bench`) and driven from Node by
 * e2e/bench.mjs. 64-byte records throughout; every figure is records per second of wall time
 * from the first worker's start to the last one's end (or, for a pipeline, until everything
 * written has been read).
 */
import { RingBuffer } from 'ringbuf.js';
import {
  PRODUCERS,
  READERS,
  LiveControl,
  RUN,
  STOP,
  controlByteLength,
  cpuCounters,
  openSimChannel,
  parseSimConfig,
  readTotalCounters,
  type LiveThreadSetup,
  type SimConfig,
  type SimStats,
} from '../engine/index.ts';
import type { BenchMessage, BenchResult, BenchTask } from './bench.worker.ts';

const RECORD = 64;
const clock = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

declare global {
  interface Window {
    /** Present in bench mode (`/?bench`) only. */
    relayscopeBench?: { run: (records?: number, log?: (line: string) => void) => Promise<BrowserBenchResults> };
  }
}

export interface BrowserBenchResults {
  records: number;
  copyPerS: number;
  enginePerS: number;
  ringbufPerS: number;
  /** Lossless pipelines: n producers and n readers (n = 1, 2, 4). */
  pipelinePerS: Record<string, number>;
  /** Records lost in the pipelines (must be 0). */
  pipelineLost: number;
  wakeupLatencyUsMedian: number;
  wakeups: number;
  browser_engine_vs_copy: number;
  browser_engine_vs_ringbuf: number;
  browser_with_reader_vs_copy: number;
}

/** Starts one worker per task, lets them go together, and resolves with their results. */
async function runTasks(tasks: BenchTask[], whileRunning?: (results: BenchResult[]) => Promise<void>): Promise<BenchResult[]> {
  const go = new SharedArrayBuffer(8);
  const words = new Int32Array(go);
  const results: BenchResult[] = [];
  const workers = tasks.map((task, index) => {
    const w = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<BenchResult>) => results.push(e.data);
    const msg: BenchMessage = { task, go, index };
    w.postMessage(msg);
    return w;
  });
  while (Atomics.load(words, 1) < tasks.length) await sleep(5);
  await sleep(20);
  Atomics.store(words, 0, 1);
  Atomics.notify(words, 0);
  if (whileRunning) await whileRunning(results);
  while (results.length < tasks.length) await sleep(2);
  for (const w of workers) w.terminate();
  const failed = results.find((r) => r.error !== undefined);
  if (failed) throw new Error(`bench task ${failed.index}: ${failed.error}`);
  return results;
}

const span = (results: BenchResult[]): number =>
  (Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start))) / 1000;

/** 64-byte records, written as fast as possible, into 8 sub-buffers of 64 KiB per CPU. */
const fastConfig = (cpus: number, mode: 'overwrite' | 'no-overwrite'): SimConfig =>
  parseSimConfig({
    channel: { cpus, subbufSize: 65536, nSubbufs: 8, mode },
    workload: { rate: 1e6, arrival: 'constant', size: 'fixed', sizeMin: RECORD, call: 'relay_write' },
    reader: { chunk: 262144 },
  });

/** The channel and counters of `config` in shared memory. */
function channel(config: SimConfig): { kernel: SharedArrayBuffer; stats: SimStats } {
  const { chan, stats } = openSimChannel(config, (n) => new SharedArrayBuffer(n));
  return { kernel: chan.memory as SharedArrayBuffer, stats };
}

/** n producers writing as fast as they can, waiting while full, and n readers draining. */
async function pipeline(n: number, perProducer: number): Promise<{ perS: number; lost: number }> {
  const config = fastConfig(n, 'no-overwrite');
  const { kernel, stats } = channel(config);
  const control = new LiveControl(new SharedArrayBuffer(controlByteLength()));
  control.setTimeBase(clock(), 0, 1);
  control.set(READERS, RUN);
  const tasks: BenchTask[] = [];
  for (let cpu = 0; cpu < n; cpu++)
    tasks.push({ role: 'relay-producer', config, kernel, stats: stats.memory as SharedArrayBuffer, cpu, count: perProducer, waitWhileFull: true });
  for (let k = 0; k < n; k++)
    tasks.push({ role: 'relay-reader', config, kernel, stats: stats.memory as SharedArrayBuffer, control: control.memory as SharedArrayBuffer, bufs: [k] });
  let drained = 0;
  const total = cpuCounters();
  const results = await runTasks(tasks, async () => {
    // Everything written has been read, or dropped (which the lossless producers should avoid).
    while (readTotalCounters(stats, total).readIntact + total.droppedFull < n * perProducer) await sleep(1);
    drained = clock();
    control.set(READERS, STOP);
  });
  const start = Math.min(...results.map((r) => r.start));
  readTotalCounters(stats, total);
  return { perS: (n * perProducer) / ((drained - start) / 1000), lost: total.droppedFull + (n * perProducer - total.readIntact) };
}

/** A live run at a modest rate, so that readers sleep and productions wake them. */
async function wakeupLatencies(seconds: number): Promise<number[]> {
  const config = parseSimConfig({
    channel: { cpus: 1, subbufSize: 4096, nSubbufs: 8, mode: 'no-overwrite' },
    workload: { rate: 20_000, arrival: 'constant', size: 'fixed', sizeMin: RECORD },
    reader: { period: 1, costPerKiB: 0 },
  });
  const { kernel, stats } = channel(config);
  const control = new LiveControl(new SharedArrayBuffer(controlByteLength()));
  control.setTimeBase(clock(), 0, 1);
  control.set(READERS, RUN);
  control.set(PRODUCERS, RUN);
  const base = {
    config,
    seed: 1,
    kernel,
    stats: stats.memory as SharedArrayBuffer,
    control: control.memory as SharedArrayBuffer,
  };
  const setups: LiveThreadSetup[] = [
    { ...base, role: 'producer', index: 0, cpus: [0] },
    { ...base, role: 'reader', index: 1, cpus: [0] },
  ];
  const results = await runTasks(
    setups.map((setup) => ({ role: 'live', setup })),
    async () => {
      await sleep(seconds * 1000);
      control.set(PRODUCERS, STOP);
      control.set(READERS, STOP);
    },
  );
  return results.flatMap((r) => r.latencies ?? []);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function runBrowserBench(records = 20_000_000, log: (line: string) => void = () => {}): Promise<BrowserBenchResults> {
  log('copy');
  const copy = span(await runTasks([{ role: 'copy', count: records, recordSize: RECORD, region: 8 * 65536 }]));
  log('engine');
  const aloneConfig = fastConfig(1, 'overwrite');
  const alone = channel(aloneConfig);
  const engine = span(
    await runTasks([
      { role: 'relay-producer', config: aloneConfig, kernel: alone.kernel, stats: alone.stats.memory as SharedArrayBuffer, cpu: 0, count: records, waitWhileFull: false },
    ]),
  );
  log('ringbuf');
  const pipeRecords = records / 2;
  const storage = RingBuffer.getStorageForCapacity(8 * 65536, Uint8Array);
  const ringbuf = span(
    await runTasks([
      { role: 'ringbuf-push', storage, count: pipeRecords, recordSize: RECORD },
      { role: 'ringbuf-pop', storage, count: pipeRecords, recordSize: RECORD },
    ]),
  );
  const pipelinePerS: Record<string, number> = {};
  let pipelineLost = 0;
  for (const n of [1, 2, 4]) {
    log(`pipeline ${n}`);
    const p = await pipeline(n, Math.floor(pipeRecords / n));
    pipelinePerS[n] = p.perS;
    pipelineLost += p.lost;
  }
  log('wakeups');
  const latencies = await wakeupLatencies(2);
  const copyPerS = records / copy;
  const enginePerS = records / engine;
  const ringbufPerS = pipeRecords / ringbuf;
  return {
    records,
    copyPerS,
    enginePerS,
    ringbufPerS,
    pipelinePerS,
    pipelineLost,
    wakeupLatencyUsMedian: median(latencies),
    wakeups: latencies.length,
    browser_engine_vs_copy: enginePerS / copyPerS,
    browser_engine_vs_ringbuf: pipelinePerS[1] / ringbufPerS,
    browser_with_reader_vs_copy: pipelinePerS[1] / copyPerS,
  };
}
