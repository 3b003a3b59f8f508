/**
 * The stage: the channel as a picture that a lecture hall can follow. Each buffer's ring of
 * sub-buffers is a bar of cells (data, the client's header, hatched padding, the state), the
 * writer's position above it and the reader's below; under it the reader's lane (asleep in
 * poll, woken, reading, processing, paused), the deferred wakeup drawn as a hop from the
 * buffer to the reader, a stalled writer's drops spilling off the end, and channel operations
 * marked as they happen. Everything is read from the engine each frame, and the text
 * alternative (with its test ids) is written in the same frame from the same reading.
 *
 * Up to 8 buffers each gets a row with its reader's lane, at sizes legible from the back of a
 * room; beyond, rows shrink to fit (64 CPUs x 64 sub-buffers without scrolling), sub-buffers
 * merge into pixel columns, and rows are redrawn in turns so that a frame's work stays bounded.
 */
import { useEffect, useRef } from 'react';
import {
  READER_OFF,
  READER_PHASES,
  READER_WOKEN,
  READER_READING,
  READER_PROCESSING,
  SUBBUF_CONSUMED,
  SUBBUF_FREE,
  SUBBUF_OVERWRITING,
  SUBBUF_READY,
  SUBBUF_WRITING,
  GLANCE_TRIES,
  bufferCounters,
  bufferPicture,
  cpuCounters,
  pictureBuffer,
  readBufferCounters,
  readCpuCounters,
  readerCount,
  readerOfBuffer,
  recordEnds,
  type BufferCounters,
  type BufferPicture,
  type CpuCounters,
  type RchanBuf,
} from '../../engine/index.ts';
import { setText } from '../../lib/text.ts';
import { onFrame } from '../../lib/frameLoop.ts';
import { formatCount } from '../../lib/format.ts';
import { countRender } from '../../lib/renderCount.ts';
import {
  DROP_COLOUR,
  HEADER_COLOUR,
  INK,
  PAPER,
  READER_COLOURS,
  READER_TEXT,
  READING_COLOUR,
  STATE_COLOURS,
  TOOBIG_COLOUR,
  WAKEUP_COLOUR,
} from '../channel/states.ts';
import { useAppStore, useAppStoreApi, type AppStore, type LastOp, type LiveRun } from '../../store/index.ts';

/** Buffers drawn at full size, each with its reader's lane; more are aggregated. */
export const FULL_SIZE_BUFFERS = 8;
/** Most sub-buffer elements the text alternative carries (beyond, it gives each buffer's summary). */
const MAX_SUBBUF_ELEMENTS = 1024;
/** Real milliseconds a mark that marks a moment (a hop, a switch, an operation) stays in view at least. */
const HOP_MS = 700;
const FLASH_MS = 900;
const OP_MS = 3000;
const NOTE_MS = 1400;
/** Rows of an aggregated stage redrawn per frame: every row within this many frames. */
const TURN_FRAMES = 4;
/** Drop marks drawn one per record up to this many; beyond, the count says the rest. */
const DROP_MARKS = 14;
/**
 * The layers of a row's cells, in the order they are painted: one per sub-buffer state (the
 * state's own number), then a sub-buffer being read, a lapped one's stripes, the header, the
 * padding's hatch, and what read(2) has taken of a sub-buffer. The patterns have no colour here.
 */
const L_READING = 5;
const L_STRIPES = 6;
const L_HEADER = 7;
const L_HATCH = 8;
const L_READ = 9;
const LAYER_COLOURS: readonly string[] = [
  ...[SUBBUF_FREE, SUBBUF_WRITING, SUBBUF_READY, SUBBUF_CONSUMED, SUBBUF_OVERWRITING].map((state) => STATE_COLOURS[state]),
  READING_COLOUR,
  '',
  HEADER_COLOUR,
  '',
  STATE_COLOURS[SUBBUF_CONSUMED],
];

const SUBBUF_STATE_NAMES: Record<number, string> = {
  [SUBBUF_FREE]: 'free',
  [SUBBUF_WRITING]: 'writing',
  [SUBBUF_READY]: 'ready',
  [SUBBUF_CONSUMED]: 'consumed',
  [SUBBUF_OVERWRITING]: 'lapped',
};

/** A buffer's name in test ids and text: its CPU, or `global`. */
const bufferName = (run: LiveRun, buf: RchanBuf): string => (run.chan.isGlobal ? 'global' : String(buf.cpu));

export function Stage({ presentation = false }: { presentation?: boolean }) {
  countRender('Stage');
  const generation = useAppStore((s) => s.liveGeneration);
  const status = useAppStore((s) => s.liveStatus);
  // Hotplug may add a buffer: the picture is rebuilt after every channel operation.
  const ops = useAppStore((s) => s.liveOps);
  const starts = useAppStore((s) => s.liveStarts);
  const store = useAppStoreApi();
  const section = useRef<HTMLElement>(null);
  const run = store.getState().liveRun();

  // Whatever starts or changes a run brings the stage into view.
  useEffect(() => {
    if (starts === 0) return;
    const el = section.current;
    if (el === null) return;
    const box = el.getBoundingClientRect();
    if (box.top >= 0 && box.bottom <= window.innerHeight) return;
    const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    el.scrollIntoView?.({ block: 'start', behavior: still ? 'auto' : 'smooth' });
  }, [starts]);

  const ch = run?.config.channel;
  return (
    <section ref={section} className={`stage${presentation ? ' presentation' : ''}`} aria-labelledby="stage-heading" data-testid="stage">
      <h2 id="stage-heading" className="stage-caption">
        {run === null || ch === undefined || status === 'failed' ? (
          'No run'
        ) : (
          <>
            {store.getState().liveDemo ? <span className="demo-tag">demo</span> : null}
            {run.chan.nBufs} buffer{run.chan.nBufs === 1 ? '' : 's'} × {ch.nSubbufs} sub-buffers × {formatCount(ch.subbufSize)} bytes ·{' '}
            {ch.mode}
            {ch.global ? ' · one global buffer' : ''} · {ch.kernel}
          </>
        )}
      </h2>
      {run === null || status === 'failed' ? (
        <p className="stage-empty">Nothing runs. Press Start in the settings (or the S key), or pick a tour.</p>
      ) : (
        <Picture key={`${generation}.${ops}`} presentation={presentation} />
      )}
    </section>
  );
}

