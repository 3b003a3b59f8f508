import { describe, expect, it } from 'vitest';
import { openSimChannel, parseSimConfig } from '../../engine/index.ts';
import { pageAt, pageGrid, pageText } from './pageGrid.ts';

const chan = (subbufSize: number, nSubbufs: number) =>
  openSimChannel(parseSimConfig({ channel: { cpus: 1, subbufSize, nSubbufs } }), (n) => new ArrayBuffer(n)).chan;

describe('the memory view\'s page grid', () => {
  it('puts a few pages in one row and many in rows of 32 or 128, cells never under 3 px', () => {
    expect(pageGrid(3)).toEqual({ cols: 3, rows: 1, h: 36 });
    expect(pageGrid(1000)).toEqual({ cols: 32, rows: 32, h: 11 });
    expect(pageGrid(131072)).toEqual({ cols: 128, rows: 1024, h: 3 });
  });

  it('finds the page under a point, and none past the last page', () => {
    const g = pageGrid(40);
    expect(pageAt(g, 40, 960, 0, 0)).toBe(0);
    expect(pageAt(g, 40, 960, 959, g.h + 1)).toBe(-1);
    expect(pageAt(g, 40, 960, 30 * 7 + 1, g.h + 1)).toBe(39);
  });

  it('says which sub-buffers a page holds and the unused tail of the last page', () => {
    const c = chan(3000, 3);
    expect(pageText(c, 0)).toBe('page 0: buffer bytes [0, 4096) hold sub-buffer 0 [0, 3000), sub-buffer 1 [3000, 4096)');
    expect(pageText(c, 2)).toBe('page 2: buffer bytes [8192, 12288) hold sub-buffer 2 [8192, 9000), 3\u202f288 unused bytes (page rounding)');
    expect(pageText(chan(8192, 2), 1)).toBe('page 1: buffer bytes [4096, 8192) hold sub-buffer 0 [4096, 8192)');
  });
});
