import { expect, test } from './fixtures.ts';

// The page as it is for someone who prefers reduced motion. Firefox over BiDi ignores
// Playwright's emulation, so its browser for this file starts with the preference set.
test.use({ preferReducedMotion: true });

test.describe('the demo, with reduced motion', () => {
  test('it is shown paused, and Space plays it', async ({ app, page }) => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await app.goto();
    await expect.poll(async () => (await app.liveSnapshot()).kind).toBe('demo');
    await expect(page.getByTestId('transport.play')).toHaveText(/Play/);
    const t = (await app.liveSnapshot()).virtualTime;
    await page.locator('body').press(' ');
    await expect(page.getByTestId('transport.play')).toHaveText(/Pause/);
    await expect.poll(async () => (await app.liveSnapshot()).virtualTime).toBeGreaterThan(t);
  });
});

test.describe('the guided tours, with reduced motion', () => {
  // Reveals settle at once: the walk does not wait for each replay.
  test('start from the first chapter and walk through every step', async ({ page }) => {
    // Twenty-eight steps, each driving its own run, some for seconds of virtual time: a long walk.
    test.setTimeout(180_000);
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
