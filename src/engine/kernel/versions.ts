/**
 * Which kernel the channel behaves as: mainline v6.17 by default, and the older behaviours the
 * relay semantics document describes (§13 and the sections it points to) behind one switch.
 * Each id names the newest kernel with that set of behaviours; the table below says which
 * releases share it. Everything here is data a UI can render as it is.
 */

export const KERNEL_VERSIONS = ['v6.17', 'v6.16', 'v6.7', 'v6.3', 'v4.9'] as const;
export type KernelVersion = (typeof KERNEL_VERSIONS)[number];
export const DEFAULT_KERNEL: KernelVersion = 'v6.17';

export const isKernelVersion = (v: string): v is KernelVersion => (KERNEL_VERSIONS as readonly string[]).includes(v);

/** The behaviours that differ between the versions relayscope models. */
export interface KernelFeatures {
  /** Per-buffer `stats.full_count`/`big_count` and `relay_stats()` (v6.17+). */
  relayStats: boolean;
  /** Channel-wide `last_toobig` and the "items not logged" warning at relay_close (up to v6.16). */
  lastToobig: boolean;
  /** `prev_padding`, kept per buffer and passed to subbuf_start (up to v6.16). */
  prevPadding: boolean;
  /** Relay files can be spliced or sendfile'd (up to v6.7). */
  spliceRead: boolean;
  /** read() starts from the file position when it is not 0 (before v6.4). */
  readFromFilePos: boolean;
  /** The deferred wakeup is a timer one jiffy later, not irq_work (v4.9 and earlier). */
  timerWakeup: boolean;
}

/** Position in KERNEL_VERSIONS: 0 is the newest. */
const age = (v: KernelVersion): number => KERNEL_VERSIONS.indexOf(v);

export function kernelFeatures(v: KernelVersion): KernelFeatures {
  const a = age(v);
  return {
    relayStats: a === 0,
    lastToobig: a >= 1,
    prevPadding: a >= 1,
    spliceRead: a >= age('v6.7'),
    readFromFilePos: a >= age('v6.3'),
    timerWakeup: a >= age('v4.9'),
  };
}

/** Timer wakeups run in jiffies; relayscope takes HZ=250, a 4 ms jiffy, in virtual time. */
export const HZ = 250;

/**
 * When a timer armed at `now` (seconds) fires: `mod_timer(timer, jiffies + 1)` expires at the
 * next tick, so somewhere up to one jiffy later, never at `now` itself.
 */
export function nextJiffy(now: number): number {
  return (Math.floor(now * HZ + 1e-9) + 1) / HZ;
}

export interface KernelVersionInfo {
  id: KernelVersion;
  /** The releases that behave so, as far as the document dates them. */
  releases: string;
  summary: string;
  /**
   * Only v6.17 was checked by running its logic (§16); the older versions' behaviours were
   * read in their sources or are outlines (each KERNEL_DIFFERENCES entry says which).
   */
  verified: boolean;
}

export const KERNEL_VERSION_INFO: readonly KernelVersionInfo[] = [
  { id: 'v6.17', releases: 'v6.17 (mainline reference)', summary: 'relay_stats(), per-buffer full and too-big counts; no last_toobig, no prev_padding, no splice.', verified: true },
  { id: 'v6.16', releases: 'v6.8 to v6.16', summary: 'last_toobig and its close-time warning, prev_padding for subbuf_start; no statistics.', verified: false },
  { id: 'v6.7', releases: 'v6.4 to v6.7', summary: 'As v6.16, and relay files can still be spliced (sendfile works).', verified: false },
  {
    id: 'v6.3',
    releases: 'v4.10 to v6.3 (stable branches got the v6.4 read fix in May 2023)',
    summary: 'As v6.7, and read() starts from the file position when it is not 0.',
    verified: false,
  },
  { id: 'v4.9', releases: 'about 2.6.2x to v4.9', summary: 'As v6.3, and a reader is woken by a timer at the next jiffy instead of irq_work.', verified: false },
];

/**
 * How the older behaviour is known. `read`: read in that kernel's source (or the patches that
 * changed it), not executed. `outline`: the document gives only an outline, which relayscope
 * implements as stated: documented, but not verified against that kernel.
 */
