/**
 * The channel: each buffer's ring of sub-buffers, drawn from the shared memory every frame on
 * a canvas (thousands of cells at 64 CPUs x 256 sub-buffers). A row is redrawn only when its
 * buffer changed. Each sub-buffer shows its data (the client's header first), its padding
 * (hatched) and its state; ticks mark where the writer writes next (above) and where read(2)
 * would start (below). A line of text per buffer says the same for screen readers and tests.
 */
import { useEffect, useRef, type MouseEvent } from 'react';
import {
  SUBBUF_CONSUMED,
  SUBBUF_OVERWRITING,
  SUBBUF_READY,
  SUBBUF_WRITING,
  bufferPicture,
  pictureBuffer,
  type BufferPicture,
  type RchanBuf,
} from '../../engine/index.ts';
import { SLOWEST_REFRESH_FRAMES, onFrame } from '../../lib/frameLoop.ts';
import { setText } from '../../lib/text.ts';
import { countRender } from '../../lib/renderCount.ts';
import { HEADER_COLOUR, STATE_COLOURS, STATE_NAMES } from './states.ts';
import { useAppStore, useAppStoreApi, useLiveRun } from '../../store/index.ts';

const LABEL_WIDTH = 56;

/** Row height, px; `scale` 2 for the large type of embed mode. */
function rowHeight(rows: number, scale: number): number {
  return (rows <= 8 ? 30 : rows <= 16 ? 18 : 9) * scale;
}

/** The channel's rings; `large` for slides (`?embed=1`). */
export function ChannelView({ large = false }: { large?: boolean }) {
  countRender('ChannelView');
  const generation = useAppStore((s) => s.liveGeneration);
  const status = useAppStore((s) => s.liveStatus);
  // Hotplug may add a buffer: the rings are rebuilt after every channel operation.
  const ops = useAppStore((s) => s.liveOps);
  const run = useLiveRun();
  if (run === null || status === 'failed') return null;
  const ch = run.config.channel;
  return (
    <section className="card" aria-labelledby="channel-heading">
      <h2 id="channel-heading">Channel</h2>
      <p className="meta">
        {run.chan.nBufs} buffer{run.chan.nBufs === 1 ? '' : 's'} of {ch.nSubbufs} sub-buffers x {ch.subbufSize} bytes, {ch.mode}
        {ch.global ? ', one global buffer' : ''}
      </p>
      <Legend />
      <Rings key={`${generation}.${ops}`} scale={large ? 2 : 1} />
    </section>
  );
}

function Legend() {
  return (
    <ul className="legend" aria-label="Legend">
      {[SUBBUF_WRITING, SUBBUF_READY, SUBBUF_CONSUMED, SUBBUF_OVERWRITING].map((s) => (
        <li key={s}>
          <span className="swatch" style={{ background: STATE_COLOURS[s] }} />
          {STATE_NAMES[s]}
        </li>
      ))}
      <li>
        <span className="swatch" style={{ background: HEADER_COLOUR }} />
        client header
      </li>
      <li>
        <span className="swatch hatched" />
        padding
      </li>
      <li>▼ writer ▲ reader</li>
    </ul>
  );
}

/** A hatch pattern for padding, made once per canvas. */
function hatch(ctx: CanvasRenderingContext2D): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = 6;
  tile.height = 6;
  const t = tile.getContext('2d');
  if (t === null) return '#ccc';
  t.strokeStyle = '#8c96a3';
  t.beginPath();
  t.moveTo(0, 6);
  t.lineTo(6, 0);
  t.stroke();
  return ctx.createPattern(tile, 'repeat') ?? '#ccc';
}

