import { existsSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { severityRank, scanDirectory, type DepsFinding, type ScanProgress, type ScanReport } from '../../deps/scan.js';
import { toSarif } from '../../deps/sarif.js';
import type { SeverityRating } from '../../advisories/severity.js';
import { AppError } from '../../domain/errors.js';
import { VERSION } from '../../server/version.js';
import { EXIT } from '../exit-codes.js';
import { ExitStatus, UsageError, type CliIo } from '../io.js';
import { formatJson, formatTable } from '../output.js';
import { withStore, withStoreOptions, type StoreOptions } from './advisories.command.js';

const FAIL_ON = ['critical', 'high', 'medium', 'low', 'any', 'none'] as const;
type FailOn = (typeof FAIL_ON)[number];

/** The JSON report's shape version (docs/dependencies.md). */
export const DEPS_REPORT_VERSION = 1;

/** True when a finding's severity is at or above the threshold (`any`: every finding; `none`: none). */
export function meetsThreshold(severity: SeverityRating, failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  if (failOn === 'any') return true;
  return severityRank(severity) >= severityRank(failOn);
}

const n = (value: number): string => value.toLocaleString('en-US');

function advisoriesCell(f: DepsFinding): string {
  return f.advisories.map((a) => (a.cves[0] === undefined ? a.id : `${a.id} (${a.cves[0]})`)).join(', ');
}

function printTable(io: CliIo, report: ScanReport): void {
  if (report.findings.length > 0) {
    io.stdout.write(
      formatTable(report.findings, [
        { header: 'PACKAGE', value: (f) => f.package },
        { header: 'VERSION', value: (f) => f.version },
        { header: 'SEVERITY', value: (f) => f.severity },
        { header: 'ADVISORIES', value: advisoriesCell },
        { header: 'FIXED IN', value: (f) => f.fixedIn ?? 'no fix' },
        { header: 'LOCKFILE', value: (f) => (f.line === null ? f.lockfile : `${f.lockfile}:${f.line}`) },
        { header: 'PATH', value: (f) => `${(f.paths[0] ?? []).join(' > ')}${f.dev ? ' (dev)' : ''}` },
      ]),
    );
  }
  const bySeverity = new Map<string, number>();
  for (const f of report.findings) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  const counts = ['critical', 'high', 'medium', 'low', 'unknown'].filter((s) => bySeverity.has(s)).map((s) => `${bySeverity.get(s)} ${s}`).join(', ');
  const lockfiles = `${n(report.lockfiles.length)} lockfile${report.lockfiles.length === 1 ? '' : 's'}`;
  io.stdout.write(
    report.findings.length === 0
      ? `No known vulnerabilities in ${n(report.stats.packages)} packages of ${lockfiles}.\n`
      : `${n(report.findings.length)} vulnerable package version${report.findings.length === 1 ? '' : 's'} (${counts}), ${n(report.stats.advisories)} advisories, in ${n(report.stats.packages)} packages of ${lockfiles}.\n`,
  );
  const notPinned = report.notes.filter((note) => note.kind === 'not-pinned').length;
  if (notPinned > 0) io.stdout.write(`${n(notPinned)} requirement(s) not pinned to one version were not checked (listed with --json).\n`);
}

function progressPrinter(io: CliIo, quiet: boolean): (p: ScanProgress) => void {
  let lastParse = 0;
  return (p) => {
    if (quiet) return;
    if (p.phase === 'parse' && p.total !== null && p.total >= 20 && (p.done - lastParse >= 50 || p.done === p.total)) {
      lastParse = p.done;
      io.stderr.write(`parsed ${n(p.done)} / ${n(p.total)} lockfiles\n`);
    } else if (p.phase === 'match' && p.done === 0 && p.total !== null && p.total >= 2000) {
      io.stderr.write(`matching ${n(p.total)} packages\n`);
    }
  };
}

/** `patchwarden deps scan`: a local command on the server's advisory database (no server needed). */
export function registerDepsCommand(program: Command, io: CliIo): void {
  const deps = program.command('deps').description('Open-source dependencies: scan lockfiles of a repository for vulnerable versions');
  withStoreOptions(
    deps
      .command('scan')
      .description('Find vulnerable dependency versions in every lockfile below a directory (npm, yarn, pnpm, pip, poetry, pipenv)')
      .argument('<dir>', 'the repository (or any directory) to scan')
      .option('--json', 'print the report as JSON (shape in docs/dependencies.md)')
      .option('--sarif', 'print the report as SARIF 2.1.0 (for code scanning dashboards)')
      .addOption(new Option('--fail-on <severity>', 'exit 8 when a finding at or above this severity exists').choices(FAIL_ON).default('any'))
      .option('--quiet', 'no progress lines on stderr'),
  )
    .addHelpText(
      'after',
      `
Lockfiles read anywhere below <dir> (node_modules, .git, virtualenvs and vendored folders skipped):
package-lock.json / npm-shrinkwrap.json (v1-v3), yarn.lock (classic and Berry), pnpm-lock.yaml
(5.x, 6.x, 9.x), requirements*.txt and requirements/*.txt (== pins), poetry.lock, Pipfile.lock.
Advisories come from the local database ("patchwarden advisories import"); withdrawn ones never match.

Exit codes: 0 no finding at or above --fail-on (default any: every finding counts; none: report
only), 8 findings at or above --fail-on, 9 the scan is partial (a lockfile could not be read or
parsed: listed on stderr, the rest was scanned) and no finding reached --fail-on, 2 wrong command
line, 6 <dir> does not exist.

Examples:
  patchwarden deps scan .
  patchwarden deps scan ~/src/monorepo --fail-on high
  patchwarden deps scan . --sarif > deps.sarif
  patchwarden deps scan . --json --fail-on none | jq '.findings[] | {package, version, fixedIn}'`,
    )
    .action(async (dir: string, opts: StoreOptions & { json?: boolean; sarif?: boolean; failOn: FailOn; quiet?: boolean }) => {
      if (opts.json === true && opts.sarif === true) throw new UsageError('give --json or --sarif, not both');
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AppError('validation', `${dir} is not a directory; give the repository folder to scan`);
      const report = await withStore(opts, io, (store) => scanDirectory(dir, { advisories: store.advisories, onProgress: progressPrinter(io, opts.quiet === true) }));
      if (opts.json === true) io.stdout.write(formatJson({ reportVersion: DEPS_REPORT_VERSION, ...report }));
      else if (opts.sarif === true) io.stdout.write(formatJson(toSarif(report, VERSION)));
      else printTable(io, report);
      for (const error of report.errors) io.stderr.write(`patchwarden: ${error.message}\n`);
      if (report.stats.advisoriesLoaded === 0 && report.stats.packages > 0 && opts.quiet !== true) {
        io.stderr.write('patchwarden: no imported advisory names any of these packages; if none are imported yet, run "patchwarden advisories import" first.\n');
      }
      const failing = report.findings.filter((f) => meetsThreshold(f.severity, opts.failOn)).length;
      if (failing > 0) throw new ExitStatus(EXIT.findings, opts.json === true || opts.sarif === true ? `${n(failing)} finding(s) at or above --fail-on ${opts.failOn}` : '');
      if (report.partial) throw new ExitStatus(EXIT.partial, `the scan is partial: ${n(report.errors.length)} lockfile(s) could not be read (listed above); the others were scanned`);
    });
}
