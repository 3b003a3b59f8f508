#!/usr/bin/env node
// `npm run soak [-- --minutes 30 --interval 60 --cpus 64 --browser chromium|firefox --json]`:
// a long live run in a headless browser against the production build, sampling the memory of
// the browser's processes from /proc at each interval: the resident set (VmRSS) of the
// renderer (Chromium `--type=renderer`, Firefox's `tab` content process, which hold the
// page and its workers), of the whole browser, and the page's JS heap where the browser says.
// The run is the page's default workload at `--cpus` CPUs (64 by default), started as the
// Live button starts it, and it never pauses. Linux only (/proc).
import { readFileSync, readdirSync } from 'node:fs';
import { previewBrowser } from './previewBrowser.mjs';

/** @param {string} name @param {string} fallback */
function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}
const minutes = Number(option('minutes', '30'));
const intervalS = Number(option('interval', '60'));
const cpus = Number(option('cpus', '64'));
const browserName = /** @type {'chromium' | 'firefox'} */ (option('browser', 'chromium'));
const port = Number(option('port', '4179'));
const json = process.argv.includes('--json');
if (!(minutes > 0) || !(intervalS > 0) || !(cpus >= 1) || !['chromium', 'firefox'].includes(browserName)) {
  process.stderr.write('usage: npm run soak -- [--minutes M] [--interval S] [--cpus N] [--browser chromium|firefox] [--port P] [--json]\n');
  process.exit(2);
}

/** @param {number} pid @returns {{ ppid: number; rssKiB: number; anonKiB: number; kind: string } | null} */
function processInfo(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    const anonKiB = Number(/^RssAnon:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    // Chromium rewrites its children's command lines into one space-separated string.
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/).filter(Boolean);
    const type = argv.find((a) => a.startsWith('--type='))?.slice('--type='.length);
    // Firefox content processes: `firefox-esr -contentproc ... <id> <type>`, the type last.
    const kind = type ?? (argv.includes('-contentproc') ? (argv.at(-1) ?? 'content') : 'browser');
    return { ppid, rssKiB, anonKiB, kind };
  } catch {
    return null;
  }
}

/**
 * Resident memory (MiB) of every process below this one, by kind (renderer, tab, gpu-process,
 * ...), and of the page's renderer: the largest renderer or tab process (an idle one for
 * about:blank or the browser's own pages may sit beside it), with its anonymous part.
 */
function memoryByKind() {
  /** @type {Map<number, { ppid: number; rssKiB: number; anonKiB: number; kind: string }>} */
  const all = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = processInfo(Number(name));
    if (info) all.set(Number(name), info);
  }
  const isOurs = (/** @type {number} */ pid) => {
    for (let p = all.get(pid)?.ppid; p; p = all.get(p)?.ppid) if (p === process.pid) return true;
    return false;
  };
  /** @type {Record<string, number>} */
  const byKind = {};
  let total = 0;
  let renderer = { rss: 0, anon: 0 };
  for (const [pid, info] of all) {
    if (!isOurs(pid)) continue;
    byKind[info.kind] = (byKind[info.kind] ?? 0) + info.rssKiB / 1024;
    total += info.rssKiB / 1024;
    if ((info.kind === 'renderer' || info.kind === 'tab') && info.rssKiB / 1024 > renderer.rss) {
      renderer = { rss: info.rssKiB / 1024, anon: info.anonKiB / 1024 };
    }
  }
  return { byKind, total, renderer };
}

const { browser, url, close } = await previewBrowser(port, browserName);
/** @type {{ minute: number; rendererMiB: number; rendererAnonMiB: number; totalMiB: number; heapMiB: number | null; written: number; status: string }[]} */
const samples = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(url);
  await page.waitForFunction(() => 'relayscope' in window);
  await page.evaluate((c) => window.relayscope?.live.start({ channel: { cpus: c } }, 1), cpus);
  const started = Date.now();
  const say = (/** @type {string} */ line) => process.stdout.write(`${line}\n`);
  say(`soak: ${browserName}, ${cpus} CPUs, the default workload, ${minutes} min, a sample every ${intervalS} s`);
  for (;;) {
    const minute = (Date.now() - started) / 60_000;
    const { byKind, total, renderer } = memoryByKind();
    const reading = await page.evaluate(() => {
      const s = window.relayscope?.live.snapshot();
      const memory = /** @type {{ usedJSHeapSize?: number } | undefined} */ (/** @type {any} */ (performance).memory);
      return { status: s?.status ?? 'none', written: (s?.written ?? []).reduce((a, b) => a + b, 0), heap: memory?.usedJSHeapSize ?? null };
    });
    const sample = { minute, rendererMiB: renderer.rss, rendererAnonMiB: renderer.anon, totalMiB: total, heapMiB: reading.heap === null ? null : reading.heap / 2 ** 20, written: reading.written, status: reading.status };
    samples.push(sample);
    const kinds = Object.entries(byKind).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
    say(
      `  ${minute.toFixed(1).padStart(5)} min  renderer ${renderer.rss.toFixed(0).padStart(5)} MiB (anon ${renderer.anon.toFixed(0).padStart(5)})  all ${total.toFixed(0).padStart(5)} MiB  heap ${sample.heapMiB === null ? '   -' : sample.heapMiB.toFixed(1).padStart(5)} MiB  records ${reading.written}  ${reading.status}  (${kinds})`,
    );
    if (reading.status !== 'running') throw new Error(`the live run is ${reading.status}, not running`);
    if (minute >= minutes) break;
    const next = started + Math.min(minutes * 60_000, samples.length * intervalS * 1000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
  await page.evaluate(() => window.relayscope?.live.stop());
} finally {
  await close();
}
const first = samples[0];
const peak = Math.max(...samples.map((s) => s.rendererMiB));
process.stdout.write(`soak: renderer ${first.rendererMiB.toFixed(0)} MiB at the start, ${samples.at(-1)?.rendererMiB.toFixed(0)} MiB at the end, peak ${peak.toFixed(0)} MiB\n`);
if (json) process.stdout.write(`${JSON.stringify({ browser: browserName, cpus, samples })}\n`);
