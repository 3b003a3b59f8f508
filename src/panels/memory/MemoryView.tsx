/**
 * A buffer as its pages: alloc_size = PAGE_ALIGN(subbuf_size * n_subbufs), the page array on
 * a canvas (a buffer can have a hundred thousand pages), which sub-buffers each page holds,
 * the unused tail of the last page, and the pages the page's own mappings have faulted in,
 * highlighted as they fault and counted. The faults are read from the store's fd table in
 * the frame loop; React renders only the structure and the chosen page's details.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { relayPage, relayPageMap, type Rchan } from '../../engine/index.ts';
import { pageAt, pageGrid, pageText } from './pageGrid.ts';
import { onFrame } from '../../lib/frameLoop.ts';
import { countRender } from '../../lib/renderCount.ts';
import { formatCount } from '../../lib/format.ts';
import { useAppStore, useAppStoreApi, useLiveRun } from '../../store/index.ts';

/** How long a page stays highlighted after its fault, ms. */
const FLASH_MS = 1500;
const WIDTH = 960;
const SUBBUF_FILLS = ['#5b84c4', '#8fb0e3'];
const UNUSED_FILL = '#9a9a9a';
const PRESENT = '#d08a00';

export function MemoryView() {
  countRender('MemoryView');
  const store = useAppStoreApi();
  const generation = useAppStore((s) => s.liveGeneration);
  const ops = useAppStore((s) => s.liveOps);
  const status = useAppStore((s) => s.liveStatus);
  const [buffer, setBuffer] = useState(0);
  const [page, setPage] = useState(0);
  const canvas = useRef<HTMLCanvasElement>(null);
  const faultsText = useRef<HTMLParagraphElement>(null);
  const run = useLiveRun();
  const chan = run?.chan ?? null;
  const geometry = useMemo(() => (chan === null ? null : relayPageMap(chan)), [chan]);
  const pages = geometry?.pageCount ?? 0;
  const { cols, rows, h } = pageGrid(pages);
  const bufIndex = chan !== null && buffer < chan.nBufs ? buffer : 0;

  useEffect(() => {
    const seen = new Map<number, number>();
    const flashes = new Map<number, number>();
    let present: Uint8Array = new Uint8Array(0);
    let drawn = '';
    return onFrame('memory', (now) => {
      const r = store.getState().liveRun();
      const c = canvas.current;
      if (r === null || c === null) return;
      const ch = r.chan;
      const map = relayPageMap(ch);
      const maps = (store.getState().fileTable()?.mappings() ?? []).filter((m) => m.open.file.buf.index === bufIndex);
      if (present.length !== map.pageCount) present = new Uint8Array(map.pageCount);
      // No mapping (the usual case): nothing to gather, and nothing to allocate each frame.
      const union = maps.length === 0 ? none(map.pageCount) : new Uint8Array(map.pageCount);
      for (const m of maps) {
        const before = seen.get(m.id) ?? 0;
        seen.set(m.id, m.map.faults);
        m.map.faulted.forEach((on, p) => {
          if (on === 1) union[p] = 1;
        });
        if (m.map.faults > before) m.map.faulted.forEach((on, p) => on === 1 && present[p] === 0 && flashes.set(p, now));
      }
      present = union;
      for (const [p, t] of flashes) if (now - t > FLASH_MS) flashes.delete(p);
      const total = [...seen.values()].reduce((a, b) => a + b, 0);
      const presentCount = union.reduce((a, b) => a + b, 0);
      const freed = ch.bufAt(bufIndex).freed ? 'This buffer is freed: its pages went when its last reference was dropped. ' : '';
      const text =
        freed +
        (seen.size === 0
          ? 'No mapping of this buffer yet: mmap its file under Relay files; each page comes in by a fault when first touched.'
          : `${formatCount(total)} page fault${total === 1 ? '' : 's'} so far; ${formatCount(presentCount)} of ${formatCount(map.pageCount)} pages present in the ${maps.length} live mapping${maps.length === 1 ? '' : 's'}.`);
      if (faultsText.current !== null && faultsText.current.textContent !== text) faultsText.current.textContent = text;
      const key = `${bufIndex}:${total}:${maps.length}:${flashes.size}`;
      if (key === drawn && flashes.size === 0) return;
      drawn = key;
      draw(c, ch, union, flashes, now);
    });
  }, [store, generation, ops, bufIndex]);

  if (run === null || chan === null || geometry === null || status === 'failed') return null;
  const bufs = chan.bufs();
  const chosen = Math.min(page, pages - 1);
  const g = geometry;
  return (
    <section className="card" aria-labelledby="memory-heading">
      <h2 id="memory-heading">Memory</h2>
      <p className="explanation" data-testid="memory.geometry">
        alloc_size = PAGE_ALIGN({formatCount(chan.subbufSize)} × {formatCount(chan.nSubbufs)}) = {formatCount(g.allocSize)} bytes:{' '}
        {formatCount(g.pageCount)} page{g.pageCount === 1 ? '' : 's'} of {g.pageSize} bytes per buffer, zeroed at allocation. Sub-buffers
        use {formatCount(g.used)} bytes;{' '}
        {g.unusedTail === 0 ? 'no byte is left over.' : `the last ${formatCount(g.unusedTail)} bytes of the last page are never used.`} A
        mapping must be alloc_size long; its pages come in one by one as they are first touched (relay_buf_fault).
      </p>
      <div className="controls" role="group" aria-label="Buffer and page to show">
        <label>
          Buffer{' '}
          <select data-testid="memory.buffer" value={bufIndex} onChange={(e) => setBuffer(Number(e.target.value))}>
            {bufs.map((b) => (
              <option key={b.index} value={b.index}>
                {b.fileName} (CPU {b.cpu})
              </option>
            ))}
          </select>
        </label>
        <label>
          Page{' '}
          <input
            type="number"
            min={0}
            max={pages - 1}
            data-testid="memory.page"
            value={chosen}
            onChange={(e) => setPage(Math.max(0, Math.min(pages - 1, Math.floor(Number(e.target.value) || 0))))}
          />
        </label>
      </div>
      <p className="meta" data-testid="memory.faults" role="status" ref={faultsText} />
      <div className="table-wrap memory-wrap" tabIndex={0} role="region" aria-label="The buffer's pages">
        <canvas
          ref={canvas}
          width={WIDTH}
          height={rows * h}
          style={{ width: `${WIDTH}px`, height: `${rows * h}px` }}
          data-testid="memory.canvas"
          data-cols={cols}
          role="img"
          aria-label={`${pages} pages, ${cols} to a row: sub-buffers in alternating blue, unused bytes grey, pages present in a mapping outlined in orange, a page just faulted in filled with it`}
          onClick={(e) => {
            const rect = e.currentTarget.getBoundingClientRect();
            const p = pageAt(pageGrid(pages), pages, rect.width, e.clientX - rect.left, e.clientY - rect.top);
            if (p >= 0) setPage(p);
          }}
        />
      </div>
      <ul className="legend" aria-label="Legend of the pages" data-testid="memory.legend">
        <li>
          <span className="swatch" style={{ background: SUBBUF_FILLS[0] }} />
          <span className="swatch" style={{ background: SUBBUF_FILLS[1] }} />
          sub-buffers (alternating)
        </li>
        <li>
          <span className="swatch" style={{ background: UNUSED_FILL }} />
          unused tail of the last page
        </li>
        <li>
          <span className="swatch" style={{ background: 'transparent', borderColor: PRESENT, borderWidth: 2 }} />
          present in a mapping
        </li>
        <li>
          <span className="swatch" style={{ background: PRESENT }} />
          just faulted in
        </li>
      </ul>
      <p className="meta" data-testid="memory.page.detail">
        {pageText(chan, chosen)}
      </p>
    </section>
  );
}

