import { describe, expect, it } from 'vitest';
import { EventLog, LOG_GROUPS, describeEvent, groupOf, type LogEntry, type LogGroup } from './eventLog.ts';
import { EV, EventRingReader, EventRingWriter, eventRingsByteLength, type EventSlot } from './eventRing.ts';
import { parseSimConfig } from './simConfig.ts';
import { Simulation } from './simulation.ts';
import { FIRST_FD, FileTable } from './files.ts';
import { openSimChannel } from './simChannel.ts';
import { relayClose, relayWrite } from '../kernel/index.ts';
import { relayMappingRead } from './mapping.ts';
import { P_DROPPED_FULL, P_DROPPED_TOOBIG, P_PRODUCTIONS, P_WAKEUPS } from './stats.ts';

const ALL = { groups: new Set<LogGroup>(LOG_GROUPS.map((g) => g.id)), cpu: null };

/** A simulation whose relay events go through one ring into a log. */
function logged(config: unknown, seconds: number, limit = 100_000): { sim: Simulation; log: EventLog; entries: LogEntry[] } {
  const memory = new ArrayBuffer(eventRingsByteLength(1));
  let sim: Simulation | null = null;
  const writer = new EventRingWriter(memory, 0, () => (sim?.now ?? 0) * 1e6);
  const log = new EventLog([new EventRingReader(memory, 0)], limit);
  sim = new Simulation(parseSimConfig(config), { seed: 3, tracer: writer.tracer });
  // Poll often enough that the ring never laps: the page polls every frame.
  for (let t = 0; t < seconds; t += 0.0005) {
    sim.runUntil(t);
    log.poll();
  }
  return { sim, log, entries: log.recent(limit, ALL).reverse() };
}

const sum = (entries: readonly LogEntry[], kind: number, cpu: number): number =>
  entries.filter((e) => e.kind === kind && e.cpu === cpu).reduce((n, e) => n + e.count, 0);

