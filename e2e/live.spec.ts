import { spawnSync } from 'node:child_process';
import type { Locator, Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCount } from '../src/lib/format.ts';
import { expect, stripIsolationHeaders, test } from './fixtures.ts';
import type { AppPage } from './pages/app.ts';

/** Two CPUs: as many producer workers as this machine's threads allow, one per CPU. */
const config = {
  channel: { cpus: 2, subbufSize: 4096, nSubbufs: 4, mode: 'no-overwrite' },
  workload: { rate: 20000, arrival: 'poisson', size: 'uniform', sizeMin: 16, sizeMax: 200 },
  reader: { mode: 'read', period: 0.02, costPerKiB: 5 },
};

const cli = fileURLToPath(new URL('../build/cli/src/cli/main.js', import.meta.url));

test.describe('the live run', () => {
  test('runs producer workers over SharedArrayBuffer, and every record is accounted for after pause', async ({ app, pageErrors }) => {
    await app.goto();
    expect(await app.crossOriginIsolated()).toBe(true);
    await app.startLive(config, 3);
    await expect(app.live.status).toHaveText('running');
    // A worker per CPU, up to the machine's threads less the one the page keeps.
    const workers = Math.min(2, await app.page.evaluate(() => Math.max(1, navigator.hardwareConcurrency - 1)));
    const plural = workers === 1 ? '' : 's';
    await expect(app.live.workers).toHaveText(`${workers} producer worker${plural} and ${workers} reader worker${plural}`);
    const first = await app.liveSnapshot();
    expect(first).toMatchObject({ kind: 'workers', producerWorkers: workers, readerWorkers: workers, cpus: 2 });

    // Counters advance, in the page's cells and in the shared memory.
    await expect.poll(async () => (await app.liveSnapshot()).written.every((n) => n > 500)).toBe(true);
    await expect.poll(async () => (await app.liveSnapshot()).readIntact.every((n) => n > 0)).toBe(true);
    await expect(app.live.counter('total', 'written')).not.toHaveText('0');

    await app.live.pause.click();
    await expect(app.live.status).toHaveText('paused');
    await expect(app.live.accounting).toBeVisible();
    const paused = await app.liveSnapshot();
    expect(paused.accounting).not.toBeNull();
    for (const a of paused.accounting ?? []) {
      const fates = a.readIntact + a.droppedFull + a.droppedToobig + a.overwritten + a.skipped + a.discarded + a.inBuffer;
      expect(a.written, `CPU ${a.cpu}`).toBeGreaterThan(0);
      expect(fates, `CPU ${a.cpu}`).toBe(a.written);
      expect(a).toMatchObject({ unaccounted: 0, torn: 0, missing: 0 });
      await expect(app.live.balance(a.cpu)).toHaveText('balanced');
    }
    // Paused means paused: the cells show what the pause found, and over the page's next 120
    // frames (two seconds or more, in which running producers write thousands) nothing more is written.
    const written = paused.written;
    await expect(app.live.counter('total', 'written')).toHaveText(formatCount(written.reduce((a, b) => a + b, 0)));
    const seen = await app.writtenOverFrames(120);
    const moved = [...new Set(seen.map((w) => w.join()))].filter((w) => w !== written.join());
    expect(moved.slice(0, 5), `records written per CPU while paused (at the pause: ${written.join()})`).toEqual([]);

    await app.live.resume.click();
    await expect(app.live.status).toHaveText('running');
    await expect.poll(async () => (await app.liveSnapshot()).written[0]).toBeGreaterThan(written[0]);
    expect(pageErrors).toEqual([]);
  });

  test('starts from the form, and a bad value is refused beside its field while the run goes on', async ({ app }) => {
    await app.goto();
    await app.openSettings();
    await app.live.field('channel.cpus').fill('2');
    await app.live.start.click();
    await expect(app.live.status).toHaveText('running');
    await expect(app.live.counter(1, 'written')).not.toHaveText('0');

    await app.live.field('workload.rate').fill('-5');
    await app.live.start.click();
    await expect(app.live.fieldError('workload.rate')).toHaveText(/workload\.rate must be a number from 0/);
    await expect(app.live.field('workload.rate')).toHaveAttribute('aria-invalid', 'true');
    await expect(app.live.status).toHaveText('running');
    expect((await app.liveSnapshot()).cpus).toBe(2);
  });

  test('gives the same deterministic run for the same seed, in the browser and in Node', async ({ app }) => {
    await app.goto();
    const a = await app.simulate(config, 11, 0.5);
    const b = await app.simulate(config, 11, 0.5);
    expect(b).toEqual(a);
    expect(a.total.written).toBeGreaterThan(5000);
    expect(a.total.unaccounted).toBe(0);

    const file = join(mkdtempSync(join(tmpdir(), 'relayscope-e2e-')), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const fromNode = spawnSync(process.execPath, [cli, 'simulate', '--config', file, '--seconds', '0.5', '--seed', '11', '--json'], {
      encoding: 'utf8',
    });
    expect(fromNode.stderr).toBe('');
    const { name: _name, ...node } = JSON.parse(fromNode.stdout);
    expect(node).toEqual(JSON.parse(JSON.stringify(a)));
  });
});

test.describe('rendering', () => {
  test('panels that show per-frame data do not re-render while the run goes on', async ({ app, page }) => {
    await app.goto();
    await app.startLive(config, 12);
    await expect.poll(async () => (await app.liveSnapshot()).written[0]).toBeGreaterThan(2000);
    const counts = () => page.evaluate(() => window.relayscope!.renderCounts());
    const before = await counts();
    for (const name of ['LivePanel', 'CounterTable', 'Stage', 'StagePicture', 'Tracks', 'TrackCanvas', 'EventLogPanel', 'FilesPanel', 'MemoryView']) expect(before[name], name).toBeGreaterThan(0);
    // Thousands of records later, with the counters, rings, charts and log all moving:
    const written = (await app.liveSnapshot()).written[0];
    await expect.poll(async () => (await app.liveSnapshot()).written[0]).toBeGreaterThan(written + 5000);
    await expect(app.live.counter('total', 'written')).not.toHaveText('0');
    expect(await counts()).toEqual(before);
  });
});

test.describe('when things go wrong', () => {
  test('a worker that throws is reported with its message, and the run restarts without a reload', async ({ app }) => {
    await app.goto();
    await app.startLive(config, 5, { faultyWorker: 'reader' });
    await expect(app.live.error).toContainText(/The run stopped: reader worker \d+: /);
    await expect(app.live.status).toHaveText('failed');
    await app.page.getByTestId('live.restart').click();
    await expect(app.live.status).toHaveText('running');
    await expect(app.live.error).toHaveCount(0);
    await expect.poll(async () => (await app.liveSnapshot()).written.every((n) => n > 0)).toBe(true);
  });

  test('without cross-origin isolation the live run falls back to one thread, says why, and still accounts for everything', async ({
    browser,
  }) => {
    // A host that sends no isolation headers, and no service worker to add them.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await stripIsolationHeaders(context);
    const page = await context.newPage();
    await page.goto('/');
    // The page first gives a blocked service worker a few seconds to become ready.
    await expect(page.getByTestId('app.isolation')).toHaveText('not cross-origin isolated', { timeout: 15_000 });
    await page.getByTestId('app.settings').click();
    await page.getByTestId('live.start').click();
    await expect(page.getByTestId('live.banner')).toContainText('Running on one thread: the page is not cross-origin isolated');
    await expect(page.getByTestId('live.workers')).toHaveText('one thread (no workers)');
    await expect(page.getByTestId('live.cpu.total.written')).not.toHaveText('0');
    await page.getByTestId('live.pause').click();
    for (let cpu = 0; cpu < 4; cpu++) await expect(page.getByTestId(`live.accounting.${cpu}`)).toHaveText('balanced');
    await context.close();
  });

  test('a host that cannot send the headers gets them from the service worker', async ({ browser }) => {
    const context = await browser.newContext();
    // The network sends no isolation headers; the service worker adds them back.
    await stripIsolationHeaders(context);
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByTestId('app.isolation')).toHaveText('cross-origin isolated');
    expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
    await context.close();
  });
});

