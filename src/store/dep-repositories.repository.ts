import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { DependencyPullRequest, Repository, RepositoryScan } from '../contracts/repositories.contract.js';
import type { DepRepositoriesTable, DepScansTable } from './dep-repositories.schema.js';
import { containsIgnoreCase, fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database } from './schema.js';

export type DepsSeverity = DependencyPullRequest['severity'];
export type SeverityThresholdName = Repository['severityThreshold'];
export type DepComplianceStatus = Repository['complianceStatus'];
export type DepScanStatus = RepositoryScan['status'];

/** Severity ranks of findings: what thresholds and sorting compare. */
export const DEPS_SEVERITY_RANK: Readonly<Record<DepsSeverity, number>> = { critical: 4, high: 3, medium: 2, low: 1, unknown: 0 };
/** A threshold as a rank: findings of a lower rank are below it (`any` counts everything, unknown included). */
export const THRESHOLD_RANK: Readonly<Record<SeverityThresholdName, number>> = { critical: 4, high: 3, medium: 2, low: 1, any: 0 };

/** A source repository watched for vulnerable dependencies. */
export interface DepRepositoryRecord {
  id: string;
  accountId: string;
  name: string;
  gitUrl: string;
  branch: string | null;
  forge: { kind: Repository['forge']['kind']; apiUrl: string | null; repository: string | null };
  /** Where the token is read (`file:NAME`, `env:PATCHWARDEN_SECRET_…`); never the token. */
  credentialsRef: string | null;
  schedule: string | null;
  timezone: string;
  grouping: Repository['grouping'];
  severityThreshold: SeverityThresholdName;
  openPullRequests: boolean;
  enabled: boolean;
  complianceStatus: DepComplianceStatus;
  lastScanId: string | null;
  lastSuccessScanId: string | null;
  nextScanAt: string | null;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
}

export interface DepScanError {
  lockfile: string;
  line: number | null;
  message: string;
}

export interface DepScanPullRequestCounts {
  opened: number;
  updated: number;
  closed: number;
  failed: number;
}

export interface DepScanRecord {
  id: string;
  repositoryId: string;
  accountId: string;
  trigger: 'schedule' | 'manual';
  status: DepScanStatus;
  requestedBy: string | null;
  scheduledFor: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  commit: string | null;
  lockfiles: number;
  packages: number;
  findings: number;
  errors: DepScanError[];
  error: string | null;
  pullRequests: DepScanPullRequestCounts | null;
  holder: string | null;
  leaseExpiresAt: string | null;
}

/** A scan waiting to be claimed by the dependency job (manual, or the due instance of the schedule). */
export function pendingScan(input: { id: string; repository: Pick<DepRepositoryRecord, 'id' | 'accountId'>; trigger: DepScanRecord['trigger']; requestedBy: string | null; scheduledFor: string | null; now: Date }): DepScanRecord {
  return {
    id: input.id,
    repositoryId: input.repository.id,
    accountId: input.repository.accountId,
    trigger: input.trigger,
    status: 'PENDING',
    requestedBy: input.requestedBy,
    scheduledFor: input.scheduledFor,
    createdAt: input.now.toISOString(),
    startedAt: null,
    endedAt: null,
    commit: null,
    lockfiles: 0,
    packages: 0,
    findings: 0,
    errors: [],
    error: null,
    pullRequests: null,
    holder: null,
    leaseExpiresAt: null,
  };
}