interface Row {
  buf: RchanBuf;
  name: string;
  p: BufferPicture;
  /** The kernel's counters of the buffer (full_count, finalized, the wakeup queued) and the run's of its CPU (drops). */
  k: BufferCounters;
  cpu: CpuCounters;
  /** The reader that reads this buffer, or -1. */
  reader: number;
  /** Text alternative elements. */
  el: HTMLElement;
  line: HTMLElement;
  subbufs: HTMLElement[];
  stalledEl: HTMLElement | null;
  subbufStates: string[];
  said: string;
  saidMore: string;
  /** The rest of its words: counters, drops, marks. */
  more: HTMLElement;
  /** Marks on the buffer now: closed, CPU offline, the operation just applied. */
  tags: string[];
  /** Animation clocks (performance.now ms) and what was seen last frame. */
  lastProduced: number;
  lastOffset: number;
  lastWriteSubbuf: number;
  lastNoSleeper: number;
  switchAt: number;
  landAt: number;
  noWakeAt: number;
  dropAt: number;
  lastFull: number;
  /** Where the row's "reader lapped" badge goes (NaN: none), drawn over the lanes. */
  lappedX: number;
  lappedY: number;
  ends: Float64Array;
  /** The paths of the cells' layers while the row is drawn (L_*). */
  layers: (Path2D | null)[];
}

interface Lane {
  k: number;
  el: HTMLElement;
  wakeEl: HTMLElement | null;
  phase: number;
  hopAt: number;
  /** The row the last wakeup came from. */
  hopFrom: number;
  said: string;
}

/** The stage's canvas and its text alternative, for one run's structure. */
function Picture({ presentation }: { presentation: boolean }) {
  countRender('StagePicture');
  const store = useAppStoreApi();
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const text = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = canvas.current;
    const box = wrap.current;
    const ctx = el?.getContext('2d');
    const run = store.getState().liveRun();
    if (!el || !box || !ctx || !text.current || run === null) return;
    return drawStage(store, run, el, box, ctx, text.current, presentation);
  }, [store, presentation]);

  return (
    <>
      <div ref={wrap} className="stage-picture">
        <canvas
          ref={canvas}
          onClick={(e) => pick(store, e)}
          role="img"
          aria-label="The channel: each buffer's ring of sub-buffers, the writer and the reader; the text below says the same in words; click a sub-buffer to inspect it"
          data-testid="channel.canvas"
        />
      </div>
      <div ref={text} className="stage-text" data-testid="stage.text" aria-label="The stage in words" role="region" />
    </>
  );
}

/** Geometry of the picture, recomputed when its box changes size. */
interface Geometry {
  width: number;
  height: number;
  full: boolean;
  /** Height of a buffer's row (its lane included at full size). */
  rowH: number;
  labelW: number;
  spillW: number;
  barTop: number;
  barH: number;
  laneTop: number;
  laneH: number;
  font: number;
  bigFont: number;
  /** Top of the single reader's lane (single layout, full size), or -1. */
  singleLaneTop: number;
}

function geometry(width: number, height: number, rows: number, singleLane: boolean, presentation: boolean): Geometry {
  const full = rows <= FULL_SIZE_BUFFERS;
  const scale = presentation ? 1.35 : 1;
  const font = Math.round((presentation ? 17 : 13) * (width < 700 ? 0.9 : 1));
  const lanes = full && singleLane ? 1 : 0;
  const laneRow = lanes > 0 ? Math.min(90 * scale, height * 0.22) : 0;
  const rowH = Math.max(2, Math.min(full ? 300 * scale : 60, (height - laneRow) / rows));
  if (!full) {
    // Rows tall enough for words keep a column at the end for their drops.
    const spillW = rowH >= 8 ? Math.min(170, width * 0.15) : 0;
    return { width, height, full, rowH, labelW: rowH >= 9 ? 62 : 40, spillW, barTop: rowH >= 6 ? 1 : 0, barH: Math.max(1, rowH - (rowH >= 6 ? 2 : 0)), laneTop: 0, laneH: 0, font: Math.min(12, rowH - 1), bigFont: Math.min(14, rowH - 1), singleLaneTop: -1 };
  }
  let strip = font + 10;
  let barH = Math.max(14, Math.min(rowH * (singleLane ? 0.55 : 0.42), 130 * scale));
  let tickRoom = Math.max(12, font);
  let laneH = singleLane ? 0 : Math.max(16, Math.min(rowH - strip - barH - tickRoom * 2, 52 * scale));
  // Rows too short for all of it (several buffers in a small stage): everything shrinks alike, so that lanes never overlap the next row.
  const needed = strip + tickRoom * 2 + barH + laneH + 2;
  if (needed > rowH) {
    const k = rowH / needed;
    strip *= k;
    tickRoom *= k;
    barH *= k;
    laneH *= k;
  }
  return {
    width,
    height,
    full,
    rowH,
    labelW: presentation ? 175 : 140,
    spillW: Math.min(150, width * 0.14),
    barTop: strip + tickRoom,
    barH,
    laneTop: strip + tickRoom + barH + tickRoom * 0.8,
    laneH,
    font,
    bigFont: Math.round(font * 1.45),
    singleLaneTop: lanes > 0 ? rows * rowH + 6 : -1,
  };
}

