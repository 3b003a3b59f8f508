#!/usr/bin/env node
/** The relayscope command line. */
import { bench } from './bench.ts';
import { simulate } from './simulate.ts';
import { stress } from './stress.ts';
import { sweep } from './sweep.ts';
import { trace } from './trace.ts';
import { USAGE, UsageError } from './usage.ts';

const write = (chunk: string): void => {
  process.stdout.write(chunk);
};

// A reader that closed the pipe (relayscope ... | head) ends the command quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'trace':
      return trace(args, write);
    case 'simulate':
      return simulate(args, write);
    case 'sweep':
      return sweep(args, write);
    case 'stress':
      process.exitCode = await stress(args, write);
      return;
    case 'bench':
      return bench(args, write);
    case 'help':
    case '--help':
    case '-h':
      return write(USAGE + '\n');
    case undefined:
      throw new UsageError('a command is needed');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`relayscope: ${e.message}\n${e.message.includes('\n') ? '' : "try 'relayscope help'\n"}`);
    process.exit(2);
  }
  process.stderr.write(`relayscope: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
