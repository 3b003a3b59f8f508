/**
 * Real captures in: the `<dev>.blktrace.<cpu>` files blktrace wrote for one device, replayed
 * through any channel. Each CPU's records are written in their file's order (sequence order)
 * at their own times, relative to the capture's earliest record, and the producers write the
 * capture's own bytes, so a replay that loses nothing writes the capture back byte for byte.
 *
 * Either byte order (from the magic), version 7, notify records and payloads. Anything else is
 * refused naming the file, the byte offset and why.
 */
import { NR_CPUS } from '../kernel/index.ts';
import {
  BLK_IO_TRACE2_VERSION,
  BLK_IO_TRACE_SIZE,
  BLK_IO_TRACE_VERSION,
  decodeBlkIoTrace,
  isNotify,
  magicOrder,
} from './blktrace.ts';
import type { RecordSource } from './producer.ts';
import { Fnv1a64, WorkloadError, type ImportedWorkload } from './workloadCsv.ts';

export interface CaptureFile {
  /** The file's name (a path is fine: its last part must be `<dev>.blktrace.<cpu>`). */
  name: string;
  bytes: Uint8Array;
}

const CAPTURE_NAME = /^(.+)\.blktrace\.(\d+)$/;

const baseName = (path: string): string => path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);

/** The device names among `names` that are capture files. */
export function captureDevices(names: readonly string[]): string[] {
  const devices = new Set<string>();
  for (const n of names) {
    const m = CAPTURE_NAME.exec(baseName(n));
    if (m !== null) devices.add(m[1]);
  }
  return [...devices].sort();
}

interface Parsed {
  cpu: number;
  name: string;
  /** Record starts, times (ns) and lengths, in file order. */
  at: number[];
  timeNs: number[];
  length: number[];
  bytes: Uint8Array;
}

