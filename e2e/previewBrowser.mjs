// For the benchmarks and the soak: the production build served by `vite preview` on `port`,
// and a headless browser (found or installed as `npm test` does) to drive it. `close()` stops both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, firefox } from '@playwright/test';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, ensureChromium } from './chromium.mjs';
import { ensureFirefox } from './firefox.mjs';

/**
 * The headless browser `npm test` would drive.
 * @param {'chromium' | 'firefox'} name
 */
export async function launchBrowser(name) {
  if (name === 'firefox') {
    const executablePath = ensureFirefox();
    if (!executablePath) throw new Error('no Firefox to run in');
    return firefox.launch({ channel: 'moz-firefox', executablePath, headless: true });
  }
  return chromium.launch({ executablePath: ensureChromium(), headless: true, args: CHROMIUM_ARGS });
}

/**
 * @param {number} port
 * @param {'chromium' | 'firefox'} [browserName]
 */
export async function previewBrowser(port, browserName = 'chromium') {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // A build of its own, so that a build beside it (the e2e suite's, another benchmark's) cannot
  // change the files under a run of half an hour.
  const outDir = mkdtempSync(join(tmpdir(), 'relayscope-preview-'));
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({ root, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port, strictPort: true } });
  const browser = await launchBrowser(browserName);
  return {
    browser,
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      await browser.close();
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}