test.describe('the channel view', () => {
  test('shows a writer with no reader filling the ring and stalling, and one with a reader moving on', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ ...config, reader: { enabled: false } }, 2);
    await expect(page.getByTestId('channel.canvas')).toBeVisible();
    for (const cpu of [0, 1])
      await expect(page.getByTestId(`channel.cpu.${cpu}`)).toHaveText(
        `CPU ${cpu}: stalled: the ring is full and the writer owns no sub-buffer; 4 ready; produced 4, consumed 0`,
      );
    await app.startLive(config, 2);
    await expect(page.getByTestId('channel.cpu.0')).toHaveText(/^CPU 0: writing sub-buffer [0-3] at byte \d+; [0-3] ready; produced \d+, consumed \d+$/);
    await expect.poll(async () => Number(/produced (\d+)/.exec((await page.getByTestId('channel.cpu.1').textContent()) ?? '')?.[1])).toBeGreaterThan(8);
  });
});

test.describe('the counters strip', () => {
  test('pages through many CPUs eight at a time, its total summing all of them', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ ...config, channel: { ...config.channel, cpus: 12 } }, 5, { mode: 'deterministic' });
    await app.step({ kind: 'time', seconds: 0.05 });
    const snap = await app.liveSnapshot();
    const sum = snap.written.reduce((a, b) => a + b, 0);
    await expect(page.getByTestId('live.counters.page')).toHaveText('CPUs 0 to 7 of 12');
    await expect(page.getByTestId('live.counters.prev')).toBeDisabled();
    await expect(page.getByTestId('live.cpu.7.written')).toHaveText(formatCount(snap.written[7]));
    await expect(page.getByTestId('live.cpu.9.written')).toHaveCount(0);
    await expect(page.getByTestId('live.cpu.total.written')).toHaveText(formatCount(sum));
    await page.getByTestId('live.counters.next').click();
    await expect(page.getByTestId('live.counters.page')).toHaveText('CPUs 8 to 11 of 12');
    await expect(page.getByTestId('live.counters.next')).toBeDisabled();
    await expect(page.getByTestId('live.cpu.9.written')).toHaveText(formatCount(snap.written[9]));
    await expect(page.getByTestId('live.cpu.0.written')).toHaveCount(0);
    await expect(page.getByTestId('live.cpu.total.written')).toHaveText(formatCount(sum));
  });
});

