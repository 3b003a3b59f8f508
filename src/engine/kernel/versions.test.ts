// The kernel version switch: each behaviour that differs is asserted in a version that has it
// and in one that does not. Sections (§) refer to the relay semantics document.
import { describe, expect, it } from 'vitest';
import {
  B_FULL_COUNT,
  KERNEL_DIFFERENCES,
  KERNEL_HISTORY,
  KERNEL_VERSION_INFO,
  KERNEL_VERSIONS,
  RELAY_STATS_BUF_FULL,
  RELAY_STATS_WRT_BIG,
  kernelFeatures,
  nextJiffy,
  relayClose,
  relayFileOpen,
  relayFilePoll,
  relayFileRead,
  relayFileSendfile,
  relayOpen,
  relayStats,
  relaySubbufsConsumed,
  relayWakeupPending,
  relayWrite,
  type KernelVersion,
  type RchanCallbacks,
  type RelayEvent,
} from './index.ts';

function open(kernel: KernelVersion, sbs: number, n: number, cb: RchanCallbacks = { isGlobal: false }) {
  const events: RelayEvent[] = [];
  const opened = relayOpen({ baseFilename: 'trace', subbufSize: sbs, nSubbufs: n, cb, nrCpus: 1, online: [0], kernel, tracer: (e) => events.push(e) });
  if (!opened.ok) throw new Error(opened.reason);
  const chan = opened.chan;
  const buf = chan.buf(0);
  if (buf === null) throw new Error('no buffer');
  return { chan, buf, events };
}

const rec = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill);

function readAll(file: ReturnType<typeof relayFileOpen>, count = 1000): number[] {
  const dst = new Uint8Array(count);
  const n = relayFileRead(file, count, dst);
  return Array.from(dst.subarray(0, n));
}

describe('the version table', () => {
  it('defaults to v6.17 and stores the version in the channel memory', () => {
    const { chan } = open('v6.16', 16, 2);
    expect(chan.kernel).toBe('v6.16');
    const opened = relayOpen({ baseFilename: 't', subbufSize: 16, nSubbufs: 2, cb: { isGlobal: false }, nrCpus: 1, online: [0] });
    expect(opened.ok && opened.chan.kernel).toBe('v6.17');
  });

  it('describes every version, and each difference lists exactly the versions whose features have it', () => {
    expect(KERNEL_VERSION_INFO.map((v) => v.id)).toEqual([...KERNEL_VERSIONS]);
    for (const d of KERNEL_DIFFERENCES) expect(d.versions).toEqual(KERNEL_VERSIONS.filter((v) => kernelFeatures(v)[d.feature]));
  });

  it('marks only v6.17, whose logic was executed, as verified; no older behaviour is', () => {
    expect(KERNEL_VERSION_INFO.filter((v) => v.verified).map((v) => v.id)).toEqual(['v6.17']);
    expect(KERNEL_DIFFERENCES.filter((d) => d.verified)).toEqual([]);
    expect(KERNEL_DIFFERENCES.filter((d) => d.evidence === 'outline').map((d) => d.id)).toEqual(['splice_read', 'read_file_pos']);
  });

  it('links history entries only to differences and switches that exist', () => {
    const ids = new Set(KERNEL_DIFFERENCES.map((d) => d.id));
    const versions = new Set<string>(KERNEL_VERSIONS);
    expect(KERNEL_HISTORY.flatMap((h) => h.differences).filter((d) => !ids.has(d))).toEqual([]);
    expect(KERNEL_HISTORY.filter((h) => h.before !== null && !versions.has(h.before))).toEqual([]);
    expect(KERNEL_HISTORY.find((h) => h.release === 'v6.8')?.before).toBe('v6.7');
  });
});

