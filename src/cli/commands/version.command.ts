import { createInterface } from 'node:readline';
import { Option, type Command } from 'commander';
import { AppError, isAppError } from '../../domain/errors.js';
import { schemeByName, type SchemeName } from '../../versioning/index.js';
import type { CliIo } from '../io.js';
import { UsageError } from '../io.js';

const SCHEMES: SchemeName[] = ['deb', 'rpm', 'semver', 'pep440', 'apk'];

/**
 * Compares the pairs of `input` (one whitespace-separated pair per line; blank lines and lines
 * starting with `#` are skipped) and writes one result per pair. An invalid pair writes `error`
 * on its line (so lines stay aligned) and the reason, with its line number, on stderr.
 * Returns the number of invalid pairs.
 */
export async function compareStream(scheme: SchemeName, io: CliIo): Promise<number> {
  const s = schemeByName(scheme);
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let out = '';
  let bad = 0;
  let n = 0;
  for await (const line of lines) {
    n++;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const parts = trimmed.split(/\s+/);
    if (parts.length !== 2) {
      bad++;
      out += 'error\n';
      io.stderr.write(`patchwarden: line ${n}: expected two versions separated by whitespace, got ${parts.length} field(s)\n`);
    } else {
      try {
        out += `${s.compare(parts[0] ?? '', parts[1] ?? '')}\n`;
      } catch (err) {
        if (!isAppError(err)) throw err;
        bad++;
        out += 'error\n';
        io.stderr.write(`patchwarden: line ${n}: ${err.message}\n`);
      }
    }
    // Write in large chunks: no process, no syscall per pair.
    if (out.length > 64 * 1024) {
      io.stdout.write(out);
      out = '';
    }
  }
  io.stdout.write(out);
  return bad;
}

/** `patchwarden version compare`: compares versions exactly as the package managers do. */
export function registerVersionCommand(program: Command, io: CliIo): void {
  const version = program.command('version').description('Version schemes: compare versions as dpkg, rpm, npm, pip or apk do');
  version
    .command('compare')
    .description('Print -1, 0 or 1 when A is older than, equal to or newer than B')
    .addOption(new Option('--scheme <scheme>', 'version scheme').choices(SCHEMES).makeOptionMandatory())
    .option('--stdin', 'read one whitespace-separated pair per line from standard input, print one result per line')
    .argument('[a]', 'first version')
    .argument('[b]', 'second version')
    .addHelpText(
      'after',
      `
Schemes: deb (dpkg: epoch, upstream, revision, ~), rpm (rpmvercmp and epoch:version-release, ~ and ^),
semver (npm), pep440 (PyPI), apk (Alpine).

Examples:
  patchwarden version compare --scheme deb 1:1.0-1 2.0-1          # 1 (the epoch wins)
  patchwarden version compare --scheme rpm 1.0~rc1 1.0            # -1
  printf '1.0 1.0.0\\n1.0a1 1.0\\n' | patchwarden version compare --scheme pep440 --stdin   # 0, -1

With --stdin an invalid pair prints "error" on its line (lines stay aligned), the reason goes to
stderr, and the exit code is 6. An invalid version on the command line: message and exit code 6.`,
    )
    .action(async (a: string | undefined, b: string | undefined, opts: { scheme: SchemeName; stdin?: boolean }) => {
      if (opts.stdin === true) {
        if (a !== undefined) throw new UsageError('give either two versions or --stdin, not both');
        const bad = await compareStream(opts.scheme, io);
        if (bad > 0) throw new AppError('validation', `${bad} invalid pair(s) in the input (see the messages above)`);
        return;
      }
      if (a === undefined || b === undefined) throw new UsageError('give two versions to compare, or --stdin');
      io.stdout.write(`${schemeByName(opts.scheme).compare(a, b)}\n`);
    });
}