test.describe('deterministic mode', () => {
  /** Total sub-buffers produced, read from the channel view's text. */
  const produced = async (page: Page, cpus: number): Promise<number> => {
    let sum = 0;
    for (let cpu = 0; cpu < cpus; cpu++) sum += Number(/produced (\d+)/.exec((await page.getByTestId(`channel.cpu.${cpu}`).textContent()) ?? '')?.[1]);
    return sum;
  };

  test('steps by event, to the next sub-buffer switch and by time, from buttons and keys', async ({ app, page }) => {
    await app.goto();
    await page.getByTestId('live.mode').selectOption('deterministic');
    await app.openSettings();
    await app.live.field('channel.cpus').fill('2');
    await app.live.start.click();
    await expect(app.live.workers).toHaveText(/^deterministic: one thread in virtual time, seed \d+$/);
    await expect(page.getByTestId('live.time')).toHaveText('t = 0.000 ms');
    await expect(page.getByTestId('channel.cpu.1')).toHaveText(/produced 0, consumed 0$/);

    await page.getByTestId('live.step.switch').click();
    await expect.poll(() => produced(page, 2)).toBe(1);
    await page.locator('body').press('w');
    await expect.poll(() => produced(page, 2)).toBe(2);

    await page.getByTestId('live.step.time').click();
    const t = (await app.liveSnapshot()).virtualTime * 1000;
    await page.locator('body').press('t');
    await expect(page.getByTestId('live.time')).toHaveText(`t = ${(t + 10).toFixed(3)} ms`);

    // A step by event runs exactly one event, and the counters then show the engine's numbers.
    const position = page.getByTestId('travel.position');
    const at = Number(/^event ([\d\u202f]+) of/.exec((await position.textContent()) ?? '')?.[1].replace(/\u202f/g, ''));
    expect(at).toBeGreaterThan(0);
    const eventAt = (n: number) => new RegExp(`^event ${formatCount(n).replace(/\u202f/g, '\\s')} of `);
    await page.getByTestId('live.step.event').click();
    await expect(position).toHaveText(eventAt(at + 1));
    await page.locator('body').press('n');
    await expect(position).toHaveText(eventAt(at + 2));
    const total = (await app.liveSnapshot()).written.reduce((a, b) => a + b, 0);
    await expect(app.live.counter('total', 'written')).toHaveText(formatCount(total));
    for (const cpu of [0, 1]) await expect(app.live.balance(cpu)).toHaveText('balanced');
  });

  test('announces when records start being dropped', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ ...config, reader: { enabled: false } }, 4);
    await expect(page.getByTestId('live.announce')).toHaveText(/^CPU [01] is dropping records: its buffer is full\.$/);
    await expect(page.getByTestId('live.shortcuts')).toContainText('Space play / pause');
  });
});