export interface DepPullRequestRecord {
  id: string;
  repositoryId: string;
  accountId: string;
  branch: string;
  number: number | null;
  url: string | null;
  state: DependencyPullRequest['state'];
  title: string;
  packages: DependencyPullRequest['packages'];
  advisories: string[];
  severity: DepsSeverity;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** Which accounts a read may cover: `all` (organization roles) or these ids. */
export interface DepScope {
  accounts: 'all' | readonly string[];
  accountId?: string | undefined;
  repositoryId?: string | undefined;
}

function toRepository(r: Selectable<DepRepositoriesTable>): DepRepositoryRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    gitUrl: r.git_url,
    branch: r.branch,
    forge: { kind: r.forge_kind as DepRepositoryRecord['forge']['kind'], apiUrl: r.forge_api_url, repository: r.forge_repository },
    credentialsRef: r.credentials_ref,
    schedule: r.schedule,
    timezone: r.timezone,
    grouping: r.grouping as DepRepositoryRecord['grouping'],
    severityThreshold: r.severity_threshold as SeverityThresholdName,
    openPullRequests: Number(r.open_pull_requests) === 1,
    enabled: Number(r.enabled) === 1,
    complianceStatus: r.compliance_status as DepComplianceStatus,
    lastScanId: r.last_scan_id,
    lastSuccessScanId: r.last_success_scan_id,
    nextScanAt: r.next_scan_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

/** The settings columns (what create and PUT write). */
function settingsRow(r: DepRepositoryRecord) {
  return {
    name: r.name,
    git_url: r.gitUrl,
    branch: r.branch,
    forge_kind: r.forge.kind,
    forge_api_url: r.forge.apiUrl,
    forge_repository: r.forge.repository,
    credentials_ref: r.credentialsRef,
    schedule: r.schedule,
    timezone: r.timezone,
    grouping: r.grouping,
    severity_threshold: r.severityThreshold,
    threshold_rank: THRESHOLD_RANK[r.severityThreshold],
    open_pull_requests: r.openPullRequests ? 1 : 0,
    enabled: r.enabled ? 1 : 0,
    next_scan_at: r.nextScanAt,
    updated_at: r.updatedAt,
  };
}

function toScan(r: Selectable<DepScansTable>): DepScanRecord {
  return {
    id: r.id,
    repositoryId: r.repository_id,
    accountId: r.account_id,
    trigger: r.trigger,
    status: r.status as DepScanStatus,
    requestedBy: r.requested_by,
    scheduledFor: r.scheduled_for,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    commit: r.commit_sha,
    lockfiles: Number(r.lockfiles),
    packages: Number(r.packages),
    findings: Number(r.findings),
    errors: JSON.parse(r.errors) as DepScanError[],
    error: r.error,
    pullRequests: r.pull_requests === null ? null : (JSON.parse(r.pull_requests) as DepScanPullRequestCounts),
    holder: r.holder,
    leaseExpiresAt: r.lease_expires_at,
  };
}


/** The condition of a scope on an account column: its accounts (none when the list is empty), narrowed to `accountId`. */
export function scopeCondition(column: string, scope: DepScope): RawBuilder<boolean> {
  const parts: RawBuilder<boolean>[] = [];
  if (scope.accounts !== 'all') parts.push(scope.accounts.length === 0 ? sql<boolean>`1 = 0` : sql<boolean>`${sql.ref(column)} in (${sql.join([...scope.accounts])})`);
  if (scope.accountId !== undefined) parts.push(sql<boolean>`${sql.ref(column)} = ${scope.accountId}`);
  return parts.length === 0 ? sql<boolean>`1 = 1` : sql<boolean>`(${sql.join(parts, sql` and `)})`;
}

/**
 * Source repositories of dependency patching and their scans (pull requests:
 * `dep-pull-requests.repository.ts`).
 * Scans are claimed with conditional UPDATEs (PENDING → IN_PROGRESS under a lease), so one server
 * runs each; a scheduled scan is unique per (repository, scheduled time).
 */
export class DepRepositoriesRepository {
  constructor(protected readonly db: Kysely<Database>) {}

  async insert(r: DepRepositoryRecord): Promise<void> {
    await this.db
      .insertInto('dep_repositories')
      .values({
        ...settingsRow(r),
        id: r.id,
        account_id: r.accountId,
        compliance_status: 'UNKNOWN',
        last_scan_id: null,
        last_success_scan_id: null,
        created_at: r.createdAt,
        created_by: r.createdBy,
      })
      .execute();
  }

  /**
   * Replaces the settings. With `resetFindings` (the git URL or branch changed) the findings of the
   * old source go and the repository is UNKNOWN until its next successful scan; otherwise its
   * compliance is recomputed (the threshold may have changed).
   */
  async update(r: DepRepositoryRecord, options: { resetFindings: boolean }): Promise<void> {
    await this.db.updateTable('dep_repositories').set(settingsRow(r)).where('id', '=', r.id).execute();
    if (options.resetFindings) {
      await this.db.deleteFrom('dep_findings').where('repository_id', '=', r.id).execute();
      await this.db.updateTable('dep_repositories').set({ last_success_scan_id: null, compliance_status: 'UNKNOWN' }).where('id', '=', r.id).execute();
    } else {
      await this.refreshCompliance(r.id);
    }
  }

