import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRESETS, parseSimConfig, type FileAction, type TimedOp } from '../engine/index.ts';
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

  describe('file calls in ops', () => {
    /** Every call the files panel makes, in its address form. */
    const calls: [string, FileAction][] = [
      ['file_open:1', { op: 'open', cpu: 1 }],
      ['file_read:3:4096', { op: 'read', fd: 3, count: 4096 }],
      ['file_sendfile:3:65536', { op: 'sendfile', fd: 3, count: 65536 }],
      ['file_poll:3', { op: 'poll', fd: 3 }],
      ['file_lseek:3:0', { op: 'lseek', fd: 3, offset: 0 }],
      ['file_mmap:3:12288', { op: 'mmap', fd: 3, length: 12288 }],
      ['file_mapread:1:2000:3000', { op: 'mapread', map: 1, offset: 2000, length: 3000 }],
      ['file_munmap:1', { op: 'munmap', map: 1 }],
      ['file_close:3', { op: 'close', fd: 3 }],
    ];

    it('are written AT:file_CALL:ARGS among the channel operations, and read back as they were', () => {
      const config = parseSimConfig({ channel: { cpus: 2 } });
      const ops: TimedOp[] = [{ at: 0, op: { op: 'flush' } }, ...calls.map(([, call], i): TimedOp => ({ at: 1200 + i, op: { op: 'file', call } })), { at: 1300, op: { op: 'cpu_offline', cpu: 1 } }];
      const state: UrlState = { ...DEFAULT_URL_STATE, config, mode: 'deterministic', events: 1400, ops };
      const query = stateToQuery(state);
      expect(query).toBe(`channel.cpus=2&mode=deterministic&ev=1400&ops=0:flush,${calls.map(([text], i) => `${1200 + i}:${text}`).join(',')},1300:cpu_offline:1`);
      expect(read(query)).toEqual(state);
    });

    it('round-trip for any call, position and arguments', () => {
      const n = fc.integer({ min: 0, max: 2 ** 31 - 1 });
      const fd = fc.integer({ min: 0, max: 1023 });
      const call: fc.Arbitrary<FileAction> = fc.oneof(
        fc.integer({ min: 0, max: 3 }).map((cpu): FileAction => ({ op: 'open', cpu })),
        fc.tuple(fc.constantFrom('read' as const, 'sendfile' as const), fd, n).map(([op, f, count]): FileAction => ({ op, fd: f, count })),
        fc.tuple(fc.constantFrom('poll' as const, 'close' as const), fd).map(([op, f]): FileAction => ({ op, fd: f })),
        fc.tuple(fd, n).map(([f, offset]): FileAction => ({ op: 'lseek', fd: f, offset })),
        fc.tuple(fd, n).map(([f, length]): FileAction => ({ op: 'mmap', fd: f, length })),
        fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), n, n).map(([map, offset, length]): FileAction => ({ op: 'mapread', map, offset, length })),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }).map((map): FileAction => ({ op: 'munmap', map })),
      );
      const config = parseSimConfig({ channel: { cpus: 4 } });
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000_000 }), call), { minLength: 1, maxLength: 20 }), (list) => {
          const ops = list.map(([at, c]): TimedOp => ({ at, op: { op: 'file', call: c } })).sort((a, b) => a.at - b.at);
          const state: UrlState = { ...DEFAULT_URL_STATE, config, mode: 'deterministic', events: 5_000_000, ops };
          expect(read(stateToQuery(state))).toEqual(state);
        }),
      );
    });

    it('refuse a call that is not one, a wrong number of arguments, a bad argument and a CPU the channel lacks, naming them', () => {
      const ops = (text: string) => refusal(`mode=deterministic&ops=${text}`);
      expect(ops('1200:file_write:3')).toBe('ops: "1200:file_write:3" names no file call (file_ then one of open, read, sendfile, poll, lseek, mmap, mapread, munmap, close)');
      expect(ops('1200:file_read:3')).toBe('ops: "1200:file_read:3" is not AT:file_read:FD:COUNT');
      expect(ops('1200:file_open')).toBe('ops: "1200:file_open" is not AT:file_open:CPU');
      expect(ops('1200:file_close:3:4')).toBe('ops: "1200:file_close:3:4" is not AT:file_close:FD');
      expect(ops('1200:file_mapread:1:0')).toBe('ops: "1200:file_mapread:1:0" is not AT:file_mapread:MAP:OFFSET:LENGTH');
      expect(ops('1200:file_read:three:64')).toBe('ops file_read FD must be an integer from 0 to 1023, got "three"');
      expect(ops('1200:file_read:3:-1')).toBe('ops file_read COUNT must be an integer from 0 to 2147483647, got "-1"');
      expect(ops('1200:file_munmap:0')).toBe('ops file_munmap MAP must be an integer from 1 to 2147483647, got "0"');
      expect(ops('x:file_open:0')).toBe('ops position must be an integer from 0 to 5000000, got "x"');
      expect(ops('1200:file_open:4')).toBe('ops names CPU 4, but the channel has 4');
      expect(ops('1300:file_open:0,1200:file_close:3')).toBe('ops must be in the order they were applied: 1200:file_close:3 comes after 1300:file_open:0');
      expect(ops('1200:file_open:0:1')).toBe('ops: "1200:file_open:0:1" is not AT:file_open:CPU');
      expect(ops('1200:opening:0')).toMatch(/^ops: "1200:opening:0" is not AT:OP, AT:cpu_online\|cpu_offline:CPU or AT:file_CALL:ARGS/);
    });
  });
});
