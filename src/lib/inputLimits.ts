/**
 * How large an input file may be, in the CLI and in the page alike (README "Input limits"):
 * far above any real file of each kind, low enough that a wrong file (`/dev/zero`, a disk
 * image) is refused before it fills memory.
 */
import { formatBytes } from './format.ts';

export const INPUT_LIMITS = {
  /** A simulation configuration (--config): a few hundred bytes in practice. */
  config: 1024 * 1024,
  /** A scenario file (trace): the conformance scenarios are a few KiB. */
  scenario: 8 * 1024 * 1024,
  /** A workload CSV (--workload-csv): about a million records. */
  csv: 32 * 1024 * 1024,
  /** A blktrace capture, all its `<dev>.blktrace.<cpu>` files together: about 5 M events. */
  capture: 256 * 1024 * 1024,
} as const;

export type InputKind = keyof typeof INPUT_LIMITS;

const KIND_NAMES: Record<InputKind, string> = {
  config: 'config file',
  scenario: 'scenario file',
  csv: 'workload CSV',
  capture: 'blktrace capture (all its files together)',
};

/** The refusal of `name`, `size` bytes (or more) of a `kind`, or null when it is within the limit. */
export function inputTooLarge(name: string, size: number, kind: InputKind): string | null {
  const limit = INPUT_LIMITS[kind];
  return size > limit ? `${name}: larger than ${formatBytes(limit)}, the limit for a ${KIND_NAMES[kind]}` : null;
}
