import { rm } from 'node:fs/promises';
import { readableAccounts } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { CreateRepositoryRequest, DependencyComplianceGroup, DependencyComplianceSummary, DependencyFinding, DependencyPullRequest, Repository, RepositoryScan, UpdateRepositoryRequest } from '../../contracts/api.js';
import { CreateRepositoryRequest as CreateRepositorySchema } from '../../contracts/repositories.contract.js';
import {
  isUniqueViolation,
  newId,
  overdueCutoffs,
  pendingScan,
  type DepFindingCount,
  type DepFindingFilter,
  type DepRepositoryRecord,
  type DepScope,
  type DepSlaDays,
  type Page,
  type PageRequest,
  type Repositories,
} from '../../store/index.js';
import { DEFAULT_SLA } from './compliance-evaluator.js';
import { auditEntry, principalOf, requireAccountAccess, requireObjectAccess, type RequestContext, type ServiceDeps } from './context.js';
import { requireCredentialsRefAllowed } from './repository-credentials.js';
import { addRepository, cloneDirOf, dueAtOf, emptyGroup, emptySeverityCounts, nextScanOf, pullRequestView, scanView, settingsAudit } from './repository-views.js';

/** At most this many repositories per account. */
const MAX_REPOSITORIES = 500;

/**
 * Source repositories watched for vulnerable dependencies (issue 8): registration (admins of the
 * account; `env:` credentials only by organization admins), scans on demand (operators; queued for
 * the dependency job), scan history, findings with their SLA, pull requests, and compliance per
 * account or repository. Every change is audited in its transaction.
 */
export class RepositoriesService {
  private kick: (() => void) | null = null;

  constructor(protected readonly deps: ServiceDeps) {}

  /** The dependency job registers how to start queued scans at once (null: they wait for its next tick). */
  onScanQueued(kick: (() => void) | null): void {
    this.kick = kick;
  }

  private async repository(ctx: RequestContext, repositoryId: string, action: 'read' | 'operate' | 'manage'): Promise<DepRepositoryRecord> {
    const hidden = `Repository "${repositoryId}" does not exist or is not yours to see; list them with \`patchwarden repos list\`.`;
    principalOf(ctx);
    const r = await this.deps.store.depRepositories.get(repositoryId);
    if (r === undefined) throw new AppError('not_found', hidden);
    requireObjectAccess(ctx, r.accountId, action, hidden);
    return r;
  }

  /** SLA days per severity: the compliance settings (the same as for OS patches). */
  async slaDays(): Promise<DepSlaDays> {
    const org = await this.deps.store.organizations.get();
    const stored = org === undefined ? undefined : await this.deps.store.compliance.getSla(org.id);
    return stored?.sla ?? { ...DEFAULT_SLA };
  }

  private record(base: Pick<DepRepositoryRecord, 'id' | 'accountId' | 'createdAt' | 'createdBy' | 'complianceStatus' | 'lastScanId' | 'lastSuccessScanId'>, body: CreateRepositoryRequest, now: Date): DepRepositoryRecord {
    const input = CreateRepositorySchema.parse(body);
    const r: DepRepositoryRecord = {
      ...base,
      name: input.name,
      gitUrl: input.gitUrl,
      branch: input.branch ?? null,
      forge: { kind: input.forge.kind, apiUrl: input.forge.apiUrl ?? null, repository: input.forge.repository ?? null },
      credentialsRef: input.credentialsRef ?? null,
      schedule: input.schedule ?? null,
      timezone: input.timezone,
      grouping: input.grouping,
      severityThreshold: input.severityThreshold,
      openPullRequests: input.openPullRequests,
      enabled: input.enabled,
      nextScanAt: null,
      updatedAt: now.toISOString(),
    };
    r.nextScanAt = nextScanOf(r, now);
    return r;
  }

