// The worked examples A-L of the relay semantics document (section 14), step by step through
// the scenario runner. Each describe builds the scenario of one example (the same operations as
// conformance/scenarios/sNN-*.json) and checks the values of the example's table, field by field.
import { describe, expect, it } from 'vitest';
import { HEADER_BYTE, recordByte } from './payload.ts';
import { runScenario, ScenarioRunner, type BufferState, type StepResult, type TraceStep } from './runner.ts';
import type { Scenario, ScenarioConfig, ScenarioOp } from './scenario.ts';

type Geometry = Pick<ScenarioConfig, 'subbufSize' | 'nSubbufs'> & Partial<ScenarioConfig>;

/** A scenario with the format's defaults: one CPU, no-overwrite, no header, every CPU online. */
function scenario(config: Geometry, ops: ScenarioOp[]): Scenario {
  const cpus = config.cpus ?? 1;
  return {
    config: {
      cpus,
      mode: 'no-overwrite',
      global: false,
      headerReserve: 0,
      online: Array.from({ length: cpus }, (_, cpu) => cpu),
      ...config,
    },
    ops,
  };
}

const op = {
  write: (size: number, cpu = 0): ScenarioOp => ({ op: 'write', cpu, size }),
  reserve: (size: number, cpu = 0): ScenarioOp => ({ op: 'reserve', cpu, size }),
  read: (maxBytes: number, cpu = 0): ScenarioOp => ({ op: 'read', cpu, maxBytes }),
  consume: (subbufs: number, cpu = 0): ScenarioOp => ({ op: 'consume', cpu, subbufs }),
  poll: (cpu = 0): ScenarioOp => ({ op: 'poll', cpu }),
  mmapView: (cpu = 0): ScenarioOp => ({ op: 'mmap_view', cpu }),
  cpuOnline: (cpu: number): ScenarioOp => ({ op: 'cpu_online', cpu }),
  cpuOffline: (cpu: number): ScenarioOp => ({ op: 'cpu_offline', cpu }),
  flush: (): ScenarioOp => ({ op: 'flush' }),
  reset: (): ScenarioOp => ({ op: 'reset' }),
  close: (): ScenarioOp => ({ op: 'close' }),
  stats: (): ScenarioOp => ({ op: 'stats' }),
};

type Result<K extends StepResult['kind']> = Extract<StepResult, { kind: K }>;

function resultOf<K extends StepResult['kind']>(step: TraceStep, kind: K): Result<K> {
  expect(step.result.kind).toBe(kind);
  return step.result as Result<K>;
}

const asWrite = (step: TraceStep): Result<'write'> => resultOf(step, 'write');
const asReserve = (step: TraceStep): Result<'reserve'> => resultOf(step, 'reserve');
const asRead = (step: TraceStep): Result<'read'> => resultOf(step, 'read');
const asPoll = (step: TraceStep): Result<'poll'> => resultOf(step, 'poll');
const asConsume = (step: TraceStep): Result<'consume'> => resultOf(step, 'consume');

/** The one buffer of a channel with a single buffer. */
function only(step: TraceStep): BufferState {
  expect(step.buffers).toHaveLength(1);
  return step.buffers[0];
}

function buffer(step: TraceStep, label: string): BufferState {
  const found = step.buffers.find((b) => b.label === label);
  expect(found, `buffer ${label}`).toBeDefined();
  return found as BufferState;
}

/** The records a read returned, as (seq, first byte, length); headers have seq null. */
function pieces(step: TraceStep): [number | null, number, number][] {
  const read = asRead(step);
  for (const piece of read.pieces) expect(piece.intact).toBe(true);
  return read.pieces.map((p) => [p.seq, p.from, p.length]);
}

