/**
 * blktrace records from simulated block I/O: each CPU's producer writes what `__blk_add_trace`
 * would for I/Os submitted on that CPU (queue, get request, issue, then complete on the same
 * CPU, as blk-mq completes where it submitted), after the notes blktrace writes at the start
 * (TIMESTAMP on CPU 0, then a PROCESS note per task that runs on the CPU).
 *
 * `workload.rate` is I/Os per second over all CPUs, arriving as `workload.arrival` says; the
 * sector, size and direction of each I/O come from the task's own stream. The sequence number
 * is taken after relay_reserve succeeded (`after-reserve`, up to v6.17) or before relaying
 * (`before-reserve`); notes take none.
 */
import { Random } from './random.ts';
import { drawArrival, type RecordSource } from './producer.ts';
import { DEFAULT_SIM_CONFIG, cpuShare, type WorkloadSettings } from './simConfig.ts';
import {
  BLK_TN_MESSAGE,
  BlktraceSink,
  blktraceFileName,
  decodeBlkIoTrace,
  type BlktraceSequence,
  BLK_IO_TRACE_SIZE,
  BLK_TA_COMPLETE,
  BLK_TA_GETRQ,
  BLK_TA_ISSUE,
  BLK_TA_QUEUE,
  BLK_TC_ACT,
  BLK_TC_FS,
  BLK_TC_READ,
  BLK_TC_SYNC,
  BLK_TC_WRITE,
  BLK_TN_PROCESS,
  BLK_TN_TIMESTAMP,
  TASK_COMM_LEN,
  deviceNumber,
  encodeBlkIoTrace,
  isNotify,
  type BlkIoTrace,
} from './blktrace.ts';

/** Monotonic clock (ns) at the run's virtual time 0: blkparse refuses time 0. */
export const BLKTRACE_CLOCK_BASE_NS = 10_000_000_000;
/** Wall clock blktrace's TIMESTAMP note gives (s): deterministic, like everything else. */
const WALL_CLOCK_S = 1_764_547_200;

const TASKS = ['fio', 'kworker/u8:2', 'jbd2/sda1-8'] as const;

/** One pending event of an I/O in flight. */
interface Pending {
  t: number;
  action: number;
  sector: number;
  bytes: number;
  pid: number;
}

const NO_PDU = new Uint8Array(0);

export class BlktraceGenerator implements RecordSource {
  private readonly rate: number;
  private readonly device: number;
  /** The CPU's events in time order, earliest last (popped from the end). */
  private readonly pending: Pending[] = [];
  private nextIo: number;
  private sequence = 0;
  private lastTimeNs = 0;
  /** Each task's next sector: tasks read and write mostly sequentially. */
  private readonly cursors: number[];
  private readonly pids: number[];
  /** The record for the next write: encoded once drawn, its sequence patched in `writeAt`. */
  private readonly record = new Uint8Array(BLK_IO_TRACE_SIZE + 64);
  private readonly view = new DataView(this.record.buffer);
  private recordLength = 0;
  private recordNotify = false;
  private recordSeq = 0;

  constructor(
    private readonly w: WorkloadSettings,
    private readonly cpu: number,
    cpus: number,
    private readonly rng: Random,
  ) {
    this.rate = w.rate * cpuShare(w, cpu, cpus);
    this.device = deviceNumber(w.device);
    // The fields every record of this CPU shares (magic, device, cpu, error), for stamping in place.
    encodeBlkIoTrace(this.record, 0, { sequence: 0, time: 0, sector: 0, bytes: 0, action: 0, pid: 0, device: this.device, cpu, error: 0, pdu: NO_PDU });
    this.pids = TASKS.map((_, k) => 1000 + 16 * cpu + k);
    this.cursors = this.pids.map(() => rng.int(0, 2 ** 27) * 8);
    this.nextIo = drawArrival(w, this.rate, rng, 0);
    // The notes at the start: at virtual time 0, before any I/O.
    const notes: Pending[] = [];
    if (cpu === 0) notes.push({ t: 0, action: BLK_TN_TIMESTAMP, sector: 0, bytes: 0, pid: 0 });
    this.pids.forEach((pid) => notes.push({ t: 0, action: BLK_TN_PROCESS, sector: 0, bytes: 0, pid }));
    this.pending.push(...notes.reverse());
  }