  /** Sets the compliance status from the stored findings at or above the threshold (UNKNOWN before a successful scan). */
  async refreshCompliance(repositoryId: string): Promise<void> {
    await sql`update dep_repositories set compliance_status = case
        when last_success_scan_id is null then 'UNKNOWN'
        when exists (select 1 from dep_findings f where f.repository_id = dep_repositories.id and f.severity_rank >= dep_repositories.threshold_rank) then 'NON_COMPLIANT'
        else 'COMPLIANT' end
      where id = ${repositoryId}`.execute(this.db);
  }

  async get(id: string): Promise<DepRepositoryRecord | undefined> {
    const row = await this.db.selectFrom('dep_repositories').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRepository(row);
  }

  async list(scope: DepScope & { complianceStatus?: DepComplianceStatus | undefined; q?: string | undefined }, page: PageRequest): Promise<Page<DepRepositoryRecord>> {
    let q = this.db.selectFrom('dep_repositories').selectAll().where(scopeCondition('dep_repositories.account_id', scope));
    if (scope.complianceStatus !== undefined) q = q.where('compliance_status', '=', scope.complianceStatus);
    if (scope.q !== undefined) {
      const term = scope.q;
      q = q.where((eb) => eb.or([containsIgnoreCase('name', term), containsIgnoreCase('git_url', term)]));
    }
    return fetchPage(q, page, { name: 'name', createdAt: 'created_at', complianceStatus: 'compliance_status' }, 'id', toRepository);
  }

