/**
 * A short run of the worker_threads stress test: real threads racing over shared memory.
 * The full run (12 million records) is `npm run stress`.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

describe('relayscope stress', () => {
  it('accounts for every record written by 4 producer threads read by 4 reader threads', () => {
    const r = spawnSync(process.execPath, [join(root, 'build/cli/src/cli/main.js'), 'stress', '--records', '320000'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    // One line per round: both modes, fixed and mixed sizes, read(2) and mmap readers.
    expect(lines.filter((l) => /^(no-overwrite|overwrite) /.test(l))).toHaveLength(8);
    expect(lines.at(-1)).toBe('stress: 320000 records, 0 torn, 0 unaccounted');
    expect(r.status).toBe(0);
  }, 120_000);
});