describe('example A: basics, padding and the exactly full current sub-buffer (s01, sbs=64, n=4)', () => {
  const steps = runScenario(
    scenario({ subbufSize: 64, nSubbufs: 4 }, [
      op.write(20),
      op.write(30),
      op.write(20),
      op.read(1000),
      op.write(44),
      op.read(1000),
      op.write(10),
      op.read(1000),
    ]),
  );

  it('opens with the writer at offset 0 of sub-buffer 0 and nothing produced or consumed', () => {
    expect(only(steps[0])).toMatchObject({
      offset: 0,
      data: 0,
      subbufsProduced: 0,
      subbufsConsumed: 0,
      bytesConsumed: 0,
      padding: [0, 0, 0, 0],
    });
  });

  it('writes that fit go one after another into sub-buffer 0', () => {
    expect(asWrite(steps[1])).toMatchObject({ seq: 1, len: 20, pos: 0 });
    expect(only(steps[1])).toMatchObject({ offset: 20, data: 0, subbufsProduced: 0, subbufsConsumed: 0 });
    expect(asWrite(steps[2])).toMatchObject({ seq: 2, len: 30, pos: 20 });
    expect(only(steps[2])).toMatchObject({ offset: 50, data: 0, subbufsProduced: 0, subbufsConsumed: 0 });
  });

  it('a write that does not fit switches: sub-buffer 0 is produced with 14 bytes of padding', () => {
    expect(asWrite(steps[3])).toMatchObject({ seq: 3, len: 20, pos: 64 });
    expect(only(steps[3])).toMatchObject({
      offset: 20,
      data: 1,
      subbufsProduced: 1,
      subbufsConsumed: 0,
      bytesConsumed: 0,
      padding: [14, 0, 0, 0],
      iSize: 50,
    });
  });

  it('a read returns two chunks, skipping the padding, and reads into the current sub-buffer', () => {
    const read = asRead(steps[4]);
    expect(read.ret).toBe(70);
    expect(read.chunks).toEqual([
      [0, 50],
      [64, 20],
    ]);
    expect(pieces(steps[4])).toEqual([
      [1, 0, 20],
      [2, 0, 30],
      [3, 0, 20],
    ]);
    expect(read.ppos).toBe(84);
    expect(only(steps[4])).toMatchObject({ offset: 20, data: 1, subbufsProduced: 1, subbufsConsumed: 1, bytesConsumed: 20 });
  });

  it('a write that exactly fills the sub-buffer produces nothing', () => {
    expect(asWrite(steps[5])).toMatchObject({ seq: 4, len: 44, pos: 84 });
    expect(only(steps[5])).toMatchObject({
      offset: 64,
      data: 1,
      subbufsProduced: 1,
      subbufsConsumed: 1,
      bytesConsumed: 20,
      iSize: 50,
    });
  });

  it('reading the exactly full writer sub-buffer to its end leaves bytes_consumed at 64 and consumes nothing', () => {
    const read = asRead(steps[6]);
    expect(read.ret).toBe(44);
    expect(read.chunks).toEqual([[84, 44]]);
    expect(pieces(steps[6])).toEqual([[4, 0, 44]]);
    expect(read.ppos).toBe(128);
    expect(only(steps[6])).toMatchObject({ offset: 64, data: 1, subbufsProduced: 1, subbufsConsumed: 1, bytesConsumed: 64 });
  });

  it('the next write produces the full sub-buffer 1 with padding 0 and adds 64 bytes to i_size', () => {
    expect(asWrite(steps[7])).toMatchObject({ seq: 5, len: 10, pos: 128 });
    expect(only(steps[7])).toMatchObject({
      offset: 10,
      data: 2,
      subbufsProduced: 2,
      subbufsConsumed: 1,
      bytesConsumed: 64,
      padding: [14, 0, 0, 0],
      iSize: 114,
    });
  });

  it('the next read first finishes sub-buffer 1, then returns the new record', () => {
    const read = asRead(steps[8]);
    expect(read.ret).toBe(10);
    expect(read.chunks).toEqual([[128, 10]]);
    expect(pieces(steps[8])).toEqual([[5, 0, 10]]);
    expect(only(steps[8])).toMatchObject({ offset: 10, data: 2, subbufsProduced: 2, subbufsConsumed: 2, bytesConsumed: 10 });
  });
});

describe('example B: no-overwrite fill, stall, drop, drain and resume (s02, sbs=64, n=4)', () => {
  const steps = runScenario(
    scenario({ subbufSize: 64, nSubbufs: 4 }, [
      op.write(40),
      op.write(40),
      op.write(40),
      op.write(40),
      op.write(40),
      op.write(40),
      op.poll(),
      op.read(1000),
      op.write(40),
    ]),
  );

  it('four 40-byte records land one per sub-buffer, at 0, 64, 128 and 192', () => {
    expect([1, 2, 3, 4].map((k) => asWrite(steps[k]).pos)).toEqual([0, 64, 128, 192]);
    expect([1, 2, 3, 4].map((k) => asWrite(steps[k]).len)).toEqual([40, 40, 40, 40]);
    expect(only(steps[4])).toMatchObject({
      offset: 40,
      data: 3,
      subbufsProduced: 3,
      subbufsConsumed: 0,
      padding: [24, 24, 24, 0],
      fullCount: 0,
    });
  });

  it('the fifth record is dropped: sub-buffer 3 is produced first, then the switch is refused and the writer stalls', () => {
    expect(asWrite(steps[5])).toMatchObject({ seq: 5, len: 0, pos: 3 * 64 + 65, dropped: 'full' });
    expect(only(steps[5])).toMatchObject({
      offset: 65,
      data: 3,
      subbufsProduced: 4,
      subbufsConsumed: 0,
      padding: [24, 24, 24, 24],
      fullCount: 1,
      iSize: 160,
    });
  });

  it('a retry while stalled is dropped too, produces nothing and counts full again', () => {
    expect(asWrite(steps[6])).toMatchObject({ seq: 6, len: 0, dropped: 'full' });
    expect(only(steps[6])).toMatchObject({
      offset: 65,
      data: 3,
      subbufsProduced: 4,
      subbufsConsumed: 0,
      padding: [24, 24, 24, 24],
      fullCount: 2,
      iSize: 160,
    });
  });

  it('poll reports POLLIN', () => {
    expect(asPoll(steps[7]).mask).toBe('IN');
    expect(only(steps[7]).sleepers).toBe(0);
  });

  it('a read drains all four sub-buffers, the last one being where the stalled writer\'s data still points', () => {
    const read = asRead(steps[8]);
    expect(read.ret).toBe(160);
    expect(read.chunks).toEqual([
      [0, 40],
      [64, 40],
      [128, 40],
      [192, 40],
    ]);
    expect(pieces(steps[8]).map(([seq]) => seq)).toEqual([1, 2, 3, 4]);
    expect(only(steps[8])).toMatchObject({ offset: 65, data: 3, subbufsProduced: 4, subbufsConsumed: 4, fullCount: 2 });
  });

  it('the writer resumes in sub-buffer 4 % 4 = 0 without producing anything or waking anyone', () => {
    expect(asWrite(steps[9])).toMatchObject({ seq: 7, len: 40, pos: 0, dropped: null });
    expect(only(steps[9])).toMatchObject({
      offset: 40,
      data: 0,
      subbufsProduced: 4,
      subbufsConsumed: 4,
      padding: [0, 24, 24, 24],
      fullCount: 2,
      iSize: 160,
      woken: 0,
    });
  });
});