describe('the event log of a simulation', () => {
  const channel = { cpus: 2, subbufSize: 1024, nSubbufs: 4, mode: 'no-overwrite' };
  const workload = { rate: 20_000, arrival: 'constant', size: 'fixed', sizeMin: 64 };

  it('counts every record a stalled writer drops, in bursts, and logs each switch once', () => {
    const { sim, log, entries } = logged({ channel, workload, reader: { enabled: false } }, 0.02);
    expect(log.lost).toBe(0);
    for (const cpu of [0, 1]) {
      expect(sim.stats.get(cpu, P_DROPPED_FULL)).toBeGreaterThan(0);
      expect(sum(entries, EV.dropFull, cpu)).toBe(sim.stats.get(cpu, P_DROPPED_FULL));
      // The start step at open, then a switch per production (the last one refused).
      const switches = entries.filter((e) => e.kind === EV.switch && e.cpu === cpu);
      expect(switches).toHaveLength(1 + sim.stats.get(cpu, P_PRODUCTIONS));
      expect(switches.map((e) => describeEvent(e, false).fn)).toEqual(['subbuf_start', ...Array(4).fill('relay_switch_subbuf')]);
      expect(describeEvent(switches[4], false).text).toBe(
        'sub-buffer 3 produced with 0 bytes of padding; subbuf_start refused sub-buffer 0: the buffer is full, the writer stalls',
      );
      // One burst: nothing else happens on a CPU whose writer is stalled with no reader.
      expect(entries.filter((e) => e.kind === EV.dropFull && e.cpu === cpu)).toHaveLength(1);
    }
  });

  it('shows the flight recorder overwriting, and a reader lapped by it', () => {
    const { entries } = logged(
      { channel: { ...channel, mode: 'overwrite' }, workload, reader: { mode: 'read', period: 0.004, costPerKiB: 3000, chunk: 256 } },
      0.05,
    );
    const overwrites = entries.filter((e) => groupOf(e) === 'overwrite');
    expect(overwrites.length).toBeGreaterThan(0);
    expect(describeEvent(overwrites[0], false).text).toMatch(/subbuf_start accepted sub-buffer \d unread: overwriting it$/);
    const lapped = entries.filter((e) => e.kind === EV.consumed && describeEvent(e, false).fn === 'relay_file_read_avail');
    expect(lapped.length).toBeGreaterThan(0);
    expect(entries.filter((e) => groupOf(e) === 'drop')).toEqual([]);
  });

  it('logs a wakeup for each production that finds a reader asleep, and none when no one sleeps', () => {
    const sleeping = logged({ channel, workload, reader: { mode: 'read', period: 1 } }, 0.05);
    for (const cpu of [0, 1]) {
      const wakeups = sleeping.sim.stats.get(cpu, P_WAKEUPS);
      expect(wakeups).toBeGreaterThan(0);
      expect(sleeping.entries.filter((e) => e.kind === EV.wakeupQueued && e.cpu === cpu)).toHaveLength(wakeups);
      expect(sleeping.entries.filter((e) => e.kind === EV.wakeup && e.cpu === cpu)).toHaveLength(wakeups);
    }
    const fn = sleeping.entries.filter((e) => groupOf(e) === 'wakeup').map((e) => describeEvent(e, false).fn);
    expect(new Set(fn)).toEqual(new Set(['irq_work_queue', 'wakeup_readers']));

    const alone = logged({ channel, workload, reader: { enabled: false } }, 0.05);
    expect(alone.entries.filter((e) => groupOf(e) === 'wakeup')).toEqual([]);
  });

  it('names flush, reset, close and hotplug by their kernel functions', () => {
    const { sim, log } = logged({ channel, workload, reader: { enabled: false } }, 0.001);
    sim.flush();
    sim.reset();
    sim.close();
    log.poll();
    const fns = log.recent(50, { ...ALL, groups: new Set<LogGroup>(['channel']) }).map((e) => describeEvent(e, false).fn);
    expect(fns).toEqual(['relay_close', 'relay_close', 'relay_reset', 'relay_reset', 'relay_flush', 'relay_flush']);
  });

  it('keeps only its limit, newest first, and filters by CPU', () => {
    const { log } = logged({ channel, workload, reader: { mode: 'read', period: 0.001 } }, 0.05, 50);
    expect(log.total).toBeGreaterThan(50);
    const kept = log.recent(1000, ALL);
    expect(kept).toHaveLength(50);
    for (let i = 1; i < kept.length; i++) expect(kept[i].tUs).toBeLessThanOrEqual(kept[i - 1].tUs);
    expect(log.recent(1000, { ...ALL, cpu: 1 }).every((e) => e.cpu === 1)).toBe(true);
  });

  it('counts records too big for a sub-buffer as drops with their length', () => {
    const { sim, entries } = logged(
      { channel, workload: { ...workload, size: 'bimodal', sizeMin: 64, sizeMax: 2000, largeShare: 0.1 }, reader: { period: 0.001 } },
      0.02,
    );
    for (const cpu of [0, 1]) expect(sum(entries, EV.dropToobig, cpu)).toBe(sim.stats.get(cpu, P_DROPPED_TOOBIG));
    const big = entries.find((e) => e.kind === EV.dropToobig);
    expect(big && describeEvent(big, false).text).toMatch(/dropped: 2000 bytes is more than subbuf_size$/);
  });
});

describe('an event ring', () => {
  const slots = (reader: EventRingReader): EventSlot[] => {
    const out: EventSlot[] = [];
    reader.drain((s) => out.push(s));
    return out;
  };

  it('loses the oldest slots, and says how many, when the page falls behind', () => {
    const memory = new ArrayBuffer(eventRingsByteLength(1, 16));
    let t = 0;
    const writer = new EventRingWriter(memory, 0, () => t++, 16);
    const reader = new EventRingReader(memory, 0, 16);
    for (let i = 0; i < 40; i++) writer.hotplug(EV.cpuOffline, i);
    const got = slots(reader);
    expect(got.map((s) => s.cpu)).toEqual(Array.from({ length: 15 }, (_, i) => 25 + i));
    expect(reader.lost).toBe(25);
  });

  it('keeps its order and its bursts across the wrap of the slot counter at 2^32', () => {
    const memory = new ArrayBuffer(eventRingsByteLength(1, 16));
    new Int32Array(memory, 0, 1)[0] = (2 ** 32 - 3) | 0;
    const writer = new EventRingWriter(memory, 0, () => 0, 16);
    const reader = new EventRingReader(memory, 0, 16);
    const buf = { cpu: 1 } as Parameters<EventRingWriter['tracer']>[0]['buf'];
    for (let i = 0; i < 4; i++) writer.hotplug(EV.cpuOnline, i);
    for (let i = 0; i < 5; i++) writer.tracer({ kind: 'subbuf_start', buf, subbuf: 0, prevSubbuf: 3, full: true, accepted: false });
    const got = slots(reader);
    expect(got.map((s) => [s.kind, s.cpu])).toEqual([
      [EV.cpuOnline, 0],
      [EV.cpuOnline, 1],
      [EV.cpuOnline, 2],
      [EV.cpuOnline, 3],
      [EV.dropFull, 1],
    ]);
    expect(got[4].count).toBe(5);
    expect(reader.lost).toBe(0);
  });
});

