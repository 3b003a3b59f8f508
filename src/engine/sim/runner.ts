/**
 * Runs a scenario through the kernel model one operation at a time and records each step:
 * the operation's result, the kernel events it caused, every buffer's state, and the records
 * a read returned. Operations are atomic, and deferred wakeups queued during an operation run
 * at its end (§12 of the semantics document).
 */
import {
  B_BIG_COUNT,
  B_BYTES_CONSUMED,
  B_DATA,
  B_FINALIZED,
  B_FULL_COUNT,
  B_I_SIZE,
  B_OFFSET,
  B_PADDING,
  B_SUBBUFS_CONSUMED,
  B_SUBBUFS_PRODUCED,
  NR_CPUS,
  W_SLEEPERS,
  POLLERR,
  POLLIN,
  RELAY_STATS_BUF_FULL,
  RELAY_STATS_WRT_BIG,
  relayClose,
  relayCpuOffline,
  relayCpuOnline,
  relayFileOpen,
  relayFilePoll,
  relayFileRead,
  relayFlush,
  relayMmapView,
  relayOpen,
  relayReserve,
  relayReset,
  relayStats,
  relaySubbufsConsumed,
  relayWakeupWork,
  relayWrite,
  type MmapSubbuf,
  type Rchan,
  type RchanBuf,
  type RelayEvent,
  type RelayFile,
} from '../kernel/index.ts';
import { clientOptionsError, isRelayMode, relayClient } from './client.ts';
import { RecordLedger, type ReadPiece } from './ledger.ts';
import { fillRecord, fnv1a, makeRecord } from './payload.ts';
import type { Scenario, ScenarioConfig, ScenarioOp } from './scenario.ts';

/** One buffer's state after a step, in the kernel's terms. */
export interface BufferState {
  /** `B<cpu>`; the global buffer is always B0. */
  label: string;
  cpu: number;
  offset: number;
  /** Index of the sub-buffer `data` points at. */
  data: number;
  subbufsProduced: number;
  subbufsConsumed: number;
  bytesConsumed: number;
  padding: number[];
  finalized: boolean;
  fullCount: number;
  bigCount: number;
  /** The relay file's i_size. */
  iSize: number;
  /** Pollers asleep on read_wait. */
  sleepers: number;
  /** Pollers woken by a wakeup queued during this step. */
  woken: number;
  /** FNV-1a of the buffer's first subbuf_size * n_subbufs bytes. */
  memoryHash: number;
}

export type StepResult =
  | { kind: 'open'; ok: true }
  | { kind: 'open'; ok: false; reason: string }
  | { kind: 'err'; reason: string }
  | { kind: 'write'; seq: number; len: number; pos: number; dropped: DropCause | null }
  | { kind: 'reserve'; seq: number; ptr: number | null; dropped: DropCause | null }
  | { kind: 'read'; ret: number; chunks: [number, number][]; ppos: number; hash: number; pieces: ReadPiece[] }
  | { kind: 'poll'; mask: 'IN' | 'ERR' | 0 }
  | { kind: 'consume'; applied: boolean }
  | { kind: 'mmap_view'; subbufs: MmapSubbuf[] }
  | { kind: 'stats'; full: number; big: number }
  | { kind: 'done' };

export type DropCause = 'full' | 'toobig';

/** A kernel event with its buffer named by label, ready for JSON. */
export type TraceEvent = { [K in RelayEvent['kind']]: Omit<Extract<RelayEvent, { kind: K }>, 'buf'> & { buffer: string } }[RelayEvent['kind']];

export interface TraceStep {
  step: number;
  op: ScenarioOp | { op: 'open' };
  result: StepResult;
  events: TraceEvent[];
  buffers: BufferState[];
  /** The pre-6.17 channel field last_toobig. */
  lastToobig: number;
  /** relay_stats(BUF_FULL) and relay_stats(WRT_BIG). */
  stats: { full: number; big: number };
}

const bufLabel = (buf: RchanBuf): string => `B${buf.cpu}`;

/** Why relay_open (or the client) refuses this configuration, or null. */
export function configError(c: ScenarioConfig): string | null {
  if (!(c.cpus >= 1 && c.cpus <= NR_CPUS)) return `cpus must be 1..${NR_CPUS}, got ${c.cpus}`;
  const badCpu = c.online.find((cpu) => !(cpu >= 0 && cpu < c.cpus));
  if (badCpu !== undefined) return `online CPU ${badCpu} is outside 0..${c.cpus - 1}`;
  if (!isRelayMode(c.mode)) return `unknown mode "${c.mode}" (no-overwrite or overwrite)`;
  return clientOptionsError(c);
}

