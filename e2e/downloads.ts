/**
 * A file the page hands to the browser as a download, with its name and bytes. Chromium
 * reports downloads to Playwright; firefox-esr 153 over WebDriver BiDi does not (it sends no
 * `browsingContext.downloadEnd`, so Playwright's download never completes). There the file is
 * taken where the page hands it over: `recordHandedFiles`, added to a Firefox context before
 * any page loads, keeps each blob an anchor with a `download` name is clicked for, and lets
 * the click go on to the browser.
 */
import { expect, type Page } from '@playwright/test';

export interface HandedFile {
  name: string;
  bytes: Uint8Array;
}

interface Handed {
  name: string;
  blob: Blob;
}

declare global {
  interface Window {
    __handedFiles?: Handed[];
  }
}

export function recordHandedFiles(): void {
  const blobs = new Map<string, Blob>();
  const handed: Handed[] = [];
  window.__handedFiles = handed;
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (obj: Blob | MediaSource): string => {
    const url = createObjectURL(obj);
    if (obj instanceof Blob) blobs.set(url, obj);
    return url;
  };
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement): void {
    const blob = this.download !== '' ? blobs.get(this.href) : undefined;
    if (blob !== undefined) handed.push({ name: this.download, blob });
    click.call(this);
  };
}

/** Runs `trigger` and resolves with the file it makes the page download. */
export async function takeDownload(page: Page, trigger: () => Promise<void>): Promise<HandedFile> {
  if (page.context().browser()?.browserType().name() !== 'firefox') {
    const [download] = await Promise.all([page.waitForEvent('download'), trigger()]);
    const chunks = await (await download.createReadStream()).toArray();
    return { name: download.suggestedFilename(), bytes: new Uint8Array(Buffer.concat(chunks)) };
  }
  const count = (): Promise<number> => page.evaluate(() => window.__handedFiles?.length ?? -1);
  const before = await count();
  expect(before, 'recordHandedFiles is added to every Firefox context (fixtures.ts)').toBeGreaterThanOrEqual(0);
  await trigger();
  await expect.poll(count).toBeGreaterThan(before);
  const file = await page.evaluate(async (k) => {
    const { name, blob } = (window.__handedFiles ?? [])[k];
    const url = await new Promise<string>((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.readAsDataURL(blob);
    });
    return { name, base64: url.slice(url.indexOf(',') + 1) };
  }, before);
  return { name: file.name, bytes: new Uint8Array(Buffer.from(file.base64, 'base64')) };
}
