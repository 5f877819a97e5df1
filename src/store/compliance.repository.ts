import { PostgresAdapter, sql, type Expression, type Kysely, type RawBuilder, type Selectable, type SqlBool } from 'kysely';
import type { ComplianceLevel } from '../domain/baselines/model.js';
import {
  PATCH_STATES,
  type ComplianceStatus,
  type InstalledPackageFact,
  type PatchSeverity,
  type PatchState,
  type PatchStateRecord,
  type SlaDays,
  type StateCounts,
} from '../domain/compliance/model.js';
import { COUNT_COLUMNS } from './migrations/0006-compliance.js';
import { containsIgnoreCase, fetchPage, type Page, type PageRequest } from './paging.js';
import type { ComplianceHistoryTable, Database, NodeComplianceTable, NodePatchCvesTable, NodePatchStatesTable } from './schema.js';

const CHUNK = 500;
const NAME_CHUNK = 1000;
/** (node, name) pairs per query (two parameters each). */
const PAIR_CHUNK = 5000;
/** Rows per multi-row INSERT (23 columns: well under both databases' parameter limits). */
const INSERT_CHUNK = 1000;

/** The column of node_compliance that counts each state. */
export const COUNT_COLUMN_OF: Record<PatchState, (typeof COUNT_COLUMNS)[number]> = {
  INSTALLED: 'installed',
  INSTALLED_OTHER: 'installed_other',
  INSTALLED_PENDING_REBOOT: 'installed_pending_reboot',
  INSTALLED_REJECTED: 'installed_rejected',
  MISSING: 'missing',
  FAILED: 'failed',
  NOT_APPLICABLE: 'not_applicable',
  AVAILABLE_SECURITY_UPDATE: 'available_security_update',
};

/** A pending update as evaluation reads it (see updatesForEvaluation). */
export interface UpdateForEvaluation {
  name: string;
  arch: string;
  installedVersion: string;
  candidateVersion: string;
  security: boolean;
  classification: string;
  severity: string;
  section: string;
  priority: string;
  advisoryIds: string[];
  cves: string[];
  releaseDate: string | null;
  /** The installed package's source ('' when the package row is missing). */
  sourceName: string;
  sourceVersion: string;
  firstSeenAt: string | null;
}

export type ComplianceOperation = 'Scan' | 'Install' | 'Inventory' | 'Reevaluation';

/** A node's current compliance as stored (always from its effective baseline). */
export interface NodeComplianceRecord {
  nodeId: string;
  accountId: string;
  operatingSystem: string | null;
  osId: string;
  patchGroup: string | null;
  status: ComplianceStatus;
  complianceLevel: ComplianceLevel | null;
  severity: string | null;
  counts: StateCounts;
  criticalNonCompliant: number;
  securityNonCompliant: number;
  otherNonCompliant: number;
  overdue: number;
  nextDueAt: string | null;
  baselineId: string | null;
  baselineSource: string | null;
  baselineReason: string | null;
  baselineVersion: number | null;
  snapshotId: string | null;
  operation: ComplianceOperation;
  commandId: string | null;
  evaluatedAt: string;
  inventoryRevision: number;
  stale: boolean;
  /** Why UNKNOWN (no inventory, unsupported OS, no baseline). */
  reason: string | null;
}

/** A node's compliance row joined with the node facts reports show. */
export interface NodeComplianceView extends NodeComplianceRecord {
  hostname: string;
  osVersion: string;
  agentVersion: string;
}

export interface StoredPatchState extends PatchStateRecord {
  nodeId: string;
  accountId: string;
  updatedAt: string;
}

export interface PatchStateView extends StoredPatchState {
  hostname: string;
}

export interface HistoryRecord {
  id: string;
  nodeId: string;
  accountId: string;
  at: string;
  operation: ComplianceOperation;
  commandId: string | null;
  baselineId: string | null;
  baselineVersion: number | null;
  baselineSource: string | null;
  snapshotId: string | null;
  status: ComplianceStatus;
  complianceLevel: ComplianceLevel | null;
  severity: string | null;
  counts: StateCounts;
  overdue: number;
  missing: string[];
  failed: string[];
  reason: string | null;
}

export interface ComplianceScope {
  /** Account ids the caller may read, or `all`. */
  accounts: 'all' | string[];
  accountId?: string | undefined;
  /** Only these nodes (issue 6: the nodes a patch policy governs). */
  nodeIds?: readonly string[] | undefined;
}

export interface NodeComplianceFilter extends ComplianceScope {
  status?: ComplianceStatus | undefined;
  complianceLevel?: string | undefined;
  severity?: string | undefined;
  /** Operating system (`DEBIAN`) or os id (`debian`). */
  os?: string | undefined;
  patchGroup?: string | undefined;
  overdue?: boolean | undefined;
  q?: string | undefined;
}

export interface PatchFilter extends ComplianceScope {
  name?: string | undefined;
  cve?: string | undefined;
  state?: PatchState | undefined;
  nodeId?: string | undefined;
  overdue?: boolean | undefined;
}

export type SummaryGroupBy = 'account' | 'os' | 'severity' | 'patchGroup' | 'status';

export interface SummaryRow {
  key: string | null;
  nodes: number;
  compliant: number;
  nonCompliant: number;
  unknown: number;
  /** Non-compliant nodes by compliance level. */
  byComplianceLevel: Record<ComplianceLevel, number>;
  /** Patches by state (sums over nodes). */
  patches: StateCounts;
  overduePatches: number;
  overdueNodes: number;
  staleNodes: number;
}

export interface PatchSummaryRow {
  name: string;
  nodes: number;
  byState: StateCounts;
  highestSeverity: string;
  highestComplianceLevel: string;
  cves: string[];
  overdue: number;
  nextDueAt: string | null;
}

export interface CveExposureFilter extends ComplianceScope {
  /** Text the CVE id contains (case-insensitive). */
  q?: string | undefined;
}

/** One CVE and the registered nodes it still reaches (see cveExposure). */
export interface CveExposureRow {
  cve: string;
  nodes: number;
  /** Exposed nodes by their most pressing state for this CVE (FAILED, then MISSING, then pending reboot): they sum to `nodes`. */
  missing: number;
  failed: number;
  pendingReboot: number;
  accounts: number;
  /** The highest severity among the exposed patches that fix it. */
  severity: PatchSeverity;
  /** Package names of those patches, sorted (at most 20). */
  packages: string[];
  /** Advisory ids those patches carry that name it (at most 20). */
  advisoryIds: string[];
  /** Exposed nodes where a patch for it is overdue. */
  overdueNodes: number;
}

/** The patch states that leave a node exposed to the CVEs the patch fixes. */
export const EXPOSED_STATES: readonly PatchState[] = ['MISSING', 'FAILED', 'INSTALLED_PENDING_REBOOT'];
/** Packages and advisory ids listed per CVE at most. */
const CVE_DETAIL_MAX = 20;

export interface TrendPoint {
  day: string;
  compliant: number;
  nonCompliant: number;
  unknown: number;
  overdueNodes: number;
}

