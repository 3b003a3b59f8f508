import { describe, expect, it } from 'vitest';
import {
  BLK_IO_TRACE_SIZE,
  BLK_TA_COMPLETE,
  BLK_TA_GETRQ,
  BLK_TA_ISSUE,
  BLK_TA_QUEUE,
  BLK_TN_PROCESS,
  BLK_TN_TIMESTAMP,
  blktraceSummary,
  countsAsEvent,
  decodeBlkIoTrace,
  encodeBlkIoTrace,
  magicOrder,
} from './blktrace.ts';
import { parseBlktraceCapture, type CaptureFile } from './blktraceCapture.ts';
import { generateCapture } from './blktraceGen.ts';
import { blktraceExit, blktraceReport } from './blktraceRun.ts';
import { findPreset } from './presets.ts';
import { simReport } from './report.ts';
import { ConfigError, parseSimConfig, type SimConfig } from './simConfig.ts';
import { Simulation } from './simulation.ts';
import type { ImportedWorkload } from './workloadCsv.ts';

const blktracePreset = (): SimConfig => (findPreset('blktrace') as { config: SimConfig }).config;

/** A small channel and a reader that pauses: blktrace's records are dropped while it sleeps. */
const lossy = (sequence: 'after-reserve' | 'before-reserve', cpus = 2): SimConfig =>
  parseSimConfig({
    channel: { cpus, subbufSize: 16384, nSubbufs: 2 },
    workload: { rate: 20_000, format: 'blktrace', blktraceSequence: sequence },
    reader: { period: 0.05, chunk: 16384, pauseEvery: 0.1, pauseFor: 0.04 },
  });

function run(config: SimConfig, seconds: number, workload?: ImportedWorkload) {
  const sim = new Simulation(config, { seed: 7, workload, blktraceFiles: true });
  sim.runUntil(seconds);
  blktraceExit(sim);
  const report = blktraceReport(sim, simReport(sim));
  if (report === null || sim.blktrace === null) throw new Error('not a blktrace run');
  return { sim, report, files: sim.blktrace.fileList() };
}

/** Every record of a file: action, sequence, cpu. */
function records(bytes: Uint8Array) {
  const out: { action: number; sequence: number; cpu: number; time: number; length: number }[] = [];
  for (let at = 0; at < bytes.length; ) {
    const m = magicOrder(bytes, at);
    if (m === null) throw new Error(`no record at byte ${at}`);
    const t = decodeBlkIoTrace(bytes, at, m.le);
    out.push({ action: t.action, sequence: t.sequence, cpu: t.cpu, time: t.time, length: BLK_IO_TRACE_SIZE + t.pdu.length });
    at += BLK_IO_TRACE_SIZE + t.pdu.length;
  }
  return out;
}

describe('struct blk_io_trace', () => {
  it('starts with the magic and version 7 (07 74 61 65 little-endian) and reads back in either byte order', () => {
    const t = {
      sequence: 0x01020304,
      time: 2 ** 40 + 123,
      sector: 2 ** 35 + 8,
      bytes: 4096,
      action: BLK_TA_ISSUE,
      pid: 4242,
      device: (8 << 20) | 16,
      cpu: 3,
      error: 5,
      pdu: Uint8Array.of(1, 2, 3),
    };
    for (const le of [true, false]) {
      const buf = new Uint8Array(64);
      expect(encodeBlkIoTrace(buf, 4, t, le)).toBe(51);
      expect(Array.from(buf.subarray(4, 8))).toEqual(le ? [0x07, 0x74, 0x61, 0x65] : [0x65, 0x61, 0x74, 0x07]);
      expect(magicOrder(buf, 4)).toEqual({ le, version: 7 });
      const back = decodeBlkIoTrace(buf, 4, le);
      expect({ ...back, pdu: Array.from(back.pdu) }).toEqual({ ...t, pdu: [1, 2, 3] });
    }
  });

  it('counts every record but the PROCESS and TIMESTAMP notes as an event, as blkparse does', () => {
    expect(countsAsEvent(BLK_TN_PROCESS)).toBe(false);
    expect(countsAsEvent(BLK_TN_TIMESTAMP)).toBe(false);
    expect(countsAsEvent(BLK_TA_QUEUE)).toBe(true);
    expect(countsAsEvent(0x04000002)).toBe(true); // MESSAGE
  });
});

