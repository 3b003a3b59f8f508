import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures.ts';

const cli = fileURLToPath(new URL('../build/cli/src/cli/main.js', import.meta.url));

/** Runs the CLI; returns its stdout, failing on any stderr. */
function relayscope(...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

const tmp = (name: string, text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'relayscope-e2e-')), name);
  writeFileSync(file, text);
  return file;
};

/** Two CPUs, a small channel and a reader that pauses: some cells lose records, some do not. */
const config = {
  channel: { cpus: 2, subbufSize: 2048, nSubbufs: 4 },
  workload: { rate: 40000 },
  reader: { period: 0.02, pauseEvery: 0.05, pauseFor: 0.01 },
};

/** The slow reader: 4 CPUs at 200,000 records/s of 48-96 B (3.6 MB/s per CPU), a reader that drains 1.024 MB/s per CPU. */
const slow = { channel: { cpus: 4 }, workload: { rate: 200_000, sizeMin: 48, sizeMax: 96 }, reader: { costPerKiB: 1000 } };

const WORKLOAD = ['timestamp_us,cpu,size', ...Array.from({ length: 400 }, (_, i) => `${i * 25},${i % 2},${48 + (i % 5) * 16}`)].join('\n');

test.describe('the sizing explorer', () => {
  test('sweeps a preset in a worker to the recommendation the CLI gives', async ({ app, pageErrors }) => {
    // Seconds of simulation at 200,000 records/s, in the page and in the CLI.
    test.slow();
    await app.goto();
    const sweep = app.sweep;
    await sweep.source.selectOption('blktrace');
    await sweep.axis('subbufSizes').fill('64K, 128K, 256K');
    await sweep.axis('nSubbufs').fill('1, 2, 4');
    await sweep.seconds.fill('0.25');
    await sweep.run.click();
    await expect(sweep.status).toHaveText('done', { timeout: 60_000 });
    await expect(sweep.recommended).toBeVisible();

    const page = await sweep.result();
    const out = relayscope('sweep', '--preset', 'blktrace', '--seconds', '0.25', '--seed', '1', '--subbuf-sizes', '65536,131072,262144', '--n-subbufs', '1,2,4', '--json');
    const fromCli = JSON.parse(out.trim().split('\n').at(-1) ?? '');
    expect(page?.cells).toEqual(fromCli.grid);
    expect(page?.recommended).toEqual(fromCli.recommended);
    expect(page?.margin).toEqual(fromCli.margin);
    expect(page?.reason).toBe(fromCli.reason);
    expect(page?.capacity).toEqual(fromCli.capacity);
    expect(fromCli.grid.map((c: { verdict: string }) => c.verdict)).toContain('loss-free');
    expect(fromCli.capacity.bottleneck).toBe('buffer');
    await expect(sweep.capacity).toHaveAttribute('data-bottleneck', 'buffer');
    await expect(sweep.capacity).toContainText(fromCli.capacity.statement);
    // The estimate beside the simulated peak, for the recommended cell.
    await expect(sweep.estimate).toHaveAttribute('data-simulated', String(fromCli.margin.peakBacklogBytes));
    await expect(sweep.estimate).toHaveAttribute('data-estimated', String(fromCli.margin.estimatedPeakBacklogBytes));
    await expect(sweep.estimate).toContainText('estimated');
    await expect(sweep.estimate).toContainText('simulated');

    const rec = fromCli.recommended;
    await expect(sweep.recommended).toHaveAttribute('data-subbuf-size', String(rec.subbufSize));
    await expect(sweep.recommended).toHaveAttribute('data-n-subbufs', String(rec.nSubbufs));
    await expect(sweep.margin).toContainText(`at worst ${fromCli.margin.peakReady} of ${rec.nSubbufs} sub-buffers`);
    await expect(sweep.cell(rec.subbufSize, rec.nSubbufs)).toContainText('loss-free');
    await expect(sweep.cell(rec.subbufSize, rec.nSubbufs)).toHaveAttribute('data-verdict', 'loss-free');
    await expect(sweep.cell(rec.subbufSize, rec.nSubbufs)).toHaveAccessibleName(/recommended/);
    const lossy = fromCli.grid.find((c: { lost: number | null }) => (c.lost ?? 0) > 0);
    await expect(sweep.cell(lossy.subbufSize, lossy.nSubbufs)).toContainText('lost');
    expect(pageErrors).toEqual([]);
  });

  test('finds the slow reader the bottleneck and recommends no size, as the CLI does with its default length', async ({ app, pageErrors }) => {
    // Seconds of simulation at 200,000 records/s, in the page and in the CLI.
    test.slow();
    await app.goto();
    await app.startLive(slow, 1, { mode: 'deterministic' });
    const sweep = app.sweep;
    await sweep.axis('subbufSizes').fill('16K, 512K');
    await sweep.axis('nSubbufs').fill('8');
    await sweep.run.click();
    await expect(sweep.status).toHaveText('done', { timeout: 60_000 });

    const out = relayscope('sweep', '--config', tmp('slow.json', JSON.stringify(slow)), '--subbuf-sizes', '16384,524288', '--n-subbufs', '8', '--json');
    const fromCli = JSON.parse(out.trim().split('\n').at(-1) ?? '');
    expect(fromCli).toMatchObject({ recommended: null, seconds: 1, capacity: { bottleneck: 'reader' } });
    expect(fromCli.secondsReason).toMatch(/^the shortest default sweep \(1 s\)/);
    expect(fromCli.reason).toMatch(/the reader drains 1\.02 MB\/s per CPU, the writers produce 3\.6 MB\/s/);
    expect(fromCli.reason).toMatch(/a cost of at most 284 µs\/KiB/);
    // The larger ring lost nothing in 1 s, only because its backlog had not filled it yet.
    expect(fromCli.grid.map((c: { verdict: string }) => c.verdict)).toEqual(['lossy', 'loss-free-for']);

    const page = await sweep.result();
    expect(page?.cells).toEqual(fromCli.grid);
    expect(page?.capacity).toEqual(fromCli.capacity);
    expect(page?.recommended).toBeNull();
    expect(page?.reason).toBe(fromCli.reason);
    expect(page?.secondsReason).toBe(fromCli.secondsReason);
    await expect(sweep.recommended).toHaveCount(0);
    await expect(sweep.reason).toContainText(fromCli.reason);
    await expect(sweep.capacity).toHaveAttribute('data-bottleneck', 'reader');
    await expect(sweep.secondsReason).toContainText(fromCli.secondsReason);
    await expect(sweep.cell(524288, 8)).toHaveAttribute('data-verdict', 'loss-free-for');
    await expect(sweep.cell(524288, 8)).toContainText('loss-free 1 s only');
    expect(pageErrors).toEqual([]);
  });

  test('narrows a big preset\'s default grid and says so; cancel stops a sweep and keeps the last result', async ({ app }) => {
    await app.goto();
    const sweep = app.sweep;
    await sweep.axis('subbufSizes').fill('4096');
    await sweep.axis('nSubbufs').fill('2, 8');
    await sweep.seconds.fill('0.1');
    await sweep.run.click();
    await expect(sweep.status).toHaveText('done');
    await expect(sweep.cell(4096, 8)).toBeVisible();

    await sweep.source.selectOption('kvmtrace');
    await expect(sweep.note).toContainText('at most 32 MiB');
    await expect(sweep.note).toContainText('reaches 256 MiB');
    await sweep.seconds.fill('5');
    await sweep.run.click();
    await expect(sweep.progress).toBeVisible();
    await sweep.cancel.click();
    await expect(sweep.status).toHaveText('cancelled');
    await expect(sweep.page.getByTestId('sweep.cancelled')).toContainText('the last complete sweep is shown');
    await expect(sweep.cell(4096, 8)).toBeVisible();

    // Bad input runs nothing and leaves the result on show.
    await sweep.axis('nSubbufs').fill('2, two');
    await sweep.run.click();
    await expect(sweep.axisError('nSubbufs')).toHaveText('n_subbufs, item 2 ("two"): must be an integer from 1 to 524288');
    await expect(sweep.axis('nSubbufs')).toHaveAttribute('aria-invalid', 'true');
    await expect(sweep.status).toHaveText('cancelled');
    await expect(sweep.cell(4096, 8)).toBeVisible();
  });

  test('a cell loads its configuration into the run', async ({ app }) => {
    await app.goto();
    await app.sweep.axis('subbufSizes').fill('1024, 4096');
    await app.sweep.axis('nSubbufs').fill('2, 8');
    await app.sweep.seconds.fill('0.05');
    await app.sweep.run.click();
    await expect(app.sweep.status).toHaveText('done');
    await app.sweep.cell(1024, 8).click();
    await expect(app.live.status).toHaveText('running');
    await expect(app.live.field('channel.subbufSize')).toHaveValue('1024');
    await expect(app.live.field('channel.nSubbufs')).toHaveValue('8');
  });
});