describe('example C: an overwriting writer laps the reader (s03, sbs=64, n=4, flight recorder)', () => {
  const steps = runScenario(
    scenario({ subbufSize: 64, nSubbufs: 4, mode: 'overwrite' }, [
      op.write(40),
      op.write(40),
      op.write(40),
      op.write(40),
      op.write(40),
      op.write(40),
      op.read(1000),
    ]),
  );

  it('the first four records fill the ring as in example B', () => {
    expect(only(steps[4])).toMatchObject({
      offset: 40,
      data: 3,
      subbufsProduced: 3,
      subbufsConsumed: 0,
      padding: [24, 24, 24, 0],
      fullCount: 0,
    });
  });

  it('the fifth record overwrites record 1 at [0,40) and full_count counts the switch', () => {
    expect(asWrite(steps[5])).toMatchObject({ seq: 5, len: 40, pos: 0 });
    expect(only(steps[5])).toMatchObject({
      offset: 40,
      data: 0,
      subbufsProduced: 4,
      subbufsConsumed: 0,
      padding: [0, 24, 24, 24],
      fullCount: 1,
    });
  });

  it('the sixth record overwrites record 2 at [64,104)', () => {
    expect(asWrite(steps[6])).toMatchObject({ seq: 6, len: 40, pos: 64 });
    expect(only(steps[6])).toMatchObject({
      offset: 40,
      data: 1,
      subbufsProduced: 5,
      subbufsConsumed: 0,
      padding: [24, 0, 24, 24],
      fullCount: 2,
    });
  });

  it('the lapped reader skips to the oldest intact sub-buffer and gets records 3 to 6', () => {
    const read = asRead(steps[7]);
    expect(read.ret).toBe(160);
    expect(read.chunks).toEqual([
      [128, 40],
      [192, 40],
      [0, 40],
      [64, 40],
    ]);
    expect(pieces(steps[7]).map(([seq]) => seq)).toEqual([3, 4, 5, 6]);
    expect(only(steps[7])).toMatchObject({
      offset: 40,
      data: 1,
      subbufsProduced: 5,
      subbufsConsumed: 5,
      bytesConsumed: 40,
      fullCount: 2,
    });
  });

  it('the availability test moves consumed from 0 to 5 - 4 + 1 = 2 before reading', () => {
    const lapped = steps[7].events.filter((e) => e.kind === 'consumed' && e.cause === 'lapped');
    expect(lapped).toEqual([expect.objectContaining({ from: 0, to: 2 })]);
  });
});

