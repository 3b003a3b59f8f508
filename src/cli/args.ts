/** Command-line flags: `--name value` or `--flag`, refused with a UsageError when unknown. */
import { UsageError } from './usage.ts';

export interface FlagSpec {
  /** Flags that take a value. */
  values: readonly string[];
  /** Flags that stand alone. */
  switches: readonly string[];
}

export interface Flags {
  values: Map<string, string>;
  switches: Set<string>;
  rest: string[];
}

export function parseFlags(command: string, args: readonly string[], spec: FlagSpec): Flags {
  const out: Flags = { values: new Map(), switches: new Set(), rest: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) out.rest.push(a);
    else if (spec.switches.includes(a)) out.switches.add(a);
    else if (spec.values.includes(a)) {
      const v = args[i + 1];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${command}: ${a} needs a value`);
      out.values.set(a, v);
      i++;
    } else throw new UsageError(`${command}: unknown option ${a}`);
  }
  return out;
}

/** A number flag within [min, max], or the default. */
export function numberFlag(command: string, flags: Flags, name: string, fallback: number, min: number, max: number, integer = false): number {
  const raw = flags.values.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    throw new UsageError(`${command}: ${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`);
  return v;
}

/** A comma-separated list of numbers within [min, max], or undefined when the flag is absent. */
export function listFlag(command: string, flags: Flags, name: string, min: number, max: number, integer = false): number[] | undefined {
  const raw = flags.values.get(name);
  if (raw === undefined) return undefined;
  const values = raw.split(',').map((part) => {
    const v = Number(part);
    if (part.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
      throw new UsageError(
        `${command}: ${name} must be a comma-separated list of ${integer ? 'integers' : 'numbers'} from ${min} to ${max}, got "${part}"`,
      );
    return v;
  });
  return [...new Set(values)].sort((a, b) => a - b);
}