  nextArrival(now: number): number {
    this.admit();
    const next = this.pending[this.pending.length - 1];
    return next === undefined ? Infinity : Math.max(now, next.t);
  }

  nextSize(): number {
    this.admit();
    const e = this.pending.pop();
    if (e === undefined) throw new Error('BlktraceGenerator.nextSize: no record is due (nextArrival said Infinity)');
    const timeNs = Math.max(this.lastTimeNs + 1, BLKTRACE_CLOCK_BASE_NS + Math.round(e.t * 1e9));
    this.lastTimeNs = timeNs;
    this.recordNotify = isNotify(e.action);
    if (this.recordNotify) {
      const t: BlkIoTrace = { sequence: 0, time: timeNs, sector: 0, bytes: 0, action: e.action, pid: e.pid, device: this.device, cpu: this.cpu, error: 0, pdu: this.pdu(e) };
      this.recordLength = encodeBlkIoTrace(this.record, 0, t);
      return this.recordLength;
    }
    // The I/O's events, every record a header only: stamped in place (the sequence in writeAt).
    const v = this.view;
    const hi = Math.floor(timeNs / 2 ** 32);
    v.setUint32(8, timeNs - hi * 2 ** 32, true);
    v.setUint32(12, hi, true);
    const shi = Math.floor(e.sector / 2 ** 32);
    v.setUint32(16, e.sector - shi * 2 ** 32, true);
    v.setUint32(20, shi, true);
    v.setUint32(24, e.bytes, true);
    v.setUint32(28, e.action, true);
    v.setUint32(32, e.pid, true);
    v.setUint16(46, 0, true);
    this.recordLength = BLK_IO_TRACE_SIZE;
    return BLK_IO_TRACE_SIZE;
  }

  beforeReserve(): void {
    if (!this.recordNotify && this.w.blktraceSequence === 'before-reserve') this.recordSeq = ++this.sequence;
  }

  writeAt(dst: Uint8Array, at: number): void {
    if (!this.recordNotify && this.w.blktraceSequence === 'after-reserve') this.recordSeq = ++this.sequence;
    const seq = this.recordNotify ? 0 : this.recordSeq >>> 0;
    this.record[4] = seq & 0xff;
    this.record[5] = (seq >>> 8) & 0xff;
    this.record[6] = (seq >>> 16) & 0xff;
    this.record[7] = seq >>> 24;
    dst.set(this.record.subarray(0, this.recordLength), at);
  }

  private pdu(e: Pending): Uint8Array {
    if (e.action === BLK_TN_PROCESS) {
      const comm = new Uint8Array(TASK_COMM_LEN);
      const name = TASKS[this.pids.indexOf(e.pid)];
      for (let i = 0; i < name.length && i < TASK_COMM_LEN - 1; i++) comm[i] = name.charCodeAt(i);
      return comm;
    }
    if (e.action === BLK_TN_TIMESTAMP) {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setUint32(0, WALL_CLOCK_S, true);
      return out;
    }
    return NO_PDU;
  }

  /** Moves I/Os that arrive before the earliest pending event into the pending events. */
  private admit(): void {
    for (;;) {
      const head = this.pending[this.pending.length - 1];
      if (this.nextIo === Infinity || (head !== undefined && head.t <= this.nextIo)) return;
      this.submit(this.nextIo);
      this.nextIo = drawArrival(this.w, this.rate, this.rng, this.nextIo);
    }
  }

