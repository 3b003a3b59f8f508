/**
 * Deterministic mode: producers and readers on one thread in virtual time, driven by a seeded
 * discrete-event scheduler. The same configuration and seed give the same run, event for
 * event, in the browser and in Node. Operations are atomic; a wakeup runs right after the
 * write that queued it, and the woken reader runs `wakeLatency` later.
 */
import {
  Rchan,
  relayClose,
  relayCpuOffline,
  relayCpuOnline,
  relayFlush,
  relayOpen,
  relayReset,
  type ChannelMemory,
  type RchanBuf,
  type RelayTracer,
} from '../kernel/index.ts';
import { relayClient } from './client.ts';
import { EMIT_WOKE, Producer } from './producer.ts';
import { Random } from './random.ts';
import { Reader, type ReaderOptions } from './reader.ts';
import type { SimConfig } from './simConfig.ts';
import {
  C_DISCARDED,
  P_DROPPED_FULL,
  P_DROPPED_TOOBIG,
  P_LANDED,
  P_WRITTEN,
  R_DUPLICATE,
  R_INTACT,
  R_MISSING,
  R_NEXT_SEQ,
  R_OVERWRITTEN,
  R_SKIPPED,
  R_TIMEOUTS,
  R_TORN,
  R_WOKEN,
  SimStats,
} from './stats.ts';

export interface SimOptions {
  seed: number;
  /** Makes the channel's and the counters' memory (an ArrayBuffer by default). */
  allocate?: (byteLength: number) => ChannelMemory;
  verify?: 'full' | 'ends';
  /** Receives the kernel's events, after the simulation's own bookkeeping. */
  tracer?: RelayTracer;
}

/** Where each record a CPU wrote went. `unaccounted` must be 0. */
export interface CpuAccounting {
  cpu: number;
  written: number;
  readIntact: number;
  droppedFull: number;
  droppedToobig: number;
  overwritten: number;
  skipped: number;
  discarded: number;
  inBuffer: number;
  unaccounted: number;
  /** Anomalies, counted apart: failed checks nothing explains, unexplained gaps, repeats. */
  torn: number;
  missing: number;
  duplicates: number;
}

const ARRIVAL = 0;
const READER = 1;

interface Event {
  t: number;
  order: number;
  kind: number;
  index: number;
  token: number;
}

/** A binary min-heap of events by time, then by the order they were scheduled. */
class EventQueue {
  private readonly items: Event[] = [];
  private order = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): Event | undefined {
    return this.items[0];
  }

  push(t: number, kind: number, index: number, token = 0): void {
    const items = this.items;
    const e = { t, order: this.order++, kind, index, token };
    let i = items.push(e) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = e;
  }

  pop(): Event | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= items.length) break;
      const r = l + 1;
      const c = r < items.length && before(items[r], items[l]) ? r : l;
      if (!before(items[c], last)) break;
      items[i] = items[c];
      i = c;
    }
    items[i] = last;
    return top;
  }
}

const before = (a: Event, b: Event): boolean => a.t < b.t || (a.t === b.t && a.order < b.order);

interface ReaderSlot {
  reader: Reader;
  rng: Random;
  sleeping: boolean;
  token: number;
  /** Buffers it reads, for routing wakeups. */
  bufs: Set<RchanBuf>;
}

export class Simulation {
  readonly chan: Rchan;
  readonly stats: SimStats;
  readonly producers: Producer[];
  readonly readers: ReaderSlot[] = [];
  /** Virtual time, seconds. */
  now = 0;
  eventsRun = 0;
  /** Sub-buffers produced over all buffers since the start. */
  switches = 0;
  private readonly queue = new EventQueue();
  private readonly readerOptions: ReaderOptions;
  private readonly allocate: (byteLength: number) => ChannelMemory;

