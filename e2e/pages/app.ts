import { expect, type Locator, type Page } from '@playwright/test';
import type { SimReport } from '../../src/engine/index.ts';
import type { Lifetime, LiveSnapshot, LoggedEvent, RelayscopeTestApi } from '../../src/testApi.ts';
import { ComparePanel, ExportPanel, SweepPanel, WorkloadPanel } from './explore.ts';
import type { FileResult } from '../../src/store/index.ts';

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
  readonly live: LivePanel;
  readonly events: EventLogPanel;
  readonly files: FilesPanel;
  readonly sweep: SweepPanel;
  readonly compare: ComparePanel;
  readonly exports: ExportPanel;
  readonly workload: WorkloadPanel;

  constructor(readonly page: Page) {
    this.sweep = new SweepPanel(page);
    this.compare = new ComparePanel(page);
    this.exports = new ExportPanel(page);
    this.workload = new WorkloadPanel(page);
    this.live = new LivePanel(page);
    this.events = new EventLogPanel(page);
    this.files = new FilesPanel(page);
    this.title = page.getByRole('heading', { level: 1, name: 'relayscope' });
    this.isolation = page.getByTestId('app.isolation');
    this.scenarioName = page.getByTestId('scenario.name');
    this.scenarioLines = page.getByTestId('scenario.lines');
    this.scenarioError = page.getByTestId('scenario.error');
  }

  /** Opens the page (with an address query, if given); resolves with the main document's response. */
  async goto(query = '') {
    const response = await this.page.goto(`/${query}`);
    if (!response) throw new Error('no response for the main document');
    return response;
  }

  /** Opens the settings drawer (the run's form) if it is closed. */
  async openSettings(): Promise<void> {
    const toggle = this.page.getByTestId('app.settings');
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    await expect(this.page.getByTestId('app.drawer')).toBeVisible();
  }

  /** `window.crossOriginIsolated` in the page. */
  crossOriginIsolated(): Promise<boolean> {
    return this.page.evaluate(() => window.crossOriginIsolated);
  }

  /** The live run as `window.relayscope.live.snapshot()` reports it. */
  liveSnapshot(): Promise<LiveSnapshot> {
    return this.page.evaluate(() => window.relayscope!.live.snapshot());
  }

  /**
   * Records written per CPU, read through the test API at each of the page's next `frames`
   * animation frames: what the page saw over that stretch of its own time.
   */
  writtenOverFrames(frames: number): Promise<number[][]> {
    return this.page.evaluate(
      (n) =>
        new Promise<number[][]>((resolve) => {
          const seen: number[][] = [];
          const frame = (): void => {
            seen.push(window.relayscope!.live.snapshot().written);
            if (seen.length >= n) resolve(seen);
            else requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        }),
      frames,
    );
  }

  /** Pauses the live run through the test API and returns its snapshot with the accounting. */
  pauseLive(): Promise<LiveSnapshot> {
    return this.page.evaluate(() => window.relayscope!.live.pause());
  }

  /** Starts a run through the test API (deterministic, or with one worker that fails). */
  startLive(config: unknown, seed: number, options: { mode?: 'live' | 'deterministic'; faultyWorker?: 'producer' | 'reader' } = {}): Promise<void> {
    return this.page.evaluate(([c, s, o]) => window.relayscope!.live.start(c, s, o), [config, seed, options] as const);
  }

  /** The event log's newest entries through the test API, newest first. */
  loggedEvents(max = 100): Promise<LoggedEvent[]> {
    return this.page.evaluate((m) => window.relayscope!.live.events(m), max);
  }

  /** The channel's and buffers' reference counts through the test API. */
  lifetime(): Promise<Lifetime | null> {
    return this.page.evaluate(() => window.relayscope!.live.lifetime());
  }

  /** A call on a relay file through the test API. */
  fileCall(action: Parameters<RelayscopeTestApi['live']['file']>[0]): Promise<FileResult | null> {
    return this.page.evaluate((a) => window.relayscope!.live.file(a), action);
  }

  /** A channel operation through the test API; resolves once it is done. */
  operate(op: Parameters<RelayscopeTestApi['live']['operate']>[0]): Promise<void> {
    return this.page.evaluate((o) => window.relayscope!.live.operate(o), op);
  }

  /** Steps a deterministic run through the test API; resolves with the events run. */
  step(by: Parameters<RelayscopeTestApi['live']['step']>[0]): Promise<number> {
    return this.page.evaluate((b) => window.relayscope!.live.step(b), by);
  }

  /** A deterministic simulation run in the page. */
  simulate(config: unknown, seed: number, seconds: number): Promise<SimReport> {
    return this.page.evaluate(([c, s, t]) => window.relayscope!.simulate(c, s, t), [config, seed, seconds] as const);
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

/** The live run panel. */
export class LivePanel {
  readonly start: Locator;
  readonly pause: Locator;
  readonly resume: Locator;
  readonly status: Locator;
  readonly workers: Locator;
  readonly banner: Locator;
  readonly error: Locator;
  readonly accounting: Locator;

  constructor(readonly page: Page) {
    this.start = page.getByTestId('live.start');
    this.pause = page.getByTestId('live.pause');
    this.resume = page.getByTestId('live.resume');
    this.status = page.getByTestId('live.status');
    this.workers = page.getByTestId('live.workers');
    this.banner = page.getByTestId('live.banner');
    this.error = page.getByTestId('live.error');
    this.accounting = page.getByTestId('live.accounting');
  }

  /** A counter cell: `cpu` is a CPU number or 'total'. */
  counter(cpu: number | 'total', column: string): Locator {
    return this.page.getByTestId(`live.cpu.${cpu}.${column}`);
  }

  field(path: string): Locator {
    return this.page.getByTestId(`live.form.${path}`);
  }

  fieldError(path: string): Locator {
    return this.page.getByTestId(`live.form.${path}.error`);
  }

  balance(cpu: number): Locator {
    return this.page.getByTestId(`live.accounting.${cpu}`);
  }
}

/** The event log panel. */
export class EventLogPanel {
  readonly table: Locator;
  readonly rows: Locator;
  readonly summary: Locator;
  readonly hold: Locator;
  readonly cpu: Locator;

  constructor(readonly page: Page) {
    this.table = page.getByTestId('events.table');
    this.rows = this.table.locator('tbody tr:not([hidden])');
    this.summary = page.getByTestId('events.summary');
    this.hold = page.getByTestId('events.hold');
    this.cpu = page.getByTestId('events.cpu');
  }

  /** The checkbox of one kind of event: switch, drop, overwrite, wakeup, consumed, channel, hotplug, file. */
  filter(group: string): Locator {
    return this.page.getByTestId(`events.filter.${group}`);
  }

  /** Shows only the given kinds of event. */
  async only(...groups: string[]): Promise<void> {
    for (const g of ['switch', 'drop', 'overwrite', 'wakeup', 'consumed', 'channel', 'hotplug', 'file'])
      await this.filter(g).setChecked(groups.includes(g));
  }
}

/** The relay files panel: one file chosen at a time, its calls by dot-namespaced test ids. */
export class FilesPanel {
  readonly file: Locator;
  readonly chanKref: Locator;
  readonly chanState: Locator;

  constructor(readonly page: Page) {
    this.file = page.getByTestId('files.file');
    this.chanKref = page.getByTestId('files.chan.kref');
    this.chanState = page.getByTestId('files.chan.state');
  }

  /** A control or readout of CPU `cpu`'s file: open, fd, count, read, sendfile, poll, lseek, close, length, mmap, map, offset, touch, mapread, munmap, kref, state, result.ret... */
  of(cpu: number, name: string): Locator {
    return this.page.getByTestId(`files.cpu.${cpu}.${name}`);
  }

  /** The return value of the last call on CPU `cpu`'s file. */
  ret(cpu: number): Locator {
    return this.of(cpu, 'result.ret');
  }

  /** Clicks a call's button, after filling the given fields (count, length, offset, touch). */
  async call(cpu: number, name: string, fields: Record<string, number> = {}): Promise<void> {
    for (const [field, value] of Object.entries(fields)) await this.of(cpu, field).fill(String(value));
    await this.of(cpu, name).click();
  }
}