describe('example D: flush, empty sub-buffers, wakeups and reads returning 0 while draining (s04, sbs=64, n=4)', () => {
  const steps = runScenario(
    scenario({ subbufSize: 64, nSubbufs: 4 }, [
      op.write(20),
      op.poll(),
      op.flush(),
      op.flush(),
      op.read(1000),
      op.flush(),
      op.flush(),
      op.flush(),
      op.flush(),
      op.write(10),
      op.read(1000),
      op.read(1000),
      op.read(1000),
      op.read(1000),
      op.poll(),
      op.write(10),
    ]),
  );

  it('a record in the current sub-buffer leaves poll at mask 0, and the poller sleeps', () => {
    expect(asWrite(steps[1])).toMatchObject({ len: 20, pos: 0 });
    expect(only(steps[1])).toMatchObject({ offset: 20, data: 0, subbufsProduced: 0, subbufsConsumed: 0 });
    expect(asPoll(steps[2]).mask).toBe(0);
    expect(only(steps[2]).sleepers).toBe(1);
  });

  it('flush produces sub-buffer 0 with padding 44 and wakes the poller', () => {
    expect(only(steps[3])).toMatchObject({
      offset: 0,
      data: 1,
      subbufsProduced: 1,
      subbufsConsumed: 0,
      padding: [44, 0, 0, 0],
      iSize: 20,
      woken: 1,
      sleepers: 0,
    });
  });

  it('a second flush produces the empty sub-buffer 1 with padding 64 and i_size stays 20', () => {
    expect(only(steps[4])).toMatchObject({
      offset: 0,
      data: 2,
      subbufsProduced: 2,
      subbufsConsumed: 0,
      padding: [44, 64, 0, 0],
      iSize: 20,
      woken: 0,
    });
  });

  it('a read returns the 20 bytes and also consumes the empty sub-buffer 1', () => {
    const read = asRead(steps[5]);
    expect(read.ret).toBe(20);
    expect(read.chunks).toEqual([[0, 20]]);
    expect(pieces(steps[5])).toEqual([[1, 0, 20]]);
    expect(only(steps[5])).toMatchObject({ offset: 0, data: 2, subbufsProduced: 2, subbufsConsumed: 2 });
  });

  it('three more flushes produce the empty sub-buffers 2, 3 and 0', () => {
    expect(only(steps[8])).toMatchObject({
      offset: 0,
      data: 1,
      subbufsProduced: 5,
      subbufsConsumed: 2,
      padding: [64, 0, 64, 64],
    });
  });

  it('the next flush produces sub-buffer 1, finds the buffer full and stalls with zero pending bytes', () => {
    expect(only(steps[9])).toMatchObject({
      offset: 65,
      data: 1,
      subbufsProduced: 6,
      subbufsConsumed: 2,
      padding: [64, 64, 64, 64],
      fullCount: 1,
      iSize: 20,
    });
  });

  it('a write while stalled is dropped and counts full', () => {
    expect(asWrite(steps[10])).toMatchObject({ seq: 2, len: 0, dropped: 'full' });
    expect(only(steps[10])).toMatchObject({ offset: 65, subbufsProduced: 6, subbufsConsumed: 2, fullCount: 2 });
  });

  it('four reads return 0 bytes each while each finishes one empty sub-buffer', () => {
    for (const [k, consumed] of [
      [11, 3],
      [12, 4],
      [13, 5],
      [14, 6],
    ]) {
      const read = asRead(steps[k]);
      expect(read.ret).toBe(0);
      expect(read.chunks).toEqual([]);
      expect(only(steps[k])).toMatchObject({ offset: 65, subbufsProduced: 6, subbufsConsumed: consumed });
    }
  });

  it('with everything consumed a poller sleeps again', () => {
    expect(asPoll(steps[15]).mask).toBe(0);
    expect(only(steps[15]).sleepers).toBe(1);
  });

  it('the writer resumes at [128,138) without producing, so the poller is not woken', () => {
    expect(asWrite(steps[16])).toMatchObject({ seq: 3, len: 10, pos: 128 });
    expect(only(steps[16])).toMatchObject({
      offset: 10,
      data: 2,
      subbufsProduced: 6,
      subbufsConsumed: 6,
      padding: [64, 64, 0, 64],
      iSize: 20,
      sleepers: 1,
      woken: 0,
    });
  });
});

describe('example E: too-big records with a 4-byte header (s05, sbs=16, n=2, overwrite, R=4)', () => {
  const runner = new ScenarioRunner(
    scenario({ subbufSize: 16, nSubbufs: 2, mode: 'overwrite', headerReserve: 4 }, [
      op.write(17),
      op.write(12),
      op.write(13),
      op.write(13),
      op.read(100),
      op.close(),
    ]),
  );
  const steps = runner.runAll();

  it('opening reserves the header at [0,4)', () => {
    expect(only(steps[0])).toMatchObject({
      offset: 4,
      data: 0,
      subbufsProduced: 0,
      subbufsConsumed: 0,
      padding: [0, 0],
      bigCount: 0,
      fullCount: 0,
    });
  });

  it('a 17-byte record is longer than the sub-buffer: dropped with no state change but big_count', () => {
    expect(asWrite(steps[1])).toMatchObject({ seq: 1, len: 0, dropped: 'toobig' });
    const { bigCount, ...rest } = only(steps[1]);
    const { bigCount: before, ...restBefore } = only(steps[0]);
    expect(rest).toEqual(restBefore);
    expect([before, bigCount]).toEqual([0, 1]);
    expect(steps[1].lastToobig).toBe(17);
  });

  it('a 12-byte record fills the rest of sub-buffer 0 at [4,16)', () => {
    expect(asWrite(steps[2])).toMatchObject({ seq: 2, len: 12, pos: 4 });
    expect(only(steps[2])).toMatchObject({ offset: 16, data: 0, subbufsProduced: 0, bigCount: 1, fullCount: 0 });
  });

  it('a 13-byte record switches (header at [16,20)) and is then dropped, as 4 + 13 > 16', () => {
    expect(asWrite(steps[3])).toMatchObject({ seq: 3, len: 0, pos: 20, dropped: 'toobig' });
    expect(only(steps[3])).toMatchObject({
      offset: 4,
      data: 1,
      subbufsProduced: 1,
      subbufsConsumed: 0,
      padding: [0, 0],
      bigCount: 2,
      fullCount: 0,
      iSize: 16,
    });
    expect(steps[3].lastToobig).toBe(13);
  });

  it('another 13-byte record produces the header-only sub-buffer 1 (padding 12) and is dropped', () => {
    expect(asWrite(steps[4])).toMatchObject({ seq: 4, len: 0, pos: 4, dropped: 'toobig' });
    expect(only(steps[4])).toMatchObject({
      offset: 4,
      data: 0,
      subbufsProduced: 2,
      subbufsConsumed: 0,
      padding: [0, 12],
      bigCount: 3,
      fullCount: 1,
      iSize: 20,
    });
    expect(steps[4].lastToobig).toBe(13);
  });

  it('record 2 is still in memory at [4,16), but the writer owns sub-buffer 0 again', () => {
    const buf = runner.chan?.buf(0);
    expect(buf).toBeTruthy();
    const bytes = buf ? Array.from(buf.data.subarray(0, 16)) : [];
    expect(bytes.slice(0, 4)).toEqual([HEADER_BYTE, HEADER_BYTE, HEADER_BYTE, HEADER_BYTE]);
    expect(bytes.slice(4)).toEqual(Array.from({ length: 12 }, (_, i) => recordByte(2, i)));
  });

  it('the lapped reader gets only the two headers, [16,20) then [0,4)', () => {
    const read = asRead(steps[5]);
    expect(read.ret).toBe(8);
    expect(read.chunks).toEqual([
      [16, 4],
      [0, 4],
    ]);
    expect(pieces(steps[5])).toEqual([
      [null, 0, 4],
      [null, 0, 4],
    ]);
    expect(only(steps[5])).toMatchObject({ offset: 4, data: 0, subbufsProduced: 2, subbufsConsumed: 2 });
    const lapped = steps[5].events.filter((e) => e.kind === 'consumed' && e.cause === 'lapped');
    expect(lapped).toEqual([expect.objectContaining({ from: 0, to: 1 })]);
  });

  it('close keeps the counters: big_count 3, full_count 1, last_toobig 13', () => {
    expect(only(steps[6])).toMatchObject({ finalized: true, bigCount: 3, fullCount: 1 });
    expect(steps[6].stats).toEqual({ full: 1, big: 3 });
    expect(steps[6].lastToobig).toBe(13);
  });
});

