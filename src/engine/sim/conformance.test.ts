import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalTrace } from './canonical.ts';
import { parseScenario } from './scenario.ts';

const dir = join(import.meta.dirname, 'conformance');
const names = readdirSync(join(dir, 'scenarios'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

/** As the shared checker compares: trailing spaces and blank lines do not count, nor open ERR reasons. */
const normalise = (lines: string[]): string[] =>
  lines
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .map((l) => (l.startsWith('open ERR') ? 'open ERR' : l));

describe('the conformance suite, from the project copy', () => {
  it('holds the 53 scenarios of the suite', () => {
    expect(names.length).toBe(53);
  });

  it.each(names)('%s gives its expected canonical lines', (name) => {
    const file = join(dir, 'scenarios', `${name}.json`);
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const expected = readFileSync(join(dir, 'expected', `${name}.txt`), 'utf8').split('\n');
    expect(normalise(canonicalTrace(scenario))).toEqual(normalise(expected));
  });
});
