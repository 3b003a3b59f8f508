/**
 * The heatmap's colours: d3 scales over a sweep's cells (loss rate on a log scale; loss-free,
 * loss-free-for-a-while and holds-last cells each in their own colour; or memory on a log
 * scale), and a text colour readable on each.
 */
import { scaleLog } from 'd3-scale';
import type { SweepCell } from '../../engine/index.ts';

export type HeatMetric = 'loss' | 'memory';

export const LOSS_FREE = '#1a7f37';
/** Lost nothing, but only because the run was short: its backlog grows. */
export const GROWING = '#d4a72c';
export const HOLDS_LAST = '#54aeff';
export const REFUSED = '#d0d7de';

export interface Heat {
  /** The cell's fill. */
  fill: (c: SweepCell) => string;
  /** Legend stops: a colour and what it stands for. */
  legend: { color: string; label: string }[];
}

const pct = (r: number): string => `${+(r * 100).toPrecision(2)}%`;

/** Colours for `cells` by `metric`. */
export function heat(cells: readonly SweepCell[], metric: HeatMetric, bytes: (n: number) => string): Heat {
  const ran = cells.filter((c) => c.error === null);
  if (metric === 'memory') {
    const mem = ran.map((c) => c.memoryBytes);
    const lo = Math.min(...mem, Infinity);
    const hi = Math.max(...mem, -Infinity);
    const scale = scaleLog<string>()
      .domain(lo < hi ? [lo, hi] : [lo || 1, (lo || 1) * 2])
      .range(['#deebf7', '#08306b']);
    const ticks = lo < hi ? [lo, Math.sqrt(lo * hi), hi] : [lo];
    return {
      fill: (c) => (c.error !== null ? REFUSED : scale(c.memoryBytes)),
      legend: ticks.filter(Number.isFinite).map((t) => ({ color: scale(t), label: bytes(Math.round(t)) })),
    };
  }
  const rates = ran.map((c) => c.lossRate ?? 0).filter((r) => r > 0);
  const lo = Math.min(...rates, Infinity);
  const hi = Math.max(...rates, -Infinity);
  const scale = scaleLog<string>()
    .domain(lo < hi ? [lo, hi] : [lo === Infinity ? 1e-6 : lo / 2, lo === Infinity ? 1 : Math.max(lo, 1e-9)])
    .range(['#fdd0a2', '#7f0000'])
    .clamp(true);
  const legend = [
    { color: LOSS_FREE, label: 'loss-free' },
    { color: GROWING, label: 'loss-free for the run only (backlog growing)' },
  ];
  if (ran.some((c) => c.verdict === 'holds-last')) legend.push({ color: HOLDS_LAST, label: 'holds the last records (overwrite, no reader)' });
  if (rates.length > 0) legend.push(...(lo < hi ? [lo, hi] : [lo]).map((r) => ({ color: scale(r), label: `${pct(r)} lost` })));
  legend.push({ color: REFUSED, label: 'refused' });
  const fills: Record<NonNullable<SweepCell['verdict']>, (c: SweepCell) => string> = {
    'loss-free': () => LOSS_FREE,
    'loss-free-for': () => GROWING,
    'holds-last': () => HOLDS_LAST,
    lossy: (c) => scale(c.lossRate ?? 0),
  };
  return {
    fill: (c) => (c.error !== null || c.verdict === null ? REFUSED : fills[c.verdict](c)),
    legend,
  };
}

/** WCAG relative luminance of `#rrggbb` or `rgb(r, g, b)`. */
export function luminance(color: string): number {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  const rgb = /^rgb\((\d+), ?(\d+), ?(\d+)\)$/.exec(color);
  const parts = hex ? hex.slice(1).map((h) => parseInt(h, 16)) : rgb ? rgb.slice(1).map(Number) : null;
  if (parts === null) throw new Error(`not a colour: ${color}`);
  const [r, g, b] = parts.map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * Black or white, whichever contrasts more with `fill`: at the crossover (luminance 0.179)
 * both give 4.58:1, above the 4.5:1 that normal text needs.
 */
export const textOn = (fill: string): string => (luminance(fill) > 0.179 ? '#000000' : '#ffffff');

/** The verdict in a cell's few words: loss-free-for without its growth (the title has it). */
export function cellText(c: SweepCell): string {
  return c.verdict === 'loss-free-for' ? `loss-free ${c.lossFreeForSeconds} s only` : lossText(c);
}

/** What a cell shows: refused, its steady-state verdict, or the share it lost. */
export function lossText(c: SweepCell): string {
  if (c.error !== null || c.verdict === null) return 'refused';
  if (c.verdict === 'lossy') return `${pct(c.lossRate ?? 0)} lost`;
  return c.verdictText ?? c.verdict;
}
