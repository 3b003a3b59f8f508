/**
 * Tests that cannot run in a browser, skipped there by title with the reason (the fixtures in
 * fixtures.ts apply this list to every test). A test joins the list only for a gap of the
 * browser or of its driver, never for a defect of ours.
 */
export interface BrowserSkip {
  /** Matched against the test's title path (describe titles and the test's, joined by spaces). */
  title: RegExp;
  reason: string;
}

export const SKIPS: Record<'chromium' | 'firefox', readonly BrowserSkip[]> = {
  chromium: [],
  firefox: [],
};

/** Why the test titled `titlePath` cannot run in `browserName`, or null. */
export function skipReason(browserName: string, titlePath: readonly string[]): string | null {
  const skips = SKIPS[browserName as keyof typeof SKIPS] ?? [];
  const title = titlePath.join(' ');
  return skips.find((s) => s.title.test(title))?.reason ?? null;
}
