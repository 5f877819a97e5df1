import { readFile, rm, writeFile } from 'node:fs/promises';
import type pino from 'pino';
import type { SeverityRating } from '../../advisories/severity.js';
import { AppError, isAppError } from '../../domain/errors.js';
import { runDepsFix, type DepsFixOptions, type DepsFixResult, type FixUnitResult } from '../../deps/fix-run.js';
import { createForge, GIT_USERS } from '../../deps/forges/index.js';
import { Git, redact, type GitAuth } from '../../deps/git.js';
import { scanDirectory, type DepsFinding } from '../../deps/scan.js';
import { newId, type DepPullRequestRecord, type DepRepositoryRecord, type DepScanPullRequestCounts, type DepScanRecord, type DepsSeverity, type NewDepFinding, type Repositories, type Store } from '../../store/index.js';
import type { ServerConfig } from '../config.js';
import type { Clock } from './context.js';
import { cloneDirOf } from './repository-views.js';
import { resolveSecret } from './repository-credentials.js';

/**
 * One scan of a watched repository, run by the dependency job on a scan it claimed: read the token
 * (when the repository names credentials), clone the repository into `<dataDir>/repositories/<id>`
 * (or fetch into the clone of an earlier scan), scan its lockfiles against the advisory store,
 * store the findings (SUCCESS, or PARTIAL with the lockfiles that could not be read), and then,
 * when pull requests are on, run the fix (`runDepsFix`) against the forge and record the pull
 * requests. A failure of the pull request step never loses the scan's findings. Errors say what
 * failed in words and never carry the token.
 */
export interface ScanRunnerDeps {
  store: Store;
  clock: Clock;
  config: ServerConfig;
  logger: pino.Logger;
  /** Where `env:` credentials are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The fix orchestrator (default runDepsFix). */
  fix?: (options: DepsFixOptions) => Promise<DepsFixResult>;
}

/** What a clone was made from, kept next to it: a later scan fetches into it only when the source is the same. */
interface CloneSource {
  gitUrl: string;
  branch: string | null;
  /** The branch checked out (the remote's default when `branch` is null). */
  resolved: string;
}


/** A scanner severity as the API names it (`none`, a CVSS of 0, counts as low). */
export function depsSeverityOf(rating: SeverityRating): DepsSeverity {
  return rating === 'none' ? 'low' : rating;
}

function newFindingOf(f: DepsFinding): NewDepFinding {
  return {
    ecosystem: f.ecosystem,
    package: f.package,
    version: f.version,
    lockfile: f.lockfile,
    line: f.line,
    direct: f.direct,
    dev: f.dev,
    path: [...(f.paths[0] ?? [])],
    severity: depsSeverityOf(f.severity),
    advisories: f.advisories.map((a) => ({ id: a.id, aliases: [...a.aliases], summary: a.summary, severity: depsSeverityOf(a.severity.rating), score: a.severity.score, fixedIn: a.fixedIn })),
    cves: [...new Set(f.advisories.flatMap((a) => a.cves))].sort(),
    fixedIn: f.fixedIn,
  };
}

/** Why git failed, in words for the scan's `error`: the URL, git's message (no token, no server paths) and what to check. */
function gitProblem(what: string, err: unknown, secrets: readonly string[]): string {
  const detail = isAppError(err) ? (err.details as { stderr?: unknown } | undefined)?.stderr : undefined;
  const stderr = typeof detail === 'string' ? detail : '';
  const message = stderr !== '' ? stderr : (err as Error).message;
  const hint = isAppError(err, 'unauthenticated')
    ? 'check that the credentials (credentialsRef) may read the repository'
    : isAppError(err, 'unavailable')
      ? 'check the URL and that the server can reach the host'
      : isAppError(err, 'not_found')
        ? 'check the URL and the branch'
        : "see git's message";
  return redact(`${what}: ${message}; ${hint}`, secrets);
}