describe('example F: CPU hotplug and statistics (s07, 2 CPUs, CPU 0 online at open, sbs=32, n=2)', () => {
  const steps = runScenario(
    scenario({ cpus: 2, subbufSize: 32, nSubbufs: 2, online: [0] }, [
      op.cpuOnline(1),
      op.write(100, 1),
      op.write(8, 1),
      op.cpuOffline(1),
      op.write(8, 1),
      op.flush(),
      op.read(100, 1),
      op.cpuOnline(1),
    ]),
  );

  it('only CPU 0 has a buffer after open', () => {
    expect(steps[0].buffers.map((b) => b.label)).toEqual(['B0']);
  });

  it('bringing CPU 1 online creates a fresh buffer for it', () => {
    expect(steps[1].buffers.map((b) => b.label)).toEqual(['B0', 'B1']);
    expect(buffer(steps[1], 'B1')).toMatchObject({
      offset: 0,
      data: 0,
      subbufsProduced: 0,
      subbufsConsumed: 0,
      padding: [0, 0],
      fullCount: 0,
      bigCount: 0,
      iSize: 0,
    });
  });

  it('a 100-byte write on CPU 1 is too big: big_count of buffer 1 is 1 and relay_stats(WRT_BIG) is 1', () => {
    expect(asWrite(steps[2])).toMatchObject({ seq: 1, len: 0, dropped: 'toobig' });
    expect(buffer(steps[2], 'B1').bigCount).toBe(1);
    expect(steps[2].stats?.big).toBe(1);
  });

  it('an 8-byte write lands at [0,8) of buffer 1', () => {
    expect(asWrite(steps[3])).toMatchObject({ seq: 2, len: 8, pos: 0 });
    expect(buffer(steps[3], 'B1')).toMatchObject({ offset: 8, data: 0 });
    expect(buffer(steps[3], 'B0')).toMatchObject({ offset: 0, data: 0 });
  });

  it('taking CPU 1 offline keeps its big_count, but relay_stats(WRT_BIG) now reports 0', () => {
    expect(buffer(steps[4], 'B1')).toMatchObject({ bigCount: 1, offset: 8 });
    expect(steps[4].stats?.big).toBe(0);
  });

  it('a write on the offline CPU is refused', () => {
    expect(steps[5].result.kind).toBe('err');
    expect(buffer(steps[5], 'B1')).toEqual(buffer(steps[4], 'B1'));
  });

  it('flush also acts on the offline CPU\'s buffer (padding 24) and on CPU 0\'s empty one (padding 32)', () => {
    expect(buffer(steps[6], 'B1')).toMatchObject({ subbufsProduced: 1, padding: [24, 0], data: 1, offset: 0, iSize: 8 });
    expect(buffer(steps[6], 'B0')).toMatchObject({ subbufsProduced: 1, padding: [32, 0], data: 1, offset: 0, iSize: 0 });
  });

  it('a read of CPU 1\'s file returns record 2', () => {
    const read = asRead(steps[7]);
    expect(read.ret).toBe(8);
    expect(read.chunks).toEqual([[0, 8]]);
    expect(pieces(steps[7])).toEqual([[2, 0, 8]]);
  });

  it('bringing CPU 1 back creates nothing new and the statistic is 1 again', () => {
    expect(steps[8].buffers.map((b) => b.label)).toEqual(['B0', 'B1']);
    expect(buffer(steps[8], 'B1')).toEqual(buffer(steps[7], 'B1'));
    expect(steps[8].stats?.big).toBe(1);
  });
});

