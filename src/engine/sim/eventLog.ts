/**
 * The event log the page shows: relay events merged from every thread's ring (eventRing.ts)
 * in time order, kept to a fixed number of entries, each named by the kernel function that
 * did it. Drops arrive as bursts whose count grows while the writer stays stalled.
 */
import {
  CONSUMED_CAUSES,
  EV,
  SWITCH_FIRST,
  SWITCH_OVERWROTE,
  SWITCH_REFUSED,
  type EventCode,
  type EventRingReader,
  type EventSlot,
} from './eventRing.ts';

/** What the log's filter offers. */
export type LogGroup = 'switch' | 'drop' | 'overwrite' | 'wakeup' | 'consumed' | 'channel' | 'hotplug' | 'file';

export const LOG_GROUPS: readonly { id: LogGroup; label: string }[] = [
  { id: 'switch', label: 'switches' },
  { id: 'drop', label: 'drops' },
  { id: 'overwrite', label: 'overwrites' },
  { id: 'wakeup', label: 'wakeups' },
  { id: 'consumed', label: 'consumed' },
  { id: 'channel', label: 'flush, reset, close' },
  { id: 'hotplug', label: 'open and hotplug' },
  { id: 'file', label: 'files, faults, freeing' },
];

export type LogEntry = EventSlot;

export interface LogFilter {
  groups: ReadonlySet<LogGroup>;
  /** One CPU, or every CPU. */
  cpu: number | null;
}

