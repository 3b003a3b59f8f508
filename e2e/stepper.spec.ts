import { readFileSync } from 'node:fs';
import { takeDownload } from './downloads.ts';
import { expect, test } from './fixtures.ts';

const expectedLines = (name: string): string[] =>
  readFileSync(new URL(`../src/engine/sim/conformance/expected/${name}.txt`, import.meta.url), 'utf8').trimEnd().split('\n');

/** The fields of each buffer in a canonical line: B0 -> { o: '20', d: '1', ... }. */
function buffersOf(line: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const middle = line.split(' | ')[1] ?? '';
  for (const part of middle.split(' ; ').filter((p) => p.trim() !== '')) {
    const [label, fields] = part.split(/:(.*)/s);
    out.set(label, Object.fromEntries(fields.split(',').map((f) => f.split('=') as [string, string])));
  }
  return out;
}

/** The counters the stepper shows of each buffer, by their canonical names. */
const FIELDS = ['o', 'd', 'p', 'c', 'b', 'pad', 'f', 'fc', 'bc', 'sz', 'w', 'wk'];

/**
 * In the page: clicks Step `n` times, each once the step before it is shown, and returns each
 * step's line. Waits frame by frame, for at most 600 frames a step.
 */
async function walkStepper(n: number): Promise<string[]> {
  const q = (id: string): HTMLElement | null => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  const seen: string[] = [];
  for (let k = 1; k <= n; k++) {
    q('stepper.step')?.click();
    for (let frame = 0; q('stepper.position')?.textContent !== `step ${k} of ${n}`; frame++) {
      if (frame === 600) throw new Error(`step ${k} was not shown after 600 frames`);
      await new Promise(requestAnimationFrame);
    }
    seen.push(q('stepper.line')?.textContent ?? '');
  }
  return seen;
}

test.describe('conformance scenarios replayed in the page', () => {
  // The worked examples field by field at every step; a random one (151 steps) by its lines,
  // and field by field at its end.
  for (const name of ['s01-basic-no-overwrite', 's04-flush-empty-subbufs', 's06-global', 's07-hotplug', 'r06']) {
    test(`${name}: every step's line and buffer counters are the expected ones`, async ({ page }) => {
      // Up to 151 steps, each checked field by field: a walk through, not a quick check.
      test.slow();
      const lines = expectedLines(name);
      // The scenario alone: no demo playing beside it.
      await page.goto('/?demo=0');
      await page.getByTestId('stepper.scenario').selectOption(name);
      await page.getByTestId('stepper.load').click();
      const last = lines.length - 1;
      const check = async (k: number): Promise<void> => {
        await expect(page.getByTestId('stepper.position')).toHaveText(`step ${k} of ${last}`);
        await expect(page.getByTestId('stepper.line')).toHaveText(lines[k]);
        // Every buffer's fields as the page shows them, read in one round trip and polled until they settle.
        const expected = [...buffersOf(lines[k])].flatMap(([label, fields]) => FIELDS.map((key) => [`stepper.${label}.${key}`, fields[key]]));
        const ids = expected.map(([id]) => id);
        await expect
          .poll(() => page.evaluate((ids) => ids.map((id) => [id, document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null]), ids))
          .toEqual(expected);
      };
      await check(0);
      if (name.startsWith('r')) {
        // The random one's steps by their lines, walked in the page: a round trip per step
        // would cost Firefox over BiDi minutes.
        expect(await page.evaluate(walkStepper, last)).toEqual(lines.slice(1));
        await check(last);
      } else {
        for (let k = 1; k <= last; k++) {
          await page.getByTestId('stepper.step').click();
          await check(k);
        }
      }
      await expect(page.getByTestId('stepper.step')).toBeDisabled();
    });
  }
});

test.describe('scenario files in the page', () => {
  const scenario = {
    name: 'two writes',
    config: { cpus: 1, subbufSize: 64, nSubbufs: 4 },
    ops: [
      { op: 'write', cpu: 0, size: 40 },
      { op: 'write', cpu: 0, size: 40 },
    ],
  };

  test('opens a file, steps forward and back beside the rings, and saves an edited copy', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('stepper.file').setInputFiles({ name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(scenario)) });
    await expect(page.getByTestId('stepper.position')).toHaveText('step 0 of 2');
    await page.getByTestId('stepper.step').click();
    await page.getByTestId('stepper.step').click();
    await expect(page.getByTestId('stepper.B0.pad')).toHaveText('24.0.0.0');
    await expect(page.getByTestId('stepper.picture.B0').getByRole('img')).toHaveAttribute('aria-label', /^B0: 0: produced, ready, 40 of 64 bytes; 1: being written, 40 of 64 bytes/);
    await page.getByTestId('stepper.back').click();
    await expect(page.getByTestId('stepper.position')).toHaveText('step 1 of 2');
    await expect(page.getByTestId('stepper.B0.o')).toHaveText('40');
    await expect(page.getByTestId('stepper.step')).toBeEnabled();

    await page.getByText('Edit the scenario, or save it').click();
    await page.getByTestId('stepper.text').fill(JSON.stringify({ ...scenario, ops: [...scenario.ops, { op: 'flush' }] }));
    await page.getByTestId('stepper.apply').click();
    await page.getByTestId('stepper.end').click();
    await expect(page.getByTestId('stepper.position')).toHaveText('step 3 of 3');
    const saved = await takeDownload(page, () => page.getByTestId('stepper.save').click());
    expect(saved.name).toBe('mine.json');
    expect(JSON.parse(Buffer.from(saved.bytes).toString('utf8')).ops).toHaveLength(3);
  });

  test('a file that is not a scenario says where and why, and the loaded one stays', async ({ page }) => {
    await page.goto('/');
    await page.getByTestId('stepper.load').click();
    await expect(page.getByTestId('stepper.position')).toHaveText(/^step 0 of \d+$/);
    await page.getByTestId('stepper.file').setInputFiles({
      name: 'bad.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ config: { cpus: 1, subbufSize: 64, nSubbufs: 4 }, ops: [{ op: 'write', size: 'big' }] })),
    });
    await expect(page.getByTestId('stepper.error')).toHaveText(/^bad\.json: op 0 \(write\): "size" must be an integer, got "big"$/);
    await expect(page.getByTestId('stepper.position')).toHaveText(/^step 0 of \d+$/);
    await page.getByTestId('stepper.file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"config": {,}') });
    await expect(page.getByTestId('stepper.error')).toHaveText(/^broken\.json: .*line 1, column \d+/);
    // Past the size limit (README, "Input limits"), refused before it is read.
    await page.getByTestId('stepper.file').setInputFiles({ name: 'huge.json', mimeType: 'application/json', buffer: Buffer.alloc(8 * 1024 * 1024 + 1, 32) });
    await expect(page.getByTestId('stepper.error')).toHaveText('huge.json: larger than 8 MiB, the limit for a scenario file');
    await expect(page.getByTestId('stepper.position')).toHaveText(/^step 0 of \d+$/);
  });
});
