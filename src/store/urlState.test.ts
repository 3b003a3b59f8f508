import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRESETS, parseSimConfig } from '../engine/index.ts';
import { DEFAULT_URL_STATE, MAX_QUERY, queryToState, stateToQuery, type UrlState } from './urlState.ts';

const read = (query: string): UrlState => {
  const r = queryToState(query);
  if (!r.ok) throw new Error(r.error);
  return r.state;
};
const refusal = (query: string): string => {
  const r = queryToState(query);
  if (r.ok) throw new Error(`${query} was accepted`);
  return r.error;
};

describe('the state in the address', () => {
  it('carries the kernel version a run follows, and refuses one relayscope does not model', () => {
    const config = parseSimConfig({ channel: { kernel: 'v6.7' } });
    expect(stateToQuery({ ...DEFAULT_URL_STATE, config })).toBe('channel.kernel=v6.7');
    expect(read('channel.kernel=v6.7').config.channel.kernel).toBe('v6.7');
    expect(refusal('channel.kernel=v5.0')).toMatch(/channel\.kernel/);
  });

  it('is empty for the defaults, and reads back as the defaults', () => {
    expect(stateToQuery(DEFAULT_URL_STATE)).toBe('');
    expect(queryToState('')).toEqual({ ok: true, state: DEFAULT_URL_STATE, empty: true });
  });

  it('carries only what differs from the defaults, by config path', () => {
    const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 4096 }, reader: { enabled: false } });
    const query = stateToQuery({ ...DEFAULT_URL_STATE, config, seed: 7, mode: 'deterministic', events: 1234, selection: { buffer: 1, subbuf: 3 } });
    expect(query).toBe('channel.cpus=2&channel.subbufSize=4096&reader.enabled=false&seed=7&mode=deterministic&ev=1234&sel=1.3');
  });

  it('gives back every preset, seed, position and view it was given', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PRESETS),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.constantFrom('live' as const, 'deterministic' as const),
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.boolean(),
        (preset, seed, mode, events, embed) => {
          const state: UrlState = { ...DEFAULT_URL_STATE, config: preset.config, seed, mode, events: mode === 'deterministic' ? events : 0, t: mode === 'deterministic' ? events / 1e5 : 0, embed };
          expect(read(stateToQuery(state))).toEqual(state);
        },
      ),
    );
  });

  it('names an imported workload by its hash, in a deterministic run only', () => {
    const state: UrlState = { ...DEFAULT_URL_STATE, mode: 'deterministic', events: 10, workload: '0123456789abcdef' };
    const query = stateToQuery(state);
    expect(query).toBe('mode=deterministic&ev=10&workload=0123456789abcdef');
    expect(read(query)).toEqual(state);
    expect(refusal('mode=deterministic&workload=abc')).toBe('workload must be an imported workload\'s hash, 16 hex digits, got "abc"');
    expect(refusal('mode=deterministic&workload=0123456789ABCDEF')).toMatch(/^workload must be an imported workload's hash/);
    expect(refusal('workload=0123456789abcdef')).toBe('workload needs mode=deterministic: an imported workload is replayed in virtual time');
  });

  it('says which setting is wrong and why', () => {
    expect(refusal('channel.cpus=0')).toBe('channel.cpus must be an integer from 1 to 64, got 0');
    expect(refusal('channel.cpus=two')).toBe('channel.cpus must be a number, got "two"');
    expect(refusal('channel.mode=sideways')).toMatch(/^channel\.mode must be one of no-overwrite, overwrite/);
    expect(refusal('reader.enabled=yes')).toBe('reader.enabled must be true or false, got "yes"');
    expect(refusal('seed=-1')).toBe('seed must be an integer from 0 to 4294967295, got "-1"');
    expect(refusal('mode=fast')).toBe('mode must be live or deterministic, got "fast"');
    expect(refusal('ev=9999999999')).toMatch(/^ev \(events run\) must be an integer from 0 to 5000000/);
    expect(refusal('sel=1')).toBe('sel must be BUFFER.SUBBUF, got "1"');
    expect(refusal('channel.nSubbufs=4&sel=0.4')).toBe('sel names sub-buffer 4, but the channel has 4');
    expect(refusal('seed=1&seed=2')).toBe('seed is given twice');
    expect(refusal('colour=red')).toBe('unknown setting "colour"');
  });

  it('refuses numbers a person would not mean, and a buffer the channel lacks, quoting what was given', () => {
    expect(refusal('channel.cpus=0x10')).toBe('channel.cpus must be a number, got "0x10"');
    expect(refusal('workload.rate=Infinity')).toBe('workload.rate must be a number, got "Infinity"');
    expect(refusal('seed=0x10')).toBe('seed must be an integer from 0 to 4294967295, got "0x10"');
    expect(refusal('sel=63.0')).toBe('sel names buffer 63, but the channel has 4 (0 to 3)');
    expect(refusal('sel=0x1.0')).toBe('sel must be an integer from 0 to 63, got "0x1"');
    expect(refusal('channel.global=true&sel=1.0')).toBe('sel names buffer 1, but the channel has one buffer (0)');
    expect(refusal('mode=deterministic&t=1e400')).toBe('t must be a number of seconds from 0 to 3600, got "1e400"');
    expect(refusal(`mode=${'x'.repeat(1000)}`).length).toBeLessThan(120);
    expect(read('workload.rate=2e5&reader.period=.05').config.workload.rate).toBe(200000);
    expect(read('mode=deterministic&ops=0:flush,0:cpu_offline:1').ops).toHaveLength(2);
  });

  it('refuses hostile addresses without touching anything else', () => {
    expect(refusal('__proto__.polluted=1')).toBe('unknown setting "__proto__.polluted"');
    expect(refusal('channel.__proto__=1')).toBe('unknown setting "channel.__proto__"');
    expect(refusal('channel.constructor=1')).toBe('unknown setting "channel.constructor"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(refusal(`seed=${'9'.repeat(MAX_QUERY)}`)).toMatch(/^the address is too long/);
    // A channel past the memory cap is refused by the same check as the form's.
    expect(refusal('channel.cpus=64&channel.subbufSize=1048576&channel.nSubbufs=64')).toMatch(/memory|cap|MiB/);
  });

  it('keeps the page’s own settings (the tool, the demo, a tour, a preset), which describe no run', () => {
    const reading = queryToState('tab=versions&demo=0&tour=3&preset=blktrace');
    expect(reading).toEqual({ ok: true, empty: true, state: { ...DEFAULT_URL_STATE, tab: 'versions', demo: false, tour: 3, preset: 'blktrace' } });
    expect(stateToQuery({ ...DEFAULT_URL_STATE, tab: 'versions', demo: false, tour: 3, preset: 'blktrace' })).toBe('tab=versions&demo=0&tour=3&preset=blktrace');
    expect(queryToState('tab=memory&channel.cpus=2')).toMatchObject({ ok: true, empty: false });
    expect(refusal('tab=nowhere')).toMatch(/^tab must be one of events, inspector, .*, got "nowhere"$/);
    expect(refusal('tour=9')).toBe('tour (a chapter) must be an integer from 1 to 7, got "9"');
    expect(refusal('preset=none')).toMatch(/^preset must be one of blktrace, .*, got "none"$/);
    expect(refusal('demo=yes')).toBe('demo must be 1 or 0, got "yes"');
  });
});