export class ScenarioRunner {
  readonly steps: TraceStep[] = [];
  readonly ledger: RecordLedger;
  /** Null when relay_open refused the configuration. */
  readonly chan: Rchan | null;
  private next = 0;
  private seq = 0;
  private events: RelayEvent[] = [];
  private readonly files = new Map<RchanBuf, RelayFile>();

  constructor(
    readonly scenario: Scenario,
    /** Hash each buffer's memory at every step (the canonical trace needs it). */
    private readonly hashMemory = true,
  ) {
    const c = scenario.config;
    this.ledger = new RecordLedger(c.headerReserve);
    const tracer = (e: RelayEvent): void => {
      this.events.push(e);
      this.ledger.onEvent(e);
    };
    const refused = configError(c);
    const opened =
      refused === null
        ? relayOpen({
            baseFilename: 'relay',
            subbufSize: c.subbufSize,
            nSubbufs: c.nSubbufs,
            cb: relayClient({ mode: c.mode as 'no-overwrite' | 'overwrite', headerReserve: c.headerReserve, global: c.global }),
            nrCpus: c.cpus,
            online: c.online,
            tracer,
          })
        : { ok: false as const, reason: refused };
    this.chan = opened.ok ? opened.chan : null;
    if (!opened.ok) this.next = scenario.ops.length;
    this.record({ op: 'open' }, opened.ok ? { kind: 'open', ok: true } : { kind: 'open', ok: false, reason: opened.reason });
  }

  get done(): boolean {
    return this.next >= this.scenario.ops.length;
  }

  /** Runs the next operation and returns its step. */
  step(): TraceStep {
    const op = this.scenario.ops[this.next];
    if (op === undefined || this.chan === null) throw new Error('the scenario has no more operations');
    this.next += 1;
    return this.record(op, this.apply(this.chan, op));
  }

  runAll(): TraceStep[] {
    while (!this.done) this.step();
    return this.steps;
  }

  /** The buffer's always-open relay file. */
  file(buf: RchanBuf): RelayFile {
    let file = this.files.get(buf);
    if (file === undefined) {
      file = relayFileOpen(buf);
      this.files.set(buf, file);
    }
    return file;
  }

  private apply(chan: Rchan, op: ScenarioOp): StepResult {
    const cpus = this.scenario.config.cpus;
    const err = (reason: string): StepResult => ({ kind: 'err', reason });
    const closed = !chan.onList;
    const cpuOk = (cpu: number): boolean => cpu >= 0 && cpu < cpus;
    switch (op.op) {
      case 'write':
      case 'reserve': {
        if (closed) return err('the channel is closed');
        if (!cpuOk(op.cpu)) return err(`no CPU ${op.cpu}`);
        const buf = chan.buf(op.cpu);
        if (buf === null) return err(`CPU ${op.cpu} has no buffer`);
        if (!chan.cpuOnline(op.cpu)) return err(`CPU ${op.cpu} is offline`);
        if (op.size < 0) return err('negative size');
        return op.op === 'write' ? this.write(buf, op.cpu, op.size) : this.reserve(buf, op.cpu, op.size);
      }
      case 'read': {
        if (!cpuOk(op.cpu)) return err(`no CPU ${op.cpu}`);
        const buf = chan.buf(op.cpu);
        if (buf === null) return err(`CPU ${op.cpu} has no buffer`);
        const count = op.maxBytes ?? 2 * chan.allocSize;
        if (count < 0) return err('negative count');
        return this.read(buf, count);
      }
      case 'poll':
      case 'mmap_view': {
        if (!cpuOk(op.cpu)) return err(`no CPU ${op.cpu}`);
        const buf = chan.buf(op.cpu);
        if (buf === null) return err(`CPU ${op.cpu} has no buffer`);
        if (op.op === 'mmap_view') return { kind: 'mmap_view', subbufs: relayMmapView(buf) };
        const mask = relayFilePoll(this.file(buf));
        return { kind: 'poll', mask: mask & POLLERR ? 'ERR' : mask & POLLIN ? 'IN' : 0 };
      }
      case 'consume':
        if (closed) return err('the channel is closed');
        return { kind: 'consume', applied: relaySubbufsConsumed(chan, op.cpu, op.subbufs) };
      case 'flush':
      case 'reset':
      case 'close':
        if (closed) return err('the channel is closed');
        if (op.op === 'flush') relayFlush(chan);
        else if (op.op === 'reset') relayReset(chan);
        else relayClose(chan);
        return { kind: 'done' };
      case 'cpu_online':
      case 'cpu_offline':
        if (!cpuOk(op.cpu)) return err(`no CPU ${op.cpu}`);
        if (op.op === 'cpu_online') relayCpuOnline(chan, op.cpu);
        else relayCpuOffline(chan, op.cpu);
        return { kind: 'done' };
      case 'stats':
        return { kind: 'stats', full: relayStats(chan, RELAY_STATS_BUF_FULL), big: relayStats(chan, RELAY_STATS_WRT_BIG) };
    }
  }

