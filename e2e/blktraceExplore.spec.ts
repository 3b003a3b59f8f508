import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures.ts';

const cli = fileURLToPath(new URL('../build/cli/src/cli/main.js', import.meta.url));

function relayscope(...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

/** Two CPUs and a reader that pauses 40 ms every 100 ms: small rings lose records while it sleeps. */
const pausing = { channel: { cpus: 2 }, reader: { period: 0.05, pauseEvery: 0.1, pauseFor: 0.04 } };

/** A capture of our own: what blktrace's readers wrote of a lossless two-CPU run, 0.3 s of 5,000 I/Os a second. */
function capture(dir: string): { name: string; bytes: Uint8Array }[] {
  const config = join(dir, 'lossless.json');
  writeFileSync(config, JSON.stringify({ channel: { cpus: 2, subbufSize: 524288, nSubbufs: 4 }, workload: { rate: 5000, format: 'blktrace' } }));
  const out = join(dir, 'capture');
  const r = JSON.parse(relayscope('simulate', '--config', config, '--seconds', '0.3', '--blktrace-out', out, '--json').trim().split('\n').pop() ?? '');
  expect(r.blktraceMessage).toBeNull();
  return readdirSync(out)
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(out, name))) }));
}

const sentence = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

test.describe('the sizing explorer and the A/B comparison on an imported blktrace capture', () => {
  test('say what the capture would have lost at each size and what blkparse would report, as the CLI does', async ({ app, pageErrors }) => {
    const dir = mkdtempSync(join(tmpdir(), 'relayscope-e2e-blkexplore-'));
    const files = capture(dir);
    const config = join(dir, 'pausing.json');
    writeFileSync(config, JSON.stringify(pausing));
    const fromCli = JSON.parse(
      relayscope('sweep', '--config', config, '--workload-blktrace', join(dir, 'capture'), '--subbuf-sizes', '8192,65536', '--n-subbufs', '2', '--json').trim().split('\n').pop() ?? '',
    );
    const [small, big] = fromCli.grid;
    expect(small.blktrace.lost).toBeGreaterThan(0);
    expect(small.blktrace.seqGaps).toBeGreaterThan(0);
    expect(big.blktrace).toMatchObject({ lost: 0, seqGaps: 0 });

    await app.goto();
    await app.startLive(pausing, 1, { mode: 'deterministic' });
    await app.workload.chooseFiles(files);
    await expect(app.workload.error).toHaveCount(0);
    await expect(app.workload.status).toContainText('Replaying the 2 files chosen');

    const sweep = app.sweep;
    await sweep.axis('subbufSizes').fill('8K, 64K');
    await sweep.axis('nSubbufs').fill('2');
    await sweep.run.click();
    await expect(sweep.status).toHaveText('done', { timeout: 60_000 });
    expect((await sweep.result())?.cells).toEqual(fromCli.grid);
    await expect(sweep.blktrace(8192, 2)).toHaveText(sentence(small.blktrace.text));
    await expect(sweep.blktrace(8192, 2)).toContainText(
      `This capture at 8 KiB x 2 would have lost ${small.blktrace.lost} events, blkparse would report ${small.blktrace.seqGaps} gaps (${small.blktrace.seqMissing} missing)`,
    );
    await expect(sweep.blktrace(8192, 2)).toHaveAttribute('data-gaps', String(small.blktrace.seqGaps));
    await expect(sweep.blktrace(65536, 2)).toHaveText('This capture at 64 KiB x 2 would have lost 0 events, blkparse would report 0 gaps (0 missing).');
    await expect(app.page.getByTestId('sweep.blktrace.why')).toHaveText(`Why: ${small.blktrace.why}.`);

    const compare = app.compare;
    await compare.field('A', 'subbufSize').fill('8192');
    await compare.field('A', 'nSubbufs').fill('2');
    await compare.field('B', 'subbufSize').fill('65536');
    await compare.field('B', 'nSubbufs').fill('2');
    await compare.seconds.fill(String(fromCli.seconds));
    await compare.run.click();
    await expect(compare.status).toHaveText('done', { timeout: 60_000 });
    await expect(compare.blktrace('A')).toHaveText(`A: ${small.blktrace.text}.`);
    await expect(compare.blktrace('A')).toHaveAttribute('data-lost', String(small.blktrace.lost));
    await expect(compare.blktrace('A')).toHaveAttribute('data-missing', String(small.blktrace.seqMissing));
    await expect(compare.blktrace('B')).toHaveText(`B: ${big.blktrace.text}.`);
    await expect(app.page.getByTestId('compare.blktrace.why')).toHaveText(`Why: ${small.blktrace.why}.`);
    expect(pageErrors).toEqual([]);
  });
});
