import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/**
 * axe-core's serious and critical findings, as readable lines. The page has no frames, so axe
 * runs in it directly (legacy mode) and returns only the violations: passing nodes and the
 * second page that frame-by-frame mode opens cost Firefox over BiDi a minute per analysis.
 */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).setLegacyMode(true).options({ resultTypes: ['violations'] }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test.describe('accessibility', () => {
  test('the page has no serious or critical axe-core violations, idle and running', async ({ app, page }) => {
    await app.goto();
    await expect(app.scenarioLines).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);

    await app.startLive({ channel: { cpus: 2 }, reader: { enabled: false } }, 1);
    await expect(page.getByTestId('channel.cpu.1')).toContainText('stalled');
    await app.live.pause.click();
    await expect(app.live.accounting).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the files, memory and versions panels stay clean with files open, a mapping faulted and an older kernel shown', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ channel: { cpus: 2, subbufSize: 3000, nSubbufs: 3, kernel: 'v6.7' }, reader: { enabled: false } }, 1, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    await app.files.call(0, 'open');
    await app.files.call(0, 'mmap', { length: 100 });
    await expect(app.files.ret(0)).toHaveText('-1 EINVAL');
    await app.files.call(0, 'mmap', { length: 12288 });
    await app.files.call(0, 'mapread', { offset: 0, touch: 5000 });
    await expect(page.getByTestId('memory.faults')).toHaveText(/^2 page faults/);
    await page.getByTestId('versions.history').getByRole('button', { name: 'Show v4.9 (before)' }).click();
    await expect(page.getByTestId('versions.select')).toHaveValue('v4.9');
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the sizing explorer\'s heatmap, the comparison and an imported workload have none either', async ({ app, page }) => {
    await app.goto();
    await app.sweep.axis('subbufSizes').fill('512, 2048, 16384');
    await app.sweep.axis('nSubbufs').fill('1, 4, 16');
    await app.sweep.seconds.fill('0.05');
    await app.sweep.run.click();
    await expect(app.sweep.status).toHaveText('done');
    await app.compare.seconds.fill('0.05');
    await app.compare.run.click();
    await expect(app.compare.table).toBeVisible();
    await app.workload.choose('bad.csv', '0,0,x\n');
    await expect(app.workload.error).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId('sweep.metric').selectOption('memory');
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('every tab of the workspace has none, with a run to show', async ({ app, page }) => {
    // Eleven analyses: a bound for the walk, not a measure.
    test.slow();
    await app.goto();
    await app.startLive({ channel: { cpus: 2, subbufSize: 1024, nSubbufs: 4 }, reader: { enabled: false } }, 1, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    const tabs = page.locator('[data-testid^="tab."]:not([data-testid$=".panel"])');
    const ids = await tabs.evaluateAll((els) => els.map((el) => el.getAttribute('data-testid') ?? ''));
    expect(ids.length).toBeGreaterThanOrEqual(11);
    for (const id of ids) {
      await page.getByTestId(id).click();
      await expect(page.getByTestId(`${id}.panel`)).toBeVisible();
      expect(await seriousViolations(page), id).toEqual([]);
    }
  });

  test('a bad value in the form is announced and tied to its field', async ({ app }) => {
    await app.goto();
    await app.openSettings();
    await app.live.field('channel.nSubbufs').fill('zero');
    await app.live.start.click();
    const error = app.live.fieldError('channel.nSubbufs');
    await expect(error).toHaveRole('alert');
    await expect(app.live.field('channel.nSubbufs')).toHaveAttribute('aria-describedby', (await error.getAttribute('id')) ?? '');
  });
});
