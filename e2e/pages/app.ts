import type { Locator, Page } from '@playwright/test';
import type { RelayscopeTestApi } from '../../src/testApi.ts';

/** What the page's `window.relayscope` test API reports, as plain data. */
export interface TestApiReading {
  version: RelayscopeTestApi['version'];
  crossOriginIsolated: RelayscopeTestApi['crossOriginIsolated'];
  canonicalLines: ReturnType<RelayscopeTestApi['canonicalLines']>;
}

/** The relayscope page: locators by role or by dot-namespaced data-testid, and the window test API. */
export class AppPage {
  readonly title: Locator;
  readonly isolation: Locator;
  readonly scenarioName: Locator;
  readonly scenarioLines: Locator;
  readonly scenarioError: Locator;

  constructor(readonly page: Page) {
    this.title = page.getByRole('heading', { level: 1, name: 'relayscope' });
    this.isolation = page.getByTestId('app.isolation');
    this.scenarioName = page.getByTestId('scenario.name');
    this.scenarioLines = page.getByTestId('scenario.lines');
    this.scenarioError = page.getByTestId('scenario.error');
  }

  /** Opens the page; resolves with the main document's response. */
  async goto() {
    const response = await this.page.goto('/');
    if (!response) throw new Error('no response for the main document');
    return response;
  }

  /** `window.crossOriginIsolated` in the page. */
  crossOriginIsolated(): Promise<boolean> {
    return this.page.evaluate(() => window.crossOriginIsolated);
  }

  /** Reads `window.relayscope`; null while it is not installed. */
  readTestApi(): Promise<TestApiReading | null> {
    return this.page.evaluate(() => {
      const api = window.relayscope;
      if (!api) return null;
      return { version: api.version, crossOriginIsolated: api.crossOriginIsolated, canonicalLines: api.canonicalLines() };
    });
  }
}