test.describe('channel operations in deterministic mode', () => {
  test('flush produces every buffer, hotplug stops a CPU, reset starts over, close stops the writers', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ ...config, reader: { enabled: false } }, 9, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    const beforeFlush = (await app.liveSnapshot()).subbufsProduced;
    await page.getByTestId('live.op.flush').click();
    for (const cpu of [0, 1])
      await expect(page.getByTestId(`channel.cpu.${cpu}`)).toHaveText(new RegExp(`at byte 0; \\d ready; produced ${beforeFlush[cpu] + 1}, consumed 0$`));

    await page.getByTestId('live.op.cpu').selectOption('1');
    await page.getByTestId('live.op.offline').click();
    const before = (await app.liveSnapshot()).written;
    await page.getByTestId('live.step.time').click();
    const after = (await app.liveSnapshot()).written;
    expect(after[0]).toBeGreaterThan(before[0]);
    expect(after[1]).toBe(before[1]);

    await page.getByTestId('live.op.reset').click();
    for (const cpu of [0, 1]) await expect(page.getByTestId(`channel.cpu.${cpu}`)).toHaveText(/writing sub-buffer 0 at byte 0; 0 ready; produced 0, consumed 0$/);
    for (const cpu of [0, 1]) await expect(app.live.balance(cpu)).toHaveText('balanced');

    await page.getByTestId('live.op.close').click();
    const closed = (await app.liveSnapshot()).written;
    await page.getByTestId('live.step.time').click();
    expect((await app.liveSnapshot()).written).toEqual(closed);
  });
});

test.describe('the sub-buffer inspector', () => {
  const exact = {
    channel: { cpus: 1, subbufSize: 4096, nSubbufs: 4, mode: 'no-overwrite' },
    workload: { rate: 10000, arrival: 'constant', size: 'fixed', sizeMin: 64 },
    reader: { enabled: false },
  };

  test('shows a produced sub-buffer as its records, and what each kind of reader would get', async ({ app, page }) => {
    await app.goto();
    await app.startLive(exact, 1, { mode: 'deterministic' });
    await page.getByTestId('live.step.switch').click();
    await page.getByTestId('inspector.subbuf').selectOption('0');
    // 64 records of 64 bytes fill the 4096-byte sub-buffer exactly: no padding.
    await expect(page.getByTestId('inspector.summary')).toHaveText('Sub-buffer 0: produced, ready; 64 records (4\u202f096 bytes).');
    await expect(page.getByTestId('inspector.readers')).toHaveText(
      'read(2) would return 4\u202f096 bytes of it now, from offset 0; an mmap reader would process it (produced, not consumed).',
    );
    const rows = page.getByTestId('inspector.records').locator('tbody tr');
    await expect(rows).toHaveCount(64);
    await expect(rows.first().locator('td')).toHaveText(['0', '64', '0', '0', /^\d+$/, 'intact']);
    await expect(rows.last().locator('td').nth(3)).toHaveText('63');

    // The writer's sub-buffer, chosen by clicking the rings: one record so far.
    const canvas = page.getByTestId('channel.canvas');
    const box = await canvas.boundingBox();
    if (box === null) throw new Error('the canvas is not laid out');
    await canvas.click({ position: { x: 56 + ((box.width - 56) * 1.5) / 4, y: 15 } });
    await expect(page.getByTestId('inspector.subbuf')).toHaveValue('1');
    await expect(page.getByTestId('inspector.summary')).toHaveText('Sub-buffer 1: being written; 1 record (64 bytes).');
    await expect(page.getByTestId('inspector.readers')).toHaveText(
      'read(2) would return 64 bytes of it now, from offset 0; an mmap reader would not process it.',
    );
  });
});

