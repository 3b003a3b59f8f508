import { describe, expect, it } from 'vitest';
import { parseSimConfig, runSweep } from '../engine/index.ts';
import { createLiveRun } from '../workers/client.ts';
import { createSingleThreadExplorer, type Explorer } from '../workers/exploreClient.ts';
import { createAppStore } from './index.ts';
import { queryToState, stateToQuery } from './urlState.ts';
import { currentUrlState, restoreRun } from './urlSync.ts';
import { forgetWorkload, importWorkload } from './workloadImport.ts';

const made: Explorer[] = [];
const newStore = () =>
  createAppStore({
    createRun: createLiveRun,
    createExplorer: () => {
      const e = createSingleThreadExplorer('a unit test has no workers');
      made.push(e);
      return e;
    },
  });

const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 2048, nSubbufs: 4 }, workload: { rate: 40000 }, reader: { period: 0.02 } });
const axes = { subbufSizes: [1024, 2048], nSubbufs: [2, 4] };
const CSV = 'timestamp_us,cpu,size\n0,0,64\n5,1,80\n1000,0,200\n';

describe('the explore slice', () => {
  it('runs a sweep to the same result as the engine, with the run\'s seed', async () => {
    const store = newStore();
    store.setState({ liveSeed: 4 });
    const done = store.getState().startSweep({ config, seconds: 0.1, axes });
    expect(store.getState().sweep.status).toBe('running');
    await done;
    const { sweep } = store.getState();
    expect(sweep.status).toBe('done');
    expect(sweep.result?.result).toEqual(runSweep(config, { seed: 4, seconds: 0.1, ...axes }));
    expect(store.getState().exploreFallback).toBe('a unit test has no workers');
  });

  it('keeps the last result when a sweep is cancelled', async () => {
    const store = newStore();
    await store.getState().startSweep({ config, seconds: 0.05, axes });
    const before = store.getState().sweep.result;
    const next = store.getState().startSweep({ config, seconds: 1, axes: {} });
    store.getState().cancelSweep();
    await next;
    expect(store.getState().sweep).toMatchObject({ status: 'cancelled', error: null, progress: null });
    expect(store.getState().sweep.result).toBe(before);
  });

  it('compares two configurations and keeps them with the reports', async () => {
    const store = newStore();
    const b = parseSimConfig({ ...config, channel: { ...config.channel, nSubbufs: 16 } });
    await store.getState().startCompare([config, b], 0.1);
    const r = store.getState().compare.result;
    expect(r?.configs).toEqual([config, b]);
    expect(r?.reports.map((x) => x.config.channel.nSubbufs)).toEqual([4, 16]);
    expect(r?.reports[0].total.written).toBe(r?.reports[1].total.written);
    // Each side with its steady-state verdict, peak backlog and capacity analysis.
    expect(r?.outcomes.map((o) => o.capacity.bottleneck)).toEqual(['buffer', 'buffer']);
    expect(r?.outcomes.every((o) => o.verdict.verdict !== null && o.peakBacklogBytes > 0)).toBe(true);
  });
});

describe('an imported workload', () => {
  it('replays through the current settings in a deterministic run, and the address names its hash', () => {
    const store = newStore();
    store.getState().startLive(config, 1, { mode: 'live' });
    expect(importWorkload(store, CSV, 'w.csv')).toBeNull();
    const st = store.getState();
    expect(st.liveWorkload?.timesNs.length).toBe(3);
    expect(st.liveMode).toBe('deterministic');
    st.stepLive({ kind: 'time', seconds: 0.01 });
    expect(store.getState().liveRun()?.accounting().reduce((n, a) => n + a.written, 0)).toBe(3);
    const query = stateToQuery(currentUrlState(store, false));
    expect(query).toContain(`workload=${st.liveWorkload?.hash}`);
    forgetWorkload(store);
    expect(store.getState().liveWorkload).toBeNull();
    expect(stateToQuery(currentUrlState(store, false))).not.toContain('workload=');
  });

  it('that does not parse is refused with its line and field, and the run goes on', () => {
    const store = newStore();
    store.getState().startLive(config, 1, { mode: 'deterministic' });
    const run = store.getState().liveRun();
    expect(importWorkload(store, 'timestamp_us,cpu,size\n0,0,64\n7,0,abc\n', 'bad.csv')).toBe('bad.csv:3: size "abc" (column 3) is not an integer');
    expect(importWorkload(store, '0,9,64\n', 'cpu.csv')).toBe("cpu.csv:1: cpu 9 is beyond the channel's 2 CPUs (0 to 1)");
    expect(store.getState().liveRun()).toBe(run);
    expect(store.getState().liveWorkload).toBeNull();
  });

  it('named by an address waits for its file, refuses another, and restores the run once given', () => {
    const store = newStore();
    const source = newStore();
    source.getState().startLive(config, 6, { mode: 'deterministic' });
    importWorkload(source, CSV, 'w.csv');
    source.getState().stepLive({ kind: 'events', count: 4 });
    const query = stateToQuery(currentUrlState(source, false));

    const reading = queryToState(query);
    if (!reading.ok) throw new Error(reading.error);
    restoreRun(store, reading.state);
    expect(store.getState().liveRun()).toBeNull();
    expect(store.getState().liveWorkloadPending?.workload).toBe(source.getState().liveWorkload?.hash);
    // The address stays as it was while the file is missing.
    expect(stateToQuery(currentUrlState(store, false))).toBe(query);

    expect(importWorkload(store, '0,0,64\n', 'other.csv')).toMatch(/^other\.csv is not the workload this address names: its hash is [0-9a-f]{16}, the address names [0-9a-f]{16}$/);
    expect(store.getState().liveRun()).toBeNull();
    // The same records in another layout hash alike.
    expect(importWorkload(store, 'size,cpu,timestamp_s\n64,0,2\n80,1,2.000005\n200,0,2.001\n', 'again.csv')).toBeNull();
    const run = store.getState().liveRun();
    expect(run?.mode).toBe('deterministic');
    expect(run?.mode === 'deterministic' && run.eventsRun()).toBe(4);
    expect(store.getState().liveSeed).toBe(6);
    expect(stateToQuery(currentUrlState(store, false))).toBe(query);
  });
});