function Rings({ scale }: { scale: number }) {
  countRender('Rings');
  const store = useAppStoreApi();
  const canvas = useRef<HTMLCanvasElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const run = useLiveRun();
  const bufs = run?.chan.bufs() ?? [];

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    const current = store.getState().liveRun();
    if (!el || !ctx || current === null) return;
    const buffers = current.chan.bufs();
    const header = current.config.channel.headerReserve;
    const rh = rowHeight(buffers.length, scale);
    const labelWidth = LABEL_WIDTH * scale;
    const pictures = buffers.map((b) => bufferPicture(b.nSubbufs));
    const drawn = buffers.map(() => '');
    // What each cell shows now, so that a frame redraws only the cells that changed.
    const shown = buffers.map((b) => ({ state: new Int16Array(b.nSubbufs).fill(-1), fill: new Float64Array(b.nSubbufs).fill(-1) }));
    const lines = list.current ? Array.from(list.current.children) : [];
    let width = 0;
    let padding: CanvasPattern | string = '#ccc';
    // Read once per size, not per row per frame: the colours follow the theme.
    let ink = '#000';
    let paper = '#fff';
    const layers = new Layers();

    const resize = (): void => {
      const dpr = window.devicePixelRatio || 1;
      width = el.clientWidth;
      el.width = Math.round(width * dpr);
      el.height = Math.round(buffers.length * rh * dpr);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      padding = hatch(ctx);
      ink = getComputedStyle(el).color;
      paper = getComputedStyle(el.closest('.card') ?? document.body).backgroundColor;
      drawn.fill('');
      for (const c of shown) c.state.fill(-1);
    };
    resize();
    const observer = new ResizeObserver(resize);
    observer.observe(el);

    // The text lines change layout, so they follow the picture a few rows a frame, each row
    // about every TEXT_FRAMES frames, rather than all of them every frame or all at once.
    const said = buffers.map(() => '');
    const perFrame = Math.ceil(buffers.length / TEXT_FRAMES);
    let cursor = 0;
    const stop = onFrame('channel', () => {
      const from = cursor;
      cursor = (cursor + perFrame) % buffers.length;
      buffers.forEach((buf, row) => {
        const p = pictures[row];
        // A writer caught mid-switch on a descheduled thread: this row waits for the next frame.
        if (!pictureBuffer(buf, p, 64)) return;
        const sel = store.getState().selection;
        const selected = sel !== null && sel.buffer === buf.index ? sel.subbuf : -1;
        const key = `${p.produced}/${p.consumed}/${p.writeOffset}/${p.readOffset}/${p.stalled}/${selected}`;
        if (key !== drawn[row]) {
          drawn[row] = key;
          drawRow(ctx, layers, buf, p, { row, rh, labelWidth, width, header, padding, ink, paper, selected }, shown[row]);
        }
        const line = lines[row];
        const turn = (row - from + buffers.length) % buffers.length < perFrame;
        if (turn && line && said[row] !== key) {
          said[row] = key;
          setText(line, describe(buf, p));
        }
      });
      layers.draw(ctx, STROKES);
    });
    return () => {
      stop();
      observer.disconnect();
    };
  }, [store, scale]);

  const pick = (e: MouseEvent<HTMLCanvasElement>): void => {
    const el = e.currentTarget;
    const rect = el.getBoundingClientRect();
    const row = Math.floor((e.clientY - rect.top) / rowHeight(bufs.length, scale));
    const buf = bufs[row];
    if (buf === undefined) return;
    const labelWidth = LABEL_WIDTH * scale;
    const subbuf = Math.floor(((e.clientX - rect.left - labelWidth) / (rect.width - labelWidth)) * buf.nSubbufs);
    if (subbuf >= 0 && subbuf < buf.nSubbufs) store.getState().select({ buffer: buf.index, subbuf });
  };

  return (
    <>
      <canvas
        ref={canvas}
        onClick={pick}
        className="rings"
        style={{ height: `${bufs.length * rowHeight(bufs.length, scale)}px` }}
        role="img"
        aria-label="Each buffer's ring of sub-buffers; the list below says the same in words; click a sub-buffer to inspect it"
        data-testid="channel.canvas"
      />
      <ul ref={list} className="ring-text" aria-live="off">
        {bufs.map((b) => (
          <li key={b.index} data-testid={`channel.cpu.${b.cpu}`} />
        ))}
      </ul>
    </>
  );
}

interface RowStyle {
  row: number;
  /** Row height, px. */
  rh: number;
  /** Width of the CPU labels, px. */
  labelWidth: number;
  width: number;
  /** The client's header, bytes. */
  header: number;
  padding: CanvasPattern | string;
  ink: string;
  /** The card's colour: cells are painted over with it rather than cleared, so that it batches. */
  paper: string;
  /** The sub-buffer under inspection in this row, or -1. */
  selected: number;
}

const STALLED = 'rgba(213, 94, 0, 0.12)';
const OUTLINE = 'rgba(127, 140, 155, 0.6)';

/**
 * A frame's drawing, gathered by layer and style and drawn at the end with one path per style:
 * at 64 CPUs a frame changes hundreds of cells, and a few large fills cost far less than
 * thousands of small ones.
 */
class Layers {
  private readonly layers: Map<string | CanvasPattern, Path2D>[] = [];

  rect(layer: number, style: string | CanvasPattern, x: number, y: number, w: number, h: number): void {
    this.path(layer, style).rect(x, y, w, h);
  }

  path(layer: number, style: string | CanvasPattern): Path2D {
    const l = (this.layers[layer] ??= new Map());
    let p = l.get(style);
    if (p === undefined) l.set(style, (p = new Path2D()));
    return p;
  }

  /** Fills every layer in order (strokes for layers listed in `strokes`, with their widths). */
  draw(ctx: CanvasRenderingContext2D, strokes: Record<number, number>): void {
    this.layers.forEach((l, i) => {
      const lineWidth = strokes[i];
      for (const [style, path] of l) {
        if (lineWidth === undefined) {
          ctx.fillStyle = style;
          ctx.fill(path);
        } else {
          ctx.strokeStyle = style;
          ctx.lineWidth = lineWidth;
          ctx.stroke(path);
        }
      }
    });
    this.layers.length = 0;
    ctx.lineWidth = 1;
  }
}

