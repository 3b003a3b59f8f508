import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount } from './format.ts';

const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

describe('formatCount', () => {
  it('groups thousands with thin spaces', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1000)).toBe('1\u202f000');
    expect(formatCount(4_294_967_296)).toBe('4\u202f294\u202f967\u202f296');
    expect(formatCount(-1_000_001)).toBe('-1\u202f000\u202f001');
  });

  it('agrees with Intl for any number a counter may hold (but never says -0)', () => {
    expect(formatCount(-0.2)).toBe('0');
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.double({ min: 0, max: 1e12, noNaN: true })), (n) => {
        expect(formatCount(n)).toBe(intl.format(n).replace(/,/g, '\u202f'));
      }),
    );
  });
});

describe('formatBytes', () => {
  it('says bytes, KiB or MiB', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(4096)).toBe('4 KiB');
    expect(formatBytes(1536 * 1024)).toBe('1.5 MiB');
  });
});