/** Clones the repository, or fetches into the clone an earlier scan left when it came from the same URL and branch. */
async function checkout(dir: string, r: DepRepositoryRecord, auth: GitAuth | undefined, logger: pino.Logger): Promise<{ git: Git; branch: string }> {
  const sourceFile = `${dir}.source.json`;
  const source = await readFile(sourceFile, 'utf8').then((t) => JSON.parse(t) as CloneSource).catch(() => null);
  const git = new Git(dir, auth === undefined ? {} : { auth });
  if (source !== null && source.gitUrl === r.gitUrl && source.branch === r.branch && (await git.isRepository())) {
    try {
      await git.resetHard('HEAD');
      if ((await git.remoteBranchTree('origin', source.resolved)) === null) throw new AppError('not_found', `the remote has no branch "${source.resolved}" any more`);
      await git.checkoutNewBranch(source.resolved, `refs/remotes/origin/${source.resolved}`);
      await git.resetHard('HEAD');
      return { git, branch: source.resolved };
    } catch (err) {
      // Credentials or network: a new clone would fail the same way.
      if (isAppError(err, 'unauthenticated', 'unavailable')) throw err;
      logger.warn({ repositoryId: r.id, error: (err as Error).message }, 'fetch into the clone failed; cloning again');
    }
  }
  await rm(sourceFile, { force: true });
  await rm(dir, { recursive: true, force: true });
  const cloned = await Git.clone(r.gitUrl, dir, { ...(r.branch === null ? {} : { branch: r.branch }), ...(auth === undefined ? {} : { auth }) });
  const branch = await cloned.currentBranch();
  if (branch === null) throw new AppError('not_found', 'the clone has no branch checked out (the remote has no default branch); set "branch"');
  await writeFile(sourceFile, JSON.stringify({ gitUrl: r.gitUrl, branch: r.branch, resolved: branch } satisfies CloneSource));
  return { git: cloned, branch };
}

const PR_STATES = new Set(['open', 'closed', 'merged']);

/** Records what the fix did as pull requests of the repository; returns the counts for the scan. */
export async function recordPullRequests(tx: Repositories, r: DepRepositoryRecord, result: Pick<DepsFixResult, 'units' | 'closed'>, now: string): Promise<DepScanPullRequestCounts> {
  const counts: DepScanPullRequestCounts = { opened: 0, updated: 0, closed: 0, failed: 0 };
  for (const unit of result.units) {
    if (unit.status === 'failed') counts.failed++;
    if (unit.status === 'opened') counts.opened++;
    if (unit.status === 'updated') counts.updated++;
    if (unit.status === 'failed' || unit.status === 'not-fixable') continue;
    if (unit.status !== 'committed' && unit.pullRequest === null) continue;
    const pr = unit.pullRequest;
    const forgeState = pr !== null && PR_STATES.has(pr.state) ? (pr.state as 'open' | 'closed' | 'merged') : 'open';
    const state: DepPullRequestRecord['state'] = unit.status === 'committed' ? 'local' : unit.status === 'skipped-closed' && forgeState === 'open' ? 'closed' : forgeState;
    const existing = await tx.depPullRequests.find(r.id, unit.branch, pr?.number ?? null);
    const record: DepPullRequestRecord = {
      id: existing?.id ?? newId('dpr'),
      repositoryId: r.id,
      accountId: r.accountId,
      branch: unit.branch,
      number: pr?.number ?? null,
      url: pr?.url ?? null,
      state,
      title: unit.title,
      ...unitContent(unit),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
      closedAt: state === 'closed' || state === 'merged' ? (existing?.closedAt ?? now) : null,
    };
    if (existing === undefined) await tx.depPullRequests.insert(record);
    else await tx.depPullRequests.update(record);
  }
  for (const c of result.closed) {
    counts.closed++;
    const existing = await tx.depPullRequests.find(r.id, c.branch, c.number);
    if (existing !== undefined && existing.state === 'open') await tx.depPullRequests.update({ ...existing, url: c.url, state: 'closed', updatedAt: now, closedAt: now });
  }
  return counts;
}

const RANK: Record<DepsSeverity, number> = { critical: 4, high: 3, medium: 2, low: 1, unknown: 0 };

function unitContent(unit: FixUnitResult): Pick<DepPullRequestRecord, 'packages' | 'advisories' | 'severity'> {
  const fixed = unit.updates.filter((u) => u.status === 'fixed');
  const updates = fixed.length > 0 ? fixed : unit.updates;
  const severity = updates.map((u) => depsSeverityOf(u.severity)).reduce<DepsSeverity>((a, b) => (RANK[b] > RANK[a] ? b : a), 'unknown');
  return {
    packages: updates.map((u) => ({ ecosystem: u.ecosystem, name: u.package, from: [...u.from], to: u.to, method: u.method })),
    advisories: [...new Set(updates.flatMap((u) => u.advisories.map((a) => a.id)))].sort(),
    severity,
  };
}