describe('relay_stats exists from v6.17 only', () => {
  const run = (kernel: KernelVersion) => {
    const { chan, buf } = open(kernel, 16, 1);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2)); // produced, then refused: full
    relayWrite(buf, rec(17, 3)); // too big
    return {
      full: relayStats(chan, RELAY_STATS_BUF_FULL),
      big: relayStats(chan, RELAY_STATS_WRT_BIG),
      fullCount: buf.field(B_FULL_COUNT),
      lastToobig: chan.lastToobig,
    };
  };

  it('v6.17 counts full sub-buffer starts and too-big records', () => {
    expect(run('v6.17')).toEqual({ full: 1, big: 1, fullCount: 1, lastToobig: 17 });
  });

  it('v6.16 has no counters and no relay_stats, only last_toobig', () => {
    expect(run('v6.16')).toEqual({ full: null, big: null, fullCount: 0, lastToobig: 17 });
  });
});

describe('the close-time too-big warning exists up to v6.16', () => {
  const warning = (kernel: KernelVersion, sizes: number[]) => {
    const { chan, buf, events } = open(kernel, 16, 2);
    sizes.forEach((size, k) => relayWrite(buf, rec(size, k + 1)));
    relayClose(chan);
    return events.filter((e) => e.kind === 'toobig_warning').map((e) => ({ ...e, buf: undefined }));
  };

  it('v6.16 warns with the last too-big length and the sub-buffer size', () => {
    expect(warning('v6.16', [20, 30])).toEqual([{ kind: 'toobig_warning', buf: undefined, lastToobig: 30, subbufSize: 16 }]);
  });

  it('v6.17 does not warn', () => {
    expect(warning('v6.17', [20, 30])).toEqual([]);
  });

  it('v6.16 gives no warning when nothing was too big', () => {
    expect(warning('v6.16', [10])).toEqual([]);
  });
});

describe('prev_padding is passed to subbuf_start up to v6.16', () => {
  const seenBy = (kernel: KernelVersion, n: number, sizes: number[], accept: (ready: number, n: number) => boolean) => {
    const seen: (number | undefined)[] = [];
    const cb: RchanCallbacks = {
      isGlobal: false,
      subbufStart: (b, _subbuf, _prev, prevPadding) => {
        seen.push(prevPadding);
        return accept(b.ready, b.nSubbufs);
      },
    };
    const { buf } = open(kernel, 16, n, cb);
    sizes.forEach((size, k) => relayWrite(buf, rec(size, k + 1)));
    return seen;
  };
  const always = () => true;
  const noOverwrite = (ready: number, n: number) => ready < n;
  // Sub-buffer 0 is produced with padding 6, sub-buffer 1 with padding 4.
  const sizes = [10, 12, 16];

  it('v6.16 passes 0 at open, then the padding of the sub-buffer produced last', () => {
    expect(seenBy('v6.16', 4, sizes, always)).toEqual([0, 6, 4]);
  });

  it('v6.17 passes nothing', () => {
    expect(seenBy('v6.17', 4, sizes, always)).toEqual([undefined, undefined, undefined]);
  });

  it('v6.16 passes the same value again on a stalled retry', () => {
    // One sub-buffer: the second write produces it (padding 6) and is refused; the third retries.
    expect(seenBy('v6.16', 1, [10, 10, 10], noOverwrite)).toEqual([0, 6, 6]);
  });
});

describe('sendfile works up to v6.7', () => {
  const sendfile = (kernel: KernelVersion, count: number) => {
    const { buf } = open(kernel, 16, 4);
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(12, 2));
    relayWrite(buf, rec(5, 3)); // the current sub-buffer: never sent
    const file = relayFileOpen(buf);
    const chunks: number[] = [];
    const ret = relayFileSendfile(file, count, new Uint8Array(100), chunks);
    return { ret, chunks, ready: buf.ready, fPos: file.fPos };
  };

  it('v6.7 sends whole produced sub-buffers without their padding, and consumes them', () => {
    expect(sendfile('v6.7', 100)).toEqual({ ret: 22, chunks: [0, 10, 16, 12], ready: 0, fPos: 32 });
  });

  it('v6.16 refuses with EINVAL and changes nothing', () => {
    expect(sendfile('v6.16', 100)).toEqual({ ret: 'EINVAL', chunks: [], ready: 2, fPos: 0 });
  });

  it('v6.7 sends no partial sub-buffer: a count that cuts one stops before it', () => {
    expect(sendfile('v6.7', 15)).toEqual({ ret: 10, chunks: [0, 10], ready: 1, fPos: 16 });
  });
});