describe('example G: mixing relay_subbufs_consumed with read() (s08, sbs=64, n=4)', () => {
  const steps = runScenario(
    scenario({ subbufSize: 64, nSubbufs: 4 }, [
      op.write(30),
      op.write(30),
      op.write(30),
      op.read(10),
      op.consume(1),
      op.read(1000),
      op.consume(5),
    ]),
  );

  it('three 30-byte records: two in sub-buffer 0, the third switches to [64,94)', () => {
    expect([1, 2, 3].map((k) => asWrite(steps[k]).pos)).toEqual([0, 30, 64]);
    expect(only(steps[3])).toMatchObject({ subbufsProduced: 1, padding: [4, 0, 0, 0], data: 1, offset: 30 });
  });

  it('a 10-byte read returns bytes 0-9 of record 1', () => {
    const read = asRead(steps[4]);
    expect(read.ret).toBe(10);
    expect(read.chunks).toEqual([[0, 10]]);
    expect(pieces(steps[4])).toEqual([[1, 0, 10]]);
    expect(only(steps[4])).toMatchObject({ subbufsConsumed: 0, bytesConsumed: 10 });
  });

  it('consume 1 moves consumed to 1 and leaves bytes_consumed at 10', () => {
    expect(asConsume(steps[5]).applied).toBe(true);
    expect(only(steps[5])).toMatchObject({ subbufsConsumed: 1, bytesConsumed: 10 });
  });

  it('the next read starts 10 bytes into sub-buffer 1: bytes 10-29 of record 3', () => {
    const read = asRead(steps[6]);
    expect(read.ret).toBe(20);
    expect(read.chunks).toEqual([[74, 20]]);
    expect(pieces(steps[6])).toEqual([[3, 10, 20]]);
  });

  it('consume 5 is ignored because 5 > n', () => {
    expect(asConsume(steps[7]).applied).toBe(false);
    expect(only(steps[7])).toEqual(only(steps[6]));
  });
});

describe('example H: a global buffer shared by two CPUs (s06, sbs=32, n=2)', () => {
  const steps = runScenario(
    scenario({ cpus: 2, subbufSize: 32, nSubbufs: 2, global: true }, [
      op.write(10, 0),
      op.write(10, 1),
      op.write(15, 0),
      op.read(1000, 1),
      op.flush(),
      op.consume(1, 1),
      op.close(),
      op.poll(0),
    ]),
  );

  it('there is one buffer, labelled B0', () => {
    for (const step of steps) expect(step.buffers.map((b) => b.label)).toEqual(['B0']);
  });

  it('writes from CPU 0 and CPU 1 land in the same buffer, in program order', () => {
    expect(asWrite(steps[1])).toMatchObject({ seq: 1, len: 10, pos: 0 });
    expect(asWrite(steps[2])).toMatchObject({ seq: 2, len: 10, pos: 10 });
    expect(asWrite(steps[3])).toMatchObject({ seq: 3, len: 15, pos: 32 });
    expect(only(steps[3])).toMatchObject({ subbufsProduced: 1, padding: [12, 0], data: 1, offset: 15 });
  });

  it('a read through CPU 1\'s slot returns [0,20) and [32,47)', () => {
    const read = asRead(steps[4]);
    expect(read.ret).toBe(35);
    expect(read.chunks).toEqual([
      [0, 20],
      [32, 15],
    ]);
    expect(pieces(steps[4]).map(([seq]) => seq)).toEqual([1, 2, 3]);
    expect(only(steps[4]).subbufsConsumed).toBe(1);
  });

  it('flush produces the one buffer\'s current sub-buffer once', () => {
    expect(only(steps[5])).toMatchObject({ subbufsProduced: 2, padding: [0, 17], data: 0, offset: 0 });
  });

  it('consume through CPU 1 moves the global consumer', () => {
    expect(asConsume(steps[6]).applied).toBe(true);
    expect(only(steps[6]).subbufsConsumed).toBe(only(steps[5]).subbufsConsumed + 1);
  });

  it('after close, poll returns POLLERR', () => {
    expect(only(steps[7]).finalized).toBe(true);
    expect(asPoll(steps[8]).mask).toBe('ERR');
  });
});

