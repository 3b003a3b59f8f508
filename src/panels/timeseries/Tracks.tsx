/**
 * The run's tracks on one time axis: per CPU and in total, the series the engine records in the
 * run's history (records written, read, dropped, overwritten; sub-buffers ready and bytes in the
 * buffer; the reader's state), with the landmarks as ticks and one cursor, the run's virtual
 * time, shared with the time-travel slider and the stage. Click a track to move the cursor
 * there (a deterministic run goes to that time); drag to zoom to a window, wheel to zoom around
 * the pointer, double-click to see the whole run again.
 *
 * React renders the structure; the frame loop draws the canvas and writes the axis, the cursor
 * and the hover text directly when something changed. A live run has no engine-recorded history:
 * its tracks sample the same series from shared memory each frame against its virtual clock.
 */
import { scaleLinear } from 'd3-scale';
import { useEffect, useRef, useState } from 'react';
import { History, LANDMARKS, HISTORY_ASLEEP, HISTORY_READING, HISTORY_WOKEN, channelSampler, pollersAsleep, type SeriesId, type Timeline } from '../../engine/index.ts';
import { COLORS, DEFAULT_SHOWN, TICK_COLORS, TRACK_SERIES, formatTime, formatValue, type SeriesInfo } from './tracks.ts';

const LABEL_W = 170;
const ROW_H = 22;
const TOTAL_H = 34;
const GAP = 8;
const TICKS_H = 14;
const AXIS_H = 18;
/** Per-CPU rows shown up to this many CPUs; beyond, the total only. */
const MAX_CPU_ROWS = 8;
/** The reader-state track's lanes, top to bottom: the state's bit and its colour. */
const READER_LANES: readonly [number, string][] = [
  [HISTORY_ASLEEP, 'asleep'],
  [HISTORY_WOKEN, 'woken'],
  [HISTORY_READING, 'reading'],
];
/** A live run's history resolution (s): about a frame at speed 1. */
const LIVE_RESOLUTION = 0.01;
/** How often a running live run's tracks are redrawn, ms. */
const REDRAW_MS = 200;
import { onFrame } from '../../lib/frameLoop.ts';
import { countRender } from '../../lib/renderCount.ts';
import { useAppStore, useAppStoreApi } from '../../store/index.ts';
import type { LiveRun } from '../../store/index.ts';

/** A stepped run's timeline; a live run has none. */
const timelineOf = (run: LiveRun): Timeline | null => (run.mode === 'deterministic' ? run.timeline : null);

/** The history a run's tracks draw: the engine's for a deterministic run, else sampled here. */
function historyOf(run: LiveRun, sampled: History | null): History | null {
  return timelineOf(run)?.history ?? sampled;
}

interface Row {
  series: SeriesInfo;
  /** -1: the total. */
  cpu: number;
  y: number;
  h: number;
}

function layoutRows(shown: readonly SeriesId[], cpus: number): { rows: Row[]; height: number } {
  const rows: Row[] = [];
  let y = TICKS_H;
  for (const id of shown) {
    const series = TRACK_SERIES.find((s) => s.id === id) as SeriesInfo;
    if (cpus <= MAX_CPU_ROWS)
      for (let cpu = 0; cpu < cpus; cpu++) {
        rows.push({ series, cpu, y, h: ROW_H });
        y += ROW_H;
      }
    rows.push({ series, cpu: -1, y, h: TOTAL_H });
    y += TOTAL_H + GAP;
  }
  return { rows, height: y + AXIS_H };
}

