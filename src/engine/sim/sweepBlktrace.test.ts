/**
 * The sizing sweep and the A/B comparison on blktrace records: each cell (and each side) says
 * what the capture would have lost through that channel and what blkparse, reading the files
 * the readers wrote from standard input, would report.
 */
import { describe, expect, it } from 'vitest';
import { BLK_IO_TRACE_SIZE, countsAsEvent, decodeBlkIoTrace, magicOrder } from './blktrace.ts';
import { parseBlktraceCapture } from './blktraceCapture.ts';
import { generateCapture } from './blktraceGen.ts';
import { blktraceExit, blktraceReport, type BlktraceReport } from './blktraceRun.ts';
import { lostRecords, simReport } from './report.ts';
import { parseSimConfig, type SimConfig } from './simConfig.ts';
import { Simulation } from './simulation.ts';
import { runOutcome, watchedRun } from './steadyState.ts';
import { runSweep, type SweepCell } from './sweep.ts';
import type { ImportedWorkload } from './workloadCsv.ts';

/** The capture's own records, per CPU: events (as blkparse counts them) and their sequence numbers. */
function eventsOf(bytes: Uint8Array): { events: number; sequences: number[] } {
  const sequences: number[] = [];
  let events = 0;
  for (let at = 0; at < bytes.length; ) {
    const t = decodeBlkIoTrace(bytes, at, magicOrder(bytes, at)?.le ?? true);
    if (countsAsEvent(t.action)) events += 1;
    if (countsAsEvent(t.action) && t.sequence !== 0) sequences.push(t.sequence);
    at += BLK_IO_TRACE_SIZE + t.pdu.length;
  }
  return { events, sequences };
}

const files = generateCapture({ cpus: 2, seconds: 0.3, rate: 20_000, seed: 11 });
const capture: ImportedWorkload = parseBlktraceCapture(files, { label: 'the test capture' });
const captureEvents = files.reduce((n, f) => n + eventsOf(f.bytes).events, 0);

/** A reader that pauses 40 ms every 100 ms: small rings overflow while it sleeps, large ones do not. */
const pausing = parseSimConfig({ channel: { cpus: 2 }, reader: { period: 0.05, pauseEvery: 0.1, pauseFor: 0.04 } });

const at = (cells: readonly SweepCell[], subbufSize: number, nSubbufs: number): SweepCell => {
  const c = cells.find((x) => x.subbufSize === subbufSize && x.nSubbufs === nSubbufs);
  if (c === undefined) throw new Error(`no cell ${nSubbufs} x ${subbufSize}`);
  return c;
};

/** The same channel run alone as `relayscope simulate --blktrace-out` runs it: blkparse's counts of the files. */
function simulated(config: SimConfig, workload?: ImportedWorkload, seconds = capture.duration) {
  const sim = new Simulation(config, { seed: 1, workload });
  sim.runUntil(seconds);
  blktraceExit(sim);
  const r = blktraceReport(sim, simReport(sim));
  if (r === null) throw new Error('not blktrace records');
  const sum = (f: (c: BlktraceReport['cpus'][number]) => number) => r.cpus.reduce((n, c) => n + f(c), 0);
  return { r, events: sum((c) => c.blktrace.events), gaps: sum((c) => c.blktrace.seqGaps), missing: sum((c) => c.blktrace.seqMissing) };
}

const geometry = (config: SimConfig, subbufSize: number, nSubbufs: number): SimConfig => parseSimConfig({ ...config, channel: { ...config.channel, subbufSize, nSubbufs } });

const SENTENCE = /^this (capture|run) at (\S+ \S+) x (\d+) would have lost (\d+) events?, blkparse would report (\d+) gaps? \((\d+) missing\)$/;

