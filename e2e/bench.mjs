#!/usr/bin/env node
// `npm run bench [-- --json]`: the Node benchmarks (relayscope bench), then the browser ones
// in headless Chromium against the production build (vite build + vite preview), the Chromium
// found as `npm test` finds it. Everything runs RUNS times and each figure printed is the
// median of the runs (one loaded moment then moves no figure). With --json the last line is
// one JSON object of every figure, and `runs` says how many each is the median of.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { previewBrowser } from './previewBrowser.mjs';

/** @typedef {import('../src/workers/bench.ts').BrowserBenchResults} BrowserBenchResults */

const root = fileURLToPath(new URL('..', import.meta.url));
const json = process.argv.includes('--json');
/** @param {string} line */
const say = (line) => process.stdout.write(`${line}\n`);

const RUNS = 3;

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
/**
 * Every numeric field (nested ones too) as the median of the runs; other fields from the first.
 * @template T
 * @param {T[]} runs
 * @returns {T}
 */
function medianOf(runs) {
  const first = /** @type {any} */ (runs[0]);
  if (typeof first === 'number') return /** @type {any} */ (median(/** @type {any} */ (runs)));
  if (first === null || typeof first !== 'object') return first;
  /** @type {any} */
  const out = Array.isArray(first) ? [] : {};
  for (const key of Object.keys(first)) out[key] = medianOf(runs.map((r) => /** @type {any} */ (r)[key]));
  return out;
}

const nodeRuns = [];
let nodeLines = /** @type {string[]} */ ([]);
for (let run = 0; run < RUNS; run++) {
  const node = spawnSync(process.execPath, [`${root}build/cli/src/cli/main.js`, 'bench', '--json'], { encoding: 'utf8', cwd: root });
  if (node.status !== 0) {
    process.stderr.write(node.stderr);
    process.exit(node.status ?? 1);
  }
  nodeLines = node.stdout.trim().split('\n');
  nodeRuns.push(JSON.parse(nodeLines.pop() ?? '{}'));
}
const nodeFigures = medianOf(nodeRuns);
say(`Node, the last of ${RUNS} runs (the JSON figures are the medians):`);
for (const line of nodeLines) say(line);

// RELAYSCOPE_BENCH_PORT: another port for the preview server, when 4175 is taken.
const { browser, url, close } = await previewBrowser(Number(process.env.RELAYSCOPE_BENCH_PORT ?? 4175));
/** @type {BrowserBenchResults[]} */
const browserRuns = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage();
    await page.goto(`${url}?bench`);
    await page.waitForFunction(() => 'relayscopeBench' in window);
    browserRuns.push(await page.evaluate(() => /** @type {any} */ (window).relayscopeBench.run()));
    await page.close();
  }
} finally {
  await close();
}
/** @type {BrowserBenchResults} */
const r = medianOf(browserRuns);

/** @param {number} x */
const m = (x) => `${(x / 1e6).toFixed(1)} M records/s`;
say('');
say(`in headless Chromium (production build), 64-byte records, ${r.records / 1e6} M per run, median of ${RUNS} runs:`);
say(`  bare Uint8Array.set copy loop, one worker:           ${m(r.copyPerS)}`);
say(`  relay producer, overwrite, no reader, one worker:    ${m(r.enginePerS)}   (${r.browser_engine_vs_copy.toFixed(2)} of the copy loop)`);
say(`  ringbuf.js, one pusher and one popper:              ${m(r.ringbufPerS)}`);
for (const [n, perS] of Object.entries(r.pipelinePerS))
  say(`  relay, ${n} producer${n === '1' ? '' : 's'} and ${n} reader${n === '1' ? '' : 's'}, no loss:         ${m(perS)}`);
say(`  relay with a reader vs ringbuf.js: ${r.browser_engine_vs_ringbuf.toFixed(2)}; vs the copy loop: ${r.browser_with_reader_vs_copy.toFixed(2)}; records lost: ${r.pipelineLost}`);
say(`  wakeup latency, production to reader running: median ${r.wakeupLatencyUsMedian.toFixed(0)} us over ${r.wakeups} wakeups`);

if (json) {
  /** @param {number} x @param {number} [d] */
  const round = (x, d = 3) => Number(x.toFixed(d));
  say(
    JSON.stringify({
      runs: RUNS,
      ...nodeFigures,
      browser_engine_vs_copy: round(r.browser_engine_vs_copy),
      browser_engine_vs_ringbuf: round(r.browser_engine_vs_ringbuf),
      browser_with_reader_vs_copy: round(r.browser_with_reader_vs_copy),
      wakeup_latency_us_median: round(r.wakeupLatencyUsMedian, 1),
      browser_copy_records_per_s: Math.round(r.copyPerS),
      browser_engine_records_per_s: Math.round(r.enginePerS),
      browser_ringbuf_records_per_s: Math.round(r.ringbufPerS),
      browser_pipeline_records_per_s_1: Math.round(r.pipelinePerS[1]),
      browser_pipeline_records_per_s_2: Math.round(r.pipelinePerS[2]),
      browser_pipeline_records_per_s_4: Math.round(r.pipelinePerS[4]),
      browser_pipeline_lost: r.pipelineLost,
    }),
  );
}