test.describe('the A/B comparison', () => {
  test('runs two configurations on the same seed and says which lost less, by how much', async ({ app }) => {
    await app.goto();
    await app.startLive(config, 3, { mode: 'deterministic' });
    const c = app.compare;
    await c.field('A', 'nSubbufs').fill('2');
    await c.field('B', 'nSubbufs').fill('16');
    await c.seconds.fill('0.3');
    await c.run.click();
    await expect(c.status).toHaveText('done');

    const simulate = (nSubbufs: number) => app.simulate({ ...config, channel: { ...config.channel, nSubbufs } }, 3, 0.3);
    const [a, b] = [await simulate(2), await simulate(16)];
    const lost = (r: typeof a) => r.total.droppedFull + r.total.droppedToobig + r.total.overwritten + r.total.skipped + r.total.discarded;
    expect(lost(a)).toBeGreaterThan(lost(b));
    const count = (n: number) => new Intl.NumberFormat('en-US').format(n).replace(/,/g, '\u202f');
    await expect(c.cell('lost', 'a')).toHaveText(count(lost(a)));
    await expect(c.cell('lost', 'b')).toHaveText(count(lost(b)));
    await expect(c.cell('lost', 'better')).toHaveAttribute('data-better', 'B');
    await expect(c.cell('lost', 'better')).toHaveText(`B, ${count(lost(a) - lost(b))} lower (${+(((lost(a) - lost(b)) / lost(a)) * 100).toPrecision(3)}% less)`);
    await expect(c.cell('memoryBytes', 'better')).toHaveAttribute('data-better', 'A');
    await expect(c.cell('written', 'a')).toHaveText(count(a.total.written));
    await expect(c.cell('written', 'better')).toHaveText('equal');

    await expect(c.cell('verdict', 'better')).toHaveAttribute('data-better', 'B');

    await c.field('B', 'nSubbufs').fill('0');
    await c.run.click();
    await expect(c.fieldError('B', 'nSubbufs')).toContainText('B: channel.nSubbufs must be');
    await expect(c.table).toBeVisible();
  });
});