describe('the sizing sweep on an imported blktrace capture', () => {
  const r = runSweep(pausing, { seed: 1, seconds: capture.duration, subbufSizes: [8192, 65536], nSubbufs: [2, 4], simOptions: { workload: capture } });

  it('gives every cell the events lost and the gaps blkparse would report, as simulate with that channel counts them', () => {
    expect(r.cells).toHaveLength(4);
    for (const c of r.cells) {
      const b = c.blktrace;
      if (b === null) throw new Error('a cell of a capture without blktrace figures');
      expect(b.sequence).toBe('capture');
      expect(b.lost).toBe(c.lost);
      expect(b.dropped).toBe(c.lostBy?.droppedFull);
      // The files are the capture less what was lost (the notes at the start always land).
      expect(b.events + b.lost).toBe(captureEvents);
      const alone = simulated(geometry(pausing, c.subbufSize, c.nSubbufs), capture);
      expect([b.events, b.seqGaps, b.seqMissing, b.message]).toEqual([alone.events, alone.gaps, alone.missing, alone.r.blktraceMessage]);
    }
  });

  it('a lossy cell: the capture kept its sequence numbers, so the losses between kept records are gaps, and blktrace says how many it dropped', () => {
    const small = at(r.cells, 8192, 2).blktrace;
    if (small === null) throw new Error('no figures');
    expect(small.lost).toBeGreaterThan(1000);
    expect(small.seqGaps).toBeGreaterThan(0);
    // Leading and trailing losses leave no gap: what is missing is at most what was lost.
    expect(small.seqMissing).toBeGreaterThan(0);
    expect(small.seqMissing).toBeLessThanOrEqual(small.lost);
    expect(small.message).toMatch(new RegExp(`^You have ${small.dropped} \\([\\d.]+%\\) dropped events\\n`));
    const m = SENTENCE.exec(small.text);
    expect(m?.slice(1)).toEqual(['capture', '8 KiB', '2', String(small.lost), String(small.seqGaps), String(small.seqMissing)]);
    expect(small.text).toBe(`this capture at 8 KiB x 2 would have lost ${small.lost} events, blkparse would report ${small.seqGaps} gaps (${small.seqMissing} missing)`);
    expect(small.why).toContain("the replayed files keep the capture's sequence numbers, so a record dropped between two kept ones leaves a gap");
    expect(small.why).toContain('there blkparse would say Skips: 0');
  });

  it('a loss-free cell: nothing lost, no gap, the whole capture in the files', () => {
    const big = at(r.cells, 65536, 2);
    expect(big.verdict).toBe('loss-free');
    expect(big.blktrace).toMatchObject({ lost: 0, dropped: 0, seqGaps: 0, seqMissing: 0, events: captureEvents, message: null });
    expect(big.blktrace?.text).toBe('this capture at 64 KiB x 2 would have lost 0 events, blkparse would report 0 gaps (0 missing)');
    expect(big.blktrace?.why).toBeNull();
  });

  it('the missing numbers are the holes between each CPU\'s first and last sequence number in the files', () => {
    // The capture numbers its records densely per CPU (its notes take no number)...
    for (const f of files) expect(eventsOf(f.bytes).sequences.every((v, i, s) => i === 0 || v === s[i - 1] + 1)).toBe(true);
    // ...so in the files every number from the first to the last is either there or missing.
    const c = at(r.cells, 8192, 4).blktrace;
    const rows = simulated(geometry(pausing, 8192, 4), capture).r.cpus;
    const span = rows.reduce((n, row) => n + (row.blktrace.lastSeq ?? 0) - (row.blktrace.firstSeq ?? 0) + 1, 0);
    expect(c?.seqMissing).toBeGreaterThan(0);
    expect(span - (c?.events ?? 0)).toBe(c?.seqMissing);
  });

  it('a sweep of relayscope\'s own records has no blktrace figures', () => {
    const plain = runSweep(parseSimConfig({ channel: { cpus: 1 } }), { seed: 1, seconds: 0.05, subbufSizes: [4096], nSubbufs: [2] });
    expect(plain.cells[0].blktrace).toBeNull();
  });
});

describe('the sizing sweep on generated blktrace records', () => {
  const lossy = (sequence: 'after-reserve' | 'before-reserve'): SimConfig =>
    parseSimConfig({
      channel: { cpus: 2, subbufSize: 16384, nSubbufs: 2 },
      workload: { rate: 20_000, format: 'blktrace', blktraceSequence: sequence },
      reader: { period: 0.05, chunk: 16384, pauseEvery: 0.1, pauseFor: 0.04 },
    });

  it('after-reserve: records were lost, yet blkparse would report no gap, and the text says why', () => {
    const c = runSweep(lossy('after-reserve'), { seed: 1, seconds: 0.3, subbufSizes: [16384], nSubbufs: [2] }).cells[0];
    expect(c.blktrace?.sequence).toBe('after-reserve');
    expect(c.blktrace?.lost).toBeGreaterThan(1000);
    expect(c.blktrace?.seqGaps).toBe(0);
    expect(c.blktrace?.text).toMatch(SENTENCE);
    expect(c.blktrace?.text).toContain('blkparse would report 0 gaps (0 missing)');
    expect(c.blktrace?.why).toBe("up to v6.17 (after-reserve) a dropped record takes no sequence number, so blkparse says Skips: 0 and only blktrace's dropped count shows the loss");
  });

  it('before-reserve: the same losses leave gaps, as simulate counts them', () => {
    const config = lossy('before-reserve');
    const c = runSweep(config, { seed: 1, seconds: 0.3, subbufSizes: [16384], nSubbufs: [2] }).cells[0];
    const alone = simulated(config, undefined, 0.3);
    expect(c.blktrace?.seqGaps).toBeGreaterThan(0);
    expect([c.blktrace?.events, c.blktrace?.seqGaps, c.blktrace?.seqMissing]).toEqual([alone.events, alone.gaps, alone.missing]);
    expect(c.blktrace?.why).toContain('before-reserve, the 2025 series');
  });
});

describe('the A/B comparison on an imported blktrace capture', () => {
  it('gives each side the figures of the sweep cell with its channel', () => {
    const sweep = runSweep(pausing, { seed: 1, seconds: capture.duration, subbufSizes: [8192, 65536], nSubbufs: [2], simOptions: { workload: capture } });
    for (const size of [8192, 65536]) {
      const side = runOutcome(
        (() => {
          const w = watchedRun(geometry(pausing, size, 2), { seed: 1, workload: capture }, capture.duration);
          w.sim.runUntil(capture.duration);
          return w;
        })(),
      );
      expect(side.outcome.blktrace).toEqual(at(sweep.cells, size, 2).blktrace);
      expect(lostRecords(side.report.total)).toBe(side.outcome.blktrace?.lost);
    }
  });
});
