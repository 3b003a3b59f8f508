/**
 * The memory view's arithmetic, apart from React and the canvas: how pages are laid out in
 * rows, which page a point falls on, and what a page holds, in words.
 */
import { relayPage, type Rchan } from '../../engine/index.ts';
import { formatCount } from '../../lib/format.ts';

export interface PageGrid {
  cols: number;
  rows: number;
  /** Cell height in CSS pixels. */
  h: number;
}

/** Up to 16 pages in one row; then 32 to a row, and 128 beyond 1024 pages. Cells shrink to fit 360 px, to 3 px at least. */
export function pageGrid(pages: number): PageGrid {
  const n = Math.max(1, pages);
  const cols = n <= 16 ? n : n <= 1024 ? 32 : 128;
  const rows = Math.ceil(n / cols);
  return { cols, rows, h: Math.max(3, Math.min(36, Math.floor(360 / rows))) };
}

/** The page at (x, y) of a grid drawn `width` wide, or -1 off the pages. */
export function pageAt(grid: PageGrid, pages: number, width: number, x: number, y: number): number {
  const col = Math.floor((x / width) * grid.cols);
  const row = Math.floor(y / grid.h);
  if (col < 0 || col >= grid.cols || row < 0) return -1;
  const p = row * grid.cols + col;
  return p < pages ? p : -1;
}

/** What page `page` of a buffer holds: sub-buffer ranges (buffer positions) and unused bytes. */
export function pageText(chan: Rchan, page: number): string {
  const p = relayPage(chan, page);
  const parts = p.subbufs.map((s) => `sub-buffer ${s.subbuf} [${s.from}, ${s.to})`);
  if (p.unused > 0) parts.push(`${formatCount(p.unused)} unused bytes (page rounding)`);
  return `page ${page}: buffer bytes [${p.start}, ${p.end}) hold ${parts.join(', ')}`;
}