  /** Repositories as the API shows them: counts at or above the threshold, overdue, open pull requests, last scan. */
  private async views(records: readonly DepRepositoryRecord[]): Promise<Repository[]> {
    const ids = records.map((r) => r.id);
    const cutoffs = overdueCutoffs(await this.slaDays(), this.deps.clock());
    const scope: DepScope = { accounts: 'all' };
    const [counts, prs, scans] = await Promise.all([
      this.deps.store.depFindings.counts(scope, cutoffs, ids),
      this.deps.store.depPullRequests.openOf(ids),
      this.deps.store.depRepositories.scansByIds(records.map((r) => r.lastScanId).filter((x): x is string => x !== null)),
    ]);
    return records.map((r) => {
      const findings = emptySeverityCounts();
      let overdue = 0;
      for (const c of counts.filter((x) => x.repositoryId === r.id)) {
        findings[c.severity] += c.findings;
        overdue += c.overdue;
      }
      const last = r.lastScanId === null ? undefined : scans.get(r.lastScanId);
      return {
        id: r.id,
        accountId: r.accountId,
        name: r.name,
        gitUrl: r.gitUrl,
        branch: r.branch,
        forge: r.forge,
        credentialsRef: r.credentialsRef,
        schedule: r.schedule,
        timezone: r.timezone,
        grouping: r.grouping,
        severityThreshold: r.severityThreshold,
        openPullRequests: r.openPullRequests,
        enabled: r.enabled,
        complianceStatus: r.complianceStatus,
        findings,
        overdue,
        openPullRequestCount: prs.filter((p) => p.repositoryId === r.id).length,
        lastScan: last === undefined ? null : { id: last.id, status: last.status, startedAt: last.startedAt, endedAt: last.endedAt, commit: last.commit, error: last.error },
        nextScanAt: r.nextScanAt,
        createdAt: r.createdAt,
        createdBy: r.createdBy,
        updatedAt: r.updatedAt,
      };
    });
  }

  private async view(r: DepRepositoryRecord): Promise<Repository> {
    const [v] = await this.views([r]);
    if (v === undefined) throw new AppError('internal', `repository ${r.id} has no view`);
    return v;
  }

  async list(ctx: RequestContext, query: PageRequest & { accountId?: string | undefined; complianceStatus?: Repository['complianceStatus'] | undefined; q?: string | undefined }): Promise<Page<Repository>> {
    const principal = principalOf(ctx);
    if (query.accountId !== undefined) requireAccountAccess(ctx, query.accountId, 'read');
    const result = await this.deps.store.depRepositories.list({ accounts: readableAccounts(principal), accountId: query.accountId, complianceStatus: query.complianceStatus, q: query.q }, query);
    return { ...result, items: await this.views(result.items) };
  }

  async get(ctx: RequestContext, repositoryId: string): Promise<Repository> {
    return this.view(await this.repository(ctx, repositoryId, 'read'));
  }

