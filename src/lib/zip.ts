/** Several files as one ZIP archive (fflate's zipSync, stored: blktrace's records hardly compress in time). */
import { zipSync } from 'fflate';

export function zipFiles(files: readonly { name: string; bytes: Uint8Array }[]): Uint8Array<ArrayBuffer> {
  const entries: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const f of files) entries[f.name] = [f.bytes, { level: 0 }];
  return zipSync(entries) as Uint8Array<ArrayBuffer>;
}
