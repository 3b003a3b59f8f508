import { describe, expect, it } from 'vitest';
import { createLiveRun } from '../workers/client.ts';
import { createSingleThreadExplorer } from '../workers/exploreClient.ts';
import { createAppStore } from './index.ts';
import { MAX_OPS, queryToState } from './urlState.ts';
import { syncUrl } from './urlSync.ts';

describe('the address as the run goes on', () => {
  it('stops at the last address that opens once the run has more operations than one holds, and says why', async () => {
    const store = createAppStore({ createRun: createLiveRun, createExplorer: () => createSingleThreadExplorer('a unit test has no workers') });
    const written: string[] = [];
    const stop = syncUrl(store, false, (query) => written.push(query));
    const st = () => store.getState();
    st().startLive({ channel: { cpus: 1, subbufSize: 4096, nSubbufs: 4 }, reader: { enabled: false } }, 1, { mode: 'deterministic' });
    for (let i = 0; i < MAX_OPS; i++) {
      st().stepLive({ kind: 'events', count: 1 });
      await st().operateLive({ op: 'flush' });
    }
    st().stepLive({ kind: 'events', count: 1 });
    const last = written.at(-1) ?? '';
    const reading = queryToState(last);
    expect(reading.ok && reading.state.ops.length).toBe(MAX_OPS);
    expect(st().addressNote).toBeNull();

    await st().operateLive({ op: 'flush' });
    expect(st().addressNote).toBe(`ops holds ${MAX_OPS + 1} operations; at most ${MAX_OPS}`);
    st().stepLive({ kind: 'events', count: 1 });
    expect(written.at(-1)).toBe(last);

    // A new run fits again.
    st().startLive(undefined, 2, { mode: 'deterministic' });
    expect(st().addressNote).toBeNull();
    expect(written.at(-1)).toContain('seed=2');
    stop();
  });
});
