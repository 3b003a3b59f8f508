/**
 * blktrace's record: `struct blk_io_trace` (include/uapi/linux/blktrace_api.h, version 7), the
 * one relay user whose files real tools read. 48 bytes in the writing host's byte order, then
 * `pdu_len` bytes of payload:
 *
 *   0  magic     u32  BLK_IO_TRACE_MAGIC (0x65617400) | version (7)
 *   4  sequence  u32  per device per CPU
 *   8  time      u64  ns (ktime_get)
 *  16  sector    u64
 *  24  bytes     u32
 *  28  action    u32  category bits << 16 | action
 *  32  pid       u32
 *  36  device    u32  major << 20 | minor
 *  40  cpu       u32
 *  44  error     u16
 *  46  pdu_len   u16
 *
 * Notify records (category NOTIFY) carry a process name (PROCESS), the wall clock at the start
 * (TIMESTAMP: u32 sec, u32 nsec) or a text (MESSAGE). blkparse counts every record but PROCESS
 * and TIMESTAMP as an event, and checks sequence numbers only for the others.
 *
 * A capture is one file per CPU, `<dev>.blktrace.<cpu>`: what blktrace's reader thread got
 * from read() on that CPU's relay file, records back to back. The reader here verifies each
 * record's framing (magic, version, payload length, CPU) and writes the records it reads to its
 * CPU's file (BlktraceSink); `blktraceSummary` then counts what blkparse would.
 */

export const BLK_IO_TRACE_MAGIC = 0x65617400;
export const BLK_IO_TRACE_VERSION = 7;
export const BLK_IO_TRACE_SIZE = 48;
/** Newer kernels' `struct blk_io_trace2`: version 8, 64-byte records. */
export const BLK_IO_TRACE2_VERSION = 8;

export const BLK_TC_SHIFT = 16;
export const BLK_TC_READ = 1 << 0;
export const BLK_TC_WRITE = 1 << 1;
export const BLK_TC_SYNC = 1 << 3;
export const BLK_TC_QUEUE = 1 << 4;
export const BLK_TC_ISSUE = 1 << 6;
export const BLK_TC_COMPLETE = 1 << 7;
export const BLK_TC_FS = 1 << 8;
export const BLK_TC_NOTIFY = 1 << 10;
export const BLK_TC_ACT = (category: number): number => (category << BLK_TC_SHIFT) >>> 0;

export const __BLK_TA_QUEUE = 1;
export const __BLK_TA_GETRQ = 4;
export const __BLK_TA_ISSUE = 7;
export const __BLK_TA_COMPLETE = 8;
export const __BLK_TA_PLUG = 9;
export const __BLK_TA_UNPLUG_IO = 10;
export const __BLK_TA_REMAP = 15;

export const BLK_TA_QUEUE = (__BLK_TA_QUEUE | BLK_TC_ACT(BLK_TC_QUEUE)) >>> 0;
export const BLK_TA_GETRQ = (__BLK_TA_GETRQ | BLK_TC_ACT(BLK_TC_QUEUE)) >>> 0;
export const BLK_TA_ISSUE = (__BLK_TA_ISSUE | BLK_TC_ACT(BLK_TC_ISSUE)) >>> 0;
export const BLK_TA_COMPLETE = (__BLK_TA_COMPLETE | BLK_TC_ACT(BLK_TC_COMPLETE)) >>> 0;

export const BLK_TN_PROCESS = (0 | BLK_TC_ACT(BLK_TC_NOTIFY)) >>> 0;
export const BLK_TN_TIMESTAMP = (1 | BLK_TC_ACT(BLK_TC_NOTIFY)) >>> 0;
export const BLK_TN_MESSAGE = (2 | BLK_TC_ACT(BLK_TC_NOTIFY)) >>> 0;
/** PROCESS's payload: the task's comm, TASK_COMM_LEN bytes. */
export const TASK_COMM_LEN = 16;

