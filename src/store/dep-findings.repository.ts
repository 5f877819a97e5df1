import { PostgresAdapter, sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { DependencyFinding } from '../contracts/repositories.contract.js';
import type { DepFindingsTable } from './dep-repositories.schema.js';
import { DEPS_SEVERITY_RANK, scopeCondition, type DepScope, type DepsSeverity } from './dep-repositories.repository.js';
import { newId } from './ids.js';
import type { Page, PageRequest } from './paging.js';
import type { Database } from './schema.js';

/** A finding as a scan reports it (what `replace` stores). */
export interface NewDepFinding {
  ecosystem: DependencyFinding['ecosystem'];
  package: string;
  version: string;
  lockfile: string;
  line: number | null;
  direct: boolean;
  dev: boolean;
  path: string[];
  severity: DepsSeverity;
  advisories: DependencyFinding['advisories'];
  cves: string[];
  fixedIn: string | null;
}

/** A stored finding with its repository's name and threshold. */
export interface DepFindingRecord extends NewDepFinding {
  id: string;
  repositoryId: string;
  repositoryName: string;
  accountId: string;
  /** Below the repository's severity threshold. */
  belowThreshold: boolean;
  firstSeenAt: string;
  lastSeenAt: string;
  scanId: string;
}

/** SLA days per severity (no entry: no SLA for it; `unknown` never has one). */
export type DepSlaDays = Partial<Record<'critical' | 'high' | 'medium' | 'low', number>>;

export interface DepFindingFilter extends DepScope {
  severity?: DepsSeverity | undefined;
  package?: string | undefined;
  cve?: string | undefined;
  overdue?: boolean | undefined;
  /** Include findings below their repository's threshold. */
  all?: boolean | undefined;
}

/** Per repository and severity: open findings at or above the threshold, and how many are overdue. */
export interface DepFindingCount {
  repositoryId: string;
  severity: DepsSeverity;
  findings: number;
  overdue: number;
}

const KEY = (f: { lockfile: string; ecosystem: string; package: string; version: string }) => `${f.lockfile}\u0000${f.ecosystem}\u0000${f.package}\u0000${f.version}`;
const CHUNK = 200;

function toFinding(r: Selectable<DepFindingsTable> & { repository_name: string; threshold_rank: number }): DepFindingRecord {
  return {
    id: r.id,
    repositoryId: r.repository_id,
    repositoryName: r.repository_name,
    accountId: r.account_id,
    ecosystem: r.ecosystem as NewDepFinding['ecosystem'],
    package: r.package,
    version: r.version,
    lockfile: r.lockfile,
    line: r.line === null ? null : Number(r.line),
    direct: Number(r.direct) === 1,
    dev: Number(r.dev) === 1,
    path: JSON.parse(r.path) as string[],
    severity: r.severity as DepsSeverity,
    advisories: JSON.parse(r.advisories) as NewDepFinding['advisories'],
    cves: JSON.parse(r.cves) as string[],
    fixedIn: r.fixed_in,
    belowThreshold: Number(r.severity_rank) < Number(r.threshold_rank),
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    scanId: r.scan_id,
  };
}

/** The instant before which a finding of each severity is overdue at `now` (first seen + SLA days past). */
export function overdueCutoffs(sla: DepSlaDays, now: Date): Partial<Record<DepsSeverity, string>> {
  const out: Partial<Record<DepsSeverity, string>> = {};
  for (const [severity, days] of Object.entries(sla)) if (typeof days === 'number') out[severity as DepsSeverity] = new Date(now.getTime() - days * 86_400_000).toISOString();
  return out;
}

/** `severity = s and first_seen_at < cutoff(s)` for any severity with an SLA. */
function overdueCondition(cutoffs: Partial<Record<DepsSeverity, string>>): RawBuilder<boolean> {
  const parts = Object.entries(cutoffs).map(([severity, at]) => sql<boolean>`(dep_findings.severity = ${severity} and dep_findings.first_seen_at < ${at})`);
  return parts.length === 0 ? sql<boolean>`1 = 0` : sql<boolean>`(${sql.join(parts, sql` or `)})`;
}

/**
 * The current findings of each repository's last successful scan: one row per repository, lockfile,
 * ecosystem, package and version, whose `first_seen_at` survives later scans that still see it
 * (the SLA counts from the first sighting); what a successful scan no longer sees is removed.
 */
export class DepFindingsRepository {
  constructor(protected readonly db: Kysely<Database>) {}

  private isPostgres(): boolean {
    return this.db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /**
   * Stores the findings of a successful scan of the repository (call it in a transaction):
   * updates what was seen before (keeping its first sighting), inserts what is new, removes what
   * is gone — except the findings of `keepLockfiles` (lockfiles this scan could not read: they keep
   * what the previous scan saw). Then the scan is the repository's last successful one and its
   * compliance status follows the findings.
   */
  async replace(repositoryId: string, accountId: string, scanId: string, findings: readonly NewDepFinding[], keepLockfiles: readonly string[], now: string): Promise<{ inserted: number; updated: number; removed: number }> {
    const existing = await this.db.selectFrom('dep_findings').select(['id', 'lockfile', 'ecosystem', 'package', 'version']).where('repository_id', '=', repositoryId).execute();
    const byKey = new Map(existing.map((r) => [KEY(r), r.id]));
    const seen = new Set<string>();
    const inserts: DepFindingsTable[] = [];
    let updated = 0;
    for (const f of findings) {
      const key = KEY(f);
      if (seen.has(key)) continue;
      seen.add(key);
      const row = {
        line: f.line,
        direct: f.direct ? 1 : 0,
        dev: f.dev ? 1 : 0,
        path: JSON.stringify(f.path),
        severity: f.severity,
        severity_rank: DEPS_SEVERITY_RANK[f.severity],
        advisories: JSON.stringify(f.advisories),
        cves: JSON.stringify(f.cves),
        fixed_in: f.fixedIn,
        last_seen_at: now,
        scan_id: scanId,
      };
      const id = byKey.get(key);
      if (id !== undefined) {
        await this.db.updateTable('dep_findings').set(row).where('id', '=', id).execute();
        updated++;
      } else {
        inserts.push({ ...row, id: newId('dfind'), repository_id: repositoryId, account_id: accountId, ecosystem: f.ecosystem, package: f.package, version: f.version, lockfile: f.lockfile, first_seen_at: now });
      }
    }
    for (let i = 0; i < inserts.length; i += CHUNK) await this.db.insertInto('dep_findings').values(inserts.slice(i, i + CHUNK)).execute();
    const keep = new Set(keepLockfiles);
    const gone = existing.filter((r) => !seen.has(KEY(r)) && !keep.has(r.lockfile)).map((r) => r.id);
    for (let i = 0; i < gone.length; i += CHUNK) await this.db.deleteFrom('dep_findings').where('id', 'in', gone.slice(i, i + CHUNK)).execute();
    await this.db.updateTable('dep_repositories').set({ last_success_scan_id: scanId }).where('id', '=', repositoryId).execute();
    await sql`update dep_repositories set compliance_status = case
        when exists (select 1 from dep_findings f where f.repository_id = dep_repositories.id and f.severity_rank >= dep_repositories.threshold_rank) then 'NON_COMPLIANT'
        else 'COMPLIANT' end
      where id = ${repositoryId}`.execute(this.db);
    return { inserted: inserts.length, updated, removed: gone.length };
  }

  /** Sort key of `dueAt` (first seen + SLA days of the severity; null without an SLA), comparable within one dialect; null when no severity has an SLA. */
  private dueKey(sla: DepSlaDays): RawBuilder<number | null> | null {
    const entries = Object.entries(sla).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isInteger(e[1]));
    if (entries.length === 0) return null;
    const days = sql`case dep_findings.severity ${sql.join(entries.map(([s, d]) => sql`when ${sql.lit(s)} then ${sql.lit(d)}`), sql` `)} else null end`;
    return this.isPostgres()
      ? sql<number | null>`(extract(epoch from cast(dep_findings.first_seen_at as timestamptz)) + (${days}) * 86400)`
      : sql<number | null>`(julianday(dep_findings.first_seen_at) * 86400 + (${days}) * 86400)`;
  }

  /** One page of findings in scope (at or above each repository's threshold unless `all`). */
  async list(filter: DepFindingFilter, sla: DepSlaDays, now: Date, page: PageRequest): Promise<Page<DepFindingRecord>> {
    let q = this.db
      .selectFrom('dep_findings')
      .innerJoin('dep_repositories', 'dep_repositories.id', 'dep_findings.repository_id')
      .selectAll('dep_findings')
      .select(['dep_repositories.name as repository_name', 'dep_repositories.threshold_rank as threshold_rank'])
      .where(scopeCondition('dep_findings.account_id', filter));
    if (filter.repositoryId !== undefined) q = q.where('dep_findings.repository_id', '=', filter.repositoryId);
    if (filter.all !== true) q = q.whereRef('dep_findings.severity_rank', '>=', 'dep_repositories.threshold_rank');
    if (filter.severity !== undefined) q = q.where('dep_findings.severity', '=', filter.severity);
    if (filter.package !== undefined) q = q.where('dep_findings.package', '=', filter.package);
    if (filter.cve !== undefined) {
      const quoted = `%${JSON.stringify(filter.cve.toUpperCase()).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`(upper(dep_findings.cves) like ${quoted} escape '\\' or upper(dep_findings.advisories) like ${quoted} escape '\\')`);
    }
    if (filter.overdue !== undefined) {
      const overdue = overdueCondition(overdueCutoffs(sla, now));
      q = q.where(filter.overdue ? overdue : sql<boolean>`not ${overdue}`);
    }
    const countRow = await q
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const desc = page.sort.startsWith('-');
    const field = desc ? page.sort.slice(1) : page.sort;
    const dir = desc ? 'desc' : 'asc';
    let ordered = q;
    if (field === 'severity') ordered = ordered.orderBy('dep_findings.severity_rank', dir).orderBy('dep_findings.package', 'asc');
    else if (field === 'package') ordered = ordered.orderBy('dep_findings.package', dir).orderBy('dep_findings.version', dir);
    else if (field === 'firstSeenAt') ordered = ordered.orderBy('dep_findings.first_seen_at', dir);
    else if (field === 'dueAt') {
      // Without any SLA every due date is null: the id order alone.
      const key = this.dueKey(sla);
      if (key !== null) ordered = ordered.orderBy(sql`case when ${key} is null then 1 else 0 end`, 'asc').orderBy(key, dir);
    } else throw new Error(`No sort column for "${field}"`);
    const rows = await ordered.orderBy('dep_findings.id', dir).limit(page.limit).offset(page.offset).execute();
    return { items: rows.map(toFinding), total: Number(countRow?.n ?? 0), limit: page.limit, offset: page.offset };
  }

  /** Open findings at or above each repository's threshold, per repository and severity, with the overdue ones. */
  async counts(scope: DepScope, cutoffs: Partial<Record<DepsSeverity, string>>, repositoryIds?: readonly string[]): Promise<DepFindingCount[]> {
    if (repositoryIds !== undefined && repositoryIds.length === 0) return [];
    let q = this.db
      .selectFrom('dep_findings')
      .innerJoin('dep_repositories', 'dep_repositories.id', 'dep_findings.repository_id')
      .select([
        'dep_findings.repository_id as repository_id',
        'dep_findings.severity as severity',
        sql<number>`count(*)`.as('n'),
        sql<number>`sum(case when ${overdueCondition(cutoffs)} then 1 else 0 end)`.as('overdue'),
      ])
      .whereRef('dep_findings.severity_rank', '>=', 'dep_repositories.threshold_rank')
      .where(scopeCondition('dep_findings.account_id', scope));
    if (scope.repositoryId !== undefined) q = q.where('dep_findings.repository_id', '=', scope.repositoryId);
    if (repositoryIds !== undefined) q = q.where('dep_findings.repository_id', 'in', [...repositoryIds]);
    const rows = await q.groupBy(['dep_findings.repository_id', 'dep_findings.severity']).execute();
    return rows.map((r) => ({ repositoryId: r.repository_id, severity: r.severity as DepsSeverity, findings: Number(r.n), overdue: Number(r.overdue ?? 0) }));
  }
}