  /** Every repository in scope (for the compliance summary): id, account, name, status. */
  async listAll(scope: DepScope): Promise<Pick<DepRepositoryRecord, 'id' | 'accountId' | 'name' | 'complianceStatus'>[]> {
    let q = this.db.selectFrom('dep_repositories').select(['id', 'account_id', 'name', 'compliance_status']).where(scopeCondition('dep_repositories.account_id', scope));
    if (scope.repositoryId !== undefined) q = q.where('id', '=', scope.repositoryId);
    const rows = await q.orderBy('name').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, accountId: r.account_id, name: r.name, complianceStatus: r.compliance_status as DepComplianceStatus }));
  }

  async countOf(accountId: string): Promise<number> {
    const row = await this.db.selectFrom('dep_repositories').select(sql<number>`count(*)`.as('n')).where('account_id', '=', accountId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Deletes the repository with its scans, findings and pull request records (cascade). */
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('dep_repositories').where('id', '=', id).execute();
  }

  /** Enabled repositories whose scheduled scan is due at `now`. */
  async dueForScan(now: string, limit = 500): Promise<DepRepositoryRecord[]> {
    const rows = await this.db
      .selectFrom('dep_repositories')
      .selectAll()
      .where('enabled', '=', 1)
      .where('schedule', 'is not', null)
      .where('next_scan_at', 'is not', null)
      .where('next_scan_at', '<=', now)
      .orderBy('next_scan_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toRepository);
  }

  /** Moves the next scheduled scan on, only if it is still `expected` (another replica may have moved it). */
  async setNextScanAt(id: string, expected: string | null, next: string | null): Promise<boolean> {
    let q = this.db.updateTable('dep_repositories').set({ next_scan_at: next }).where('id', '=', id);
    q = expected === null ? q.where('next_scan_at', 'is', null) : q.where('next_scan_at', '=', expected);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  // ---- scans ----------------------------------------------------------------------------------

  /** Inserts a scan and makes it the repository's last one (throws a unique violation when the scheduled instance has a scan). */
  async insertScan(s: DepScanRecord): Promise<void> {
    await this.db
      .insertInto('dep_scans')
      .values({
        id: s.id,
        repository_id: s.repositoryId,
        account_id: s.accountId,
        trigger: s.trigger,
        status: s.status,
        requested_by: s.requestedBy,
        scheduled_for: s.scheduledFor,
        created_at: s.createdAt,
        started_at: s.startedAt,
        ended_at: s.endedAt,
        commit_sha: s.commit,
        lockfiles: s.lockfiles,
        packages: s.packages,
        findings: s.findings,
        errors: JSON.stringify(s.errors),
        error: s.error,
        pull_requests: s.pullRequests === null ? null : JSON.stringify(s.pullRequests),
        holder: s.holder,
        lease_expires_at: s.leaseExpiresAt,
      })
      .execute();
    await this.db.updateTable('dep_repositories').set({ last_scan_id: s.id }).where('id', '=', s.repositoryId).execute();
  }

  async getScan(id: string): Promise<DepScanRecord | undefined> {
    const row = await this.db.selectFrom('dep_scans').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toScan(row);
  }

  async scansByIds(ids: readonly string[]): Promise<Map<string, DepScanRecord>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('dep_scans').selectAll().where('id', 'in', [...ids]).execute();
    return new Map(rows.map((r) => [r.id, toScan(r)]));
  }

  async listScans(repositoryId: string, page: PageRequest): Promise<Page<DepScanRecord>> {
    return fetchPage(this.db.selectFrom('dep_scans').selectAll().where('repository_id', '=', repositoryId), page, { createdAt: 'created_at' }, 'id', toScan);
  }

  /** The repository's scan waiting to run, if any. */
  async pendingScanOf(repositoryId: string): Promise<DepScanRecord | undefined> {
    const row = await this.db.selectFrom('dep_scans').selectAll().where('repository_id', '=', repositoryId).where('status', '=', 'PENDING').orderBy('created_at').executeTakeFirst();
    return row === undefined ? undefined : toScan(row);
  }

  /** Whether the repository has a scan waiting or running. */
  async hasActiveScan(repositoryId: string): Promise<boolean> {
    const row = await this.db.selectFrom('dep_scans').select('id').where('repository_id', '=', repositoryId).where('status', 'in', ['PENDING', 'IN_PROGRESS']).executeTakeFirst();
    return row !== undefined;
  }

  /** Scans waiting to run, oldest first. */
  async pendingScans(limit: number): Promise<DepScanRecord[]> {
    const rows = await this.db.selectFrom('dep_scans').selectAll().where('status', '=', 'PENDING').orderBy('created_at').orderBy('id').limit(limit).execute();
    return rows.map(toScan);
  }

  /**
   * Claims a waiting scan for `holder` until `until`: PENDING → IN_PROGRESS, only when no other scan
   * of the repository runs (they share its clone). False when another server claimed it first.
   */
  async claimScan(id: string, holder: string, now: string, until: string): Promise<boolean> {
    const res = await this.db
      .updateTable('dep_scans')
      .set({ status: 'IN_PROGRESS', started_at: now, holder, lease_expires_at: until })
      .where('id', '=', id)
      .where('status', '=', 'PENDING')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('dep_scans as other').select('other.id').whereRef('other.repository_id', '=', 'dep_scans.repository_id').where('other.status', '=', 'IN_PROGRESS'))))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Extends the claim of a running scan; false when it is no longer this holder's. */
  async renewScan(id: string, holder: string, until: string): Promise<boolean> {
    const res = await this.db.updateTable('dep_scans').set({ lease_expires_at: until }).where('id', '=', id).where('holder', '=', holder).where('status', '=', 'IN_PROGRESS').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Running scans whose claim expired (their server stopped). */
  async expiredScans(now: string, limit = 100): Promise<DepScanRecord[]> {
    const rows = await this.db.selectFrom('dep_scans').selectAll().where('status', '=', 'IN_PROGRESS').where('lease_expires_at', '<', now).orderBy('created_at').limit(limit).execute();
    return rows.map(toScan);
  }

  /** Records what the scan found (commit, counts, lockfile errors) while it still runs. */
  async recordScanResult(id: string, r: Pick<DepScanRecord, 'commit' | 'lockfiles' | 'packages' | 'findings' | 'errors'>): Promise<void> {
    await this.db
      .updateTable('dep_scans')
      .set({ commit_sha: r.commit, lockfiles: r.lockfiles, packages: r.packages, findings: r.findings, errors: JSON.stringify(r.errors) })
      .where('id', '=', id)
      .execute();
  }

  /** Ends a running scan (only while IN_PROGRESS, and only for its holder when given); false when it ended already. */
  async finishScan(id: string, holder: string | null, end: { status: DepScanStatus; endedAt: string; error: string | null; pullRequests?: DepScanPullRequestCounts | null | undefined }): Promise<boolean> {
    let q = this.db
      .updateTable('dep_scans')
      .set({
        status: end.status,
        ended_at: end.endedAt,
        error: end.error === null ? null : end.error.slice(0, 4000),
        lease_expires_at: null,
        ...(end.pullRequests === undefined ? {} : { pull_requests: end.pullRequests === null ? null : JSON.stringify(end.pullRequests) }),
      })
      .where('id', '=', id)
      .where('status', '=', 'IN_PROGRESS');
    if (holder !== null) q = q.where('holder', '=', holder);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }
}