export const isNotify = (action: number): boolean => (action & BLK_TC_ACT(BLK_TC_NOTIFY)) !== 0;
/** Whether blkparse counts the record as an event: all but the PROCESS and TIMESTAMP notes. */
export const countsAsEvent = (action: number): boolean => {
  const a = action >>> 0;
  return !isNotify(a) || (a & 0xffff) > 1;
};

export const BLKTRACE_SEQUENCES = ['after-reserve', 'before-reserve'] as const;
/**
 * When `__blk_add_trace` takes `++sequence`: after relay_reserve succeeded (up to v6.17: a
 * dropped record leaves no gap) or before relaying (the 2025 series: a dropped record leaves one).
 */
export type BlktraceSequence = (typeof BLKTRACE_SEQUENCES)[number];

/** `major << 20 | minor`, as the kernel's MKDEV. */
export const mkdev = (major: number, minor: number): number => ((major << 20) | minor) >>> 0;

/** The device number of a disk name: sdX is 8:16*X (sda 8:0, sdb 8:16), anything else 253:0. */
export function deviceNumber(name: string): number {
  const sd = /^sd([a-z])$/.exec(name);
  return sd === null ? mkdev(253, 0) : mkdev(8, 16 * (sd[1].charCodeAt(0) - 97));
}

export const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

/** The file blktrace writes for a device's CPU. */
export const blktraceFileName = (device: string, cpu: number): string => `${device}.blktrace.${cpu}`;

/** The fields of a record, as numbers (time in ns fits a double exactly below 2^53). */
export interface BlkIoTrace {
  sequence: number;
  time: number;
  sector: number;
  bytes: number;
  action: number;
  pid: number;
  device: number;
  cpu: number;
  error: number;
  /** The payload; its length is pdu_len. */
  pdu: Uint8Array;
}

/** A u32 or u16 field at `src[at]`, in either byte order (no allocation: the reader's hot path). */
export const u32At = (src: Uint8Array, at: number, le: boolean): number =>
  le
    ? (src[at] | (src[at + 1] << 8) | (src[at + 2] << 16) | (src[at + 3] << 24)) >>> 0
    : ((src[at] << 24) | (src[at + 1] << 16) | (src[at + 2] << 8) | src[at + 3]) >>> 0;
export const u16At = (src: Uint8Array, at: number, le: boolean): number =>
  le ? src[at] | (src[at + 1] << 8) : (src[at] << 8) | src[at + 1];

/** Whether `src[at]` starts a version-7 record in the given byte order. */
export const isBlkIoTrace = (src: Uint8Array, at: number, le: boolean): boolean =>
  u32At(src, at, le) === ((BLK_IO_TRACE_MAGIC | BLK_IO_TRACE_VERSION) >>> 0);

const u64 = (v: DataView, at: number, le: boolean): number => {
  const lo = v.getUint32(at, le);
  const hi = v.getUint32(at + 4, le);
  return le ? hi * 2 ** 32 + lo : lo * 2 ** 32 + hi;
};

const setU64 = (v: DataView, at: number, value: number, le: boolean): void => {
  const hi = Math.floor(value / 2 ** 32);
  const lo = value - hi * 2 ** 32;
  v.setUint32(at, le ? lo : hi, le);
  v.setUint32(at + 4, le ? hi : lo, le);
};