/** Sets up the frame callback that draws the stage; returns its teardown. */
function drawStage(
  store: AppStore,
  run: LiveRun,
  el: HTMLCanvasElement,
  box: HTMLDivElement,
  ctx: CanvasRenderingContext2D,
  textRoot: HTMLElement,
  presentation: boolean,
): () => void {
  const bufs = run.chan.bufs();
  const config = run.config;
  const header = config.channel.headerReserve;
  const nReaders = readerCount(config, bufs.length);
  const singleLane = nReaders === 1 && bufs.length > 1;
  const withSubbufs = bufs.length * config.channel.nSubbufs <= MAX_SUBBUF_ELEMENTS;

  // The text alternative: one item per buffer (its line, its sub-buffers, a stalled writer), one per reader.
  textRoot.replaceChildren();
  const list = document.createElement('ul');
  textRoot.append(list);
  const rows: Row[] = bufs.map((buf) => {
    const name = bufferName(run, buf);
    const li = document.createElement('li');
    li.dataset.testid = `stage.buffer.${name}`;
    const line = document.createElement('span');
    // The buffer's line keeps the test id the channel view always had.
    line.dataset.testid = `channel.cpu.${buf.cpu}`;
    const more = document.createElement('span');
    more.dataset.testid = `stage.buffer.${name}.more`;
    li.append(line, ' ', more);
    const subbufs: HTMLElement[] = [];
    if (withSubbufs) {
      const ol = document.createElement('ol');
      for (let i = 0; i < buf.nSubbufs; i++) {
        const s = document.createElement('li');
        s.dataset.testid = `stage.buffer.${name}.subbuf.${i}`;
        ol.append(s);
        subbufs.push(s);
      }
      li.append(ol);
    }
    list.append(li);
    return {
      buf,
      name,
      p: bufferPicture(buf.nSubbufs),
      k: bufferCounters(),
      cpu: cpuCounters(),
      reader: readerOfBuffer(config, bufs.length, buf.index),
      el: li,
      line,
      subbufs,
      stalledEl: null,
      subbufStates: subbufs.map(() => ''),
      said: '',
      saidMore: '',
      more,
      tags: [],
      lastProduced: -1,
      lastOffset: -1,
      lastWriteSubbuf: -1,
      lastNoSleeper: readCpuCounters(run.stats, buf.cpu, cpuCounters()).noSleeper,
      switchAt: -Infinity,
      landAt: -Infinity,
      noWakeAt: -Infinity,
      dropAt: -Infinity,
      lastFull: 0,
      lappedX: NaN,
      lappedY: NaN,
      ends: new Float64Array(64),
      layers: Array.from({ length: LAYER_COLOURS.length }, () => null),
    };
  });
  // Reader k reads buffer k (per-CPU), reader 0 reads all (single); without readers, each buffer's lane says so.
  const lanes: Lane[] = Array.from({ length: nReaders > 0 ? nReaders : bufs.length }, (_, k) => {
    const li = document.createElement('li');
    li.dataset.testid = `stage.reader.${k}`;
    list.append(li);
    return { k, el: li, wakeEl: null, phase: -1, hopAt: -Infinity, hopFrom: k, said: '' };
  });

  let g = geometry(1, 1, rows.length, singleLane, presentation);
  let hatch: CanvasPattern | string = '#9aa5b1';
  let stripes: CanvasPattern | string = DROP_COLOUR;
  let dirty = true;
  const resize = (): void => {
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, box.clientWidth);
    const height = Math.max(1, box.clientHeight);
    g = geometry(width, height, rows.length, singleLane, presentation);
    el.style.width = `${width}px`;
    el.style.height = `${height}px`;
    el.width = Math.round(width * dpr);
    el.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    hatch = pattern(ctx, '#7c8794', 6, 1);
    stripes = pattern(ctx, '#ff6a4d', 8, 2.5);
    dirty = true;
  };
  resize();
  const observer = new ResizeObserver(resize);
  observer.observe(box);

  let cursor = 0;
  let frames = 0;
  let lastOpSeq = store.getState().liveLastOp?.seq ?? 0;
  let opMark: { op: LastOp['op']; at: number } | null = null;

  const stop = onFrame('stage', (now) => {
    const current = store.getState().liveRun();
    if (current !== run) return;
    const lastOp = store.getState().liveLastOp;
    if (lastOp !== null && lastOp.seq !== lastOpSeq) {
      lastOpSeq = lastOp.seq;
      opMark = { op: lastOp.op, at: now };
    }
    const animating = g.full;
    // At full size every row's picture every frame, its words (for screen readers and tests, which
    // no eye follows at 60 frames a second) in turns; aggregated, rows in turns, picture and words together.
    const perFrame = g.full || dirty ? rows.length : Math.ceil(rows.length / TURN_FRAMES);
    const wordsTurn = frames++ % TURN_FRAMES;
    if (dirty) {
      ctx.fillStyle = PAPER;
      ctx.fillRect(0, 0, g.width, g.height);
    }
    for (let n = 0; n < perFrame; n++) {
      const row = rows[(cursor + n) % rows.length];
      const index = (cursor + n) % rows.length;
      // A writer caught mid-switch on a descheduled thread: this row keeps its last picture.
      if (!pictureBuffer(row.buf, row.p, GLANCE_TRIES)) continue;
      readCpuCounters(run.stats, row.buf.cpu, row.cpu);
      readBufferCounters(row.buf, row.k, GLANCE_TRIES);
      noteChanges(run, row, now);
      markOps(run, row, opMark, now);
      drawRow(ctx, g, index, row, now, hatch, stripes, header);
      if (!g.full || dirty || index % TURN_FRAMES === wordsTurn) writeRowText(run, row, lanes);
    }
    cursor = (cursor + perFrame) % rows.length;
    dirty = false;
    for (const lane of lanes) updateLane(run, lane, rows, now);
    if (animating) {
      for (const lane of lanes) drawLane(ctx, g, lane, rows, now, singleLane);
      for (const row of rows) if (!Number.isNaN(row.lappedX)) badge(ctx, 'reader lapped', row.lappedX, row.lappedY, g.font, DROP_COLOUR);
    }
  });
  return () => {
    stop();
    observer.disconnect();
  };
}

/** Remembers when the row's writer switched, a record landed, a production found nobody asleep, a record was dropped. */
function noteChanges(run: LiveRun, row: Row, now: number): void {
  const p = row.p;
  if (row.lastProduced >= 0 && p.produced > row.lastProduced) row.switchAt = now;
  if (p.writeSubbuf === row.lastWriteSubbuf && p.writeOffset > row.lastOffset && row.lastOffset >= 0) row.landAt = now;
  const noSleeper = row.cpu.noSleeper;
  if (noSleeper > row.lastNoSleeper) row.noWakeAt = now;
  if (row.cpu.droppedFull > row.lastFull) row.dropAt = now;
  row.lastNoSleeper = noSleeper;
  row.lastFull = row.cpu.droppedFull;
  row.lastProduced = p.produced;
  row.lastOffset = p.writeOffset;
  row.lastWriteSubbuf = p.writeSubbuf;
}

