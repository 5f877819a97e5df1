/**
 * `deps fix`: scan a git work tree, fix each vulnerable package (or group) on its own deterministic
 * branch from the base, verify (the fix engine re-scans), commit, and then, as asked: write a patch
 * file, push the branch, open or update its pull request. Pull requests of packages no longer
 * vulnerable on the base are closed (titled "… - autoclosed"); a pull request a person closed is not
 * opened again for the same title (same versions). The work tree is back on the base branch at the
 * end, whatever happened.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SeverityRating } from '../advisories/severity.js';
import { AppError } from '../domain/errors.js';
import { applyFixes } from './fix/index.js';
import type { PlannedUpdate } from './fix/types.js';
import type { Forge, PullRequest } from './forges/index.js';
import { Git, type GitAuth } from './git.js';
import { AUTOCLOSED_SUFFIX, BRANCH_PREFIX, bodyFor, titleFor, unitsOf, type Grouping } from './pr-text.js';
import { scanDirectory, severityRank, type AdvisorySource, type DepsFinding } from './scan.js';

export type { Grouping } from './pr-text.js';

export interface DepsFixOptions {
  /** A git work tree without uncommitted changes. */
  readonly dir: string;
  readonly advisories: AdvisorySource;
  readonly registry?: string;
  /** One branch per package (default), per ecosystem, or one for all. */
  readonly grouping?: Grouping;
  /** Fix only findings at or above this severity (default: any). */
  readonly minSeverity?: SeverityRating | 'any';
  /** The branch to fix (default: the current branch). */
  readonly base?: string;
  /** Push fix branches there (a remote name or URL); none: branches stay local. */
  readonly remote?: string;
  readonly auth?: GitAuth;
  /** Open/update/close pull requests there (needs `remote`). */
  readonly forge?: Forge;
  /** Write `<branch>.patch` files here (`/` in branch names becomes `-`). */
  readonly patchDir?: string;
  /** Extra environment for the package managers. */
  readonly env?: Readonly<Record<string, string>>;
  readonly onProgress?: (line: string) => void;
}

export type UnitStatus = 'opened' | 'updated' | 'unchanged' | 'committed' | 'not-fixable' | 'skipped-closed' | 'failed';

export interface FixUnitResult {
  readonly branch: string;
  readonly title: string;
  readonly updates: readonly PlannedUpdate[];
  readonly status: UnitStatus;
  readonly pullRequest: { readonly number: number; readonly url: string; readonly state: string } | null;
  readonly patchFile: string | null;
  readonly reason: string | null;
}

export interface DepsFixResult {
  readonly base: string;
  readonly units: readonly FixUnitResult[];
  readonly closed: readonly { readonly branch: string; readonly number: number; readonly url: string; readonly reason: string }[];
  /** Findings of the base scan (after the severity filter). */
  readonly findings: number;
  /** Lockfiles that could not be read (the scan went on without them). */
  readonly scanErrors: readonly { readonly lockfile: string; readonly line: number | null; readonly message: string }[];
}

const prRef = (pr: PullRequest): FixUnitResult['pullRequest'] => ({ number: pr.number, url: pr.url, state: pr.state });

function atOrAbove(finding: DepsFinding, min: SeverityRating | 'any'): boolean {
  return min === 'any' || severityRank(finding.severity) >= severityRank(min);
}

/** The patch file of a branch inside `dir`. */
export function patchFileName(branch: string): string {
  return `${branch.replace(/\//g, '-')}.patch`;
}

/**
 * Runs the whole fix. Throws (AppError) only when it cannot start: not a git work tree, uncommitted
 * changes, no base branch, a forge without a remote. Each unit's own failure is its result.
 */
export async function runDepsFix(options: DepsFixOptions): Promise<DepsFixResult> {
  const log = options.onProgress ?? ((): void => undefined);
  const grouping = options.grouping ?? 'package';
  if (options.forge && options.remote === undefined) throw new AppError('validation', 'pull requests need a remote to push the fix branches to; pass the remote (e.g. "origin")');
  const git = new Git(options.dir, options.auth ? { auth: options.auth } : {});
  if (!(await git.isRepository())) throw new AppError('validation', `${options.dir} is not a git work tree; run deps fix in a clone of the repository`);
  if (!(await git.isClean())) throw new AppError('conflict', `${options.dir} has uncommitted changes; commit or stash them first (deps fix creates branches from the base and must not mix your changes in)`);
  const base = options.base ?? (await git.currentBranch());
  if (base === null) throw new AppError('validation', `${options.dir} is on a detached HEAD; check out the branch to fix or pass --base <branch>`);
  const original = await git.currentBranch();
  if (original !== base) await git.checkout(base);
  const baseHead = await git.head();

  const report = await scanDirectory(options.dir, { advisories: options.advisories });
  const findings = report.findings.filter((f) => atOrAbove(f, options.minSeverity ?? 'any'));
  log(`${findings.length} vulnerable package version(s) on ${base} (${baseHead.slice(0, 12)})`);
  const units = unitsOf(findings, grouping);
  const results: FixUnitResult[] = [];

  try {
    for (const [branch, unitFindings] of units) {
      try {
        results.push(await fixUnit(git, branch, unitFindings, { ...options, grouping, base, baseHead, log }));
      } catch (err) {
        log(`${branch}: failed: ${(err as Error).message}`);
        results.push({ branch, title: branch, updates: [], status: 'failed', pullRequest: null, patchFile: null, reason: (err as Error).message });
      }
      await git.resetHard('HEAD');
      await git.checkout(base);
    }
  } finally {
    await git.resetHard('HEAD').catch(() => undefined);
    await git.checkout(original ?? base).catch(() => undefined);
  }

  const closed: DepsFixResult['closed'][number][] = [];
  if (options.forge) {
    const wanted = new Set(units.keys());
    for (const pr of await options.forge.listOpen(BRANCH_PREFIX)) {
      if (wanted.has(pr.head)) continue;
      const reason = `the vulnerable versions are no longer on ${base}: fixed elsewhere`;
      log(`closing #${pr.number} (${pr.head}): ${reason}`);
      await options.forge.update(pr.number, { title: `${pr.title}${AUTOCLOSED_SUFFIX}` });
      await options.forge.close(pr.number, `Patchwarden closes this pull request: ${reason} (checked at ${baseHead.slice(0, 12)}).`);
      if (options.remote !== undefined) await git.deleteRemoteBranch(options.remote, pr.head).catch(() => undefined);
      closed.push({ branch: pr.head, number: pr.number, url: pr.url, reason });
    }
  }
  return { base, units: results, closed, findings: findings.length, scanErrors: report.errors };
}

