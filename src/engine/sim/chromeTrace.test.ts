import { describe, expect, it } from 'vitest';
import { chromeTrace, ChromeTraceRecorder, type ChromeTrace, type ChromeTraceEvent } from './chromeTrace.ts';
import { findPreset } from './presets.ts';
import { parseSimConfig } from './simConfig.ts';
import { Simulation } from './simulation.ts';

const oneSubbuf = (findPreset('one-subbuf') ?? { config: parseSimConfig({}) }).config;

const byTrack = (trace: ChromeTrace): Map<string, ChromeTraceEvent[]> => {
  const tracks = new Map<string, ChromeTraceEvent[]>();
  for (const e of trace.traceEvents) {
    if (e.ph === 'M') continue;
    const key = e.ph === 'C' ? `${e.pid}/${e.name}` : `${e.pid}/${e.tid}`;
    tracks.set(key, [...(tracks.get(key) ?? []), e]);
  }
  return tracks;
};

describe('Chrome trace export', () => {
  const sim = new Simulation(oneSubbuf, { seed: 4 });
  const trace = JSON.parse(JSON.stringify(chromeTrace(sim, 0.2))) as ChromeTrace;

  it('survives a JSON round trip as the object form, with microsecond timestamps and the run in otherData', () => {
    expect(Array.isArray(trace.traceEvents)).toBe(true);
    expect(trace.displayTimeUnit).toBe('ms');
    expect(trace.otherData).toMatchObject({ source: 'relayscope', seed: 4, seconds: 0.2 });
    for (const e of trace.traceEvents) {
      expect(typeof e.name).toBe('string');
      expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
      expect(e.ts).toBeGreaterThanOrEqual(0);
      expect(e.ts).toBeLessThanOrEqual(200_000);
    }
  });

  it('names one process and one thread per CPU', () => {
    const meta = trace.traceEvents.filter((e) => e.ph === 'M');
    expect(meta.filter((e) => e.name === 'process_name').map((e) => [e.pid, e.args.name])).toEqual([
      [1, 'CPU 0'],
      [2, 'CPU 1'],
    ]);
    expect(meta.filter((e) => e.name === 'thread_name').map((e) => [e.pid, e.tid, e.args.name])).toEqual([
      [1, 1, 'CPU 0'],
      [2, 2, 'CPU 1'],
    ]);
  });

  it('samples produced, consumed and ready for every buffer, a bounded number of times', () => {
    const counters = trace.traceEvents.filter((e) => e.ph === 'C');
    for (const pid of [1, 2])
      for (const name of ['subbufs_produced', 'subbufs_consumed', 'ready']) {
        const series = counters.filter((e) => e.pid === pid && e.name === name);
        expect(series.length).toBeGreaterThanOrEqual(500);
        expect(series.length).toBeLessThanOrEqual(502);
      }
    const last = (name: string) => counters.filter((e) => e.pid === 1 && e.name === name).at(-1)?.args.value;
    expect(last('subbufs_produced')).toBe(sim.chan.buf(0)?.produced);
    expect(Number(last('ready'))).toBe(Number(last('subbufs_produced')) - Number(last('subbufs_consumed')));
  });

  it('marks drops once per burst with their count, and wakeups, on the CPU that wrote', () => {
    const instants = trace.traceEvents.filter((e) => e.ph === 'i');
    expect(instants.every((e) => e.s === 't' && e.tid === e.pid)).toBe(true);
    const drops = instants.filter((e) => e.name === 'dropped full');
    const wakeups = instants.filter((e) => e.name === 'wakeup');
    expect(drops.length).toBeGreaterThan(0);
    expect(wakeups.length).toBeGreaterThan(0);
    const dropped = drops.reduce((s, e) => s + Number(e.args.count), 0);
    expect(dropped).toBe(sim.stats.total(2));
    expect(drops.some((e) => Number(e.args.count) > 1)).toBe(true);
    expect(drops.every((e) => Number(e.args.last_us) >= e.ts)).toBe(true);
  });

  it('keeps every track in timestamp order', () => {
    for (const [, events] of byTrack(trace)) for (let i = 1; i < events.length; i++) expect(events[i].ts).toBeGreaterThanOrEqual(events[i - 1].ts);
  });

  it('gives one process for a global buffer, with a thread per writing CPU', () => {
    const global = parseSimConfig({ channel: { cpus: 3, global: true, nSubbufs: 2, subbufSize: 4096 }, workload: { rate: 5000 } });
    const t = chromeTrace(new Simulation(global, { seed: 1 }), 0.05, { sampleInterval: 0.01 });
    const names = t.traceEvents.filter((e) => e.name === 'process_name');
    expect(names).toEqual([expect.objectContaining({ pid: 1, args: { name: 'global buffer' } })]);
    expect(t.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.tid)).toEqual([1, 2, 3]);
    expect(t.traceEvents.filter((e) => e.ph === 'C' && e.name === 'ready')).toHaveLength(6);
  });

  it('runs in slices to the same trace, and bounds instant events, counting those left out', () => {
    const whole = chromeTrace(new Simulation(oneSubbuf, { seed: 4 }), 0.1);
    const recorder = new ChromeTraceRecorder(new Simulation(oneSubbuf, { seed: 4 }), 0.1);
    let slices = 0;
    while (!recorder.advance(0.1, 1000)) slices++;
    expect(slices).toBeGreaterThan(3);
    expect(recorder.trace()).toEqual(whole);
    const capped = chromeTrace(new Simulation(oneSubbuf, { seed: 4 }), 0.1, { maxInstants: 5 });
    expect(capped.traceEvents.filter((e) => e.ph === 'i')).toHaveLength(5);
    const all = whole.traceEvents.filter((e) => e.ph === 'i').length;
    expect(capped.otherData.instantsLeftOut).toBe(all - 5);
  });
});