/** The marks a buffer carries now: relay_close's, an offline CPU's, and the operation just applied. */
function markOps(run: LiveRun, row: Row, opMark: { op: LastOp['op']; at: number } | null, now: number): void {
  const tags = row.tags;
  tags.length = 0;
  if (row.k.finalized) tags.push('closed');
  if (!run.chan.isGlobal && !run.chan.cpuOnline(row.buf.cpu)) tags.push('CPU offline');
  if (opMark !== null && now - opMark.at < OP_MS && (!('cpu' in opMark.op) || opMark.op.cpu === row.buf.cpu)) tags.push(OP_NAMES[opMark.op.op]);
}

/** The state a sub-buffer shows: the engine's, with the one being consumed told apart. */
function subbufState(row: Row, i: number, phase: number): string {
  const p = row.p;
  const s = p.state[i];
  if (s === SUBBUF_READY && i === p.readSubbuf && (p.readOffset > 0 || phase === READER_READING)) return 'reading';
  return SUBBUF_STATE_NAMES[s];
}

function writeRowText(run: LiveRun, row: Row, lanes: Lane[]): void {
  const p = row.p;
  // Only the sub-buffers' words need the reader's phase now (the rest take its lane's).
  const phase = row.reader >= 0 && row.subbufs.length > 0 ? run.readerPhase(row.reader) : READER_OFF;
  for (let i = 0; i < row.subbufs.length; i++) {
    const state = subbufState(row, i, phase);
    if (row.subbufStates[i] === state) continue;
    row.subbufStates[i] = state;
    const s = row.subbufs[i];
    s.dataset.state = state;
    setText(s, `sub-buffer ${i}: ${state}, ${p.fill[i]} bytes${state === 'ready' || state === 'consumed' || state === 'reading' ? `, padding ${row.buf.subbufSize - p.fill[i]}` : ''}`);
  }
  // A stalled writer: its element is there exactly while it is stalled, with the run's drops.
  if (p.stalled && row.stalledEl === null) {
    row.stalledEl = document.createElement('p');
    row.stalledEl.dataset.testid = `stage.buffer.${row.name}.stalled`;
    row.el.append(row.stalledEl);
  } else if (!p.stalled && row.stalledEl !== null) {
    row.stalledEl.remove();
    row.stalledEl = null;
  }
  if (row.stalledEl !== null) {
    const dropped = String(row.cpu.droppedFull);
    if (row.stalledEl.dataset.dropped !== dropped) {
      row.stalledEl.dataset.dropped = dropped;
      setText(row.stalledEl, `stalled: ${formatCount(row.cpu.droppedFull)} dropped (the ring is full, no-overwrite)`);
    }
  }
  const line = describe(row);
  const more = describeMore(row, lanes[row.reader]?.phase ?? READER_OFF, row.tags);
  if (line !== row.said || more !== row.saidMore) {
    row.said = line;
    row.saidMore = more;
    setText(row.line, line);
    setText(row.more, more);
    row.el.dataset.produced = String(p.produced);
    row.el.dataset.consumed = String(p.consumed);
  }
}

/** The buffer's line, as the channel view has always said it. */
function describe(row: Row): string {
  const p = row.p;
  let ready = 0;
  for (const s of p.state) if (s === SUBBUF_READY) ready++;
  const writer = p.stalled ? 'stalled: the ring is full and the writer owns no sub-buffer' : `writing sub-buffer ${p.writeSubbuf} at byte ${p.writeOffset}`;
  return `CPU ${row.buf.cpu}: ${writer}; ${ready} ready; produced ${p.produced}, consumed ${p.consumed}`;
}

/** What else the picture shows of the buffer: drops, the kernel's counters, lapping, marks. */
function describeMore(row: Row, phase: number, tags: readonly string[]): string {
  const p = row.p;
  const parts = [`full_count ${row.k.fullCount} (the kernel's counter)`, `big_count ${row.k.bigCount}`];
  if (row.cpu.droppedFull > 0) parts.push(`${formatCount(row.cpu.droppedFull)} dropped because the ring was full`);
  if (row.cpu.droppedToobig > 0) parts.push(`${formatCount(row.cpu.droppedToobig)} dropped as too big`);
  if (p.writeSubbuf >= 0 && p.state[p.writeSubbuf] === SUBBUF_OVERWRITING) parts.push('the writer is overwriting a sub-buffer nobody read');
  if (row.reader >= 0) parts.push(`read by reader ${row.reader} (${READER_PHASES[phase]})`);
  for (const t of tags) parts.push(t);
  return parts.join('; ');
}

/** Reader k's phase, its element, and its wakeup element while a wakeup is on the way. */
function updateLane(run: LiveRun, lane: Lane, rows: Row[], now: number): void {
  const phase = run.readerPhase(lane.k);
  // A deferred wakeup queued on a buffer this reader reads is a wakeup in flight too.
  let from = -1;
  for (let r = 0; r < rows.length; r++) if (rows[r].reader === lane.k && rows[r].k.wakeupPending) from = r;
  const inFlight = phase === READER_WOKEN || from >= 0;
  if (inFlight && lane.wakeEl === null) {
    lane.hopAt = now;
    lane.hopFrom = from >= 0 ? from : newestProducer(rows, lane.k);
    // An item of its own in the list, after its reader's.
    lane.wakeEl = document.createElement('li');
    lane.wakeEl.dataset.testid = `stage.wakeup.${lane.k}`;
    lane.wakeEl.textContent = `a wakeup is on its way to reader ${lane.k}`;
    lane.el.after(lane.wakeEl);
  } else if (!inFlight && lane.wakeEl !== null) {
    lane.wakeEl.remove();
    lane.wakeEl = null;
  }
  if (phase === lane.phase) return;
  lane.phase = phase;
  const name = READER_PHASES[phase];
  lane.el.dataset.state = name;
  setText(lane.el, `reader ${lane.k}: ${READER_TEXT[phase]}`);
}