describe('example I: whole-sub-buffer reserves, NULL when full, zero-length reserve (s11, sbs=32, n=2)', () => {
  const steps = runScenario(
    scenario({ subbufSize: 32, nSubbufs: 2 }, [
      op.reserve(32),
      op.reserve(32),
      op.reserve(32),
      op.reserve(0),
      op.consume(1),
      op.reserve(0),
      op.reserve(32),
    ]),
  );

  it('a 32-byte reserve takes the whole of sub-buffer 0', () => {
    expect(asReserve(steps[1]).ptr).toBe(0);
    expect(only(steps[1])).toMatchObject({ offset: 32, data: 0, subbufsProduced: 0 });
  });

  it('the next one switches to sub-buffer 1', () => {
    expect(asReserve(steps[2]).ptr).toBe(32);
    expect(only(steps[2])).toMatchObject({ offset: 32, data: 1, subbufsProduced: 1 });
  });

  it('the third produces sub-buffer 1, is refused and returns NULL: the writer stalls', () => {
    expect(asReserve(steps[3]).ptr).toBeNull();
    expect(only(steps[3])).toMatchObject({ offset: 33, data: 1, subbufsProduced: 2, fullCount: 1 });
  });

  it('a zero-length reserve while full returns NULL and counts full', () => {
    expect(asReserve(steps[4]).ptr).toBeNull();
    expect(only(steps[4])).toMatchObject({ offset: 33, subbufsProduced: 2, fullCount: 2 });
  });

  it('consume 1 frees sub-buffer 0', () => {
    expect(asConsume(steps[5]).applied).toBe(true);
    expect(only(steps[5]).subbufsConsumed).toBe(1);
  });

  it('a zero-length reserve returns NULL although the writer resumed at offset 0 of sub-buffer 0', () => {
    expect(asReserve(steps[6]).ptr).toBeNull();
    expect(only(steps[6])).toMatchObject({ offset: 0, data: 0, subbufsProduced: 2, subbufsConsumed: 1, fullCount: 2 });
  });

  it('a 32-byte reserve then gets the slot at 0', () => {
    expect(asReserve(steps[7]).ptr).toBe(0);
    expect(only(steps[7])).toMatchObject({ offset: 32, data: 0, subbufsProduced: 2 });
  });
});

describe('example J: a single sub-buffer, no-overwrite (s10, sbs=16, n=1)', () => {
  const steps = runScenario(
    scenario({ subbufSize: 16, nSubbufs: 1 }, [op.write(10), op.write(10), op.read(100), op.write(10)]),
  );

  it('the first record goes to [0,10)', () => {
    expect(asWrite(steps[1])).toMatchObject({ seq: 1, len: 10, pos: 0 });
  });

  it('the second produces the sub-buffer with padding 6 and is dropped: the writer stalls', () => {
    expect(asWrite(steps[2])).toMatchObject({ seq: 2, len: 0, dropped: 'full' });
    expect(only(steps[2])).toMatchObject({ offset: 17, data: 0, subbufsProduced: 1, padding: [6], fullCount: 1 });
  });

  it('a read returns record 1, the file position wraps to 0 and consumed becomes 1', () => {
    const read = asRead(steps[3]);
    expect(read.ret).toBe(10);
    expect(pieces(steps[3])).toEqual([[1, 0, 10]]);
    expect(read.ppos).toBe(0);
    expect(only(steps[3])).toMatchObject({ subbufsProduced: 1, subbufsConsumed: 1 });
  });

  it('the third record goes to [0,10)', () => {
    expect(asWrite(steps[4])).toMatchObject({ seq: 3, len: 10, pos: 0 });
    expect(only(steps[4])).toMatchObject({ offset: 10, data: 0, subbufsProduced: 1, subbufsConsumed: 1 });
  });
});

describe('example J: a single sub-buffer, overwrite (s09, sbs=16, n=1)', () => {
  const steps = runScenario(
    scenario({ cpus: 2, subbufSize: 16, nSubbufs: 1, mode: 'overwrite' }, [op.write(10), op.write(10), op.read(100)]),
  );

  it('the second record overwrites record 1 at [0,10) and full_count is 1', () => {
    expect(asWrite(steps[2])).toMatchObject({ seq: 2, len: 10, pos: 0 });
    expect(buffer(steps[2], 'B0')).toMatchObject({ offset: 10, data: 0, subbufsProduced: 1, fullCount: 1 });
  });

  it('the lapped read sets consumed to produced and returns only record 2 from the current sub-buffer', () => {
    const read = asRead(steps[3]);
    expect(read.ret).toBe(10);
    expect(read.chunks).toEqual([[0, 10]]);
    expect(pieces(steps[3])).toEqual([[2, 0, 10]]);
    const b = buffer(steps[3], 'B0');
    expect(b.subbufsConsumed).toBe(b.subbufsProduced);
  });
});