test.describe('the A/B comparison of a slow reader', () => {
  test('does not call the larger buffer better at loss: it holds more records at risk', async ({ app }) => {
    // Seconds of simulation at 200,000 records/s, in the page and in the CLI.
    test.slow();
    await app.goto();
    await app.startLive(slow, 1, { mode: 'deterministic' });
    const c = app.compare;
    await c.field('A', 'subbufSize').fill('16384');
    await c.field('A', 'nSubbufs').fill('8');
    await c.field('B', 'subbufSize').fill('524288');
    await c.field('B', 'nSubbufs').fill('8');
    await c.seconds.fill('0.5');
    await c.run.click();
    await expect(c.status).toHaveText('done', { timeout: 60_000 });
    await expect(c.cell('lost', 'b')).toHaveText('0');
    await expect(c.cell('lost', 'better')).toHaveAttribute('data-better', '');
    await expect(c.cell('lost', 'better')).toContainText('the reader is the bottleneck of both');
    await expect(c.cell('lost', 'better')).not.toContainText('less');
    await expect(c.cell('verdict', 'a')).toHaveText('lossy');
    await expect(c.cell('verdict', 'b')).toContainText('loss-free for 0.5 s only (backlog growing at');
    await expect(c.cell('verdict', 'better')).toHaveAttribute('data-better', '');
    await expect(c.cell('inBuffer', 'better')).toHaveAttribute('data-better', 'A');
    await expect(c.cell('maxLagUs', 'better')).toHaveAttribute('data-better', 'A');
    await expect(c.capacity('B')).toHaveAttribute('data-bottleneck', 'reader');
    await expect(c.capacity('B')).toContainText('the reader drains 1.02 MB/s per CPU, the writers produce 3.6 MB/s');
  });
});

