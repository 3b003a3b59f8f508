/**
 * Counters that never wrap: the record header's 32-bit sequence number and timestamp, the
 * reader's gap arithmetic, the inventory, reader lag and the event ring's drop bursts, each
 * run through the engine at the wrap points 2^31 - 1, 2^31, 2^32 and 2^32 + 1. Counters are
 * seeded near the wrap (SimStats.set, EventRingWriter.seedBurst): nobody writes 2^32 records.
 */
import { describe, expect, it } from 'vitest';
import { accounting, takeInventory } from './accounting.ts';
import { BURST_MAX, EV, EventRingReader, EventRingWriter, eventRingsByteLength, type EventSlot } from './eventRing.ts';
import { Producer } from './producer.ts';
import { Random } from './random.ts';
import { Reader, readerOptions, recordLag, sequenceNumber } from './reader.ts';
import { openSimChannel } from './simChannel.ts';
import { DEFAULT_SIM_CONFIG, type SimConfig } from './simConfig.ts';
import { Simulation } from './simulation.ts';
import { P_LANDED, P_WRITTEN, R_DUPLICATE, R_INTACT, R_LAG_US, R_MISSING, R_NEXT_SEQ, R_OVERWRITTEN, type SimStats } from './stats.ts';

const WRAPS = [2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1];

function config(mode: 'overwrite' | 'no-overwrite', reader = true): SimConfig {
  return {
    channel: { ...DEFAULT_SIM_CONFIG.channel, cpus: 1, subbufSize: 1024, nSubbufs: 4, mode },
    workload: { ...DEFAULT_SIM_CONFIG.workload, size: 'fixed', sizeMin: 64, sizeMax: 64, arrival: 'constant' },
    reader: { ...DEFAULT_SIM_CONFIG.reader, enabled: reader, chunk: 4096, costPerKiB: 0, jitter: 0 },
  };
}

/** A channel with one producer and one reader, the producer's and reader's counts at `landed` and `next`. */
function pipeline(mode: 'overwrite' | 'no-overwrite', landed: number, next = landed) {
  const c = config(mode);
  const { chan, stats } = openSimChannel(c, (n) => new ArrayBuffer(n));
  seed(stats, landed, next);
  const producer = new Producer(chan, 0, c.workload, new Random(1), stats, false);
  const reader = new Reader(chan, chan.bufs(), stats, readerOptions(c));
  return { chan, stats, producer, reader, c };
}

function seed(stats: SimStats, landed: number, next: number): void {
  stats.set(0, P_WRITTEN, landed);
  stats.set(0, P_LANDED, landed);
  stats.set(0, R_NEXT_SEQ, next);
}

describe('sequence numbers past 2^31 and 2^32', () => {
  it.each(WRAPS)('are read in order across the wrap from %d records on', (start) => {
    const { stats, producer, reader } = pipeline('no-overwrite', start - 5);
    for (let i = 0; i < 10; i++) producer.emit(64, i);
    while (reader.service(100) > 0);
    expect([stats.get(0, R_INTACT), stats.get(0, R_MISSING), stats.get(0, R_DUPLICATE)]).toEqual([10, 0, 0]);
    expect(stats.get(0, R_NEXT_SEQ)).toBe(start + 5);
  });

  it.each(WRAPS)('count a gap of %d overwritten records exactly', (gap) => {
    // The writer landed `gap` records the reader never saw (lapped in overwrite mode).
    const { stats, producer, reader } = pipeline('overwrite', 1000 + gap, 1000);
    for (let i = 0; i < 5; i++) producer.emit(64, i);
    while (reader.service(100) > 0);
    expect([stats.get(0, R_INTACT), stats.get(0, R_OVERWRITTEN), stats.get(0, R_DUPLICATE)]).toEqual([5, gap, 0]);
    expect(stats.get(0, R_NEXT_SEQ)).toBe(1000 + gap + 5);
  });

  it('tell a record met again from one far ahead: within a buffer behind is older', () => {
    for (const landed of WRAPS) {
      const next = landed - 3;
      expect(sequenceNumber((next - 2) % 2 ** 32, landed)).toBe(next - 2);
      expect(sequenceNumber((next + 2 ** 31) % 2 ** 32, landed + 2 ** 31)).toBe(next + 2 ** 31);
      expect(sequenceNumber((next + 2 ** 32 + 1) % 2 ** 32, next + 2 ** 32 + 2)).toBe(next + 2 ** 32 + 1);
    }
  });
});

