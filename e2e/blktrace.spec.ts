import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import { expect, test } from './fixtures.ts';

const cli = fileURLToPath(new URL('../build/cli/src/cli/main.js', import.meta.url));

/** A blktrace capture of our own: the files a lossless two-CPU run of blktrace records writes. */
function capture(): { name: string; bytes: Uint8Array }[] {
  const dir = mkdtempSync(join(tmpdir(), 'relayscope-e2e-blktrace-'));
  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ channel: { cpus: 2 }, workload: { rate: 4000, format: 'blktrace' } }));
  const out = join(dir, 'capture');
  const r = spawnSync(process.execPath, [cli, 'simulate', '--config', config, '--seconds', '0.05', '--blktrace-out', out], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return readdirSync(out)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(out, name))) }));
}

test.describe('blktrace captures in the page', () => {
  test('imports a capture, and the archive of the run gives its files back byte for byte', async ({ app, page }) => {
    const files = capture();
    expect(files.map((f) => f.name)).toEqual(['sda.blktrace.0', 'sda.blktrace.1']);
    await app.goto();
    await app.workload.chooseFiles(files);
    await expect(app.workload.error).toHaveCount(0);
    await expect(app.workload.status).toContainText('Replaying the 2 files chosen');
    await expect(page).toHaveURL(/workload=[0-9a-f]{16}/);
    await expect(app.exports.blktrace).toBeEnabled();
    const archive = await app.exports.downloadBytes(app.exports.blktrace);
    expect(archive.name).toBe('relayscope-sda.blktrace.zip');
    const unzipped = unzipSync(archive.bytes);
    expect(Object.keys(unzipped).sort()).toEqual(['sda.blktrace.0', 'sda.blktrace.1', 'sda.blktrace.2', 'sda.blktrace.3']);
    expect(Buffer.from(unzipped['sda.blktrace.0']).equals(Buffer.from(files[0].bytes))).toBe(true);
    expect(Buffer.from(unzipped['sda.blktrace.1']).equals(Buffer.from(files[1].bytes))).toBe(true);
    await expect(app.exports.blktraceNote).toContainText('sda.blktrace.0, sda.blktrace.1, sda.blktrace.2, sda.blktrace.3');
  });

  test('a capture that does not parse is refused with its file, byte and why, and the run goes on', async ({ app, page }) => {
    const files = capture();
    await app.goto();
    await app.workload.chooseFiles(files);
    await expect(app.workload.status).toContainText('Replaying the 2 files chosen');
    const url = page.url();
    const cut = files[1].bytes.length - 20;
    await app.workload.chooseFiles([files[0], { name: files[1].name, bytes: files[1].bytes.subarray(0, cut) }]);
    await expect(app.workload.error).toContainText(
      `sda.blktrace.1: byte ${cut - 28}: truncated record: 28 bytes at the end, a blk_io_trace is 48. The current run goes on.`,
    );
    await expect(app.workload.status).toContainText('Replaying the 2 files chosen');
    expect(page.url()).toBe(url);
  });

  test('the archive is for blktrace records only', async ({ app }) => {
    await app.goto();
    await expect(app.exports.blktrace).toBeDisabled();
    await expect(app.exports.blktraceNote).toContainText('The records are relayscope’s own');
  });
});
