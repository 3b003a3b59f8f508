/**
 * Input files, read with a limit: `--config /dev/zero` or a 200 MB scenario is refused after
 * reading one byte past the limit, instead of filling memory. The limits (README "Input
 * limits") are far above any real file of each kind.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { INPUT_LIMITS, inputTooLarge, type InputKind } from '../lib/inputLimits.ts';
import { UsageError } from './usage.ts';

const CHUNK = 1024 * 1024;

/** The file's text, refused with a UsageError when it cannot be read or is larger than its kind's limit. */
export function readInput(file: string, kind: InputKind): string {
  return readInputBytes(file, kind).toString('utf8');
}

/**
 * The file's bytes, refused with a UsageError when it cannot be read or when they, with `before`
 * bytes already read of the same input (the other files of a capture), pass its kind's limit.
 */
export function readInputBytes(file: string, kind: InputKind, before = 0): Buffer {
  const limit = INPUT_LIMITS[kind] - before;
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
      const refused = inputTooLarge(file, before + total, kind);
      if (refused !== null) throw new UsageError(refused);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
