/**
 * The command line, run in-process through `main(argv, io)`: what these tests run is the
 * source as it is now, not a build. One smoke test spawns the built bin, as users run it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from './cli.ts';
import type { CliIo } from './usage.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'build/cli/src/cli/main.js');
const conformance = join(root, 'src/engine/sim/conformance');

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs one command in-process; `io` replaces parts of the terminal (a failing stdout, a TTY, Ctrl-C). */
const runWith = async (io: Partial<CliIo>, ...args: string[]): Promise<Ran> => {
  let stdout = '';
  let stderr = '';
  const status = await main(args, {
    out: (c) => {
      stdout += c;
    },
    err: (c) => {
      stderr += c;
    },
    errIsTTY: false,
    signal: new AbortController().signal,
    ...io,
  });
  return { status, stdout, stderr };
};
const run = (...args: string[]): Promise<Ran> => runWith({}, ...args);

/** Refused: exit status 2, nothing on stdout, one line on stderr (then the hint), no stack trace. */
const refused = (r: Ran, line: string | RegExp) => {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const first = r.stderr.split('\n')[0];
  expect(first).toMatch(typeof line === 'string' ? new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : line);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

let scratch = '';
const file = (name: string, text: string): string => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'relayscope-cli-'));
});

describe('the built bin', () => {
  it('runs a command from a child process, and refuses bad input with one line and exit status 2', () => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build:cli`);
    const spawn = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });
    const ok = spawn('simulate', '--preset', 'one-subbuf', '--seconds', '0.05', '--json');
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).name).toBe('one-subbuf');
    const bad = spawn('simulate', '--preset', 'one-subbuf', '--seed', '0x10');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('relayscope: simulate: --seed must be an integer from 0 to 4294967295, got "0x10"\ntry \'relayscope help\'\n');

    // The process's own stdout: a full disk is one line and exit 2, a reader that went away ends it quietly.
    const full = spawnSync(process.execPath, [bin, 'simulate', '--preset', 'one-subbuf', '--seconds', '0.05'], {
      encoding: 'utf8',
      stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'],
    });
    expect(full.status).toBe(2);
    expect(full.stderr).toBe('relayscope: cannot write the output: ENOSPC\n');
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" trace --canonical "${conformance}"/scenarios/*.json | head -1`], { encoding: 'utf8' });
    expect(piped.stdout).toBe('== ' + join(conformance, 'scenarios', readdirSync(join(conformance, 'scenarios')).sort()[0]) + '\n');
    expect(piped.stderr).toBe('');
  });
});

describe('relayscope trace --canonical', () => {
  it('runs every conformance scenario in one call, each after its == FILE line', async () => {
    const names = readdirSync(join(conformance, 'scenarios')).sort();
    const files = names.map((n) => join(conformance, 'scenarios', n));
    const r = await run('trace', '--canonical', ...files);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const blocks = r.stdout.split(/^== /m).slice(1);
    expect(blocks).toHaveLength(names.length);
    blocks.forEach((block, i) => {
      const [header, ...lines] = block.trimEnd().split('\n');
      expect(header).toBe(files[i]);
      const expected = readFileSync(join(conformance, 'expected', names[i].replace(/\.json$/, '.txt')), 'utf8');
      expect(lines.join('\n')).toBe(expected.trimEnd());
    });
  });

  it('prints one file without a header line', async () => {
    const r = await run('trace', '--canonical', join(conformance, 'scenarios/s09-single-subbuf.json'));
    expect(r.stdout.trimEnd()).toBe(readFileSync(join(conformance, 'expected/s09-single-subbuf.txt'), 'utf8').trimEnd());
  });

  it('prints open ERR and exits 0 for a configuration relay_open refuses', async () => {
    const r = await run('trace', '--canonical', file('zero.json', '{"config":{"subbufSize":0,"nSubbufs":2},"ops":[]}'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^0 open ERR subbuf_size and n_subbufs must not be 0\n$/);
  });
});

describe('relayscope trace (JSON)', () => {
  it('prints one JSON document per file with every step, its events and the records read', async () => {
    const r = await run('trace', join(conformance, 'scenarios/s01-basic-no-overwrite.json'));
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.config).toMatchObject({ subbufSize: 64, nSubbufs: 4, mode: 'no-overwrite' });
    expect(doc.steps).toHaveLength(9);
    const switching = doc.steps[3];
    expect(switching.op).toEqual({ op: 'write', cpu: 0, size: 20 });
    expect(switching.result).toMatchObject({ kind: 'write', seq: 3, len: 20, pos: 64, dropped: null });
    expect(switching.events.map((e: { kind: string }) => e.kind)).toEqual(['produce', 'subbuf_start']);
    expect(switching.events[0]).toMatchObject({ buffer: 'B0', subbuf: 0, padding: 14, subbufsProduced: 1 });
    expect(switching.buffers[0]).toMatchObject({ label: 'B0', offset: 20, data: 1, subbufsProduced: 1, iSize: 50 });
    const read = doc.steps[4].result;
    expect(read).toMatchObject({ kind: 'read', ret: 70, chunks: [[0, 50], [64, 20]], ppos: 84 });
    expect(read.pieces).toEqual([
      { seq: 1, from: 0, length: 20, intact: true },
      { seq: 2, from: 0, length: 30, intact: true },
      { seq: 3, from: 0, length: 20, intact: true },
    ]);
  });
});