  private write(buf: RchanBuf, cpu: number, size: number): StepResult {
    const seq = ++this.seq;
    const bigBefore = buf.ctl[B_BIG_COUNT];
    const len = relayWrite(buf, makeRecord(seq, size));
    const dropped = this.dropCause(buf, len > 0 || (size === 0 && !buf.stalled), bigBefore);
    const pos = dropped ? buf.writePos : buf.writePos - len;
    if (dropped) this.ledger.dropped(seq, cpu, size, dropped === 'full' ? 'dropped_full' : 'dropped_toobig');
    else this.ledger.written(buf, seq, cpu, pos, size);
    return { kind: 'write', seq, len, pos, dropped };
  }

  private reserve(buf: RchanBuf, cpu: number, size: number): StepResult {
    const seq = ++this.seq;
    const bigBefore = buf.ctl[B_BIG_COUNT];
    const ptr = relayReserve(buf, size);
    const dropped = this.dropCause(buf, ptr >= 0, bigBefore);
    if (dropped) this.ledger.dropped(seq, cpu, size, dropped === 'full' ? 'dropped_full' : 'dropped_toobig');
    else {
      fillRecord(buf.data, ptr, seq, size);
      this.ledger.written(buf, seq, cpu, ptr, size);
    }
    return { kind: 'reserve', seq, ptr: ptr >= 0 ? ptr : null, dropped };
  }

  private dropCause(buf: RchanBuf, landed: boolean, bigBefore: number): DropCause | null {
    if (landed) return null;
    return buf.ctl[B_BIG_COUNT] > bigBefore ? 'toobig' : 'full';
  }

  private read(buf: RchanBuf, count: number): StepResult {
    const file = this.file(buf);
    const dst = new Uint8Array(Math.min(count, buf.subbufSize * buf.nSubbufs));
    const flat: number[] = [];
    const ret = relayFileRead(file, count, dst, flat);
    const chunks: [number, number][] = [];
    for (let i = 0; i < flat.length; i += 2) chunks.push([flat[i], flat[i + 1]]);
    const pieces = this.ledger.delivered(buf, dst, flat);
    return { kind: 'read', ret, chunks, ppos: file.fPos, hash: fnv1a(dst, 0, ret), pieces };
  }

  private record(op: TraceStep['op'], result: StepResult): TraceStep {
    const chan = this.chan;
    const woken = new Map<RchanBuf, number>();
    if (chan !== null) for (const buf of chan.bufs()) woken.set(buf, relayWakeupWork(buf));
    const events = this.events.map(
      ({ buf, ...rest }) => ({ ...rest, buffer: bufLabel(buf) }) as TraceEvent,
    );
    this.events = [];
    const step: TraceStep = {
      step: this.steps.length,
      op,
      result,
      events,
      buffers: chan === null ? [] : chan.bufs().map((buf) => this.bufferState(buf, woken.get(buf) ?? 0)),
      lastToobig: chan?.lastToobig ?? 0,
      stats:
        chan === null
          ? { full: 0, big: 0 }
          : { full: relayStats(chan, RELAY_STATS_BUF_FULL), big: relayStats(chan, RELAY_STATS_WRT_BIG) },
    };
    this.steps.push(step);
    return step;
  }

  private bufferState(buf: RchanBuf, woken: number): BufferState {
    const c = buf.ctl;
    return {
      label: bufLabel(buf),
      cpu: buf.cpu,
      offset: c[B_OFFSET],
      data: c[B_DATA],
      subbufsProduced: c[B_SUBBUFS_PRODUCED],
      subbufsConsumed: c[B_SUBBUFS_CONSUMED],
      bytesConsumed: c[B_BYTES_CONSUMED],
      padding: Array.from(c.subarray(B_PADDING, B_PADDING + buf.nSubbufs)),
      finalized: c[B_FINALIZED] === 1,
      fullCount: c[B_FULL_COUNT],
      bigCount: c[B_BIG_COUNT],
      iSize: c[B_I_SIZE],
      sleepers: Atomics.load(buf.words, W_SLEEPERS),
      woken,
      memoryHash: this.hashMemory ? fnv1a(buf.data, 0, buf.subbufSize * buf.nSubbufs) : 0,
    };
  }
}

/** Runs a whole scenario: step 0 is the state right after relay_open. */
export function runScenario(scenario: Scenario): TraceStep[] {
  return new ScenarioRunner(scenario).runAll();
}