export function Tracks() {
  countRender('Tracks');
  const generation = useAppStore((s) => s.liveGeneration);
  const status = useAppStore((s) => s.liveStatus);
  const store = useAppStoreApi();
  const run = store.getState().liveRun();
  const [shown, setShown] = useState<readonly SeriesId[]>(DEFAULT_SHOWN);
  if (run === null || status === 'failed') return null;
  const toggle = (id: SeriesId): void => setShown(shown.includes(id) ? shown.filter((s) => s !== id) : TRACK_SERIES.map((s) => s.id).filter((s) => s === id || shown.includes(s)));
  return (
    <section className="card" aria-labelledby="tracks-heading">
      <h2 id="tracks-heading">Tracks</h2>
      <div className="controls" role="group" aria-label="Which series to show">
        {TRACK_SERIES.map((s) => (
          <label key={s.id}>
            <input type="checkbox" data-testid={`tracks.show.${s.id}`} checked={shown.includes(s.id)} onChange={() => toggle(s.id)} /> {s.label}
          </label>
        ))}
      </div>
      <p className="meta">
        Click to move the cursor (a deterministic run goes there); drag to zoom to a window, wheel to zoom, double-click (or the button beside the range) for the whole run.
      </p>
      <TrackCanvas key={`${generation}`} shown={shown} />
    </section>
  );
}

