/**
 * blktrace as a real peer: what `relayscope simulate --blktrace-out` writes is read by Debian's
 * own blkparse and btt (package `blktrace`), and a capture relayscope generates is imported and
 * written back byte for byte. blkparse checks sequence numbers only when it reads standard
 * input, so every check pipes the files in as `cat DIR/sda.blktrace.* | blkparse -i -` does.
 *
 * Without blkparse (npm test installs it as root on Debian) the tests are skipped and say why.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLK_IO_TRACE_SIZE, countsAsEvent, decodeBlkIoTrace, generateCapture, magicOrder } from '../engine/index.ts';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'build/cli/src/cli/main.js');

const found = (tool: string): boolean => spawnSync(tool, ['-V'], { encoding: 'utf8' }).status === 0;
const haveBlkparse = found('blkparse');
const haveBtt = found('btt');
const why = 'no blkparse/btt on this machine: install Debian\'s blktrace package (npm test does so as root on Debian)';
if (!haveBlkparse || !haveBtt) console.warn(`blkparse.test.ts: skipped: ${why}`);

let scratch = '';
beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build:cli`);
  scratch = mkdtempSync(join(tmpdir(), 'relayscope-blkparse-'));
});

const relayscope = (...args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`relayscope ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};

interface Row {
  cpu: number;
  written: number;
  droppedFull: number;
  readIntact: number;
  unaccounted: number;
  missing: number;
  blktrace: { events: number; firstSeq: number | null; lastSeq: number | null; seqGaps: number; seqMissing: number };
}
interface Report {
  cpus: Row[];
  blktraceMessage: string | null;
}

const simulateJson = (...args: string[]): Report => JSON.parse(relayscope('simulate', ...args, '--json').trim().split('\n').pop() as string);

/** The capture's files in the order the shell's glob gives them. */
const captureFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((n) => /\.blktrace\.\d+$/.test(n))
    .sort()
    .map((n) => join(dir, n));

/** `cat DIR/<dev>.blktrace.* | blkparse -i - [args]`: its stdout. */
function blkparse(dir: string, ...args: string[]): string {
  const input = Buffer.concat(captureFiles(dir).map((f) => readFileSync(f)));
  const r = spawnSync('blkparse', ['-i', '-', ...args], { input, maxBuffer: 1 << 28, encoding: 'utf8' });
  expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
  return r.stdout;
}

/** blkparse's closing lines: `Events (8,0): N entries` and `Skips: G forward (M - x%)`. */
function totals(out: string) {
  const events = /^Events \(([^)]*)\): (\d+) entries$/m.exec(out);
  const skips = /^Skips: (\d+) forward \((\d+) - +[\d.]+%\)$/m.exec(out);
  if (events === null || skips === null) throw new Error(`no Events/Skips lines in blkparse's output:\n${out.slice(-800)}`);
  return { device: events[1], events: Number(events[2]), gaps: Number(skips[1]), missing: Number(skips[2]) };
}

const sum = (r: Report, f: (row: Row) => number): number => r.cpus.reduce((n, row) => n + f(row), 0);

/** PROCESS and TIMESTAMP notes in a file (they take no sequence number). */
function notes(file: string): number {
  const b = new Uint8Array(readFileSync(file));
  let n = 0;
  for (let at = 0; at < b.length; ) {
    const t = decodeBlkIoTrace(b, at, magicOrder(b, at)?.le ?? true);
    if (!countsAsEvent(t.action)) n += 1;
    at += BLK_IO_TRACE_SIZE + t.pdu.length;
  }
  return n;
}

function config(name: string, sequence: string): string {
  const path = join(scratch, name);
  writeFileSync(
    path,
    JSON.stringify({
      channel: { cpus: 2, subbufSize: 16384, nSubbufs: 2 },
      workload: { rate: 20000, format: 'blktrace', blktraceSequence: sequence },
      reader: { period: 0.05, chunk: 16384, pauseEvery: 0.1, pauseFor: 0.04 },
    }),
  );
  return path;
}

