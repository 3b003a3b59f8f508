import { expect, test } from './fixtures.ts';

/** Two CPUs writing 64-byte records at a constant 10,000 a second each into 4 x 4 KiB. */
const channel = { cpus: 2, subbufSize: 4096, nSubbufs: 4, mode: 'no-overwrite' };
const workload = { rate: 20000, arrival: 'constant', size: 'fixed', sizeMin: 64 };
/** All the event log keeps: at this rate a few seconds of switches and wakeups. */
const LOG_KEPT = 4000;

test.describe('the event log', () => {
  test('names the switch that stalls the writer and counts every record dropped after it, by CPU', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ channel, workload, reader: { enabled: false } }, 1, { mode: 'deterministic' });
    for (let i = 0; i < 3; i++) await page.getByTestId('live.step.time').click();

    // 300 records each, 256 fit: the rest are dropped, and the log's bursts say how many.
    await expect(app.live.counter(0, 'full')).toHaveText('44');
    const events = await app.loggedEvents(1000);
    for (const cpu of [0, 1]) {
      const drops = events.filter((e) => e.group === 'drop' && e.cpu === cpu);
      expect(drops.reduce((n, e) => n + e.count, 0)).toBe(44);
      expect(events.filter((e) => e.cpu === cpu && e.group === 'switch').map((e) => e.text)).toContain(
        'sub-buffer 3 produced with 0 bytes of padding; subbuf_start refused sub-buffer 0: the buffer is full, the writer stalls',
      );
    }

    await app.events.only('drop');
    await expect(app.events.rows).toHaveCount(2);
    await expect(app.events.rows.first().locator('td')).toHaveText([/^[\d.]+$/, /^[01]$/, 'relay_switch_subbuf', '44 records dropped: the buffer is full (subbuf_start refused)']);
    await app.events.cpu.selectOption('1');
    await expect(app.events.rows).toHaveCount(1);
    await expect(app.events.rows.locator('td').nth(1)).toHaveText('1');

    await app.events.only('switch', 'hotplug');
    await app.events.cpu.selectOption('all');
    // Per CPU: relay_open_buf, the start step, four switches.
    await expect(app.events.rows).toHaveCount(12);
    await expect(app.events.rows.last().locator('td').nth(2)).toHaveText('relay_open_buf');
    await expect(app.events.summary).toHaveText(/^\d+ events logged, the last \d+ kept$/);
  });

  test('shows an overwriting writer lapping a slow reader', async ({ app, page }) => {
    await app.goto();
    const reader = { mode: 'read', period: 0.004, costPerKiB: 3000, chunk: 256 };
    await app.startLive({ channel: { ...channel, mode: 'overwrite' }, workload, reader }, 2, { mode: 'deterministic' });
    for (let i = 0; i < 5; i++) await page.getByTestId('live.step.time').click();

    await expect(app.live.counter('total', 'overwritten')).not.toHaveText('0');
    await expect(app.live.counter('total', 'full')).toHaveText('0');
    await app.events.only('overwrite');
    await expect(app.events.rows.first().locator('td').nth(3)).toHaveText(/subbuf_start accepted sub-buffer \d unread: overwriting it$/);
    await app.events.only('consumed');
    await expect(app.events.table.getByText(/the writer lapped the reader, which skips what was overwritten/).first()).toBeVisible();
    await expect(app.events.table.getByText('relay_file_read_avail').first()).toBeVisible();
    for (const cpu of [0, 1]) await expect(app.live.balance(cpu)).toHaveText('balanced');
  });

  test('shows a wakeup when the reader sleeps in poll, and none when it never sleeps', async ({ app, page }) => {
    await app.goto();
    // A reader that drains everything, then sleeps until a production wakes it.
    await app.startLive({ channel, workload, reader: { mode: 'read', period: 1 } }, 3, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    await expect(app.live.counter('total', 'wakeups')).not.toHaveText('0');
    await app.events.only('wakeup');
    await expect(app.events.table.getByText('irq_work_queue').first()).toBeVisible();
    await expect(app.events.table.getByText('wakeup_readers').first()).toBeVisible();
    await expect(app.events.rows.filter({ hasText: 'wakeup_readers' }).first().locator('td').nth(3)).toHaveText('woke 1 sleeper');

    // A reader so slow it always has something to read: once the first sub-buffers wake it,
    // it never polls again, and the productions after find nobody to wake.
    await app.startLive({ channel, workload, reader: { mode: 'read', period: 1, costPerKiB: 100000 } }, 3, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    await expect(app.live.counter('total', 'wakeups')).toHaveText('2');
    await expect(app.events.rows).toHaveCount(4);
    for (let i = 0; i < 3; i++) await page.getByTestId('live.step.time').click();
    await expect(app.live.counter('total', 'nosleeper')).toHaveText(/^[1-9]/);
    await expect(app.live.counter('total', 'wakeups')).toHaveText('2');
    await expect(app.events.rows).toHaveCount(4);
  });
});

test.describe('channel operations on a live run', () => {
  test('flush, hotplug, reset and close act on the running workers, and the accounting still balances', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ channel, workload, reader: { mode: 'read', period: 0.01 } }, 4);
    await expect.poll(async () => (await app.liveSnapshot()).written.every((n) => n > 100)).toBe(true);

    await page.getByTestId('live.op.flush').click();
    await expect.poll(async () => (await app.loggedEvents(LOG_KEPT)).filter((e) => e.fn === 'relay_flush').map((e) => e.cpu).sort()).toEqual([0, 1]);
    await expect(app.live.status).toHaveText('running');

    await page.getByTestId('live.op.cpu').selectOption('1');
    await page.getByTestId('live.op.offline').click();
    await expect.poll(async () => (await app.loggedEvents(LOG_KEPT)).some((e) => e.fn === 'cpuhp' && e.cpu === 1)).toBe(true);
    const offline = (await app.liveSnapshot()).written;
    await expect.poll(async () => (await app.liveSnapshot()).written[0]).toBeGreaterThan(offline[0] + 500);
    expect((await app.liveSnapshot()).written[1]).toBe(offline[1]);
    await page.getByTestId('live.op.online').click();
    await expect.poll(async () => (await app.liveSnapshot()).written[1]).toBeGreaterThan(offline[1]);

    await page.getByTestId('live.op.reset').click();
    await expect.poll(async () => (await app.loggedEvents(LOG_KEPT)).filter((e) => e.fn === 'relay_reset').length).toBe(2);
    await expect.poll(async () => (await app.liveSnapshot()).readIntact[0]).toBeGreaterThan(0);
    await app.live.pause.click();
    for (const cpu of [0, 1]) await expect(app.live.balance(cpu)).toHaveText('balanced');

    await app.live.resume.click();
    await page.getByTestId('live.op.close').click();
    await expect.poll(async () => (await app.loggedEvents(LOG_KEPT)).filter((e) => e.fn === 'relay_close').length).toBe(2);
    const closed = await app.liveSnapshot();
    await expect.poll(async () => (await app.liveSnapshot()).virtualTime).toBeGreaterThan(closed.virtualTime + 0.05);
    expect((await app.liveSnapshot()).written).toEqual(closed.written);
  });
});
