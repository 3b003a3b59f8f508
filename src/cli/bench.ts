/**
 * `relayscope bench [--json]`: relay_write throughput in Node against the physical limit, a
 * bare loop copying the same records with Uint8Array.set. One CPU, 8 sub-buffers of 64 KiB,
 * overwrite mode so every write lands, no reader. Rounds alternate between the two loops so
 * both see the same machine; the best round of each is reported.
 */
import { Simulation, findPreset, relayClient, relayOpen, relayWrite, type RchanBuf } from '../engine/index.ts';
import { parseCommand, type CommandSpec } from './args.ts';
import { travelFigures } from './travelBench.ts';

const SUBBUF_SIZE = 64 * 1024;
const N_SUBBUFS = 8;
const RECORD_SIZES = [16, 64, 256] as const;
const ROUNDS = 5;
/** Bytes each timed loop moves: enough for a few hundred ms per loop on this class of machine. */
const BYTES_PER_LOOP = 256 * 1024 * 1024;

interface Figure {
  recordSize: number;
  engineRecordsPerS: number;
  engineMBPerS: number;
  copyRecordsPerS: number;
  copyMBPerS: number;
  ratio: number;
}

function openBuffer(): RchanBuf {
  const opened = relayOpen({
    baseFilename: 'bench',
    subbufSize: SUBBUF_SIZE,
    nSubbufs: N_SUBBUFS,
    cb: relayClient({ mode: 'overwrite', headerReserve: 0, global: false }),
    nrCpus: 1,
    online: [0],
  });
  if (!opened.ok) throw new Error(opened.reason);
  const buf = opened.chan.buf(0);
  if (buf === null) throw new Error('no buffer for CPU 0');
  return buf;
}

/** Seconds for `count` relay_write calls of `record`. */
function timeEngine(buf: RchanBuf, record: Uint8Array, count: number): number {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) relayWrite(buf, record);
  return (performance.now() - t0) / 1000;
}

/** Seconds for `count` copies of `record` into a region of the same size, wrapping at its end. */
function timeCopy(dst: Uint8Array, record: Uint8Array, count: number): number {
  const size = record.length;
  const end = dst.length;
  let off = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    if (off + size > end) off = 0;
    dst.set(record, off);
    off += size;
  }
  return (performance.now() - t0) / 1000;
}

function measure(recordSize: number): Figure {
  const record = new Uint8Array(recordSize).map((_, i) => i * 7 + 1);
  const count = Math.floor(BYTES_PER_LOOP / recordSize);
  const buf = openBuffer();
  const dst = new Uint8Array(SUBBUF_SIZE * N_SUBBUFS);
  let engine = Infinity;
  let copy = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    engine = Math.min(engine, timeEngine(buf, record, count));
    copy = Math.min(copy, timeCopy(dst, record, count));
  }
  const mb = (count * recordSize) / 1e6;
  return {
    recordSize,
    engineRecordsPerS: count / engine,
    engineMBPerS: mb / engine,
    copyRecordsPerS: count / copy,
    copyMBPerS: mb / copy,
    ratio: copy / engine,
  };
}

const millions = (x: number): string => `${(x / 1e6).toFixed(1)} M/s`;

/** Events (record arrivals and reader runs) the virtual-time scheduler handles per wall second. */
function simEventsPerSecond(): number {
  const preset = findPreset('blktrace');
  if (preset === undefined) throw new Error('no blktrace preset');
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const sim = new Simulation(preset.config, { seed: round + 1 });
    const t0 = performance.now();
    sim.runUntil(2);
    best = Math.max(best, sim.eventsRun / ((performance.now() - t0) / 1000));
  }
  return best;
}

export const BENCH: CommandSpec = {
  name: 'bench',
  summary: 'measure relay_write throughput against a bare copy loop',
  flags: { json: { type: 'boolean', help: 'also print the figures as one JSON line' } },
};

export async function bench(args: string[], write: (chunk: string) => void): Promise<void> {
  const json = parseCommand(BENCH, args).values.json === true;
  write(`relay_write in Node: 1 CPU, ${N_SUBBUFS} x ${SUBBUF_SIZE / 1024} KiB, overwrite, no reader; best of ${ROUNDS} rounds\n`);
  write('record   engine records   engine MB/s   copy records   copy MB/s   engine/copy\n');
  const figures: Figure[] = [];
  for (const size of RECORD_SIZES) {
    const f = measure(size);
    figures.push(f);
    write(
      `${`${size} B`.padEnd(9)}${millions(f.engineRecordsPerS).padStart(14)}${f.engineMBPerS.toFixed(0).padStart(14)}` +
        `${millions(f.copyRecordsPerS).padStart(15)}${f.copyMBPerS.toFixed(0).padStart(12)}${f.ratio.toFixed(2).padStart(14)}\n`,
    );
  }
  const sim = simEventsPerSecond();
  write(`deterministic engine (blktrace preset, one thread): ${millions(sim)} events per wall-clock second\n`);
  const travel = await travelFigures(write);
  if (json) {
    const at64 = figures.find((f) => f.recordSize === 64);
    const out: Record<string, number> = {
      node_engine_vs_copy: Number((at64?.ratio ?? 0).toFixed(3)),
      sim_events_per_s: Math.round(sim),
      ...travel,
    };
    for (const f of figures) {
      out[`node_engine_records_per_s_${f.recordSize}`] = Math.round(f.engineRecordsPerS);
      out[`node_engine_mb_per_s_${f.recordSize}`] = Number(f.engineMBPerS.toFixed(1));
      out[`node_copy_records_per_s_${f.recordSize}`] = Math.round(f.copyRecordsPerS);
      out[`node_engine_vs_copy_${f.recordSize}`] = Number(f.ratio.toFixed(3));
    }
    write(JSON.stringify(out) + '\n');
  }
}
