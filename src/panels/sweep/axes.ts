/**
 * The sizing explorer's axes: the grid the browser sweeps by default, and the lists typed into
 * its fields, checked with a message that names the field and the item.
 */
import { buffersMemory, defaultSweepAxes, type SimConfig, type SweepAxes } from '../../engine/index.ts';
import { formatBytes } from '../../lib/format.ts';

/**
 * Most memory one cell of the default grid may take. Every cell's simulation allocates its
 * channel for real, in the page's memory; the engine's default grid for kvmtrace reaches 256
 * MiB per cell.
 */
export const BROWSER_CELL_CAP = 32 * 1024 * 1024;

const cellMemory = (config: SimConfig, subbufSize: number, nSubbufs: number): number =>
  buffersMemory({ subbufSize, nSubbufs, nrCpus: config.channel.cpus, isGlobal: config.channel.global });

const largest = (config: SimConfig, a: SweepAxes): number => cellMemory(config, Math.max(...a.subbufSizes), Math.max(...a.nSubbufs));

export interface BrowserAxes {
  axes: SweepAxes;
  /** What was left out of the engine's default grid, and why; null when nothing was. */
  narrowed: string | null;
}

/**
 * The engine's default grid (defaultSweepAxes), less its largest values, taken in turn from
 * the longer axis, until the largest cell fits under `cap`.
 */
export function browserAxes(config: SimConfig, cap = BROWSER_CELL_CAP): BrowserAxes {
  const full = defaultSweepAxes(config);
  const subbufSizes = [...full.subbufSizes];
  const nSubbufs = [...full.nSubbufs];
  const axes = (): SweepAxes => ({ subbufSizes, nSubbufs, periods: full.periods });
  while (largest(config, axes()) > cap && (subbufSizes.length > 1 || nSubbufs.length > 1)) {
    if (nSubbufs.length >= subbufSizes.length && nSubbufs.length > 1) nSubbufs.pop();
    else subbufSizes.pop();
  }
  const was = largest(config, full);
  if (subbufSizes.length === full.subbufSizes.length && nSubbufs.length === full.nSubbufs.length) return { axes: axes(), narrowed: null };
  return {
    axes: axes(),
    narrowed:
      `the default grid is narrowed to cells of at most ${formatBytes(cap)} of buffers, since every cell's channel is allocated in this page ` +
      `(the engine's full default grid reaches ${formatBytes(was)}); type larger values to sweep them`,
  };
}

export interface AxisSpec {
  /** The field's name in messages. */
  name: string;
  integer: boolean;
  min: number;
  max: number;
}

export const AXES = {
  subbufSizes: { name: 'subbuf_size', integer: true, min: 1, max: 2 ** 32 - 1 },
  nSubbufs: { name: 'n_subbufs', integer: true, min: 1, max: 524_288 },
  periods: { name: 'reader period', integer: false, min: 1e-6, max: 3600 },
} as const satisfies Record<keyof SweepAxes, AxisSpec>;

/** Most values an axis may take: a grid of 24 x 24 x 24 is already hours of simulation. */
export const MAX_AXIS_VALUES = 24;

export type AxisReading = { ok: true; values: number[] } | { ok: false; error: string };

/**
 * A comma-separated list: numbers in the axis's range, at least one, no repeats; returned
 * sorted. Sizes may carry K or M (binary: 4K is 4096).
 */
export function parseAxis(text: string, spec: AxisSpec): AxisReading {
  const items = text.split(',').map((t) => t.trim());
  if (items.length === 1 && items[0] === '') return { ok: false, error: `${spec.name}: give at least one value` };
  if (items.length > MAX_AXIS_VALUES) return { ok: false, error: `${spec.name}: at most ${MAX_AXIS_VALUES} values, got ${items.length}` };
  const values: number[] = [];
  for (const [i, item] of items.entries()) {
    const m = /^(\d+(?:\.\d*)?|\.\d+)([kKmM]?)$/.exec(item);
    const n = m === null ? NaN : Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1024 : 1024 * 1024);
    const where = `${spec.name}, item ${i + 1} (${JSON.stringify(item.slice(0, 20))})`;
    if (!Number.isFinite(n) || (spec.integer && !Number.isInteger(n)) || n < spec.min || n > spec.max)
      return { ok: false, error: `${where}: must be ${spec.integer ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max}` };
    if (values.includes(n)) return { ok: false, error: `${where}: given twice` };
    values.push(n);
  }
  return { ok: true, values: values.sort((a, b) => a - b) };
}

/** An axis's values as the field shows them. */
export const axisText = (values: readonly number[]): string => values.join(', ');