/** The row of reader k that switched last: where its wakeup came from. */
function newestProducer(rows: Row[], k: number): number {
  let best = -1;
  for (let r = 0; r < rows.length; r++) if (rows[r].reader === k && (best < 0 || rows[r].switchAt > rows[best].switchAt)) best = r;
  return Math.max(0, best);
}

function pattern(ctx: CanvasRenderingContext2D, colour: string, size: number, width: number): CanvasPattern | string {
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const t = tile.getContext('2d');
  if (t === null) return colour;
  t.strokeStyle = colour;
  t.lineWidth = width;
  t.beginPath();
  t.moveTo(-1, size + 1);
  t.lineTo(size + 1, -1);
  t.moveTo(-1, 1);
  t.lineTo(1, -1);
  t.moveTo(size - 1, size + 1);
  t.lineTo(size + 1, size - 1);
  t.stroke();
  return ctx.createPattern(tile, 'repeat') ?? colour;
}

const fade = (now: number, at: number, ms: number): number => Math.max(0, 1 - (now - at) / ms);

const OP_NAMES: Record<string, string> = {
  flush: 'relay_flush',
  reset: 'relay_reset',
  close: 'relay_close',
  cpu_online: 'CPU online',
  cpu_offline: 'CPU offline',
};

function drawRow(
  ctx: CanvasRenderingContext2D,
  g: Geometry,
  index: number,
  row: Row,
  now: number,
  hatch: CanvasPattern | string,
  stripes: CanvasPattern | string,
  header: number,
): void {
  const p = row.p;
  const buf = row.buf;
  const n = buf.nSubbufs;
  const sbs = buf.subbufSize;
  const y0 = index * g.rowH;
  row.lappedX = row.lappedY = NaN;
  const top = y0 + g.barTop;
  const h = g.barH;
  const x0 = g.labelW;
  const barW = Math.max(1, g.width - g.labelW - g.spillW - (g.full ? 12 : 2));
  // Sub-buffers merge into pixel columns when there are more of them than pixels.
  const cols = Math.min(n, Math.max(1, Math.floor(barW)));
  const per = n / cols;
  const cellW = barW / cols;
  const gap = cellW > 6 ? Math.min(4, cellW * 0.06) : 0;

  ctx.fillStyle = PAPER;
  ctx.fillRect(0, y0, g.width, g.full ? g.rowH : g.rowH + 0.5);
  const stalled = p.stalled;
  if (stalled) {
    ctx.fillStyle = 'rgba(208, 28, 28, 0.08)';
    ctx.fillRect(0, y0, g.width, g.full ? g.laneTop - 4 : g.rowH);
  }

  // The label: the buffer, and subbufs_produced, which pulses when it ticks.
  ctx.textBaseline = 'middle';
  const pulse = fade(now, row.switchAt, FLASH_MS);
  if (g.full) {
    ctx.fillStyle = INK;
    ctx.font = `600 ${g.bigFont}px system-ui, sans-serif`;
    ctx.fillText(row.name === 'global' ? 'global' : `CPU ${buf.cpu}`, 8, top + h / 2 - g.font * 0.4);
    ctx.font = `${pulse > 0 ? 700 : 400} ${g.font}px system-ui, sans-serif`;
    ctx.fillStyle = pulse > 0 ? STATE_COLOURS[SUBBUF_WRITING] : '#4a5563';
    // Each line below the name only where the row has room for it (a short stage drops the last ones).
    const fits = (line: number): boolean => top + h / 2 + g.font * (line + 0.3) <= y0 + g.rowH;
    if (fits(0.9)) ctx.fillText(`produced ${p.produced}`, 8, top + h / 2 + g.font * 0.9);
    ctx.fillStyle = '#4a5563';
    ctx.font = `${g.font}px system-ui, sans-serif`;
    if (fits(2.1)) ctx.fillText(`consumed ${p.consumed}`, 8, top + h / 2 + g.font * 2.1);
    if (h > g.font * 4.5 && fits(3.3)) ctx.fillText(`full_count ${row.k.fullCount}`, 8, top + h / 2 + g.font * 3.3);
  } else if (g.rowH >= 8) {
    ctx.fillStyle = stalled ? DROP_COLOUR : INK;
    ctx.font = `${g.font}px system-ui, sans-serif`;
    ctx.fillText(row.name === 'global' ? 'global' : `CPU ${buf.cpu}`, 3, y0 + g.rowH / 2);
  }

  // The cells, painted a layer at a time: one path per style. Cells do not overlap, and within
  // a cell the layers keep their order: its state, the stripes of a lapped one, the header, the
  // padding's hatch, what read(2) has taken. Aggregated, a run of full cells of one state is one
  // rectangle across their gaps, and one image of the outlines and the paper between the cells,
  // drawn once for the geometry, goes over the row: a row of 64 cells is a few fills, not three
  // calls a cell.
  const layers = row.layers;
  layers.fill(null);
  const add = (layer: number, x: number, w: number): void => {
    if (w > 0) (layers[layer] ??= new Path2D()).rect(x, top, w, h);
  };
  const merge = !g.full;
  let runLayer = -1;
  let runX = 0;
  let runEnd = 0;
  const endRun = (): void => {
    if (runLayer < 0) return;
    add(runLayer, runX, runEnd - runX);
    if (runLayer === SUBBUF_OVERWRITING) add(L_STRIPES, runX, runEnd - runX);
    runLayer = -1;
  };
  const outline = merge ? null : new Path2D();
  for (let c = 0; c < cols; c++) {
    const from = Math.floor(c * per);
    const to = Math.max(from + 1, Math.floor((c + 1) * per));
    const i = shownSubbuf(p, from, to);
    const state = p.state[i];
    const x = x0 + c * cellW + gap / 2;
    const w = Math.max(1, cellW - gap);
    if (w > 3) outline?.rect(x + 0.5, top + 0.5, w - 1, h - 1);
    if (state === SUBBUF_FREE) {
      endRun();
      continue;
    }
    const fill = per > 1 ? average(p.fill, from, to) : p.fill[i];
    const dataW = (Math.min(fill, sbs) / sbs) * w;
    const reading = state === SUBBUF_READY && i === p.readSubbuf && p.readOffset > 0;
    const layer = reading ? L_READING : state;
    if (layer !== runLayer) {
      endRun();
      runLayer = layer;
      runX = x;
    }
    runEnd = x + dataW;
    // A cell with room left (its padding, or the writer's free space) ends the run there.
    if (!merge || dataW < w - 0.5) endRun();
    if (header > 0 && fill > 0) add(L_HEADER, x, Math.min(dataW, (header / sbs) * w));
    // Padding under half a pixel wide cannot be seen hatched.
    if ((state === SUBBUF_READY || state === SUBBUF_CONSUMED) && w - dataW >= 0.5) add(L_HATCH, x + dataW, w - dataW);
    if (reading) add(L_READ, x, (Math.min(p.readOffset, sbs) / sbs) * w);
  }
  endRun();
  for (let l = 0; l < layers.length; l++) {
    const path = layers[l];
    if (path === null) continue;
    ctx.fillStyle = l === L_STRIPES ? stripes : l === L_HATCH ? hatch : LAYER_COLOURS[l];
    ctx.fill(path);
  }
  if (outline !== null) {
    ctx.strokeStyle = CELL_OUTLINE;
    ctx.lineWidth = 1;
    ctx.stroke(outline);
  } else ctx.drawImage(cellGrid(cols, cellW, gap, h), x0, top, cols * cellW, h);
  // At full size, each record its own segment where a cell is wide enough to show them, the
  // record that just landed lit up, and a lapped sub-buffer named.
  if (g.full && per === 1) {
    for (let i = 0; i < n; i++) {
      const state = p.state[i];
      const x = x0 + i * cellW + gap / 2;
      const w = Math.max(1, cellW - gap);
      if (w >= 40 && (state === SUBBUF_WRITING || state === SUBBUF_OVERWRITING || state === SUBBUF_READY)) {
        const fill = p.fill[i];
        const k = recordEnds(buf, i, fill, Math.min(header, fill), row.ends);
        if (k > 1 && w / k >= 3) {
          ctx.strokeStyle = 'rgba(255, 255, 255, 0.85)';
          ctx.lineWidth = Math.max(1, Math.min(2, w / k / 6));
          ctx.beginPath();
          for (let r = 0; r < k; r++) {
            const xr = x + (row.ends[r] / sbs) * w;
            ctx.moveTo(xr, top + 2);
            ctx.lineTo(xr, top + h - 2);
          }
          ctx.stroke();
        }
        const land = fade(now, row.landAt, 500);
        if (land > 0 && i === p.writeSubbuf && k > 0) {
          const start = k > 1 ? row.ends[k - 2] : Math.min(header, fill);
          ctx.fillStyle = `rgba(255, 255, 255, ${0.55 * land})`;
          ctx.fillRect(x + (start / sbs) * w, top, ((row.ends[k - 1] - start) / sbs) * w, h);
        }
      }
      if (w > 70 && state === SUBBUF_OVERWRITING) {
        // On the stripes where they reach under the word, else in the part not yet overwritten.
        ctx.font = `400 ${g.font}px system-ui, sans-serif`;
        const tw = ctx.measureText('lapped').width;
        const dataW = (Math.min(p.fill[i], sbs) / sbs) * w;
        if (dataW >= w / 2 + tw / 2 + 4) label(ctx, 'lapped', x + w / 2, top + h / 2, g.font, '#ffffff', 'center');
        else if (w - dataW >= tw + 8) label(ctx, 'lapped', x + dataW + (w - dataW) / 2, top + h / 2, g.font, STATE_COLOURS[SUBBUF_OVERWRITING], 'center');
      }
    }
  }

  if (!g.full) {
    // The drops so far, off the end of the ring; in bold while the writer is stalled.
    const { droppedFull: full, droppedToobig: big } = row.cpu;
    if (g.spillW > 0 && (stalled || full > 0 || big > 0)) {
      ctx.fillStyle = DROP_COLOUR;
      ctx.font = `${stalled ? 700 : 400} ${g.font}px system-ui, sans-serif`;
      ctx.textAlign = 'right';
      const tooBig = big > 0 ? `, ${formatCount(big)} too big` : '';
      ctx.fillText(`${stalled ? 'stalled: ' : ''}${formatCount(full)} dropped${tooBig}`, g.width - 4, y0 + g.rowH / 2);
      ctx.textAlign = 'left';
    }
    return;
  }

  // The writer's position above, read(2)'s below.
  const tickH = Math.max(9, g.font * 0.75);
  if (p.writeSubbuf >= 0 && !row.k.finalized) {
    const c = Math.floor(p.writeSubbuf / per);
    const xw = x0 + c * cellW + gap / 2 + (Math.min(p.writeOffset, sbs) / sbs) * Math.max(1, cellW - gap);
    triangle(ctx, xw, top - 2, tickH, -1, INK);
    label(ctx, 'writer', xw, top - tickH - g.font * 0.6, g.font, INK, 'center');
  }
  const cr = Math.floor(p.readSubbuf / per);
  const xr = x0 + cr * cellW + gap / 2 + (Math.min(p.readOffset, sbs) / sbs) * Math.max(1, cellW - gap);
  triangle(ctx, xr, top + h + 2, tickH, 1, READING_COLOUR);
  // The reader being lapped: the writer entered the sub-buffer the reader is to read next.
  // Its badge goes over the reader's lane, which is drawn after the rows.
  if (p.writeSubbuf >= 0 && p.writeSubbuf === p.readSubbuf && p.state[p.writeSubbuf] === SUBBUF_OVERWRITING) {
    row.lappedX = xr + tickH;
    row.lappedY = top + h + tickH;
  }

  // The switch just made: where the writer came from, and its padding.
  if (pulse > 0) {
    ctx.strokeStyle = `rgba(26, 76, 168, ${pulse})`;
    ctx.lineWidth = 3;
    const prev = ((p.produced - 1) % n + n) % n;
    const c = Math.floor(prev / per);
    ctx.strokeRect(x0 + c * cellW + 1, top - 1, cellW - 2, h + 2);
  }

  // Drops spill off the end of a full ring: one mark a record, a count for the rest.
  const spillX = x0 + barW + 14;
  const full = row.cpu.droppedFull;
  const big = row.cpu.droppedToobig;
  if (full > 0 || big > 0) {
    const marks = Math.min(full, DROP_MARKS);
    const m = Math.max(6, Math.min(14, g.barH / 5));
    const fresh = fade(now, row.dropAt, 600);
    ctx.fillStyle = DROP_COLOUR;
    for (let d = 0; d < marks; d++) {
      const col = d % 4;
      const line = Math.floor(d / 4);
      const fall = d === marks - 1 ? (1 - fresh) * 6 : 6;
      ctx.fillRect(spillX + col * (m + 3), top + line * (m + 3) + fall, m, m);
    }
    ctx.strokeStyle = TOOBIG_COLOUR;
    ctx.lineWidth = 2;
    for (let d = 0; d < Math.min(big, 6); d++) diamond(ctx, spillX + d * (m + 4) + m / 2, top + h - m / 2, m / 2);
    ctx.font = `${g.font}px system-ui, sans-serif`;
    if (full > marks) label(ctx, `+${formatCount(full - marks)}`, spillX, top + h + g.font, g.font, DROP_COLOUR, 'left');
    if (big > 0) label(ctx, `${formatCount(big)} too big`, spillX, top + h + g.font * 2.2, g.font, TOOBIG_COLOUR, 'left');
  }
  if (stalled) {
    const text = `stalled: ${formatCount(full)} dropped`;
    ctx.font = `700 ${g.bigFont * 1.2}px system-ui, sans-serif`;
    const tw = ctx.measureText(text).width + 20;
    const lx = Math.max(x0, x0 + barW - tw);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
    ctx.fillRect(lx, top + h / 2 - g.bigFont * 0.9, tw, g.bigFont * 1.8);
    ctx.strokeStyle = DROP_COLOUR;
    ctx.lineWidth = 2;
    ctx.strokeRect(lx, top + h / 2 - g.bigFont * 0.9, tw, g.bigFont * 1.8);
    ctx.fillStyle = DROP_COLOUR;
    ctx.fillText(text, lx + 10, top + h / 2);
  }

  // relay_flush, relay_reset, relay_close and hotplug marked on the buffers they touch.
  const tags = row.tags;
  let tx = x0 + barW;
  ctx.font = `700 ${g.font}px system-ui, sans-serif`;
  for (const t of tags) {
    const tw = ctx.measureText(t).width + 12;
    tx -= tw + 6;
    ctx.fillStyle = INK;
    ctx.fillRect(tx, y0 + 2, tw, g.font + 6);
    ctx.fillStyle = PAPER;
    ctx.fillText(t, tx + 6, y0 + 5 + g.font / 2);
  }
}

