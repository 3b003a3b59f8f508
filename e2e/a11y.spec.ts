import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/** axe-core's serious and critical findings, as readable lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
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

  test('a bad value in the form is announced and tied to its field', async ({ app }) => {
    await app.goto();
    await app.live.field('channel.nSubbufs').fill('zero');
    await app.live.start.click();
    const error = app.live.fieldError('channel.nSubbufs');
    await expect(error).toHaveRole('alert');
    await expect(app.live.field('channel.nSubbufs')).toHaveAttribute('aria-describedby', (await error.getAttribute('id')) ?? '');
  });
});
