import { expect, test } from './fixtures.ts';

test.describe('bad input on the page', () => {
  for (const op of ['0:flush', '0:close', '0:reset', '0:cpu_offline:1'])
    test(`an address with ${op} (an operation at event 0) opens the run`, async ({ page }) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`/?mode=deterministic&ops=${op}`);
      await expect(page.getByTestId('live.status')).toHaveText('paused');
      await expect(page.getByTestId('channel.cpu.0')).toHaveText(/^CPU 0: /);
      await expect(page.getByTestId('app.url-error')).toHaveCount(0);
      expect(errors).toEqual([]);
    });

  test('flush, then next switch, writes an address that opens the same run', async ({ app, page, context }) => {
    await app.goto();
    await app.startLive({ channel: { cpus: 2 } }, 5, { mode: 'deterministic' });
    await page.getByTestId('live.op.flush').click();
    await page.getByTestId('live.step.switch').click();
    await expect(page).toHaveURL(/[?&]ops=0:flush/);
    const other = await context.newPage();
    const errors: string[] = [];
    other.on('pageerror', (e) => errors.push(e.message));
    await other.goto(page.url());
    await expect(other.getByTestId('live.status')).toHaveText('paused');
    await expect(other.getByTestId('channel.cpu.1')).toHaveText(/^CPU 1: /);
    expect(errors).toEqual([]);
  });

  test('sel naming a buffer the channel lacks (63.0 with 4 CPUs), or not in plain digits, says so', async ({ page }) => {
    await page.goto('/?mode=deterministic&sel=63.0');
    await expect(page.getByTestId('app.url-error')).toContainText('sel names buffer 63, but the channel has 4 (0 to 3)');
    await page.goto('/?mode=deterministic&sel=1e0.0');
    await expect(page.getByTestId('app.url-error')).toContainText('sel must be an integer from 0 to 63, got "1e0"');
  });

  test('hex in an address is refused, quoting it', async ({ page }) => {
    await page.goto('/?channel.cpus=0x2');
    await expect(page.getByTestId('app.url-error')).toContainText('channel.cpus must be a number, got "0x2"');
  });

  test('the form shows a size error beside its own field, and quotes what was typed', async ({ app, page }) => {
    await app.goto();
    await app.live.field('workload.sizeMin').fill('8');
    await app.live.start.click();
    await expect(app.live.fieldError('workload.sizeMin')).toContainText('workload.sizeMin must be from 16');
    await expect(app.live.fieldError('workload.size')).toHaveCount(0);

    await app.live.field('workload.sizeMin').fill('32');
    await app.live.field('workload.sizeMax').fill('20');
    await app.live.start.click();
    await expect(app.live.fieldError('workload.sizeMax')).toContainText('workload.sizeMax (20) must not be below');
    await expect(app.live.fieldError('workload.size')).toHaveCount(0);

    for (const [typed, shown] of [
      ['abc', '"abc"'],
      ['NaN', '"NaN"'],
      ['', '""'],
      ['0x10', '"0x10"'],
    ]) {
      await app.live.field('channel.cpus').fill(typed);
      await app.live.start.click();
      await expect(app.live.fieldError('channel.cpus')).toHaveText(`channel.cpus must be an integer from 1 to 64, got ${shown}`);
    }
    await app.live.field('channel.cpus').fill('2');
    await page.getByTestId('live.form.seed').fill('0x10');
    await app.live.start.click();
    await expect(app.live.fieldError('seed')).toContainText('got "0x10"');
    await expect(app.live.status).toHaveText('idle');
  });
});
