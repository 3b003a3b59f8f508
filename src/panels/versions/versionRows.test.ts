import { describe, expect, it } from 'vitest';
import { KERNEL_HISTORY, differenceRows, historySwitches, versionInfo } from './versionRows.ts';

describe('what the versions panel says', () => {
  it('lists every difference for every version, and on v6.17 none departs from the reference', () => {
    expect(differenceRows('v6.17').every((r) => !r.differs)).toBe(true);
    expect(differenceRows('v6.17')).toHaveLength(6);
    expect(versionInfo('v6.17').verified).toBe(true);
  });

  it('puts first what v6.7 does otherwise: no statistics, last_toobig, prev_padding, splice', () => {
    const rows = differenceRows('v6.7');
    expect(rows.filter((r) => r.differs).map((r) => [r.difference.id, r.has])).toEqual([
      ['stats', false],
      ['last_toobig', true],
      ['prev_padding', true],
      ['splice_read', true],
    ]);
    expect(rows.find((r) => r.difference.id === 'splice_read')?.howKnown).toBe('documented but not verified against that kernel');
    expect(rows.find((r) => r.difference.id === 'stats')?.howKnown).toBe('read in that kernel\u2019s source, not run');
  });

  it('links each history entry that names a switch to the kernels before and after it', () => {
    const v68 = KERNEL_HISTORY.find((e) => e.release === 'v6.8');
    expect(v68 && historySwitches(v68)).toEqual({ before: 'v6.7', after: 'v6.16' });
    const relayfs = KERNEL_HISTORY[0];
    expect(historySwitches(relayfs)).toBeNull();
    const v410 = KERNEL_HISTORY.find((e) => e.release === 'v4.10');
    expect(v410 && historySwitches(v410)).toEqual({ before: 'v4.9', after: 'v6.3' });
  });
});
