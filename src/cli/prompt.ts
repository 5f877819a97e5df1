import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError, type CliIo } from './io.js';

/** True when the CLI may ask questions: stdin is an interactive terminal. */
export function isInteractive(io: CliIo): boolean {
  return io.stdin.isTTY === true;
}

/** Reads all of stdin (for --password-stdin); the caller splits it into lines. */
export async function readAllStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Asks one question on the terminal (the question goes to stderr, so stdout stays clean for
 * `--json`). With `secret`, what is typed is not echoed. Ctrl-C or end of input cancels.
 */
export function ask(io: CliIo, question: string, options: { secret?: boolean } = {}): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (!muted) io.stderr.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: io.stdin, output, terminal: isInteractive(io) });
  return new Promise<string>((resolve, reject) => {
    let answered = false;
    rl.on('SIGINT', () => {
      rl.close();
    });
    rl.on('close', () => {
      if (options.secret === true) io.stderr.write('\n');
      if (!answered) reject(new Error('cancelled: no answer given'));
    });
    // readline redraws the prompt while one types; after it is written, a secret's echo is muted.
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    muted = options.secret === true;
  });
}

/** Asks for a new password twice until both match and it has at least `minLength` characters. */
export async function askNewPassword(io: CliIo, label: string, minLength: number): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const first = await ask(io, `${label} (at least ${minLength} characters): `, { secret: true });
    if (first.length < minLength) {
      io.stderr.write(`The password has ${first.length} characters; it needs at least ${minLength}.\n`);
      continue;
    }
    const second = await ask(io, 'Repeat it: ', { secret: true });
    if (first === second) return first;
    io.stderr.write('The two passwords differ; try again.\n');
  }
  throw new Error('no new password chosen after 3 attempts');
}

/** Asks a yes/no question; only `y` or `yes` is yes. */
export async function confirm(io: CliIo, question: string): Promise<boolean> {
  const answer = await ask(io, `${question} [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}

/**
 * Guards a destructive command: passes with --yes; on a terminal asks `question`; without a
 * terminal refuses (exit code 2), so that scripts must say --yes.
 */
export async function confirmDestructive(io: CliIo, yes: boolean | undefined, question: string): Promise<void> {
  if (yes === true) return;
  if (!isInteractive(io)) throw new UsageError(`${question.replace(/\?$/, '')}: refusing without --yes when stdin is not a terminal`);
  if (!(await confirm(io, question))) throw new Error('cancelled; nothing was changed');
}
