/**
 * The relayscope command line as a function: `main(argv, io)` runs one command and returns
 * its exit status. The bin (main.ts) wires it to the process; tests call it in-process.
 *
 * Exit status: 0 done; 1 a check failed (stress) or an internal error; 2 the user's input was
 * refused, or the output could not be written (one line on stderr, never a stack trace);
 * 130 stopped by Ctrl-C. A reader that closed the pipe (`| head -1`) ends the command quietly.
 */
import { commandUsage, type CommandSpec } from './args.ts';
import { BENCH, bench } from './bench.ts';
import { SIMULATE, simulate } from './simulate.ts';
import { STRESS, stress } from './stress.ts';
import { SWEEP, sweep } from './sweep.ts';
import { TRACE, trace } from './trace.ts';
import { Interrupted, UsageError, type CliIo } from './usage.ts';

type Run = (args: string[], io: CliIo) => Promise<number | void> | number | void;

const COMMANDS: readonly { spec: CommandSpec; run: Run }[] = [
  { spec: TRACE, run: trace },
  { spec: SIMULATE, run: simulate },
  { spec: SWEEP, run: sweep },
  { spec: STRESS, run: (args, io) => stress(args, (c) => io.out(c)) },
  { spec: BENCH, run: (args, io) => bench(args, (c) => io.out(c)) },
];

/** The usage text, made from every command's flag table. */
export const USAGE = [
  'usage: relayscope <command> [options]',
  '',
  'commands:',
  ...COMMANDS.map((c) => commandUsage(c.spec)),
  '  help',
  '      show this text',
].join('\n');

/** An error of writing the output (a full disk, a closed pipe), told apart from the command's own. */
class OutputError extends Error {
  constructor(readonly errno: NodeJS.ErrnoException) {
    super(errno.message);
  }
}

const errnoOf = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | null)?.code;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  const out = (chunk: string): void => {
    try {
      io.out(chunk);
    } catch (e) {
      throw new OutputError(e as NodeJS.ErrnoException);
    }
  };
  const commandIo: CliIo = { ...io, out };
  try {
    if (command === 'help' || command === '--help' || command === '-h') {
      out(USAGE + '\n');
      return 0;
    }
    if (command === undefined) throw new UsageError('a command is needed');
    const found = COMMANDS.find((c) => c.spec.name === command);
    if (found === undefined) throw new UsageError(`unknown command ${JSON.stringify(command.slice(0, 40))}`);
    return (await found.run(args, commandIo)) ?? 0;
  } catch (e) {
    return failure(e, io);
  }
}

/** The exit status of a command that threw, after its one line on stderr. */
export function failure(e: unknown, io: Pick<CliIo, 'err'>): number {
  if (e instanceof OutputError || (errnoOf(e) !== undefined && (e as NodeJS.ErrnoException).syscall === 'write')) {
    const cause = e instanceof OutputError ? e.errno : (e as NodeJS.ErrnoException);
    if (cause.code === 'EPIPE') return 0;
    io.err(`relayscope: cannot write the output: ${cause.code ?? cause.message}\n`);
    return 2;
  }
  if (e instanceof UsageError) {
    io.err(`relayscope: ${e.message}\n${e.message.includes('\n') ? '' : "try 'relayscope help'\n"}`);
    return 2;
  }
  if (e instanceof Interrupted) {
    io.err(`relayscope: ${e.message}\n`);
    return 130;
  }
  io.err(`relayscope: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  return 1;
}
