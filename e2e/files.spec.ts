import { expect, test } from './fixtures.ts';
import { AppPage } from './pages/app.ts';

/**
 * One or two CPUs writing 64-byte records at a constant 10,000 a second each into 3 x 3000
 * bytes: alloc_size 12288, three pages, the last 3288 bytes unused. No reader, so the files
 * the page opens are the only ones.
 */
const channel = { cpus: 2, subbufSize: 3000, nSubbufs: 3, mode: 'no-overwrite' };
const workload = { rate: 20000, arrival: 'constant', size: 'fixed', sizeMin: 64 };
const config = (kernel = 'v6.17') => ({ channel: { ...channel, kernel }, workload, reader: { enabled: false } });

test.describe('relay files', () => {
  test('open takes a reference, read returns data, close drops it, and the closed fd is EBADF; lseek is ESPIPE', async ({ app, page }) => {
    await app.goto();
    await app.startLive(config(), 1, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    const files = app.files;
    await expect(page.getByTestId('files.cpu.1.row').getByRole('rowheader')).toHaveText('/sys/kernel/debug/relayscope/relay1');
    await expect(page.getByTestId('files.cpu.1.row')).toContainText('0400 (r--------)');
    await expect(files.of(0, 'kref')).toHaveText('1');

    await files.call(0, 'open');
    await expect(files.of(0, 'result.call')).toHaveText('open("/sys/kernel/debug/relayscope/relay0", O_RDONLY)');
    await expect(files.ret(0)).toHaveText('3 (kref 2)');
    await expect(files.of(0, 'kref')).toHaveText('2');

    await files.call(0, 'read', { count: 64 });
    await expect(files.of(0, 'result.call')).toHaveText('read(3, buf, 64)');
    await expect(files.ret(0)).toHaveText('64 from [0, 64)');
    await files.call(0, 'lseek');
    await expect(files.ret(0)).toHaveText('-1 ESPIPE');

    await files.call(0, 'close');
    await expect(files.ret(0)).toHaveText('0');
    await expect(files.of(0, 'kref')).toHaveText('1');
    await expect(files.of(0, 'fd')).toHaveValue('3');
    await expect(files.of(0, 'fd').getByRole('option')).toHaveText(['3 (closed)']);
    await files.call(0, 'read', { count: 64 });
    await expect(files.ret(0)).toHaveText('-1 EBADF');
    await files.call(0, 'close');
    await expect(files.ret(0)).toHaveText('-1 EBADF');
    await expect(files.of(0, 'kref')).toHaveText('1');

    const log = await app.loggedEvents(50);
    expect(log.filter((e) => e.group === 'file').map((e) => e.fn)).toEqual(['relay_file_release', 'relay_file_open']);
  });

  test('sendfile is EINVAL on v6.17 and sends produced sub-buffers on v6.7', async ({ app, page }) => {
    await app.goto();
    for (const [kernel, ret] of [
      ['v6.17', '-1 EINVAL'],
      ['v6.7', '5888 from [0, 2944), [3000, 5944)'],
    ]) {
      await app.startLive(config(kernel), 1, { mode: 'deterministic' });
      await page.getByTestId('live.step.time').click();
      await app.files.call(0, 'open');
      await expect(app.files.ret(0)).toHaveText('3 (kref 2)');
      await app.files.call(0, 'sendfile', { count: 65536 });
      await expect(app.files.of(0, 'result.call')).toHaveText('sendfile(out, 3, NULL, 65536)');
      await expect(app.files.ret(0)).toHaveText(ret);
    }
  });

  test('mmap of any length but alloc_size is EINVAL; a mapped reader faults each page in on first touch', async ({ app, page }) => {
    await app.goto();
    await app.startLive(config(), 1, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    const files = app.files;
    await files.file.selectOption('1');
    await files.call(1, 'open');
    await expect(files.ret(1)).toHaveText('3 (kref 2)');
    await files.call(1, 'mmap', { length: 9000 });
    await expect(files.of(1, 'result.call')).toHaveText('mmap(NULL, 9000, PROT_READ, MAP_SHARED, 3, 0)');
    await expect(files.ret(1)).toHaveText('-1 EINVAL');
    await expect(files.of(1, 'map').getByRole('option')).toHaveText(['none']);

    await files.call(1, 'mmap', { length: 12288 });
    await expect(files.ret(1)).toHaveText('mapping 1: 3 pages, none present until touched');
    await files.call(1, 'mapread', { offset: 2000, touch: 3000 });
    await expect(files.ret(1)).toHaveText('3000 bytes; 2 faults: page 0, 1');
    await files.call(1, 'mapread', { offset: 0, touch: 100 });
    await expect(files.ret(1)).toHaveText('100 bytes; no fault: every page touched was present');

    // The memory view counts them, page by page.
    await expect(page.getByTestId('memory.geometry')).toContainText('alloc_size = PAGE_ALIGN(3\u202f000 × 3) = 12\u202f288 bytes: 3 pages of 4096');
    await expect(page.getByTestId('memory.geometry')).toContainText('the last 3\u202f288 bytes of the last page are never used');
    await expect(page.getByTestId('memory.faults')).toHaveText(/^No mapping of this buffer yet/);
    await page.getByTestId('memory.buffer').selectOption({ label: 'relay1 (CPU 1)' });
    await expect(page.getByTestId('memory.faults')).toHaveText('2 page faults so far; 2 of 3 pages present in the 1 live mapping.');
    await files.call(1, 'mapread', { offset: 8192, touch: 808 });
    await expect(files.ret(1)).toHaveText('808 bytes; 1 fault: page 2');
    await expect(page.getByTestId('memory.faults')).toHaveText('3 page faults so far; 3 of 3 pages present in the 1 live mapping.');
    await page.getByTestId('memory.page').fill('2');
    await expect(page.getByTestId('memory.page.detail')).toHaveText(
      'page 2: buffer bytes [8192, 12288) hold sub-buffer 2 [8192, 9000), 3\u202f288 unused bytes (page rounding)',
    );
    await files.call(1, 'munmap');
    await expect(page.getByTestId('memory.faults')).toHaveText('3 page faults so far; 0 of 3 pages present in the 0 live mappings.');

    const faults = (await app.loggedEvents(50)).filter((e) => e.fn === 'relay_buf_fault');
    expect(faults.map((e) => [e.cpu, e.text])).toEqual([
      [1, "mapping 1 touched page 2 of CPU 1's buffer for the first time: the page is faulted in"],
      [1, "mapping 1 touched page 1 of CPU 1's buffer for the first time: the page is faulted in"],
      [1, "mapping 1 touched page 0 of CPU 1's buffer for the first time: the page is faulted in"],
    ]);
  });

  test('after relay_close a reader holding its file reads what was left; the last close frees the buffer, then the channel', async ({ app, page }) => {
    await app.goto();
    await app.startLive(config(), 1, { mode: 'deterministic' });
    await page.getByTestId('live.step.time').click();
    const files = app.files;
    await files.call(0, 'open');
    await expect(files.ret(0)).toHaveText('3 (kref 2)');
    await expect(files.chanKref).toHaveText('3');
    await expect(files.chanState).toHaveText('open');

    await page.getByTestId('live.op.close').click();
    // CPU 1's buffer had no file: relay_close freed it. CPU 0's is held by the page's fd.
    await expect(files.of(1, 'state')).toHaveText(/^freed: pages released at t = 10\.000 ms$/);
    await expect(files.of(0, 'kref')).toHaveText('1');
    await expect(files.of(0, 'state')).toHaveText('finalized, file removed; open files keep it');
    await expect(files.chanKref).toHaveText('1');
    await expect(files.chanState).toHaveText('closed (relay_close); buffers still referenced');

    // 100 records of 64 bytes: 46 in each of two produced sub-buffers, 8 left in the third.
    await files.call(0, 'read', { count: 65536 });
    await expect(files.ret(0)).toHaveText('6400 from [0, 2944), [3000, 5944), [6000, 6512)');
    await files.call(0, 'poll');
    await expect(files.ret(0)).toHaveText('POLLERR: the buffer is finalized (relay_close)');
    await files.call(0, 'open');
    await expect(files.ret(0)).toHaveText('-1 ENOENT');

    await files.call(0, 'close');
    await expect(files.ret(0)).toHaveText('0');
    await expect(files.of(0, 'state')).toHaveText(/^freed: pages released at t = 10\.000 ms$/);
    await expect(files.of(0, 'kref')).toHaveText('0');
    await expect(files.chanKref).toHaveText('0');
    await expect(files.chanState).toHaveText(/^freed at t = 10\.000 ms$/);
    await expect(page.getByTestId('memory.faults')).toHaveText(/^This buffer is freed: its pages went when its last reference was dropped\. /);
    const log = await app.loggedEvents(5);
    expect(log.slice(0, 3).map((e) => e.fn)).toEqual(['relay_destroy_channel', 'relay_destroy_buf', 'relay_file_release']);
    expect(await app.lifetime()).toEqual({
      chanKref: 0,
      chanFreed: true,
      buffers: [0, 1].map((cpu) => ({ cpu, path: `/sys/kernel/debug/relayscope/relay${cpu}`, kref: 0, freed: true })),
    });
    expect(await app.fileCall({ op: 'read', fd: 3, count: 1 })).toMatchObject({ errno: 'EBADF', ret: '-1 EBADF' });
  });
});

/** The last read's result in `threeCalls`: three produced sub-buffers but the first 64 bytes. */
const LAST_READ = '8768 from [64, 2944), [3000, 5944), [6000, 8944)';
/** The list of every call after `threeCalls`, newest first. */
const HISTORY = [`read(3, buf, 65536) = ${LAST_READ}`, 'read(3, buf, 64) = 64 from [0, 64)', 'open("/sys/kernel/debug/relayscope/relay0", O_RDONLY) = 3 (kref 2)'];

/**
 * A deterministic run stepped 10 ms, CPU 0's file opened and 64 bytes read, 10 ms more and
 * the rest read: the event of the open, the event reached, and the address then.
 */
async function threeCalls(app: AppPage): Promise<{ opened: number; end: number; url: string }> {
  const { page, files } = app;
  await app.goto();
  await app.startLive(config(), 1, { mode: 'deterministic' });
  await page.getByTestId('live.step.time').click();
  await files.call(0, 'open');
  await expect(files.ret(0)).toHaveText('3 (kref 2)');
  await expect(page).toHaveURL(/[?&]ops=\d+:file_open:0(&|$)/);
  const opened = Number(/[?&]ev=(\d+)/.exec(page.url())?.[1]);
  await files.call(0, 'read', { count: 64 });
  await expect(files.ret(0)).toHaveText('64 from [0, 64)');
  await page.getByTestId('live.step.time').click();
  await files.call(0, 'read', { count: 65536 });
  await expect(files.ret(0)).toHaveText(LAST_READ);
  await expect(page).toHaveURL(new RegExp(`ops=${opened}:file_open:0,${opened}:file_read:3:64,\\d+:file_read:3:65536(&|$)`));
  // The list of every call (in a closed <details>, so by element rather than role).
  await expect(page.getByTestId('files.history').locator('li')).toHaveText(HISTORY);
  const url = page.url();
  return { opened, end: Number(/[?&]ev=(\d+)/.exec(url)?.[1]), url };
}

test.describe('relay files in the timeline of a deterministic run', () => {
  test('going back undoes the calls made after; forward again replays each at its event, with the same result', async ({ app, page }) => {
    // Some thirty steps and calls: a bound for a loaded machine, not a measure.
    test.slow();
    const { opened, end } = await threeCalls(app);
    const files = app.files;

    // Back before the open: no file open, the buffer's reference only the channel's.
    await page.getByTestId('travel.slider').fill(String(opened - 1));
    await expect(page.getByTestId('travel.position')).toHaveText(new RegExp(`^event ${opened - 1} of `));
    await expect(files.of(0, 'kref')).toHaveText('1');
    await expect(files.of(0, 'result')).toHaveText('No call on this file yet.');
    await expect(files.of(0, 'fd').getByRole('option')).toHaveText(['none']);
    await expect(page.getByTestId('files.history')).toHaveCount(0);

    // Forward again.
    await page.getByTestId('travel.slider').fill(String(end));
    await expect(page.getByTestId('travel.position')).toHaveText(new RegExp(`^event ${end} of `));
    await expect(files.of(0, 'kref')).toHaveText('2');
    await expect(files.of(0, 'fd').getByRole('option')).toHaveText(['3']);
    await expect(files.ret(0)).toHaveText(LAST_READ);
    await expect(page.getByTestId('files.history').locator('li')).toHaveText(HISTORY);
    // The calls are landmarks: the previous one is the second read.
    await page.getByTestId('travel.landmark').selectOption('file');
    await page.getByTestId('travel.previous').click();
    await expect(page.getByTestId('files.history').locator('li')).toHaveText(HISTORY.slice(1));
    await expect(files.ret(0)).toHaveText('64 from [0, 64)');
  });

  test('the address carries the calls: a new page opened from it has the same files, and goes on alike', async ({ app, context }) => {
    // Two pages, each stepping a run: a bound for a loaded machine, not a measure.
    test.slow();
    const { end, url } = await threeCalls(app);
    const other = new AppPage(await context.newPage());
    await other.goto(url.slice(url.indexOf('?')));
    await expect(other.live.status).toHaveText('paused');
    await expect(other.page.getByTestId('travel.position')).toHaveText(new RegExp(`^event ${end} of `));
    await expect(other.files.of(0, 'kref')).toHaveText('2');
    await expect(other.files.of(0, 'fd').getByRole('option')).toHaveText(['3']);
    await expect(other.files.ret(0)).toHaveText(LAST_READ);
    await expect(other.page.getByTestId('files.history').locator('li')).toHaveText(HISTORY);
    expect(await other.lifetime()).toEqual(await app.lifetime());

    // 10 ms on, the next read finds the same on both pages.
    for (const p of [app, other]) {
      await p.page.getByTestId('live.step.time').click();
      await p.files.call(0, 'read', { count: 65536 });
      await expect(p.files.of(0, 'result.call')).toHaveText('read(3, buf, 65536)');
    }
    await expect(app.files.ret(0)).toHaveText(/^[1-9]\d* from /);
    await expect(other.files.ret(0)).toHaveText((await app.files.ret(0).textContent()) ?? 'no result');
  });

  test('a call made after going back starts a new future: the later calls are forgotten', async ({ app, page }) => {
    await app.goto();
    await app.startLive(config(), 1, { mode: 'deterministic' });
    const files = app.files;
    await page.getByTestId('live.step.time').click();
    await files.call(0, 'open');
    await expect(files.ret(0)).toHaveText('3 (kref 2)');
    const opened = Number(/[?&]ev=(\d+)/.exec(page.url())?.[1]);
    await page.getByTestId('live.step.time').click();
    await files.call(0, 'mmap', { length: 12288 });
    await expect(files.ret(0)).toHaveText('mapping 1: 3 pages, none present until touched');
    await expect(page).toHaveURL(/:file_mmap:3:12288(&|$)/);

    await page.getByTestId('travel.slider').fill(String(opened + 10));
    await expect(files.of(0, 'map').getByRole('option')).toHaveText(['none']);
    await expect(files.ret(0)).toHaveText('3 (kref 2)');
    await files.call(0, 'close');
    await expect(files.ret(0)).toHaveText('0');
    await expect(page).toHaveURL(new RegExp(`ops=${opened}:file_open:0,${opened + 10}:file_close:3(&|$)`));
    await page.getByTestId('live.step.time').click();
    await page.getByTestId('live.step.time').click();
    await expect(files.of(0, 'kref')).toHaveText('1');
    await expect(files.of(0, 'map').getByRole('option')).toHaveText(['none']);
    await expect(page.getByTestId('files.history').locator('li')).toHaveText(['close(3) = 0', 'open("/sys/kernel/debug/relayscope/relay0", O_RDONLY) = 3 (kref 2)']);
  });

  test('an address with a file call that is not one says which and why', async ({ page }) => {
    await page.goto('/?mode=deterministic&ev=10&ops=5:file_read:3');
    await expect(page.getByTestId('app.url-error')).toHaveText(
      'This address could not be used: ops: "5:file_read:3" is not AT:file_read:FD:COUNT. The page shows the default settings instead.',
    );
  });
});

test.describe('relay files in a live run', () => {
  test('each call pauses the workers for a moment and runs on the page\'s view of the channel; the run goes on', async ({ app }) => {
    await app.goto();
    await app.startLive({ channel: { ...channel, mode: 'overwrite' }, workload, reader: { enabled: false } }, 1);
    await expect.poll(async () => (await app.liveSnapshot()).written[0]).toBeGreaterThan(200);
    await expect(app.page.getByTestId('files.how')).toContainText('with the run\u2019s threads paused for the call');
    await app.files.call(0, 'open');
    await expect(app.files.ret(0)).toHaveText('3 (kref 2)');
    await app.files.call(0, 'read', { count: 64 });
    await expect(app.files.ret(0)).toHaveText(/^64 from \[\d+, \d+\)$/);
    await app.files.call(0, 'sendfile', { count: 4096 });
    await expect(app.files.ret(0)).toHaveText('-1 EINVAL');
    await expect(app.live.status).toHaveText('running');
    const before = (await app.liveSnapshot()).written[0];
    await expect.poll(async () => (await app.liveSnapshot()).written[0]).toBeGreaterThan(before);
    await app.files.call(0, 'close');
    await expect(app.files.of(0, 'kref')).toHaveText('1');
  });
});