  /** An I/O submitted at `t`: its four events, each at its own time. */
  private submit(t: number): void {
    const rng = this.rng;
    const task = rng.int(0, this.pids.length - 1);
    const pid = this.pids[task];
    const write = rng.float() < 0.4;
    const sectors = 8 * 2 ** rng.int(0, 5); // 4 KiB to 128 KiB
    if (rng.float() < 0.1) this.cursors[task] = rng.int(0, 2 ** 27) * 8; // a seek
    const sector = this.cursors[task];
    this.cursors[task] += sectors;
    const dir = BLK_TC_ACT(write ? BLK_TC_WRITE | (rng.float() < 0.3 ? BLK_TC_SYNC : 0) : BLK_TC_READ | BLK_TC_SYNC);
    const bytes = sectors * 512;
    const getrq = t + rng.int(1, 3) * 1e-6;
    const issue = getrq + rng.int(2, 40) * 1e-6;
    const complete = issue + 20e-6 + rng.exponential(write ? 120e-6 : 180e-6);
    const fs = BLK_TC_ACT(BLK_TC_FS);
    this.insert({ t, action: (BLK_TA_QUEUE | dir) >>> 0, sector, bytes, pid });
    this.insert({ t: getrq, action: (BLK_TA_GETRQ | dir) >>> 0, sector, bytes, pid });
    this.insert({ t: issue, action: (BLK_TA_ISSUE | dir | fs) >>> 0, sector, bytes, pid });
    this.insert({ t: complete, action: (BLK_TA_COMPLETE | dir | fs) >>> 0, sector, bytes, pid: 0 });
  }

  /** Keeps `pending` sorted by time, latest first (ties: the earlier inserted comes out first). */
  private insert(e: Pending): void {
    const p = this.pending;
    let i = p.length;
    while (i > 0 && p[i - 1].t <= e.t) i--;
    p.splice(i, 0, e);
  }
}

/** Events each block I/O emits: queue, get request, issue and complete. */
export const BLKTRACE_EVENTS_PER_IO = 4;

export interface CaptureOptions {
  cpus: number;
  /** Virtual seconds of block I/O. */
  seconds: number;
  /** I/Os per second over all CPUs. */
  rate: number;
  seed: number;
  device?: string;
  sequence?: BlktraceSequence;
  /** Write the records big-endian, as a big-endian host would. */
  bigEndian?: boolean;
  /** A MESSAGE note (text payload) written on CPU 0 after its first records. */
  message?: string;
}

/**
 * A capture as blktrace would have written it from a kernel that lost nothing: the
 * generator's records for every CPU, straight to `<dev>.blktrace.<cpu>` (no channel between).
 */
export function generateCapture(o: CaptureOptions): { name: string; bytes: Uint8Array }[] {
  const w: WorkloadSettings = {
    ...DEFAULT_SIM_CONFIG.workload,
    rate: o.rate,
    format: 'blktrace',
    device: o.device ?? 'sda',
    blktraceSequence: o.sequence ?? 'after-reserve',
  };
  const rng = new Random(o.seed);
  return Array.from({ length: o.cpus }, (_, cpu) => {
    const gen = new BlktraceGenerator(w, cpu, o.cpus, rng.fork(cpu));
    const sink = new BlktraceSink(w.device, o.cpus, o.bigEndian !== true, true);
    const scratch = new Uint8Array(BLK_IO_TRACE_SIZE + 0xffff);
    let written = 0;
    for (let t = gen.nextArrival(0); t <= o.seconds; t = gen.nextArrival(t)) {
      const size = gen.nextSize();
      gen.beforeReserve();
      gen.writeAt(scratch, 0);
      if (o.bigEndian === true) {
        const rec = decodeBlkIoTrace(scratch, 0, true);
        encodeBlkIoTrace(scratch, 0, { ...rec, pdu: rec.pdu.slice() }, false);
      }
      sink.append(cpu, scratch, 0, size);
      written += 1;
      if (cpu === 0 && written === 8 && o.message !== undefined) {
        const last = decodeBlkIoTrace(scratch, 0, o.bigEndian !== true);
        const text = Uint8Array.from(o.message, (ch) => ch.charCodeAt(0) & 0x7f);
        const n = encodeBlkIoTrace(scratch, 0, { ...last, sequence: 0, action: BLK_TN_MESSAGE, sector: 0, bytes: 0, pdu: text }, o.bigEndian !== true);
        sink.append(cpu, scratch, 0, n);
      }
    }
    return { name: blktraceFileName(w.device, cpu), bytes: sink.bytes(cpu).slice() };
  });
}
