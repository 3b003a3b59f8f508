import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSimConfig } from './simConfig.ts';
import { Simulation } from './simulation.ts';
import { runSweep } from './sweep.ts';
import { WorkloadError, checkWorkload, fnv1a64, parseWorkloadCsv, replayStreams } from './workloadCsv.ts';

const config = parseSimConfig({ channel: { cpus: 2, subbufSize: 1024, nSubbufs: 4 }, reader: { period: 0.01 } });

const refused = (text: string, message: string | RegExp) => {
  expect(() => parseWorkloadCsv(text, 'w.csv')).toThrow(WorkloadError);
  expect(() => parseWorkloadCsv(text, 'w.csv')).toThrow(message);
};

describe('imported workloads', () => {
  it('hashes with 64-bit FNV-1a, matching the published test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('reads headerless lines as timestamp_us, cpu, size, and replays them in time order from 0', () => {
    const w = parseWorkloadCsv('# recorded on a test box\n1000500,1,40\n1000000,0,32\n\n1000250,0,64\n', 'w.csv');
    expect(Array.from(w.timesNs)).toEqual([0, 250_000, 500_000]);
    expect(Array.from(w.cpus)).toEqual([0, 0, 1]);
    expect(Array.from(w.sizes)).toEqual([32, 64, 40]);
    expect(Array.from(w.lines)).toEqual([3, 5, 2]);
    expect(w.duration).toBeCloseTo(0.0005);
    expect(w.maxCpu).toBe(1);
    expect(w.maxSize).toBe(64);
  });

  it('takes the columns and the unit from a header, in any order', () => {
    const s = parseWorkloadCsv('size,cpu,timestamp_s\n32,0,10.5\n64,1,10.25\n');
    expect(Array.from(s.timesNs)).toEqual([0, 250_000_000]);
    expect(Array.from(s.sizes)).toEqual([64, 32]);
  });

  it('keeps file order among records with the same timestamp, and the hash tells the orders apart', () => {
    const a = parseWorkloadCsv('5,0,32\n5,0,48\n');
    const b = parseWorkloadCsv('5,0,48\n5,0,32\n');
    expect(Array.from(a.sizes)).toEqual([32, 48]);
    expect(Array.from(b.sizes)).toEqual([48, 32]);
    expect(a.hash).not.toBe(b.hash);
  });

  it('hashes the replayed contents: the same records in another unit, order or offset hash alike', () => {
    const a = parseWorkloadCsv('timestamp_us,cpu,size\n0,0,32\n1500,1,48\n');
    const b = parseWorkloadCsv('cpu,size,timestamp_s\n1,48,7.0015\r\n0,32,7\r\n');
    const c = parseWorkloadCsv('timestamp_us,cpu,size\n0,0,32\n1500,1,49\n');
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
  });

  it('says which line, column and field is wrong, and why', () => {
    refused('0,0,32\n5,0,abc\n', 'w.csv:2: size "abc" (column 3) is not an integer');
    refused('0,0,32\nx1,0,32\n', 'w.csv:2: timestamp_us "x1" (column 1) is not a non-negative number');
    refused('0,0,32\n-4,0,32\n', 'w.csv:2: timestamp_us "-4" (column 1) is not a non-negative number');
    refused('0,1.5,32\n', 'w.csv:1: cpu "1.5" (column 2) is not an integer from 0 to 63');
    refused('0,0,8\n', "w.csv:1: size \"8\" (column 3) is below 16 bytes, the size of the simulated record's header");
    refused('0,0,32\n1,0\n', 'w.csv:2: expected 3 fields (timestamp_us, cpu, size), got 2');
    refused('timestamp,cpu,size\n0,0,32\n', 'w.csv:1: column 1 "timestamp" needs its unit: timestamp_us or timestamp_s');
    refused('when,cpu,size\n', 'w.csv:1: column 1 "when" is not one of timestamp_us, timestamp_s, cpu, size');
    refused('timestamp_us,timestamp_s,cpu,size\n', 'exactly one timestamp column');
    refused('# nothing\n\n', 'w.csv: no records');
    refused('timestamp_us,cpu,size\n', 'w.csv: no records after the header');
  });

  it('refuses a CPU beyond the configuration, or a record above 4 sub-buffers, naming the line', () => {
    const w = parseWorkloadCsv('0,0,32\n10,3,32\n', 'w.csv');
    expect(() => checkWorkload(w, config)).toThrow("w.csv:2: cpu 3 is beyond the channel's 2 CPUs (0 to 1)");
    expect(() => new Simulation(config, { seed: 1, workload: w })).toThrow(WorkloadError);
    const big = parseWorkloadCsv('0,0,32\n10,1,5000\n', 'w.csv');
    expect(() => checkWorkload(big, config)).toThrow('w.csv:2: size 5000 is above 4096 bytes (4 sub-buffers of 1024, at most 16 MiB)');
  });

  it('splits the records by CPU for the producers, in seconds', () => {
    const w = parseWorkloadCsv('0,1,40\n10,0,32\n20,1,48\n');
    const [cpu0, cpu1] = replayStreams(w, 2);
    expect(Array.from(cpu0.times)).toEqual([10e-6]);
    expect(Array.from(cpu1.times)).toEqual([0, 20e-6]);
    expect(Array.from(cpu1.sizes)).toEqual([40, 48]);
  });

  it('replays exactly the imported records, deterministically, whatever the generated workload says', () => {
    const lines = ['timestamp_us,cpu,size'];
    for (let i = 0; i < 3000; i++) lines.push(`${i * 20},${i % 3 === 0 ? 1 : 0},${16 + (i % 200)}`);
    const w = parseWorkloadCsv(lines.join('\n'));
    const run = (seed: number) => {
      const sim = new Simulation(config, { seed, workload: w });
      sim.runUntil(w.duration);
      return sim.accounting();
    };
    const acc = run(1);
    expect(acc[0].written).toBe(2000);
    expect(acc[1].written).toBe(1000);
    for (const a of acc) expect(a.unaccounted).toBe(0);
    expect(run(1)).toEqual(acc);
    // The seed only moves the reader's jitter: the records written are the file's.
    expect(run(2).map((a) => a.written)).toEqual([2000, 1000]);
  });

  it('sweeps an imported workload, refusing only the cells its records cannot fit', () => {
    const w = parseWorkloadCsv('0,0,1000\n100,1,1000\n200,0,1000\n');
    const r = runSweep(config, { seed: 1, seconds: 0.001, subbufSizes: [128, 1024], nSubbufs: [2], simOptions: { workload: w } });
    expect(r.cells[0].error).toMatch(/size 1000 is above 512 bytes/);
    expect(r.cells[1]).toMatchObject({ written: 3, lost: 0 });
  });

  it('reads records with distinct timestamps the same in either unit, in any order, with or without a header', () => {
    const recordArb = fc.record({ us: fc.integer({ min: 0, max: 5_000_000 }), cpu: fc.integer({ min: 0, max: 7 }), size: fc.integer({ min: 16, max: 4000 }) });
    fc.assert(
      fc.property(fc.uniqueArray(recordArb, { minLength: 1, maxLength: 60, selector: (r) => r.us }), fc.boolean(), fc.integer(), (records, seconds, shuffle) => {
        const plain = parseWorkloadCsv(records.map((r) => `${r.us},${r.cpu},${r.size}`).join('\n'));
        const order = records.map((r, i) => ({ r, key: Math.imul(i + 1, shuffle | 1) >>> 0 })).sort((a, b) => a.key - b.key);
        const header = seconds ? 'cpu,timestamp_s,size' : 'size,timestamp_us,cpu';
        const body = order.map(({ r }) => (seconds ? `${r.cpu},${r.us / 1e6},${r.size}` : `${r.size},${r.us},${r.cpu}`));
        const other = parseWorkloadCsv([header, ...body].join('\n'));
        expect(other.hash).toBe(plain.hash);
        expect(Array.from(other.timesNs)).toEqual(Array.from(plain.timesNs));
        const perCpu = replayStreams(other, 8).map((s) => s.times.length);
        expect(perCpu.reduce((a, b) => a + b, 0)).toBe(records.length);
        for (const s of replayStreams(other, 8)) for (let i = 1; i < s.times.length; i++) expect(s.times[i]).toBeGreaterThanOrEqual(s.times[i - 1]);
      }),
      { seed: 17, numRuns: 200 },
    );
  });
});