describe('the blktrace workload format', () => {
  it('is the blktrace preset: queue, get request, issue and complete per I/O after the notes, each record valid, nothing lost', () => {
    const { report, files } = run(blktracePreset(), 0.05);
    expect(files.map((f) => f.name)).toEqual(['sda.blktrace.0', 'sda.blktrace.1', 'sda.blktrace.2', 'sda.blktrace.3']);
    for (const [cpu, f] of files.entries()) {
      const recs = records(f.bytes);
      expect(recs.every((r) => r.cpu === cpu)).toBe(true);
      const notes = recs.filter((r) => !countsAsEvent(r.action));
      expect(recs.slice(0, notes.length)).toEqual(notes); // the notes come first
      expect(notes.map((r) => r.action)).toEqual(cpu === 0 ? [BLK_TN_TIMESTAMP, BLK_TN_PROCESS, BLK_TN_PROCESS, BLK_TN_PROCESS] : [BLK_TN_PROCESS, BLK_TN_PROCESS, BLK_TN_PROCESS]);
      const kinds = recs.slice(notes.length).map((r) => r.action & 0xffff);
      const count = (k: number): number => kinds.filter((x) => x === k).length;
      expect(count(BLK_TA_QUEUE & 0xffff)).toBeGreaterThan(100);
      expect(count(BLK_TA_GETRQ & 0xffff)).toBe(count(BLK_TA_QUEUE & 0xffff));
      expect(count(BLK_TA_ISSUE & 0xffff)).toBeLessThanOrEqual(count(BLK_TA_GETRQ & 0xffff));
      expect(count(BLK_TA_COMPLETE & 0xffff)).toBeLessThanOrEqual(count(BLK_TA_ISSUE & 0xffff));
      // Sequence 1, 2, 3... over the events; time goes forward with it, never 0.
      const events = recs.slice(notes.length);
      expect(events.map((r) => r.sequence)).toEqual(events.map((_, k) => k + 1));
      expect(events.every((r, k) => r.time > 0 && (k === 0 || r.time > events[k - 1].time))).toBe(true);
      const row = report.cpus[cpu];
      expect(row.blktrace).toEqual({ events: events.length, firstSeq: 1, lastSeq: events.length, seqGaps: 0, seqMissing: 0 });
      expect(blktraceSummary(f.bytes)).toEqual(row.blktrace);
      expect(row.readIntact).toBe(recs.length);
      expect(row.unaccounted).toBe(0);
      expect(row.missing).toBe(0);
    }
    expect(report.blktraceMessage).toBeNull();
  });

  it('after-reserve: records dropped from a full buffer leave no gap, and only the exit message tells', () => {
    const { report } = run(lossy('after-reserve'), 0.3);
    const dropped = report.cpus.reduce((n, r) => n + r.droppedFull, 0);
    expect(dropped).toBeGreaterThan(1000);
    for (const row of report.cpus) {
      expect(row.unaccounted).toBe(0);
      expect(row.missing).toBe(0);
      expect(row.blktrace.seqGaps).toBe(0);
      expect(row.blktrace.seqMissing).toBe(0);
      expect(row.blktrace.lastSeq).toBe(row.blktrace.events);
    }
    const read = report.cpus.reduce((n, r) => n + r.readIntact, 0);
    expect(report.blktraceMessage).toBe(
      `You have ${dropped} (${((100 * dropped) / (read + dropped)).toFixed(1)}%) dropped events\n` +
        'Consider using a larger buffer size (-b) and/or more buffers (-n)',
    );
  });

  it('counts the files as blkparse would without keeping them, unless asked (a long run\'s files may not fit in memory)', () => {
    const kept = run(lossy('before-reserve'), 0.3);
    const sim = new Simulation(lossy('before-reserve'), { seed: 7 });
    sim.runUntil(0.3);
    blktraceExit(sim);
    expect(blktraceReport(sim, simReport(sim))).toEqual(kept.report);
    expect(() => sim.blktrace?.bytes(0)).toThrow(/the files were not kept/);
    expect(sim.blktrace?.length(0)).toBe(kept.files[0].bytes.length);
    for (const [cpu, f] of kept.files.entries()) expect(blktraceSummary(f.bytes)).toEqual(kept.report.cpus[cpu].blktrace);
  });

  it('before-reserve: a dropped record leaves a gap, and the numbers missing are the drops between the first and last record read', () => {
    const { report, sim } = run(lossy('before-reserve'), 0.3);
    for (const row of report.cpus) {
      expect(row.unaccounted).toBe(0);
      const b = row.blktrace;
      expect(b.seqGaps).toBeGreaterThan(0);
      // Every event the CPU tried took a number; those after the last one read were dropped at the end.
      const notes = row.cpu === 0 ? 4 : 3;
      const tried = row.written - notes;
      const droppedAtEnd = tried - (b.lastSeq ?? 0);
      expect(b.seqMissing).toBe(row.droppedFull - droppedAtEnd);
      expect((b.lastSeq ?? 0) - (b.firstSeq ?? 0) + 1 - b.seqMissing).toBe(b.events);
    }
    expect(sim.chan.nrCpus).toBe(2);
  });

  it('refuses record sizes, and overwrite mode, with the format', () => {
    expect(() => parseSimConfig({ workload: { format: 'blktrace', sizeMin: 48 } })).toThrow(
      /workload.sizeMin cannot be set with workload.format blktrace: its record sizes follow from the events/,
    );
    expect(() => parseSimConfig({ workload: { format: 'blktrace' }, channel: { mode: 'overwrite' } })).toThrow(ConfigError);
    expect(() => parseSimConfig({ workload: { device: 'bad name' } })).toThrow(/workload.device must be a disk name/);
    expect(parseSimConfig({ workload: { format: 'blktrace', device: 'sdb' } }).workload.device).toBe('sdb');
  });
});