describe('example K: relay_reset (s12, sbs=16, n=2, no-overwrite)', () => {
  const steps = runScenario(
    scenario({ subbufSize: 16, nSubbufs: 2 }, [
      op.write(10),
      op.write(10),
      op.write(10),
      op.write(20),
      op.reset(),
      op.read(100),
      op.write(4),
      op.read(100),
    ]),
  );

  it('the third 10-byte record is dropped: the writer stalls with P = 2 and i_size 20', () => {
    expect(asWrite(steps[3])).toMatchObject({ seq: 3, len: 0, dropped: 'full' });
    expect(only(steps[3])).toMatchObject({ offset: 17, subbufsProduced: 2, iSize: 20, fullCount: 1 });
  });

  it('a 20-byte write while stalled is rejected as too big, not as full', () => {
    expect(asWrite(steps[4])).toMatchObject({ seq: 4, len: 0, dropped: 'toobig' });
    expect(only(steps[4])).toMatchObject({ offset: 17, subbufsProduced: 2, fullCount: 1, bigCount: 1 });
    expect(steps[4].lastToobig).toBe(20);
  });

  it('reset sets offset, counters, padding and statistics to 0, and keeps i_size, last_toobig and memory', () => {
    expect(only(steps[5])).toMatchObject({
      offset: 0,
      data: 0,
      subbufsProduced: 0,
      subbufsConsumed: 0,
      bytesConsumed: 0,
      padding: [0, 0],
      fullCount: 0,
      bigCount: 0,
      iSize: 20,
    });
    expect(steps[5].lastToobig).toBe(20);
    expect(steps[5].stats).toEqual({ full: 0, big: 0 });
    expect(only(steps[5]).memoryHash).toBe(only(steps[4]).memoryHash);
  });

  it('the old data is unreachable: the next read returns 0 bytes', () => {
    expect(asRead(steps[6])).toMatchObject({ ret: 0, chunks: [] });
  });

  it('a 4-byte record goes to [0,4) and a read returns exactly it', () => {
    expect(asWrite(steps[7])).toMatchObject({ seq: 5, len: 4, pos: 0 });
    const read = asRead(steps[8]);
    expect(read.ret).toBe(4);
    expect(read.chunks).toEqual([[0, 4]]);
    expect(pieces(steps[8])).toEqual([[5, 0, 4]]);
  });
});

describe('example L: an mmap consumer and pollers (s13, sbs=32, n=4)', () => {
  const steps = runScenario(
    scenario({ subbufSize: 32, nSubbufs: 4 }, [
      op.write(20),
      op.write(20),
      op.write(20),
      op.mmapView(),
      op.consume(1),
      op.mmapView(),
      op.poll(),
      op.consume(1),
      op.poll(),
      op.poll(),
      op.write(20),
      op.poll(),
      op.consume(5),
      op.consume(4),
      op.poll(),
      op.close(),
      op.poll(),
      op.stats(),
    ]),
  );

  it('three 20-byte writes leave sub-buffers 0 and 1 produced with padding 12 and sub-buffer 2 current', () => {
    expect(only(steps[3])).toMatchObject({ subbufsProduced: 2, subbufsConsumed: 0, padding: [12, 12, 0, 0], data: 2, offset: 20 });
  });

  it('the mmap view lists produced sub-buffers 0 and 1, then only 1 after consume 1', () => {
    const first = resultOf(steps[4], 'mmap_view').subbufs;
    expect(first.map((s) => [s.subbuf, s.padding])).toEqual([
      [0, 12],
      [1, 12],
    ]);
    expect(asConsume(steps[5]).applied).toBe(true);
    const second = resultOf(steps[6], 'mmap_view').subbufs;
    expect(second.map((s) => [s.subbuf, s.padding])).toEqual([[1, 12]]);
  });

  it('poll reports POLLIN while a produced sub-buffer is unconsumed', () => {
    expect(asPoll(steps[7]).mask).toBe('IN');
  });

  it('two pollers that found nothing sleep', () => {
    expect(only(steps[8]).subbufsConsumed).toBe(2);
    expect(asPoll(steps[9]).mask).toBe(0);
    expect(asPoll(steps[10]).mask).toBe(0);
    expect(only(steps[10]).sleepers).toBe(2);
  });

  it('the next production wakes both with one wakeup', () => {
    expect(only(steps[11])).toMatchObject({ subbufsProduced: 3, woken: 2, sleepers: 0 });
    const wakeups = steps[11].events.filter((e) => e.kind === 'wakeup');
    expect(wakeups).toEqual([expect.objectContaining({ woken: 2 })]);
    expect(asPoll(steps[12]).mask).toBe('IN');
  });

  it('consume 5 is ignored; consume 4 with only 1 ready clamps consumed to produced', () => {
    expect(asConsume(steps[13]).applied).toBe(false);
    expect(only(steps[13]).subbufsConsumed).toBe(2);
    expect(asConsume(steps[14]).applied).toBe(true);
    expect(only(steps[14])).toMatchObject({ subbufsConsumed: 3, subbufsProduced: 3 });
  });

  it('a poller that sleeps just before close stays asleep, and a later poll returns POLLERR', () => {
    expect(asPoll(steps[15]).mask).toBe(0);
    expect(only(steps[15]).sleepers).toBe(1);
    expect(only(steps[16])).toMatchObject({ finalized: true, sleepers: 1, woken: 0 });
    expect(asPoll(steps[17]).mask).toBe('ERR');
    expect(only(steps[17]).sleepers).toBe(1);
  });

  it('relay_stats reports no full and no too-big events', () => {
    expect(resultOf(steps[18], 'stats')).toEqual({ kind: 'stats', full: 0, big: 0 });
  });
});
