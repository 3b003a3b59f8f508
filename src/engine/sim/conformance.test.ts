import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalTrace } from './canonical.ts';
import { parseScenario } from './scenario.ts';

const scenarioNames = (dir: string): string[] =>
  readdirSync(join(dir, 'scenarios'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();

/** As the shared checker compares: trailing spaces and blank lines do not count, nor open ERR reasons. */
const normalise = (lines: string[]): string[] =>
  lines
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .map((l) => (l.startsWith('open ERR') ? 'open ERR' : l));

const suites = [
  { title: 'the conformance suite, from the project copy', dir: join(import.meta.dirname, 'conformance') },
  { title: 'the example scenarios of files, memory, lifetime and kernel versions', dir: join(import.meta.dirname, 'extra-scenarios') },
];

describe.each(suites)('$title', ({ dir }) => {
  it.each(scenarioNames(dir))('%s gives its expected canonical lines', (name) => {
    const file = join(dir, 'scenarios', `${name}.json`);
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const expected = readFileSync(join(dir, 'expected', `${name}.txt`), 'utf8').split('\n');
    expect(normalise(canonicalTrace(scenario))).toEqual(normalise(expected));
  });
});

describe('the suites', () => {
  it('the conformance suite holds its 53 scenarios', () => {
    expect(scenarioNames(suites[0].dir)).toHaveLength(53);
  });

  it('every example scenario uses a file operation or an older kernel', () => {
    const names = scenarioNames(suites[1].dir);
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) expect(readFileSync(join(suites[1].dir, 'scenarios', `${name}.json`), 'utf8')).toMatch(/"file_|"kernel"/);
  });
});