// Without the tools the tests are reported as skipped (never passed), the reason in the name.
describe.skipIf(!haveBlkparse || !haveBtt)(`blkparse reads what relayscope writes${haveBlkparse && haveBtt ? '' : ` (skipped: ${why})`}`, () => {
  it('after-reserve: blkparse counts relayscope\'s events and sees no skip, although records were dropped and blktrace says so', () => {
    const out = join(scratch, 'after');
    const r = simulateJson('--config', config('after.json', 'after-reserve'), '--seconds', '0.3', '--blktrace-out', out);
    const dropped = sum(r, (c) => c.droppedFull);
    expect(dropped).toBeGreaterThan(1000);
    expect(sum(r, (c) => c.unaccounted)).toBe(0);
    expect(sum(r, (c) => c.missing)).toBe(0);
    const t = totals(blkparse(out));
    expect(t.device).toBe('8,0');
    expect(t.events).toBe(sum(r, (c) => c.blktrace.events));
    expect([t.gaps, t.missing]).toEqual([0, 0]);
    expect(sum(r, (c) => c.blktrace.seqGaps)).toBe(0);
    expect(r.blktraceMessage).toMatch(new RegExp(`^You have ${dropped} \\([\\d.]+%\\) dropped events\\nConsider using a larger buffer size \\(-b\\) and/or more buffers \\(-n\\)$`));
  });

  it('before-reserve: blkparse\'s gaps and missing are seqGaps and seqMissing, the records dropped between the first and last read', () => {
    const out = join(scratch, 'before');
    const r = simulateJson('--config', config('before.json', 'before-reserve'), '--seconds', '0.3', '--blktrace-out', out);
    const t = totals(blkparse(out));
    expect(t.events).toBe(sum(r, (c) => c.blktrace.events));
    expect(t.gaps).toBe(sum(r, (c) => c.blktrace.seqGaps));
    expect(t.missing).toBe(sum(r, (c) => c.blktrace.seqMissing));
    expect(t.gaps).toBeGreaterThan(0);
    for (const row of r.cpus) {
      // Every event tried took a number; those after the last one read were dropped at the end.
      const tried = row.written - notes(join(out, `sda.blktrace.${row.cpu}`));
      const droppedBetween = row.droppedFull - (tried - (row.blktrace.lastSeq ?? 0));
      expect(row.blktrace.seqMissing).toBe(droppedBetween);
    }
  });

  it('a generated capture imported and replayed with no loss is written back byte for byte; replayed lossy, blkparse sees the gaps', () => {
    const cap = join(scratch, 'capture');
    mkdirSync(cap);
    for (const f of generateCapture({ cpus: 2, seconds: 0.3, rate: 20_000, seed: 11, message: 'relayscope test capture' }))
      writeFileSync(join(cap, f.name), f.bytes);
    const before = totals(blkparse(cap));
    expect([before.gaps, before.missing]).toEqual([0, 0]);

    const lossless = join(scratch, 'lossless');
    const r = simulateJson('--preset', 'blktrace', '--workload-blktrace', cap, '--blktrace-out', lossless);
    expect(sum(r, (c) => c.droppedFull)).toBe(0);
    expect(r.blktraceMessage).toBeNull();
    for (const cpu of [0, 1]) expect(readFileSync(join(lossless, `sda.blktrace.${cpu}`)).equals(readFileSync(join(cap, `sda.blktrace.${cpu}`)))).toBe(true);
    expect(totals(blkparse(lossless)).events).toBe(before.events);

    const lossy = join(scratch, 'lossy-replay');
    const small = join(scratch, 'small.json');
    writeFileSync(small, JSON.stringify({ channel: { cpus: 2, subbufSize: 8192, nSubbufs: 2 }, reader: { period: 0.05, pauseEvery: 0.1, pauseFor: 0.04 } }));
    const l = simulateJson('--config', small, '--workload-blktrace', cap, '--blktrace-out', lossy);
    expect(sum(l, (c) => c.droppedFull)).toBeGreaterThan(0);
    const t = totals(blkparse(lossy));
    expect(t.events).toBe(sum(l, (c) => c.blktrace.events));
    // The files are the capture less the dropped records (the notes at the start always land).
    expect(t.events + sum(l, (c) => c.droppedFull)).toBe(before.events);
    expect(t.gaps).toBe(sum(l, (c) => c.blktrace.seqGaps));
    expect(t.missing).toBe(sum(l, (c) => c.blktrace.seqMissing));
    expect(t.gaps).toBeGreaterThan(0);
  });

  it('a lossy before-reserve sweep cell: blkparse reading the files of that channel reports its events, gaps and missing', () => {
    const before = config('sweep-before.json', 'before-reserve');
    const sweep = JSON.parse(relayscope('sweep', '--config', before, '--seconds', '0.3', '--subbuf-sizes', '16384', '--n-subbufs', '2', '--json').trim().split('\n').pop() as string);
    const cell = sweep.grid[0].blktrace;
    expect(cell.sequence).toBe('before-reserve');
    expect(cell.lost).toBeGreaterThan(1000);
    const out = join(scratch, 'sweep-before');
    simulateJson('--config', before, '--seconds', '0.3', '--blktrace-out', out);
    const t = totals(blkparse(out));
    expect([t.events, t.gaps, t.missing]).toEqual([cell.events, cell.seqGaps, cell.seqMissing]);
    expect(t.gaps).toBeGreaterThan(0);
    expect(cell.text).toContain(`would have lost ${cell.lost} events, blkparse would report ${t.gaps} gaps (${t.missing} missing)`);
  });

  it('a lossy cell of a sweep over a capture: blkparse reading the replayed files reports the cell\'s gaps', () => {
    const cap = join(scratch, 'sweep-capture');
    mkdirSync(cap);
    for (const f of generateCapture({ cpus: 2, seconds: 0.3, rate: 20_000, seed: 11 })) writeFileSync(join(cap, f.name), f.bytes);
    const pausing = { channel: { cpus: 2, subbufSize: 8192, nSubbufs: 2 }, reader: { period: 0.05, pauseEvery: 0.1, pauseFor: 0.04 } };
    const small = join(scratch, 'sweep-small.json');
    writeFileSync(small, JSON.stringify(pausing));
    const sweep = JSON.parse(relayscope('sweep', '--config', small, '--workload-blktrace', cap, '--subbuf-sizes', '8192', '--n-subbufs', '2', '--json').trim().split('\n').pop() as string);
    const cell = sweep.grid[0].blktrace;
    expect(cell.lost).toBeGreaterThan(1000);
    const out = join(scratch, 'sweep-capture-out');
    simulateJson('--config', small, '--workload-blktrace', cap, '--blktrace-out', out);
    const t = totals(blkparse(out));
    expect([t.events, t.gaps, t.missing]).toEqual([cell.events, cell.seqGaps, cell.seqMissing]);
    expect(t.gaps).toBeGreaterThan(0);
  });

  it('btt accepts blkparse -d output of a lossless run', () => {
    const out = join(scratch, 'btt');
    simulateJson('--preset', 'blktrace', '--seconds', '0.1', '--blktrace-out', out);
    const bin = join(scratch, 'btt.bin');
    blkparse(out, '-d', bin, '-O');
    // btt writes its *_fp.dat files into the directory it runs in.
    const r = spawnSync('btt', ['-i', bin], { encoding: 'utf8', maxBuffer: 1 << 26, cwd: scratch });
    expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
    const q2c = /^Q2C\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+(\d+)$/m;
    expect(r.stdout).toMatch(q2c);
    expect(Number(q2c.exec(r.stdout)?.[1])).toBeGreaterThan(1000);
  });
});