test.describe('export and import', () => {
  test('downloads the run\'s counters as CSV and JSON, and a Chrome trace equal to the CLI\'s', async ({ app }) => {
    await app.goto();
    await app.startLive(config, 7, { mode: 'deterministic' });
    await app.step({ kind: 'time', seconds: 0.2 });
    const report = await app.simulate(config, 7, 0.2);

    const csv = await app.exports.download(app.exports.csv);
    expect(csv.name).toBe('relayscope-counters.csv');
    const lines = csv.text.trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => lines[0].indexOf(name);
    const total = lines.find((l) => l[0] === 'total') ?? [];
    expect(Number(total[col('written')])).toBe(report.total.written);
    expect(Number(total[col('dropped_full')])).toBe(report.total.droppedFull);
    expect(lines.length).toBe(1 + 2 + 1);

    const json = await app.exports.download(app.exports.json);
    expect(json.name).toBe('relayscope-counters.json');
    const counters = JSON.parse(json.text);
    expect(counters.total.written).toBe(report.total.written);
    expect(counters.cpus.map((r: { read_intact: number }) => r.read_intact)).toEqual(report.cpus.map((r) => r.readIntact));

    await app.exports.traceSeconds.fill('0.2');
    const trace = await app.exports.download(app.exports.trace);
    expect(trace.name).toBe('relayscope-trace.json');
    const out = join(mkdtempSync(join(tmpdir(), 'relayscope-e2e-')), 'trace.json');
    relayscope('simulate', '--config', tmp('config.json', JSON.stringify(config)), '--seconds', '0.2', '--seed', '7', '--trace-out', out);
    expect(JSON.parse(trace.text)).toEqual(JSON.parse(readFileSync(out, 'utf8')));
  });

  test('a live run\'s counters wait for a pause', async ({ app }) => {
    await app.goto();
    await app.startLive(config, 1);
    await expect(app.exports.csv).toBeDisabled();
    await expect(app.exports.note).toContainText('Pause the run');
    await app.live.pause.click();
    await expect(app.exports.csv).toBeEnabled();
  });

  test('an imported CSV replays deterministically; a bad one is refused with its line and field', async ({ app, page }) => {
    await app.goto();
    await app.startLive(config, 2, { mode: 'deterministic' });
    await app.workload.choose('bad.csv', 'timestamp_us,cpu,size\n0,0,64\n12,1,abc\n');
    await expect(app.workload.error).toContainText('bad.csv:3: size "abc" (column 3) is not an integer');
    await expect(app.workload.status).toHaveCount(0);
    expect(page.url()).not.toContain('workload=');

    await app.workload.choose('w.csv', WORKLOAD);
    await expect(app.workload.error).toHaveCount(0);
    await expect(app.workload.status).toContainText('Replaying w.csv: 400 records');
    const hash = await app.workload.status.getAttribute('data-hash');
    await expect(page).toHaveURL(new RegExp(`workload=${hash}`));
    await app.step({ kind: 'time', seconds: 0.02 });
    const snap = await app.liveSnapshot();
    expect(snap.kind).toBe('deterministic');
    expect(snap.written.reduce((s, n) => s + n, 0)).toBe(400);

    // The same replay in Node: the CLI's report for the same workload and seed.
    const fromCli = JSON.parse(
      relayscope('simulate', '--config', tmp('c.json', JSON.stringify(config)), '--seed', '2', '--seconds', '0.02', '--workload-csv', tmp('w.csv', WORKLOAD), '--json'),
    );
    expect(fromCli.workload.hash).toBe(hash);
    expect(snap.readIntact).toEqual(fromCli.cpus.map((r: { readIntact: number }) => r.readIntact));
  });

  test('an address with a workload hash asks for the file and checks it', async ({ app, page }) => {
    await app.goto();
    await app.startLive(config, 2, { mode: 'deterministic' });
    await app.workload.choose('w.csv', WORKLOAD);
    const hash = (await app.workload.status.getAttribute('data-hash')) ?? '';
    await app.step({ kind: 'time', seconds: 0.002 });
    const url = page.url();
    expect(url).toContain(`workload=${hash}`);

    await page.goto(url);
    await expect(app.workload.wanted).toContainText(hash);
    await expect(app.live.status).toHaveText('idle');
    await app.workload.choose('other.csv', '0,0,64\n');
    await expect(app.workload.error).toContainText(`other.csv is not the workload this address names`);
    await expect(page).toHaveURL(url);
    await app.workload.choose('w.csv', WORKLOAD);
    await expect(app.workload.status).toContainText(hash);
    await expect(app.workload.wanted).toHaveCount(0);
    await expect(app.live.status).toHaveText('paused');
    await expect(page).toHaveURL(url);
  });
});