  constructor(
    readonly config: SimConfig,
    readonly options: SimOptions,
  ) {
    const { channel: ch, workload, reader } = config;
    this.allocate = options.allocate ?? ((n) => new ArrayBuffer(n));
    const tracer: RelayTracer = (e) => {
      if (e.kind === 'produce') this.switches += 1;
      options.tracer?.(e);
    };
    const opened = relayOpen({
      baseFilename: 'relay',
      subbufSize: ch.subbufSize,
      nSubbufs: ch.nSubbufs,
      cb: relayClient(ch),
      nrCpus: ch.cpus,
      online: Array.from({ length: ch.cpus }, (_, i) => i),
      allocate: this.allocate,
      tracer,
    });
    if (!opened.ok) throw new Error(`relay_open refused the channel: ${opened.reason}`);
    this.chan = opened.chan;
    this.stats = SimStats.create(ch.cpus, this.allocate);
    const rng = new Random(options.seed);
    this.producers = Array.from({ length: ch.cpus }, (_, cpu) => new Producer(this.chan, cpu, workload, rng.fork(cpu), this.stats, false));
    this.readerOptions = {
      mode: reader.mode,
      chunk: reader.chunk,
      headerReserve: ch.headerReserve,
      relayMode: ch.mode,
      verify: options.verify ?? 'full',
      passBytes: Math.max(reader.chunk, 4 * ch.subbufSize),
    };
    if (reader.enabled) {
      const groups = ch.global || reader.layout === 'single' ? [this.chan.bufs()] : this.chan.bufs().map((b) => [b]);
      groups.forEach((bufs, k) => this.addReader(bufs, rng.fork(1000 + k)));
    }
    this.producers.forEach((p, i) => this.queue.push(p.nextArrival(0), ARRIVAL, i));
  }

  /** Runs the next event. False when there is none. */
  step(): boolean {
    const e = this.queue.pop();
    if (e === undefined) return false;
    this.now = e.t;
    this.eventsRun += 1;
    if (e.kind === ARRIVAL) this.arrival(e.index);
    else this.readerRuns(e.index, e.token);
    return true;
  }

  /** Runs every event up to virtual time `t` (seconds) and leaves the clock there. */
  runUntil(t: number): void {
    for (let next = this.queue.peek(); next !== undefined && next.t <= t; next = this.queue.peek()) this.step();
    this.now = Math.max(this.now, t);
  }

  /** Runs until the next sub-buffer is produced on any buffer; false if `maxEvents` ran first. */
  stepToSwitch(maxEvents = 10_000_000): boolean {
    const target = this.switches + 1;
    for (let i = 0; i < maxEvents && this.switches < target; i++) if (!this.step()) return false;
    return this.switches >= target;
  }

  flush(): void {
    relayFlush(this.chan);
  }

  close(): void {
    relayClose(this.chan);
  }

  cpuOnline(cpu: number): void {
    const had = this.chan.nBufs;
    relayCpuOnline(this.chan, cpu);
    if (this.chan.nBufs > had && this.config.reader.enabled) {
      const buf = this.chan.bufAt(had);
      const single = this.readers.length > 0 && (this.config.channel.global || this.config.reader.layout === 'single');
      if (!single) this.addReader([buf], new Random(this.options.seed ^ (0x5bd1e995 + cpu)));
    }
  }

  cpuOffline(cpu: number): void {
    relayCpuOffline(this.chan, cpu);
  }

  /**
   * relay_reset: what is still in the buffers is discarded (counted first), and readers start
   * afresh after the last record that landed.
   */
  reset(): void {
    const inventory = this.inventory();
    for (const inv of inventory) {
      this.stats.add(inv.cpu, C_DISCARDED, inv.inBuffer);
      this.stats.add(inv.cpu, R_OVERWRITTEN, inv.overwritten);
      this.stats.add(inv.cpu, R_MISSING, inv.missing);
      this.stats.set(inv.cpu, R_NEXT_SEQ, this.stats.get(inv.cpu, P_LANDED) % 2 ** 32);
    }
    relayReset(this.chan);
    for (const slot of this.readers) slot.reader.restart();
  }

  /** Every CPU's accounting identity, with what is still in the buffers counted by draining a copy. */
  accounting(): CpuAccounting[] {
    const inventory = this.inventory();
    return inventory.map((inv) => {
      const s = this.stats;
      const cpu = inv.cpu;
      const a = {
        cpu,
        written: s.get(cpu, P_WRITTEN),
        readIntact: s.get(cpu, R_INTACT),
        droppedFull: s.get(cpu, P_DROPPED_FULL),
        droppedToobig: s.get(cpu, P_DROPPED_TOOBIG),
        overwritten: s.get(cpu, R_OVERWRITTEN) + inv.overwritten,
        skipped: s.get(cpu, R_SKIPPED),
        discarded: s.get(cpu, C_DISCARDED),
        inBuffer: inv.inBuffer,
        torn: s.get(cpu, R_TORN) + inv.torn,
        missing: s.get(cpu, R_MISSING) + inv.missing,
        duplicates: s.get(cpu, R_DUPLICATE),
      };
      const sum = a.readIntact + a.droppedFull + a.droppedToobig + a.overwritten + a.skipped + a.discarded + a.inBuffer;
      // Unexplained gaps (missing) are no fate, so they show here too.
      return { ...a, unaccounted: a.written - sum };
    });
  }

