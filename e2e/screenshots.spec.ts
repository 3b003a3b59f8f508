import type { Locator } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/**
 * Moves a panel down by the fraction of a pixel its top sits at, and rounds its height up, so
 * that its screenshot is the same size and the same pixels whatever the panels above add up to.
 */
async function alignToPixel(panel: Locator): Promise<void> {
  // Once every panel above has settled, so nothing moves it afterwards.
  await panel.page().evaluate(() => window.relayscope!.live.idle());
  await panel.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const top = box.top + window.scrollY;
    const margin = parseFloat(getComputedStyle(el).marginTop) || 0;
    const e = el as HTMLElement;
    e.style.marginTop = `${margin + Math.ceil(top) - top}px`;
    e.style.height = `${Math.ceil(box.height)}px`;
  });
}

/** A stepped run: the picture is the same every time for the same seed. */
const config = {
  channel: { cpus: 4, subbufSize: 4096, nSubbufs: 8, mode: 'overwrite', headerReserve: 32 },
  workload: { rate: 20000, arrival: 'poisson', size: 'uniform', sizeMin: 48, sizeMax: 400 },
  reader: { mode: 'read', costPerKiB: 40, period: 0.01 },
};

test.describe('screenshots of a paused run', () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  test('the channel and the inspector look as they should', async ({ app, page }) => {
    await app.goto();
    await app.startLive(config, 42, { mode: 'deterministic' });
    await page.evaluate(() => window.relayscope?.live.step({ kind: 'time', seconds: 0.08 }));
    await page.getByTestId('inspector.buffer').selectOption('1');
    await page.getByTestId('inspector.subbuf').selectOption('3');
    await expect(page.getByTestId('channel.cpu.3')).toHaveText(/produced \d+/);
    // The stage, once the marks of a moment (a record landing, a switch) have faded.
    const channel = page.getByTestId('stage');
    await page.evaluate(() => window.relayscope!.live.idle());
    await alignToPixel(channel);
    await expect(channel).toHaveScreenshot('channel.png', { animations: 'disabled' });
    // The inspector whole: at 1000 px wide the layout stacks and the page scrolls to it, where
    // the docked pane of a wider one would show a part of it.
    await page.setViewportSize({ width: 1000, height: 720 });
    await page.getByTestId('tab.inspector').click();
    const inspector = page.getByRole('region', { name: 'Sub-buffer inspector' });
    await inspector.scrollIntoViewIfNeeded();
    await expect(inspector.getByTestId('inspector.summary')).toHaveText(/^Sub-buffer 3: /);
    await alignToPixel(inspector);
    await expect(inspector).toHaveScreenshot('inspector.png', { animations: 'disabled', mask: [] });
  });
});
