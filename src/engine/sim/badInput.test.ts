/** Input a careless or hostile user gives: each is refused with a clear message, or runs as FORMAT.md says. */
import { describe, expect, it } from 'vitest';
import { canonicalLine } from './canonical.ts';
import { MAX_JSON_DEPTH, echoValue, jsonTextProblem, parseJsonText } from './jsonSyntax.ts';
import { ScenarioRunner } from './runner.ts';
import { ScenarioError, parseScenario } from './scenario.ts';
import { sectionSettings } from './settingPaths.ts';
import { ConfigError, parseSimConfig } from './simConfig.ts';

const refusal = (raw: unknown): string => {
  try {
    parseSimConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`);
};

describe('configuration keys named after object built-ins', () => {
  for (const name of ['__proto__', 'hasOwnProperty', 'valueOf', 'toString', 'constructor'])
    it(`refuses ${name} as a section and as a setting, naming it`, () => {
      for (const section of ['channel', 'workload', 'reader'])
        expect(refusal(JSON.parse(`{"${section}":{"${name}":5}}`))).toBe(
          `${section}.${name} is not a setting (${sectionSettings(section as 'channel').join(', ')})`,
        );
      expect(refusal(JSON.parse(`{"${name}":{}}`))).toBe(`unknown section "${name}" (channel, workload or reader)`);
    });

  it('quotes a setting name that is long or holds control characters', () => {
    expect(refusal({ reader: { ['x'.repeat(100)]: 1 } })).toMatch(/^reader\."x{39}\.\.\. \(102 characters\) is not a setting/);
    expect(refusal({ reader: { 'a\u001bb': 1 } })).toMatch(/^reader\."a\\u001bb" is not a setting/);
  });

  it('still takes the sections and settings it knows', () => {
    expect(parseSimConfig(JSON.parse('{"channel":{"cpus":2}}')).channel.cpus).toBe(2);
  });
});

describe('JSON text', () => {
  it('refuses a key given twice, with its line', () => {
    expect(jsonTextProblem('{\n  "channel": {"cpus": 2},\n  "channel": {"cpus": 3}\n}')).toBe(
      'at line 3, column 3: the key "channel" is given twice in one object',
    );
    expect(jsonTextProblem('{"a": {"b": 1, "b": 2}}')).toBe('at line 1, column 16: the key "b" is given twice in one object');
    // The same key in two objects is not a duplicate; escapes name the same key.
    expect(jsonTextProblem('[{"a": 1}, {"a": 2}]')).toBeNull();
    expect(jsonTextProblem('{"a": 1, "\\u0061": 2}')).toMatch(/the key "a" is given twice/);
  });

  it('refuses nesting 100,000 deep with a message, not a stack overflow', () => {
    const deep = '['.repeat(1e5) + ']'.repeat(1e5);
    expect(jsonTextProblem(deep)).toBe(`at line 1, column ${MAX_JSON_DEPTH + 1}: nested deeper than ${MAX_JSON_DEPTH} levels`);
    const objects = '{"a":'.repeat(1e5) + '1' + '}'.repeat(1e5);
    expect(() => parseJsonText(objects)).toThrow(/nested deeper than 64 levels/);
    expect(parseJsonText('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
  });

  it('says where a syntax error is, and reads every kind of value', () => {
    expect(jsonTextProblem('{"reader": {"period": 1,}}')).toBe('not JSON at line 1, column 25: expected a property name in double quotes, found "}"');
    expect(jsonTextProblem('[1, 2')).toBe('not JSON at line 1, column 6: expected "," or "]", found the end of the text');
    expect(jsonTextProblem('{"a": [true, false, null, -1.5e3, "x\\n"], "b": {}} ')).toBeNull();
    expect(jsonTextProblem('01')).toMatch(/expected the end of the text/);
  });
});

describe('echoed values', () => {
  it('are cut short, with their length', () => {
    const long = echoValue({ a: 'x'.repeat(200_000) });
    expect(long.length).toBeLessThan(120);
    expect(long).toMatch(/\.\.\. \(200008 characters\)$/);
  });

  it('show control characters escaped, and NaN as NaN', () => {
    expect(echoValue('a\u001b[2Jb\u007f\u009b')).toBe('"a\\u001b[2Jb\\u007f\\u009b"');
    expect(echoValue(NaN)).toBe('NaN');
  });

  it('keep a deeply nested scenario op short', () => {
    const op = '{"op":"write","size":' + '['.repeat(60) + JSON.stringify('x'.repeat(200_000)) + ']'.repeat(60) + '}';
    const text = `{"config":{"subbufSize":64,"nSubbufs":2},"ops":[${op}]}`;
    let message = '';
    try {
      parseScenario(text, 's.json');
    } catch (e) {
      if (e instanceof ScenarioError) message = e.message;
    }
    expect(message).toMatch(/^s\.json: op 0 \(write\): "size" must be an integer, got \[\[\[/);
    expect(message.length).toBeLessThan(200);
  });
});

describe('scenario sizes a number cannot hold exactly, and sizes far past a sub-buffer', () => {
  const run = (size: number) => {
    const runner = new ScenarioRunner(
      parseScenario(`{"config":{"subbufSize":64,"nSubbufs":2},"ops":[{"op":"write","cpu":0,"size":${size}},{"op":"write","cpu":0,"size":20}]}`, 's.json'),
    );
    const steps = runner.runAll();
    return { results: steps.map((s) => s.result), lines: steps.map((s) => canonicalLine(s, false)) };
  };

  it('runs a write of 1e308 or 2^53+1 as an ERR step, and the next write goes on', () => {
    for (const size of ['1e308', String(2 ** 53 + 1)]) {
      const { results, lines } = run(size as unknown as number);
      expect(results[1]).toEqual({ kind: 'err', reason: `size ${Number(size)} is beyond 2^53 - 1, the largest exact size` });
      expect(lines[1]).toMatch(/^1 write ERR \| /);
      expect(results[2]).toMatchObject({ kind: 'write', seq: 1, len: 20, dropped: null });
    }
  });

  it('drops a 1 TiB write into a 64-byte channel as too big without building it', () => {
    // Building it would throw (no typed array is that long); a 4 GiB one took 15 s and 4 GB.
    const { results, lines } = run(2 ** 40);
    expect(results[1]).toMatchObject({ kind: 'write', seq: 1, len: 0, dropped: 'toobig' });
    expect(lines[1]).toMatch(/,bc=1,.*lt=1099511627776 /);
    expect(results[2]).toMatchObject({ kind: 'write', seq: 2, len: 20, dropped: null });
  });
});

describe('a sub-buffer that can hold no record', () => {
  it('says so, with the smallest size that can', () => {
    expect(refusal({ channel: { subbufSize: 1 } })).toBe(
      'channel.subbufSize 1 cannot hold any record: every record is at least 16 bytes (its header), so every write would be dropped as too big; give at least 16',
    );
    expect(refusal({ channel: { subbufSize: 20, headerReserve: 8 } })).toMatch(/^channel\.subbufSize 20 \(12 after the header bytes\) cannot hold any record/);
  });
});
