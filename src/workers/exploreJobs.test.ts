import { describe, expect, it } from 'vitest';
import { Simulation, chromeTrace, parseSimConfig, parseWorkloadCsv, runSweep, simReport } from '../engine/index.ts';
import { openJob, runJob, type ExploreJob, type ExploreResult } from './exploreJobs.ts';

const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 2048, nSubbufs: 4 }, workload: { rate: 40000 }, reader: { period: 0.02 } });

/** Runs a job through the sliced loop, as the worker does. */
function sliced(job: ExploreJob): Promise<{ result: ExploreResult; progress: number[] }> {
  const progress: number[] = [];
  return new Promise((resolve, reject) => {
    runJob(job, { progress: (p) => progress.push(p.fraction), result: (result) => resolve({ result, progress }), error: reject });
  });
}

describe('explore jobs run in slices', () => {
  it('give the same sweep as runSweep, with progress rising to 1', async () => {
    const axes = { subbufSizes: [1024, 4096], nSubbufs: [2, 8] };
    const { result, progress } = await sliced({ kind: 'sweep', config, seed: 5, seconds: 0.2, axes });
    expect(result).toEqual({ kind: 'sweep', result: runSweep(config, { seed: 5, seconds: 0.2, ...axes }) });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((x, y) => x - y)).toEqual(progress);
  });

  it('compare two configurations on the same seed and imported workload', async () => {
    const workload = parseWorkloadCsv('timestamp_us,cpu,size\n0,0,64\n10,1,100\n2000,0,300\n', 'w.csv');
    const other = parseSimConfig({ ...config, channel: { ...config.channel, nSubbufs: 8 } });
    const { result } = await sliced({ kind: 'compare', configs: [config, other], seed: 2, seconds: 0.01, workload });
    const alone = (c: typeof config) => {
      const sim = new Simulation(c, { seed: 2, workload });
      sim.runUntil(0.01);
      return simReport(sim);
    };
    expect(result.kind === 'compare' && result.reports).toEqual([alone(config), alone(other)]);
    expect(result.kind === 'compare' && result.reports[0].total.written).toBe(3);
    // A replay that lost nothing is loss-free over the capture, with its measured rates.
    const outcomes = result.kind === 'compare' ? result.outcomes : [];
    expect(outcomes.map((o) => o.verdict.verdictText)).toEqual(['loss-free over the capture', 'loss-free over the capture']);
    expect(outcomes.every((o) => o.capacity.measured)).toBe(true);
  });

  it('record the same Chrome trace as chromeTrace', async () => {
    const { result } = await sliced({ kind: 'trace', config, seed: 9, seconds: 0.3 });
    expect(result).toEqual({ kind: 'trace', trace: chromeTrace(new Simulation(config, { seed: 9 }), 0.3) });
  });

  it('stop when cancelled, and report a configuration that cannot run', async () => {
    const job: ExploreJob = { kind: 'sweep', config, seed: 1, seconds: 1, axes: {} };
    let slices = 0;
    const cancel = runJob(job, { progress: () => void (slices += 1), result: () => expect.fail('cancelled'), error: expect.fail });
    cancel();
    await new Promise((r) => setTimeout(r, 20));
    expect(slices).toBe(0);
    const bad = parseWorkloadCsv('0,5,64\n', 'w.csv');
    const error = await new Promise<string>((resolve) => runJob({ kind: 'trace', config, seed: 1, seconds: 1, workload: bad }, { progress() {}, result() {}, error: resolve }));
    expect(error).toBe("w.csv:1: cpu 5 is beyond the channel's 2 CPUs (0 to 1)");
    expect(() => openJob({ kind: 'trace', config, seed: 1, seconds: 1, workload: bad })).toThrow(/cpu 5/);
  });
});