/** Starts a live run and shows its tracks (their tab, the canvas in view) once they hold some history. */
async function liveTracks(app: AppPage, page: Page): Promise<Locator> {
  await app.goto();
  await app.startLive(config, 6);
  await page.getByTestId('tab.series').click();
  const canvas = page.getByTestId('tracks.canvas');
  await canvas.scrollIntoViewIfNeeded();
  await expect.poll(async () => Number(await canvas.getAttribute('data-nonzero'))).toBeGreaterThan(3);
  return canvas;
}

test.describe('the tracks', () => {
  test('sample a live run on a time axis, with units and per-CPU scales', async ({ app, page }) => {
    await liveTracks(app, page);
    await expect(page.getByTestId('tracks.range')).toHaveText(/^whole run: 0(\.0)? (µs|ms|s) to .* per bucket$/);
    await expect(page.getByTestId('tracks.axis')).toHaveText(/\d (ms|s)\b/);
    await expect(page.getByTestId('tracks.scales')).toContainText('CPU 0 ready: 0 to 4 sub-buffers');
  });

  test('zoom to a dragged window and show the whole run again', async ({ app, page }) => {
    const canvas = await liveTracks(app, page);
    // The tools pane made taller with its splitter, by keyboard.
    const splitter = page.getByTestId('workspace.splitter');
    await splitter.press('PageUp');
    await expect(splitter).toHaveAttribute('aria-valuenow', '75');
    await canvas.scrollIntoViewIfNeeded();
    const box = await canvas.boundingBox();
    const pane = await page.getByRole('region', { name: 'Tools' }).boundingBox();
    const bar = await page.getByRole('navigation', { name: 'Tools' }).boundingBox();
    if (box === null || pane === null || bar === null) throw new Error('the tracks are not laid out');
    // A row the pane shows, below its bar of tools.
    const y = Math.max(box.y, bar.y + bar.height) + 20;
    expect(y).toBeLessThan(Math.min(box.y + box.height, pane.y + pane.height));
    await page.mouse.move(box.x + box.width * 0.4, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 5 });
    await page.mouse.up();
    await expect(page.getByTestId('tracks.range')).toHaveText(/^window: /);
    await expect(page.getByTestId('tracks.hover')).toHaveText(/^t = .*records written/);
    // A double click on the tracks shows the whole run (dispatched: Firefox over BiDi makes no
    // dblclick of two clicks), and so does the button beside the range.
    await canvas.dispatchEvent('dblclick');
    await expect(page.getByTestId('tracks.range')).toHaveText(/^whole run: /);
    await expect(page.getByTestId('tracks.whole')).toBeHidden();
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 5 });
    await page.mouse.up();
    await expect(page.getByTestId('tracks.range')).toHaveText(/^window: /);
    await page.getByTestId('tracks.whole').click();
    await expect(page.getByTestId('tracks.range')).toHaveText(/^whole run: /);
  });
});

test.describe('the settings form', () => {
  test('starts a run with a global buffer and a client header, and refuses a header too large', async ({ app, page }) => {
    await app.goto();
    await app.openSettings();
    await page.locator('#live-channel-global').selectOption('global');
    await app.live.field('channel.headerReserve').fill('16');
    await app.live.start.click();
    await expect(page.getByTestId('channel.cpu.0')).toBeVisible();
    await expect(page.getByTestId('channel.cpu.1')).toHaveCount(0);
    await expect(page.getByTestId('stage.buffer.global')).toHaveCount(1);
    await expect(page.getByText(/^1 buffer × 8 sub-buffers × [\d\u202f]+ bytes · no-overwrite · one global buffer · v6\.17$/)).toBeVisible();

    await app.live.field('channel.headerReserve').fill('16383');
    await app.live.start.click();
    await expect(app.live.fieldError('channel.headerReserve')).toHaveText(/headerReserve 16383 must be below subbuf_size - 1 \(16383\).*BUG_ON/);
    await expect(app.live.status).toHaveText('running');
  });
});
