import { expect, test } from './fixtures.ts';

test.describe('the server', () => {
  test('takes a 100 KB address, and the page says it is too long and shows the defaults', async ({ app, page }) => {
    const seed = '9'.repeat(100_000);
    const response = await app.goto(`?seed=${seed}`);
    expect(response.status()).toBe(200);
    await expect(page.getByTestId('app.url-error')).toContainText(`the address is too long (${'seed='.length + seed.length} characters; at most 4096)`);
    await expect(page.getByTestId('live.form.seed')).not.toHaveValue(seed);
  });
});
