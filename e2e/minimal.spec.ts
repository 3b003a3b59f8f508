import type { Request } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures.ts';

const expectedLines = readFileSync(
  new URL('../src/engine/sim/conformance/expected/s01-basic-no-overwrite.txt', import.meta.url),
  'utf8',
)
  .replace(/\n+$/, '')
  .split('\n');

test.describe('the minimal page', () => {
  test('is served with the cross-origin isolation headers and is isolated', async ({ app }) => {
    const response = await app.goto();
    expect(response.headers()['cross-origin-opener-policy']).toBe('same-origin');
    expect(response.headers()['cross-origin-embedder-policy']).toBe('require-corp');

    await expect(app.title).toBeVisible();
    await expect(app.isolation).toHaveText('cross-origin isolated');
    expect(await app.crossOriginIsolated()).toBe(true);
  });

  test('shows the canonical trace of s01 exactly as the conformance file has it', async ({ app }) => {
    await app.goto();
    await expect(app.scenarioName).toHaveText(/^basic no-overwrite/);
    await expect(app.scenarioLines).toHaveJSProperty('textContent', expectedLines.join('\n'));
    await expect(app.scenarioError).toHaveCount(0);
  });

  test('reports the same lines through window.relayscope', async ({ app }) => {
    await app.goto();
    await expect.poll(() => app.readTestApi()).toEqual({
      version: 1,
      crossOriginIsolated: true,
      canonicalLines: expectedLines,
    });
  });

  test('loads without console errors, page errors or failed requests', async ({ app, page, pageErrors }) => {
    // Every request the page makes, until it has its answer (the workers' scripts, the favicon...).
    const pending = new Set<Request>();
    page.on('request', (r) => pending.add(r));
    page.on('requestfinished', (r) => pending.delete(r));
    page.on('requestfailed', (r) => {
      pending.delete(r);
      pageErrors.push(`request failed: ${r.url()}: ${r.failure()?.errorText ?? ''}`);
    });
    await app.goto();
    await expect(app.scenarioLines).toBeVisible();
    await expect(page.getByTestId('stage')).toBeVisible();
    await expect.poll(() => [...pending].map((r) => r.url())).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  test('serves its favicons', async ({ request }) => {
    for (const [path, type] of [
      ['/favicon.ico', /^image\/(x-icon|vnd\.microsoft\.icon)/],
      ['/favicon.svg', /^image\/svg\+xml/],
    ] as const) {
      const response = await request.get(path);
      expect(response.status(), path).toBe(200);
      expect(response.headers()['content-type'], path).toMatch(type);
    }
  });
});