const CELL_OUTLINE = 'rgba(60, 72, 88, 0.55)';

/** The last image cellGrid drew, and the geometry it is for. */
let grid: { key: string; canvas: HTMLCanvasElement } | null = null;

/**
 * A row's cell outlines and the paper in the gaps between cells, as an image as wide as the
 * row's cells (at the screen's pixel density), transparent inside the cells.
 */
function cellGrid(cols: number, cellW: number, gap: number, h: number): HTMLCanvasElement {
  const dpr = window.devicePixelRatio || 1;
  const key = `${cols} ${cellW} ${gap} ${h} ${dpr}`;
  if (grid?.key === key) return grid.canvas;
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.ceil(cols * cellW * dpr));
  canvas.height = Math.max(1, Math.ceil(h * dpr));
  const ctx = canvas.getContext('2d');
  if (ctx !== null) {
    ctx.scale(dpr, dpr);
    const w = Math.max(1, cellW - gap);
    ctx.fillStyle = PAPER;
    ctx.strokeStyle = CELL_OUTLINE;
    ctx.lineWidth = 1;
    for (let c = 0; c < cols; c++) {
      const x = c * cellW + gap / 2;
      if (gap > 0) {
        ctx.fillRect(c * cellW, 0, gap / 2, h);
        ctx.fillRect(x + w, 0, gap / 2, h);
      }
      if (w > 3) ctx.strokeRect(x + 0.5, 0.5, w - 1, h - 1);
    }
  }
  grid = { key, canvas };
  return canvas;
}

