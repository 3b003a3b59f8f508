import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/chromium.mjs';

// `npm run test:e2e` (e2e/run.mjs) installs Chromium when missing and passes its path in
// CHROMIUM_PATH; a bare `npx playwright test` finds it the same way, or says how to get one.
const executablePath = findChromium();
if (!executablePath) {
  throw new Error('No Chromium found: run `node e2e/chromium.mjs` to install one, or set CHROMIUM_PATH.');
}

// Not 4173, where `npm start` serves: the suite runs beside a served app and never reuses it.
// Another port may be chosen, so that two checkouts can run their suites side by side.
const port = Number(process.env.RELAYSCOPE_E2E_PORT ?? 4183);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: 'list',
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 720 },
    launchOptions: {
      executablePath,
      args: CHROMIUM_ARGS,
    },
    trace: 'retain-on-failure',
  },
  // The production build behind `vite preview`: its COOP/COEP headers are the ones under test.
  webServer: {
    command: `npx vite build && npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
