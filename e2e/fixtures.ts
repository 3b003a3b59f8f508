import { test as base, expect, type BrowserContext } from '@playwright/test';
import { skipReason } from './browsers.ts';
import { recordHandedFiles } from './downloads.ts';
import { realTextInsertion } from './firefoxFill.ts';
import { AppPage } from './pages/app.ts';

interface WorkerFixtures {
  /**
   * Firefox prefers reduced motion from its start: over BiDi it ignores Playwright's
   * `reducedMotion` emulation, so a test that needs it also sets this (a describe block's
   * `test.use`, which gives it a browser of its own with the `ui.prefersReducedMotion` pref).
   */
  preferReducedMotion: boolean;
}

interface Fixtures {
  /** Skips a test that cannot run in this browser (browsers.ts), with the reason. */
  browserSupport: void;
  /** The relayscope page object, not yet navigated. */
  app: AppPage;
  /**
   * Everything that went wrong in the page since the test started: console messages of type
   * "error", uncaught exceptions, and responses with an error status (a missing favicon, say).
   */
  pageErrors: string[];
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  preferReducedMotion: [false, { scope: 'worker', option: true }],
  launchOptions: [
    async ({ launchOptions, browserName, preferReducedMotion }, use) => {
      const firefox = browserName === 'firefox' && preferReducedMotion;
      await use(firefox ? { ...launchOptions, firefoxUserPrefs: { ...launchOptions.firefoxUserPrefs, 'ui.prefersReducedMotion': 1 } } : launchOptions);
    },
    { scope: 'worker' },
  ],
  browserSupport: [
    async ({ browserName }, use, testInfo) => {
      const reason = skipReason(browserName, testInfo.titlePath.slice(1));
      testInfo.skip(reason !== null, reason ?? undefined);
      await use();
    },
    { auto: true },
  ],
  context: async ({ context, browserName }, use) => {
    if (browserName === 'firefox') {
      await context.addInitScript(realTextInsertion);
      await context.addInitScript(recordHandedFiles);
    }
    await use(context);
  },
  pageErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await use(errors);
  },
  app: async ({ page }, use) => {
    await use(new AppPage(page));
  },
});

export { expect };

/** Makes the context's server look like a static host that sends no isolation headers. */
export async function stripIsolationHeaders(context: BrowserContext): Promise<void> {
  await context.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers });
  });
}
