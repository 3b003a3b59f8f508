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
  relayFilePoll,
  relayFileRead,
  relayFileSendfile,
  relayFlush,
  relayOpen,
  relayReserve,
  relayReset,
  relayStats,
  relaySubbufsConsumed,
  wakeupReaders,
  relayWrite,
  type MmapSubbuf,
  type Rchan,
  type RchanBuf,
  type RelayEvent,
  type RelayFile,
} from '../kernel/index.ts';
import { relayMappingRead, relayMmapView } from './mapping.ts';
import { FileTable, type FileErrno, type OpenFile } from './files.ts';
import { clientOptionsError, isRelayMode, relayClient } from './client.ts';
import { RecordLedger, type ReadPiece } from './ledger.ts';
import { fillRecord, fnv1a, makeRecord } from './payload.ts';
import { isFileOp, type Scenario, type ScenarioConfig, type ScenarioOp } from './scenario.ts';

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
  /** The relay file's path. */
  file: string;
  /** The buffer's kref: one for the channel until relay_close, one per open file. */
  kref: number;
  /** The buffer's memory is freed. */
  freed: boolean;
}

/** An open fd or a mapping, and the buffer it reaches. */
export interface FdState {
  fd: number;
  buffer: string;
  /** `f_pos`. */
  fPos: number;
}

export interface MappingState {
  map: number;
  /** The fd it was made from (which may be closed since). */
  fd: number;
  buffer: string;
  /** Pages faulted in, in page order, and the faults counted so far. */
  pages: number[];
  faults: number;
}

/** References and frees after a step. */
export interface LifetimeState {
  /** `chan->kref`: the client's until relay_close, plus one per buffer not yet freed. */
  chanKref: number;
  chanFreed: boolean;
  fds: FdState[];
  mappings: MappingState[];
  /** What this step freed: buffer labels, then `chan`. */
  freedNow: string[];
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
  | { kind: 'close'; warning: { lastToobig: number; subbufSize: number } | null }
  | { kind: 'file_err'; handle: FileHandle; errno: FileErrno | 'SIGSEGV' }
  | { kind: 'file_open'; fd: number; cpu: number; file: string }
  | { kind: 'file_close'; fd: number }
  | { kind: 'file_read'; fd: number; ret: number; chunks: [number, number][]; ppos: number; hash: number; pieces: ReadPiece[] }
  | { kind: 'file_poll'; fd: number; mask: 'IN' | 'ERR' | 0 }
  | { kind: 'file_mmap'; fd: number; map: number; length: number; pages: number }
  | { kind: 'file_mmap_read'; map: number; offset: number; length: number; faults: number[]; hash: number }
  | { kind: 'file_munmap'; map: number }
  | { kind: 'done' };

/** What a file op names: an fd, or a mapping. */
export type FileHandle = { fd: number } | { map: number } | { cpu: number };

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
  /** relay_stats(BUF_FULL) and relay_stats(WRT_BIG); null before v6.17, which has no statistics. */
  stats: { full: number; big: number } | null;
  lifetime: LifetimeState;
}

