import { readFileSync } from 'node:fs';
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

test.describe('conformance scenarios replayed in the page', () => {
  // The worked examples field by field at every step; a random one (151 steps) by its lines,
  // and field by field at its end.
  for (const name of ['s01-basic-no-overwrite', 's04-flush-empty-subbufs', 's06-global', 's07-hotplug', 'r06']) {
    test(`${name}: every step's line and buffer counters are the expected ones`, async ({ page }) => {
      const lines = expectedLines(name);
      await page.goto('/');
      await page.getByTestId('stepper.scenario').selectOption(name);
      await page.getByTestId('stepper.load').click();
      for (let k = 0; k < lines.length; k++) {
        if (k > 0) await page.getByTestId('stepper.step').click();
        await expect(page.getByTestId('stepper.position')).toHaveText(`step ${k} of ${lines.length - 1}`);
        await expect(page.getByTestId('stepper.line')).toHaveText(lines[k]);
        if (name.startsWith('r') && k < lines.length - 1) continue;
        for (const [label, fields] of buffersOf(lines[k]))
          for (const key of ['o', 'd', 'p', 'c', 'b', 'pad', 'f', 'fc', 'bc', 'sz', 'w', 'wk'])
            await expect(page.getByTestId(`stepper.${label}.${key}`)).toHaveText(fields[key]);
      }
      await expect(page.getByTestId('stepper.step')).toBeDisabled();
    });
  }
});
