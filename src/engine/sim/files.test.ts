// The file operations of scenarios: fds and mappings over relay files, every error they
// print, page faults through a mapping, and when a buffer's memory is freed (§6.4-6.6, §7.3).
import { describe, expect, it } from 'vitest';
import { canonicalLine } from './canonical.ts';
import { ScenarioRunner, type TraceStep } from './runner.ts';
import type { ScenarioConfig, ScenarioOp } from './scenario.ts';

const base: ScenarioConfig = { cpus: 1, subbufSize: 64, nSubbufs: 4, mode: 'no-overwrite', global: false, headerReserve: 0, online: [0] };

function run(ops: ScenarioOp[], config: Partial<ScenarioConfig> = {}): TraceStep[] {
  return new ScenarioRunner({ config: { ...base, ...config }, ops }).runAll();
}

/** The op part of a step's canonical line (before the buffers). */
const head = (step: TraceStep): string => canonicalLine(step, true).split(' | ')[0];
/** The lifetime parts of a step's canonical line. */
const tail = (step: TraceStep): string => canonicalLine(step, true).split(' | ').slice(-3).join(' | ');
/** Everything but the op part: an error must leave it as the step before left it. */
const state = (step: TraceStep): string => canonicalLine(step, true).split(' | ').slice(1).join(' | ');

const write = (size: number, cpu = 0): ScenarioOp => ({ op: 'write', cpu, size });

