/**
 * What the versions panel says about one kernel version, from the engine's tables alone
 * (KERNEL_VERSION_INFO, KERNEL_DIFFERENCES, KERNEL_HISTORY): nothing here adds a fact.
 */
import {
  DEFAULT_KERNEL,
  KERNEL_DIFFERENCES,
  KERNEL_HISTORY,
  KERNEL_VERSIONS,
  KERNEL_VERSION_INFO,
  type KernelDifference,
  type KernelHistoryEntry,
  type KernelVersion,
  type KernelVersionInfo,
} from '../../engine/index.ts';

export interface DifferenceRow {
  difference: KernelDifference;
  /** Whether the version has the behaviour. */
  has: boolean;
  /** Whether it behaves otherwise than the reference kernel here. */
  differs: boolean;
  /** How the older side is known, in words. */
  howKnown: string;
}

/** The words for an older behaviour's evidence; the reference kernel's side was run (§16). */
export function howKnown(d: KernelDifference): string {
  if (d.verified) return 'verified against that kernel';
  return d.evidence === 'outline' ? 'documented but not verified against that kernel' : 'read in that kernel\u2019s source, not run';
}

export function versionInfo(v: KernelVersion): KernelVersionInfo {
  return KERNEL_VERSION_INFO.find((i) => i.id === v) ?? KERNEL_VERSION_INFO[0];
}

/** Every modelled difference, those where `v` departs from the reference kernel first. */
export function differenceRows(v: KernelVersion): DifferenceRow[] {
  const rows = KERNEL_DIFFERENCES.map((d) => {
    const has = d.versions.includes(v);
    return { difference: d, has, differs: has !== d.versions.includes(DEFAULT_KERNEL), howKnown: howKnown(d) };
  });
  return [...rows.filter((r) => r.differs), ...rows.filter((r) => !r.differs)];
}

/** A history entry's version switches: the modelled kernel before the change, and the one from it on. */
export function historySwitches(e: KernelHistoryEntry): { before: KernelVersion; after: KernelVersion } | null {
  if (e.before === null) return null;
  const after = KERNEL_VERSIONS[KERNEL_VERSIONS.indexOf(e.before) - 1];
  return after === undefined ? null : { before: e.before, after };
}

export { KERNEL_HISTORY };
