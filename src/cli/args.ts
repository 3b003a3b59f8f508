/**
 * Each command's flags, as one table: `node:util` parseArgs reads the command line from it, and
 * the usage text is made from it, so the two cannot disagree. What parseArgs refuses (an
 * unknown flag, a flag without its value) becomes a one-line UsageError.
 */
import { parseArgs } from 'node:util';
import { parseNumberText } from '../lib/numberText.ts';
import { UsageError } from './usage.ts';

export interface Flag {
  /** A flag that takes a value (named `value` in the usage text), or one that stands alone. */
  type: 'string' | 'boolean';
  value?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  /** What the usage line shows before the flags: required choices, positional arguments. */
  synopsis?: string;
  /** Positional arguments taken (`FILE...`), or none. */
  positionals?: string;
  /** What the command does, for the usage text. */
  summary: string;
  flags: Readonly<Record<string, Flag>>;
}

export type FlagValues = Record<string, string | boolean | undefined>;

export interface ParsedCommand {
  values: FlagValues;
  positionals: string[];
}

/** The option named in one of parseArgs' messages ("Unknown option '--fast'..."). */
const optionIn = (message: string): string => /'(-[^' ]*)/.exec(message)?.[1] ?? '';

export function parseCommand(spec: CommandSpec, args: readonly string[]): ParsedCommand {
  const options = Object.fromEntries(Object.entries(spec.flags).map(([name, f]) => [name, { type: f.type }]));
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: spec.positionals !== undefined });
    return { values: values as FlagValues, positionals };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = e instanceof Error ? e.message : String(e);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`${spec.name}: unknown option ${optionIn(message)}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = optionIn(message);
      const flag = spec.flags[name.replace(/^--/, '')];
      throw new UsageError(
        flag?.type === 'boolean' ? `${spec.name}: ${name} takes no value` : `${spec.name}: ${name} needs a value (write --${name.replace(/^--/, '')}=-1 for one that starts with -)`,
      );
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`${spec.name}: unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? '')}`);
    throw e;
  }
}

/** A value flag's text, or undefined when it was not given. */
export const textFlag = (values: FlagValues, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};

const numberText = (command: string, name: string, raw: string, min: number, max: number, integer: boolean, list: boolean): number => {
  const v = parseNumberText(raw);
  if (v === null || v < min || v > max || (integer && !Number.isInteger(v))) {
    const kind = integer ? 'integer' : 'number';
    const what = list ? `a comma-separated list of ${kind}s` : `${integer ? 'an' : 'a'} ${kind}`;
    throw new UsageError(`${command}: --${name} must be ${what} from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return v;
};

/** A number flag within [min, max] (decimal only: `0x10` is refused), or the default. */
export function numberFlag(command: string, values: FlagValues, name: string, fallback: number, min: number, max: number, integer = false): number {
  const raw = textFlag(values, name);
  return raw === undefined ? fallback : numberText(command, name, raw, min, max, integer, false);
}

/** A comma-separated list of numbers within [min, max], sorted and without repeats, or undefined when the flag is absent. */
export function listFlag(command: string, values: FlagValues, name: string, min: number, max: number, integer = false): number[] | undefined {
  const raw = textFlag(values, name);
  if (raw === undefined) return undefined;
  const list = raw.split(',').map((part) => numberText(command, name, part, min, max, integer, true));
  return [...new Set(list)].sort((a, b) => a - b);
}

const flagLine = (name: string, f: Flag): string => `--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;

/** The usage text of one command, made from its table. */
export function commandUsage(spec: CommandSpec): string {
  const head = [`  ${spec.name}`, spec.synopsis, spec.positionals].filter((x) => x !== undefined).join(' ');
  const lines = [head, ...spec.summary.split('\n').map((l) => `      ${l}`)];
  const entries = Object.entries(spec.flags);
  const width = Math.max(0, ...entries.map(([n, f]) => flagLine(n, f).length)) + 2;
  for (const [name, f] of entries) lines.push(`      ${flagLine(name, f).padEnd(width)}${f.help}`);
  return lines.join('\n');
}
