/** The blktrace flags of the built CLI: what they refuse (exit 2, one line) and what sweep does with a capture. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCapture } from '../engine/index.ts';

const root = resolve(import.meta.dirname, '../..');
const cli = join(root, 'build/cli/src/cli/main.js');
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

let scratch = '';
let capture = '';
const config = (name: string, raw: unknown): string => {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(raw));
  return path;
};

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build:cli`);
  scratch = mkdtempSync(join(tmpdir(), 'relayscope-blktrace-cli-'));
  capture = join(scratch, 'capture');
  mkdirSync(capture);
  for (const f of generateCapture({ cpus: 2, seconds: 0.1, rate: 5000, seed: 5 })) writeFileSync(join(capture, f.name), f.bytes);
});

describe('simulate --blktrace-out refuses what blktrace could not have written', () => {
  const blk = { workload: { format: 'blktrace' } };
  it.each([
    ['relayscope records', () => ['--preset', 'kvmtrace'], 'simulate: --blktrace-out needs blktrace records: workload.format blktrace'],
    ['a global buffer', () => ['--config', config('g.json', { ...blk, channel: { global: true } })], "simulate: --blktrace-out blktrace's files are per CPU"],
    ['a single reader', () => ['--config', config('s.json', { ...blk, reader: { layout: 'single' } })], 'simulate: --blktrace-out blktrace reads each CPU'],
    ['a header reserve', () => ['--config', config('h.json', { ...blk, channel: { headerReserve: 16 } })], "simulate: --blktrace-out blktrace's files hold only records"],
  ])('%s', (_, args, message) => {
    const r = run('simulate', ...args(), '--seconds', '0.01', '--blktrace-out', join(scratch, 'never'));
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(`relayscope: ${message}`);
    expect(existsSync(join(scratch, 'never'))).toBe(false);
  });

  it('--blktrace-device needs a capture, and a capture and a CSV do not go together', () => {
    expect(run('simulate', '--preset', 'blktrace', '--blktrace-device', 'sda').stderr).toContain('--blktrace-device chooses a device of --workload-blktrace DIR');
    const both = run('simulate', '--preset', 'blktrace', '--workload-csv', 'x.csv', '--workload-blktrace', capture);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('give --workload-csv FILE or --workload-blktrace DIR, not both');
  });

  it('a capture that does not parse: exit 2 naming the file, the byte and why', () => {
    const bad = join(scratch, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'sdb.blktrace.0'), new Uint8Array(47).fill(0));
    const r = run('simulate', '--preset', 'blktrace', '--workload-blktrace', bad);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`relayscope: ${join(bad, 'sdb.blktrace.0')}: byte 0: bad magic (bytes 00 00 00 00): not a blk_io_trace record (magic 0x65617400 | version, "07 74 61 65" little-endian)`);
  });

  it('sweep replays a capture in every cell and names it', () => {
    const r = run('sweep', '--preset', 'blktrace', '--workload-blktrace', capture, '--subbuf-sizes', '4096', '--n-subbufs', '1,4', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(out.workload.file).toBe(capture);
    expect(out.grid.map((c: { written: number }) => c.written)).toEqual([out.workload.records, out.workload.records]);
  });

  it('sweep says per cell what the capture would have lost and what blkparse would report, with the figures simulate gives that channel', () => {
    const pausing = { channel: { cpus: 2 }, reader: { period: 0.05, pauseEvery: 0.02, pauseFor: 0.01 } };
    const c = config('pausing.json', pausing);
    const r = run('sweep', '--config', c, '--workload-blktrace', capture, '--subbuf-sizes', '1024,65536', '--n-subbufs', '2', '--json');
    expect(r.status).toBe(0);
    const grid = JSON.parse(r.stdout.trim().split('\n').pop() as string).grid;
    const lossy = grid[0];
    expect(lossy.blktrace.lost).toBeGreaterThan(0);
    expect(lossy.blktrace.lost).toBe(lossy.lost);
    expect(grid[1].blktrace).toMatchObject({ lost: 0, seqGaps: 0, sequence: 'capture' });
    for (const cell of grid) {
      const alone = config(`cell-${cell.subbufSize}.json`, { ...pausing, channel: { ...pausing.channel, subbufSize: cell.subbufSize, nSubbufs: 2 } });
      const s = JSON.parse(run('simulate', '--config', alone, '--workload-blktrace', capture, '--json').stdout.trim().split('\n').pop() as string);
      const sum = (k: 'events' | 'seqGaps' | 'seqMissing') => s.cpus.reduce((n: number, row: { blktrace: Record<string, number> }) => n + row.blktrace[k], 0);
      expect([cell.blktrace.events, cell.blktrace.seqGaps, cell.blktrace.seqMissing, cell.blktrace.message]).toEqual([sum('events'), sum('seqGaps'), sum('seqMissing'), s.blktraceMessage]);
    }
    const text = run('sweep', '--config', c, '--workload-blktrace', capture, '--subbuf-sizes', '1024,65536', '--n-subbufs', '2').stdout;
    expect(text).toContain('blktrace: what blkparse would report reading the files from standard input (cat DIR/<dev>.blktrace.* | blkparse -i -)');
    expect(text).toContain(
      `  this capture at 1 KiB x 2 would have lost ${lossy.blktrace.lost} events, blkparse would report ${lossy.blktrace.seqGaps} gaps (${lossy.blktrace.seqMissing} missing)\n`,
    );
    expect(text).toContain(`  (${lossy.blktrace.why})\n`);
    expect(text).toContain('  this capture at 64 KiB x 2 would have lost 0 events, blkparse would report 0 gaps (0 missing)\n');
  });
});