const L_PAPER = 0;
const L_STALLED = 1;
const L_DATA = 2;
const L_HEADER = 3;
const L_PADDING = 4;
const L_OUTLINE = 5;
const L_SELECTED = 6;
const L_TICKS = 7;
const STROKES = { [L_OUTLINE]: 1, [L_SELECTED]: 2 };

/** Adds a row to the frame's layers: the label and background when they change, then only the cells that changed, then the ticks. */
function drawRow(
  ctx: CanvasRenderingContext2D,
  out: Layers,
  buf: RchanBuf,
  p: BufferPicture,
  style: RowStyle,
  shown: { state: Int16Array; fill: Float64Array },
): void {
  const { row, rh, labelWidth, width, header, padding, ink, paper, selected } = style;
  const n = buf.nSubbufs;
  const sbs = buf.subbufSize;
  const y = row * rh;
  const cellW = Math.max(1, (width - labelWidth) / n);
  const barTop = y + (rh > 12 ? 5 : 1);
  const barH = rh - (rh > 12 ? 10 : 2);
  const stalled = p.stalled;
  const full = shown.state[0] === -1 || stalled !== shown.state[0] >= 100;
  const ground = (x: number, top: number, w: number, h: number): void => {
    out.rect(L_PAPER, paper, x, top, w, h);
    if (stalled) out.rect(L_STALLED, STALLED, x, top, w, h);
  };
  if (full) {
    // First drawing, or the stalled background came or went: the label, now; the rest in layers.
    ctx.fillStyle = paper;
    ctx.fillRect(0, y, labelWidth - 1, rh);
    if (stalled) {
      ctx.fillStyle = STALLED;
      ctx.fillRect(0, y, labelWidth - 1, rh);
    }
    ctx.fillStyle = ink;
    ctx.font = `${Math.min((12 * labelWidth) / LABEL_WIDTH, rh - 2)}px system-ui, sans-serif`;
    ctx.textBaseline = 'middle';
    if (rh >= 9) ctx.fillText(`CPU ${buf.cpu}`, 2, y + rh / 2);
  }
  // The tick strips above and below the bars.
  ground(labelWidth - 4, y, width - labelWidth + 4, barTop - y);
  ground(labelWidth - 4, barTop + barH, width - labelWidth + 4, y + rh - barTop - barH);
  const mark = stalled ? 100 : 0;
  for (let i = 0; i < n; i++) {
    const state = p.state[i];
    const key = state + mark + (i === selected ? 10 : 0);
    if (!full && shown.state[i] === key && shown.fill[i] === p.fill[i]) continue;
    shown.state[i] = key;
    shown.fill[i] = p.fill[i];
    const x = labelWidth + i * cellW;
    const w = Math.max(1, cellW - (cellW > 4 ? 1 : 0));
    ground(x - 1, barTop - 1, cellW + 1, barH + 2);
    const dataW = (p.fill[i] / sbs) * w;
    if (state !== 0) {
      out.rect(L_DATA, STATE_COLOURS[state], x, barTop, dataW, barH);
      if (header > 0 && p.fill[i] > 0) out.rect(L_HEADER, HEADER_COLOUR, x, barTop, Math.min(dataW, (header / sbs) * w), barH);
      if (state === SUBBUF_READY || state === SUBBUF_CONSUMED) out.rect(L_PADDING, padding, x + dataW, barTop, w - dataW, barH);
    }
    if (cellW > 3) out.rect(L_OUTLINE, OUTLINE, x + 0.5, barTop + 0.5, w - 1, barH - 1);
    if (i === selected) out.rect(L_SELECTED, ink, x + 1, barTop - 1, Math.max(2, cellW - 2), barH + 2);
  }
  // Thin rows (many CPUs) have no room for ticks; the text lines give the positions.
  if (rh <= 12) return;
  const ticks = out.path(L_TICKS, ink);
  if (p.writeSubbuf >= 0) tick(ticks, labelWidth + p.writeSubbuf * cellW + (Math.min(p.writeOffset, sbs) / sbs) * cellW, barTop, -1);
  tick(ticks, labelWidth + p.readSubbuf * cellW + (Math.min(p.readOffset, sbs) / sbs) * cellW, barTop + barH, 1);
}

/** Frames in which every text line under the rings gets its turn to catch up with the picture. */
const TEXT_FRAMES = SLOWEST_REFRESH_FRAMES - 3;

function tick(path: Path2D, x: number, y: number, dir: 1 | -1): void {
  path.moveTo(x, y);
  path.lineTo(x - 3, y + 4 * dir);
  path.lineTo(x + 3, y + 4 * dir);
  path.closePath();
}

function describe(buf: RchanBuf, p: BufferPicture): string {
  let ready = 0;
  for (const s of p.state) if (s === SUBBUF_READY) ready++;
  const writer = p.stalled
    ? 'stalled: the ring is full and the writer owns no sub-buffer'
    : `writing sub-buffer ${p.writeSubbuf} at byte ${p.writeOffset}`;
  return `CPU ${buf.cpu}: ${writer}; ${ready} ready; produced ${p.produced}, consumed ${p.consumed}`;
}
