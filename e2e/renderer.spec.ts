import { expect, test } from './fixtures.ts';

/**
 * What a long run leaves behind in the renderer, frame after frame. `npm run soak` measures
 * the process memory over half an hour; these check the two writes that made it grow.
 */
test.describe("the renderer during a long run", () => {
  test('the counters change their text in place, not with a new text node each frame', async ({ app, page }) => {
    await app.goto();
    await app.startLive({ channel: { cpus: 2 } }, 1);
    const cell = page.getByTestId('live.cpu.0.written');
    await expect(cell).not.toHaveText('0');
    await cell.evaluate((el) => {
      (window as unknown as { counterText: Node | null }).counterText = el.firstChild;
    });
    const before = await cell.textContent();
    await expect(cell).not.toHaveText(before ?? '');
    expect(await cell.evaluate((el) => el.firstChild === (window as unknown as { counterText: Node | null }).counterText)).toBe(true);
  });
});
