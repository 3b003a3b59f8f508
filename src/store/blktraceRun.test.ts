import { describe, expect, it } from 'vitest';
import { ConfigError } from '../engine/index.ts';
import { createLiveRun } from '../workers/client.ts';
import { createSingleThreadExplorer } from '../workers/exploreClient.ts';
import { createAppStore } from './index.ts';

describe('blktrace records in the page', () => {
  it('a live run refuses them with a message and the current run goes on; a deterministic run takes them', () => {
    const store = createAppStore({ createRun: createLiveRun, createExplorer: () => createSingleThreadExplorer('a unit test has no workers') });
    store.getState().startLive({ channel: { cpus: 2 } }, 1, { mode: 'deterministic' });
    const before = store.getState().liveRun();
    const blk = { channel: { cpus: 2 }, workload: { format: 'blktrace' } };
    expect(() => store.getState().startLive(blk, 1, { mode: 'live' })).toThrow(ConfigError);
    expect(() => store.getState().startLive(blk, 1, { mode: 'live' })).toThrow(/^workload.format blktrace runs in deterministic mode only/);
    expect(store.getState().liveRun()).toBe(before);
    expect(store.getState().liveConfig.workload.format).toBe('relayscope');
    store.getState().startLive(blk, 1, { mode: 'deterministic' });
    expect(store.getState().liveConfig.workload.format).toBe('blktrace');
    expect(store.getState().liveRun()).not.toBe(before);
  });
});