describe('relay files and their fds', () => {
  it('opens each buffer\'s file at creation as fd 3, 4, ... and a file_open takes the lowest free fd', () => {
    const steps = run([{ op: 'file_open', cpu: 1 }, { op: 'file_close', fd: 3 }, { op: 'file_open', cpu: 0 }], { cpus: 2, online: [0, 1] });
    expect(tail(steps[0])).toBe('ref chan=3 B0=2 B1=2 | fd=3:B0,4:B1 | map=-');
    expect(head(steps[1])).toBe('1 file_open cpu=1 fd=5 file=relay1');
    expect(tail(steps[1])).toBe('ref chan=3 B0=2 B1=3 | fd=3:B0,4:B1,5:B1 | map=-');
    expect(head(steps[3])).toBe('3 file_open cpu=0 fd=3 file=relay0');
  });

  it('names files base name + CPU, mode 0400, under a debugfs folder; a global buffer has one file', () => {
    const perCpu = run([], { cpus: 2, online: [0, 1] });
    expect(perCpu[0].buffers.map((b) => b.file)).toEqual(['/sys/kernel/debug/relayscope/relay0', '/sys/kernel/debug/relayscope/relay1']);
    const global = run([{ op: 'file_open', cpu: 2 }], { cpus: 3, online: [1, 2], global: true });
    expect(global[0].buffers.map((b) => b.file)).toEqual(['/sys/kernel/debug/relayscope/relay1']);
    expect(head(global[1])).toBe('1 file_open cpu=2 fd=4 file=relay1');
  });

  it('file_read reads as read does, from the buffer\'s shared consumer state, with its own file position', () => {
    const steps = run([write(20), write(50), { op: 'file_open', cpu: 0 }, { op: 'file_read', fd: 4, count: 8 }, { op: 'read', cpu: 0, maxBytes: 100 }]);
    expect(head(steps[4])).toMatch(/^4 file_read fd=4 ret=8 ch=0:8 ppos=8 x=/);
    expect(head(steps[5])).toMatch(/^5 read ret=62 ch=8:12,64:50 ppos=114 x=/);
  });

  it('file_poll reports IN once a sub-buffer is produced, and ERR after relay_close', () => {
    const steps = run([{ op: 'file_open', cpu: 0 }, { op: 'file_poll', fd: 4 }, write(40), write(40), { op: 'file_poll', fd: 4 }, { op: 'close' }, { op: 'file_poll', fd: 4 }]);
    expect(steps.slice(2).map(head).filter((h) => h.includes('file_poll'))).toEqual(['2 file_poll fd=4 m=0', '5 file_poll fd=4 m=IN', '7 file_poll fd=4 m=ERR']);
  });

  it('file_lseek always fails: ESPIPE on a relay file, EBADF on a bad fd', () => {
    const steps = run([{ op: 'file_lseek', fd: 3 }, { op: 'file_lseek', fd: 9 }]);
    expect(steps.slice(1).map(head)).toEqual(['1 file_lseek fd=3 ERR ESPIPE', '2 file_lseek fd=9 ERR EBADF']);
  });

  it('file_sendfile is EINVAL on v6.17 and sends whole sub-buffers on v6.7', () => {
    const ops: ScenarioOp[] = [write(40), write(40), { op: 'file_sendfile', fd: 3, count: 1000 }];
    expect(head(run(ops)[3])).toBe('3 file_sendfile fd=3 ERR EINVAL');
    expect(head(run(ops, { kernel: 'v6.7' })[3])).toMatch(/^3 file_sendfile fd=3 ret=40 ch=0:40 ppos=64 x=/);
  });

  it('any use of a closed fd is EBADF, closing it again included', () => {
    const steps = run([
      { op: 'file_close', fd: 3 },
      { op: 'file_read', fd: 3, count: 10 },
      { op: 'file_poll', fd: 3 },
      { op: 'file_sendfile', fd: 3, count: 10 },
      { op: 'file_mmap', fd: 3, length: 4096 },
      { op: 'file_close', fd: 3 },
    ]);
    expect(steps.slice(2).map(head)).toEqual([
      '2 file_read fd=3 ERR EBADF',
      '3 file_poll fd=3 ERR EBADF',
      '4 file_sendfile fd=3 ERR EBADF',
      '5 file_mmap fd=3 ERR EBADF',
      '6 file_close fd=3 ERR EBADF',
    ]);
  });

  it('read and poll of a CPU print ERR once its always-open file is closed', () => {
    const steps = run([{ op: 'file_close', fd: 3 }, { op: 'read', cpu: 0 }, { op: 'poll', cpu: 0 }]);
    expect(steps.slice(2).map(head)).toEqual(['2 read ERR', '3 poll ERR']);
  });

  it('file_open of a CPU without a buffer, or after relay_close removed the files, is ENOENT', () => {
    const steps = run([{ op: 'file_open', cpu: 1 }, { op: 'close' }, { op: 'file_open', cpu: 0 }], { cpus: 2, online: [0] });
    expect(head(steps[1])).toBe('1 file_open cpu=1 ERR ENOENT');
    expect(head(steps[3])).toBe('3 file_open cpu=0 ERR ENOENT');
  });

  it('a negative count is EINVAL', () => {
    expect(head(run([{ op: 'file_read', fd: 3, count: -1 }])[1])).toBe('1 file_read fd=3 ERR EINVAL');
  });

  it('errors change nothing but the op part of the line', () => {
    const steps = run([
      write(30),
      { op: 'file_read', fd: 7, count: 10 },
      { op: 'file_lseek', fd: 3 },
      { op: 'file_mmap', fd: 3, length: 100 },
      { op: 'file_mmap_read', map: 1, offset: 0, length: 1 },
      { op: 'file_munmap', map: 1 },
      { op: 'file_open', cpu: 5 },
    ]);
    for (const step of steps.slice(2)) expect(state(step)).toBe(state(steps[1]));
    expect(steps.slice(2).every((s) => s.result.kind === 'file_err')).toBe(true);
  });
});

