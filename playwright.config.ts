import { defineConfig, type Project } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/chromium.mjs';
import { findFirefox } from './e2e/firefox.mjs';

// A project for each browser found: Chromium, and Firefox driven over WebDriver BiDi
// (`channel: 'moz-firefox'`, the system binary). `npm run test:e2e` (e2e/run.mjs) installs
// what is missing first and passes the paths in CHROMIUM_PATH and FIREFOX_PATH; a bare
// `npx playwright test` finds them the same way. Neither is needed for the other's project.
/** The binary `find` gives; a wrong CHROMIUM_PATH or FIREFOX_PATH leaves out that browser only, and says so. */
function found(find: () => string | null): string | null {
  try {
    return find();
  } catch (error) {
    console.warn(`playwright.config: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}
const chromiumPath = found(findChromium);
const firefoxPath = found(findFirefox);
const projects: Project[] = [];
if (chromiumPath) {
  projects.push({ name: 'chromium', use: { browserName: 'chromium', launchOptions: { executablePath: chromiumPath, args: CHROMIUM_ARGS } } });
}
if (firefoxPath) {
  projects.push({
    name: 'firefox',
    use: { browserName: 'firefox', channel: 'moz-firefox', launchOptions: { executablePath: firefoxPath } },
    // Bounds, not measures: over WebDriver BiDi every assertion is a slower round trip (a
    // conformance replay makes hundreds), and Firefox starts its workers more slowly.
    timeout: 120_000,
    expect: { timeout: 10_000 },
  });
}
if (projects.length === 0) {
  throw new Error('No browser found: run `node e2e/chromium.mjs` or `node e2e/firefox.mjs` to install one, or set CHROMIUM_PATH or FIREFOX_PATH.');
}

// Not 4173, where `npm start` serves: the suite runs beside a served app and never reuses it.
// Another port may be chosen, so that two checkouts can run their suites side by side.
const port = Number(process.env.RELAYSCOPE_E2E_PORT ?? 4183);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Each browser draws text and canvases its own way: a baseline per project.
  snapshotPathTemplate: '{testDir}/{testFileDir}/{testFileName}-snapshots/{arg}-{projectName}{ext}',
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: 'list',
  projects,
  use: {
    baseURL,
    headless: true,
    viewport: { width: 1280, height: 720 },
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