/** Writes `t` at `dst[at]` (48 + pdu bytes); little-endian unless `le` is false. */
export function encodeBlkIoTrace(dst: Uint8Array, at: number, t: BlkIoTrace, le = true): number {
  const v = new DataView(dst.buffer, dst.byteOffset + at, BLK_IO_TRACE_SIZE);
  v.setUint32(0, (BLK_IO_TRACE_MAGIC | BLK_IO_TRACE_VERSION) >>> 0, le);
  v.setUint32(4, t.sequence >>> 0, le);
  setU64(v, 8, t.time, le);
  setU64(v, 16, t.sector, le);
  v.setUint32(24, t.bytes >>> 0, le);
  v.setUint32(28, t.action >>> 0, le);
  v.setUint32(32, t.pid >>> 0, le);
  v.setUint32(36, t.device >>> 0, le);
  v.setUint32(40, t.cpu >>> 0, le);
  v.setUint16(44, t.error, le);
  v.setUint16(46, t.pdu.length, le);
  dst.set(t.pdu, at + BLK_IO_TRACE_SIZE);
  return BLK_IO_TRACE_SIZE + t.pdu.length;
}

/** The record at `src[at]`, its payload a view into `src`. The caller checked the magic and the length. */
export function decodeBlkIoTrace(src: Uint8Array, at: number, le: boolean): BlkIoTrace {
  const v = new DataView(src.buffer, src.byteOffset + at, BLK_IO_TRACE_SIZE);
  const pduLen = v.getUint16(46, le);
  return {
    sequence: v.getUint32(4, le),
    time: u64(v, 8, le),
    sector: u64(v, 16, le),
    bytes: v.getUint32(24, le),
    action: v.getUint32(28, le),
    pid: v.getUint32(32, le),
    device: v.getUint32(36, le),
    cpu: v.getUint32(40, le),
    error: v.getUint16(44, le),
    pdu: src.subarray(at + BLK_IO_TRACE_SIZE, at + BLK_IO_TRACE_SIZE + pduLen),
  };
}

/** The byte order of a record whose first word is `bytes[at..at+4)`, from its magic: true for little-endian, null if neither. */
export function magicOrder(src: Uint8Array, at: number): { le: boolean; version: number } | null {
  const le = (src[at] | (src[at + 1] << 8) | (src[at + 2] << 16) | (src[at + 3] << 24)) >>> 0;
  const be = ((src[at] << 24) | (src[at + 1] << 16) | (src[at + 2] << 8) | src[at + 3]) >>> 0;
  if ((le & 0xffffff00) >>> 0 === BLK_IO_TRACE_MAGIC) return { le: true, version: le & 0xff };
  if ((be & 0xffffff00) >>> 0 === BLK_IO_TRACE_MAGIC) return { le: false, version: be & 0xff };
  return null;
}

/**
 * The reader's view of blktrace records: the length and CPU of a well-formed record header at
 * `src[at]` (version 7 in the given byte order), or null.
 */
export interface BlkFrame {
  cpu: number;
  length: number;
  timeNs: number;
}

export function blkFrame(src: Uint8Array, at: number, le: boolean, out: BlkFrame): boolean {
  if (!isBlkIoTrace(src, at, le)) return false;
  out.cpu = u32At(src, at + 40, le);
  out.length = BLK_IO_TRACE_SIZE + u16At(src, at + 46, le);
  const lo = u32At(src, at + (le ? 8 : 12), le);
  const hi = u32At(src, at + (le ? 12 : 8), le);
  out.timeNs = hi * 2 ** 32 + lo;
  return true;
}

/** One CPU's file as blkparse would count it. */
export interface BlktraceCpuSummary {
  /** Records blkparse counts as events (all but PROCESS and TIMESTAMP notes). */
  events: number;
  /** First and last sequence number among those events (null with none). */
  firstSeq: number | null;
  lastSeq: number | null;
  /** Forward gaps in the sequence, and the numbers they miss (blkparse's "Skips"). */
  seqGaps: number;
  seqMissing: number;
}

const emptySummary = (): BlktraceCpuSummary => ({ events: 0, firstSeq: null, lastSeq: null, seqGaps: 0, seqMissing: 0 });

/**
 * Counts the record at `src[at]` into `out` as blkparse reading standard input does: in file
 * order, each event's sequence against the last one's (leading and trailing losses leave no
 * gap; notes take no sequence). Returns the record's length.
 */