describe('mmap and page faults', () => {
  // sbs 3000, n 3: alloc_size 12288 (3 pages), 9000 bytes used, 3288 unused at the end.
  const geometry = { subbufSize: 3000, nSubbufs: 3 };

  it('accepts only the whole alloc_size: anything else is EINVAL', () => {
    const steps = run(
      [
        { op: 'file_mmap', fd: 3, length: 9000 },
        { op: 'file_mmap', fd: 3, length: 16384 },
        { op: 'file_mmap', fd: 3, length: 0 },
        { op: 'file_mmap', fd: 3, length: 12288 },
      ],
      geometry,
    );
    expect(steps.slice(1).map(head)).toEqual([
      '1 file_mmap fd=3 ERR EINVAL',
      '2 file_mmap fd=3 ERR EINVAL',
      '3 file_mmap fd=3 ERR EINVAL',
      '4 file_mmap fd=3 map=1 len=12288 pages=3',
    ]);
  });

  it('faults each page on its first touch only, and counts the faults per mapping', () => {
    const steps = run(
      [
        { op: 'file_mmap', fd: 3, length: 12288 },
        { op: 'file_mmap_read', map: 1, offset: 4000, length: 200 },
        { op: 'file_mmap_read', map: 1, offset: 4100, length: 10 },
        { op: 'file_mmap_read', map: 1, offset: 0, length: 12288 },
        { op: 'file_mmap', fd: 3, length: 12288 },
        { op: 'file_mmap_read', map: 2, offset: 5000, length: 1 },
      ],
      geometry,
    );
    expect(steps.slice(2).map((s) => head(s).replace(/ x=\w+$/, ''))).toEqual([
      '2 file_mmap_read map=1 off=4000 len=200 flt=0.1',
      '3 file_mmap_read map=1 off=4100 len=10 flt=-',
      '4 file_mmap_read map=1 off=0 len=12288 flt=2',
      '5 file_mmap fd=3 map=2 len=12288 pages=3',
      '6 file_mmap_read map=2 off=5000 len=1 flt=1',
    ]);
    expect(steps[6].lifetime.mappings).toEqual([
      { map: 1, fd: 3, buffer: 'B0', pages: [0, 1, 2], faults: 3 },
      { map: 2, fd: 3, buffer: 'B0', pages: [1], faults: 1 },
    ]);
    expect(steps[2].events.filter((e) => e.kind === 'fault')).toEqual([
      { kind: 'fault', buffer: 'B0', page: 0, mapping: 1 },
      { kind: 'fault', buffer: 'B0', page: 1, mapping: 1 },
    ]);
  });

  it('reads the buffer\'s bytes through the mapping, what read() returns included', () => {
    const steps = run([write(20), { op: 'file_mmap', fd: 3, length: 4096 }, { op: 'file_mmap_read', map: 1, offset: 0, length: 20 }, { op: 'read', cpu: 0 }]);
    const mapped = steps[3].result;
    const read = steps[4].result;
    expect(mapped.kind === 'file_mmap_read' && read.kind === 'read' && mapped.hash === read.hash).toBe(true);
  });

  it('a touch outside the mapping is SIGSEGV and an unknown mapping EINVAL', () => {
    const steps = run([{ op: 'file_mmap', fd: 3, length: 4096 }, { op: 'file_mmap_read', map: 1, offset: 4000, length: 97 }, { op: 'file_mmap_read', map: 5, offset: 0, length: 1 }]);
    expect(steps.slice(2).map(head)).toEqual(['2 file_mmap_read map=1 ERR SIGSEGV', '3 file_mmap_read map=5 ERR EINVAL']);
  });

  it('keeps the mapping valid across relay_reset', () => {
    const steps = run([{ op: 'file_mmap', fd: 3, length: 4096 }, { op: 'file_mmap_read', map: 1, offset: 0, length: 1 }, { op: 'reset' }, { op: 'file_mmap_read', map: 1, offset: 0, length: 1 }]);
    expect(head(steps[4])).toMatch(/^4 file_mmap_read map=1 off=0 len=1 flt=- x=/);
  });
});

