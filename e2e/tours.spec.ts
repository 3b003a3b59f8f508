import { expect, test } from './fixtures.ts';

test.describe('the guided tours', () => {
  test('drive the run, point at what to look at, and let the engine answer the prediction', async ({ app, page }) => {
    await app.goto();
    await page.getByTestId('tour.chapter').selectOption({ label: '3. No-overwrite: the writer stalls and drops' });
    await expect(page.getByTestId('tour.prompt')).toHaveText(/Will the next write be dropped\?$/);
    await expect(page.getByTestId('live.counters')).toHaveClass(/tour-look/);
    // The sixteenth record filled the last sub-buffer exactly: the next one needs a switch.
    await expect(page.getByTestId('channel.cpu.0')).toHaveText('CPU 0: writing sub-buffer 3 at byte 4096; 3 ready; produced 3, consumed 0');
    await expect(app.live.counter('total', 'full')).toHaveText('0');

    await page.getByTestId('tour.choice.no').check();
    await page.getByTestId('tour.reveal').click();
    await expect(page.getByTestId('tour.answer')).toHaveText(/^Not quite: the engine says yes\. Records dropped because the buffer was full: 0 → 1\./);
    await expect(app.live.counter('total', 'full')).toHaveText('1');
    await expect(page.getByTestId('channel.cpu.0')).toHaveText(/^CPU 0: stalled: the ring is full and the writer owns no sub-buffer; 4 ready/);

    await page.getByTestId('tour.next').click();
    await page.getByTestId('tour.next').click();
    await page.getByTestId('tour.next').click();
    await page.getByTestId('tour.next-chapter').click();
    await expect(page.getByTestId('tour.position')).toHaveText('Chapter 4 of 7, step 1 of 4');
    await page.getByTestId('tour.choice.yes').check();
    await page.getByTestId('tour.reveal').click();
    await expect(page.getByTestId('tour.answer')).toHaveText(/^Right: the engine says yes\./);
    await expect(app.live.counter('total', 'overwritten')).not.toHaveText('0');
  });

});