function countRecord(out: BlktraceCpuSummary, src: Uint8Array, at: number, le: boolean): number {
  const action = u32At(src, at + 28, le);
  if (countsAsEvent(action)) {
    out.events += 1;
    if (!isNotify(action)) {
      const seq = u32At(src, at + 4, le);
      if (out.lastSeq !== null && seq > out.lastSeq + 1) {
        out.seqGaps += 1;
        out.seqMissing += seq - out.lastSeq - 1;
      }
      if (out.firstSeq === null) out.firstSeq = seq;
      out.lastSeq = seq;
    }
  }
  return BLK_IO_TRACE_SIZE + u16At(src, at + 46, le);
}

/** A whole file, counted as blkparse would; `bytes` must hold whole, well-formed records. */
export function blktraceSummary(bytes: Uint8Array): BlktraceCpuSummary {
  const out = emptySummary();
  for (let at = 0; at + BLK_IO_TRACE_SIZE <= bytes.length; ) {
    const m = magicOrder(bytes, at);
    if (m === null) break;
    at += countRecord(out, bytes, at, m.le);
  }
  return out;
}

/**
 * What blktrace's reader threads write, a file per CPU: counted as blkparse would as records
 * arrive, and kept (a growing copy, `bytes(cpu)`) only when asked, since a long run's files
 * may not fit in memory.
 */
export class BlktraceSink {
  private readonly files: Uint8Array[];
  private readonly lengths: number[];
  private readonly summaries: BlktraceCpuSummary[];

  constructor(
    readonly device: string,
    readonly cpus: number,
    private readonly littleEndian: boolean,
    /** Keep the files' bytes (else only their counts). */
    readonly keepFiles: boolean,
  ) {
    this.files = Array.from({ length: cpus }, () => new Uint8Array(keepFiles ? 4096 : 0));
    this.lengths = Array.from({ length: cpus }, () => 0);
    this.summaries = Array.from({ length: cpus }, emptySummary);
  }

  /** Appends the record of `length` bytes at `src[from]` to CPU `cpu`'s file. */
  append(cpu: number, src: Uint8Array, from: number, length: number): void {
    countRecord(this.summaries[cpu], src, from, this.littleEndian);
    const n = this.lengths[cpu];
    this.lengths[cpu] = n + length;
    if (!this.keepFiles) return;
    let f = this.files[cpu];
    if (n + length > f.length) {
      const grown = new Uint8Array(Math.max(n + length, f.length * 2));
      grown.set(f.subarray(0, n));
      this.files[cpu] = f = grown;
    }
    f.set(src.subarray(from, from + length), n);
  }

  /** What blkparse would count in CPU `cpu`'s file. */
  summary(cpu: number): BlktraceCpuSummary {
    return { ...this.summaries[cpu] };
  }

  /** The file's length so far. */
  length(cpu: number): number {
    return this.lengths[cpu];
  }

  bytes(cpu: number): Uint8Array {
    if (!this.keepFiles) throw new Error('BlktraceSink.bytes: the files were not kept (SimOptions.blktraceFiles)');
    return this.files[cpu].subarray(0, this.lengths[cpu]);
  }

  /** Every CPU's file: name and contents. */
  fileList(): { name: string; bytes: Uint8Array }[] {
    return Array.from({ length: this.cpus }, (_, cpu) => ({ name: blktraceFileName(this.device, cpu), bytes: this.bytes(cpu) }));
  }
}

/**
 * The lines blktrace prints at exit when the channel dropped records (its `dropped` file),
 * or null when it dropped none. `events` is what its readers got.
 */
export function blktraceExitMessage(dropped: number, events: number): string | null {
  if (dropped === 0) return null;
  const ratio = (100 * dropped) / (events + dropped);
  return `You have ${dropped} (${ratio.toFixed(1)}%) dropped events\nConsider using a larger buffer size (-b) and/or more buffers (-n)`;
}
