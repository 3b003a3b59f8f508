#!/usr/bin/env node
// `npm run shots`: screenshots of the stage for the documentation, at 1280x720 and 1920x1080,
// against the production build: the page on load, a stalled writer with its drops, a wakeup in
// flight, an overwriting writer lapping its reader, a tour step, and embed mode. Each state is
// reached with the test API and the engine's stepping; the files go to docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { previewBrowser } from './previewBrowser.mjs';

const out = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });

/** @typedef {import('@playwright/test').Page} Page */
/** @type {{ name: string; query: string; setup?: (page: Page) => Promise<void> }[]} */
const SHOTS = [
  { name: 'on-load', query: '' },
  {
    name: 'stall-with-drops',
    query: '?demo=0',
    setup: async (page) => {
      await page.evaluate(() => {
        const api = window.relayscope;
        api?.live.start(
          {
            channel: { cpus: 2, subbufSize: 2048, nSubbufs: 6, mode: 'no-overwrite' },
            workload: { rate: 4000, arrival: 'poisson', size: 'uniform', sizeMin: 64, sizeMax: 200 },
            // A reader too slow for the workload (10 ms a KiB): the ring fills and the writers stall.
            reader: { period: 0.5, jitter: 0, costPerKiB: 10_000 },
          },
          3,
          { mode: 'deterministic' },
        );
        api?.live.step({ kind: 'next', landmark: 'drop' });
        api?.live.step({ kind: 'events', count: 30 });
      });
    },
  },
  {
    name: 'wakeup-in-flight',
    query: '?demo=0',
    setup: async (page) => {
      await page.evaluate(() => {
        const api = window.relayscope;
        api?.live.start(
          {
            channel: { cpus: 2, subbufSize: 1024, nSubbufs: 4, mode: 'no-overwrite' },
            workload: { rate: 800, arrival: 'constant', size: 'fixed', sizeMin: 200 },
            reader: { period: 1, jitter: 0, wakeLatency: 30_000, costPerKiB: 2000 },
          },
          1,
          { mode: 'deterministic' },
        );
        api?.live.step({ kind: 'time', seconds: 0.02 });
        api?.live.step({ kind: 'next', landmark: 'wakeup' });
      });
    },
  },
  {
    name: 'overwrite-lapping',
    query: '?demo=0',
    setup: async (page) => {
      await page.evaluate(() => {
        const api = window.relayscope;
        api?.live.start(
          {
            channel: { cpus: 2, subbufSize: 2048, nSubbufs: 6, mode: 'overwrite' },
            workload: { rate: 6000, arrival: 'poisson', size: 'uniform', sizeMin: 64, sizeMax: 160 },
            reader: { period: 0.03, jitter: 0, costPerKiB: 20_000, chunk: 512 },
          },
          5,
          { mode: 'deterministic' },
        );
        api?.live.step({ kind: 'time', seconds: 0.05 });
        api?.live.step({ kind: 'next', landmark: 'overwrite' });
      });
    },
  },
  { name: 'tour-step', query: '?tour=3' },
  { name: 'embed', query: '?embed=1' },
];

// RELAYSCOPE_URL: shoot a page already served (and built) elsewhere instead of building one.
const served = process.env.RELAYSCOPE_URL;
const { browser, url, close } = served
  ? await (async () => {
      const { chromium } = await import('@playwright/test');
      const { CHROMIUM_ARGS, ensureChromium } = await import('./chromium.mjs');
      const b = await chromium.launch({ executablePath: ensureChromium(), headless: true, args: CHROMIUM_ARGS });
      return { browser: b, url: served, close: () => b.close() };
    })()
  : await previewBrowser(4178);
try {
  for (const viewport of [
    { width: 1280, height: 720 },
    { width: 1920, height: 1080 },
  ])
    for (const shot of SHOTS) {
      const page = await browser.newPage({ viewport });
      await page.goto(`${url}${shot.query}`);
      await page.waitForFunction(() => 'relayscope' in window);
      await shot.setup?.(page);
      // The demo and the tour settle into their first picture; the marks of a moment stay a while.
      await page.waitForTimeout(shot.query === '' || shot.query.includes('embed') ? 3000 : 400);
      await page.evaluate(() => window.relayscope?.live.idle());
      const file = `${out}${shot.name}-${viewport.width}x${viewport.height}.png`;
      await page.screenshot({ path: file });
      process.stdout.write(`${file}\n`);
      await page.close();
    }
} finally {
  await close();
}
