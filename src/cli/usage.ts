/** What every command shares: its errors, and the terminal it writes to. */

/** Errors the user caused: printed as one line, exit status 2, never a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The user stopped the run (Ctrl-C): exit status 130, as a shell reports SIGINT. */
export class Interrupted extends Error {
  override name = 'Interrupted';
}

/**
 * Where a command writes, and how it learns that the user wants it to stop. The bin wires it
 * to the process; tests give their own, and run `main` in-process.
 */
export interface CliIo {
  /** Standard output. May throw (a full disk, a closed pipe): `main` reports it. */
  out(chunk: string): void;
  /** Standard error: errors, and the progress line of a long run. */
  err(chunk: string): void;
  /** Whether standard error is a terminal: only then is a progress line drawn. */
  errIsTTY: boolean;
  /** Aborted when the user presses Ctrl-C; long runs check it between slices. */
  signal: AbortSignal;
}
