/**
 * The benchmark worker: one measured role per worker, started together on a shared "go" word,
 * reporting the wall-clock moments it began and ended (timeOrigin + now, comparable across
 * workers). Roles: a relay producer (the live producer, optionally waiting while the buffer is
 * full so that a pipeline's lossless capacity can be measured), a relay reader, a bare copy
 * loop, and ringbuf.js's pusher and popper as the peer.
 */
import { RingBuffer } from 'ringbuf.js';
import {
  LiveControl,
  Producer,
  Random,
  Reader,
  Rchan,
  SimStats,
  readerLoop,
  relayClient,
  runLiveThread,
  type LiveThreadSetup,
  type SimConfig,
} from '../engine/index.ts';

export type BenchTask =
  | { role: 'relay-producer'; config: SimConfig; kernel: SharedArrayBuffer; stats: SharedArrayBuffer; cpu: number; count: number; waitWhileFull: boolean }
  | { role: 'relay-reader'; config: SimConfig; kernel: SharedArrayBuffer; stats: SharedArrayBuffer; control: SharedArrayBuffer; bufs: number[] }
  | { role: 'copy'; count: number; recordSize: number; region: number }
  | { role: 'ringbuf-push' | 'ringbuf-pop'; storage: SharedArrayBuffer; count: number; recordSize: number }
  | { role: 'live'; setup: LiveThreadSetup };

export interface BenchMessage {
  task: BenchTask;
  /** Int32 word 0: 0 until the page says go. */
  go: SharedArrayBuffer;
  index: number;
}

export interface BenchResult {
  index: number;
  start: number;
  end: number;
  /** Wakeup latencies a live reader measured (µs). */
  latencies?: number[];
  error?: string;
}

const clock = (): number => performance.timeOrigin + performance.now();

function run(task: BenchTask, go: Int32Array): { start: number; end: number; latencies?: number[] } {
  switch (task.role) {
    case 'live': {
      Atomics.wait(go, 0, 0);
      const start = clock();
      const result = runLiveThread(task.setup, clock);
      return { start, end: clock(), latencies: result.wakeLatenciesUs };
    }
    case 'relay-producer': {
      const chan = Rchan.attachExisting(task.kernel, relayClient(task.config.channel), 'relay');
      const stats = new SimStats(task.stats, task.config.channel.cpus);
      const producer = new Producer(chan, task.cpu, task.config.workload, new Random(task.cpu + 1), stats, false);
      const buf = chan.buf(task.cpu);
      if (buf === null) throw new Error(`CPU ${task.cpu} has no buffer`);
      const size = task.config.workload.sizeMin;
      Atomics.wait(go, 0, 0);
      const start = clock();
      const last = buf.nSubbufs - 1;
      // Nothing pauses this loop: the CPU's readiness is checked once, as a live loop does per batch.
      if (!producer.begin()) throw new Error(`CPU ${task.cpu} cannot write`);
      for (let i = 0; i < task.count; i++) {
        // A write that switches into the last free sub-buffer fills the ring and is itself
        // dropped, so a lossless producer waits before it. No kernel client can wait; this
        // measure of a pipeline's lossless capacity does.
        if (task.waitWhileFull)
          while (buf.wOffset + size > buf.subbufSize && buf.ready >= last) {
            // the reader frees a sub-buffer soon
          }
        producer.write(size, i);
      }
      stats.publish();
      return { start, end: clock() };
    }
    case 'relay-reader': {
      const ch = task.config.channel;
      const chan = Rchan.attachExisting(task.kernel, relayClient(ch), 'relay');
      const stats = new SimStats(task.stats, ch.cpus);
      const control = new LiveControl(task.control);
      const options = {
        mode: 'read' as const,
        chunk: task.config.reader.chunk,
        headerReserve: 0,
        relayMode: ch.mode,
        verify: 'ends' as const,
        passBytes: 1 << 30,
      };
      const readers = task.bufs.map((k) => new Reader(chan, [chan.bufAt(k)], stats, options));
      Atomics.wait(go, 0, 0);
      const start = clock();
      readerLoop({ control, index: 64 + task.bufs[0], chan, stats, readers, readerOptions: options, period: 0.001, costPerKiB: 0, clock });
      return { start, end: clock() };
    }
    case 'copy': {
      const dst = new Uint8Array(new SharedArrayBuffer(task.region));
      const record = new Uint8Array(task.recordSize).map((_, i) => i * 7 + 1);
      const size = task.recordSize;
      Atomics.wait(go, 0, 0);
      const start = clock();
      let off = 0;
      for (let i = 0; i < task.count; i++) {
        if (off + size > dst.length) off = 0;
        dst.set(record, off);
        off += size;
      }
      return { start, end: clock() };
    }
    case 'ringbuf-push': {
      const rb = new RingBuffer(task.storage, Uint8Array);
      const record = new Uint8Array(task.recordSize).map((_, i) => i * 7 + 1);
      Atomics.wait(go, 0, 0);
      const start = clock();
      // Whole records only: ringbuf.js would write part of one when short of space.
      for (let i = 0; i < task.count; ) if (rb.availableWrite() >= record.length && rb.push(record) === record.length) i++;
      return { start, end: clock() };
    }
    case 'ringbuf-pop': {
      const rb = new RingBuffer(task.storage, Uint8Array);
      const record = new Uint8Array(task.recordSize);
      Atomics.wait(go, 0, 0);
      const start = clock();
      for (let i = 0; i < task.count; ) if (rb.availableRead() >= record.length && rb.pop(record) === record.length) i++;
      return { start, end: clock() };
    }
  }
}

self.onmessage = (e: MessageEvent<BenchMessage>) => {
  const { task, go, index } = e.data;
  try {
    const words = new Int32Array(go);
    Atomics.add(words, 1, 1); // ready
    const { start, end, latencies } = run(task, words);
    self.postMessage({ index, start, end, latencies } satisfies BenchResult);
  } catch (err) {
    self.postMessage({ index, start: 0, end: 0, error: err instanceof Error ? err.message : String(err) } satisfies BenchResult);
  }
};