export type Evidence = 'read' | 'outline';

export type DifferenceId = 'stats' | 'last_toobig' | 'prev_padding' | 'splice_read' | 'read_file_pos' | 'timer_wakeup';

export interface KernelDifference {
  id: DifferenceId;
  /** The feature flag it turns on or off. */
  feature: keyof KernelFeatures;
  /** The versions (of KERNEL_VERSIONS) that have the feature. */
  versions: readonly KernelVersion[];
  /** What the model does differently. */
  behaviour: string;
  /** One line: why the kernel changed. */
  why: string;
  /** The kernel release that changed it. */
  changedIn: string;
  /**
   * Whether the older behaviour was checked against that kernel by running it: never so far.
   * The v6.17 side of every difference was (§16).
   */
  verified: boolean;
  evidence: Evidence;
  /** Semantics document sections. */
  sections: readonly string[];
  note?: string;
}

const having = (feature: keyof KernelFeatures): KernelVersion[] => KERNEL_VERSIONS.filter((v) => kernelFeatures(v)[feature]);

export const KERNEL_DIFFERENCES: readonly KernelDifference[] = [
  {
    id: 'stats',
    feature: 'relayStats',
    versions: having('relayStats'),
    behaviour:
      'Each buffer counts full_count (sub-buffer starts that found it full) and big_count (records too big); relay_stats() sums them over online CPUs. Older kernels have neither, and relay_stats() does not exist.',
    why: 'A 2025 patch series gave clients a drop count kept by relay itself; blktrace now reports dropped from full_count.',
    changedIn: 'v6.17',
    verified: false,
    evidence: 'read',
    sections: ['4.6', '5.4', '7.4'],
  },
  {
    id: 'last_toobig',
    feature: 'lastToobig',
    versions: having('lastToobig'),
    behaviour:
      'A record too big to fit sets the channel-wide last_toobig to its length (never reset, not even by relay_reset); relay_close warns that items were not logged, naming that length and the sub-buffer size.',
    why: 'Replaced by the per-buffer big_count, which counts every such record instead of keeping the last size.',
    changedIn: 'v6.17',
    verified: false,
    evidence: 'read',
    sections: ['2.1', '4.5', '7.3'],
  },
  {
    id: 'prev_padding',
    feature: 'prevPadding',
    versions: having('prevPadding'),
    behaviour:
      'The buffer keeps the padding of the sub-buffer produced last and passes it to subbuf_start (0 at open and reset; a stalled retry passes the same value again).',
    why: 'Removed by the 2025 patch "relayfs: abolish prev_padding", in the series that added the statistics.',
    changedIn: 'v6.17',
    verified: false,
    evidence: 'read',
    sections: ['2.2', '5.1', '11'],
  },
  {
    id: 'splice_read',
    feature: 'spliceRead',
    versions: having('spliceRead'),
    behaviour:
      'sendfile/splice from a relay file works: it sends whole produced sub-buffers without their padding and consumes them. From v6.8 it fails with EINVAL.',
    why: 'Removed as dead code that did not work ("remove relay_file_splice_read dead code, doesn\'t work").',
    changedIn: 'v6.8',
    verified: false,
    evidence: 'outline',
    sections: ['6.5'],
    note: 'The semantics text says only that it consumed whole sub-buffers and skipped padding; relayscope sends whole produced sub-buffers (the rest of a partly read one) while they fit in the count.',
  },
  {
    id: 'read_file_pos',
    feature: 'readFromFilePos',
    versions: having('readFromFilePos'),
    behaviour:
      'read() takes its start from the file position whenever that is not 0, and from the consumer counters only at position 0. A second reader, a reset, lapping or relay_subbufs_consumed then leaves a reader at a stale position.',
    why: 'Fixed in v6.4 ("fix read_pos error when multiple readers"): the counters live in the buffer, shared by every file, so they decide where to read.',
    changedIn: 'v6.4 (backported to stable branches in May 2023)',
    verified: false,
    evidence: 'outline',
    sections: ['6.2', '13'],
    note: 'The reference model implements only the modern path. relayscope keeps the v6.4 modulo on the start position, so the old out-of-bounds read at bytes_consumed == subbuf_size is not shown.',
  },
  {
    id: 'timer_wakeup',
    feature: 'timerWakeup',
    versions: having('timerWakeup'),
    behaviour:
      'A production that finds a poller asleep arms a per-buffer timer for the next jiffy (mod_timer, jiffies + 1); the poller wakes then. relay_reset and relay_close cancel a pending timer (del_timer_sync) instead of running it.',
    why: 'irq_work runs the wakeup shortly after the write (at once, by a self-interrupt, where the CPU has one) instead of at the next jiffy.',
    changedIn: 'v4.10 (per a kernel-struct tracker; the v4.9 source has the timer)',
    verified: false,
    evidence: 'read',
    sections: ['4.8', '13', '18'],
    note: 'relayscope takes HZ=250 (a 4 ms jiffy) in virtual time.',
  },
];

