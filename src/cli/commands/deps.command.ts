import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { severityRank, scanDirectory, type DepsFinding, type ScanProgress, type ScanReport } from '../../deps/scan.js';
import { toSarif } from '../../deps/sarif.js';
import { runDepsFix, type DepsFixResult } from '../../deps/fix-run.js';
import { createForge, GIT_USERS, type Forge } from '../../deps/forges/index.js';
import { Git, type GitAuth } from '../../deps/git.js';
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
  const deps = program.command('deps').description('Open-source dependencies: scan lockfiles for vulnerable versions and fix them on branches and pull requests');
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
  registerDepsFixCommand(deps, io);
}

const GROUPINGS = ['package', 'ecosystem', 'all'] as const;
const MIN_SEVERITY = ['critical', 'high', 'medium', 'low', 'any'] as const;
const FORGES = ['github', 'gitlab', 'gitea'] as const;
type ForgeName = (typeof FORGES)[number];

const DEFAULT_TOKEN_ENV: Record<ForgeName, string> = { github: 'GITHUB_TOKEN', gitlab: 'GITLAB_TOKEN', gitea: 'GITEA_TOKEN' };

interface FixOptions extends StoreOptions {
  openPr?: boolean;
  push?: boolean;
  remote: string;
  forge?: ForgeName;
  forgeUrl?: string;
  repository?: string;
  tokenEnv?: string;
  gitUser?: string;
  patchDir?: string;
  group: (typeof GROUPINGS)[number];
  minSeverity: (typeof MIN_SEVERITY)[number];
  base?: string;
  registry?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `owner/name` and the forge from a remote URL (`https://github.com/o/r.git`, `git@gitlab.com:g/p.git`). */
export function parseRemoteUrl(url: string): { host: string; path: string } | null {
  const scp = /^[^@\s]+@([^:\s]+):(.+)$/.exec(url);
  let host: string;
  let path: string;
  if (scp && !url.includes('://')) {
    host = scp[1] as string;
    path = scp[2] as string;
  } else {
    try {
      const u = new URL(url);
      host = u.hostname;
      path = u.pathname;
    } catch {
      return null;
    }
  }
  path = path.replace(/^\/+/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  return path.includes('/') ? { host: host.toLowerCase(), path } : null;
}

function forgeFromHost(host: string): ForgeName | null {
  if (host === 'github.com' || host.endsWith('.github.com')) return 'github';
  if (host === 'gitlab.com') return 'gitlab';
  if (host === 'gitea.com' || host === 'codeberg.org') return 'gitea';
  return null;
}

function printFixResult(io: CliIo, result: DepsFixResult): void {
  if (result.units.length > 0) {
    io.stdout.write(
      formatTable(result.units, [
        { header: 'BRANCH', value: (u) => u.branch },
        { header: 'STATUS', value: (u) => u.status },
        { header: 'UPDATES', value: (u) => u.updates.filter((x) => x.status === 'fixed').map((x) => `${x.package} ${x.from.join(',')} → ${x.to ?? ''} (${x.method ?? ''})`).join('; ') },
        { header: 'PULL REQUEST', value: (u) => u.pullRequest?.url ?? u.patchFile ?? '' },
      ]),
    );
  }
  for (const u of result.units) if (u.reason !== null) io.stdout.write(`${u.branch}: ${u.reason}\n`);
  for (const c of result.closed) io.stdout.write(`closed #${c.number} ${c.url}: ${c.reason}\n`);
  const done = result.units.filter((u) => ['opened', 'updated', 'unchanged', 'committed'].includes(u.status)).length;
  io.stdout.write(result.findings === 0 ? `No vulnerable dependencies on ${result.base}.\n` : `${n(done)} of ${n(result.units.length)} fix branch(es) ready on ${result.base}.\n`);
}

/** `patchwarden deps fix`: fix branches, patch files, and pull requests through a forge. */
export function registerDepsFixCommand(deps: Command, io: CliIo): void {
  withStoreOptions(
    deps
      .command('fix')
      .description('Fix vulnerable dependencies on a branch per package (or group): commit, write patch files, push and open or update pull requests')
      .argument('<dir>', 'a clean git work tree of the repository')
      .option('--open-pr', 'push the branches and open, update or close pull requests on the forge')
      .option('--push', 'push the branches to --remote (no pull requests)')
      .option('--remote <name|url>', 'where branches are pushed', 'origin')
      .addOption(new Option('--forge <kind>', 'the forge of --open-pr (default: from the remote URL: github.com, gitlab.com, gitea.com/codeberg.org)').choices(FORGES))
      .option('--forge-url <url>', 'the forge API base (GitHub Enterprise https://host/api/v3, self-hosted GitLab https://host/api/v4, Gitea https://host/api/v1)')
      .option('--repository <path>', 'the repository on the forge, owner/name (GitLab group/project); default: from the remote URL')
      .option('--token-env <name>', 'the environment variable holding the forge token (default GITHUB_TOKEN, GITLAB_TOKEN or GITEA_TOKEN); tokens are never taken on the command line')
      .option('--git-user <name>', 'user name sent with the token when pushing over HTTP (default x-access-token, oauth2 or patchwarden)')
      .option('--patch-dir <dir>', 'write <branch>.patch files here (default .git/patchwarden/patches of the repository)')
      .addOption(new Option('--group <grouping>', 'one branch per package, per ecosystem, or one for all').choices(GROUPINGS).default('package'))
      .addOption(new Option('--min-severity <severity>', 'fix only findings at or above this severity').choices(MIN_SEVERITY).default('any'))
      .option('--base <branch>', 'the branch to fix (default: the current branch)')
      .option('--registry <url>', 'npm registry (default npm_config_registry or https://registry.npmjs.org)')
      .option('--json', 'print the result as JSON')
      .option('--quiet', 'no progress lines on stderr'),
  )
    .addHelpText(
      'after',
      `
For each vulnerable package: the lowest published version no known advisory affects; inside the
manifest range only the lockfile changes, otherwise the range is bumped; a transitive package moves
through its parent or, when no parent version allows a fix, an override (npm overrides, yarn
resolutions, pnpm.overrides). Lockfiles are regenerated by the real package manager (scripts off)
and scanned again before anything is committed. Branches: patchwarden/<ecosystem>-<package>,
patchwarden/<ecosystem>-security (--group ecosystem), patchwarden/security (--group all).

Reruns update the same branch and pull request; pull requests whose packages are no longer
vulnerable are closed ("- autoclosed"); a pull request a person closed is not opened again for
the same versions.

Exit codes: 0 every vulnerable package has a fix branch (or nothing is vulnerable), 8 some
packages have no fix, 1 a fix failed (reasons printed), 6 bad input (dirty work tree, not git).

Examples:
  patchwarden deps fix .                                   # local branches + .git/patchwarden/patches
  GITHUB_TOKEN=... patchwarden deps fix . --open-pr        # forge and repository from origin's URL
  GITEA_TOKEN=... patchwarden deps fix . --open-pr --forge gitea --forge-url https://git.example.com/api/v1
  patchwarden deps fix . --group all --min-severity high --push`,
    )
    .action(async (dir: string, opts: FixOptions) => {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AppError('validation', `${dir} is not a directory; give a git work tree of the repository`);
      const git = new Git(dir);
      let forge: Forge | undefined;
      let auth: GitAuth | undefined;
      if (opts.openPr === true || opts.push === true) {
        const remoteUrl = (await git.remoteUrl(opts.remote)) ?? opts.remote;
        const parsed = parseRemoteUrl(remoteUrl);
        const kind = opts.forge ?? (parsed ? forgeFromHost(parsed.host) : null);
        if (opts.openPr === true) {
          if (kind === null) throw new UsageError(`cannot tell the forge of ${opts.remote}; pass --forge github|gitlab|gitea (and --forge-url for a self-hosted one)`);
          const repository = opts.repository ?? parsed?.path;
          if (repository === undefined) throw new UsageError(`cannot tell the repository from ${opts.remote}; pass --repository owner/name`);
          const tokenEnv = opts.tokenEnv ?? DEFAULT_TOKEN_ENV[kind];
          const token = io.env[tokenEnv];
          if (token === undefined || token.trim() === '') throw new UsageError(`--open-pr needs a token in the environment variable ${tokenEnv} (or name another with --token-env)`);
          if (kind === 'gitea' && opts.forgeUrl === undefined) throw new UsageError('a Gitea forge needs --forge-url https://<host>/api/v1');
          forge = createForge({ kind, repository, token: token.trim(), ...(opts.forgeUrl === undefined ? {} : { apiUrl: opts.forgeUrl }) });
          auth = { username: opts.gitUser ?? GIT_USERS[kind], token: token.trim() };
        } else if (kind !== null) {
          const token = io.env[opts.tokenEnv ?? DEFAULT_TOKEN_ENV[kind]];
          if (token !== undefined && token.trim() !== '') auth = { username: opts.gitUser ?? GIT_USERS[kind], token: token.trim() };
        }
      }
      const patchDir = opts.patchDir ?? join(await git.gitDir(), 'patchwarden', 'patches');
      const quiet = opts.quiet === true;
      const result = await withStore(opts, io, (store) =>
        runDepsFix({
          dir,
          advisories: store.advisories,
          grouping: opts.group,
          minSeverity: opts.minSeverity,
          patchDir,
          ...(opts.base === undefined ? {} : { base: opts.base }),
          ...(opts.registry === undefined ? {} : { registry: opts.registry }),
          ...(opts.openPr === true || opts.push === true ? { remote: opts.remote } : {}),
          ...(auth === undefined ? {} : { auth }),
          ...(forge === undefined ? {} : { forge }),
          onProgress: (line) => {
            if (!quiet) io.stderr.write(`${line}\n`);
          },
        }),
      );
      if (opts.json === true) io.stdout.write(formatJson(result));
      else printFixResult(io, result);
      for (const error of result.scanErrors) io.stderr.write(`patchwarden: ${error.message}\n`);
      if (result.units.some((u) => u.status === 'failed')) throw new ExitStatus(EXIT.error, opts.json === true ? 'a fix failed (see "reason" in the result)' : '');
      if (result.units.some((u) => u.status === 'not-fixable')) throw new ExitStatus(EXIT.findings, opts.json === true ? 'some vulnerable packages have no fix' : '');
    });
}
