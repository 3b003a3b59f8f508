#!/usr/bin/env node
/** The relayscope bin: `main` (cli.ts) wired to this process. */
import { failure, main } from './cli.ts';

const stop = new AbortController();
// The first Ctrl-C stops the run between two slices; a second one ends the process at once.
process.on('SIGINT', () => {
  if (stop.signal.aborted) process.exit(130);
  stop.abort();
});
// A write error the stream reports later (a closed pipe, a full disk) ends the command too.
process.stdout.on('error', (e) => process.exit(failure(e, { err: (c) => process.stderr.write(c) })));

process.exitCode = await main(process.argv.slice(2), {
  out: (chunk) => {
    process.stdout.write(chunk);
  },
  err: (chunk) => {
    process.stderr.write(chunk);
  },
  errIsTTY: process.stderr.isTTY === true,
  signal: stop.signal,
});
