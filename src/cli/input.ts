/**
 * Input files, read with a limit: `--config /dev/zero` or a 200 MB scenario is refused after
 * reading one byte past the limit, instead of filling memory. The limits (README "Input
 * limits") are far above any real file of each kind.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { formatBytes } from '../lib/format.ts';
import { UsageError } from './usage.ts';

export const INPUT_LIMITS = {
  /** A simulation configuration (--config): a few hundred bytes in practice. */
  config: 1024 * 1024,
  /** A scenario file (trace): the conformance scenarios are a few KiB. */
  scenario: 8 * 1024 * 1024,
  /** A workload CSV (--workload-csv): about a million records. */
  csv: 32 * 1024 * 1024,
} as const;

export type InputKind = keyof typeof INPUT_LIMITS;

const CHUNK = 1024 * 1024;

/** The file's text, refused with a UsageError when it cannot be read or is larger than its kind's limit. */
export function readInput(file: string, kind: InputKind): string {
  const limit = INPUT_LIMITS[kind];
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, limit + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > limit)
        throw new UsageError(`${file}: larger than ${formatBytes(limit)}, the limit for a ${kind === 'csv' ? 'workload CSV' : `${kind} file`}`);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
