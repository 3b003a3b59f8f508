/**
 * The test API that relayscope puts on `window.relayscope`, in development and in the
 * production build alike. Playwright suites (ours and others') drive and read the page
 * through it instead of scraping the DOM.
 *
 * Versioned: a change that breaks a caller bumps `version`.
 */
export interface RelayscopeTestApi {
  /** Version of this interface. */
  readonly version: 1;
  /**
   * The canonical trace lines of the scenario shown on the page, step 0 first, exactly as
   * the engine's `canonicalTrace` returns them. A fresh array on each call.
   * Throws if the scenario could not be loaded (the page then shows the error).
   */
  canonicalLines(): string[];
  /** `window.crossOriginIsolated` when the page started: whether SharedArrayBuffer is usable. */
  readonly crossOriginIsolated: boolean;
}

declare global {
  interface Window {
    /** Set once by `installTestApi` at start-up; see {@link RelayscopeTestApi}. */
    relayscope?: RelayscopeTestApi;
  }
}

export function installTestApi(api: RelayscopeTestApi): void {
  window.relayscope = Object.freeze(api);
}