  async create(ctx: RequestContext, accountId: string, body: CreateRepositoryRequest): Promise<Repository> {
    const principal = requireAccountAccess(ctx, accountId, 'manage');
    if ((await this.deps.store.accounts.get(accountId)) === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    const now = this.deps.clock();
    const r = this.record({ id: newId('repo'), accountId, createdAt: now.toISOString(), createdBy: principal.username, complianceStatus: 'UNKNOWN', lastScanId: null, lastSuccessScanId: null }, body, now);
    requireCredentialsRefAllowed(principal, r.credentialsRef, 'set');
    if ((await this.deps.store.depRepositories.countOf(accountId)) >= MAX_REPOSITORIES) {
      throw new AppError('conflict', `Account "${accountId}" has ${MAX_REPOSITORIES} repositories, the most it may have; delete unused ones first.`);
    }
    await this.write(ctx, r, 'repository.create', (tx) => tx.depRepositories.insert(r), settingsAudit(r));
    return this.view((await this.deps.store.depRepositories.get(r.id)) ?? r);
  }

  async update(ctx: RequestContext, repositoryId: string, body: UpdateRepositoryRequest): Promise<Repository> {
    const before = await this.repository(ctx, repositoryId, 'manage');
    const now = this.deps.clock();
    const after = this.record(before, body, now);
    // Keeping a server-wide secret is refused like setting one (the URL or forge it goes to may change); moving to a file is not.
    requireCredentialsRefAllowed(principalOf(ctx), after.credentialsRef, after.credentialsRef === before.credentialsRef ? 'change' : 'set');
    // The schedule goes on from where it was unless it changed.
    if (after.schedule === before.schedule && after.timezone === before.timezone && after.enabled === before.enabled) after.nextScanAt = before.nextScanAt;
    const resetFindings = after.gitUrl !== before.gitUrl || after.branch !== before.branch;
    await this.write(ctx, after, 'repository.update', (tx) => tx.depRepositories.update(after, { resetFindings }), { before: settingsAudit(before), after: settingsAudit(after), findingsReset: resetFindings });
    return this.view((await this.deps.store.depRepositories.get(after.id)) ?? after);
  }

  async delete(ctx: RequestContext, repositoryId: string): Promise<void> {
    const r = await this.repository(ctx, repositoryId, 'manage');
    await this.write(ctx, r, 'repository.delete', (tx) => tx.depRepositories.delete(r.id), { name: r.name, gitUrl: r.gitUrl });
    await rm(cloneDirOf(this.deps, r.id), { recursive: true, force: true }).catch((err: unknown) => this.deps.logger.warn({ err, repositoryId: r.id }, 'repository clone not removed'));
  }

  private async write(ctx: RequestContext, r: DepRepositoryRecord, action: string, change: (tx: Repositories) => Promise<void>, details: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.store.transaction(async (tx) => {
        await change(tx);
        await tx.audit.append(auditEntry(ctx, this.deps.clock(), { action, targetType: 'repository', targetId: r.id, accountId: r.accountId, details }));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `Account "${r.accountId}" has a repository named "${r.name}" already; choose another name.`);
      throw err;
    }
  }

  /** Queues a scan (202): the dependency job clones, scans and (when enabled) opens pull requests. A scan already waiting is returned instead of a second one. */
  async scan(ctx: RequestContext, repositoryId: string): Promise<RepositoryScan> {
    const r = await this.repository(ctx, repositoryId, 'operate');
    const principal = principalOf(ctx);
    const now = this.deps.clock();
    const scan = await this.deps.store.transaction(async (tx) => {
      const waiting = await tx.depRepositories.pendingScanOf(r.id);
      const s = waiting ?? pendingScan({ id: newId('rscan'), repository: r, trigger: 'manual', requestedBy: principal.username, scheduledFor: null, now });
      if (waiting === undefined) await tx.depRepositories.insertScan(s);
      await tx.audit.append(auditEntry(ctx, now, { action: 'repository.scan', targetType: 'repository', targetId: r.id, accountId: r.accountId, details: { scanId: s.id, alreadyQueued: waiting !== undefined } }));
      return s;
    });
    this.kick?.();
    return scanView(scan);
  }

  async scans(ctx: RequestContext, repositoryId: string, page: PageRequest): Promise<Page<RepositoryScan>> {
    await this.repository(ctx, repositoryId, 'read');
    const result = await this.deps.store.depRepositories.listScans(repositoryId, page);
    return { ...result, items: result.items.map(scanView) };
  }

  async getScan(ctx: RequestContext, repositoryId: string, scanId: string): Promise<RepositoryScan> {
    await this.repository(ctx, repositoryId, 'read');
    const s = await this.deps.store.depRepositories.getScan(scanId);
    if (s === undefined || s.repositoryId !== repositoryId) throw new AppError('not_found', `Repository "${repositoryId}" has no scan "${scanId}"; list its scans with \`patchwarden repos scans ${repositoryId}\`.`);
    return scanView(s);
  }

  async findings(ctx: RequestContext, query: PageRequest & Omit<DepFindingFilter, 'accounts'>): Promise<Page<DependencyFinding>> {
    const principal = principalOf(ctx);
    if (query.accountId !== undefined) requireAccountAccess(ctx, query.accountId, 'read');
    const sla = await this.slaDays();
    const now = this.deps.clock();
    const result = await this.deps.store.depFindings.list({ ...query, accounts: readableAccounts(principal) }, sla, now, query);
    const prs = await this.deps.store.depPullRequests.openOf([...new Set(result.items.map((f) => f.repositoryId))]);
    const items = result.items.map((f): DependencyFinding => {
      const dueAt = dueAtOf(f, sla);
      const pr = prs.find((p) => p.repositoryId === f.repositoryId && p.packages.some((x) => x.ecosystem === f.ecosystem && x.name === f.package));
      return {
        id: f.id,
        repositoryId: f.repositoryId,
        repositoryName: f.repositoryName,
        accountId: f.accountId,
        ecosystem: f.ecosystem,
        package: f.package,
        version: f.version,
        lockfile: f.lockfile,
        line: f.line,
        direct: f.direct,
        dev: f.dev,
        path: f.path,
        severity: f.severity,
        advisories: f.advisories,
        cves: f.cves,
        fixedIn: f.fixedIn,
        belowThreshold: f.belowThreshold,
        firstSeenAt: f.firstSeenAt,
        lastSeenAt: f.lastSeenAt,
        dueAt,
        overdue: dueAt !== null && Date.parse(dueAt) < now.getTime(),
        pullRequestUrl: pr?.url ?? null,
      };
    });
    return { ...result, items };
  }

  async pullRequests(ctx: RequestContext, query: PageRequest & { accountId?: string | undefined; repositoryId?: string | undefined; state?: DependencyPullRequest['state'] | undefined }): Promise<Page<DependencyPullRequest>> {
    const principal = principalOf(ctx);
    if (query.accountId !== undefined) requireAccountAccess(ctx, query.accountId, 'read');
    const result = await this.deps.store.depPullRequests.list({ accounts: readableAccounts(principal), accountId: query.accountId, repositoryId: query.repositoryId, state: query.state }, query);
    return { ...result, items: result.items.map(pullRequestView) };
  }

  /** Compliance per account or per repository, with totals, over the accounts the caller can see. */
  async compliance(ctx: RequestContext, query: { groupBy: 'account' | 'repository'; accountId?: string | undefined }): Promise<DependencyComplianceSummary> {
    const principal = principalOf(ctx);
    if (query.accountId !== undefined) requireAccountAccess(ctx, query.accountId, 'read');
    const scope: DepScope = { accounts: readableAccounts(principal), accountId: query.accountId };
    const cutoffs = overdueCutoffs(await this.slaDays(), this.deps.clock());
    const [repos, counts, prs] = await Promise.all([
      this.deps.store.depRepositories.listAll(scope),
      this.deps.store.depFindings.counts(scope, cutoffs),
      this.deps.store.depPullRequests.openCounts(scope),
    ]);
    const accountNames = query.groupBy === 'account' ? await this.deps.store.accounts.names([...new Set(repos.map((r) => r.accountId))]) : new Map<string, string>();
    const byRepo = new Map<string, DepFindingCount[]>();
    for (const c of counts) byRepo.set(c.repositoryId, [...(byRepo.get(c.repositoryId) ?? []), c]);
    const groups = new Map<string, DependencyComplianceGroup>();
    const totals = emptyGroup('total', 'All repositories');
    for (const r of repos) {
      const key = query.groupBy === 'account' ? r.accountId : r.id;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = emptyGroup(key, query.groupBy === 'account' ? (accountNames.get(r.accountId) ?? r.accountId) : r.name)));
      for (const target of [g, totals]) addRepository(target, r.complianceStatus, byRepo.get(r.id) ?? [], prs.get(r.id) ?? 0);
    }
    return { groupBy: query.groupBy, groups: [...groups.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0)), totals };
  }
}
