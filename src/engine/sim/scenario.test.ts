import { describe, expect, it } from 'vitest';
import { canonicalTrace } from './canonical.ts';
import { ScenarioError, parseScenario } from './scenario.ts';

const refusal = (text: string): string => {
  try {
    parseScenario(text, 'bad.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error('the scenario was accepted');
};

const config = '{"subbufSize":64,"nSubbufs":4}';

describe('parseScenario refuses malformed files, saying where and why', () => {
  it('names the line and column of a JSON syntax error', () => {
    expect(refusal('{\n  "config": {,\n}')).toMatch(/^bad\.json: not JSON at line 2, column 14/);
  });

  it('requires config and ops', () => {
    expect(refusal('{"ops": []}')).toBe('bad.json: "config" is missing');
    expect(refusal(`{"config": ${config}}`)).toBe('bad.json: "ops" is missing');
    expect(refusal('[1, 2]')).toMatch(/must be a JSON object/);
  });

  it('names the operation index and the unknown op', () => {
    expect(refusal(`{"config": ${config}, "ops": [{"op":"flush"}, {"op":"explode"}]}`)).toMatch(
      /^bad\.json: op 1: "op" must be one of write, .*; got "explode"$/,
    );
  });

  it('names the operation index and the field of the wrong type', () => {
    expect(refusal(`{"config": ${config}, "ops": [{"op":"write","cpu":"0","size":4}]}`)).toBe(
      'bad.json: op 0 (write): "cpu" must be an integer, got "0"',
    );
    expect(refusal(`{"config": ${config}, "ops": [{"op":"write","size":1.5}]}`)).toBe(
      'bad.json: op 0 (write): "size" must be an integer, got 1.5',
    );
    expect(refusal(`{"config": ${config}, "ops": [{"op":"consume"}]}`)).toBe(
      'bad.json: op 0 (consume): "subbufs" must be an integer, got nothing',
    );
  });

  it('names config fields of the wrong type', () => {
    expect(refusal('{"config": {"subbufSize":"64","nSubbufs":4}, "ops": []}')).toBe(
      'bad.json: config: "subbufSize" must be an integer, got "64"',
    );
    expect(refusal(`{"config": {"subbufSize":64,"nSubbufs":4,"global":1}, "ops": []}`)).toMatch(/"global" must be true or false/);
    expect(refusal(`{"config": {"subbufSize":64,"nSubbufs":4,"online":[0,"1"]}, "ops": []}`)).toMatch(/"online\[1\]" must be an integer/);
  });

  it('applies the documented defaults', () => {
    const s = parseScenario(`{"config": ${config}, "ops": [{"op":"read"}]}`, 'ok.json');
    expect(s.config).toEqual({
      cpus: 1,
      subbufSize: 64,
      nSubbufs: 4,
      mode: 'no-overwrite',
      global: false,
      headerReserve: 0,
      online: [0],
      kernel: 'v6.17',
    });
    expect(s.ops).toEqual([{ op: 'read', cpu: 0 }]);
  });
});

describe('configurations of the right types that relay_open refuses', () => {
  const open = (c: string): string[] => canonicalTrace(parseScenario(`{"config": ${c}, "ops": [{"op":"write","size":1}]}`, 'c.json'));

  it.each([
    ['a zero sub-buffer size', '{"subbufSize":0,"nSubbufs":4}', /subbuf_size and n_subbufs must not be 0/],
    ['zero sub-buffers', '{"subbufSize":64,"nSubbufs":0}', /must not be 0/],
    ['a product over 32 bits', '{"subbufSize":1073741824,"nSubbufs":4}', /does not fit in 32 bits/],
    ['no CPUs', '{"cpus":0,"subbufSize":64,"nSubbufs":4}', /cpus must be 1\.\.64/],
    ['65 CPUs', '{"cpus":65,"subbufSize":64,"nSubbufs":4}', /cpus must be 1\.\.64/],
    ['an online CPU out of range', '{"cpus":2,"subbufSize":64,"nSubbufs":4,"online":[2]}', /online CPU 2/],
    ['an unknown mode', '{"subbufSize":64,"nSubbufs":4,"mode":"ring"}', /unknown mode "ring"/],
    ['a header of subbuf_size - 1', '{"subbufSize":64,"nSubbufs":4,"headerReserve":63}', /BUG_ON/],
    ['more memory than the cap', '{"cpus":64,"subbufSize":1048576,"nSubbufs":16}', /needs 1073741824 bytes \(1024\.0 MiB\).*512 MiB cap/],
  ])('%s prints one open ERR line with the reason', (_what, c, reason) => {
    const lines = open(c);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^0 open ERR /);
    expect(lines[0]).toMatch(reason);
  });

  it('lets a header of subbuf_size - 2 through', () => {
    expect(open('{"subbufSize":64,"nSubbufs":4,"headerReserve":62}')[0]).toMatch(/^0 open \| B0:o=62,/);
  });

  it('prints the buffers of no CPU when none is online at open', () => {
    expect(open('{"cpus":2,"subbufSize":64,"nSubbufs":4,"online":[]}')).toEqual([
      '0 open |  | lt=0 st=0/0',
      '1 write ERR |  | lt=0 st=0/0',
    ]);
  });
});
