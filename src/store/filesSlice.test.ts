import { describe, expect, it } from 'vitest';
import { openSimChannel, parseSimConfig, type Rchan } from '../engine/index.ts';
import { createAppStore } from './index.ts';
import { currentFiles } from './filesSlice.ts';
import { createLiveRun, type LiveRun } from '../workers/client.ts';
import { createSingleThreadExplorer } from '../workers/exploreClient.ts';

const noExplorer = () => createSingleThreadExplorer('a unit test has no workers');

/** A channel of 3 sub-buffers of 3000 bytes per CPU. */
function channel(kernel = 'v6.17', cpus = 1): Rchan {
  const config = parseSimConfig({ channel: { cpus, subbufSize: 3000, nSubbufs: 3, kernel } });
  return openSimChannel(config, (n) => new ArrayBuffer(n)).chan;
}

describe('the files slice', () => {
  /** A stand-in run over a real channel; `live` ones count their pauses and resumes. */
  function fakeRun(kind: LiveRun['kind'], calls: string[]): LiveRun {
    const chan = channel('v6.17', 2);
    return {
      mode: kind === 'deterministic' ? 'deterministic' : 'live',
      kind,
      chan,
      fallbackReason: null,
      accounting: () => [],
      pause: async () => void calls.push('pause'),
      resume: () => void calls.push('resume'),
      pageFrame: () => undefined,
      dispose: () => undefined,
    } as unknown as LiveRun;
  }

  it('pauses a live run around each call, lists fds closed ones included, and starts empty with the next run', async () => {
    const calls: string[] = [];
    const store = createAppStore({ createRun: () => fakeRun('workers', calls), createExplorer: noExplorer });
    store.getState().startLive();
    await store.getState().fileAct({ op: 'open', cpu: 1 });
    await store.getState().fileAct({ op: 'close', fd: 3 }, 1);
    const bad = await store.getState().fileAct({ op: 'read', fd: 3, count: 10 }, 1);
    expect(bad).toMatchObject({ cpu: 1, errno: 'EBADF' });
    expect(calls).toEqual(['pause', 'resume', 'pause', 'resume', 'pause', 'resume']);
    expect(currentFiles(store.getState()).fds).toEqual([{ fd: 3, cpu: 1, open: false }]);
    expect(currentFiles(store.getState()).results.map((r) => r.ret)).toEqual(['3 (kref 2)', '0', '-1 EBADF']);

    store.getState().startLive();
    expect(currentFiles(store.getState()).fds).toEqual([]);
    expect(store.getState().fileTable()).toBeNull();
  });

  it('records a deterministic run\'s calls at their event: going back undoes them, forward replays them, a call after going back starts a new future', async () => {
    const store = createAppStore({ createRun: createLiveRun, createExplorer: noExplorer });
    const config = { channel: { cpus: 2, subbufSize: 3000, nSubbufs: 3 }, workload: { rate: 20000, arrival: 'constant', size: 'fixed', sizeMin: 64 }, reader: { enabled: false } };
    store.getState().startLive(config, 1, { mode: 'deterministic' });
    const st = () => store.getState();
    st().stepLive({ kind: 'events', count: 100 });
    expect(await st().fileAct({ op: 'open', cpu: 1 })).toMatchObject({ fd: 3, ret: '3 (kref 2)' });
    st().stepLive({ kind: 'events', count: 100 });
    expect(await st().fileAct({ op: 'read', fd: 3, count: 64 })).toMatchObject({ ret: '64 from [0, 64)' });
    const calls = ['open("/sys/kernel/debug/relayscope/relay1", O_RDONLY)', 'read(3, buf, 64)'];
    expect(currentFiles(st()).results.map((r) => r.call)).toEqual(calls);
    expect(st().fileTable()?.openFds().map((f) => [f.fd, f.file.buf.cpu])).toEqual([[3, 1]]);

    // Back before the open: no files; forward again: both calls, with the same results.
    await st().seekLive(50);
    expect(currentFiles(st()).fds).toEqual([]);
    expect(st().fileTable()?.openFds()).toEqual([]);
    expect(st().liveRun()?.chan.buf(1)?.kref).toBe(1);
    await st().seekLive(150);
    expect(currentFiles(st()).fds).toEqual([{ fd: 3, cpu: 1, open: true }]);
    expect(currentFiles(st()).results.map((r) => r.call)).toEqual(calls.slice(0, 1));
    await st().seekLive(300);
    expect(currentFiles(st()).results.map((r) => r.ret)).toEqual(['3 (kref 2)', '64 from [0, 64)']);
    expect(st().liveRun()?.chan.buf(1)?.kref).toBe(2);

    // A call between the two starts a new future: the read is forgotten.
    await st().seekLive(150);
    expect(await st().fileAct({ op: 'close', fd: 3 })).toMatchObject({ ret: '0' });
    await st().seekLive(300);
    expect(currentFiles(st()).results.map((r) => r.call)).toEqual([calls[0], 'close(3)']);
    expect(currentFiles(st()).fds).toEqual([{ fd: 3, cpu: 1, open: false }]);
    expect(st().liveRun()?.chan.buf(1)?.kref).toBe(1);
  });
});