/** The sub-buffer a column of several shows: the writer's, else the first. */
function shownSubbuf(p: BufferPicture, from: number, to: number): number {
  for (let j = from; j < to; j++) if (p.state[j] === SUBBUF_WRITING || p.state[j] === SUBBUF_OVERWRITING) return j;
  return from;
}

function average(xs: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i];
  return s / (to - from);
}

function label(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, size: number, colour: string, align: CanvasTextAlign, bold = false): void {
  ctx.font = `${bold ? 700 : 400} ${size}px system-ui, sans-serif`;
  ctx.textAlign = align;
  ctx.textBaseline = 'middle';
  ctx.fillStyle = colour;
  ctx.fillText(text, x, y);
  ctx.textAlign = 'left';
}

/** Bold words on a white plate with a border of their colour, legible over anything. */
function badge(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, size: number, colour: string): void {
  ctx.font = `700 ${size}px system-ui, sans-serif`;
  const w = ctx.measureText(text).width + 10;
  const h = size + 6;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.95)';
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  roundRect(ctx, x, y - h / 2, w, h, 4);
  ctx.fill();
  ctx.stroke();
  label(ctx, text, x + 5, y, size, colour, 'left', true);
}

function triangle(ctx: CanvasRenderingContext2D, x: number, y: number, size: number, dir: 1 | -1, colour: string): void {
  ctx.fillStyle = colour;
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x - size * 0.6, y + size * dir);
  ctx.lineTo(x + size * 0.6, y + size * dir);
  ctx.closePath();
  ctx.fill();
}