describe('the event log of relay files, mappings and freeing', () => {
  /** A channel of `cpus` buffers opened on `kernel`, logging through one ring. */
  function channel(kernel: string, cpus = 1) {
    const memory = new ArrayBuffer(eventRingsByteLength(1));
    const writer = new EventRingWriter(memory, 0, () => 0);
    const log = new EventLog([new EventRingReader(memory, 0)]);
    const config = parseSimConfig({ channel: { cpus, subbufSize: 4096, nSubbufs: 3, kernel } });
    const { chan } = openSimChannel(config, (n) => new ArrayBuffer(n), writer.tracer);
    const described = (): { fn: string; text: string; group: LogGroup }[] => {
      log.poll();
      return log
        .recent(1000, ALL)
        .reverse()
        .filter((e) => groupOf(e) === 'file' || e.kind === EV.toobigWarning)
        .map((e) => ({ ...describeEvent(e, false), group: groupOf(e) }));
    };
    return { chan, described };
  }

  it('names the open and the release of a file, the page faults of a mapping, and the freeing after relay_close and the last close', () => {
    const { chan, described } = channel('v6.17');
    const files = new FileTable(chan);
    const open = files.open(0);
    if (typeof open === 'string') throw new Error(open);
    const map = files.mmap(open.fd, chan.allocSize);
    if (typeof map === 'string') throw new Error(map);
    relayMappingRead(map.map, 4000, 200);
    relayMappingRead(map.map, 4090, 10);
    files.munmap(map.id);
    files.close(open.fd);
    expect(described()).toEqual([
      { fn: 'relay_file_open', text: "a file of CPU 0's buffer is opened: it takes a reference (kref 2)", group: 'file' },
      { fn: 'relay_buf_fault', text: "mapping 1 touched page 0 of CPU 0's buffer for the first time: the page is faulted in", group: 'file' },
      { fn: 'relay_buf_fault', text: "mapping 1 touched page 1 of CPU 0's buffer for the first time: the page is faulted in", group: 'file' },
      { fn: 'relay_file_release', text: "the last close of a file of CPU 0's buffer drops its reference (kref 1)", group: 'file' },
    ]);

    files.open(0);
    relayClose(chan);
    expect(described().slice(5)).toEqual([]);
    files.close(FIRST_FD);
    expect(described().slice(5).map((d) => d.fn)).toEqual(['relay_file_release', 'relay_destroy_buf', 'relay_destroy_channel']);
    expect(described()[6].text).toBe(
      "CPU 0's buffer had its last reference dropped (relay_remove_buf): its pages are freed; the channel's kref is 0",
    );
  });

  it('frees a buffer no file holds at relay_close itself, and warns of records too big up to v6.16 only', () => {
    for (const kernel of ['v6.16', 'v6.17']) {
      const { chan, described } = channel(kernel, 2);
      const buf = chan.buf(1);
      if (buf === null) throw new Error('no buffer');
      relayWrite(buf, new Uint8Array(5000));
      relayClose(chan);
      const got = described();
      expect(got.map((d) => d.fn)).toEqual([
        'relay_destroy_buf',
        'relay_destroy_buf',
        ...(kernel === 'v6.16' ? ['relay_close'] : []),
        'relay_destroy_channel',
      ]);
      expect(got[1].text).toMatch(/^CPU 1's buffer had its last reference dropped .* the channel's kref is 1$/);
      expect(got.filter((d) => d.group === 'channel')).toEqual(
        kernel === 'v6.16'
          ? [
              {
                fn: 'relay_close',
                text: 'warning: items not logged; the last record too big was 5000 bytes, sub-buffers are 4096 bytes (last_toobig, up to v6.16)',
                group: 'channel',
              },
            ]
          : [],
      );
    }
  });
});
