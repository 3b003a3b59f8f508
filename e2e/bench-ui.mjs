#!/usr/bin/env node
// `npm run bench:ui [-- --json]`: the page's cost per frame while the live engine runs a
// workload of 2 million records/s spread over the CPUs, in headless Chromium at 1280x720
// against the production build. After 2 s of warm-up it measures for 10 s: the script time of
// the app's own frame callbacks (median, p95) and Chromium's long animation frames over 50 ms,
// at 8 CPUs x 16 sub-buffers and at 64 CPUs x 64 sub-buffers.
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

/** @type {Record<string, { median: number; p95: number; frames: number; longFrames: number; profile: Record<string, number> }>} */
const results = {};
try {
  for (const [cpus, nSubbufs] of [
    [8, 16],
    [64, 64],
  ]) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
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
    results[`${cpus}x${nSubbufs}`] = { median: quantile(times, 0.5), p95: quantile(times, 0.95), frames: times.length, longFrames, profile };
  }
} finally {
  await close();
}

say('frame cost while the live engine runs 2 M records/s (headless Chromium, production build, 1280x720):');
for (const [size, r] of Object.entries(results)) {
  say(`  ${size.padEnd(6)} script per frame: median ${r.median.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms over ${r.frames} frames; long frames over 50 ms: ${r.longFrames}`);
  const parts = Object.entries(r.profile).sort((a, b) => b[1] - a[1]);
  say(`         per panel, ms per frame: ${parts.map(([name, ms]) => `${name} ${(ms / Math.max(1, r.frames)).toFixed(2)}`).join(', ')}`);
}
if (json)
  say(
    JSON.stringify({
      frame_script_ms_median_8x16: Number(results['8x16'].median.toFixed(3)),
      frame_script_ms_p95_8x16: Number(results['8x16'].p95.toFixed(3)),
      frame_script_ms_median_64x64: Number(results['64x64'].median.toFixed(3)),
      frame_script_ms_p95_64x64: Number(results['64x64'].p95.toFixed(3)),
      long_frames_8x16: results['8x16'].longFrames,
      long_frames_64x64: results['64x64'].longFrames,
    }),
  );