describe('blktrace captures in', () => {
  const capture = (extra: Partial<Parameters<typeof generateCapture>[0]> = {}): CaptureFile[] =>
    generateCapture({ cpus: 2, seconds: 0.2, rate: 5000, seed: 3, message: 'hello from the test', ...extra });

  it('replays its own bytes: with no loss the written files equal the capture, per CPU, in either byte order', () => {
    for (const bigEndian of [false, true]) {
      const files = capture({ bigEndian, sequence: 'before-reserve' });
      const w = parseBlktraceCapture(files, { label: 'dir' });
      expect(w.blktrace?.littleEndian).toBe(!bigEndian);
      expect(w.blktrace?.device).toBe('sda');
      const { files: out, report } = run(blktracePreset(), w.duration, w);
      expect(out[0].bytes).toEqual(files[0].bytes);
      expect(out[1].bytes).toEqual(files[1].bytes);
      expect(out[2].bytes.length).toBe(0);
      expect(report.blktraceMessage).toBeNull();
      // The MESSAGE note counts as an event.
      expect(report.cpus[0].blktrace.events).toBe(records(files[0].bytes).length - 4);
    }
  });

  it('replayed through a small channel loses records, and keeps the capture\'s own sequence numbers', () => {
    const files = capture({ rate: 40_000 });
    const w = parseBlktraceCapture(files, { label: 'dir' });
    const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 4096, nSubbufs: 2 }, reader: { pauseEvery: 0.1, pauseFor: 0.04 } });
    const { report, files: out } = run(config, w.duration, w);
    for (const row of report.cpus) {
      expect(row.droppedFull).toBeGreaterThan(0);
      expect(row.unaccounted).toBe(0);
      expect(row.blktrace.seqGaps).toBeGreaterThan(0);
      // What was written is the capture less the dropped records.
      const kept = records(out[row.cpu].bytes).length;
      expect(kept + row.droppedFull).toBe(records(files[row.cpu].bytes).length);
    }
  });

  it('a CPU beyond the channel is refused naming the file and the byte', () => {
    const w = parseBlktraceCapture(capture(), { label: 'dir' });
    expect(() => new Simulation(parseSimConfig({ channel: { cpus: 1 } }), { seed: 1, workload: w })).toThrow(
      /^sda\.blktrace\.1: byte 0: cpu 1 is beyond the channel's 1 CPU/,
    );
  });

  describe('refuses what is not a capture, naming the file, the byte and why', () => {
    const good = (): CaptureFile[] => capture();
    const edit = (fn: (b: Uint8Array, v: DataView) => Uint8Array | void): CaptureFile[] => {
      const files = good();
      const b = files[1].bytes;
      const out = fn(b, new DataView(b.buffer, b.byteOffset, b.byteLength));
      if (out !== undefined) files[1] = { name: files[1].name, bytes: out };
      return files;
    };
    const second = (files: CaptureFile[]): number => records(files[1].bytes)[0].length; // byte of the 2nd record
    const cases: [string, () => CaptureFile[], RegExp][] = [
      ['bad magic', () => edit((b) => void (b[second(good()) + 1] = 0x99)), /^sda\.blktrace\.1: byte \d+: bad magic \(bytes 07 99 61 65\): not a blk_io_trace record/],
      ['version 8', () => edit((b) => void (b[0] = 8)), /^sda\.blktrace\.1: byte 0: version 8 \(struct blk_io_trace2, 64-byte records, from newer kernels\) is not supported yet/],
      ['cpu field', () => edit((_, v) => v.setUint32(40, 0, true)), /^sda\.blktrace\.1: byte 0: the record's cpu field is 0, but the file is CPU 1's/],
      ['truncated last record', () => edit((b) => b.slice(0, b.length - 20)), /^sda\.blktrace\.1: byte \d+: truncated record: 28 bytes at the end, a blk_io_trace is 48/],
      ['pdu_len past the end', () => edit((b, v) => { const last = b.length - 48; v.setUint16(last + 46, 200, true); }), /^sda\.blktrace\.1: byte \d+: pdu_len 200 runs past the end of the file \(0 bytes follow the 48-byte record\)/],
      ['time going backwards', () => edit((b, v) => { const at = b.length - 48; v.setUint32(at + 8, 1, true); v.setUint32(at + 12, 0, true); }), /^sda\.blktrace\.1: byte \d+: time going backwards: 1 ns, after a record at \d+ ns/],
      ['empty', () => good().map((f) => ({ name: f.name, bytes: new Uint8Array(0) })), /^sda\.blktrace\.0: byte 0: the file is empty, and so is every other file of the capture/],
    ];
    it.each(cases)('%s', (_, files, message) => {
      expect(() => parseBlktraceCapture(files(), { label: 'dir' })).toThrow(message);
    });

    it('names the offset exactly: bad magic at byte K', () => {
      const files = good();
      const k = records(files[1].bytes).slice(0, 5).reduce((n, r) => n + r.length, 0);
      files[1].bytes[k + 3] = 0;
      expect(() => parseBlktraceCapture(files)).toThrow(new RegExp(`^sda\\.blktrace\\.1: byte ${k}: bad magic`));
    });

    it('several devices need a choice; a missing one is named', () => {
      const both = [...good(), ...capture({ device: 'sdb' })];
      expect(() => parseBlktraceCapture(both, { label: 'dir' })).toThrow('dir: holds the captures of several devices (sda, sdb): choose one (--blktrace-device NAME)');
      expect(parseBlktraceCapture(both, { device: 'sdb' }).blktrace?.device).toBe('sdb');
      expect(() => parseBlktraceCapture(both, { device: 'sdc', label: 'dir' })).toThrow('dir: no capture of device "sdc" (there are: sda, sdb)');
      expect(() => parseBlktraceCapture([{ name: 'x.csv', bytes: new Uint8Array(4) }], { label: 'dir' })).toThrow(/^dir: no blktrace files/);
    });
  });

  it('summarises a file as blkparse counts it', () => {
    const files = capture({ sequence: 'before-reserve' });
    expect(blktraceSummary(files[1].bytes)).toMatchObject({ firstSeq: 1, seqGaps: 0, seqMissing: 0 });
  });
});