describe('relayscope trace with files, memory, lifetime and kernel versions', () => {
  const extra = join(root, 'src/engine/sim/extra-scenarios');

  it('prints the expected canonical lines of every example scenario, lifetime parts included', async () => {
    const names = readdirSync(join(extra, 'scenarios')).sort();
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const r = await run('trace', '--canonical', join(extra, 'scenarios', name));
      expect(r.status).toBe(0);
      expect(r.stdout.trimEnd()).toBe(readFileSync(join(extra, 'expected', name.replace(/\.json$/, '.txt')), 'utf8').trimEnd());
    }
  });

  it('prints the pages, the references, the faults and the frees in JSON', async () => {
    const r = await run('trace', join(extra, 'scenarios/f02-mmap-faults.json'));
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.config.kernel).toBe('v6.17');
    expect(doc.memory).toMatchObject({ allocSize: 12288, pageCount: 3, used: 9000, unusedTail: 3288 });
    expect(doc.memory.pages[1].subbufs).toEqual([
      { subbuf: 1, from: 4096, to: 6000 },
      { subbuf: 2, from: 6000, to: 8192 },
    ]);
    const faulting = doc.steps.find((s: { result: { kind: string; faults?: number[] } }) => s.result.kind === 'file_mmap_read' && s.result.faults?.length === 1);
    expect(faulting.events).toEqual([{ kind: 'fault', buffer: 'B0', page: 0, mapping: 1 }]);
    const last = doc.steps.at(-2);
    expect(last.lifetime).toEqual({ chanKref: 0, chanFreed: true, fds: [], mappings: [], freedNow: ['B0', 'chan'] });
    expect(last.buffers[0]).toMatchObject({ kref: 0, freed: true, file: '/sys/kernel/debug/relayscope/relay0' });
  });

  it('refuses an unknown kernel and a file op with a bad field, naming them', async () => {
    const kernel = file('kernel.json', '{"config": {"subbufSize": 8, "nSubbufs": 2, "kernel": "v5.0"}, "ops": []}');
    const r = await run('trace', '--canonical', kernel);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/kernel\.json: config: "kernel" must be one of v6\.17, v6\.16, v6\.7, v6\.3, v4\.9; got "v5\.0"$/);
    const op = file('fileop.json', '{"config": {"subbufSize": 8, "nSubbufs": 2}, "ops": [{"op":"file_mmap","fd":3}]}');
    const r2 = await run('trace', op);
    expect(r2.status).toBe(2);
    expect(r2.stderr.split('\n')[0]).toMatch(/fileop\.json: op 0 \(file_mmap\): "length" must be an integer, got nothing$/);
    expect(r2.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('bad input: exit status 2, one line naming the file and where, no stack trace', () => {
  it('refuses a file that is not JSON', async () => {
    const path = file('broken.json', '{"config": {"subbufSize": 8,\n "nSubbufs": }');
    refused(await run('trace', '--canonical', path), new RegExp(`^relayscope: ${path}: not JSON at line 2, column 14`));
  });

  it('refuses a file without ops', async () => {
    const path = file('noops.json', '{"config": {"subbufSize": 8, "nSubbufs": 2}}');
    refused(await run('trace', path), /: "ops" is missing$/);
  });

  it('refuses an unknown op, naming its index', async () => {
    const path = file('unknown.json', '{"config": {"subbufSize": 8, "nSubbufs": 2}, "ops": [{"op":"flush"},{"op":"splice"}]}');
    refused(await run('trace', '--canonical', path), /unknown\.json: op 1: "op" must be one of .*got "splice"$/);
  });

  it('refuses a field of the wrong type, naming the op index and the field', async () => {
    const path = file('type.json', '{"config": {"subbufSize": 8, "nSubbufs": 2}, "ops": [{"op":"read","cpu":0,"maxBytes":"all"}]}');
    refused(await run('trace', '--canonical', path), /type\.json: op 0 \(read\): "maxBytes" must be an integer, got "all"$/);
  });

  it('refuses a missing file and prints nothing for the good ones', async () => {
    refused(await run('trace', '--canonical', join(conformance, 'scenarios/s01-basic-no-overwrite.json'), join(scratch, 'nope.json')), /nope\.json: cannot read: ENOENT/);
  });

  it('refuses an unknown command or option', async () => {
    refused(await run('frobnicate'), /unknown command "frobnicate"/);
    refused(await run('trace', '--fast', 'x.json'), /unknown option --fast/);
    refused(await run('trace'), /name at least one scenario file/);
  });
});

describe('relayscope simulate', () => {
  it('runs a preset and prints one JSON report whose accounting balances', async () => {
    const r = await run('simulate', '--preset', 'one-subbuf', '--seconds', '0.5', '--seed', '4', '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    expect(report).toMatchObject({ name: 'one-subbuf', seed: 4, seconds: 0.5, memoryBytes: 2 * 16384 });
    const t = report.total;
    expect(t.written).toBeGreaterThan(0);
    expect(t.droppedFull).toBeGreaterThan(0);
    expect(t.written).toBe(t.readIntact + t.droppedFull + t.droppedToobig + t.overwritten + t.skipped + t.discarded + t.inBuffer);
    expect(t.unaccounted + t.torn + t.missing).toBe(0);
  });

  it('gives the same report for the same seed', async () => {
    const a = await run('simulate', '--preset', 'flight-recorder', '--seconds', '0.2', '--seed', '9', '--json');
    const b = await run('simulate', '--preset', 'flight-recorder', '--seconds', '0.2', '--seed', '9', '--json');
    expect(a.stdout).toBe(b.stdout);
  });

  it('reads a configuration file with defaults for what it leaves out, and prints a table', async () => {
    const path = file('sim.json', JSON.stringify({ channel: { cpus: 2, nSubbufs: 2 }, workload: { rate: 1000 } }));
    const r = await run('simulate', '--config', path, '--seconds', '0.3');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/2 CPUs, 2 x 16384 B, no-overwrite/);
    expect(r.stdout).toMatch(/accounting: 0 unaccounted, 0 torn, 0 missing/);
  });

  it('runs a v4.9 channel, whose timer wakeups still account for every record', async () => {
    const path = file('old.json', JSON.stringify({ channel: { cpus: 2, nSubbufs: 4, kernel: 'v4.9' }, workload: { rate: 20000 } }));
    const r = await run('simulate', '--config', path, '--seconds', '0.3');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/no-overwrite, kernel v4\.9;/);
    expect(r.stdout).toMatch(/accounting: 0 unaccounted, 0 torn, 0 missing/);
  });

  it('refuses bad configurations with exit status 2 and the field named', async () => {
    const bad = async (name: string, text: string, pattern: RegExp) => {
      const r = await run('simulate', '--config', file(name, text));
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };
    await bad('rate.json', '{"workload":{"rate":-1}}', /rate\.json: workload\.rate must be a number from 0/);
    await bad('small.json', '{"workload":{"sizeMin":8}}', /workload\.sizeMin must be from 16 \(the record header\)/);
    await bad('cpus.json', '{"channel":{"cpus":0}}', /channel\.cpus must be an integer from 1 to 64/);
    await bad('big.json', '{"channel":{"cpus":64,"subbufSize":16777216,"nSubbufs":8}}', /needs 8589934592 bytes .* above the 512 MiB cap/);
    await bad('typo.json', '{"reader":{"perod":1}}', /reader\.perod is not a setting/);
    await bad('syntax.json', '{"reader": {"period": 1,}}', /not JSON at line 1, column 25: expected a property name/);
  });

  it('refuses a missing or unknown preset and bad flags', async () => {
    expect((await run('simulate')).stderr).toMatch(/give either --config FILE or --preset NAME/);
    expect((await run('simulate', '--preset', 'nope')).stderr).toMatch(/no preset "nope" \(blktrace, kvmtrace/);
    expect((await run('simulate', '--preset', 'blktrace', '--seconds', 'x')).status).toBe(2);
  });
});

describe('relayscope sweep', () => {
  it('prints one JSON object as the last line, with the grid and the recommendation', async () => {
    const r = await run('sweep', '--preset', 'one-subbuf', '--seconds', '0.2', '--seed', '3', '--n-subbufs', '1,2,4', '--subbuf-sizes', '4096,16384', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    expect(out).toMatchObject({ preset: 'one-subbuf', seconds: 0.2, seed: 3, reason: null });
    expect(out.grid).toHaveLength(6);
    for (const cell of out.grid)
      expect(Object.keys(cell)).toEqual(expect.arrayContaining(['subbufSize', 'nSubbufs', 'memoryBytes', 'written', 'lost', 'lossRate']));
    expect(out.grid.find((c: { nSubbufs: number; subbufSize: number }) => c.nSubbufs === 1 && c.subbufSize === 4096).lost).toBeGreaterThan(0);
    expect(out.recommended.lost).toBe(0);
    expect(out.grid).toContainEqual(out.recommended);
  });

  it('prints a table and the recommendation, and says why there is none', async () => {
    const r = await run('sweep', '--preset', 'flight-recorder', '--seconds', '0.2', '--n-subbufs', '2,4', '--subbuf-sizes', '4096');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/subbuf_size +n_subbufs +memory +written +lost +loss +peak ready/);
    expect(r.stdout).toMatch(/capacity: no reader drains the channel: an overwrite channel keeps only the newest data/);
    expect(r.stdout).toMatch(/holds the last [\d.]+ (m?s|µs)/);
    expect(r.stdout).toMatch(/no recommendation: no reader drains the channel/);
  });

  it('gives preset null for a configuration file, and reports refused cells', async () => {
    const path = file('sweep.json', JSON.stringify({ channel: { cpus: 1 }, workload: { rate: 1000 } }));
    const r = await run('sweep', '--config', path, '--seconds', '0.1', '--subbuf-sizes', '8,4096', '--n-subbufs', '2', '--json');
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    expect(out.preset).toBeNull();
    expect(out.grid[0]).toMatchObject({ subbufSize: 8, written: null, lost: null, lossRate: null });
    expect(out.grid[0].error).toMatch(/channel\.subbufSize 8 cannot hold any record/);
  });

  it('recommends nothing when the reader is the bottleneck, naming both rates and what the reader would need', async () => {
    const slow = file('slow.json', JSON.stringify({ channel: { cpus: 4 }, workload: { rate: 200_000, sizeMin: 48, sizeMax: 96 }, reader: { costPerKiB: 1000 } }));
    const r = await run('sweep', '--config', slow, '--subbuf-sizes', '524288', '--n-subbufs', '8', '--json');
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    expect(out).toMatchObject({ seconds: 1, recommended: null, margin: null, capacity: { bottleneck: 'reader', total: { produceBytesPerS: 14_400_000, drainBytesPerS: 4_096_000 } } });
    expect(out.secondsReason).toBe('the shortest default sweep (1 s): the workload has no bursts and the reader no pauses');
    expect(out.capacity.cpus.map((c: { cpu: number }) => c.cpu)).toEqual([0, 1, 2, 3]);
    expect(Object.keys(out.capacity.cpus[0])).toEqual(expect.arrayContaining(['cpu', 'produceBytesPerS', 'drainBytesPerS', 'peakBacklogBytes']));
    expect(out.reason).toMatch(/^the reader is the bottleneck: the reader drains 1\.02 MB\/s per CPU, the writers produce 3\.6 MB\/s: larger buffers only delay the loss/);
    expect(out.reason).toMatch(/drain at least 3\.6 MB\/s, a cost of at most 284 µs\/KiB/);
    expect(out.grid[0]).toMatchObject({ verdict: 'loss-free-for', lossFreeForSeconds: 1, lost: 0 });
    expect(out.grid[0].backlogGrowthBytesPerS).toBeGreaterThan(9e6);
    const table = await run('sweep', '--config', slow, '--subbuf-sizes', '524288', '--n-subbufs', '8', '--seconds', '0.5');
    expect(table.stdout).toMatch(/0\.5 s of virtual time each \(given with --seconds\)/);
    expect(table.stdout).toMatch(/loss-free for 0\.5 s only \(backlog growing at [\d.]+ MB\/s\)/);
    expect(table.stdout).toMatch(/no recommendation: the reader is the bottleneck/);
  });

  it('says what a rate of 0 or a disabled reader cannot tell, instead of a size', async () => {
    const idle = await run('sweep', '--config', file('idle.json', JSON.stringify({ workload: { rate: 0 } })), '--subbuf-sizes', '4096', '--n-subbufs', '2', '--json');
    const i = JSON.parse(idle.stdout.trim().split('\n').at(-1) ?? '');
    expect(i).toMatchObject({ recommended: null, capacity: { bottleneck: null } });
    expect(i.reason).toMatch(/write nothing \(a rate of 0\): every size loses nothing, so the sweep cannot tell what size the channel needs/);
    const none = await run('sweep', '--config', file('none.json', JSON.stringify({ reader: { enabled: false } })), '--subbuf-sizes', '4096', '--n-subbufs', '2', '--seconds', '0.1', '--json');
    const n = JSON.parse(none.stdout.trim().split('\n').at(-1) ?? '');
    expect(n).toMatchObject({ recommended: null, capacity: { bottleneck: 'reader', total: { drainBytesPerS: null } } });
    expect(n.reason).toMatch(/no reader drains the channel: a no-overwrite channel fills and then drops every record, whatever its size/);
  });

  it('refuses bad input with exit status 2 and one line', async () => {
    for (const args of [
      ['sweep', '--preset', 'nope'],
      ['sweep', '--preset', 'blktrace', '--seconds', 'abc'],
      ['sweep', '--preset', 'blktrace', '--n-subbufs', '2,x'],
      ['sweep', '--config', join(scratch, 'missing.json')],
    ]) {
      const r = await run(...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await run('sweep', '--preset', 'blktrace', '--n-subbufs', '2,x')).stderr).toMatch(/--n-subbufs must be a comma-separated list of integers from 1 .*got "x"/);
  });
});

describe('relayscope simulate and sweep --workload-csv', () => {
  const csv = () => {
    const lines = ['timestamp_us,cpu,size'];
    for (let i = 0; i < 400; i++) lines.push(`${i * 50},${i % 2},${32 + (i % 7)}`);
    return file('workload.csv', lines.join('\n') + '\n');
  };

  it('replays the file through a configuration, for as long as it lasts, and names it by hash', async () => {
    const config = file('two.json', JSON.stringify({ channel: { cpus: 2 } }));
    const r = await run('simulate', '--config', config, '--workload-csv', csv(), '--json');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    expect(report.workload).toMatchObject({ records: 400, duration: 0.01995 });
    expect(report.workload.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(report.seconds).toBe(0.01995);
    expect(report.total.written).toBe(400);
  });

  it('sweeps an imported workload', async () => {
    const r = await run('sweep', '--preset', 'one-subbuf', '--workload-csv', csv(), '--n-subbufs', '1,2', '--subbuf-sizes', '4096', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    expect(out.grid.map((c: { written: number }) => c.written)).toEqual([400, 400]);
    expect(out.workload.records).toBe(400);
    // A replay is judged over its capture, with its measured rates.
    expect(out.secondsReason).toBe("the capture's length (0.01995 s): a replay has no steady state beyond its end");
    expect(out.capacity.measured).toBe(true);
    expect(out.grid.filter((c: { lost: number }) => c.lost === 0).map((c: { verdictText: string }) => c.verdictText)).toContain('loss-free over the capture');
  });

  it('refuses a bad field or a CPU the configuration lacks, naming the line', async () => {
    const bad = await run('simulate', '--preset', 'one-subbuf', '--workload-csv', file('bad.csv', '0,0,32\n10,0,abc\n'));
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/bad\.csv:2: size "abc" \(column 3\) is not an integer$/);
    const cpu = await run('sweep', '--preset', 'i915-guc', '--workload-csv', file('cpu.csv', '0,0,32\n10,3,32\n'));
    expect(cpu.status).toBe(2);
    expect(cpu.stderr.split('\n')[0]).toMatch(/cpu\.csv:2: cpu 3 is beyond the channel's 1 CPU \(0 to 0\)$/);
  });
});

describe('relayscope simulate --trace-out', () => {
  it('writes a Chrome trace of the run and still prints the same report', async () => {
    const out = join(scratch, 'run.trace.json');
    const traced = await run('simulate', '--preset', 'one-subbuf', '--seconds', '0.3', '--seed', '2', '--json', '--trace-out', out);
    const plain = await run('simulate', '--preset', 'one-subbuf', '--seconds', '0.3', '--seed', '2', '--json');
    expect(traced.status).toBe(0);
    expect(traced.stdout).toBe(plain.stdout);
    const trace = JSON.parse(readFileSync(out, 'utf8'));
    const names = trace.traceEvents.filter((e: { name: string }) => e.name === 'thread_name').map((e: { args: { name: string } }) => e.args.name);
    expect(names).toEqual(['CPU 0', 'CPU 1']);
    const kinds = new Set(trace.traceEvents.map((e: { ph: string; name: string }) => `${e.ph} ${e.name}`));
    for (const k of ['C subbufs_produced', 'C subbufs_consumed', 'C ready', 'i dropped full', 'i wakeup']) expect(kinds).toContain(k);
  });

  it('says in the table output where the trace went', async () => {
    const out = join(scratch, 'table.trace.json');
    const r = await run('simulate', '--preset', 'i915-guc', '--seconds', '0.1', '--trace-out', out);
    expect(r.stdout).toMatch(new RegExp(`^trace: \\d+ events written to ${out}$`, 'm'));
  });

  it('refuses a file it cannot write', async () => {
    const r = await run('simulate', '--preset', 'one-subbuf', '--seconds', '0.01', '--trace-out', join(scratch, 'no/such/dir/t.json'));
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/t\.json: cannot write: ENOENT$/);
  });
});

describe('input a careless or hostile user gives', () => {
  it('refuses keys named after object built-ins in a config file, in simulate and in sweep', async () => {
    for (const [text, message] of [
      ['{"channel":{"__proto__":5}}', 'channel.__proto__ is not a setting'],
      ['{"workload":{"hasOwnProperty":5}}', 'workload.hasOwnProperty is not a setting'],
      ['{"reader":{"valueOf":5}}', 'reader.valueOf is not a setting'],
      ['{"channel":{"toString":5}}', 'channel.toString is not a setting'],
      ['{"constructor":5}', 'unknown section "constructor"'],
      ['{"__proto__":{}}', 'unknown section "__proto__"'],
    ]) {
      const path = file('builtin.json', text);
      for (const command of ['simulate', 'sweep']) refused(await run(command, '--config', path), new RegExp(`^relayscope: ${path}: ${message.replace(/[.()]/g, '\\$&')}`));
    }
  });

  it('refuses a key given twice, with its line', async () => {
    const path = file('twice.json', '{\n  "workload": {"rate": 10},\n  "workload": {"rate": 20}\n}\n');
    refused(await run('simulate', '--config', path), `relayscope: ${path}: at line 3, column 3: the key "workload" is given twice in one object`);
  });

  it('refuses nesting 100,000 levels deep with a message', async () => {
    const path = file('deep.json', '['.repeat(1e5) + ']'.repeat(1e5));
    refused(await run('simulate', '--config', path), `relayscope: ${path}: at line 1, column 65: nested deeper than 64 levels`);
    refused(await run('trace', path), `relayscope: ${path}: at line 1, column 65: nested deeper than 64 levels`);
  });

  it('prints a write of 1e308 or 2^53+1 bytes as an ERR step', async () => {
    const path = file('huge.json', '{"config":{"subbufSize":64,"nSubbufs":2},"ops":[{"op":"write","size":1e308},{"op":"write","size":9007199254740993},{"op":"write","size":4294967296}]}');
    const r = await run('trace', '--canonical', path);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toMatch(/^1 write ERR \| /);
    expect(lines[2]).toMatch(/^2 write ERR \| /);
    expect(lines[3]).toMatch(/^3 write len=0 .*bc=1,/);
  });

  it('refuses input files past their size limit', async () => {
    refused(await run('simulate', '--config', '/dev/zero'), 'relayscope: /dev/zero: larger than 1 MiB, the limit for a config file');
    refused(await run('trace', '/dev/zero'), 'relayscope: /dev/zero: larger than 8 MiB, the limit for a scenario file');
    refused(await run('simulate', '--preset', 'one-subbuf', '--workload-csv', '/dev/zero'), 'relayscope: /dev/zero: larger than 32 MiB, the limit for a workload CSV');
    // A capture's limit is for all its files together: each file is read with what is left.
    const capture = join(scratch, 'endless-capture');
    mkdirSync(capture);
    symlinkSync('/dev/zero', join(capture, 'sda.blktrace.0'));
    refused(
      await run('simulate', '--preset', 'blktrace', '--workload-blktrace', capture),
      `relayscope: ${join(capture, 'sda.blktrace.0')}: larger than 256 MiB, the limit for a blktrace capture (all its files together)`,
    );
    const ops = file('many.json', JSON.stringify({ config: { subbufSize: 64, nSubbufs: 2 }, ops: Array.from({ length: 100_001 }, () => ({ op: 'flush' })) }));
    refused(await run('trace', ops), `relayscope: ${ops}: "ops" holds 100001 operations; at most 100000`);
  });

  it('reports an output it cannot write in one line, and ends quietly on a closed pipe', async () => {
    const failing = (code: string) => () => {
      throw Object.assign(new Error(`${code}: write failed`), { code, syscall: 'write' });
    };
    const full = await runWith({ out: failing('ENOSPC') }, 'simulate', '--preset', 'one-subbuf', '--seconds', '0.01');
    expect(full).toEqual({ status: 2, stdout: '', stderr: 'relayscope: cannot write the output: ENOSPC\n' });
    const closed = await runWith({ out: failing('EPIPE') }, 'simulate', '--preset', 'one-subbuf', '--seconds', '0.01');
    expect(closed).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('escapes control bytes of a CSV field it quotes back', async () => {
    const path = file('escape.csv', '0,0,32\n10,0,\u001b[2J\u0007\n');
    refused(await run('simulate', '--preset', 'one-subbuf', '--workload-csv', path), `relayscope: ${path}:2: size "\\u001b[2J\\u0007" (column 3) is not an integer`);
  });

  it('refuses work past the bound with the estimate and how to proceed', async () => {
    const rate = file('rate.json', '{"workload":{"rate":1000000000}}');
    refused(
      await run('simulate', '--config', rate),
      /^relayscope: simulate: 1 s of this run is about 1,00\d,\d{3},\d{3} events \(some 11 minutes of computing\), above the bound of 100,000,000; run fewer --seconds, .* or pass --max-events \d+ to run it anyway$/,
    );
    const period = file('period.json', '{"reader":{"period":0.000001}}');
    refused(await run('simulate', '--config', period, '--seconds', '3600'), /^relayscope: simulate: 3600 s of this run is about 15,1\d{2},\d{3},\d{3} events \(some 3 hours of computing\)/);
    const sizes = Array.from({ length: 1000 }, (_, i) => 4096 + 16 * i).join(',');
    const counts = Array.from({ length: 1000 }, (_, i) => i + 1).join(',');
    refused(
      await run('sweep', '--preset', 'one-subbuf', '--subbuf-sizes', sizes, '--n-subbufs', counts),
      /^relayscope: sweep: a grid of 1000000 cells of 1 s is about [\d,]+ events .*; sweep fewer values or fewer --seconds, or pass --max-events/,
    );
    // The bound can be raised: the same run, told it may.
    expect((await run('simulate', '--config', rate, '--seconds', '0.0001', '--max-events', '1000', '--json')).status).toBe(2);
    expect((await run('simulate', '--config', rate, '--seconds', '0.0001', '--max-events', '200000', '--json')).status).toBe(0);
  });

  it('needs --seconds for a CSV longer than the 3600 s a run may last', async () => {
    const path = file('long.csv', 'timestamp_s,cpu,size\n0,0,32\n8985600,0,32\n');
    refused(
      await run('simulate', '--preset', 'one-subbuf', '--workload-csv', path),
      `relayscope: simulate: ${path} spans 8985600 s, beyond the 3600 s a run may last; give --seconds S (at most 3600) to replay its beginning`,
    );
    expect((await run('simulate', '--preset', 'one-subbuf', '--workload-csv', path, '--seconds', '1', '--json')).status).toBe(0);
  });

  it('draws a progress line on a terminal only, and stops cleanly on Ctrl-C', async () => {
    const args = ['simulate', '--preset', 'blktrace', '--seconds', '12', '--json'];
    const quiet = await run(...args.slice(0, 4), '1', '--json');
    expect(quiet.stderr).toBe('');
    const stop = new AbortController();
    const lines: string[] = [];
    // Ctrl-C once the line has moved on from 0%: the run stops before its next slice.
    const r = await runWith(
      {
        errIsTTY: true,
        signal: stop.signal,
        err: (c) => {
          lines.push(c);
          if (lines.length === 2) stop.abort();
        },
      },
      ...args,
    );
    expect(lines[0]).toBe('\rsimulate blktrace: 0% (Ctrl-C stops)\u001b[K');
    const percent = /(\d+)%/.exec(lines[1])?.[1];
    expect(lines[1]).toBe(`\rsimulate blktrace: ${percent}% (Ctrl-C stops)\u001b[K`);
    expect(Number(percent)).toBeGreaterThan(0);
    expect(lines.slice(2)).toEqual(['\r\u001b[K', `relayscope: simulate blktrace: interrupted at ${percent}%\n`]);
    expect(r.status).toBe(130);
    expect(r.stdout).toBe('');
  });

  it('says a sub-buffer of 1 byte can hold no record', async () => {
    const path = file('one.json', '{"channel":{"subbufSize":1}}');
    refused(await run('simulate', '--config', path), /^relayscope: .*one\.json: channel\.subbufSize 1 cannot hold any record: every record is at least 16 bytes/);
  });

  it('refuses hex and other numbers nobody means', async () => {
    for (const [flag, value] of [
      ['--seed', '0x10'],
      ['--seconds', '0x1'],
      ['--seconds', 'Infinity'],
      ['--seed', ''],
    ])
      refused(await run('simulate', '--preset', 'one-subbuf', flag, value), new RegExp(`^relayscope: simulate: ${flag} must be an? (integer|number) from .*, got "${value}"$`));
    expect((await run('simulate', '--preset', 'one-subbuf', '--seconds', '.01', '--seed', '1e1', '--json')).status).toBe(0);
  });
});