/** What relay_write is given for a record it drops unread. */
const NO_BYTES = new Uint8Array(0);

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
  /** The scenario uses file ops: its canonical lines carry the lifetime parts. */
  readonly usesFiles: boolean;
  /** fds and mappings; null when relay_open refused. */
  readonly files: FileTable | null;
  private next = 0;
  private seq = 0;
  private events: RelayEvent[] = [];
  private toobigSeen = false;
  /** Each buffer's always-open file, opened when the buffer is created. */
  private readonly implicit = new Map<RchanBuf, OpenFile>();

  constructor(
    readonly scenario: Scenario,
    /** Hash each buffer's memory at every step (the canonical trace needs it). */
    private readonly hashMemory = true,
  ) {
    const c = scenario.config;
    this.ledger = new RecordLedger(c.headerReserve);
    this.usesFiles = scenario.ops.some(isFileOp);
    const tracer = (e: RelayEvent): void => {
      this.events.push(e);
      if (e.kind === 'toobig') this.toobigSeen = true;
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
            kernel: c.kernel,
          })
        : { ok: false as const, reason: refused };
    this.chan = opened.ok ? opened.chan : null;
    this.files = opened.ok ? new FileTable(opened.chan) : null;
    this.openImplicitFiles();
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

  /**
   * The buffer's always-open relay file, which `read` and `poll` use: opened (with an fd, as a
   * daemon would) when the buffer is created. Null once a file_close closed that fd.
   */
  file(buf: RchanBuf): RelayFile | null {
    const open = this.implicit.get(buf);
    return open !== undefined && open.fdOpen ? open.file : null;
  }

  private openImplicitFiles(): void {
    if (this.chan === null || this.files === null) return;
    for (const buf of this.chan.bufs()) if (!this.implicit.has(buf)) this.implicit.set(buf, this.files.openBuf(buf));
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
        // size_t holds more, but a JavaScript number is exact only to 2^53 - 1: a larger size
        // would not be the one the file asked for.
        if (op.size > Number.MAX_SAFE_INTEGER) return err(`size ${op.size} is beyond 2^53 - 1, the largest exact size`);
        return op.op === 'write' ? this.write(buf, op.cpu, op.size) : this.reserve(buf, op.cpu, op.size);
      }
      case 'read': {
        if (!cpuOk(op.cpu)) return err(`no CPU ${op.cpu}`);
        const buf = chan.buf(op.cpu);
        if (buf === null) return err(`CPU ${op.cpu} has no buffer`);
        const count = op.maxBytes ?? 2 * chan.allocSize;
        if (count < 0) return err('negative count');
        const file = this.file(buf);
        if (file === null) return err(`the file of CPU ${op.cpu} is closed`);
        const r = this.read(file, count);
        return { kind: 'read', ret: r.ret, chunks: r.chunks, ppos: r.ppos, hash: r.hash, pieces: r.pieces };
      }
      case 'poll':
      case 'mmap_view': {
        if (!cpuOk(op.cpu)) return err(`no CPU ${op.cpu}`);
        const buf = chan.buf(op.cpu);
        if (buf === null) return err(`CPU ${op.cpu} has no buffer`);
        if (op.op === 'mmap_view') return { kind: 'mmap_view', subbufs: relayMmapView(buf) };
        const file = this.file(buf);
        if (file === null) return err(`the file of CPU ${op.cpu} is closed`);
        return { kind: 'poll', mask: pollMask(file) };
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
        else return this.close(chan);
        return { kind: 'done' };
      case 'cpu_online':
      case 'cpu_offline':
        if (!cpuOk(op.cpu)) return err(`no CPU ${op.cpu}`);
        if (op.op === 'cpu_online') {
          relayCpuOnline(chan, op.cpu);
          this.openImplicitFiles();
        } else relayCpuOffline(chan, op.cpu);
        return { kind: 'done' };
      case 'stats': {
        const stats = channelStats(chan);
        return stats === null ? err('relay_stats does not exist before v6.17') : { kind: 'stats', ...stats };
      }
      default:
        return this.fileOp(op);
    }
  }

  private close(chan: Rchan): StepResult {
    relayClose(chan);
    const warning = this.events.find((e) => e.kind === 'toobig_warning');
    return { kind: 'close', warning: warning ? { lastToobig: warning.lastToobig, subbufSize: warning.subbufSize } : null };
  }

  /** The file operations: every error changes nothing and names its errno. */
  private fileOp(op: ScenarioOp): StepResult {
    const files = this.files;
    if (files === null) throw new Error('file operation without a channel');
    const fail = (handle: FileHandle, errno: FileErrno | 'SIGSEGV'): StepResult => ({ kind: 'file_err', handle, errno });
    switch (op.op) {
      case 'file_open': {
        const open = files.open(op.cpu);
        if (typeof open === 'string') return fail({ cpu: op.cpu }, open);
        return { kind: 'file_open', fd: open.fd, cpu: op.cpu, file: open.file.buf.fileName };
      }
      case 'file_close': {
        const closed = files.close(op.fd);
        return typeof closed === 'string' ? fail({ fd: op.fd }, closed) : { kind: 'file_close', fd: op.fd };
      }
      case 'file_read':
      case 'file_sendfile': {
        const open = files.get(op.fd);
        if (typeof open === 'string') return fail({ fd: op.fd }, open);
        if (op.count < 0) return fail({ fd: op.fd }, 'EINVAL');
        const r = op.op === 'file_read' ? this.read(open.file, op.count) : this.sendfile(open.file, op.count);
        if (typeof r === 'string') return fail({ fd: op.fd }, r);
        return { kind: 'file_read', fd: op.fd, ...r };
      }
      case 'file_poll': {
        const open = files.get(op.fd);
        return typeof open === 'string' ? fail({ fd: op.fd }, open) : { kind: 'file_poll', fd: op.fd, mask: pollMask(open.file) };
      }
      case 'file_lseek':
        return fail({ fd: op.fd }, files.lseek(op.fd));
      case 'file_mmap': {
        const mapping = files.mmap(op.fd, op.length);
        if (typeof mapping === 'string') return fail({ fd: op.fd }, mapping);
        return { kind: 'file_mmap', fd: op.fd, map: mapping.id, length: op.length, pages: mapping.map.faulted.length };
      }
      case 'file_mmap_read': {
        const mapping = files.mapping(op.map);
        if (typeof mapping === 'string') return fail({ map: op.map }, mapping);
        const before = mapping.map.faulted.slice();
        const bytes = relayMappingRead(mapping.map, op.offset, op.length);
        if (bytes === null) return fail({ map: op.map }, 'SIGSEGV');
        const faults: number[] = [];
        mapping.map.faulted.forEach((on, page) => {
          if (on === 1 && before[page] === 0) faults.push(page);
        });
        return { kind: 'file_mmap_read', map: op.map, offset: op.offset, length: op.length, faults, hash: fnv1a(bytes, 0, bytes.length) };
      }
      case 'file_munmap': {
        const mapping = files.munmap(op.map);
        return typeof mapping === 'string' ? fail({ map: op.map }, mapping) : { kind: 'file_munmap', map: op.map };
      }
      default:
        throw new Error(`not a file operation: ${op.op}`);
    }
  }

  private write(buf: RchanBuf, cpu: number, size: number): StepResult {
    const seq = ++this.seq;
    this.toobigSeen = false;
    // A record longer than a sub-buffer is dropped as too big before relay_write reads a byte
    // of it: the run does not build it (a 4 GiB write into a 64-byte channel costs nothing).
    const len = size > buf.subbufSize ? relayWrite(buf, NO_BYTES, size) : relayWrite(buf, makeRecord(seq, size));
    const dropped = this.dropCause(len > 0 || (size === 0 && !buf.stalled));
    const pos = dropped ? buf.writePos : buf.writePos - len;
    if (dropped) this.ledger.dropped(seq, cpu, size, dropped === 'full' ? 'dropped_full' : 'dropped_toobig');
    else this.ledger.written(buf, seq, cpu, pos, size);
    return { kind: 'write', seq, len, pos, dropped };
  }

  private reserve(buf: RchanBuf, cpu: number, size: number): StepResult {
    const seq = ++this.seq;
    this.toobigSeen = false;
    const ptr = relayReserve(buf, size);
    const dropped = this.dropCause(ptr >= 0);
    if (dropped) this.ledger.dropped(seq, cpu, size, dropped === 'full' ? 'dropped_full' : 'dropped_toobig');
    else {
      fillRecord(buf.data, ptr, seq, size);
      this.ledger.written(buf, seq, cpu, ptr, size);
    }
    return { kind: 'reserve', seq, ptr: ptr >= 0 ? ptr : null, dropped };
  }

  /** A record that did not land was too big if the kernel said so (every version emits it), else the buffer was full. */
  private dropCause(landed: boolean): DropCause | null {
    if (landed) return null;
    return this.toobigSeen ? 'toobig' : 'full';
  }

  private read(file: RelayFile, count: number): ReadOutcome {
    return this.delivered(file, count, (dst, flat) => relayFileRead(file, count, dst, flat));
  }

  private sendfile(file: RelayFile, count: number): ReadOutcome | FileErrno {
    let errno: FileErrno | null = null;
    const out = this.delivered(file, count, (dst, flat) => {
      const r = relayFileSendfile(file, count, dst, flat);
      if (typeof r === 'number') return r;
      errno = r;
      return 0;
    });
    return errno ?? out;
  }

  /** Runs a read-like call and describes what it returned, record by record. */
  private delivered(file: RelayFile, count: number, call: (dst: Uint8Array, flat: number[]) => number): ReadOutcome {
    const buf = file.buf;
    const dst = new Uint8Array(Math.min(count, buf.subbufSize * buf.nSubbufs));
    const flat: number[] = [];
    const ret = call(dst, flat);
    const chunks: [number, number][] = [];
    for (let i = 0; i < flat.length; i += 2) chunks.push([flat[i], flat[i + 1]]);
    const pieces = this.ledger.delivered(buf, dst, flat);
    return { ret, chunks, ppos: file.fPos, hash: fnv1a(dst, 0, ret), pieces };
  }

  private record(op: TraceStep['op'], result: StepResult): TraceStep {
    const chan = this.chan;
    const woken = new Map<RchanBuf, number>();
    if (chan !== null) for (const buf of chan.bufs()) woken.set(buf, buf.freed ? 0 : wakeupReaders(buf));
    const freedNow: string[] = [];
    for (const e of this.events) {
      if (e.kind === 'buf_free') freedNow.push(bufLabel(e.buf));
      else if (e.kind === 'chan_free') freedNow.push('chan');
    }
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
      stats: chan === null ? { full: 0, big: 0 } : channelStats(chan),
      lifetime: this.lifetime(freedNow),
    };
    this.steps.push(step);
    return step;
  }

  private bufferState(buf: RchanBuf, woken: number): BufferState {
    const c = buf.ctl;
    return {
      label: bufLabel(buf),
      cpu: buf.cpu,
      offset: c.load(B_OFFSET),
      data: c.load(B_DATA),
      subbufsProduced: buf.field(B_SUBBUFS_PRODUCED),
      subbufsConsumed: buf.field(B_SUBBUFS_CONSUMED),
      bytesConsumed: c.load(B_BYTES_CONSUMED),
      padding: Array.from({ length: buf.nSubbufs }, (_, i) => buf.padding(i)),
      finalized: c.load(B_FINALIZED) === 1,
      fullCount: buf.field(B_FULL_COUNT),
      bigCount: buf.field(B_BIG_COUNT),
      iSize: buf.field(B_I_SIZE),
      sleepers: buf.words.load(W_SLEEPERS),
      woken,
      memoryHash: this.hashMemory ? fnv1a(buf.data, 0, buf.subbufSize * buf.nSubbufs) : 0,
      file: buf.filePath,
      kref: buf.kref,
      freed: buf.freed,
    };
  }

  private lifetime(freedNow: string[]): LifetimeState {
    const chan = this.chan;
    const files = this.files;
    if (chan === null || files === null) return { chanKref: 0, chanFreed: false, fds: [], mappings: [], freedNow };
    return {
      chanKref: chan.kref,
      chanFreed: chan.freed,
      fds: files.openFds().map((o) => ({ fd: o.fd, buffer: bufLabel(o.file.buf), fPos: o.file.fPos })),
      mappings: files.mappings().map(({ id, open, map }) => {
        const pages: number[] = [];
        map.faulted.forEach((on, page) => {
          if (on === 1) pages.push(page);
        });
        return { map: id, fd: open.fd, buffer: bufLabel(open.file.buf), pages, faults: map.faults };
      }),
      freedNow,
    };
  }
}

interface ReadOutcome {
  ret: number;
  chunks: [number, number][];
  ppos: number;
  hash: number;
  pieces: ReadPiece[];
}

function pollMask(file: RelayFile): 'IN' | 'ERR' | 0 {
  const mask = relayFilePoll(file);
  return mask & POLLERR ? 'ERR' : mask & POLLIN ? 'IN' : 0;
}

/** relay_stats(BUF_FULL) and relay_stats(WRT_BIG), or null where the kernel has no relay_stats. */
function channelStats(chan: Rchan): { full: number; big: number } | null {
  const full = relayStats(chan, RELAY_STATS_BUF_FULL);
  const big = relayStats(chan, RELAY_STATS_WRT_BIG);
  return full === null || big === null ? null : { full, big };
}

/** Runs a whole scenario: step 0 is the state right after relay_open. */
export function runScenario(scenario: Scenario): TraceStep[] {
  return new ScenarioRunner(scenario).runAll();
}