describe('the inventory of a flight recorder (one CPU, overwrite, no reader)', () => {
  it.each(WRAPS)('accounts exactly after %d records', (landed) => {
    const c = config('overwrite', false);
    const sim = new Simulation(c, { seed: 3 });
    // The CPU has already written `landed` records, all of them long overwritten.
    seed(sim.stats, landed, 0);
    sim.runUntil(0.5);
    takeInventory(sim.chan, sim.stats, null, readerOptions(c), sim.now * 1e6);
    const [a] = accounting(sim.stats);
    expect(a.written).toBe(landed + c.workload.rate * 0.5);
    expect(a.inBuffer).toBeGreaterThan(0);
    expect([a.unaccounted, a.missing, a.torn]).toEqual([0, 0, 0]);
    expect(a.overwritten + a.inBuffer).toBe(a.written);
  });
});

describe('reader lag', () => {
  it.each(WRAPS)('is exact for records stamped just before %d µs and read after it', (t) => {
    const { stats, producer, reader } = pipeline('no-overwrite', 0);
    producer.emit(64, t - 3);
    while (reader.service(t + 4) > 0);
    expect(stats.get(0, R_LAG_US)).toBe(7);
  });

  it.each([2 ** 31 - 1, 2 ** 31, 2_500_000_000])('is exact for a lag of %d µs (a reader paused 2,500 s reads 2,500 s)', (lag) => {
    const { stats, producer, reader } = pipeline('no-overwrite', 0);
    producer.emit(64, 1000);
    while (reader.service(1000 + lag) > 0);
    expect(stats.get(0, R_LAG_US)).toBe(lag);
  });

  it('is 0 for a record stamped after the reader read its clock, across the wrap too', () => {
    expect(recordLag(2 ** 32 - 2, 3)).toBe(0);
    expect(recordLag(100, 150)).toBe(0);
    expect(recordLag(2 ** 32 + 5, 2 ** 32 - 5 - 2 ** 32 + 2 ** 32)).toBe(10);
  });
});

describe('drop bursts in the event ring', () => {
  function ring() {
    const memory = new SharedArrayBuffer(eventRingsByteLength(1));
    const writer = new EventRingWriter(memory, 0, () => 0);
    const reader = new EventRingReader(memory, 0);
    const { chan } = openSimChannel(config('no-overwrite'), (n) => new ArrayBuffer(n));
    const buf = chan.buf(0)!;
    const drop = (): void => writer.tracer({ kind: 'toobig', buf, length: 5000, afterHeader: false });
    const slots = (): EventSlot[] => {
      const out: EventSlot[] = [];
      reader.drain((s) => out.push(s));
      return out;
    };
    return { writer, reader, drop, slots };
  }

  it.each([2 ** 31 - 3, 2 ** 31 - 2])('never wrap: a burst seeded at %d goes on in a new slot at 2^31 - 1', (seeded) => {
    const { writer, reader, drop, slots } = ring();
    drop();
    writer.seedBurst(EV.dropToobig, 0, seeded);
    for (let i = 0; i < 4; i++) drop();
    const s = slots();
    expect(s.map((x) => x.kind)).toEqual([EV.dropToobig, EV.dropToobig]);
    expect(reader.countOf(s[0].seq)).toBe(BURST_MAX);
    // Every drop is counted once: the seeded ones, then four more.
    expect(reader.countOf(s[0].seq) + reader.countOf(s[1].seq)).toBe(seeded + 4);
  });

  it('keep counting below the cap in one slot', () => {
    const { writer, reader, drop, slots } = ring();
    drop();
    writer.seedBurst(EV.dropToobig, 0, 2 ** 31 - 10);
    drop();
    const s = slots();
    expect(s).toHaveLength(1);
    expect(reader.countOf(s[0].seq)).toBe(2 ** 31 - 9);
  });
});