function TrackCanvas({ shown }: { shown: readonly SeriesId[] }) {
  countRender('TrackCanvas');
  const store = useAppStoreApi();
  const canvas = useRef<HTMLCanvasElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const cursor = useRef<HTMLDivElement>(null);
  const axis = useRef<HTMLDivElement>(null);
  const hover = useRef<HTMLParagraphElement>(null);
  const range = useRef<HTMLSpanElement>(null);
  const whole = useRef<HTMLButtonElement>(null);
  const scales = useRef<HTMLDivElement>(null);
  const run = store.getState().liveRun();
  const cpus = run?.config.channel.cpus ?? 1;
  const { rows, height } = layoutRows(shown, cpus);

  useEffect(() => {
    const el = canvas.current;
    const box = wrap.current;
    if (el === null || box === null || run === null) return;
    const ctx = el.getContext('2d');
    const ch = run.config.channel;
    const live = timelineOf(run) === null;
    const sampled = live ? new History(ch.cpus, ch.global, undefined, LIVE_RESOLUTION) : null;
    const sampler = live
      ? channelSampler(run.chan, run.stats, pollersAsleep(run.chan))
      : null;
    /** The window shown (s), or null to show the whole run. */
    let view: [number, number] | null = null;
    let hoverX = -1;
    let drag: number | null = null;
    let drawn = '';
    const x = scaleLinear();
    // Whether the canvas is on screen: when it comes into view, it is drawn again.
    let onScreen = true;
    const seen = new IntersectionObserver((entries) => {
      for (const e of entries) onScreen = e.isIntersecting;
      if (onScreen) drawn = '';
    });
    seen.observe(el);
    // The box's width as its observer last saw it: read each frame, it would force a layout.
    let boxWidth = box.clientWidth;
    const observer = new ResizeObserver(() => {
      boxWidth = box.clientWidth;
    });
    observer.observe(box);
    const width = (): number => Math.max(200, boxWidth);

    const domain = (h: History): [number, number] => view ?? [0, Math.max(h.end, run.virtualTime(), 1e-3)];
    const timeAt = (px: number): number => x.invert(px);

    /** The canvas at its size, drawn or not: what comes after it in the pane must not move when it is first drawn. */
    const fit = (): number => {
      const w = width();
      const dpr = globalThis.devicePixelRatio || 1;
      if (el.width !== Math.round(w * dpr) || el.height !== Math.round(height * dpr)) {
        el.width = Math.round(w * dpr);
        el.height = Math.round(height * dpr);
        el.style.width = `${w}px`;
        el.style.height = `${height}px`;
      }
      return w;
    };
    fit();
    /**
     * The tracks' words (range, axis, scales) and what the tests read, always; the pixels only
     * while the canvas is on screen (a tool further down the pane is not): the words keep the
     * pane's layout the same either way.
     */
    const draw = (h: History): void => {
      if (ctx === null) return;
      const w = fit();
      const paint = onScreen;
      const dpr = globalThis.devicePixelRatio || 1;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      if (paint) ctx.clearRect(0, 0, w, height);
      const [t0, t1] = domain(h);
      x.domain([t0, t1]).range([LABEL_W, w - 4]);
      const plotW = w - 4 - LABEL_W;
      // Buckets per pixel column: the extremes of each column are drawn (min/max decimation).
      const b0 = Math.max(0, h.bucketAt(t0));
      const b1 = Math.min(h.count, Math.ceil(t1 / h.resolution));
      const perPx = Math.max(1, (b1 - b0) / plotW);
      const scaleText: string[] = [];
      // Each pixel column's value, then one path per colour: thousands of columns, a few fills.
      const cols = new Float64Array(Math.max(0, Math.ceil(plotW)));
      for (const row of rows) {
        const s = row.series;
        let n = 0;
        const columns = paint ? cols.length : 0;
        for (; n < columns; n++) {
          const from = Math.floor(b0 + n * perPx);
          if (from >= b1) break;
          const to = Math.min(b1, Math.max(from + 1, Math.floor(b0 + (n + 1) * perPx)));
          cols[n] = h.peak(s.id, from, to, row.cpu);
        }
        // Per-CPU maxima that mean what they say: ready is out of n_subbufs, bytes out of the buffer.
        const bufs = row.cpu < 0 && !ch.global ? ch.cpus : 1;
        let max =
          s.unit === 'sub-buffers' ? ch.nSubbufs * bufs : s.unit === 'bytes' ? ch.nSubbufs * ch.subbufSize * bufs : s.unit === 'state' ? 1 : 0;
        if (s.unit === 'records/s') {
          max = h.peak(s.id, b0, b1, row.cpu) / h.resolution;
        }
        const label = row.cpu < 0 ? `${s.label}: all CPUs` : `CPU ${row.cpu}`;
        scaleText.push(`${label} ${s.id}: 0 to ${formatValue(max, s.unit)}`);
        if (!paint) continue;
        ctx.fillStyle = '#5b6776';
        ctx.font = row.cpu < 0 ? 'bold 11px sans-serif' : '11px sans-serif';
        const top = s.unit === 'state' ? '' : `max ${formatValue(max, s.unit)}`;
        if (row.cpu < 0) {
          ctx.fillText(label, 4, row.y + 12);
          ctx.fillText(top, 4, row.y + row.h - 4);
        } else ctx.fillText(top === '' ? label : `${label} · ${top}`, 4, row.y + 14);
        ctx.fillStyle = 'rgba(128,128,128,0.08)';
        ctx.fillRect(LABEL_W, row.y, plotW, row.h - 2);
        if (s.unit === 'state') {
          const lh = (row.h - 2) / 3;
          READER_LANES.forEach(([bit, name], i) => {
            ctx.beginPath();
            for (let px = 0; px < n; px++) if (cols[px] & bit) ctx.rect(LABEL_W + px, row.y + i * lh, 1, lh);
            ctx.fillStyle = COLORS[name];
            ctx.fill();
          });
          continue;
        }
        if (max <= 0) continue;
        const k = (row.h - 2) / (s.unit === 'records/s' ? max * h.resolution : max);
        ctx.beginPath();
        for (let px = 0; px < n; px++) {
          if (cols[px] <= 0) continue;
          const bar = Math.max(1, k * cols[px]);
          ctx.rect(LABEL_W + px, row.y + row.h - 2 - bar, 1, bar);
        }
        ctx.fillStyle = COLORS[s.id];
        ctx.fill();
      }
      // Landmarks by kind, as ticks above the tracks.
      const timeline = timelineOf(run);
      if (timeline !== null && paint)
        LANDMARKS.forEach((kind, i) => {
          const { t } = timeline.between(kind, 0, timeline.horizon);
          ctx.fillStyle = TICK_COLORS[kind];
          let last = -1;
          for (const tt of t) {
            if (tt < t0 || tt > t1) continue;
            const px = Math.round(x(tt));
            if (px === last) continue;
            last = px;
            ctx.fillRect(px, 1 + (i % 3) * 4, 1, 4);
          }
        });
      // The time axis.
      const ticks = x.ticks(Math.max(2, Math.floor(plotW / 110)));
      ctx.fillStyle = '#5b6776';
      ctx.font = '11px sans-serif';
      const labels: string[] = [];
      for (const tt of ticks) {
        const px = x(tt);
        const text = formatTime(tt, t1 - t0);
        labels.push(text);
        if (!paint) continue;
        ctx.fillRect(px, height - AXIS_H, 1, 4);
        ctx.fillText(text, Math.min(px - 10, w - 50), height - 4);
      }
      if (axis.current !== null) axis.current.textContent = labels.join(' · ');
      if (scales.current !== null) scales.current.textContent = scaleText.join('; ');
      if (range.current !== null)
        range.current.textContent = `${view === null ? 'whole run' : 'window'}: ${formatTime(t0, t1 - t0)} to ${formatTime(t1, t1 - t0)}, ${formatTime(h.resolution, h.resolution * 10)} per bucket`;
      if (whole.current !== null) whole.current.hidden = view === null;
      el.dataset.end = String(h.end);
      el.dataset.buckets = String(h.count);
      // What the written total shows up to the cursor: how many buckets hold something, and how many distinct values.
      const upTo = Math.min(h.count, h.bucketAt(run.virtualTime()));
      const values = new Set<number>();
      let nonzero = 0;
      for (let b = 0; b < upTo; b++) {
        const v = h.value('written', b, -1);
        if (v > 0) nonzero++;
        values.add(v);
      }
      el.dataset.nonzero = String(nonzero);
      el.dataset.distinct = String(values.size);
      el.dataset.upto = String(upTo);
    };

    const showHover = (h: History): void => {
      const out = hover.current;
      if (out === null) return;
      if (hoverX < LABEL_W) {
        out.textContent = '';
        return;
      }
      const t = timeAt(hoverX);
      const b = h.bucketAt(t);
      if (b < 0 || b >= h.count) {
        out.textContent = `t = ${formatTime(t, t)}: not recorded yet`;
        return;
      }
      const parts = shown.map((id) => {
        const s = TRACK_SERIES.find((k) => k.id === id) as SeriesInfo;
        const v = h.value(id, b, -1);
        return `${s.label} ${formatValue(s.unit === 'records/s' ? v / h.resolution : v, s.unit)}`;
      });
      out.textContent = `t = ${formatTime(b * h.resolution, h.resolution * 10)}: ${parts.join(' · ')}`;
    };

    const stop = onFrame('tracks', (frameMs) => {
      const h = historyOf(run, sampled);
      if (h === null) return;
      if (sampled !== null && sampler !== null) sampled.record(run.virtualTime(), sampler);
      const now = run.virtualTime();
      // A running live run changes every frame: it is redrawn a few times a second, not each frame.
      // (Its history gains a bucket almost every frame, so the bucket count is left out of the key.)
      const running = live && run.kind !== 'deterministic' && !run.paused;
      const moment = running ? Math.floor(frameMs / REDRAW_MS) : `${now}/${h.count}`;
      const key = `${h.resolution}/${moment}/${view?.join(',')}/${hoverX}/${width()}/${timelineOf(run)?.horizon ?? 0}`;
      if (key === drawn) return;
      drawn = key;
      draw(h);
      showHover(h);
      const c = cursor.current;
      if (c !== null) {
        const [t0, t1] = domain(h);
        const inside = now >= t0 && now <= t1;
        c.hidden = !inside;
        c.style.left = `${x(now)}px`;
        c.style.height = `${height - AXIS_H}px`;
        c.dataset.t = String(now);
        c.title = `cursor: t = ${formatTime(now, t1 - t0)}`;
      }
    });

    const px = (e: MouseEvent): number => e.clientX - el.getBoundingClientRect().left;
    const down = (e: MouseEvent): void => {
      drag = px(e);
    };
    const up = (e: MouseEvent): void => {
      const start = drag;
      drag = null;
      if (start === null) return;
      const end = px(e);
      const h = historyOf(run, sampled);
      if (h === null) return;
      if (Math.abs(end - start) >= 4 && Math.min(start, end) >= LABEL_W) {
        view = [timeAt(Math.min(start, end)), timeAt(Math.max(start, end))];
        return;
      }
      if (end < LABEL_W) return;
      // One cursor: a click moves the run (and so the slider and the stage) there.
      if (run.kind === 'deterministic') void store.getState().seekTime(Math.max(0, timeAt(end)));
    };
    const move = (e: MouseEvent): void => {
      hoverX = px(e);
    };
    const leave = (): void => {
      hoverX = -1;
    };
    const wheel = (e: WheelEvent): void => {
      const h = historyOf(run, sampled);
      if (h === null) return;
      e.preventDefault();
      const [t0, t1] = domain(h);
      const at = timeAt(Math.max(LABEL_W, px(e)));
      const k = e.deltaY > 0 ? 1.25 : 0.8;
      const full = Math.max(h.end, run.virtualTime());
      const lo = Math.max(0, at - (at - t0) * k);
      const hi = Math.min(full, at + (t1 - at) * k);
      view = hi - lo >= full || hi <= lo ? null : [lo, hi];
    };
    const dbl = (): void => {
      view = null;
    };
    el.addEventListener('mousedown', down);
    el.addEventListener('mouseup', up);
    el.addEventListener('mousemove', move);
    el.addEventListener('mouseleave', leave);
    el.addEventListener('wheel', wheel, { passive: false });
    el.addEventListener('dblclick', dbl);
    // The same without a pointer: the button beside the range, there while a window is shown.
    const button = whole.current;
    button?.addEventListener('click', dbl);
    return () => {
      stop();
      observer.disconnect();
      seen.disconnect();
      el.removeEventListener('mousedown', down);
      el.removeEventListener('mouseup', up);
      el.removeEventListener('mousemove', move);
      el.removeEventListener('mouseleave', leave);
      el.removeEventListener('wheel', wheel);
      el.removeEventListener('dblclick', dbl);
      button?.removeEventListener('click', dbl);
    };
  }, [store, run, rows, height, shown]);

  return (
    <div className="tracks">
      <p className="meta">
        <span data-testid="tracks.range" ref={range} />{' '}
        <button type="button" data-testid="tracks.whole" ref={whole} hidden>
          Show the whole run
        </button>
      </p>
      <div className="tracks-plot" ref={wrap} style={{ position: 'relative' }}>
        <canvas ref={canvas} data-testid="tracks.canvas" role="img" aria-label="The run's tracks over virtual time" />
        <div
          className="tracks-cursor"
          ref={cursor}
          data-testid="tracks.cursor"
          hidden
          style={{ position: 'absolute', top: 0, width: 2, marginLeft: -1, background: '#c0392b', pointerEvents: 'none' }}
        />
      </div>
      <p className="meta tracks-axis" data-testid="tracks.axis" ref={axis} aria-label="Time axis" />
      <p className="meta" data-testid="tracks.hover" ref={hover} aria-live="off" />
      <div className="visually-hidden" data-testid="tracks.scales" ref={scales} />
      <p className="meta tracks-legend">
        Landmarks:{' '}
        {LANDMARKS.map((l) => (
          <span key={l} className="tracks-key">
            <i style={{ background: TICK_COLORS[l], display: 'inline-block', width: 10, height: 10, marginLeft: 6 }} /> {l}
          </span>
        ))}
      </p>
    </div>
  );
}
