/**
 * `relayscope stress [--records N] [--json]`: 4 producer threads and their 4 reader threads
 * race over one SharedArrayBuffer, writing as fast as they can, in both modes and with several
 * record sizes. After each round producers stop, readers take the inventory, and every record
 * must be accounted for. The last line reads `stress: N records, T torn, U unaccounted`.
 */
import { Worker } from 'node:worker_threads';
import {
  PRODUCERS,
  READERS,
  LiveControl,
  PAUSE,
  RUN,
  STOP,
  accounting,
  controlByteLength,
  cpuCounters,
  openSimChannel,
  parseSimConfig,
  readTotalCounters,
  type LiveThreadResult,
  type LiveThreadSetup,
  type SimConfig,
} from '../engine/index.ts';
import { numberFlag, parseCommand, type CommandSpec } from './args.ts';

const CPUS = 4;

interface Round {
  mode: 'no-overwrite' | 'overwrite';
  size: 'fixed' | 'uniform';
  sizeMin: number;
  sizeMax: number;
  readerMode: 'read' | 'mmap';
}

const ROUNDS: Round[] = [];
for (const mode of ['no-overwrite', 'overwrite'] as const) {
  ROUNDS.push({ mode, size: 'fixed', sizeMin: 16, sizeMax: 16, readerMode: 'read' });
  ROUNDS.push({ mode, size: 'fixed', sizeMin: 64, sizeMax: 64, readerMode: 'read' });
  ROUNDS.push({ mode, size: 'fixed', sizeMin: 256, sizeMax: 256, readerMode: 'mmap' });
  ROUNDS.push({ mode, size: 'uniform', sizeMin: 16, sizeMax: 300, readerMode: 'read' });
}

interface RoundResult {
  round: Round;
  written: number;
  readIntact: number;
  dropped: number;
  overwritten: number;
  inBuffer: number;
  torn: number;
  unaccounted: number;
  duplicates: number;
  lapped: number;
  seconds: number;
  wakeLatenciesUs: number[];
}

const clock = (): number => performance.timeOrigin + performance.now();

function waitFor(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const tick = (): void => (done() ? resolve() : void setTimeout(tick, 2));
    tick();
  });
}

async function runRound(round: Round, perProducer: number, seed: number): Promise<RoundResult> {
  const config: SimConfig = parseSimConfig({
    channel: { cpus: CPUS, subbufSize: 16384, nSubbufs: round.mode === 'overwrite' ? 4 : 8, mode: round.mode },
    workload: { size: round.size, sizeMin: round.sizeMin, sizeMax: round.sizeMax, call: seed % 2 ? 'relay_write' : '__relay_write' },
    reader: { mode: round.readerMode, chunk: 65536, period: 0.01, costPerKiB: 0 },
  });
  const shared = (n: number): SharedArrayBuffer => new SharedArrayBuffer(n);
  const { chan, stats } = openSimChannel(config, shared);
  const controlMemory = shared(controlByteLength());
  const control = new LiveControl(controlMemory);
  control.setTimeBase(clock(), 0, 1);
  control.set(READERS, RUN);
  control.set(PRODUCERS, RUN);
  const started = clock();
  const workerUrl = new URL('./stressWorker.js', import.meta.url);
  const results: LiveThreadResult[] = [];
  const spawn = (setup: LiveThreadSetup): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = new Worker(workerUrl, { workerData: setup });
      w.on('message', (m: { type: string; result?: LiveThreadResult; message?: string }) => {
        if (m.type === 'done' && m.result) results.push(m.result);
        else reject(new Error(`${setup.role} ${setup.index}: ${m.message}`));
      });
      w.on('error', reject);
      w.on('exit', () => resolve());
    });
  const base = { config, seed, kernel: chan.memory as SharedArrayBuffer, stats: stats.memory as SharedArrayBuffer, control: controlMemory };
  const producers = Array.from({ length: CPUS }, (_, cpu) =>
    spawn({ ...base, role: 'producer', index: cpu, cpus: [cpu], unthrottled: true, limit: perProducer }),
  );
  const readers = Array.from({ length: CPUS }, (_, k) => spawn({ ...base, role: 'reader', index: CPUS + k, cpus: [k] }));
  await Promise.all(producers);
  // Producers are done: readers stop, each taking the inventory of its buffer.
  const epoch = control.set(READERS, PAUSE);
  await waitFor(() => Array.from({ length: CPUS }, (_, k) => control.acked(CPUS + k, epoch)).every(Boolean));
  const seconds = (clock() - started) / 1000;
  const acc = accounting(stats);
  control.set(READERS, STOP);
  await Promise.all(readers);
  const sum = (k: keyof (typeof acc)[number]): number => acc.reduce((s, a) => s + (a[k] as number), 0);
  return {
    round,
    written: sum('written'),
    readIntact: sum('readIntact'),
    dropped: sum('droppedFull') + sum('droppedToobig'),
    overwritten: sum('overwritten'),
    inBuffer: sum('inBuffer'),
    torn: sum('torn'),
    unaccounted: acc.reduce((s, a) => s + Math.abs(a.unaccounted), 0),
    duplicates: sum('duplicates'),
    lapped: readTotalCounters(stats, cpuCounters()).lappedReads,
    seconds,
    wakeLatenciesUs: results.flatMap((r) => r.wakeLatenciesUs ?? []),
  };
}

export const STRESS: CommandSpec = {
  name: 'stress',
  summary: `${CPUS} producer and ${CPUS} reader threads race over shared memory in both modes; every record\nmust be accounted for`,
  flags: { records: { type: 'string', value: 'N', help: 'records in all (default 12,000,000)' } },
};

export async function stress(args: string[], write: (chunk: string) => void): Promise<number> {
  const { values } = parseCommand(STRESS, args);
  const total = numberFlag('stress', values, 'records', 12_000_000, ROUNDS.length * CPUS, 1e9, true);
  const perProducer = Math.ceil(total / (ROUNDS.length * CPUS));
  write(`stress: ${CPUS} producer and ${CPUS} reader threads, ${perProducer} records per producer per round\n`);
  let written = 0;
  let torn = 0;
  let unaccounted = 0;
  for (const [i, round] of ROUNDS.entries()) {
    const r = await runRound(round, perProducer, i + 1);
    written += r.written;
    torn += r.torn;
    unaccounted += r.unaccounted;
    write(
      `${round.mode.padEnd(12)} ${round.size === 'fixed' ? `${round.sizeMin} B` : `${round.sizeMin}-${round.sizeMax} B`} ${round.readerMode.padEnd(4)}: ` +
        `${r.written} written, ${r.readIntact} read, ${r.dropped} dropped, ${r.overwritten} overwritten, ${r.inBuffer} in buffer, ` +
        `${r.duplicates} repeated, ${r.lapped} read while lapped; ${r.torn} torn, ${r.unaccounted} unaccounted; ${(r.written / r.seconds / 1e6).toFixed(1)} M records/s\n`,
    );
  }
  write(`stress: ${written} records, ${torn} torn, ${unaccounted} unaccounted\n`);
  return torn === 0 && unaccounted === 0 ? 0 : 1;
}