let nonePages = new Uint8Array(0);
/** An all-zero page set of `n` pages, shared: callers never write to it. */
function none(n: number): Uint8Array {
  if (nonePages.length !== n) nonePages = new Uint8Array(n);
  return nonePages;
}

/** The page array: sub-buffer ranges, the unused tail, present pages and fresh faults. */
function draw(c: HTMLCanvasElement, chan: Rchan, present: Uint8Array, flashes: Map<number, number>, now: number): void {
  const ctx = c.getContext('2d');
  if (ctx === null) return;
  const pages = present.length;
  const { cols, h } = pageGrid(pages);
  const w = c.width / cols;
  ctx.clearRect(0, 0, c.width, c.height);
  const gap = w > 6 && h > 6 ? 1 : 0;
  for (let p = 0; p < pages; p++) {
    const x = (p % cols) * w;
    const y = Math.floor(p / cols) * h;
    const page = relayPage(chan, p);
    const scale = (w - gap) / (page.end - page.start);
    for (const s of page.subbufs) {
      ctx.fillStyle = SUBBUF_FILLS[s.subbuf % 2];
      ctx.fillRect(x + (s.from - page.start) * scale, y, (s.to - s.from) * scale, h - gap);
    }
    if (page.unused > 0) {
      ctx.fillStyle = UNUSED_FILL;
      ctx.fillRect(x + (page.end - page.start - page.unused) * scale, y, page.unused * scale, h - gap);
    }
    const flash = flashes.get(p);
    if (flash !== undefined) {
      ctx.globalAlpha = Math.max(0.15, 1 - (now - flash) / FLASH_MS);
      ctx.fillStyle = PRESENT;
      ctx.fillRect(x, y, w - gap, h - gap);
      ctx.globalAlpha = 1;
    }
    if (present[p] === 1) {
      ctx.strokeStyle = PRESENT;
      ctx.lineWidth = Math.min(3, Math.max(1, h / 8));
      ctx.strokeRect(x + 1, y + 1, w - gap - 2, h - gap - 2);
    }
  }
}
