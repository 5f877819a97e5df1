/**
 * The streams and environment one CLI run works with. The process entry (bin.ts) passes the real
 * ones; tests pass buffers, so a command can run in-process and its output be read back.
 */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** `isTTY` is true on an interactive terminal: only then does the CLI prompt. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: Readonly<Record<string, string | undefined>>;
}

/** A wrong command line found after commander parsed it (exit code 2, like commander's own errors). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Ends a command with a given exit code after its output was written (e.g. `deps scan` with
 * findings): not an error, so nothing more is printed unless the message is not empty.
 */
export class ExitStatus extends Error {
  constructor(
    readonly code: number,
    message = '',
  ) {
    super(message);
    this.name = 'ExitStatus';
  }
}