  /**
   * What readers would still get: a copy of the channel's memory drained by read(2) from each
   * reader's position. Counts per CPU the intact records found, and the gaps before them.
   */
  inventory(): { cpu: number; inBuffer: number; overwritten: number; missing: number; torn: number }[] {
    const cpus = this.config.channel.cpus;
    const copy = new ArrayBuffer(this.chan.memory.byteLength);
    new Uint8Array(copy).set(new Uint8Array(this.chan.memory));
    const chan = Rchan.attachExisting(copy, this.chan.cb, this.chan.baseFilename);
    const scratch = SimStats.create(cpus, (n) => new ArrayBuffer(n));
    for (let cpu = 0; cpu < cpus; cpu++) scratch.set(cpu, R_NEXT_SEQ, this.stats.get(cpu, R_NEXT_SEQ));
    const options: ReaderOptions = { ...this.readerOptions, mode: 'read', verify: 'full' };
    const drains =
      this.readers.length > 0
        ? this.readers.map((slot) => slot.reader.cloneOnto(chan, scratch, options))
        : [new Reader(chan, chan.bufs(), scratch, options)];
    const quiet = this.config.channel.nSubbufs + 2;
    for (const drain of drains) for (let idle = 0; idle < quiet; ) idle = drain.service(this.now * 1e6) > 0 ? 0 : idle + 1;
    return Array.from({ length: cpus }, (_, cpu) => {
      // Records that landed after the newest one found are gone: no later record shows the gap.
      const tail = (this.stats.get(cpu, P_LANDED) - scratch.get(cpu, R_NEXT_SEQ)) % 2 ** 32;
      const lapped = this.config.channel.mode === 'overwrite';
      return {
        cpu,
        inBuffer: scratch.get(cpu, R_INTACT),
        overwritten: scratch.get(cpu, R_OVERWRITTEN) + (lapped ? tail : 0),
        missing: scratch.get(cpu, R_MISSING) + (lapped ? 0 : tail),
        torn: scratch.get(cpu, R_TORN),
      };
    });
  }

  private addReader(bufs: RchanBuf[], rng: Random): void {
    const reader = new Reader(this.chan, bufs, this.stats, this.readerOptions);
    const slot: ReaderSlot = { reader, rng, sleeping: false, token: 0, bufs: new Set(bufs) };
    this.readers.push(slot);
    this.queue.push(this.now, READER, this.readers.length - 1, 0);
  }

  private arrival(i: number): void {
    const p = this.producers[i];
    const out = p.emit(p.nextSize(), this.now * 1e6);
    if (out & EMIT_WOKE) {
      const buf = this.chan.buf(p.cpu);
      this.readers.forEach((slot, k) => {
        if (!slot.sleeping || buf === null || !slot.bufs.has(buf)) return;
        slot.sleeping = false;
        slot.token += 1;
        slot.reader.wake();
        this.stats.add(p.cpu, R_WOKEN);
        this.queue.push(this.now + this.config.reader.wakeLatency * 1e-6, READER, k, slot.token);
      });
    }
    this.queue.push(p.nextArrival(this.now), ARRIVAL, i);
  }

  private readerRuns(k: number, token: number): void {
    const slot = this.readers[k];
    if (token !== slot.token) return; // a timeout the reader no longer waits for
    const r = this.config.reader;
    if (slot.sleeping) {
      slot.sleeping = false;
      slot.reader.wake();
      const first = slot.reader.streams[0];
      if (first !== undefined) this.stats.add(first.buf.cpu, R_TIMEOUTS);
    }
    if (r.pauseEvery > 0) {
      const phase = this.now % r.pauseEvery;
      if (phase >= r.pauseEvery - r.pauseFor) {
        this.queue.push(this.now - phase + r.pauseEvery, READER, k, slot.token);
        return;
      }
    }
    const bytes = slot.reader.service(this.now * 1e6);
    if (bytes > 0) {
      this.queue.push(this.now + Math.max((bytes / 1024) * r.costPerKiB * 1e-6, 1e-6), READER, k, slot.token);
      return;
    }
    if (slot.reader.sleep()) {
      slot.sleeping = true;
      slot.token += 1;
      const spread = 1 + r.jitter * (2 * slot.rng.float() - 1);
      this.queue.push(this.now + r.period * spread, READER, k, slot.token);
    } else this.queue.push(this.now + 1e-6, READER, k, slot.token);
  }
}