export function groupOf(e: Pick<EventSlot, 'kind' | 'd'>): LogGroup {
  switch (e.kind) {
    case EV.switch:
      return e.d === SWITCH_OVERWROTE ? 'overwrite' : 'switch';
    case EV.dropFull:
    case EV.dropToobig:
      return 'drop';
    case EV.wakeupQueued:
    case EV.wakeup:
      return 'wakeup';
    case EV.consumed:
      return 'consumed';
    case EV.flush:
    case EV.reset:
    case EV.close:
    case EV.toobigWarning:
      return 'channel';
    case EV.fileOpen:
    case EV.fileRelease:
    case EV.bufFree:
    case EV.chanFree:
    case EV.fault:
      return 'file';
    default:
      return 'hotplug';
  }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The kernel function that did it, and what it did, in a sentence. */
export function describeEvent(e: EventSlot, global: boolean): { fn: string; text: string } {
  const where = global ? 'the global buffer' : `CPU ${e.cpu}'s buffer`;
  const produced = e.a >= 0 ? `sub-buffer ${e.a} produced with ${plural(e.b, 'byte')} of padding; ` : '';
  switch (e.kind as EventCode) {
    case EV.bufCreate:
      return { fn: 'relay_open_buf', text: `${where} created` };
    case EV.switch:
      if (e.d === SWITCH_FIRST) return { fn: 'subbuf_start', text: `start step: the writer enters sub-buffer ${e.c}` };
      if (e.d === SWITCH_REFUSED)
        return { fn: 'relay_switch_subbuf', text: `${produced}subbuf_start refused sub-buffer ${e.c}: the buffer is full, the writer stalls` };
      if (e.d === SWITCH_OVERWROTE)
        return { fn: 'relay_switch_subbuf', text: `${produced}subbuf_start accepted sub-buffer ${e.c} unread: overwriting it` };
      return {
        fn: 'relay_switch_subbuf',
        text: e.a >= 0 ? `${produced}subbuf_start accepted sub-buffer ${e.c}` : `subbuf_start accepted sub-buffer ${e.c}: the stalled writer resumes`,
      };
    case EV.dropFull:
      return { fn: 'relay_switch_subbuf', text: `${plural(e.count, 'record')} dropped: the buffer is full (subbuf_start refused)` };
    case EV.dropToobig:
      return {
        fn: 'relay_switch_subbuf',
        text: `${plural(e.count, 'record')} dropped: ${e.a} bytes ${e.b ? 'do not fit after the sub-buffer header' : 'is more than subbuf_size'}`,
      };
    case EV.wakeupQueued:
      return { fn: 'irq_work_queue', text: 'a reader sleeps in poll: its wakeup is deferred to irq_work' };
    case EV.wakeup:
      return { fn: 'wakeup_readers', text: `woke ${plural(e.a, 'sleeper')}` };
    case EV.consumed: {
      const cause = CONSUMED_CAUSES[e.c];
      const moved = `subbufs_consumed ${e.a} → ${e.b}`;
      if (cause === 'lapped') return { fn: 'relay_file_read_avail', text: `${moved}: the writer lapped the reader, which skips what was overwritten` };
      if (cause === 'subbufs_consumed') return { fn: 'relay_subbufs_consumed', text: `${moved}: an mmap reader is done with ${plural(e.b - e.a, 'sub-buffer')}` };
      return { fn: 'relay_file_read_consume', text: `${moved}: read(2) finished a sub-buffer` };
    }
    case EV.flush:
      return { fn: 'relay_flush', text: `${where}: the current sub-buffer is produced as it stands` };
    case EV.reset:
      return { fn: 'relay_reset', text: `${where}: counters and padding back to zero` };
    case EV.close:
      return { fn: 'relay_close', text: `${where} finalized; the channel drops its reference` };
    case EV.cpuOnline:
      return { fn: 'relay_prepare_cpu', text: `CPU ${e.cpu} comes online${e.a ? ' and gets a buffer' : ''}` };
    case EV.cpuOffline:
      return { fn: 'cpuhp', text: `CPU ${e.cpu} goes offline; relay keeps its buffer as it is` };
    case EV.fileOpen:
      return { fn: 'relay_file_open', text: `a file of ${where} is opened: it takes a reference (kref ${e.a})` };
    case EV.fileRelease:
      return { fn: 'relay_file_release', text: `the last close of a file of ${where} drops its reference (kref ${e.a})` };
    case EV.bufFree:
      return {
        fn: 'relay_destroy_buf',
        text: `${where} had its last reference dropped (relay_remove_buf): its pages are freed; the channel's kref is ${e.a}`,
      };
    case EV.chanFree:
      return { fn: 'relay_destroy_channel', text: "the channel's last reference went: the channel is freed" };
    case EV.fault:
      return { fn: 'relay_buf_fault', text: `mapping ${e.b} touched page ${e.a} of ${where} for the first time: the page is faulted in` };
    case EV.toobigWarning:
      return {
        fn: 'relay_close',
        text: `warning: items not logged; the last record too big was ${plural(e.a, 'byte')}, sub-buffers are ${plural(e.b, 'byte')} (last_toobig, up to v6.16)`,
      };
  }
}

/** Drop bursts whose counts are refreshed, newest kept. */
const OPEN_BURSTS = 256;

export class EventLog {
  private readonly entries: (LogEntry | undefined)[];
  private next = 0;
  private bursts: LogEntry[] = [];
  /** Entries taken since the start, by group (including those the log no longer keeps). */
  readonly totals = new Map<LogGroup, number>(LOG_GROUPS.map((g) => [g.id, 0]));
  /** Bumped whenever something changes: a new entry or a burst that grew. */
  version = 0;

  private readonly byIndex: Map<number, EventRingReader>;

  constructor(
    private readonly rings: readonly EventRingReader[],
    /** Entries kept; older ones are forgotten. */
    readonly limit = 4000,
  ) {
    this.byIndex = new Map(rings.map((r) => [r.index, r]));
    this.entries = Array.from({ length: limit }, () => undefined);
  }

  /** Events the rings lost before the page copied them. */
  get lost(): number {
    return this.rings.reduce((n, r) => n + r.lost, 0);
  }

  /** Entries taken since the start. */
  get total(): number {
    let n = 0;
    for (const v of this.totals.values()) n += v;
    return n;
  }

  /** Takes what every ring published; returns how many new entries. */
  poll(): number {
    const batch: LogEntry[] = [];
    for (const r of this.rings) r.drain((s) => batch.push(s));
    batch.sort((x, y) => x.tUs - y.tUs);
    for (const e of batch) this.add(e);
    let grew = false;
    this.bursts = this.bursts.filter((e) => {
      const n = this.byIndex.get(e.ring)?.countOf(e.seq) ?? -1;
      if (n > e.count) {
        e.count = n;
        grew = true;
      }
      return n >= 0;
    });
    if (batch.length > 0 || grew) this.version++;
    return batch.length;
  }

  /** Up to `max` entries that pass the filter, newest first. */
  recent(max: number, filter: LogFilter): LogEntry[] {
    const out: LogEntry[] = [];
    for (let k = 1; k <= this.limit && out.length < max; k++) {
      const e = this.entries[(this.next - k + this.limit) % this.limit];
      if (e === undefined) break;
      if ((filter.cpu === null || e.cpu === filter.cpu) && filter.groups.has(groupOf(e))) out.push(e);
    }
    return out;
  }

  private add(e: LogEntry): void {
    this.entries[this.next] = e;
    this.next = (this.next + 1) % this.limit;
    const g = groupOf(e);
    this.totals.set(g, (this.totals.get(g) ?? 0) + 1);
    if (e.kind === EV.dropFull || e.kind === EV.dropToobig) {
      this.bursts.push(e);
      if (this.bursts.length > OPEN_BURSTS) this.bursts.shift();
    }
  }
}
