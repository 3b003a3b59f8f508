import { expect, test } from './fixtures.ts';

test.describe('the record format in the settings form', () => {
  test('a live run refuses blktrace records beside the field; a deterministic one takes them, and the address brings them back', async ({ app, page }) => {
    await app.goto();
    await app.openSettings();
    const live = app.live;
    await expect(live.field('workload.format')).toHaveValue('relayscope');
    await expect(live.field('workload.blktraceSequence')).toHaveValue('after-reserve');
    await page.getByTestId('live.mode').selectOption('live');
    await live.field('workload.format').selectOption('blktrace');
    await live.field('workload.blktraceSequence').selectOption('before-reserve');
    const before = page.url();
    await live.start.click();
    await expect(live.fieldError('workload.format')).toHaveText(
      "workload.format blktrace runs in deterministic mode only: the live run's reader workers verify relayscope's own records, not blktrace's. " +
        'Choose Mode: deterministic (virtual time), then Start',
    );
    await expect(live.field('workload.format')).toHaveValue('blktrace');
    expect(page.url()).toBe(before);

    await page.getByTestId('live.mode').selectOption('deterministic');
    await live.start.click();
    await expect(live.fieldError('workload.format')).toHaveCount(0);
    await expect(page).toHaveURL(/[?&]workload\.format=blktrace(&|$)/);
    await expect(page).toHaveURL(/[?&]workload\.blktraceSequence=before-reserve(&|$)/);
    await expect(page).toHaveURL(/[?&]mode=deterministic(&|$)/);
    await expect(app.exports.blktrace).toBeEnabled();

    await page.goto(page.url());
    await app.openSettings();
    await expect(live.field('workload.format')).toHaveValue('blktrace');
    await expect(live.field('workload.blktraceSequence')).toHaveValue('before-reserve');
    await expect(app.exports.blktrace).toBeEnabled();
  });

  test('a record size set with blktrace records is refused beside its field, and the run goes on; sizes a preset filled in are left out', async ({ app, page }) => {
    await app.goto();
    await app.openSettings();
    const live = app.live;
    await page.getByTestId('live.mode').selectOption('deterministic');
    await live.field('workload.format').selectOption('blktrace');
    await live.start.click();
    await expect(page).toHaveURL(/workload\.format=blktrace/);
    const url = page.url();

    await live.field('workload.sizeMin').fill('100');
    await live.start.click();
    await expect(live.fieldError('workload.sizeMin')).toHaveText(
      "workload.sizeMin cannot be set with workload.format blktrace: its record sizes follow from the events (48 bytes and each record's pdu_len)",
    );
    expect(page.url()).toBe(url);

    // kvmtrace's 16 to 40 byte records are what the preset filled in, not a choice: blktrace's events replace them.
    await live.field('preset').selectOption('kvmtrace');
    await expect(live.field('workload.sizeMax')).toHaveValue('40');
    await live.field('workload.format').selectOption('blktrace');
    await live.start.click();
    await expect(live.fieldError('workload.size')).toHaveCount(0);
    await expect(page).toHaveURL(/workload\.rate=400000&workload\.format=blktrace/);
    expect(page.url()).not.toMatch(/workload\.size/);
    await app.openSettings();
    await expect(live.field('workload.sizeMax')).not.toHaveValue('40');
  });
});
