/**
 * Two runs' counters side by side: for each, which run did better (when "better" has a
 * direction) and by how much. Records still in the buffers are at risk, not saved: the
 * backlog and the lag count against a run, and "better" at loss follows the steady-state
 * verdict (a reader that is the bottleneck of both runs makes neither better: a larger
 * buffer only delays the same loss).
 */
import { lostRecords, type RunOutcome, type SimReport, type Verdict } from '../../engine/index.ts';
import { formatBytes, formatCount } from '../../lib/format.ts';

export type Side = 'A' | 'B';

interface Metric {
  key: string;
  label: string;
  value: (r: SimReport, o: RunOutcome | null) => number;
  /** Loss (or its complement, records read): its winner is decided by the steady state, not the count so far. */
  loss?: boolean;
  /** Which way is better; null for counters that only describe the run. */
  better: 'lower' | 'higher' | null;
  format: (n: number) => string;
}

const percent = (n: number): string => `${+(n * 100).toPrecision(3)}%`;

export const METRICS: readonly Metric[] = [
  { key: 'lost', label: 'records lost', value: (r) => lostRecords(r.total), better: 'lower', format: formatCount, loss: true },
  { key: 'lossRate', label: 'loss rate', value: (r) => r.lossRate, better: 'lower', format: percent, loss: true },
  { key: 'memoryBytes', label: 'memory', value: (r) => r.memoryBytes, better: 'lower', format: formatBytes },
  { key: 'written', label: 'records written', value: (r) => r.total.written, better: null, format: formatCount },
  { key: 'readIntact', label: 'read intact', value: (r) => r.total.readIntact, better: 'higher', format: formatCount, loss: true },
  { key: 'droppedFull', label: 'dropped (full)', value: (r) => r.total.droppedFull, better: 'lower', format: formatCount, loss: true },
  { key: 'droppedToobig', label: 'dropped (too big)', value: (r) => r.total.droppedToobig, better: 'lower', format: formatCount },
  { key: 'overwritten', label: 'overwritten', value: (r) => r.total.overwritten, better: 'lower', format: formatCount, loss: true },
  { key: 'inBuffer', label: 'at risk: still in the buffers', value: (r) => r.total.inBuffer, better: 'lower', format: formatCount },
  { key: 'peakBacklog', label: 'peak backlog (unread, one buffer)', value: (_, o) => o?.peakBacklogBytes ?? 0, better: 'lower', format: formatBytes },
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

/** Verdicts from best to worst; holds-last is a flight recorder's, ranked beside loss-free-for. */
const RANK: Record<Verdict, number> = { 'loss-free': 3, 'holds-last': 2, 'loss-free-for': 1, lossy: 0 };

/** The share of records a reader-bound channel loses once its buffers are full: 1 - drain / produce. */
const steadyLoss = (o: RunOutcome): number | null => {
  const { produceBytesPerS: p, drainBytesPerS: d } = o.capacity.total;
  return d === null || p === 0 ? null : Math.max(0, 1 - d / p);
};

function verdictRow(a: RunOutcome, b: RunOutcome): DiffRow {
  const row = { key: 'verdict', label: 'steady state', a: a.verdict.verdictText, b: b.verdict.verdictText };
  if (readerBound([a, b])) {
    const loss = [a, b].map(steadyLoss);
    const words = loss.every((l) => l !== null) ? `: once full, A loses ${percent(loss[0] ?? 0)} and B ${percent(loss[1] ?? 0)} of its records` : '';
    return { ...row, better: null, by: `neither: the reader is the bottleneck of both${words}` };
  }
  const [ra, rb] = [RANK[a.verdict.verdict], RANK[b.verdict.verdict]];
  if (ra === rb) return { ...row, better: 'same', by: 'equal' };
  const winner: Side = ra > rb ? 'A' : 'B';
  return { ...row, better: winner, by: `${winner}: ${(winner === 'A' ? a : b).verdict.verdictText}` };
}

/** Both runs' readers are slower than their writers: in steady state they lose alike. */
const readerBound = (o: readonly [RunOutcome, RunOutcome] | undefined): boolean =>
  o !== undefined && o.every((x) => x.capacity.bottleneck === 'reader');

export function diffReports(a: SimReport, b: SimReport, outcomes?: readonly [RunOutcome, RunOutcome]): DiffRow[] {
  const rows = METRICS.map((m): DiffRow => {
    const va = m.value(a, outcomes?.[0] ?? null);
    const vb = m.value(b, outcomes?.[1] ?? null);
    const row = { key: m.key, label: m.label, a: m.format(va), b: m.format(vb) };
    if (va === vb) return { ...row, better: m.better === null ? null : 'same', by: 'equal' };
    if (m.loss === true && readerBound(outcomes)) {
      const ahead: Side = (va < vb) === (m.better === 'lower') ? 'A' : 'B';
      return {
        ...row,
        better: null,
        by: `neither: ${ahead} has ${m.format(Math.abs(vb - va))} ${m.better === 'lower' ? 'fewer' : 'more'} so far, but the reader is the bottleneck of both, so a larger buffer only delays the loss`,
      };
    }
    const lowerWins = m.better === 'lower';
    const winner: Side = (va < vb) === lowerWins ? 'A' : 'B';
    const [win, lose] = winner === 'A' ? [va, vb] : [vb, va];
    const amount = m.format(Math.abs(vb - va));
    if (m.better === null) return { ...row, better: null, by: `B ${vb > va ? '+' : '-'}${amount}` };
    const word = lowerWins ? 'lower' : 'higher';
    const relative = lose === 0 ? '' : ` (${percent(Math.abs(win - lose) / Math.abs(lose))} ${win < lose ? 'less' : 'more'})`;
    return { ...row, better: winner, by: `${winner}, ${amount} ${word}${relative}` };
  });
  return outcomes === undefined ? rows : [verdictRow(outcomes[0], outcomes[1]), ...rows];
}
