import type { Locator, Page } from '@playwright/test';
import { takeDownload, type HandedFile } from '../downloads.ts';
import type { SweepResult } from '../../src/engine/index.ts';

/** The sizing explorer panel. */
export class SweepPanel {
  readonly source: Locator;
  readonly seconds: Locator;
  readonly run: Locator;
  readonly cancel: Locator;
  readonly status: Locator;
  readonly progress: Locator;
  readonly recommended: Locator;
  readonly margin: Locator;
  readonly reason: Locator;
  readonly heatmap: Locator;
  readonly note: Locator;
  /** The capacity analysis; its data-bottleneck says reader, buffer or nothing. */
  readonly capacity: Locator;
  readonly secondsReason: Locator;
  /** The recommended cell's peak backlog: data-estimated and data-simulated, in bytes. */
  readonly estimate: Locator;

  constructor(readonly page: Page) {
    this.source = page.getByTestId('sweep.source');
    this.seconds = page.getByTestId('sweep.seconds');
    this.run = page.getByTestId('sweep.run');
    this.cancel = page.getByTestId('sweep.cancel');
    this.status = page.getByTestId('sweep.status');
    this.progress = page.getByTestId('sweep.progress');
    this.recommended = page.getByTestId('sweep.recommended');
    this.margin = page.getByTestId('sweep.margin');
    this.reason = page.getByTestId('sweep.reason');
    this.heatmap = page.getByTestId('sweep.heatmap');
    this.note = page.getByTestId('sweep.note');
    this.capacity = page.getByTestId('sweep.capacity');
    this.secondsReason = page.getByTestId('sweep.seconds-reason');
    this.estimate = page.getByTestId('sweep.estimate');
  }

  /** An axis field: subbufSizes, nSubbufs or periods. */
  axis(name: 'subbufSizes' | 'nSubbufs' | 'periods'): Locator {
    return this.page.getByTestId(`sweep.axis.${name}`);
  }

  axisError(name: 'subbufSizes' | 'nSubbufs' | 'periods'): Locator {
    return this.page.getByTestId(`sweep.axis.${name}.error`);
  }

  cell(subbufSize: number, nSubbufs: number): Locator {
    return this.page.getByTestId(`sweep.cell.${subbufSize}.${nSubbufs}`);
  }

  /** With blktrace records: what a cell would have lost and what blkparse would report, in words. */
  blktrace(subbufSize: number, nSubbufs: number): Locator {
    return this.page.getByTestId(`sweep.blktrace.${subbufSize}.${nSubbufs}`);
  }

  /** The last complete sweep, through the test API. */
  result(): Promise<SweepResult | null> {
    return this.page.evaluate(() => window.relayscope!.sweepResult());
  }
}

/** The A/B comparison panel. */
export class ComparePanel {
  readonly source: Locator;
  readonly seconds: Locator;
  readonly run: Locator;
  readonly status: Locator;
  readonly table: Locator;

  constructor(readonly page: Page) {
    this.source = page.getByTestId('compare.source');
    this.seconds = page.getByTestId('compare.seconds');
    this.run = page.getByTestId('compare.run');
    this.status = page.getByTestId('compare.status');
    this.table = page.getByTestId('compare.table');
  }

  /** A side's field: subbufSize, nSubbufs, period or mode. */
  field(side: 'A' | 'B', name: 'subbufSize' | 'nSubbufs' | 'period' | 'mode'): Locator {
    return this.page.getByTestId(`compare.${side}.${name}`);
  }

  fieldError(side: 'A' | 'B', name: 'subbufSize' | 'nSubbufs' | 'period'): Locator {
    return this.page.getByTestId(`compare.${side}.${name}.error`);
  }

  /** With blktrace records: what a side lost and what blkparse would report (data-lost, data-gaps, data-missing). */
  blktrace(side: 'A' | 'B'): Locator {
    return this.page.getByTestId(`compare.blktrace.${side}`);
  }

  /** A side's capacity analysis; its data-bottleneck says reader, buffer or nothing. */
  capacity(side: 'A' | 'B'): Locator {
    return this.page.getByTestId(`compare.capacity.${side}`);
  }

  /** A row's cell: a, b or better (its data-better says A, B, same or nothing). */
  cell(key: string, column: 'a' | 'b' | 'better'): Locator {
    return this.page.getByTestId(`compare.row.${key}.${column}`);
  }
}

/** The export buttons, and the downloads they give. */
export class ExportPanel {
  readonly csv: Locator;
  readonly json: Locator;
  readonly trace: Locator;
  readonly traceSeconds: Locator;
  readonly note: Locator;
  readonly blktrace: Locator;
  readonly blktraceNote: Locator;

  constructor(readonly page: Page) {
    this.blktrace = page.getByTestId('export.blktrace');
    this.blktraceNote = page.getByTestId('export.blktrace.note');
    this.csv = page.getByTestId('export.csv');
    this.json = page.getByTestId('export.json');
    this.trace = page.getByTestId('export.trace');
    this.traceSeconds = page.getByTestId('export.trace.seconds');
    this.note = page.getByTestId('export.note');
  }

  /** Clicks `button` and resolves with the download's name and text. */
  async download(button: Locator): Promise<{ name: string; text: string }> {
    const file = await takeDownload(this.page, () => button.click());
    return { name: file.name, text: Buffer.from(file.bytes).toString('utf8') };
  }

  /** Clicks `button` and resolves with the download's name and bytes. */
  downloadBytes(button: Locator): Promise<HandedFile> {
    return takeDownload(this.page, () => button.click());
  }
}

/** The imported workload panel. */
export class WorkloadPanel {
  readonly file: Locator;
  readonly error: Locator;
  readonly status: Locator;
  readonly wanted: Locator;
  readonly forget: Locator;

  constructor(readonly page: Page) {
    this.file = page.getByTestId('workload.file');
    this.error = page.getByTestId('workload.error');
    this.status = page.getByTestId('workload.status');
    this.wanted = page.getByTestId('workload.wanted');
    this.forget = page.getByTestId('workload.forget');
  }

  /** Chooses a file with `text` as its contents. */
  choose(name: string, text: string): Promise<void> {
    return this.file.setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  }

  /** Chooses several files at once (a blktrace capture's per-CPU files). */
  chooseFiles(files: readonly { name: string; bytes: Uint8Array }[]): Promise<void> {
    return this.file.setInputFiles(files.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: Buffer.from(f.bytes) })));
  }
}