export interface KernelHistoryEntry {
  /** As the document dates it. */
  release: string;
  /** A calendar date, only where the document gives one. */
  when: string | null;
  change: string;
  /** The modelled differences this change made, if any. */
  differences: readonly DifferenceId[];
  /** The version switch that still has the behaviour from before this change, if relayscope models it. */
  before: KernelVersion | null;
}

/** A short history, only as far as the semantics document states it (§13, §10, §6.5, §4.8). */
export const KERNEL_HISTORY: readonly KernelHistoryEntry[] = [
  {
    release: '2.6.14',
    when: 'first code 2003; in mainline from 2.6.14, October 2005',
    change: 'relay was relayfs, a filesystem of its own.',
    differences: [],
    before: null,
  },
  {
    release: '2.6.17 to 2.6.18',
    when: '2.6.17: June 2006',
    change:
      'relayfs moved into kernel/relay.c: delayed-work wakeup, a sendfile op, global buffers, last_toobig; read() used the file position.',
    differences: ['last_toobig', 'read_file_pos', 'splice_read'],
    before: null,
  },
  {
    release: 'about 2.6.2x',
    when: 'CPU hotplug support: November 2006',
    change:
      'Timer-based wakeup (mod_timer, one jiffy); CPU hotplug; splice_read replaced sendfile; off-by-one fixes gave read() its exactly-full rules.',
    differences: ['timer_wakeup', 'splice_read'],
    before: null,
  },
  {
    release: 'about 2.6.28 to 2.6.29',
    when: null,
    change: 'Buffer-only channels, relay_late_setup_files and early_bytes, for early tracing (not modelled: relayscope always has files).',
    differences: [],
    before: null,
  },
  {
    release: 'v4.10',
    when: null,
    change: 'irq_work replaced the timer for reader wakeups; hotplug moved to the cpuhp state machine (relay_prepare_cpu).',
    differences: ['timer_wakeup'],
    before: 'v4.9',
  },
  {
    release: 'v5.11',
    when: null,
    change:
      'buf_mapped/buf_unmapped removed; create_buf_file and remove_buf_file mandatory; callbacks const (not a switch: relayscope has no such callbacks).',
    differences: [],
    before: null,
  },
  {
    release: 'v6.4',
    when: 'backported to stable branches in May 2023',
    change: 'read() takes its start from subbufs_consumed/bytes_consumed, not the file position; the modulo fix for an out-of-bounds read.',
    differences: ['read_file_pos'],
    before: 'v6.3',
  },
  {
    release: 'v6.8',
    when: null,
    change: 'splice/sendfile support removed.',
    differences: ['splice_read'],
    before: 'v6.7',
  },
  {
    release: 'v6.16',
    when: 'May 2025',
    change: 'relay_late_setup_files removed as unused (not a switch: relayscope has no buffer-only channels).',
    differences: [],
    before: null,
  },
  {
    release: 'v6.17',
    when: '2025',
    change:
      'prev_padding removed; per-buffer full_count and big_count and relay_stats(); last_toobig and its warning removed; blktrace dropped comes from full_count.',
    differences: ['stats', 'last_toobig', 'prev_padding'],
    before: 'v6.16',
  },
];
