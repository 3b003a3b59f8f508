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

  test('start from the first chapter and walk through every step', async ({ page }) => {
    // Twenty-eight steps, each driving its own run, some for seconds of virtual time: a long walk.
    test.setTimeout(180_000);
    // Reveals settle at once with reduced motion: the walk does not wait for each replay.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto('/');
    await page.getByTestId('tour.start').click();
    const steps = [4, 4, 4, 4, 4, 4, 4];
    for (const [c, n] of steps.entries()) {
      for (let k = 1; k <= n; k++) {
        await expect(page.getByTestId('tour.position')).toHaveText(`Chapter ${c + 1} of 7, step ${k} of ${n}`);
        // A step without a question only tells; the others are answered and revealed.
        if ((await page.getByTestId('tour.prompt').count()) > 0) {
          await page.locator('[data-testid^="tour.choice."]').first().check();
          await page.getByTestId('tour.reveal').click();
          await expect(page.getByTestId('tour.answer')).toHaveText(/the engine says /);
        }
        if (k < n) await page.getByTestId('tour.next').click();
      }
      if (c + 1 < steps.length) await page.getByTestId('tour.next-chapter').click();
    }
    await expect(page.getByTestId('tour.next-chapter')).toHaveCount(0);
  });
});
