// For the benchmarks: the production build served by `vite preview` on `port`, and headless
// Chromium (found or installed as `npm test` does) to drive it. `close()` stops both.
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, ensureChromium } from './chromium.mjs';

/** @param {number} port */
export async function previewBrowser(port) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const executablePath = ensureChromium();
  await build({ root, logLevel: 'warn' });
  const server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true } });
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  return {
    browser,
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
