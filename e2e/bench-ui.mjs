#!/usr/bin/env node
// `npm run bench:ui [-- --json]`: the page's cost per frame while the live engine runs a
// workload of 2 million records/s spread over the CPUs, in headless Chromium against the
// production build, at 1280x720 and at 1920x1080. After 2 s of warm-up it measures for 10 s:
// the script time of the app's own frame callbacks (median, p95) and Chromium's long animation
// frames over 50 ms, at 8 CPUs x 16 sub-buffers and at 64 CPUs x 64 sub-buffers. Each figure is
// the median of three runs, each in a fresh page.
import { previewBrowser } from './previewBrowser.mjs';

const json = process.argv.includes('--json');
/** @param {string} line */
const say = (line) => process.stdout.write(`${line}\n`);
/** @param {number[]} xs @param {number} q */
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const { browser, url, close } = await previewBrowser(4177);

const RUNS = 3;
const VIEWPORTS = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];
/** @param {number[]} xs */
const median = (xs) => quantile(xs, 0.5);

/** @type {Record<string, { median: number; p95: number; frames: number; longFrames: number; profile: Record<string, number> }>} */
const results = {};
try {
  for (const viewport of VIEWPORTS)
  for (const [cpus, nSubbufs] of [
    [8, 16],
    [64, 64],
  ]) {
    /** @type {{ median: number; p95: number; frames: number; longFrames: number; profile: Record<string, number> }[]} */
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage({ viewport });
    await page.goto(url);
    await page.waitForFunction(() => 'relayscope' in window);
    await page.evaluate(
      ([c, n]) =>
        window.relayscope?.live.start(
          {
            channel: { cpus: c, subbufSize: 4096, nSubbufs: n, mode: 'no-overwrite' },
            workload: { rate: 2_000_000, arrival: 'poisson', size: 'uniform', sizeMin: 32, sizeMax: 96 },
            reader: { mode: 'read', period: 0.01, costPerKiB: 0 },
          },
          1,
        ),
      [cpus, nSubbufs],
    );
    await page.waitForTimeout(2000);
    await page.evaluate(() => {
      window.relayscope?.frameTimes();
      const w = /** @type {any} */ (window);
      w.longFrames = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (e.duration > 50) w.longFrames++;
      }).observe({ type: 'long-animation-frame' });
    });
    await page.waitForTimeout(10_000);
    const { times, longFrames, profile } = await page.evaluate(() => ({
      profile: window.relayscope?.frameProfile() ?? {},
      times: window.relayscope?.frameTimes() ?? [],
      longFrames: /** @type {any} */ (window).longFrames,
    }));
    await page.evaluate(() => window.relayscope?.live.stop());
    await page.close();
    runs.push({ median: quantile(times, 0.5), p95: quantile(times, 0.95), frames: times.length, longFrames, profile });
    }
    const mid = [...runs].sort((a, b) => a.p95 - b.p95)[Math.floor(RUNS / 2)];
    results[`${cpus}x${nSubbufs}@${viewport.width}x${viewport.height}`] = {
      median: median(runs.map((r) => r.median)),
      p95: median(runs.map((r) => r.p95)),
      frames: median(runs.map((r) => r.frames)),
      longFrames: median(runs.map((r) => r.longFrames)),
      profile: mid.profile,
    };
  }
} finally {
  await close();
}

say(`frame cost while the live engine runs 2 M records/s (headless Chromium, production build; medians of ${RUNS} runs):`);
for (const [size, r] of Object.entries(results)) {
  say(`  ${size.padEnd(16)} script per frame: median ${r.median.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms over ${r.frames} frames; long frames over 50 ms: ${r.longFrames}`);
  const parts = Object.entries(r.profile).sort((a, b) => b[1] - a[1]);
  say(`         per panel, ms per frame: ${parts.map(([name, ms]) => `${name} ${(ms / Math.max(1, r.frames)).toFixed(2)}`).join(', ')}`);
}
if (json)
  say(
    JSON.stringify({
      // The figures at 1280x720 under their first names; the same at 1920x1080 with its size.
      ...Object.fromEntries(
        VIEWPORTS.flatMap(({ width, height }) => {
          const at = `${width}x${height}`;
          const suffix = width === 1280 ? '' : `_${at}`;
          return ['8x16', '64x64'].flatMap((size) => {
            const r = results[`${size}@${at}`];
            return [
              [`frame_script_ms_median_${size}${suffix}`, Number(r.median.toFixed(3))],
              [`frame_script_ms_p95_${size}${suffix}`, Number(r.p95.toFixed(3))],
              [`long_frames_${size}${suffix}`, r.longFrames],
            ];
          });
        }),
      ),
      runs: RUNS,
    }),
  );
