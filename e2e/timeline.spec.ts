import { expect, test } from './fixtures.ts';

const channel = { cpus: 2, subbufSize: 4096, nSubbufs: 4, mode: 'no-overwrite' };
const workload = { rate: 40000, arrival: 'poisson', size: 'uniform', sizeMin: 16, sizeMax: 200 };
/** A slow reader: switches, drops and wakeups all happen. */
const reader = { mode: 'read', period: 0.004, costPerKiB: 40 };
const query = 'mode=deterministic&channel.cpus=2&channel.subbufSize=4096&channel.nSubbufs=4&workload.rate=40000&reader.period=0.05&reader.costPerKiB=5000';

const position = /^event ([\d\u202f]+) of [\d\u202f]+ · t = ([\d.]+) ms$/;
const eventOf = (text: string | null): number => Number((position.exec(text ?? '')?.[1] ?? 'NaN').replace(/\u202f/g, ''));
/** Where the run is: its event and clock, whatever it has computed beyond. */
const place = (text: string | null): string => (text ?? '').replace(/ of [\d\u202f]+ /, ' ');

test.describe('one timeline for the run', () => {
  test('after a jump the tracks show the run up to there, and the slider, the tracks and the stage share one cursor', async ({ app, page }) => {
    // The tracks' tab open, as a person following the cursor would have it.
    await app.goto(`?${query}&t=0.3&tab=series`);
    await expect(page.getByTestId('travel.position')).toHaveText(/ · t = 300\.000 ms$/);
    const canvas = page.getByTestId('tracks.canvas');
    // 300 ms of history up to the cursor: not empty, and not a ramp (records arrive at random).
    await expect.poll(async () => Number(await canvas.getAttribute('data-upto'))).toBeGreaterThan(100);
    const upto = Number(await canvas.getAttribute('data-upto'));
    expect(Number(await canvas.getAttribute('data-nonzero'))).toBeGreaterThan(0.8 * upto);
    expect(Number(await canvas.getAttribute('data-distinct'))).toBeGreaterThan(5);

    // Landmarks of each kind as ticks on the slider.
    for (const kind of ['switch', 'drop', 'wakeup']) await expect(page.getByTestId(`travel.ticks.${kind}`)).not.toHaveAttribute('data-count', '0');

    // The slider moves the tracks' cursor and the stage.
    const cursor = page.getByTestId('tracks.cursor');
    await expect(cursor).toHaveAttribute('data-t', /^0\.3/);
    const written = await app.live.counter('total', 'written').textContent();
    await page.getByTestId('travel.slider').fill('2000');
    await expect(page.getByTestId('travel.position')).toHaveText(/^event 2[\u202f,]?000 of /);
    const t = (await app.liveSnapshot()).virtualTime;
    await expect(cursor).toHaveAttribute('data-t', String(t));
    await expect(app.live.counter('total', 'written')).not.toHaveText(written ?? '');

    // A click on the tracks moves the run there, and the slider follows.
    const box = await canvas.boundingBox();
    if (box === null) throw new Error('the tracks are not laid out');
    await canvas.click({ position: { x: box.width - 10, y: 40 } });
    await expect.poll(async () => (await app.liveSnapshot()).virtualTime).toBeGreaterThan(0.25);
    await expect(page.getByTestId('travel.position')).not.toHaveText(/^event 2[\u202f,]?000 of /);
  });

  test('clicking an event row moves the slider to that event', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ channel, workload, reader }, 4, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    await page.getByTestId('live.step.time').click();
    const row = page.getByTestId('events.row.5');
    await expect(row).toBeVisible();
    const tMs = (await row.locator('td').first().textContent()) ?? '';
    const before = eventOf(await page.getByTestId('travel.position').textContent());
    await row.click();
    await expect(page.getByTestId('travel.position')).toHaveText(new RegExp(` · t = ${tMs.replace('.', '\\.')} ms$`));
    const after = eventOf(await page.getByTestId('travel.position').textContent());
    expect(after).toBeLessThan(before);
    await expect(page.getByTestId('travel.slider')).toHaveValue(String(after));
  });

  test('a search for a landmark that never happens ends with a message, leaves the run where it was, and the page answers meanwhile', async ({ app, page }) => {
    test.setTimeout(240_000);
    await app.goto();
    await app.startLive({ channel, workload, reader }, 2, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    const at = await page.getByTestId('travel.position').textContent();
    // A no-overwrite channel never overwrites. The bound the search is given is on the page:
    // 5 M events, a search long enough to be answering input in any browser.
    await page.getByTestId('travel.landmark').selectOption('overwrite');
    await page.getByTestId('travel.bound').selectOption('5000000');
    await page.getByTestId('travel.next').click();
    await expect(page.getByTestId('travel.job')).toBeVisible();
    await expect(page.getByTestId('travel.progress')).toBeVisible();
    // The page answers input while it searches.
    const filter = page.getByTestId('events.filter.switch');
    await filter.uncheck();
    await expect(filter).not.toBeChecked();
    await expect(page.getByTestId('travel.job')).toBeVisible();
    await expect(page.getByTestId('travel.said')).toHaveText(/^No overwrite in the next 5[\u202f,]000[\u202f,]000 events; the run stays at event [\d\u202f,]+\.$/, {
      timeout: 200_000,
    });
    await expect(page.getByTestId('travel.job')).toHaveCount(0);
    await expect.poll(async () => place(await page.getByTestId('travel.position').textContent())).toBe(place(at));
  });

  test('a search can be cancelled, and the run stays where it was', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ channel, workload, reader }, 2, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    const at = await page.getByTestId('travel.position').textContent();
    await page.getByTestId('travel.landmark').selectOption('overwrite');
    await page.getByTestId('travel.next').click();
    await page.getByTestId('travel.cancel').click();
    await expect(page.getByTestId('travel.said')).toHaveText(/^Search cancelled; the run stays at event /);
    await expect.poll(async () => place(await page.getByTestId('travel.position').textContent())).toBe(place(at));
  });
});

test.describe('links that ask for much work', () => {
  test('t=3600 opens at once, says how much it asks for, and runs with progress and cancel on request', async ({ app, page }) => {
    await app.goto('?mode=deterministic&t=3600');
    await expect(page.getByTestId('travel.offer')).toContainText(/^This address asks for t = 3600 s: about [\d\u202f,]+ events, more than the 2[\u202f,]000[\u202f,]000 an address runs by itself\./);
    await expect(page.getByTestId('travel.position')).toHaveText(/^event 0 of /);
    await page.getByTestId('travel.offer.run').click();
    await expect(page.getByTestId('travel.progress')).toBeVisible();
    await expect.poll(async () => (await app.liveSnapshot()).virtualTime).toBeGreaterThan(0);
    await page.getByTestId('travel.cancel').click();
    await expect(page.getByTestId('travel.job')).toHaveCount(0);
    await expect(page.getByTestId('live.status')).toHaveText('paused');
  });

  test('a rate of 1e9 with t=1 asks first, and staying at the start keeps the page usable', async ({ app, page }) => {
    await app.goto('?mode=deterministic&workload.rate=1000000000&t=1');
    await expect(page.getByTestId('travel.offer')).toContainText(/about 1[\u202f,]000[\u202f,]0\d\d[\u202f,]\d{3} events/);
    await page.getByTestId('travel.offer.stay').click();
    await expect(page.getByTestId('travel.offer')).toHaveCount(0);
    await page.getByTestId('live.step.event').click();
    await expect(page.getByTestId('travel.position')).toHaveText(/^event 1 of /);
  });
});
