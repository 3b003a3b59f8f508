import { expect, test } from './fixtures.ts';

/**
 * What a long run leaves behind in the renderer, frame after frame. `npm run soak` measures
 * the process memory over half an hour; these check the two writes that made it grow.
 */
test.describe("the renderer during a long run", () => {
  test('the counters change their text in place, not with a new text node each frame', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ channel: { cpus: 2 } }, 1);
    const cell = page.getByTestId('live.cpu.0.written');
    await expect(cell).not.toHaveText('0');
    await cell.evaluate((el) => {
      (window as unknown as { counterText: Node | null }).counterText = el.firstChild;
    });
    const before = await cell.textContent();
    await expect(cell).not.toHaveText(before ?? '');
    expect(await cell.evaluate((el) => el.firstChild === (window as unknown as { counterText: Node | null }).counterText)).toBe(true);
  });

  test("the overview of the whole run is drawn from a bounded number of points, however long the run", async ({ app, page }) => {
    // 170 steps and frames: a bound for a loaded machine, not a measure.
    test.setTimeout(120_000);
    await page.clock.install();
    await app.goto();
    await app.startLive({ channel: { cpus: 2 } }, 1, { mode: 'deterministic' });
    const overview = page.getByTestId('series.overview');
    // A sample every 200 ms of the page's clock, each at a later virtual time: 170 of them
    // (a jump of the clock runs one frame), more than the overview's 160 points.
    for (let i = 0; i < 170; i++) {
      await page.evaluate(() => window.relayscope!.live.step({ kind: 'time', seconds: 0.001 }));
      await page.clock.fastForward(250);
    }
    await page.clock.fastForward(1500);
    await expect(overview).toHaveAttribute('d', /^M/);
    const points = await overview.evaluate((el) => (el.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).length);
    expect(points).toBeGreaterThan(100);
    expect(points).toBeLessThanOrEqual(160);
  });
});
