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
    await app.openSettings();
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
    // Nothing started: the demo the page opened with plays on.
    expect((await app.liveSnapshot()).kind).toBe('demo');
  });

  test('Home on the time-travel slider after an operation at event 0 goes back to the start', async ({ app, page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await app.goto();
    await app.startLive({ channel: { cpus: 2 } }, 5, { mode: 'deterministic' });
    await page.getByTestId('live.op.flush').click();
    await page.getByTestId('live.step.switch').click();
    await page.getByTestId('travel.slider').press('Home');
    await expect(page).not.toHaveURL(/[?&]ev=/);
    await expect(page.getByTestId('channel.cpu.1')).toHaveText(/^CPU 1: /);
    expect(errors).toEqual([]);
  });

  test('a scenario write of 1e308 bytes is a step that says why it is ERR', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('stepper.load').click();
    await page.getByText('Edit the scenario, or save it').click();
    const scenario = { config: { subbufSize: 64, nSubbufs: 2 }, ops: [{ op: 'write', cpu: 0, size: 1e308 }] };
    await page.getByTestId('stepper.text').fill(JSON.stringify(scenario));
    await page.getByTestId('stepper.apply').click();
    await page.getByTestId('stepper.step').click();
    await expect(page.getByTestId('stepper.position')).toHaveText('step 1 of 1');
    await expect(page.getByTestId('stepper.line')).toHaveText(/^1 write ERR \| /);
    await expect(page.getByTestId('stepper.reason')).toHaveText('ERR: size 1e+308 is beyond 2^53 - 1, the largest exact size');
    await expect(page.getByTestId('stepper.error')).toHaveCount(0);
  });

  test('live.start() refuses keys named after object built-ins', async ({ app, page }) => {
    await app.goto();
    for (const [raw, message] of [
      ['{"channel":{"__proto__":5}}', 'channel.__proto__ is not a setting'],
      ['{"workload":{"hasOwnProperty":5}}', 'workload.hasOwnProperty is not a setting'],
      ['{"constructor":5}', 'unknown section "constructor"'],
    ]) {
      const thrown = await page.evaluate((text) => {
        try {
          window.relayscope!.live.start(JSON.parse(text));
          return 'accepted';
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
      }, raw);
      expect(thrown).toContain(message);
    }
  });
});