/** One CPU's file: every record checked; throws WorkloadError naming the byte at fault. */
function parseFile(file: CaptureFile, cpu: number, order: { le: boolean | null }): Parsed {
  const { bytes, name } = file;
  const out: Parsed = { cpu, name, at: [], timeNs: [], length: [], bytes };
  const bad = (at: number, why: string): never => {
    throw new WorkloadError(`${name}: byte ${at}: ${why}`);
  };
  let lastTime = -1;
  for (let at = 0; at < bytes.length; ) {
    const left = bytes.length - at;
    if (left < 4) bad(at, `truncated record: ${left} bytes at the end, a blk_io_trace is ${BLK_IO_TRACE_SIZE}`);
    const m = magicOrder(bytes, at);
    if (m === null) {
      const word = Array.from(bytes.subarray(at, at + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
      bad(at, `bad magic (bytes ${word}): not a blk_io_trace record (magic 0x65617400 | version, "07 74 61 65" little-endian)`);
      return out;
    }
    if (m.version === BLK_IO_TRACE2_VERSION)
      bad(at, 'version 8 (struct blk_io_trace2, 64-byte records, from newer kernels) is not supported yet: only version 7');
    if (m.version !== BLK_IO_TRACE_VERSION) bad(at, `version ${m.version} is not supported: only version 7`);
    if (order.le === null) order.le = m.le;
    else if (order.le !== m.le)
      bad(at, `a ${m.le ? 'little' : 'big'}-endian record in a ${order.le ? 'little' : 'big'}-endian capture`);
    if (left < BLK_IO_TRACE_SIZE) bad(at, `truncated record: ${left} bytes at the end, a blk_io_trace is ${BLK_IO_TRACE_SIZE}`);
    const t = decodeBlkIoTrace(bytes, at, m.le);
    const pduLen = new DataView(bytes.buffer, bytes.byteOffset + at + 46, 2).getUint16(0, m.le);
    if (left - BLK_IO_TRACE_SIZE < pduLen)
      bad(at, `pdu_len ${pduLen} runs past the end of the file (${left - BLK_IO_TRACE_SIZE} bytes follow the 48-byte record)`);
    if (t.cpu !== cpu) bad(at, `the record's cpu field is ${t.cpu}, but the file is CPU ${cpu}'s`);
    // blkparse orders a CPU's events by sequence and needs their time to go forward with it;
    // notes are handled apart.
    if (!isNotify(t.action)) {
      if (t.time < lastTime) bad(at, `time going backwards: ${t.time} ns, after a record at ${lastTime} ns`);
      lastTime = t.time;
    }
    out.at.push(at);
    out.timeNs.push(t.time);
    out.length.push(BLK_IO_TRACE_SIZE + pduLen);
    at += BLK_IO_TRACE_SIZE + pduLen;
  }
  return out;
}

/**
 * Reads the capture of one device from `files` (a directory's files; others are ignored).
 * `device` chooses when they hold several devices' captures. `label` names the capture in
 * messages (the directory). Throws WorkloadError.
 */
export function parseBlktraceCapture(files: readonly CaptureFile[], options: { device?: string; label?: string } = {}): ImportedWorkload {
  const label = options.label ?? 'capture';
  const devices = captureDevices(files.map((f) => f.name));
  if (devices.length === 0)
    throw new WorkloadError(`${label}: no blktrace files (named <dev>.blktrace.<cpu>, as blktrace writes them)`);
  let device = options.device;
  if (device === undefined) {
    if (devices.length > 1)
      throw new WorkloadError(`${label}: holds the captures of several devices (${devices.join(', ')}): choose one (--blktrace-device NAME)`);
    device = devices[0];
  } else if (!devices.includes(device))
    throw new WorkloadError(`${label}: no capture of device "${device}" (there are: ${devices.join(', ')})`);
  const mine = files
    .map((f) => ({ f, m: CAPTURE_NAME.exec(baseName(f.name)) }))
    .filter((x) => x.m !== null && x.m[1] === device)
    .map((x) => ({ file: x.f, cpu: Number((x.m as RegExpExecArray)[2]) }))
    .sort((a, b) => a.cpu - b.cpu);
  for (let i = 0; i < mine.length; i++) {
    const { file, cpu } = mine[i];
    if (cpu >= NR_CPUS) throw new WorkloadError(`${file.name}: CPU ${cpu} is beyond the ${NR_CPUS} CPUs relayscope models`);
    if (i > 0 && mine[i - 1].cpu === cpu) throw new WorkloadError(`${file.name}: a second file for CPU ${cpu}`);
  }
  const order = { le: null as boolean | null };
  const parsed = mine.map(({ file, cpu }) => parseFile(file, cpu, order));
  const n = parsed.reduce((sum, p) => sum + p.at.length, 0);
  if (n === 0) throw new WorkloadError(`${mine[0].file.name}: byte 0: the file is empty, and so is every other file of the capture: no records`);

  // Replay order: by time over all CPUs, each CPU's records in file order (a note earlier than
  // the record before it goes right after that record).
  const entries: { cpu: number; p: Parsed; k: number; t: number }[] = [];
  for (const p of parsed) {
    let t = -Infinity;
    p.at.forEach((_, k) => {
      t = Math.max(t, p.timeNs[k]);
      entries.push({ cpu: p.cpu, p, k, t });
    });
  }
  entries.sort((a, b) => a.t - b.t || a.cpu - b.cpu || a.k - b.k);
  const baseNs = entries[0].t;
  const w = { timesNs: new Float64Array(n), cpus: new Int32Array(n), sizes: new Int32Array(n), lines: new Int32Array(n) };
  const offsets = new Float64Array(n);
  const data = new Uint8Array(parsed.reduce((sum, p) => sum + p.bytes.length, 0));
  let maxCpu = 0;
  let maxSize = 0;
  let pos = 0;
  entries.forEach((e, k) => {
    const at = e.p.at[e.k];
    const len = e.p.length[e.k];
    w.timesNs[k] = e.t - baseNs;
    w.cpus[k] = e.cpu;
    w.sizes[k] = len;
    w.lines[k] = at;
    offsets[k] = pos;
    data.set(e.p.bytes.subarray(at, at + len), pos);
    pos += len;
    maxCpu = Math.max(maxCpu, e.cpu);
    maxSize = Math.max(maxSize, len);
  });
  const fileNames = Array.from({ length: maxCpu + 1 }, () => '');
  for (const p of parsed) if (p.cpu <= maxCpu) fileNames[p.cpu] = p.name;
  const hash = new Fnv1a64().text(`relayscope-blktrace-v1\n${device}\n`);
  for (const p of parsed) hash.text(`${p.cpu},${p.bytes.length}\n`).bytes(p.bytes);
  return {
    name: label,
    ...w,
    maxCpu,
    maxSize,
    duration: w.timesNs[n - 1] / 1e9,
    hash: hash.hex(),
    blktrace: { device, littleEndian: order.le ?? true, baseNs, files: fileNames, data, offsets },
  };
}

/** A CPU's share of an imported capture, written as its own bytes at its own times. */
export class CaptureReplay implements RecordSource {
  private at = 0;
  private current = 0;

  constructor(
    private readonly w: ImportedWorkload,
    /** Indices of the CPU's records in `w`, in replay order. */
    private readonly records: Int32Array,
  ) {}

  nextArrival(): number {
    return this.at < this.records.length ? this.w.timesNs[this.records[this.at]] / 1e9 : Infinity;
  }

  nextSize(): number {
    this.current = this.records[this.at++];
    return this.w.sizes[this.current];
  }

  beforeReserve(): void {}

  writeAt(dst: Uint8Array, at: number): void {
    const c = this.w.blktrace as NonNullable<ImportedWorkload['blktrace']>;
    const from = c.offsets[this.current];
    dst.set(c.data.subarray(from, from + this.w.sizes[this.current]), at);
  }
}

/** Each CPU's replay of a capture, for `cpus` producers (the capture passed checkWorkload). */
export function captureReplays(w: ImportedWorkload, cpus: number): CaptureReplay[] {
  const lists: number[][] = Array.from({ length: cpus }, () => []);
  w.cpus.forEach((cpu, k) => lists[cpu].push(k));
  return lists.map((l) => new CaptureReplay(w, Int32Array.from(l)));
}
