import { KERNEL_DIFFERENCES } from '../src/engine/kernel/versions.ts';
import { expect, test } from './fixtures.ts';

const why = (id: string): string => KERNEL_DIFFERENCES.find((d) => d.id === id)?.why ?? '';

test.describe('kernel versions', () => {
  test('the settings form starts a run on an older kernel, and the versions panel says what differs there and why', async ({ app, page }) => {
    await app.goto();
    await app.openSettings();
    await app.live.field('channel.kernel').selectOption('v6.7');
    await app.live.start.click();
    const select = page.getByTestId('versions.select');
    await expect(select).toHaveValue('v6.7');
    await expect(page.getByTestId('versions.summary')).toHaveText(/^v6\.4 to v6\.7: As v6\.16, and relay files can still be spliced/);
    await expect(page.getByTestId('versions.verified')).toHaveText(/^Not verified by running that kernel: it differs from v6\.17 in 4 of the 6 behaviours/);
    await expect(page.getByTestId('versions.difference.splice_read.has')).toHaveText('yes (unlike v6.17)');
    await expect(page.getByTestId('versions.difference.splice_read.why')).toHaveText(why('splice_read'));
    await expect(page.getByTestId('versions.difference.splice_read.known')).toHaveText('documented but not verified against that kernel (§6.5)');
    await expect(page.getByTestId('versions.difference.stats.has')).toHaveText('no (unlike v6.17)');
    await expect(page.getByTestId('versions.difference.timer_wakeup.has')).toHaveText('no');
    await expect(page.getByTestId('versions.apply')).toHaveText('The run follows v6.7');

    // The history links each change to the kernels before and after it.
    const v68 = page.getByTestId('versions.history').getByRole('listitem').filter({ hasText: 'splice/sendfile support removed.' });
    await v68.getByRole('button', { name: 'Show v6.16 (after)' }).click();
    await expect(select).toHaveValue('v6.16');
    await expect(page.getByTestId('versions.difference.splice_read.has')).toHaveText('no');
    await page.getByTestId('versions.history').getByRole('listitem').filter({ hasText: 'irq_work replaced the timer' }).getByRole('button', { name: 'Show v4.9 (before)' }).click();
    await expect(select).toHaveValue('v4.9');
    await expect(page.getByTestId('versions.difference.timer_wakeup.has')).toHaveText('yes (unlike v6.17)');
    await expect(page.getByTestId('versions.difference.timer_wakeup.why')).toHaveText(why('timer_wakeup'));

    // Scrolled into the docked pane, the button lands below the pane's bar of tools, and takes the click.
    await page.getByTestId('versions.apply').click();
    await expect(app.live.field('channel.kernel')).toHaveValue('v4.9');
    await expect(page.getByTestId('versions.apply')).toHaveText('The run follows v4.9');
  });

  test('relay_close warns in the event log of records too big on v6.16, and not on v6.17', async ({ app, page }) => {
    await app.goto();
    const workload = { rate: 20000, arrival: 'constant', size: 'bimodal', sizeMin: 64, sizeMax: 5000, largeShare: 0.2 };
    for (const kernel of ['v6.16', 'v6.17']) {
      await app.startLive({ channel: { cpus: 1, subbufSize: 4096, nSubbufs: 4, kernel }, workload, reader: { enabled: false } }, 1, { mode: 'deterministic' });
      await page.getByTestId('live.step.time').click();
      await expect(app.live.counter(0, 'toobig')).not.toHaveText('0');
      await page.getByTestId('live.op.close').click();
      await app.events.only('channel');
      await expect(app.events.rows.first().locator('td').nth(2)).toHaveText('relay_close');
      const warning = app.events.rows.filter({ hasText: 'items not logged' });
      if (kernel === 'v6.16') {
        await expect(warning).toHaveCount(1);
        await expect(warning.locator('td').nth(3)).toHaveText(
          'warning: items not logged; the last record too big was 5000 bytes, sub-buffers are 4096 bytes (last_toobig, up to v6.16)',
        );
      } else await expect(warning).toHaveCount(0);
      await app.events.only('file');
      await expect(app.events.rows.locator('td:nth-child(3)')).toHaveText(['relay_destroy_channel', 'relay_destroy_buf']);
    }
  });
});
