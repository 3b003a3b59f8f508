/**
 * Two runs' counters side by side: for each, which run did better (when "better" has a
 * direction) and by how much.
 */
import { lostRecords, type SimReport } from '../../engine/index.ts';
import { formatBytes, formatCount } from '../../lib/format.ts';

export type Side = 'A' | 'B';

interface Metric {
  key: string;
  label: string;
  value: (r: SimReport) => number;
  /** Which way is better; null for counters that only describe the run. */
  better: 'lower' | 'higher' | null;
  format: (n: number) => string;
}

const percent = (n: number): string => `${+(n * 100).toPrecision(3)}%`;

export const METRICS: readonly Metric[] = [
  { key: 'lost', label: 'records lost', value: (r) => lostRecords(r.total), better: 'lower', format: formatCount },
  { key: 'lossRate', label: 'loss rate', value: (r) => r.lossRate, better: 'lower', format: percent },
  { key: 'memoryBytes', label: 'memory', value: (r) => r.memoryBytes, better: 'lower', format: formatBytes },
  { key: 'written', label: 'records written', value: (r) => r.total.written, better: null, format: formatCount },
  { key: 'readIntact', label: 'read intact', value: (r) => r.total.readIntact, better: 'higher', format: formatCount },
  { key: 'droppedFull', label: 'dropped (full)', value: (r) => r.total.droppedFull, better: 'lower', format: formatCount },
  { key: 'droppedToobig', label: 'dropped (too big)', value: (r) => r.total.droppedToobig, better: 'lower', format: formatCount },
  { key: 'overwritten', label: 'overwritten', value: (r) => r.total.overwritten, better: 'lower', format: formatCount },
  { key: 'inBuffer', label: 'still in the buffers', value: (r) => r.total.inBuffer, better: null, format: formatCount },
  { key: 'wakeups', label: 'reader wakeups (fewer is cheaper)', value: (r) => r.total.readerWakeups, better: 'lower', format: formatCount },
  { key: 'maxLagUs', label: 'worst reader lag (µs)', value: (r) => r.total.maxLagUs, better: 'lower', format: formatCount },
];

export interface DiffRow {
  key: string;
  label: string;
  a: string;
  b: string;
  /** Who did better, 'same' when equal, null when the counter has no better direction. */
  better: Side | 'same' | null;
  /** How much better, e.g. "1 234 fewer (-85%)"; the difference alone for neutral counters. */
  by: string;
}

export function diffReports(a: SimReport, b: SimReport): DiffRow[] {
  return METRICS.map((m) => {
    const va = m.value(a);
    const vb = m.value(b);
    const row = { key: m.key, label: m.label, a: m.format(va), b: m.format(vb) };
    if (va === vb) return { ...row, better: m.better === null ? null : 'same', by: 'equal' };
    const lowerWins = m.better === 'lower';
    const winner: Side = (va < vb) === lowerWins ? 'A' : 'B';
    const [win, lose] = winner === 'A' ? [va, vb] : [vb, va];
    const amount = m.format(Math.abs(vb - va));
    if (m.better === null) return { ...row, better: null, by: `B ${vb > va ? '+' : '-'}${amount}` };
    const word = lowerWins ? 'lower' : 'higher';
    const relative = lose === 0 ? '' : ` (${percent(Math.abs(win - lose) / Math.abs(lose))} ${win < lose ? 'less' : 'more'})`;
    return { ...row, better: winner, by: `${winner}, ${amount} ${word}${relative}` };
  });
}
