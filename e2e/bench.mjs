#!/usr/bin/env node
// `npm run bench [-- --json]`: the Node benchmarks (relayscope bench), then the browser ones
// in headless Chromium against the production build (vite build + vite preview), the Chromium
// found as `npm test` finds it. With --json the last line is one JSON object of every figure.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { previewBrowser } from './previewBrowser.mjs';

/** @typedef {import('../src/workers/bench.ts').BrowserBenchResults} BrowserBenchResults */

const root = fileURLToPath(new URL('..', import.meta.url));
const json = process.argv.includes('--json');
/** @param {string} line */
const say = (line) => process.stdout.write(`${line}\n`);

const node = spawnSync(process.execPath, [`${root}build/cli/src/cli/main.js`, 'bench', '--json'], { encoding: 'utf8', cwd: root });
if (node.status !== 0) {
  process.stderr.write(node.stderr);
  process.exit(node.status ?? 1);
}
const nodeLines = node.stdout.trim().split('\n');
const nodeFigures = JSON.parse(nodeLines.pop() ?? '{}');
for (const line of nodeLines) say(line);

const { browser, url, close } = await previewBrowser(4175);
/** @type {BrowserBenchResults} */
let r;
try {
  const page = await browser.newPage();
  await page.goto(`${url}?bench`);
  await page.waitForFunction(() => 'relayscopeBench' in window);
  r = await page.evaluate(() => /** @type {any} */ (window).relayscopeBench.run());
} finally {
  await close();
}

/** @param {number} x */
const m = (x) => `${(x / 1e6).toFixed(1)} M records/s`;
say('');
say(`in headless Chromium (production build), 64-byte records, ${r.records / 1e6} M per run:`);
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