/**
 * Runs one claimed scan to its end (the scan row is IN_PROGRESS for `holder`). Never throws for
 * what a repository can cause: the scan ends FAILED with the reason.
 */
export async function runRepositoryScan(deps: ScanRunnerDeps, scan: DepScanRecord, holder: string): Promise<DepScanRecord['status']> {
  const { store, logger } = deps;
  const finish = async (status: DepScanRecord['status'], error: string | null, pullRequests?: DepScanPullRequestCounts | null): Promise<DepScanRecord['status']> => {
    if (!(await store.depRepositories.finishScan(scan.id, holder, { status, endedAt: deps.clock().toISOString(), error, pullRequests }))) logger.warn({ scanId: scan.id }, 'repository scan ended elsewhere meanwhile');
    logger.info({ scanId: scan.id, repositoryId: scan.repositoryId, status }, 'repository scan ended');
    return status;
  };
  const r = await store.depRepositories.get(scan.repositoryId);
  if (r === undefined) return finish('FAILED', 'the repository was deleted before the scan ran');

  let token: string | null = null;
  if (r.credentialsRef !== null) {
    try {
      token = await resolveSecret(deps.config, r.accountId, r.credentialsRef, deps.env);
    } catch (err) {
      return finish('FAILED', `credentials: ${(err as Error).message}`);
    }
  }
  const secrets = token === null ? [] : [token];
  const username = r.forge.kind === 'none' ? undefined : GIT_USERS[r.forge.kind];
  const auth: GitAuth | undefined = token === null ? undefined : { token, ...(username === undefined ? {} : { username }) };
  const dir = cloneDirOf(deps, r.id);

  let checkedOut: { git: Git; branch: string };
  try {
    checkedOut = await checkout(dir, r, auth, logger);
  } catch (err) {
    return finish('FAILED', gitProblem(`cannot clone ${r.gitUrl}${r.branch === null ? '' : ` (branch ${r.branch})`}`, err, secrets));
  }

  let status: 'SUCCESS' | 'PARTIAL';
  try {
    const commit = await checkedOut.git.head();
    const report = await scanDirectory(dir, { advisories: store.advisories });
    const findings = report.findings.map(newFindingOf);
    const errors = report.errors.map((e) => ({ lockfile: e.lockfile, line: e.line, message: e.message }));
    status = report.partial ? 'PARTIAL' : 'SUCCESS';
    await store.transaction(async (tx) => {
      await tx.depFindings.replace(r.id, r.accountId, scan.id, findings, errors.map((e) => e.lockfile), deps.clock().toISOString());
      await tx.depRepositories.recordScanResult(scan.id, { commit, lockfiles: report.lockfiles.length, packages: report.stats.packages, findings: findings.length, errors });
    });
  } catch (err) {
    logger.warn({ err, scanId: scan.id }, 'repository scan failed');
    return finish('FAILED', redact(`scan failed: ${(err as Error).message}`, secrets));
  }

  if (!r.openPullRequests || r.forge.kind === 'none' || r.forge.repository === null || token === null) return finish(status, null);
  try {
    const forge = createForge({ kind: r.forge.kind, repository: r.forge.repository, token, ...(r.forge.apiUrl === null ? {} : { apiUrl: r.forge.apiUrl }) });
    const result = await (deps.fix ?? runDepsFix)({
      dir,
      advisories: store.advisories,
      grouping: r.grouping,
      minSeverity: r.severityThreshold,
      base: checkedOut.branch,
      remote: 'origin',
      ...(auth === undefined ? {} : { auth }),
      forge,
      onProgress: (line) => logger.debug({ repositoryId: r.id, line: redact(line, secrets) }, 'dependency fix'),
    });
    const counts = await store.transaction((tx) => recordPullRequests(tx, r, result, deps.clock().toISOString()));
    const failed = result.units.filter((u) => u.status === 'failed');
    const error = failed.length === 0 ? null : redact(`pull requests: ${failed.map((u) => `${u.branch}: ${u.reason ?? 'failed'}`).join('; ')}`, secrets);
    return finish(status, error, counts);
  } catch (err) {
    logger.warn({ scanId: scan.id, error: redact((err as Error).message, secrets) }, 'repository pull requests failed');
    return finish(status, redact(`pull requests not updated (the findings are stored): ${(err as Error).message}`, secrets), { opened: 0, updated: 0, closed: 0, failed: 1 });
  }
}