describe('reference counts and freeing', () => {
  it('counts one channel reference for the client and one per buffer, and one buffer reference per open file', () => {
    const steps = run([{ op: 'file_open', cpu: 0 }, { op: 'file_open', cpu: 0 }, { op: 'file_close', fd: 4 }], { cpus: 2, online: [0, 1] });
    expect(steps.map(tail)).toEqual([
      'ref chan=3 B0=2 B1=2 | fd=3:B0,4:B1 | map=-',
      'ref chan=3 B0=3 B1=2 | fd=3:B0,4:B1,5:B0 | map=-',
      'ref chan=3 B0=4 B1=2 | fd=3:B0,4:B1,5:B0,6:B0 | map=-',
      'ref chan=3 B0=4 B1=1 | fd=3:B0,5:B0,6:B0 | map=-',
    ]);
  });

  it('relay_close frees at once a buffer no file holds, and keeps one a file holds', () => {
    const steps = run([{ op: 'file_close', fd: 4 }, { op: 'close' }], { cpus: 2, online: [0, 1] });
    expect(tail(steps[2])).toBe('ref chan=1 B0=1 B1=0 freed=B1 | fd=3:B0 | map=-');
    expect(steps[2].events.map((e) => e.kind)).toEqual(['close', 'close', 'buf_free']);
    expect(steps[2].buffers.map((b) => b.freed)).toEqual([false, true]);
  });

  it('a reader that keeps its fd reads what was left after relay_close; its close frees the buffer and the channel', () => {
    const steps = run([write(20), write(50), { op: 'close' }, { op: 'read', cpu: 0, maxBytes: 1000 }, { op: 'file_close', fd: 3 }]);
    expect(head(steps[4])).toMatch(/^4 read ret=70 ch=0:20,64:50 /);
    expect(tail(steps[5])).toBe('ref chan=0 B0=0 freed=B0,chan | fd=- | map=-');
    expect(steps[5].events.map((e) => e.kind)).toEqual(['file_release', 'buf_free', 'chan_free']);
    expect(steps[5].lifetime.chanFreed).toBe(true);
  });

  it('frees nothing before relay_close, however many files close', () => {
    const steps = run([{ op: 'file_close', fd: 3 }]);
    expect(tail(steps[1])).toBe('ref chan=2 B0=1 | fd=- | map=-');
  });

  it('a mapping holds the file after its fd is closed: the buffer goes only at munmap', () => {
    const steps = run([
      { op: 'file_mmap', fd: 3, length: 4096 },
      { op: 'file_close', fd: 3 },
      { op: 'close' },
      { op: 'file_mmap_read', map: 1, offset: 0, length: 8 },
      { op: 'file_munmap', map: 1 },
      { op: 'file_munmap', map: 1 },
    ]);
    expect(steps.slice(2).map(tail)).toEqual([
      'ref chan=2 B0=2 | fd=- | map=1:B0:-',
      'ref chan=1 B0=1 | fd=- | map=1:B0:-',
      'ref chan=1 B0=1 | fd=- | map=1:B0:0',
      'ref chan=0 B0=0 freed=B0,chan | fd=- | map=-',
      'ref chan=0 B0=0 | fd=- | map=-',
    ]);
    expect(head(steps[6])).toBe('6 file_munmap map=1 ERR EINVAL');
  });

  it('a global buffer is freed once, and reads through any CPU then print ERR', () => {
    const steps = run([{ op: 'file_close', fd: 3 }, { op: 'close' }, { op: 'read', cpu: 1 }], { cpus: 2, online: [0, 1], global: true });
    expect(tail(steps[2])).toBe('ref chan=0 B0=0 freed=B0,chan | fd=- | map=-');
    expect(head(steps[3])).toBe('3 read ERR');
  });
});

describe('canonical lines', () => {
  it('print the lifetime parts only for scenarios with file operations', () => {
    const plain = new ScenarioRunner({ config: base, ops: [write(10)] });
    const withFiles = new ScenarioRunner({ config: base, ops: [{ op: 'file_lseek', fd: 3 }] });
    expect(plain.usesFiles).toBe(false);
    expect(withFiles.usesFiles).toBe(true);
    expect(canonicalLine(plain.runAll()[1], plain.usesFiles)).toMatch(/ \| lt=0 st=0\/0$/);
  });

  it('print - for the statistics a kernel before v6.17 lacks, and the close warning up to v6.16', () => {
    const steps = run([write(100), { op: 'stats' }, { op: 'close' }], { kernel: 'v6.16' });
    const line = canonicalLine(steps[3]);
    expect(line).toMatch(/^3 close warn=100>64 \| B0:.*,fc=-,bc=-,.* \| lt=100 st=-$/);
    expect(head(steps[2])).toBe('2 stats ERR');
  });
});
