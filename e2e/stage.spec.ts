import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/** Resolves once the canvas shows other pixels than `first`: the picture moved. */
async function differs(canvas: Locator, first: Buffer): Promise<boolean> {
  return !(await canvas.screenshot()).equals(first);
}

const step = (page: Page, by: object) => page.evaluate((b) => window.relayscope!.live.step(b as never), by);
const droppedFull = (page: Page, cpu: number) =>
  page.evaluate(async (c) => (await window.relayscope!.live.pause()).accounting?.[c]?.droppedFull ?? -1, cpu);

// The machine that runs the suite may be busy: these tests step many runs and take pictures.
test.describe.configure({ timeout: 90_000 });

for (const viewport of [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
]) {
  test.describe(`the workspace at ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test('on load the stage, the transport and the legend are in view, and the demo plays', async ({ app, page, pageErrors }) => {
      await app.goto();
      for (const id of ['stage', 'transport', 'stage.legend']) await expect(page.getByTestId(id)).toBeInViewport({ ratio: 1 });
      await expect.poll(async () => (await app.liveSnapshot()).kind).toBe('demo');
      const canvas = page.getByTestId('channel.canvas');
      const first = await canvas.screenshot();
      await expect.poll(() => differs(canvas, first), { timeout: 15_000 }).toBe(true);
      // Nothing is cut off: the page is as wide as the viewport, and as tall.
      const size = await page.evaluate(() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight }));
      expect(size).toEqual({ w: viewport.width, h: viewport.height });
      expect(pageErrors).toEqual([]);
    });

    test('a tour step, its words and what it points at are in view together', async ({ page }) => {
      await page.goto('/');
      await page.getByTestId('tour.start').click();
      await expect(page.getByTestId('tour.text')).toBeInViewport({ ratio: 1 });
      const next = page.getByTestId('tour.reveal');
      await expect(next).toBeInViewport({ ratio: 1 });
      await expect(page.locator('.tour-look')).toBeInViewport({ ratio: 1 });
      await page.locator('[data-testid^="tour.choice."]').first().check();
      await next.click();
      await expect(page.getByTestId('tour.answer')).toBeInViewport({ ratio: 1 });
      await expect(page.getByTestId('tour.next')).toBeInViewport({ ratio: 1 });
      await expect(page.getByTestId('stage')).toBeInViewport({ ratio: 1 });
    });

    test('a sizing heatmap cell starts its run with the stage in view', async ({ app, page }) => {
      await app.goto('?tab=sizing');
      const sweep = app.sweep;
      await sweep.axis('subbufSizes').fill('4096');
      await sweep.axis('nSubbufs').fill('2, 8');
      await sweep.seconds.fill('0.05');
      await sweep.run.click();
      await expect(sweep.status).toHaveText('done');
      await sweep.cell(4096, 8).click();
      await expect(page.getByTestId('stage')).toBeInViewport({ ratio: 1 });
      await expect(page.getByTestId('stage.buffer.0.subbuf.7')).toBeAttached();
    });

    test('an A/B side starts its run with the stage in view', async ({ app, page }) => {
      await app.goto('?tab=compare');
      await app.compare.seconds.fill('0.05');
      await page.getByTestId('compare.B.nSubbufs').fill('6');
      await app.compare.run.click();
      await expect(app.compare.table).toContainText('B: 6 x');
      await page.getByTestId('compare.start.B').click();
      await expect(page.getByTestId('stage')).toBeInViewport({ ratio: 1 });
      await expect(page.getByTestId('stage.buffer.0.subbuf.5')).toBeAttached();
      await expect(page.getByTestId('stage.buffer.0.subbuf.6')).toHaveCount(0);
    });
  });
}

test.describe('the demo', () => {
  test('?demo=0 turns it off', async ({ app, page }) => {
    await app.goto('?demo=0');
    await expect(page.getByTestId('stage')).toContainText('No run');
    expect((await app.liveSnapshot()).kind).toBeNull();
  });

  test('a run of ones own replaces it, and replacing ones own run can be undone', async ({ app, page }) => {
    await app.goto();
    await app.openSettings();
    await app.live.field('channel.cpus').fill('3');
    await page.getByTestId('live.mode').selectOption('deterministic');
    await app.live.start.click();
    await expect.poll(async () => (await app.liveSnapshot()).kind).toBe('deterministic');
    await expect(page.getByTestId('app.undo')).toHaveCount(0);
    await page.getByTestId('live.step.switch').click();
    await app.live.field('channel.cpus').fill('2');
    await app.live.start.click();
    await expect(page.getByTestId('app.undo')).toBeVisible();
    expect((await app.liveSnapshot()).cpus).toBe(2);
    await page.getByTestId('app.undo.button').click();
    await expect.poll(async () => (await app.liveSnapshot()).cpus).toBe(3);
    expect((await app.liveSnapshot()).subbufsProduced.some((n) => n > 0)).toBe(true);
  });
});

test.describe('the picture’s vocabulary, from the engine', () => {
  const small = { cpus: 2, subbufSize: 1024, nSubbufs: 4 };
  const fixed = (size: number, rate = 10_000) => ({ rate, arrival: 'constant', size: 'fixed', sizeMin: size });

  test('sub-buffers: writing, ready, consumed and free; a global buffer', async ({ app, page }) => {
    await app.goto('?demo=0');
    await app.startLive({ channel: { ...small, mode: 'no-overwrite' }, workload: fixed(256), reader: { enabled: false } }, 1, { mode: 'deterministic' });
    await step(page, { kind: 'switch' });
    const sb = (k: number | string, i: number) => page.getByTestId(`stage.buffer.${k}.subbuf.${i}`);
    await expect(sb(0, 0)).toHaveAttribute('data-state', 'ready');
    await expect(sb(0, 1)).toHaveAttribute('data-state', 'writing');
    await expect(sb(0, 2)).toHaveAttribute('data-state', 'free');
    await expect(page.getByTestId('stage.reader.0')).toHaveAttribute('data-state', 'off');

    await app.startLive({ channel: { ...small, global: true }, workload: fixed(256), reader: { period: 0.001, costPerKiB: 0 } }, 1, { mode: 'deterministic' });
    await step(page, { kind: 'time', seconds: 0.01 });
    await expect(page.getByTestId('stage.buffer.global')).toBeAttached();
    await expect(page.getByTestId('stage.buffer.global.subbuf.0')).toHaveAttribute('data-state', /^(writing|ready|reading|consumed)$/);
    await expect(page.getByTestId('stage.buffer.1')).toHaveCount(0);
    // One reader reads the global buffer.
    await expect(page.getByTestId('stage.reader.0')).toHaveAttribute('data-state', /^(asleep|woken|reading|processing)$/);
    await expect(page.getByTestId('stage.reader.1')).toHaveCount(0);
  });

  test('a stalled writer with its drops, equal to the run’s droppedFull', async ({ app, page }) => {
    await app.goto('?demo=0');
    await app.startLive({ channel: { ...small, mode: 'no-overwrite' }, workload: fixed(256), reader: { enabled: false } }, 1, { mode: 'deterministic' });
    await step(page, { kind: 'next', landmark: 'drop' });
    await step(page, { kind: 'events', count: 10 });
    const stalled = page.getByTestId('stage.buffer.0.stalled');
    await expect(stalled).toBeAttached();
    const dropped = await droppedFull(page, 0);
    expect(dropped).toBeGreaterThan(0);
    await expect(stalled).toHaveAttribute('data-dropped', String(dropped));
    await expect(stalled).toHaveText(new RegExp(`^stalled: ${dropped} dropped`));
    await expect(page.getByTestId('stage.buffer.0.more')).toContainText(`${dropped} dropped because the ring was full`);
    // The kernel's full_count counts the refusals of the start step, not the drops.
    await expect(page.getByTestId('stage.buffer.0.more')).toContainText(/full_count \d+ \(the kernel's counter\)/);
  });

  test('overwrite: the writer laps sub-buffers nobody read', async ({ app, page }) => {
    await app.goto('?demo=0');
    await app.startLive({ channel: { ...small, cpus: 1, mode: 'overwrite' }, workload: fixed(256), reader: { enabled: false } }, 1, { mode: 'deterministic' });
    // Four sub-buffers produced and none read: the writer's fifth is unread data.
    for (let k = 0; k < 5; k++) await step(page, { kind: 'switch' });
    expect((await app.liveSnapshot()).subbufsProduced[0]).toBe(5);
    await expect(page.getByTestId('stage.buffer.0.subbuf.1')).toHaveAttribute('data-state', 'lapped');
    await expect(page.locator('[data-testid^="stage.buffer.0.subbuf."][data-state="lapped"]')).toHaveCount(1);
    await expect(page.getByTestId('stage.buffer.0.more')).toContainText('overwriting a sub-buffer nobody read');
  });

  test('the reader: asleep, woken with its wakeup in flight, reading, processing', async ({ app, page }) => {
    await app.goto('?demo=0');
    // A reader slow to wake (50 ms) and to process (10 ms a KiB), with nothing to read at first.
    await app.startLive(
      { channel: { cpus: 1, subbufSize: 1024, nSubbufs: 4 }, workload: fixed(256, 100), reader: { period: 1, jitter: 0, wakeLatency: 50_000, costPerKiB: 10_000 } },
      1,
      { mode: 'deterministic' },
    );
    const reader = page.getByTestId('stage.reader.0');
    const wakeup = page.getByTestId('stage.wakeup.0');
    await step(page, { kind: 'time', seconds: 0.001 });
    await expect(reader).toHaveAttribute('data-state', 'asleep');
    await expect(wakeup).toHaveCount(0);
    // The fourth record fills the sub-buffer; the fifth switches: a production wakes the sleeper.
    await step(page, { kind: 'next', landmark: 'wakeup' });
    await expect(reader).toHaveAttribute('data-state', 'woken');
    await expect(wakeup).toBeAttached();
    // Its life is virtual time: 50 ms later the reader runs and reads.
    await step(page, { kind: 'time', seconds: 0.049 });
    await expect(wakeup).toBeAttached();
    await step(page, { kind: 'time', seconds: 0.002 });
    await expect(wakeup).toHaveCount(0);
    await expect(reader).toHaveAttribute('data-state', /reading|processing/);
    await expect(page.getByTestId('stage.buffer.0.subbuf.0')).toHaveAttribute('data-state', /consumed|reading/);
  });

  test('a paused reader, and channel operations marked on the buffers', async ({ app, page }) => {
    await app.goto('?demo=0');
    await app.startLive({ channel: small, workload: fixed(256), reader: { pauseEvery: 0.02, pauseFor: 0.015, period: 0.001 } }, 1, { mode: 'deterministic' });
    await step(page, { kind: 'until', t: 0.011 });
    await expect(page.getByTestId('stage.reader.0')).toHaveAttribute('data-state', 'paused');
    await app.operate({ op: 'cpu_offline', cpu: 1 });
    await expect(page.getByTestId('stage.buffer.1.more')).toContainText('CPU offline');
    await expect(page.getByTestId('stage.buffer.0.more')).not.toContainText('CPU offline');
    await app.operate({ op: 'close' });
    for (const k of [0, 1]) await expect(page.getByTestId(`stage.buffer.${k}.more`)).toContainText('closed');
  });
});

test.describe('the layout', () => {
  test('stacks at 800 px wide, the stage first', async ({ app, page }) => {
    await page.setViewportSize({ width: 800, height: 900 });
    await app.goto();
    const stage = await page.getByTestId('stage').boundingBox();
    const transport = await page.getByTestId('transport').boundingBox();
    expect(stage !== null && transport !== null && stage.y + stage.height <= transport.y).toBe(true);
    await expect(page.getByTestId('stage')).toBeInViewport({ ratio: 1 });
    // Nothing is cut off: the page is no wider than the viewport less its vertical scrollbar, if any.
    const width = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(width.scroll).toBe(width.client);
    expect(width.client).toBeGreaterThan(760);
  });

  test('the open tool is in the address, and each tool is one click away with the stage in view', async ({ app, page }) => {
    await app.goto();
    await page.getByTestId('tab.versions').click();
    await expect(page).toHaveURL(/[?&]tab=versions/);
    await expect(page.getByTestId('tab.versions.panel')).toBeInViewport();
    await expect(page.getByTestId('stage')).toBeInViewport({ ratio: 1 });
    // Nothing in any tool is wider than the page.
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('.workspace table, .workspace canvas')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map((el) => el.closest('[data-testid$=".panel"]')?.getAttribute('data-testid')),
    );
    expect(wide).toEqual([]);
    await page.reload();
    await expect(page.getByTestId('tab.versions')).toHaveAttribute('aria-current', 'true');
  });

  test('embed is a presentation: the stage, a minimal transport, large type, a tour chapter from the address', async ({ app, page }) => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await app.goto('?embed=1&tour=3');
    for (const id of ['stage', 'transport', 'stage.legend', 'tour.text']) await expect(page.getByTestId(id)).toBeInViewport({ ratio: 1 });
    await expect(page.getByTestId('tour.position')).toHaveText(/^Chapter 3 of 7, step 1 of/);
    const legendFont = await page.getByTestId('stage.legend').evaluate((el) => parseFloat(getComputedStyle(el.querySelector('li')!).fontSize));
    expect(legendFont).toBeGreaterThanOrEqual(16);
    await expect(page.getByTestId('live.op.flush')).toHaveCount(0);
  });
});
