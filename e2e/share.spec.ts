import { expect, test } from './fixtures.ts';

const config = {
  channel: { cpus: 2, subbufSize: 4096, nSubbufs: 4, mode: 'no-overwrite' },
  workload: { rate: 20000, arrival: 'poisson', size: 'uniform', sizeMin: 16, sizeMax: 200 },
  reader: { mode: 'read', period: 0.02, costPerKiB: 5 },
};

test.describe('a shared address', () => {
  test('restores a deterministic run at the same event, with the same picture and counters', async ({ app, page, context }) => {
    await app.goto();
    await app.startLive(config, 42, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    await page.getByTestId('live.step.switch').click();
    await page.getByTestId('live.step.event').click();
    await page.getByTestId('inspector.subbuf').selectOption('2');
    await expect(page).toHaveURL(/[?&]mode=deterministic&ev=\d+&t=[\d.e-]+&sel=0\.2$/);
    const url = page.url();
    const before = await app.liveSnapshot();
    // Every panel, throttled text included, shows the state of the last step.
    await page.evaluate(() => window.relayscope!.live.idle());
    const lines = await page.getByTestId('channel.cpu.1').textContent();

    const other = await context.newPage();
    await other.goto(url);
    await expect(other.getByTestId('live.status')).toHaveText('paused');
    const after = await other.evaluate(() => window.relayscope!.live.snapshot());
    expect(after).toEqual(before);
    await expect(other.getByTestId('channel.cpu.1')).toHaveText(lines ?? '');
    await expect(other.getByTestId('inspector.subbuf')).toHaveValue('2');
    await expect(other.getByTestId('live.form.seed')).toHaveValue('42');
    await expect(other.getByTestId('live.form.workload.sizeMax')).toHaveValue('200');
  });

  test('that cannot be used says where and why, and the page shows the defaults', async ({ page }) => {
    await page.goto('/?channel.cpus=4&channel.nSubbufs=zero');
    await expect(page.getByTestId('app.url-error')).toHaveText(
      'This address could not be used: channel.nSubbufs must be a number, got "zero". The page shows the default settings instead.',
    );
    // The defaults: the demo plays, and the form holds the default settings.
    await expect.poll(() => page.evaluate(() => window.relayscope!.live.snapshot().kind)).toBe('demo');
    await expect(page.getByTestId('live.form.channel.nSubbufs')).toHaveValue('8');

    await page.goto('/?%3Cscript%3Ealert(1)%3C%2Fscript%3E=1');
    await expect(page.getByTestId('app.url-error')).toContainText('unknown setting "<script>alert(1)</script>"');
    await expect(page.getByRole('heading', { level: 1, name: 'relayscope' })).toBeVisible();
  });

  test('keeps the last address that opens once the run has more operations than an address holds, and says why', async ({ page }) => {
    // 200 flushes, one event apart: as many as an address holds.
    const ops = Array.from({ length: 200 }, (_, i) => `${i + 1}:flush`).join(',');
    await page.goto(`/?channel.cpus=1&mode=deterministic&ev=200&ops=${ops}`);
    await expect(page.getByTestId('live.status')).toHaveText('paused');
    await expect(page.getByTestId('app.address-note')).toHaveCount(0);
    const full = page.url();
    await page.getByTestId('live.step.event').click();
    await expect(page).toHaveURL(/[?&]ev=201&/);
    const last = page.url();
    await page.getByTestId('live.op.flush').click();
    await expect(page.getByTestId('app.address-note')).toHaveText(
      'The address no longer follows this run: ops holds 201 operations; at most 200. It still opens the run as it was before.',
    );
    await page.getByTestId('live.step.event').click();
    await expect(page.getByTestId('travel.position')).toContainText('event 202 of');
    expect(page.url()).toBe(last);
    expect(full).not.toBe(last);
  });

  test('with embed=1 shows the channel alone, in large type, for slides', async ({ page }) => {
    await page.goto('/?channel.cpus=2&mode=deterministic&ev=500&embed=1');
    await expect(page.getByTestId('channel.canvas')).toBeVisible();
    await expect(page.getByTestId('channel.cpu.1')).toHaveText(/^CPU 1: /);
    await expect(page.getByTestId('live.start')).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Open in relayscope' })).toHaveAttribute('href', '?channel.cpus=2&mode=deterministic&ev=500');
    const size = await page.getByTestId('channel.cpu.1').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    // Presentation mode: labels of at least 16 px.
    expect(size).toBeGreaterThanOrEqual(16);
  });
});

test.describe('presets', () => {
  test('fill the form, say where their numbers come from, and start', async ({ app, page }) => {
    await app.goto();
    await app.openSettings();
    await page.getByTestId('live.form.preset').selectOption('blktrace');
    await expect(page.getByTestId('live.form.preset.source')).toContainText('blktrace(8) defaults: -b 512');
    await expect(app.live.field('channel.subbufSize')).toHaveValue('524288');
    await expect(app.live.field('workload.call')).toHaveValue('relay_reserve');
    // blktrace's own records, which run in virtual time only.
    await expect(app.live.field('workload.format')).toHaveValue('blktrace');
    await page.getByTestId('live.mode').selectOption('deterministic');
    await app.live.start.click();
    await expect(page.getByText(/^4 buffers × 4 sub-buffers × 524\u202f288 bytes · no-overwrite · v6\.17$/)).toBeVisible();
    await expect(page).toHaveURL(/channel\.subbufSize=524288/);
  });
});