interface UnitContext extends DepsFixOptions {
  readonly grouping: Grouping;
  readonly base: string;
  readonly baseHead: string;
  readonly log: (line: string) => void;
}

async function fixUnit(git: Git, branch: string, findings: readonly DepsFinding[], ctx: UnitContext): Promise<FixUnitResult> {
  const result = (status: UnitStatus, rest: Partial<FixUnitResult> & { updates: readonly PlannedUpdate[] }): FixUnitResult => ({
    branch,
    title: rest.title ?? titleFor(rest.updates, ctx.grouping),
    status,
    pullRequest: null,
    patchFile: null,
    reason: null,
    ...rest,
  });
  ctx.log(`${branch}: fixing ${[...new Set(findings.map((f) => `${f.package} ${f.version}`))].join(', ')}`);
  await git.checkoutNewBranch(branch, ctx.baseHead);
  let updates: PlannedUpdate[];
  try {
    updates = await applyFixes(ctx.dir, findings, { advisories: ctx.advisories, ...(ctx.registry === undefined ? {} : { registry: ctx.registry }), ...(ctx.env === undefined ? {} : { env: ctx.env }), onProgress: ctx.log });
  } catch (err) {
    return result('failed', { updates: [], title: branch, reason: (err as Error).message });
  }
  const fixed = updates.filter((u) => u.status === 'fixed');
  if (fixed.length === 0) {
    const status: UnitStatus = updates.some((u) => u.status === 'failed') ? 'failed' : 'not-fixable';
    return result(status, { updates, reason: updates.map((u) => `${u.package}: ${u.reason ?? u.status}`).join('; ') });
  }
  const title = titleFor(updates, ctx.grouping);
  const body = bodyFor(updates, ctx.base);
  const commit = await git.commitAll(`${title}\n\n${fixed.map((u) => `${u.package} ${u.from.join(', ')} -> ${u.to ?? ''} (${u.method ?? ''}) in ${u.lockfile}`).join('\n')}\n`);
  if (commit === null) return result('failed', { updates, title, reason: 'the fix engine reported changes but the work tree has none' });

  let patchFile: string | null = null;
  if (ctx.patchDir !== undefined) {
    mkdirSync(ctx.patchDir, { recursive: true });
    patchFile = join(ctx.patchDir, patchFileName(branch));
    await git.formatPatch(ctx.baseHead, patchFile);
  }

  let existing: PullRequest[] = [];
  if (ctx.forge) {
    existing = await ctx.forge.findByBranch(branch);
    const open = existing.find((p) => p.state === 'open');
    const closedByPerson = existing.find((p) => p.state === 'closed' && !p.title.endsWith(AUTOCLOSED_SUFFIX) && p.title === title);
    if (!open && closedByPerson) {
      ctx.log(`${branch}: #${closedByPerson.number} with the same versions was closed by a person; not opening it again`);
      return result('skipped-closed', { updates, title, patchFile, pullRequest: prRef(closedByPerson), reason: `pull request #${closedByPerson.number} for the same versions was closed without merging; delete it or merge the fix yourself` });
    }
  }

  let pushed = false;
  if (ctx.remote !== undefined) {
    const remoteTree = await git.remoteBranchTree(ctx.remote, branch);
    const localTree = await git.treeOf('HEAD');
    if (remoteTree !== localTree) {
      ctx.log(`${branch}: pushing to ${ctx.remote}`);
      await git.push(ctx.remote, branch, { force: true });
      pushed = true;
    }
  }

  if (!ctx.forge) return result('committed', { updates, title, patchFile, reason: null });
  const open = existing.find((p) => p.state === 'open');
  if (open) {
    if (open.title === title && open.body === body) return result(pushed ? 'updated' : 'unchanged', { updates, title, patchFile, pullRequest: prRef(open) });
    const updated = await ctx.forge.update(open.number, { title, body });
    ctx.log(`${branch}: updated #${updated.number} ${updated.url}`);
    return result('updated', { updates, title, patchFile, pullRequest: prRef(updated) });
  }
  const created = await ctx.forge.create({ head: branch, base: ctx.base, title, body, labels: ['security', 'dependencies'] });
  ctx.log(`${branch}: opened #${created.number} ${created.url}`);
  return result('opened', { updates, title, patchFile, pullRequest: prRef(created) });
}