function diamond(ctx: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x, y - r);
  ctx.lineTo(x + r, y);
  ctx.lineTo(x, y + r);
  ctx.lineTo(x - r, y);
  ctx.closePath();
  ctx.stroke();
}

/** A reader's lane: its state, the wakeup's hop to it, and "no wakeup sent" when nobody slept. */
function drawLane(ctx: CanvasRenderingContext2D, g: Geometry, lane: Lane, rows: Row[], now: number, single: boolean): void {
  const own = single ? -1 : lane.k;
  if (!single && own >= rows.length) return;
  const y = single ? g.singleLaneTop : own * g.rowH + g.laneTop;
  const h = single ? Math.min(g.height - g.singleLaneTop - 4, 44) : g.laneH;
  if (h < 10) return;
  const phase = Math.max(0, lane.phase);
  const x = g.labelW;
  ctx.fillStyle = PAPER;
  if (single) ctx.fillRect(0, y - 4, g.width, h + 8);
  // The pill: the reader and what it does.
  const text = `reader ${lane.k}: ${READER_TEXT[phase]}`;
  ctx.font = `600 ${g.font}px system-ui, sans-serif`;
  const tw = ctx.measureText(text).width + 24;
  ctx.fillStyle = READER_COLOURS[phase];
  roundRect(ctx, x, y, tw, h, h / 2);
  ctx.fill();
  ctx.fillStyle = phase === READER_OFF ? INK : '#ffffff';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x + 12, y + h / 2);
  if (phase === READER_PROCESSING || phase === READER_READING) {
    // Busy: a bar that runs while it works.
    const t = (now % 900) / 900;
    ctx.fillStyle = 'rgba(255,255,255,0.7)';
    ctx.fillRect(x + 12 + (tw - 24) * t * 0.8, y + h - 5, (tw - 24) * 0.2, 3);
  }
  // The hop: from the buffer that produced to the reader, while the wakeup is on its way.
  const hop = fade(now, lane.hopAt, HOP_MS);
  if (lane.wakeEl !== null || hop > 0) {
    const from = rows[lane.hopFrom] ?? rows[0];
    const fromIndex = rows.indexOf(from);
    const p = from.p;
    const n = from.buf.nSubbufs;
    const barW = Math.max(1, g.width - g.labelW - g.spillW - 12);
    const cellW = barW / Math.min(n, Math.max(1, Math.floor(barW)));
    const prev = ((p.produced - 1) % n + n) % n;
    const sx = g.labelW + (Math.floor(prev / (n / Math.min(n, Math.max(1, Math.floor(barW))))) + 0.5) * cellW;
    const sy = fromIndex * g.rowH + g.barTop + g.barH / 2;
    const ex = x + tw;
    const ey = y + h / 2;
    const cx = Math.max(sx, ex) + Math.max(90, cellW * 0.6);
    const cy = (sy + ey) / 2;
    // The produced sub-buffer that sent it, ringed; then the hop to the reader's lane.
    ctx.strokeStyle = WAKEUP_COLOUR;
    ctx.lineWidth = 4;
    const cellLeft = g.labelW + Math.floor(prev / (n / Math.min(n, Math.max(1, Math.floor(barW))))) * cellW;
    ctx.strokeRect(cellLeft + 1, fromIndex * g.rowH + g.barTop - 3, cellW - 2, g.barH + 6);
    ctx.lineWidth = 4;
    ctx.setLineDash([10, 6]);
    ctx.beginPath();
    ctx.moveTo(sx, sy);
    ctx.quadraticCurveTo(cx, cy, ex, ey);
    ctx.stroke();
    ctx.setLineDash([]);
    const t = Math.min(1, (now - lane.hopAt) / HOP_MS);
    const px = (1 - t) * (1 - t) * sx + 2 * (1 - t) * t * cx + t * t * ex;
    const py = (1 - t) * (1 - t) * sy + 2 * (1 - t) * t * cy + t * t * ey;
    ctx.fillStyle = WAKEUP_COLOUR;
    ctx.beginPath();
    ctx.arc(px, py, Math.max(8, g.font * 0.65), 0, Math.PI * 2);
    ctx.fill();
    label(ctx, 'wakeup (irq_work)', cx + 12, cy, g.bigFont, WAKEUP_COLOUR, 'left', true);
  }
  // A production with nobody asleep sends no wakeup.
  const quiet = rows.reduce((best, r) => (r.reader === lane.k ? Math.max(best, r.noWakeAt) : best), -Infinity);
  const note = fade(now, quiet, NOTE_MS);
  if (note > 0 && lane.wakeEl === null) {
    // Beside the pill where it fits, else under it (a large pill in a narrow stage).
    const words = 'no wakeup sent: nobody asleep';
    const colour = `rgba(74, 85, 99, ${Math.max(0.35, note)})`;
    ctx.font = `400 ${g.font}px system-ui, sans-serif`;
    if (x + tw + 14 + ctx.measureText(words).width <= g.width - 4) label(ctx, words, x + tw + 14, y + h / 2, g.font, colour, 'left');
    else label(ctx, words, x + 12, y + h + g.font * 0.9, g.font, colour, 'left');
  }
}

function roundRect(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

/** A click on a sub-buffer selects it for the inspector. */
function pick(store: AppStore, e: React.MouseEvent<HTMLCanvasElement>): void {
  const run = store.getState().liveRun();
  if (run === null) return;
  const el = e.currentTarget;
  const rect = el.getBoundingClientRect();
  const bufs = run.chan.bufs();
  const singleLane = readerCount(run.config, bufs.length) === 1 && bufs.length > 1;
  const g = geometry(rect.width, rect.height, bufs.length, singleLane, el.closest('.presentation') !== null);
  const row = Math.floor((e.clientY - rect.top) / g.rowH);
  const buf = bufs[row];
  if (buf === undefined) return;
  const barW = Math.max(1, g.width - g.labelW - g.spillW - (g.full ? 12 : 2));
  const subbuf = Math.floor(((e.clientX - rect.left - g.labelW) / barW) * buf.nSubbufs);
  if (subbuf >= 0 && subbuf < buf.nSubbufs) store.getState().select({ buffer: buf.index, subbuf });
}

