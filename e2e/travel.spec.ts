import { expect, test } from './fixtures.ts';

const channel = { cpus: 2, subbufSize: 4096, nSubbufs: 4, mode: 'no-overwrite' };
const workload = { rate: 20000, arrival: 'poisson', size: 'uniform', sizeMin: 16, sizeMax: 200 };

test.describe('time travel in a deterministic run', () => {
  test('jumps from drop to drop, back again, and scrubs to any event', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ channel, workload, reader: { enabled: false } }, 8, { mode: 'deterministic' });
    await page.getByTestId('travel.landmark').selectOption('drop');

    await page.getByTestId('travel.next').click();
    await expect(app.live.counter('total', 'full')).toHaveText('1');
    const first = (await app.liveSnapshot()).virtualTime;
    const firstPosition = /^event [\d\u202f]+ of /.exec((await page.getByTestId('travel.position').textContent()) ?? '')?.[0];
    await page.locator('body').press(']');
    await expect(app.live.counter('total', 'full')).toHaveText('2');

    await page.getByTestId('travel.previous').click();
    await expect(app.live.counter('total', 'full')).toHaveText('1');
    await expect(page.getByTestId('travel.position')).toContainText(firstPosition ?? 'no position');
    expect((await app.liveSnapshot()).virtualTime).toBe(first);
    await page.locator('body').press('[');
    await expect(page.getByTestId('travel.said')).toHaveText('No earlier drop in this run.');

    await page.getByTestId('travel.slider').fill('0');
    await expect(page.getByTestId('travel.position')).toHaveText(/^event 0 of [\d\u202f]+ · t = 0\.000 ms$/);
    await expect(app.live.counter('total', 'written')).toHaveText('0');
  });

  test('replays a channel operation at its place when going forward again, and carries it in the address', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ channel, workload, reader: { enabled: false } }, 3, { mode: 'deterministic' });
    await page.getByTestId('live.step.event').click();
    await page.getByTestId('live.step.time').click();
    await page.getByTestId('live.op.flush').click();
    await expect(page).toHaveURL(/[?&]ops=\d+:flush/);
    await page.getByTestId('live.step.time').click();
    const after = await app.liveSnapshot();
    const url = page.url();

    // Back before the flush, then forward to the same event: the flush happens again.
    await page.getByTestId('travel.slider').fill('1');
    await expect(app.live.counter('total', 'written')).toHaveText('1');
    await page.getByTestId('travel.slider').fill(String(/ev=(\d+)/.exec(url)?.[1]));
    await expect.poll(async () => (await app.liveSnapshot()).subbufsProduced).toEqual(after.subbufsProduced);
    // The same events; the clock is at the last of them rather than where the step by time left it.
    expect({ ...(await app.liveSnapshot()), virtualTime: after.virtualTime }).toEqual(after);
    expect((await app.loggedEvents(2000)).filter((e) => e.fn === 'relay_flush')).toHaveLength(2);

    // A fresh page from the address arrives at the same state.
    const other = await page.context().newPage();
    await other.goto(url);
    await expect(other.getByTestId('live.status')).toHaveText('paused');
    expect(await other.evaluate(() => window.relayscope!.live.snapshot())).toEqual(after);
  });
});
