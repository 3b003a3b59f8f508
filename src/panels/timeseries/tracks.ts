/** What the tracks show: the series, their units and colours, and how times are written. */
import { HISTORY_ASLEEP, HISTORY_READING, HISTORY_WOKEN, type Landmark, type SeriesId } from '../../engine/index.ts';
import { formatBytes, formatCount } from '../../lib/format.ts';

export interface SeriesInfo {
  id: SeriesId;
  label: string;
  /** What the y scale counts. */
  unit: 'records/s' | 'sub-buffers' | 'bytes' | 'state';
}

export const TRACK_SERIES: readonly SeriesInfo[] = [
  { id: 'written', label: 'records written', unit: 'records/s' },
  { id: 'read', label: 'records read', unit: 'records/s' },
  { id: 'droppedFull', label: 'dropped, buffer full', unit: 'records/s' },
  { id: 'droppedBig', label: 'dropped, too big', unit: 'records/s' },
  { id: 'overwritten', label: 'overwritten', unit: 'records/s' },
  { id: 'ready', label: 'sub-buffers ready', unit: 'sub-buffers' },
  { id: 'bytes', label: 'bytes in the buffer', unit: 'bytes' },
  { id: 'reader', label: 'reader: asleep, woken, reading', unit: 'state' },
];
export const DEFAULT_SHOWN: readonly SeriesId[] = ['written', 'droppedFull', 'ready', 'reader'];


export const COLORS: Record<string, string> = {
  written: '#2f6fdb',
  read: '#2a9d5b',
  droppedFull: '#c0392b',
  droppedBig: '#8e44ad',
  overwritten: '#d35400',
  ready: '#16808a',
  bytes: '#7a5c00',
  asleep: '#9aa5b1',
  woken: '#e0a800',
  reading: '#2a9d5b',
};
export const TICK_COLORS: Record<Landmark, string> = {
  switch: '#2f6fdb',
  drop: '#c0392b',
  overwrite: '#d35400',
  wakeup: '#e0a800',
  flush: '#16808a',
  reset: '#8e44ad',
  close: '#1b2430',
  hotplug: '#7a5c00',
  file: '#5b6776',
};

/** Time in the axis's units. */
export function formatTime(s: number, span: number): string {
  if (span >= 2) return `${s.toFixed(span >= 20 ? 0 : 1)} s`;
  if (span >= 0.002) return `${(s * 1000).toFixed(span >= 0.02 ? 0 : 1)} ms`;
  return `${(s * 1e6).toFixed(0)} µs`;
}

export function formatValue(v: number, unit: SeriesInfo['unit']): string {
  if (unit === 'bytes') return formatBytes(v);
  if (unit === 'sub-buffers') return `${formatCount(v)} sub-buffers`;
  if (unit === 'state') return readerState(v);
  return `${formatCount(Math.round(v))} records/s`;
}

function readerState(bits: number): string {
  const parts: string[] = [];
  if (bits & HISTORY_ASLEEP) parts.push('asleep');
  if (bits & HISTORY_WOKEN) parts.push('woken');
  if (bits & HISTORY_READING) parts.push('reading');
  return parts.length > 0 ? parts.join(', ') : 'running';
}