const LEVELS: ComplianceLevel[] = ['UNSPECIFIED', 'INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const SEVERITY_RANK: Record<string, number> = { unknown: 0, none: 1, low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_BY_RANK = ['unknown', 'none', 'low', 'medium', 'high', 'critical'];

export function emptyCounts(): StateCounts {
  return Object.fromEntries(PATCH_STATES.map((s) => [s, 0])) as StateCounts;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function parseList(text: string): string[] {
  // Most lists are empty: no JSON.parse for them (evaluation reads hundreds of thousands of rows).
  if (text === '[]' || text === '') return [];
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A `*` pattern as a LIKE pattern (other wildcards escaped). */
export function likeOf(pattern: string): string {
  return escapeLike(pattern).replace(/\*/g, '%');
}

function countsOf(row: Pick<Selectable<NodeComplianceTable>, (typeof COUNT_COLUMNS)[number]>): StateCounts {
  const c = emptyCounts();
  for (const s of PATCH_STATES) c[s] = Number(row[COUNT_COLUMN_OF[s]]);
  return c;
}

function toCompliance(r: Selectable<NodeComplianceTable>): NodeComplianceRecord {
  return {
    nodeId: r.node_id,
    accountId: r.account_id,
    operatingSystem: r.operating_system,
    osId: r.os_id,
    patchGroup: r.patch_group,
    status: r.status as ComplianceStatus,
    complianceLevel: r.compliance_level as ComplianceLevel | null,
    severity: r.severity,
    counts: countsOf(r),
    criticalNonCompliant: Number(r.critical_non_compliant),
    securityNonCompliant: Number(r.security_non_compliant),
    otherNonCompliant: Number(r.other_non_compliant),
    overdue: Number(r.overdue),
    nextDueAt: r.next_due_at,
    baselineId: r.baseline_id,
    baselineSource: r.baseline_source,
    baselineReason: r.baseline_reason,
    baselineVersion: r.baseline_version === null ? null : Number(r.baseline_version),
    snapshotId: r.snapshot_id,
    operation: r.operation as ComplianceOperation,
    commandId: r.command_id,
    evaluatedAt: r.evaluated_at,
    inventoryRevision: Number(r.inventory_revision),
    stale: Number(r.stale) === 1,
    reason: r.reason,
  };
}

function complianceRow(c: NodeComplianceRecord): NodeComplianceTable {
  const row = {
    node_id: c.nodeId,
    account_id: c.accountId,
    operating_system: c.operatingSystem,
    os_id: c.osId,
    patch_group: c.patchGroup,
    status: c.status,
    compliance_level: c.complianceLevel,
    severity: c.severity,
    critical_non_compliant: c.criticalNonCompliant,
    security_non_compliant: c.securityNonCompliant,
    other_non_compliant: c.otherNonCompliant,
    overdue: c.overdue,
    next_due_at: c.nextDueAt,
    baseline_id: c.baselineId,
    baseline_source: c.baselineSource,
    baseline_reason: c.baselineReason,
    baseline_version: c.baselineVersion,
    snapshot_id: c.snapshotId,
    operation: c.operation,
    command_id: c.commandId,
    evaluated_at: c.evaluatedAt,
    inventory_revision: c.inventoryRevision,
    stale: c.stale ? 1 : 0,
    reason: c.reason,
  } as NodeComplianceTable;
  for (const s of PATCH_STATES) row[COUNT_COLUMN_OF[s]] = c.counts[s];
  return row;
}

function stateRow(nodeId: string, accountId: string, s: PatchStateRecord, now: string): NodePatchStatesTable {
  return {
    node_id: nodeId,
    account_id: accountId,
    name: s.name,
    arch: s.arch,
    state: s.state,
    installed_version: s.installedVersion,
    candidate_version: s.candidateVersion,
    approved_version: s.approvedVersion,
    approved_at: s.approvedAt,
    compliance_level: s.complianceLevel,
    severity: s.severity,
    classification: s.classification,
    security: s.security ? 1 : 0,
    cves: JSON.stringify(s.cves),
    advisory_ids: JSON.stringify(s.advisoryIds),
    release_date: s.releaseDate,
    failed_at: s.failedAt,
    failure_message: s.failureMessage,
    pending_reboot_since: s.pendingRebootSince,
    due_at: s.dueAt,
    overdue: s.overdue ? 1 : 0,
    reason: s.reason,
    updated_at: now,
  };
}

/** Whether a state leaves the node exposed to the CVEs its patch fixes (it then has node_patch_cves rows). */
function exposes(s: Pick<PatchStateRecord, 'state' | 'cves'>): boolean {
  return s.cves.length > 0 && EXPOSED_STATES.includes(s.state);
}

/** The node_patch_cves rows of one state: its CVEs, each once, when it leaves the node exposed. */
function cveRows(nodeId: string, accountId: string, s: PatchStateRecord): NodePatchCvesTable[] {
  if (!exposes(s)) return [];
  return [...new Set(s.cves)]
    .filter((cve) => cve !== '')
    .map((cve) => ({ node_id: nodeId, name: s.name, arch: s.arch, cve, account_id: accountId, state: s.state, severity: s.severity, overdue: s.overdue ? 1 : 0 }));
}

/** Whether the node_patch_cves rows of a stored state would be written alike for a new one. */
function sameCveRows(old: StoredPatchState, accountId: string, s: PatchStateRecord): boolean {
  return old.accountId === accountId && old.state === s.state && old.severity === s.severity && old.overdue === s.overdue && sameList(old.cves, s.cves);
}

/** `max(case severity …)`: the rank of the highest severity word (unknown 0 … critical 5). */
function severityRankOf(column: string): RawBuilder<number> {
  return sql<number>`max(case ${sql.ref(column)} when 'critical' then 5 when 'high' then 4 when 'medium' then 3 when 'low' then 2 when 'none' then 1 else 0 end)`;
}

function levelRankOf(column: string): RawBuilder<number> {
  return sql<number>`max(case ${sql.ref(column)} when 'CRITICAL' then 5 when 'HIGH' then 4 when 'MEDIUM' then 3 when 'LOW' then 2 when 'INFORMATIONAL' then 1 else 0 end)`;
}

/** A patch summary row from the aggregate's columns and the CVEs per name. */
function summaryRow(r: Record<string, unknown>, cves: ReadonlyMap<string, ReadonlySet<string>>): PatchSummaryRow {
  const byState = emptyCounts();
  for (const s of PATCH_STATES) byState[s] = Number(r[`state_${s}`] ?? 0);
  const name = String(r['name']);
  return {
    name,
    nodes: Number(r['nodes']),
    byState,
    highestSeverity: SEVERITY_BY_RANK[Number(r['severity_rank'] ?? 0)] ?? 'unknown',
    highestComplianceLevel: LEVELS[Number(r['level_rank'] ?? 0)] ?? 'UNSPECIFIED',
    cves: [...(cves.get(name) ?? [])].sort(),
    overdue: Number(r['overdue'] ?? 0),
    nextDueAt: (r['next_due_at'] as string | null) ?? null,
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a stored state and a new one would be stored alike (every column but updated_at). */
function sameState(a: PatchStateRecord, b: PatchStateRecord): boolean {
  return (
    a.name === b.name &&
    a.arch === b.arch &&
    a.state === b.state &&
    a.installedVersion === b.installedVersion &&
    a.candidateVersion === b.candidateVersion &&
    a.approvedVersion === b.approvedVersion &&
    a.approvedAt === b.approvedAt &&
    a.complianceLevel === b.complianceLevel &&
    a.severity === b.severity &&
    a.classification === b.classification &&
    a.security === b.security &&
    a.releaseDate === b.releaseDate &&
    a.failedAt === b.failedAt &&
    a.failureMessage === b.failureMessage &&
    a.pendingRebootSince === b.pendingRebootSince &&
    a.dueAt === b.dueAt &&
    a.overdue === b.overdue &&
    a.reason === b.reason &&
    sameList(a.cves, b.cves) &&
    sameList(a.advisoryIds, b.advisoryIds)
  );
}

function toState(r: Selectable<NodePatchStatesTable>): StoredPatchState {
  return {
    nodeId: r.node_id,
    accountId: r.account_id,
    name: r.name,
    arch: r.arch,
    state: r.state as PatchState,
    installedVersion: r.installed_version,
    candidateVersion: r.candidate_version,
    approvedVersion: r.approved_version,
    approvedAt: r.approved_at,
    complianceLevel: r.compliance_level as ComplianceLevel,
    severity: r.severity,
    classification: r.classification,
    security: Number(r.security) === 1,
    cves: parseList(r.cves),
    advisoryIds: parseList(r.advisory_ids),
    releaseDate: r.release_date,
    failedAt: r.failed_at,
    failureMessage: r.failure_message,
    pendingRebootSince: r.pending_reboot_since,
    dueAt: r.due_at,
    overdue: Number(r.overdue) === 1,
    reason: r.reason,
    updatedAt: r.updated_at,
  };
}

function toHistory(r: Selectable<ComplianceHistoryTable>): HistoryRecord {
  return {
    id: r.id,
    nodeId: r.node_id,
    accountId: r.account_id,
    at: r.at,
    operation: r.operation as ComplianceOperation,
    commandId: r.command_id,
    baselineId: r.baseline_id,
    baselineVersion: r.baseline_version === null ? null : Number(r.baseline_version),
    baselineSource: r.baseline_source,
    snapshotId: r.snapshot_id,
    status: r.status as ComplianceStatus,
    complianceLevel: r.compliance_level as ComplianceLevel | null,
    severity: r.severity,
    counts: { ...emptyCounts(), ...(JSON.parse(r.counts) as Partial<StateCounts>) },
    overdue: Number(r.overdue),
    missing: parseList(r.missing),
    failed: parseList(r.failed),
    reason: r.reason,
  };
}

/** `excluded.<column>` for every column of node_compliance but the key (the upsert's update). */
const EXCLUDED_COMPLIANCE = Object.fromEntries(
  Object.keys(complianceRow({ nodeId: '', accountId: '', counts: emptyCounts() } as NodeComplianceRecord))
    .filter((c) => c !== 'node_id')
    .map((c) => [c, sql.ref(`excluded.${c}`)]),
) as { [K in Exclude<keyof NodeComplianceTable, 'node_id'>]: RawBuilder<NodeComplianceTable[K]> };

/** `excluded.<column>` for every column of node_patch_states but the key. */
const EXCLUDED_STATE = Object.fromEntries(
  ['account_id', 'state', 'installed_version', 'candidate_version', 'approved_version', 'approved_at', 'compliance_level', 'severity', 'classification', 'security', 'cves', 'advisory_ids', 'release_date', 'failed_at', 'failure_message', 'pending_reboot_since', 'due_at', 'overdue', 'reason', 'updated_at'].map((c) => [c, sql.ref(`excluded.${c}`)]),
) as { [K in Exclude<keyof NodePatchStatesTable, 'node_id' | 'name' | 'arch'>]: RawBuilder<NodePatchStatesTable[K]> };

/** PostgreSQL type of each node_patch_states column (the arrays of the bulk upsert). */
const STATE_COLUMN_TYPES: Record<keyof NodePatchStatesTable, 'text' | 'integer'> = {
  node_id: 'text',
  account_id: 'text',
  name: 'text',
  arch: 'text',
  state: 'text',
  installed_version: 'text',
  candidate_version: 'text',
  approved_version: 'text',
  approved_at: 'text',
  compliance_level: 'text',
  severity: 'text',
  classification: 'text',
  security: 'integer',
  cves: 'text',
  advisory_ids: 'text',
  release_date: 'text',
  failed_at: 'text',
  failure_message: 'text',
  pending_reboot_since: 'text',
  due_at: 'text',
  overdue: 'integer',
  reason: 'text',
  updated_at: 'text',
};

/** `sum(case when <cond> then 1 else 0 end)` as a number on both databases. */
function countWhen(cond: Expression<SqlBool>) {
  return sql<number>`sum(case when ${cond} then 1 else 0 end)`;
}

/**
 * Marks accounts' patch_name_summary rows as needing a recompute (ComplianceRepository.refreshPatchSummary).
 * Call it in the transaction of the change. Accounts are upserted in id order (PostgreSQL row locks
 * always taken in the same order); every mark bumps `version`, so a refresh running meanwhile keeps it.
 */
export async function markPatchSummaryDirty(db: Kysely<Database>, accountIds: Iterable<string>, now: string): Promise<void> {
  const ids = [...new Set(accountIds)].sort();
  for (const part of chunks(ids, CHUNK)) {
    await db
      .insertInto('patch_summary_dirty')
      .values(part.map((id) => ({ account_id: id, marked_at: now, version: 1 })))
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ marked_at: sql.ref('excluded.marked_at'), version: sql`${sql.ref('patch_summary_dirty.version')} + 1` }))
      .execute();
  }
}

/**
 * Compliance: current per-patch states and node compliance (bulk reads and writes for the
 * evaluation), the append-only history, the daily trend, first-seen times of candidate versions,
 * SLA settings, and the report queries (aggregate SQL over node_compliance, patch-centric queries).
 */
export class ComplianceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- evaluation reads -------------------------------------------------------------------

  /** The stored states of these nodes (the memory of INSTALLED, FAILED and pending reboot). */
  async priorStates(nodeIds: readonly string[]): Promise<Map<string, StoredPatchState[]>> {
    const out = new Map<string, StoredPatchState[]>();
    for (const part of chunks(nodeIds, CHUNK)) {
      const rows = await this.db.selectFrom('node_patch_states').selectAll().where('node_id', 'in', part).execute();
      for (const r of rows) {
        const list = out.get(r.node_id) ?? [];
        list.push(toState(r));
        out.set(r.node_id, list);
      }
    }
    return out;
  }

  /**
   * Installed packages of (node, name) pairs, read by primary key: `(node_id, name) IN (VALUES …)`
   * in slices, so a chunk of nodes costs one index seek per pair, not a scan of every package.
   */
  private async packagesByPairs(byNode: ReadonlyMap<string, Iterable<string>>): Promise<Selectable<Database['node_packages']>[]> {
    const pairs: [string, string][] = [];
    for (const [nodeId, names] of byNode) for (const name of new Set(names)) pairs.push([nodeId, name]);
    const rows: Selectable<Database['node_packages']>[] = [];
    for (const part of chunks(pairs, PAIR_CHUNK)) {
      const values = sql.join(part.map(([n, m]) => sql`(${n}, ${m})`));
      rows.push(
        ...(await this.db
          .selectFrom('node_packages')
          .selectAll()
          .where(sql<SqlBool>`(${sql.ref('node_id')}, ${sql.ref('name')}) in (values ${values})`)
          .execute()),
      );
    }
    return rows;
  }

  /**
   * Installed packages: per node the names asked for, plus those matching one of the node's `*`
   * patterns (LIKE with the other wildcards escaped); `all` reads every package.
   */
  async installedPackages(
    nodeIds: readonly string[],
    which: { byNode: ReadonlyMap<string, Iterable<string>>; patternsByNode: ReadonlyMap<string, readonly string[]> } | 'all',
  ): Promise<Map<string, InstalledPackageFact[]>> {
    const out = new Map<string, InstalledPackageFact[]>();
    const seen = new Set<string>();
    const add = (rows: { node_id: string; name: string; arch: string; version: string }[]): void => {
      for (const r of rows) {
        const key = `${r.node_id}\u0000${r.name}\u0000${r.arch}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const list = out.get(r.node_id) ?? [];
        list.push({ name: r.name, arch: r.arch, version: r.version });
        out.set(r.node_id, list);
      }
    };
    if (which === 'all') {
      for (const part of chunks(nodeIds, CHUNK)) add(await this.db.selectFrom('node_packages').select(['node_id', 'name', 'arch', 'version']).where('node_id', 'in', part).execute());
      return out;
    }
    add(await this.packagesByPairs(which.byNode));
    // Only nodes whose baseline lists `*` patterns read their packages this way, grouped by pattern set.
    const groups = new Map<string, { patterns: string[]; nodeIds: string[] }>();
    for (const [nodeId, list] of which.patternsByNode) {
      const patterns = [...new Set(list)].sort();
      if (patterns.length === 0) continue;
      const key = patterns.join('\u0000');
      const g = groups.get(key) ?? { patterns, nodeIds: [] };
      g.nodeIds.push(nodeId);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      for (const part of chunks(g.nodeIds, CHUNK)) {
        add(
          await this.db
            .selectFrom('node_packages')
            .select(['node_id', 'name', 'arch', 'version'])
            .where('node_id', 'in', part)
            .where((eb) => eb.or(g.patterns.map((p) => sql<SqlBool>`${sql.ref('name')} like ${likeOf(p)} escape '\\'`)))
            .execute(),
        );
      }
    }
    return out;
  }

  /**
   * The pending updates of nodes with what evaluation needs beside them, in one indexed join per
   * chunk: the installed package's source name and version (advisories name source packages) and
   * when the server first saw the candidate version (null: never, the caller records it).
   */
  async updatesForEvaluation(nodeIds: readonly string[]): Promise<Map<string, UpdateForEvaluation[]>> {
    const out = new Map<string, UpdateForEvaluation[]>();
    for (const part of chunks(nodeIds, CHUNK)) {
      // Correlated lookups by primary key (a join lets PostgreSQL hash the whole package table per chunk).
      const rows = await this.db
        .selectFrom('node_updates as u')
        // Only what evaluation reads (not origin, the largest column).
        .select([
          'u.node_id',
          'u.name',
          'u.arch',
          'u.installed_version',
          'u.candidate_version',
          'u.security',
          'u.classification',
          'u.severity',
          'u.section',
          'u.priority',
          'u.advisory_ids',
          'u.cves',
          'u.release_date',
        ])
        .select((eb) => [
          eb
            .selectFrom('node_packages as p')
            .select(sql<string>`${sql.ref('p.source_name')} || ${'\u0001'} || ${sql.ref('p.source_version')}`.as('s'))
            .whereRef('p.node_id', '=', 'u.node_id')
            .whereRef('p.name', '=', 'u.name')
            .whereRef('p.arch', '=', 'u.arch')
            .as('source'),
          eb
            .selectFrom('update_first_seen as f')
            .select('f.first_seen_at')
            .whereRef('f.node_id', '=', 'u.node_id')
            .whereRef('f.name', '=', 'u.name')
            .whereRef('f.arch', '=', 'u.arch')
            .whereRef('f.version', '=', 'u.candidate_version')
            .as('first_seen_at'),
        ])
        .where('u.node_id', 'in', part)
        .execute();
      for (const r of rows) {
        const list = out.get(r.node_id) ?? [];
        list.push({
          name: r.name,
          arch: r.arch,
          installedVersion: r.installed_version,
          candidateVersion: r.candidate_version,
          security: Number(r.security) === 1,
          classification: r.classification,
          severity: r.severity,
          section: r.section,
          priority: r.priority,
          advisoryIds: parseList(r.advisory_ids),
          cves: parseList(r.cves),
          releaseDate: r.release_date,
          sourceName: r.source === null ? '' : r.source.slice(0, r.source.indexOf('\u0001')),
          sourceVersion: r.source === null ? '' : r.source.slice(r.source.indexOf('\u0001') + 1),
          firstSeenAt: r.first_seen_at ?? null,
        });
        out.set(r.node_id, list);
      }
    }
    return out;
  }

  /** Records `now` as first-seen time of every candidate version of these nodes not seen before (one INSERT … SELECT per chunk). */
  async recordFirstSeenOf(nodeIds: readonly string[], now: string): Promise<void> {
    for (const part of chunks(nodeIds, CHUNK)) {
      await this.db
        .insertInto('update_first_seen')
        .columns(['node_id', 'name', 'arch', 'version', 'first_seen_at'])
        .expression(
          this.db
            .selectFrom('node_updates')
            .select(['node_id', 'name', 'arch', 'candidate_version', sql<string>`${now}`.as('first_seen_at')])
            .where('node_id', 'in', part),
        )
        .onConflict((oc) => oc.columns(['node_id', 'name', 'arch', 'version']).doNothing())
        .execute();
    }
  }

  /** A cheap fingerprint of the imported advisories (count and last import): cached indexes are rebuilt when it changes. */
  async advisoryStamp(): Promise<string> {
    const r = await this.db
      .selectFrom('advisories')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('imported_at').as('at'), eb.fn.max('modified').as('modified')])
      .executeTakeFirst();
    return `${Number(r?.n ?? 0)}|${String(r?.at ?? '')}|${String(r?.modified ?? '')}`;
  }

  /** When the server first saw each (node, name, arch, version); missing keys are recorded as first seen `now`. */
  async firstSeen(keys: readonly { nodeId: string; name: string; arch: string; version: string }[], now: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const key = (k: { nodeId: string; name: string; arch: string; version: string }): string => `${k.nodeId}\u0000${k.name}\u0000${k.arch}\u0000${k.version}`;
    const nodeIds = [...new Set(keys.map((k) => k.nodeId))];
    for (const part of chunks(nodeIds, CHUNK)) {
      const rows = await this.db.selectFrom('update_first_seen').selectAll().where('node_id', 'in', part).execute();
      for (const r of rows) out.set(key({ nodeId: r.node_id, name: r.name, arch: r.arch, version: r.version }), r.first_seen_at);
    }
    const missing = new Map<string, { node_id: string; name: string; arch: string; version: string; first_seen_at: string }>();
    for (const k of keys) {
      const id = key(k);
      if (out.has(id) || missing.has(id)) continue;
      missing.set(id, { node_id: k.nodeId, name: k.name, arch: k.arch, version: k.version, first_seen_at: now });
    }
    for (const part of chunks([...missing.values()], INSERT_CHUNK)) {
      await this.db
        .insertInto('update_first_seen')
        .values(part)
        .onConflict((oc) => oc.columns(['node_id', 'name', 'arch', 'version']).doNothing())
        .execute();
    }
    for (const [id, row] of missing) out.set(id, row.first_seen_at);
    return out;
  }

  /** Current compliance rows of these nodes. */
  async currentOf(nodeIds: readonly string[]): Promise<Map<string, NodeComplianceRecord>> {
    const out = new Map<string, NodeComplianceRecord>();
    for (const part of chunks(nodeIds, CHUNK)) {
      for (const r of await this.db.selectFrom('node_compliance').selectAll().where('node_id', 'in', part).execute()) out.set(r.node_id, toCompliance(r));
    }
    return out;
  }

  // ---- evaluation writes ------------------------------------------------------------------

  /** Replaces the per-patch states of these nodes (nodes absent from `states` end with none). Run in a transaction. */
  async replaceStates(
    entries: readonly { nodeId: string; accountId: string; states: readonly PatchStateRecord[] }[],
    now: string,
    /** The stored states read before (priorStates): only the differences are written. */
    previous?: ReadonlyMap<string, readonly StoredPatchState[]>,
  ): Promise<void> {
    if (previous === undefined) {
      const touched = new Set<string>();
      for (const part of chunks(entries.map((e) => e.nodeId), CHUNK)) {
        const deleted = await this.db.deleteFrom('node_patch_states').where('node_id', 'in', part).returning('account_id').execute();
        for (const r of deleted) touched.add(r.account_id);
        await this.db.deleteFrom('node_patch_cves').where('node_id', 'in', part).execute();
      }
      const rows: NodePatchStatesTable[] = [];
      const cves: NodePatchCvesTable[] = [];
      for (const e of entries) {
        for (const st of e.states) {
          if (st.state === 'INSTALLED_OTHER') continue;
          rows.push(stateRow(e.nodeId, e.accountId, st, now));
          cves.push(...cveRows(e.nodeId, e.accountId, st));
        }
      }
      for (const r of rows) touched.add(r.account_id);
      await this.upsertStates(rows);
      await this.insertCves(cves);
      await markPatchSummaryDirty(this.db, touched, now);
      return;
    }
    const upserts: NodePatchStatesTable[] = [];
    const deletes: [string, string, string][] = [];
    // node_patch_cves follows the states: rows of changed or removed exposed states go, the new ones come.
    const cveDeletes: [string, string, string][] = [];
    const cveInserts: NodePatchCvesTable[] = [];
    // Accounts whose patch summary changes (only the differences are written: no change, no mark).
    const touched = new Set<string>();
    for (const e of entries) {
      const before = new Map<string, StoredPatchState>();
      for (const p of previous.get(e.nodeId) ?? []) before.set(`${p.name}\u0000${p.arch}`, p);
      for (const st of e.states) {
        if (st.state === 'INSTALLED_OTHER') continue;
        const key = `${st.name}\u0000${st.arch}`;
        const old = before.get(key);
        before.delete(key);
        if (old === undefined || old.accountId !== e.accountId || !sameState(old, st)) {
          upserts.push(stateRow(e.nodeId, e.accountId, st, now));
          touched.add(e.accountId);
          if (old !== undefined) touched.add(old.accountId);
        }
        if (old !== undefined && sameCveRows(old, e.accountId, st)) continue;
        if (old !== undefined && exposes(old)) cveDeletes.push([e.nodeId, old.name, old.arch]);
        cveInserts.push(...cveRows(e.nodeId, e.accountId, st));
      }
      for (const old of before.values()) {
        deletes.push([e.nodeId, old.name, old.arch]);
        touched.add(old.accountId);
        if (exposes(old)) cveDeletes.push([e.nodeId, old.name, old.arch]);
      }
    }
    await this.deleteByKeys('node_patch_states', deletes);
    await this.deleteByKeys('node_patch_cves', cveDeletes);
    await this.upsertStates(upserts);
    await this.insertCves(cveInserts);
    await markPatchSummaryDirty(this.db, touched, now);
  }

  /** Deletes the rows of (node_id, name, arch) keys, in slices. */
  private async deleteByKeys(table: 'node_patch_states' | 'node_patch_cves', keys: readonly [string, string, string][]): Promise<void> {
    for (const part of chunks(keys, PAIR_CHUNK)) {
      const values = sql.join(part.map(([n, m, a]) => sql`(${n}, ${m}, ${a})`));
      await this.db.deleteFrom(table).where(sql<SqlBool>`(${sql.ref('node_id')}, ${sql.ref('name')}, ${sql.ref('arch')}) in (values ${values})`).execute();
    }
  }

  /** Inserts node_patch_cves rows (8 parameters each: 2,000 per statement); a row already there is replaced. */
  private async insertCves(rows: readonly NodePatchCvesTable[]): Promise<void> {
    for (const part of chunks(rows, 2000)) {
      await this.db
        .insertInto('node_patch_cves')
        .values(part)
        .onConflict((oc) =>
          oc.columns(['node_id', 'name', 'arch', 'cve']).doUpdateSet((eb) => ({
            account_id: eb.ref('excluded.account_id'),
            state: eb.ref('excluded.state'),
            severity: eb.ref('excluded.severity'),
            overdue: eb.ref('excluded.overdue'),
          })),
        )
        .execute();
    }
  }

  private isPostgres(): boolean {
    return this.db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /**
   * Inserts or replaces state rows, 10,000 per statement without a parameter per value (a multi-row
   * VALUES costs 23 parameters per row to build, compile and parse): PostgreSQL gets each column as
   * one array parameter spread by `unnest`, SQLite the rows as one JSON array read by `json_each`.
   */
  private async upsertStates(rows: readonly NodePatchStatesTable[]): Promise<void> {
    const columns = Object.keys(STATE_COLUMN_TYPES) as (keyof NodePatchStatesTable)[];
    const names = sql.join(columns.map((c) => sql.ref(c)));
    const update = sql.join(Object.keys(EXCLUDED_STATE).map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`));
    const postgres = this.isPostgres();
    for (const part of chunks(rows, 10_000)) {
      if (postgres) {
        const arrays = columns.map((c) => sql`${part.map((r) => r[c])}::${sql.raw(STATE_COLUMN_TYPES[c])}[]`);
        await sql`insert into node_patch_states (${names}) select * from unnest(${sql.join(arrays)})
          on conflict (node_id, name, arch) do update set ${update}`.execute(this.db);
      } else {
        const json = JSON.stringify(part.map((r) => columns.map((c) => r[c])));
        const values = sql.join(columns.map((_, i) => sql`json_extract(j.value, ${sql.raw(`'$[${i}]'`)})`));
        // `where true`: SQLite needs it to parse INSERT … SELECT … ON CONFLICT.
        await sql`insert into node_patch_states (${names}) select ${values} from json_each(${json}) j where true
          on conflict (node_id, name, arch) do update set ${update}`.execute(this.db);
      }
    }
  }

  /** Inserts or replaces the current compliance of nodes. */
  async upsertCompliance(records: readonly NodeComplianceRecord[]): Promise<void> {
    for (const part of chunks(records, 200)) {
      const rows = part.map(complianceRow);
      await this.db
        .insertInto('node_compliance')
        .values(rows)
        .onConflict((oc) =>
          oc.column('node_id').doUpdateSet(EXCLUDED_COMPLIANCE),
        )
        .execute();
    }
  }

  async appendHistory(entries: readonly HistoryRecord[]): Promise<void> {
    const rows: ComplianceHistoryTable[] = entries.map((h) => ({
      id: h.id,
      node_id: h.nodeId,
      account_id: h.accountId,
      at: h.at,
      operation: h.operation,
      command_id: h.commandId,
      baseline_id: h.baselineId,
      baseline_version: h.baselineVersion,
      baseline_source: h.baselineSource,
      snapshot_id: h.snapshotId,
      status: h.status,
      compliance_level: h.complianceLevel,
      severity: h.severity,
      counts: JSON.stringify(h.counts),
      overdue: h.overdue,
      missing: JSON.stringify(h.missing),
      failed: JSON.stringify(h.failed),
      reason: h.reason,
    }));
    for (const part of chunks(rows, INSERT_CHUNK)) await this.db.insertInto('compliance_history').values(part).execute();
  }

  /** Recomputes today's row of the trend for these accounts from the current compliance. */
  async upsertDaily(day: string, accountIds: readonly string[]): Promise<void> {
    for (const part of chunks([...new Set(accountIds)], CHUNK)) {
      const rows = await this.db
        .selectFrom('node_compliance')
        .innerJoin('nodes', 'nodes.id', 'node_compliance.node_id')
        .where('nodes.deregistered_at', 'is', null)
        .where('node_compliance.account_id', 'in', part)
        .select((eb) => [
          'node_compliance.account_id as account_id',
          countWhen(eb('node_compliance.status', '=', 'COMPLIANT')).as('compliant'),
          countWhen(eb('node_compliance.status', '=', 'NON_COMPLIANT')).as('non_compliant'),
          countWhen(eb('node_compliance.status', '=', 'UNKNOWN')).as('unknown'),
          countWhen(eb('node_compliance.overdue', '>', 0)).as('overdue_nodes'),
        ])
        .groupBy('node_compliance.account_id')
        .execute();
      const values = part.map((accountId) => {
        const r = rows.find((x) => x.account_id === accountId);
        return { day, account_id: accountId, compliant: Number(r?.compliant ?? 0), non_compliant: Number(r?.non_compliant ?? 0), unknown: Number(r?.unknown ?? 0), overdue_nodes: Number(r?.overdue_nodes ?? 0) };
      });
      if (values.length === 0) continue;
      await this.db
        .insertInto('compliance_daily')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['day', 'account_id']).doUpdateSet((eb) => ({
            compliant: eb.ref('excluded.compliant'),
            non_compliant: eb.ref('excluded.non_compliant'),
            unknown: eb.ref('excluded.unknown'),
            overdue_nodes: eb.ref('excluded.overdue_nodes'),
          })),
        )
        .execute();
    }
  }

  /** Marks the compliance of the accounts' nodes (or all) stale; the compliance job re-evaluates them. */
  async markStale(scope: { accountIds: readonly string[] } | { nodeIds: readonly string[] } | 'all'): Promise<number> {
    if (scope === 'all') return Number((await this.db.updateTable('node_compliance').set({ stale: 1 }).where('stale', '=', 0).executeTakeFirst()).numUpdatedRows);
    let n = 0;
    const [column, ids] = 'accountIds' in scope ? (['account_id', scope.accountIds] as const) : (['node_id', scope.nodeIds] as const);
    for (const part of chunks([...new Set(ids)], CHUNK)) {
      n += Number((await this.db.updateTable('node_compliance').set({ stale: 1 }).where(column, 'in', part).where('stale', '=', 0).executeTakeFirst()).numUpdatedRows);
    }
    return n;
  }

  /** Marks stale the nodes whose earliest due date has passed but that do not count it overdue yet. */
  async markDueStale(now: string): Promise<number> {
    const res = await this.db.updateTable('node_compliance').set({ stale: 1 }).where('stale', '=', 0).where('next_due_at', '<=', now).executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Up to `limit` stale nodes, plus registered nodes with an inventory but no compliance row yet. */
  async staleNodeIds(limit: number): Promise<string[]> {
    const stale = await this.db
      .selectFrom('node_compliance')
      .innerJoin('nodes', 'nodes.id', 'node_compliance.node_id')
      .select('node_compliance.node_id as id')
      .where('node_compliance.stale', '=', 1)
      .where('nodes.deregistered_at', 'is', null)
      .orderBy('node_compliance.node_id')
      .limit(limit)
      .execute();
    const left = limit - stale.length;
    const fresh =
      left <= 0
        ? []
        : await this.db
            .selectFrom('nodes')
            .select('nodes.id as id')
            .where('nodes.deregistered_at', 'is', null)
            .where('nodes.inventory_revision', '>', 0)
            .where((eb) => eb.not(eb.exists(eb.selectFrom('node_compliance').select('node_compliance.node_id').whereRef('node_compliance.node_id', '=', 'nodes.id'))))
            .orderBy('nodes.id')
            .limit(left)
            .execute();
    return [...stale, ...fresh].map((r) => r.id);
  }

  /** Every registered node id (for a whole-fleet evaluation). */
  async registeredNodeIds(): Promise<string[]> {
    return (await this.db.selectFrom('nodes').select('id').where('deregistered_at', 'is', null).orderBy('id').execute()).map((r) => r.id);
  }

  /** A value the compliance job remembers (undefined when never set). */
  async marker(name: string): Promise<string | undefined> {
    return (await this.db.selectFrom('compliance_markers').select('value').where('name', '=', name).executeTakeFirst())?.value;
  }

  async setMarker(name: string, value: string, now: string): Promise<void> {
    await this.db
      .insertInto('compliance_markers')
      .values({ name, value, updated_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value, updated_at: now }))
      .execute();
  }

  // ---- settings -----------------------------------------------------------------------------

  async getSla(organizationId: string): Promise<{ sla: SlaDays; updatedAt: string | null } | undefined> {
    const r = await this.db.selectFrom('compliance_settings').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
    if (r === undefined) return undefined;
    const sla: SlaDays = {};
    if (r.sla_critical !== null) sla.critical = Number(r.sla_critical);
    if (r.sla_high !== null) sla.high = Number(r.sla_high);
    if (r.sla_medium !== null) sla.medium = Number(r.sla_medium);
    if (r.sla_low !== null) sla.low = Number(r.sla_low);
    return { sla, updatedAt: r.updated_at };
  }

  async putSla(organizationId: string, sla: SlaDays, now: string, by: string | null): Promise<void> {
    const values = {
      organization_id: organizationId,
      sla_critical: sla.critical ?? null,
      sla_high: sla.high ?? null,
      sla_medium: sla.medium ?? null,
      sla_low: sla.low ?? null,
      updated_at: now,
      updated_by: by,
    };
    await this.db
      .insertInto('compliance_settings')
      .values(values)
      .onConflict((oc) => oc.column('organization_id').doUpdateSet({ sla_critical: values.sla_critical, sla_high: values.sla_high, sla_medium: values.sla_medium, sla_low: values.sla_low, updated_at: now, updated_by: by }))
      .execute();
  }

  // ---- reports ------------------------------------------------------------------------------

  private scoped<Q extends { where: (...args: never[]) => Q }>(q: Q, scope: ComplianceScope, column: string): Q {
    let out = q as unknown as { where: (a: unknown, b?: unknown, c?: unknown) => unknown };
    if (scope.accounts !== 'all') out = (scope.accounts.length === 0 ? out.where(sql<boolean>`1 = 0`) : out.where(column, 'in', scope.accounts)) as typeof out;
    if (scope.accountId !== undefined) out = out.where(column, '=', scope.accountId) as typeof out;
    if (scope.nodeIds !== undefined) {
      const nodeColumn = column.replace(/account_id$/, 'node_id');
      out = (scope.nodeIds.length === 0 ? out.where(sql<boolean>`1 = 0`) : out.where(nodeColumn, 'in', scope.nodeIds)) as typeof out;
    }
    return out as unknown as Q;
  }

  /** The fleet summary: one aggregate query over node_compliance (registered nodes only). */
  async summary(scope: ComplianceScope, groupBy: SummaryGroupBy): Promise<SummaryRow[]> {
    const groupColumn = {
      account: 'node_compliance.account_id',
      os: 'node_compliance.operating_system',
      severity: 'node_compliance.severity',
      patchGroup: 'node_compliance.patch_group',
      status: 'node_compliance.status',
    }[groupBy];
    const key = groupBy === 'os' ? sql<string | null>`coalesce(${sql.ref('node_compliance.operating_system')}, ${sql.ref('node_compliance.os_id')})` : sql<string | null>`${sql.ref(groupColumn)}`;
    let q = this.db
      .selectFrom('node_compliance')
      .innerJoin('nodes', 'nodes.id', 'node_compliance.node_id')
      .where('nodes.deregistered_at', 'is', null)
      .select((eb) => [
        key.as('key'),
        eb.fn.countAll<number>().as('nodes'),
        countWhen(eb('node_compliance.status', '=', 'COMPLIANT')).as('compliant'),
        countWhen(eb('node_compliance.status', '=', 'NON_COMPLIANT')).as('non_compliant'),
        countWhen(eb('node_compliance.status', '=', 'UNKNOWN')).as('unknown'),
        ...LEVELS.map((l) => countWhen(eb.and([eb('node_compliance.status', '=', 'NON_COMPLIANT'), eb('node_compliance.compliance_level', '=', l)])).as(`level_${l}`)),
        ...COUNT_COLUMNS.map((c) => eb.fn.sum<number>(`node_compliance.${c}`).as(`sum_${c}`)),
        eb.fn.sum<number>('node_compliance.overdue').as('overdue_patches'),
        countWhen(eb('node_compliance.overdue', '>', 0)).as('overdue_nodes'),
        countWhen(eb('node_compliance.stale', '=', 1)).as('stale_nodes'),
      ])
      .groupBy(key)
      .orderBy(key);
    q = this.scoped(q, scope, 'node_compliance.account_id');
    const rows = (await q.execute()) as Record<string, unknown>[];
    return rows.map((r) => {
      const patches = emptyCounts();
      for (const s of PATCH_STATES) patches[s] = Number(r[`sum_${COUNT_COLUMN_OF[s]}`] ?? 0);
      return {
        key: (r['key'] as string | null) ?? null,
        nodes: Number(r['nodes']),
        compliant: Number(r['compliant'] ?? 0),
        nonCompliant: Number(r['non_compliant'] ?? 0),
        unknown: Number(r['unknown'] ?? 0),
        byComplianceLevel: Object.fromEntries(LEVELS.map((l) => [l, Number(r[`level_${l}`] ?? 0)])) as Record<ComplianceLevel, number>,
        patches,
        overduePatches: Number(r['overdue_patches'] ?? 0),
        overdueNodes: Number(r['overdue_nodes'] ?? 0),
        staleNodes: Number(r['stale_nodes'] ?? 0),
      };
    });
  }

  private nodesQuery(filter: NodeComplianceFilter) {
    let q = this.db
      .selectFrom('node_compliance')
      .innerJoin('nodes', 'nodes.id', 'node_compliance.node_id')
      .where('nodes.deregistered_at', 'is', null)
      .selectAll('node_compliance')
      .select(['nodes.hostname as hostname', 'nodes.os_version as os_version', 'nodes.agent_version as agent_version']);
    q = this.scoped(q, filter, 'node_compliance.account_id');
    if (filter.status !== undefined) q = q.where('node_compliance.status', '=', filter.status);
    if (filter.complianceLevel !== undefined) q = q.where('node_compliance.compliance_level', '=', filter.complianceLevel);
    if (filter.severity !== undefined) q = q.where('node_compliance.severity', '=', filter.severity);
    if (filter.os !== undefined) {
      const os = filter.os;
      q = q.where((eb) => eb.or([eb('node_compliance.operating_system', '=', os.toUpperCase()), eb('node_compliance.os_id', '=', os.toLowerCase())]));
    }
    if (filter.patchGroup !== undefined) q = q.where('node_compliance.patch_group', '=', filter.patchGroup);
    if (filter.overdue !== undefined) q = q.where('node_compliance.overdue', filter.overdue ? '>' : '=', 0);
    if (filter.q !== undefined) q = q.where(containsIgnoreCase('nodes.hostname', filter.q));
    return q;
  }

  async listNodes(filter: NodeComplianceFilter, page: PageRequest): Promise<Page<NodeComplianceView>> {
    return fetchPage(
      this.nodesQuery(filter),
      page,
      {
        hostname: 'nodes.hostname',
        status: 'node_compliance.status',
        severity: 'node_compliance.severity',
        missing: 'node_compliance.missing',
        overdue: 'node_compliance.overdue',
        evaluatedAt: 'node_compliance.evaluated_at',
      },
      'node_compliance.node_id',
      (r) => ({ ...toCompliance(r), hostname: r.hostname, osVersion: r.os_version, agentVersion: r.agent_version }),
    );
  }

  async getNode(nodeId: string): Promise<NodeComplianceRecord | undefined> {
    const r = await this.db.selectFrom('node_compliance').selectAll().where('node_id', '=', nodeId).executeTakeFirst();
    return r === undefined ? undefined : toCompliance(r);
  }

  private patchesQuery(filter: PatchFilter) {
    let q = this.db
      .selectFrom('node_patch_states')
      .innerJoin('nodes', 'nodes.id', 'node_patch_states.node_id')
      .where('nodes.deregistered_at', 'is', null)
      .selectAll('node_patch_states')
      .select('nodes.hostname as hostname');
    q = this.scoped(q, filter, 'node_patch_states.account_id');
    if (filter.nodeId !== undefined) q = q.where('node_patch_states.node_id', '=', filter.nodeId);
    if (filter.name !== undefined) q = q.where('node_patch_states.name', '=', filter.name);
    if (filter.state !== undefined) q = q.where('node_patch_states.state', '=', filter.state);
    if (filter.overdue !== undefined) q = q.where('node_patch_states.overdue', '=', filter.overdue ? 1 : 0);
    if (filter.cve !== undefined) {
      const needle = `%${escapeLike(JSON.stringify(filter.cve.toUpperCase()))}%`;
      q = q.where((eb) =>
        eb.or([sql<SqlBool>`upper(${sql.ref('node_patch_states.cves')}) like ${needle} escape '\\'`, sql<SqlBool>`upper(${sql.ref('node_patch_states.advisory_ids')}) like ${needle} escape '\\'`]),
      );
    }
    return q;
  }

  /** Per-patch rows (node × patch) with the node's hostname. */
  async listPatches(filter: PatchFilter, page: PageRequest): Promise<Page<PatchStateView>> {
    return fetchPage(
      this.patchesQuery(filter),
      page,
      { name: 'node_patch_states.name', hostname: 'nodes.hostname', state: 'node_patch_states.state', severity: 'node_patch_states.severity', dueAt: 'node_patch_states.due_at' },
      'node_patch_states.node_id',
      (r) => ({ ...toState(r), hostname: r.hostname }),
    );
  }

  // ---- patch summary (precomputed per account) ---------------------------------------------

  /** Runs `fn` in a transaction (this one when the repository is already on one). */
  private async inTransaction<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this.db);
    return this.db.transaction().execute(fn);
  }

  /**
   * Recomputes patch_name_summary: the given accounts (whether marked or not), or every account
   * marked dirty. Returns the accounts recomputed.
   */
  async refreshPatchSummary(accountIds?: readonly string[]): Promise<number> {
    const ids = accountIds ?? (await this.db.selectFrom('patch_summary_dirty').select('account_id').orderBy('account_id').execute()).map((r) => r.account_id);
    let n = 0;
    for (const id of ids) if (await this.refreshAccount(id, accountIds === undefined)) n++;
    return n;
  }

  /**
   * One account's rows in one transaction: delete, then INSERT … SELECT … GROUP BY name over its
   * states on registered nodes, then the CVE lists; the dirty mark goes only when no change marked
   * it meanwhile (same `version`). PostgreSQL: an advisory lock per account serializes concurrent
   * refreshes of it (the second finds the mark gone and does nothing).
   */
  private async refreshAccount(accountId: string, onlyIfDirty: boolean): Promise<boolean> {
    const postgres = this.isPostgres();
    return this.inTransaction(async (db) => {
      if (postgres) await sql`select pg_advisory_xact_lock(hashtext(${`patch_name_summary:${accountId}`}))`.execute(db);
      const mark = await db.selectFrom('patch_summary_dirty').select('version').where('account_id', '=', accountId).executeTakeFirst();
      if (mark === undefined && onlyIfDirty) return false;
      const now = new Date().toISOString();
      await db.deleteFrom('patch_name_summary').where('account_id', '=', accountId).execute();
      const counts = PATCH_STATES.map((st) => sql`sum(case when s.state = ${sql.lit(st)} then 1 else 0 end)`);
      await sql`insert into patch_name_summary (account_id, name, nodes, ${sql.join(PATCH_STATES.map((st) => sql.ref(COUNT_COLUMN_OF[st])))}, severity_rank, level_rank, overdue, next_due_at, cves, computed_at)
        select ${accountId}, s.name, count(distinct s.node_id), ${sql.join(counts)}, ${severityRankOf('s.severity')}, ${levelRankOf('s.compliance_level')},
          sum(case when s.overdue = 1 then 1 else 0 end), min(s.due_at), '[]', ${now}
        from node_patch_states s inner join nodes n on n.id = s.node_id
        where s.account_id = ${accountId} and n.deregistered_at is null
        group by s.name`.execute(db);
      // The distinct CVEs per name (most states have none: only those lists are read).
      const lists = postgres
        ? sql`select x.name, json_agg(x.cve order by x.cve)::text as list from (
              select distinct s.name, j.value #>> '{}' as cve from node_patch_states s inner join nodes n on n.id = s.node_id
              cross join lateral jsonb_array_elements(s.cves::jsonb) as j(value)
              where s.account_id = ${accountId} and n.deregistered_at is null and s.cves <> '[]' and s.cves <> '' and jsonb_typeof(j.value) = 'string'
            ) x group by x.name`
        : sql`select x.name, json_group_array(x.cve) as list from (
              select distinct s.name, j.value as cve from node_patch_states s inner join nodes n on n.id = s.node_id
              cross join json_each(s.cves) as j
              where s.account_id = ${accountId} and n.deregistered_at is null and s.cves <> '[]' and s.cves <> '' and json_valid(s.cves) and j.type = 'text'
              order by 1, 2
            ) x group by x.name`;
      await sql`update patch_name_summary set cves = c.list from (${lists}) c
        where patch_name_summary.account_id = ${accountId} and patch_name_summary.name = c.name`.execute(db);
      if (mark !== undefined) await db.deleteFrom('patch_summary_dirty').where('account_id', '=', accountId).where('version', '=', mark.version).execute();
      return true;
    });
  }

  /** The patch summary from patch_name_summary (account scope only), after recomputing the in-scope accounts marked dirty. */
  private async patchSummaryFromTable(scope: ComplianceScope, page: PageRequest, column: string, dir: 'asc' | 'desc'): Promise<Page<PatchSummaryRow>> {
    const accountScope: ComplianceScope = { accounts: scope.accounts, accountId: scope.accountId };
    const dirty = await this.scoped(this.db.selectFrom('patch_summary_dirty').select('account_id'), accountScope, 'patch_summary_dirty.account_id').orderBy('account_id').execute();
    for (const d of dirty) await this.refreshAccount(d.account_id, true);
    const scoped = () => this.scoped(this.db.selectFrom('patch_name_summary'), accountScope, 'patch_name_summary.account_id');
    const base = scoped()
      .select((eb) => [
        'patch_name_summary.name as name',
        eb.fn.sum<number>('patch_name_summary.nodes').as('nodes'),
        ...PATCH_STATES.map((st) => eb.fn.sum<number>(`patch_name_summary.${COUNT_COLUMN_OF[st]}`).as(`state_${st}`)),
        eb.fn.max('patch_name_summary.severity_rank').as('severity_rank'),
        eb.fn.max('patch_name_summary.level_rank').as('level_rank'),
        eb.fn.sum<number>('patch_name_summary.overdue').as('overdue'),
        eb.fn.min('patch_name_summary.next_due_at').as('next_due_at'),
      ])
      .groupBy('patch_name_summary.name');
    const totalRow = await scoped()
      .select((eb) => eb.fn.count<number>('patch_name_summary.name').distinct().as('n'))
      .executeTakeFirst();
    const rows = (await this.db
      .selectFrom(base.as('g'))
      .selectAll()
      .orderBy(sql.ref(column), dir)
      .orderBy(sql.ref('name'), 'asc')
      .limit(page.limit)
      .offset(page.offset)
      .execute()) as Record<string, unknown>[];
    const cves = new Map<string, Set<string>>();
    for (const part of chunks(rows.map((r) => String(r['name'])), NAME_CHUNK)) {
      for (const r of await scoped().select(['patch_name_summary.name as name', 'patch_name_summary.cves as cves']).where('patch_name_summary.name', 'in', part).execute()) {
        const set = cves.get(r.name) ?? new Set<string>();
        for (const c of parseList(r.cves)) set.add(c);
        cves.set(r.name, set);
      }
    }
    return { items: rows.map((r) => summaryRow(r, cves)), total: Number(totalRow?.n ?? 0), limit: page.limit, offset: page.offset };
  }

  /**
   * Per package name: nodes by state, highest severity and level, CVEs, overdue count. Scoped by
   * accounts only: read from patch_name_summary (recomputed first where marked dirty); any other
   * filter (name, CVE, state, overdue, node, a policy's nodes): aggregated live over the states.
   */
  async patchSummary(filter: PatchFilter, page: PageRequest): Promise<Page<PatchSummaryRow>> {
    const sortColumns: Record<string, string> = { name: 'name', nodes: 'nodes', missing: 'state_MISSING', severity: 'severity_rank', overdue: 'overdue' };
    const desc = page.sort.startsWith('-');
    const column = sortColumns[desc ? page.sort.slice(1) : page.sort];
    if (column === undefined) throw new Error(`No sort column for "${page.sort}"`);
    const dir = desc ? 'desc' : 'asc';
    const accountsOnly = filter.nodeIds === undefined && filter.nodeId === undefined && filter.name === undefined && filter.cve === undefined && filter.state === undefined && filter.overdue === undefined;
    if (accountsOnly) return this.patchSummaryFromTable(filter, page, column, dir);
    return this.patchSummaryLive(filter, page, column, dir);
  }

  /** The patch summary aggregated over the states that match the filter (the filtered cases; the reference for the table). */
  async patchSummaryLive(filter: PatchFilter, page: PageRequest, column: string, dir: 'asc' | 'desc'): Promise<Page<PatchSummaryRow>> {
    const sevRank = severityRankOf('node_patch_states.severity');
    const levelRank = levelRankOf('node_patch_states.compliance_level');
    const base = this.patchesQuery(filter)
      .clearSelect()
      .select((eb) => [
        'node_patch_states.name as name',
        eb.fn.count<number>('node_patch_states.node_id').distinct().as('nodes'),
        ...PATCH_STATES.map((s) => countWhen(eb('node_patch_states.state', '=', s)).as(`state_${s}`)),
        sevRank.as('severity_rank'),
        levelRank.as('level_rank'),
        countWhen(eb('node_patch_states.overdue', '=', 1)).as('overdue'),
        eb.fn.min('node_patch_states.due_at').as('next_due_at'),
      ])
      .groupBy('node_patch_states.name');
    const totalRow = await this.db
      .selectFrom(base.as('g'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const rows = (await this.db
      .selectFrom(base.as('g'))
      .selectAll()
      .orderBy(sql.ref(column), dir)
      .orderBy(sql.ref('name'), 'asc')
      .limit(page.limit)
      .offset(page.offset)
      .execute()) as Record<string, unknown>[];
    const names = rows.map((r) => String(r['name']));
    const cves = new Map<string, Set<string>>();
    for (const part of chunks(names, NAME_CHUNK)) {
      const cveRows = await this.patchesQuery(filter).clearSelect().select(['node_patch_states.name as name', 'node_patch_states.cves as cves']).distinct().where('node_patch_states.name', 'in', part).execute();
      for (const r of cveRows) {
        const set = cves.get(r.name) ?? new Set<string>();
        for (const c of parseList(r.cves)) set.add(c);
        cves.set(r.name, set);
      }
    }
    return {
      items: rows.map((r) => summaryRow(r, cves)),
      total: Number(totalRow?.n ?? 0),
      limit: page.limit,
      offset: page.offset,
    };
  }

  /** The exposed CVE rows of registered nodes in the filter's scope (node_patch_cves as `c`: exposed states only). */
  private exposedCves(filter: CveExposureFilter) {
    let q = this.db
      .selectFrom('node_patch_cves as c')
      .where('c.node_id', 'not in', (eb) => eb.selectFrom('nodes').select('nodes.id').where('nodes.deregistered_at', 'is not', null));
    q = this.scoped(q, filter, 'c.account_id');
    if (filter.q !== undefined) q = q.where(containsIgnoreCase('c.cve', filter.q));
    return q;
  }

  /**
   * CVEs by exposure: per CVE the registered nodes where a patch that fixes it is MISSING, FAILED or
   * INSTALLED_PENDING_REBOOT (one aggregate over node_patch_cves: per node and CVE first, then per
   * CVE), with the packages and advisory ids of the page's CVEs read after. Sort: `cve`, `nodes`,
   * `severity`, `overdue` (`-` descending; ties by CVE id).
   */
  async cveExposure(filter: CveExposureFilter, page: PageRequest): Promise<Page<CveExposureRow>> {
    // Three hash-friendly levels, no count(distinct) (which makes PostgreSQL sort): per CVE and
    // node (in the covering index's order) its most pressing state; per CVE and account; per CVE.
    const perNode = this.exposedCves(filter)
      .select([
        'c.cve as cve',
        'c.node_id as node_id',
        'c.account_id as account_id',
        sql<number>`max(case ${sql.ref('c.state')} when 'FAILED' then 3 when 'MISSING' then 2 else 1 end)`.as('st'),
        severityRankOf('c.severity').as('sev'),
        sql<number>`max(${sql.ref('c.overdue')})`.as('overdue'),
      ])
      .groupBy(['c.cve', 'c.node_id', 'c.account_id']);
    const perAccount = this.db
      .selectFrom(perNode.as('e'))
      .select((eb) => [
        'e.cve as cve',
        eb.fn.countAll<number>().as('nodes'),
        countWhen(eb('e.st', '=', 2)).as('missing'),
        countWhen(eb('e.st', '=', 3)).as('failed'),
        countWhen(eb('e.st', '=', 1)).as('pending_reboot'),
        eb.fn.max('e.sev').as('sev'),
        eb.fn.sum<number>('e.overdue').as('overdue_nodes'),
      ])
      .groupBy(['e.cve', 'e.account_id']);
    const perCve = this.db
      .selectFrom(perAccount.as('a'))
      .select((eb) => [
        'a.cve as cve',
        eb.fn.sum<number>('a.nodes').as('nodes'),
        eb.fn.sum<number>('a.missing').as('missing'),
        eb.fn.sum<number>('a.failed').as('failed'),
        eb.fn.sum<number>('a.pending_reboot').as('pending_reboot'),
        eb.fn.countAll<number>().as('accounts'),
        eb.fn.max('a.sev').as('severity_rank'),
        eb.fn.sum<number>('a.overdue_nodes').as('overdue_nodes'),
      ])
      .groupBy('a.cve');
    const sortColumns: Record<string, string> = { cve: 'cve', nodes: 'nodes', severity: 'severity_rank', overdue: 'overdue_nodes' };
    const desc = page.sort.startsWith('-');
    const column = sortColumns[desc ? page.sort.slice(1) : page.sort];
    if (column === undefined) throw new Error(`No sort column for "${page.sort}"`);
    // The total rides along as a window count (one aggregate, not two); a page past the end counts apart.
    const rows = (await this.db
      .selectFrom(perCve.as('g'))
      .selectAll()
      .select(sql<number>`count(*) over ()`.as('total'))
      .orderBy(sql.ref(column), desc ? 'desc' : 'asc')
      .orderBy(sql.ref('cve'), 'asc')
      .limit(page.limit)
      .offset(page.offset)
      .execute()) as Record<string, unknown>[];
    const total =
      rows.length > 0
        ? Number(rows[0]!['total'])
        : page.offset === 0
          ? 0
          : Number((await this.exposedCves(filter).select((eb) => eb.fn.count<number>('c.cve').distinct().as('n')).executeTakeFirst())?.n ?? 0);
    const { packages, advisoryIds } = await this.cveDetails(filter, rows.map((r) => String(r['cve'])));
    return {
      items: rows.map((r) => {
        const cve = String(r['cve']);
        return {
          cve,
          nodes: Number(r['nodes']),
          missing: Number(r['missing'] ?? 0),
          failed: Number(r['failed'] ?? 0),
          pendingReboot: Number(r['pending_reboot'] ?? 0),
          accounts: Number(r['accounts'] ?? 0),
          severity: (SEVERITY_BY_RANK[Number(r['severity_rank'] ?? 0)] ?? 'unknown') as PatchSeverity,
          packages: packages.get(cve) ?? [],
          advisoryIds: advisoryIds.get(cve) ?? [],
          overdueNodes: Number(r['overdue_nodes'] ?? 0),
        };
      }),
      total,
      limit: page.limit,
      offset: page.offset,
    };
  }

  /**
   * For a page of CVEs: the package names of their exposed patches, and the advisory ids those
   * patches carry that name the CVE (an imported advisory only when its aliases include it; ids
   * not imported, e.g. from the package manager, are kept). At most 20 of each, sorted.
   */
  private async cveDetails(filter: CveExposureFilter, cves: readonly string[]): Promise<{ packages: Map<string, string[]>; advisoryIds: Map<string, string[]> }> {
    const packages = new Map<string, string[]>();
    const advisoryIds = new Map<string, string[]>();
    if (cves.length === 0) return { packages, advisoryIds };
    // One read of the page's exposed rows: (CVE, package, the patch's advisory ids), distinct.
    const rows = await this.exposedCves(filter)
      .innerJoin('node_patch_states as s', (join) => join.onRef('s.node_id', '=', 'c.node_id').onRef('s.name', '=', 'c.name').onRef('s.arch', '=', 'c.arch'))
      .where('c.cve', 'in', cves)
      .select(['c.cve as cve', 'c.name as name', 's.advisory_ids as advisory_ids'])
      .distinct()
      .execute();
    const names = new Map<string, Set<string>>();
    const candidates = new Map<string, Set<string>>();
    for (const r of rows) {
      names.set(r.cve, (names.get(r.cve) ?? new Set<string>()).add(r.name));
      const set = candidates.get(r.cve) ?? new Set<string>();
      for (const id of parseList(r.advisory_ids)) set.add(id);
      candidates.set(r.cve, set);
    }
    for (const [cve, set] of names) packages.set(cve, [...set].sort().slice(0, CVE_DETAIL_MAX));
    // An imported advisory is listed only when it names the CVE (a patch can fix several CVEs of several advisories).
    const ids = [...new Set([...candidates.values()].flatMap((set) => [...set]))];
    const imported = new Set<string>();
    const naming = new Set<string>();
    for (const part of chunks(ids, NAME_CHUNK)) {
      const found = await this.db
        .selectFrom('advisories as a')
        .leftJoin('advisory_aliases as al', (join) => join.onRef('al.advisory_id', '=', 'a.id').on('al.alias', 'in', cves))
        .select(['a.id as id', 'al.alias as alias'])
        .where('a.id', 'in', part)
        .execute();
      for (const r of found) {
        imported.add(r.id);
        if (r.alias !== null) naming.add(`${r.id}\u0000${r.alias}`);
      }
    }
    for (const [cve, set] of candidates) {
      const named = [...set].filter((id) => id === cve || !imported.has(id) || naming.has(`${id}\u0000${cve}`)).sort();
      advisoryIds.set(cve, named.slice(0, CVE_DETAIL_MAX));
    }
    return { packages, advisoryIds };
  }

  async history(nodeId: string, page: PageRequest): Promise<Page<HistoryRecord>> {
    const q = this.db.selectFrom('compliance_history').selectAll().where('node_id', '=', nodeId);
    return fetchPage(q, page, { at: 'at' }, 'id', toHistory);
  }

  /** The daily series since `since` (YYYY-MM-DD), summed over the scope's accounts. */
  async trend(scope: ComplianceScope, since: string): Promise<TrendPoint[]> {
    let q = this.db
      .selectFrom('compliance_daily')
      .where('day', '>=', since)
      .select((eb) => [
        'day',
        eb.fn.sum<number>('compliant').as('compliant'),
        eb.fn.sum<number>('non_compliant').as('non_compliant'),
        eb.fn.sum<number>('unknown').as('unknown'),
        eb.fn.sum<number>('overdue_nodes').as('overdue_nodes'),
      ])
      .groupBy('day')
      .orderBy('day');
    q = this.scoped(q, scope, 'account_id');
    return (await q.execute()).map((r) => ({
      day: r.day,
      compliant: Number(r.compliant ?? 0),
      nonCompliant: Number(r.non_compliant ?? 0),
      unknown: Number(r.unknown ?? 0),
      overdueNodes: Number(r.overdue_nodes ?? 0),
    }));
  }
}

/** The rank of a severity word (unknown lowest), for "highest severity" comparisons. */
export function severityRank(severity: string | null | undefined): number {
  return SEVERITY_RANK[severity ?? 'unknown'] ?? 0;
}