describe('read() starts from the file position before v6.4', () => {
  // Two readers of one file share the consumer state (§6.2); the old path trusts each reader's f_pos.
  const twoReaders = (kernel: KernelVersion) => {
    const { buf } = open(kernel, 16, 4);
    relayWrite(buf, rec(8, 1));
    const a = relayFileOpen(buf);
    const b = relayFileOpen(buf);
    const first = readAll(a);
    relayWrite(buf, rec(4, 2));
    const second = readAll(b); // f_pos 0: both versions use the counters
    relayWrite(buf, rec(2, 3));
    return { first: first.length, second, again: readAll(a) };
  };

  it('v6.3 re-reads what a second reader already took', () => {
    expect(twoReaders('v6.3')).toEqual({ first: 8, second: [2, 2, 2, 2], again: [2, 2, 2, 2, 3, 3] });
  });

  it('v6.4 and later (v6.7) continue after it', () => {
    expect(twoReaders('v6.7')).toEqual({ first: 8, second: [2, 2, 2, 2], again: [3, 3] });
  });

  const afterConsume = (kernel: KernelVersion) => {
    const { chan, buf } = open(kernel, 16, 4);
    relayWrite(buf, rec(10, 1));
    const file = relayFileOpen(buf);
    const first = readAll(file, 4);
    relayWrite(buf, rec(10, 2)); // produces sub-buffer 0
    relaySubbufsConsumed(chan, 0, 1);
    return { first, next: readAll(file, 2) };
  };

  it('v6.3 reads from a stale position after relay_subbufs_consumed', () => {
    expect(afterConsume('v6.3')).toEqual({ first: [1, 1, 1, 1], next: [1, 1] });
  });

  it('v6.7 follows the counters (skipping bytes_consumed, as example G)', () => {
    expect(afterConsume('v6.7')).toEqual({ first: [1, 1, 1, 1], next: [2, 2] });
  });
});

describe('the deferred wakeup is a timer up to v4.9', () => {
  const closeWithPendingWakeup = (kernel: KernelVersion) => {
    const { chan, buf, events } = open(kernel, 16, 4);
    relayFilePoll(relayFileOpen(buf));
    relayWrite(buf, rec(10, 1));
    relayWrite(buf, rec(10, 2)); // produces: a poller sleeps, so a wakeup is queued
    const queued = relayWakeupPending(buf);
    relayClose(chan);
    return { queued, pendingAfter: relayWakeupPending(buf), wakeups: events.filter((e) => e.kind === 'wakeup').length };
  };

  it('relay_close cancels a pending timer on v4.9 (del_timer_sync): the poller is not woken', () => {
    expect(closeWithPendingWakeup('v4.9')).toEqual({ queued: true, pendingAfter: false, wakeups: 0 });
  });

  it('relay_close runs a pending irq_work on v6.17 (irq_work_sync)', () => {
    expect(closeWithPendingWakeup('v6.17')).toEqual({ queued: true, pendingAfter: false, wakeups: 1 });
  });

  it('the timer fires at the next 4 ms jiffy, never at the moment it is armed', () => {
    expect(nextJiffy(0)).toBeCloseTo(0.004, 12);
    expect(nextJiffy(0.0041)).toBeCloseTo(0.008, 12);
    expect(nextJiffy(0.004)).toBeCloseTo(0.008, 12);
  });
});
