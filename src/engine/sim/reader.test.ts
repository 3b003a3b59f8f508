/**
 * The reader checks every record it reads: a byte changed anywhere in a record's header, or in
 * the payload bytes its check covers, makes that record torn, never intact. Driven through the
 * engine (a producer writes, the reader reads with read(2)), in plain and in shared memory.
 */
import { describe, expect, it } from 'vitest';
import { Producer } from './producer.ts';
import { Random } from './random.ts';
import { Reader, readerOptions } from './reader.ts';
import { RECORD_HEADER_SIZE } from './record.ts';
import { openSimChannel } from './simChannel.ts';
import { DEFAULT_SIM_CONFIG, type SimConfig } from './simConfig.ts';
import { R_INTACT, R_MISSING, R_TORN } from './stats.ts';

const RECORD = 64;
const RECORDS = 10;
/** The record whose byte is changed. */
const VICTIM = 3;

const config: SimConfig = {
  channel: { ...DEFAULT_SIM_CONFIG.channel, cpus: 1, subbufSize: 1024, nSubbufs: 4, mode: 'no-overwrite' },
  workload: { ...DEFAULT_SIM_CONFIG.workload, size: 'fixed', sizeMin: RECORD, sizeMax: RECORD, arrival: 'constant' },
  reader: { ...DEFAULT_SIM_CONFIG.reader, chunk: 4096, costPerKiB: 0, jitter: 0 },
};

/** Writes RECORDS records, flips byte `at` of record VICTIM (unless null), reads them all. */
function readBack(memory: 'plain' | 'shared', at: number | null, verify: 'full' | 'ends') {
  const { chan, stats } = openSimChannel(config, (n) => (memory === 'shared' ? new SharedArrayBuffer(n) : new ArrayBuffer(n)));
  const producer = new Producer(chan, 0, config.workload, new Random(1), stats, false);
  for (let i = 0; i < RECORDS; i++) producer.emit(RECORD, 1000 + i);
  if (at !== null) chan.buf(0)!.data[VICTIM * RECORD + at] ^= 0x10;
  const reader = new Reader(chan, chan.bufs(), stats, readerOptions(config, verify));
  while (reader.service(2000) > 0);
  return { intact: stats.get(0, R_INTACT), torn: stats.get(0, R_TORN), missing: stats.get(0, R_MISSING) };
}

const HEADER_BYTES = [
  ['magic', 0],
  ['cpu', 1],
  ['check', 2],
  ['length', 4],
  ['length, high byte', 7],
  ['sequence number', 8],
  ['timestamp', 12],
  ['timestamp, high byte', 15],
] as const;

describe.each(['plain', 'shared'] as const)('the reader, in %s memory', (memory) => {
  it.each(['full', 'ends'] as const)('reads every intact record as intact (verify %s)', (verify) => {
    expect(readBack(memory, null, verify)).toEqual({ intact: RECORDS, torn: 0, missing: 0 });
  });

  it.each(HEADER_BYTES)('finds a record torn when its header byte %s (%d) changed', (_name, at) => {
    // No header there: the reader cannot know where the next record starts, and resynchronises
    // at the next sub-buffer, so the records after it in this one are never read.
    const r = readBack(memory, at, 'ends');
    expect(r.torn).toBe(1);
    expect(r.intact).toBe(VICTIM);
  });

  it.each([
    ['first', RECORD_HEADER_SIZE],
    ['last', RECORD - 1],
  ])('finds a record torn when its %s payload byte changed, with either check', (_name, at) => {
    for (const verify of ['full', 'ends'] as const) {
      // The header is intact, so parsing goes on after the record: one torn, the rest intact,
      // and the torn one's sequence number is missing from what was read.
      expect(readBack(memory, at, verify)).toEqual({ intact: RECORDS - 1, torn: 1, missing: 1 });
    }
  });

  it('finds a middle payload byte changed with the full check, and not with the ends check', () => {
    expect(readBack(memory, 40, 'full')).toEqual({ intact: RECORDS - 1, torn: 1, missing: 1 });
    expect(readBack(memory, 40, 'ends')).toEqual({ intact: RECORDS, torn: 0, missing: 0 });
  });
});
