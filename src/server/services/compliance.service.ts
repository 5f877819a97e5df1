import { canManageOrganization, readableAccounts } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import { PATCH_STATES, type PatchState } from '../../domain/compliance/model.js';
import type {
  ComplianceHistoryEntry,
  ComplianceSettings,
  ComplianceSummary,
  ComplianceSummaryGroup,
  CveExposure,
  NodeCompliance,
  NodeComplianceDetail,
  PatchComplianceState,
  PatchRow,
  PatchSummaryItem,
} from '../../contracts/api.js';
import { emptyCounts } from '../../store/index.js';
import type {
  ComplianceScope,
  NodeComplianceFilter,
  NodeComplianceRecord,
  NodeComplianceView,
  NodeRecord,
  Page,
  PageRequest,
  PatchStateFilter,
  PatchStateView,
  StoredPatchState,
  SummaryGroupBy,
  SummaryRow,
} from '../../store/index.js';
import { nodesGovernedBy } from './policies.service.js';
import { auditEntry, forbid, principalOf, requireAccountAccess, requireObjectAccess, type RequestContext, type ServiceDeps } from './context.js';
import { ComplianceEvaluator, DEFAULT_SLA, type EvaluationFacts, type EvaluationReport } from './compliance-evaluator.js';
import { toCsv } from './csv.js';

export type { EvaluationFacts, EvaluationReport } from './compliance-evaluator.js';

/** Rows an export holds at most (a bound on memory; filter to narrow it). */
const EXPORT_MAX_ROWS = 200_000;
const EXPORT_PAGE = 5000;

export interface NodeReportQuery {
  accountId?: string | undefined;
  status?: NodeComplianceFilter['status'];
  complianceLevel?: string | undefined;
  severity?: string | undefined;
  os?: string | undefined;
  patchGroup?: string | undefined;
  overdue?: boolean | undefined;
  q?: string | undefined;
}

export interface PatchReportQuery {
  accountId?: string | undefined;
  name?: string | undefined;
  cve?: string | undefined;
  state?: PatchState | undefined;
  overdue?: boolean | undefined;
}

function nodeView(r: NodeComplianceView): NodeCompliance {
  return {
    nodeId: r.nodeId,
    accountId: r.accountId,
    hostname: r.hostname,
    osId: r.osId,
    osVersion: r.osVersion,
    operatingSystem: r.operatingSystem,
    agentVersion: r.agentVersion,
    patchGroup: r.patchGroup,
    status: r.status,
    complianceLevel: r.complianceLevel,
    severity: r.severity,
    counts: r.counts,
    criticalNonCompliant: r.criticalNonCompliant,
    securityNonCompliant: r.securityNonCompliant,
    otherNonCompliant: r.otherNonCompliant,
    overdue: r.overdue,
    nextDueAt: r.nextDueAt,
    baselineId: r.baselineId,
    baselineSource: r.baselineSource,
    baselineVersion: r.baselineVersion,
    snapshotId: r.snapshotId,
    operation: r.operation,
    commandId: r.commandId,
    evaluatedAt: r.evaluatedAt,
    inventoryRevision: r.inventoryRevision,
    stale: r.stale,
    reason: r.reason,
  };
}

function patchState(s: StoredPatchState): PatchComplianceState {
  return {
    name: s.name,
    arch: s.arch,
    state: s.state,
    installedVersion: s.installedVersion,
    candidateVersion: s.candidateVersion,
    approvedVersion: s.approvedVersion,
    approvedAt: s.approvedAt,
    complianceLevel: s.complianceLevel,
    severity: s.severity,
    classification: s.classification,
    security: s.security,
    cves: s.cves,
    advisoryIds: s.advisoryIds,
    releaseDate: s.releaseDate,
    failedAt: s.failedAt,
    failureMessage: s.failureMessage,
    pendingRebootSince: s.pendingRebootSince,
    dueAt: s.dueAt,
    overdue: s.overdue,
    reason: s.reason,
  };
}

function patchRow(s: PatchStateView): PatchRow {
  return { ...patchState(s), nodeId: s.nodeId, hostname: s.hostname, accountId: s.accountId };
}

function group(r: SummaryRow, label: string | null): ComplianceSummaryGroup {
  return {
    key: r.key,
    label,
    nodes: r.nodes,
    compliant: r.compliant,
    nonCompliant: r.nonCompliant,
    unknown: r.unknown,
    nonCompliantByLevel: r.byComplianceLevel,
    patches: r.patches,
    overduePatches: r.overduePatches,
    overdueNodes: r.overdueNodes,
    staleNodes: r.staleNodes,
  };
}

function totalsOf(rows: readonly SummaryRow[]): ComplianceSummaryGroup {
  const t: SummaryRow = {
    key: null,
    nodes: 0,
    compliant: 0,
    nonCompliant: 0,
    unknown: 0,
    byComplianceLevel: { UNSPECIFIED: 0, INFORMATIONAL: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 },
    patches: Object.fromEntries(PATCH_STATES.map((s) => [s, 0])) as SummaryRow['patches'],
    overduePatches: 0,
    overdueNodes: 0,
    staleNodes: 0,
  };
  for (const r of rows) {
    t.nodes += r.nodes;
    t.compliant += r.compliant;
    t.nonCompliant += r.nonCompliant;
    t.unknown += r.unknown;
    for (const k of Object.keys(t.byComplianceLevel) as (keyof SummaryRow['byComplianceLevel'])[]) t.byComplianceLevel[k] += r.byComplianceLevel[k];
    for (const s of PATCH_STATES) t.patches[s] += r.patches[s];
    t.overduePatches += r.overduePatches;
    t.overdueNodes += r.overdueNodes;
    t.staleNodes += r.staleNodes;
  }
  return group(t, 'all');
}

const STATE_HEADERS: Record<PatchState, string> = {
  INSTALLED: 'Installed',
  INSTALLED_OTHER: 'Installed other',
  INSTALLED_PENDING_REBOOT: 'Installed pending reboot',
  INSTALLED_REJECTED: 'Installed rejected',
  MISSING: 'Missing',
  FAILED: 'Failed',
  NOT_APPLICABLE: 'Not applicable',
  AVAILABLE_SECURITY_UPDATE: 'Available security update',
};

/**
 * Compliance: evaluation (after inventories and results, by the job) and the reports — summary,
 * node and patch views, history, trend, exports — and the SLA settings. Reads are limited to the
 * accounts the caller can see; a foreign account or node answers 404.
 */
export class ComplianceService {
  readonly evaluator: ComplianceEvaluator;

  constructor(private readonly deps: ServiceDeps) {
    this.evaluator = new ComplianceEvaluator(deps);
  }

  evaluateNodes(nodeIds: readonly string[], facts?: EvaluationFacts): Promise<EvaluationReport> {
    return this.evaluator.evaluateNodes(nodeIds, facts);
  }

  evaluateFleet(): Promise<EvaluationReport> {
    return this.evaluator.evaluateFleet();
  }

  reevaluateStale(limit?: number): Promise<EvaluationReport> {
    return this.evaluator.reevaluateStale(limit);
  }

  /**
   * Evaluates after an agent request committed; never fails the request: an error is logged (ids
   * and message only) and the node is marked stale for the job.
   */
  async evaluateQuietly(nodeId: string, facts: EvaluationFacts): Promise<void> {
    try {
      await this.evaluator.evaluateNodes([nodeId], facts);
    } catch (err) {
      this.deps.logger.warn({ nodeId, operation: facts.operation, commandId: facts.commandId ?? null, error: (err as Error).message }, 'compliance evaluation failed; node marked stale');
      try {
        await this.deps.store.compliance.markStale({ nodeIds: [nodeId] });
      } catch (markErr) {
        this.deps.logger.warn({ nodeId, error: (markErr as Error).message }, 'could not mark compliance stale');
      }
    }
  }

  /** The caller's scope: readable accounts, narrowed to `accountId` (404 when it is not theirs). */
  private scope(ctx: RequestContext, accountId: string | undefined): ComplianceScope {
    const accounts = readableAccounts(principalOf(ctx));
    if (accountId !== undefined) requireAccountAccess(ctx, accountId, 'read');
    return { accounts, accountId };
  }

  private async node(ctx: RequestContext, nodeId: string): Promise<NodeRecord> {
    const hidden = `Node "${nodeId}" does not exist or is not yours to see; list nodes with \`patchwarden nodes list\`.`;
    principalOf(ctx);
    const node = await this.deps.store.nodes.get(nodeId);
    if (node === undefined) throw new AppError('not_found', hidden);
    requireObjectAccess(ctx, node.accountId, 'read', hidden);
    return node;
  }

  /** Issue 6: the nodes a patch policy governs, for the `policyId` filter (none for an unknown or disabled policy, like any filter). */
  private async policyNodes(policyId: string | undefined): Promise<{ nodeIds?: string[] }> {
    if (policyId === undefined) return {};
    const nodeIds = (await nodesGovernedBy(this.deps.store, policyId)).map((n) => n.id);
    if (nodeIds.length > 30_000) throw new AppError('validation', `Patch policy "${policyId}" governs ${nodeIds.length} nodes, more than the policyId filter takes (30000); filter by accountId instead.`);
    return { nodeIds };
  }

  async summary(ctx: RequestContext, query: { accountId?: string | undefined; groupBy: SummaryGroupBy; policyId?: string | undefined }): Promise<ComplianceSummary> {
    const rows = await this.deps.store.compliance.summary({ ...this.scope(ctx, query.accountId), ...(await this.policyNodes(query.policyId)) }, query.groupBy);
    const names = new Map<string, string>();
    if (query.groupBy === 'account') {
      for (const r of rows) {
        if (r.key === null || names.has(r.key)) continue;
        const account = await this.deps.store.accounts.get(r.key);
        if (account !== undefined) names.set(r.key, account.name);
      }
    }
    return { groupBy: query.groupBy, groups: rows.map((r) => group(r, r.key === null ? null : (names.get(r.key) ?? null))), totals: totalsOf(rows) };
  }

  async nodes(ctx: RequestContext, query: PageRequest & NodeReportQuery & { policyId?: string | undefined }): Promise<Page<NodeCompliance>> {
    const page = await this.deps.store.compliance.listNodes({ ...query, ...this.scope(ctx, query.accountId), ...(await this.policyNodes(query.policyId)) }, query);
    return { ...page, items: page.items.map(nodeView) };
  }

  async nodeDetail(ctx: RequestContext, nodeId: string, query: { state?: PatchState | undefined }): Promise<NodeComplianceDetail> {
    const node = await this.node(ctx, nodeId);
    const record: NodeComplianceRecord = (await this.deps.store.compliance.getNode(nodeId)) ?? {
      // Never evaluated: answer UNKNOWN and why (a GET writes nothing; the job evaluates it).
      nodeId,
      accountId: node.accountId,
      operatingSystem: null,
      osId: node.platform.osId,
      patchGroup: null,
      status: 'UNKNOWN',
      complianceLevel: null,
      severity: null,
      counts: emptyCounts(),
      criticalNonCompliant: 0,
      securityNonCompliant: 0,
      otherNonCompliant: 0,
      overdue: 0,
      nextDueAt: null,
      baselineId: null,
      baselineSource: null,
      baselineReason: null,
      baselineVersion: null,
      snapshotId: null,
      operation: 'Reevaluation',
      commandId: null,
      evaluatedAt: this.deps.clock().toISOString(),
      inventoryRevision: node.inventoryRevision,
      stale: true,
      reason:
        node.inventoryRevision === 0
          ? 'No inventory yet: the agent has not reported its packages (is it running? see `patchwarden nodes show`).'
          : 'Not evaluated yet: the compliance job evaluates it shortly.',
    };
    const states: StoredPatchState[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await this.deps.store.compliance.listPatches({ accounts: [node.accountId], nodeId, state: query.state }, { limit: 500, offset, sort: 'name' });
      states.push(...page.items);
      if (page.items.length < 500) break;
    }
    return {
      node: nodeView({ ...record, hostname: node.hostname, osVersion: node.platform.version, agentVersion: node.agentVersion }),
      baseline: record.baselineId === null ? null : { id: record.baselineId, source: record.baselineSource, reason: record.baselineReason, version: record.baselineVersion },
      patches: states.map(patchState),
    };
  }

  async history(ctx: RequestContext, nodeId: string, query: PageRequest): Promise<Page<ComplianceHistoryEntry>> {
    await this.node(ctx, nodeId);
    const page = await this.deps.store.compliance.history(nodeId, query);
    return {
      ...page,
      items: page.items.map((h) => ({
        id: h.id,
        at: h.at,
        operation: h.operation,
        commandId: h.commandId,
        baselineId: h.baselineId,
        baselineVersion: h.baselineVersion,
        baselineSource: h.baselineSource,
        snapshotId: h.snapshotId,
        status: h.status,
        complianceLevel: h.complianceLevel,
        severity: h.severity,
        counts: h.counts,
        overdue: h.overdue,
        missing: h.missing,
        failed: h.failed,
        reason: h.reason,
      })),
    };
  }

  private patchFilter(ctx: RequestContext, query: PatchReportQuery): PatchStateFilter {
    return { ...this.scope(ctx, query.accountId), name: query.name, cve: query.cve, state: query.state, overdue: query.overdue };
  }

  async patches(ctx: RequestContext, query: PageRequest & PatchReportQuery): Promise<Page<PatchRow>> {
    const page = await this.deps.store.compliance.listPatches(this.patchFilter(ctx, query), query);
    return { ...page, items: page.items.map(patchRow) };
  }

  async patchSummary(ctx: RequestContext, query: PageRequest & PatchReportQuery): Promise<Page<PatchSummaryItem>> {
    return this.deps.store.compliance.patchSummary(this.patchFilter(ctx, query), query);
  }

  /** CVEs by exposure (the widest first by default) over the caller's accounts; `policyId` as in the summary. */
  async cves(ctx: RequestContext, query: PageRequest & { accountId?: string | undefined; policyId?: string | undefined; q?: string | undefined }): Promise<Page<CveExposure>> {
    return this.deps.store.compliance.cveExposure({ ...this.scope(ctx, query.accountId), ...(await this.policyNodes(query.policyId)), q: query.q }, query);
  }

  async trend(ctx: RequestContext, query: { accountId?: string | undefined; days: number }): Promise<{ days: number; points: { day: string; compliant: number; nonCompliant: number; unknown: number; overdueNodes: number }[] }> {
    const since = new Date(this.deps.clock().getTime() - (query.days - 1) * 86_400_000).toISOString().slice(0, 10);
    return { days: query.days, points: await this.deps.store.compliance.trend(this.scope(ctx, query.accountId), since) };
  }

  /** The node or patch report, every matching row: CSV text or a JSON document. */
  async exportReport(
    ctx: RequestContext,
    query: NodeReportQuery & PatchReportQuery & { report: 'nodes' | 'patches'; format: 'csv' | 'json' },
  ): Promise<{ contentType: string; filename: string; body: string | { report: 'nodes' | 'patches'; generatedAt: string; items: (NodeCompliance | PatchRow)[] } }> {
    const generatedAt = this.deps.clock().toISOString();
    const filename = `patchwarden-compliance-${query.report}-${generatedAt.slice(0, 10)}.${query.format}`;
    const names = new Map<string, string>();
    const accountName = async (id: string): Promise<string> => {
      if (!names.has(id)) names.set(id, (await this.deps.store.accounts.get(id))?.name ?? id);
      return names.get(id) ?? id;
    };
    const collect = async <T>(fetch: (page: PageRequest) => Promise<Page<T>>, sort: string): Promise<T[]> => {
      const all: T[] = [];
      for (let offset = 0; ; offset += EXPORT_PAGE) {
        const page = await fetch({ limit: EXPORT_PAGE, offset, sort });
        all.push(...page.items);
        if (page.items.length < EXPORT_PAGE) break;
        if (all.length >= EXPORT_MAX_ROWS) {
          throw new AppError('validation', `The export would hold more than ${EXPORT_MAX_ROWS} rows; narrow it with filters (accountId, status, state, name, …).`);
        }
      }
      return all;
    };
    if (query.report === 'nodes') {
      const filter: NodeComplianceFilter = { ...query, ...this.scope(ctx, query.accountId) };
      const rows = (await collect((p) => this.deps.store.compliance.listNodes(filter, p), 'hostname')).map(nodeView);
      if (query.format === 'json') return { contentType: 'application/json', filename, body: { report: 'nodes', generatedAt, items: rows } };
      const header = ['Node ID', 'Hostname', 'Account', 'Platform', 'Version', 'Agent version', 'Baseline', 'Baseline source', 'Patch group', 'Status', 'Compliance level', 'Severity', ...PATCH_STATES.map((s) => STATE_HEADERS[s]), 'Overdue', 'Next due at', 'Evaluated at', 'Reason'];
      const body: unknown[][] = [];
      for (const r of rows) {
        body.push([
          r.nodeId,
          r.hostname,
          await accountName(r.accountId),
          r.operatingSystem ?? r.osId,
          r.osVersion,
          r.agentVersion,
          r.baselineId,
          r.baselineSource,
          r.patchGroup,
          r.status,
          r.complianceLevel,
          r.severity,
          ...PATCH_STATES.map((s) => r.counts[s]),
          r.overdue,
          r.nextDueAt,
          r.evaluatedAt,
          r.reason,
        ]);
      }
      return { contentType: 'text/csv; charset=utf-8', filename, body: toCsv(header, body) };
    }
    const filter = this.patchFilter(ctx, query);
    const rows = (await collect((p) => this.deps.store.compliance.listPatches(filter, p), 'name')).map(patchRow);
    if (query.format === 'json') return { contentType: 'application/json', filename, body: { report: 'patches', generatedAt, items: rows } };
    const header = ['Node ID', 'Hostname', 'Account', 'Package', 'Arch', 'State', 'Installed version', 'Candidate version', 'Approved version', 'Approved at', 'Compliance level', 'Severity', 'Classification', 'Security', 'CVEs', 'Advisories', 'Release date', 'Due at', 'Overdue', 'Reason'];
    const body: unknown[][] = [];
    for (const r of rows) {
      body.push([
        r.nodeId,
        r.hostname,
        await accountName(r.accountId),
        r.name,
        r.arch,
        r.state,
        r.installedVersion,
        r.candidateVersion,
        r.approvedVersion,
        r.approvedAt,
        r.complianceLevel,
        r.severity,
        r.classification,
        r.security ? 'yes' : 'no',
        r.cves.join(' '),
        r.advisoryIds.join(' '),
        r.releaseDate,
        r.dueAt,
        r.overdue ? 'yes' : 'no',
        r.reason,
      ]);
    }
    return { contentType: 'text/csv; charset=utf-8', filename, body: toCsv(header, body) };
  }

  async settings(ctx: RequestContext): Promise<ComplianceSettings> {
    principalOf(ctx);
    return this.readSettings();
  }

  private async readSettings(): Promise<ComplianceSettings> {
    const org = await this.deps.store.organizations.get();
    const stored = org === undefined ? undefined : await this.deps.store.compliance.getSla(org.id);
    const sla = stored?.sla ?? DEFAULT_SLA;
    return { slaDays: { critical: sla.critical ?? null, high: sla.high ?? null, medium: sla.medium ?? null, low: sla.low ?? null }, updatedAt: stored?.updatedAt ?? null };
  }

  /** Changes SLA days (org-admin); audited; every node's compliance is marked stale for re-evaluation. */
  async updateSettings(ctx: RequestContext, body: { slaDays: { critical?: number | null | undefined; high?: number | null | undefined; medium?: number | null | undefined; low?: number | null | undefined } }): Promise<ComplianceSettings> {
    const principal = principalOf(ctx);
    if (!canManageOrganization(principal)) forbid('Changing the SLA days needs the org-admin role.');
    const org = await this.deps.store.organizations.get();
    if (org === undefined) throw new AppError('unavailable', 'The organization is not set up yet; restart the server to finish the first start.');
    const before = (await this.readSettings()).slaDays;
    const next = { ...before };
    for (const key of ['critical', 'high', 'medium', 'low'] as const) if (body.slaDays[key] !== undefined) next[key] = body.slaDays[key];
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      const sla: Record<string, number> = {};
      for (const [k, v] of Object.entries(next)) if (v !== null) sla[k] = v;
      await tx.compliance.putSla(org.id, sla, now.toISOString(), principal.userId);
      await tx.compliance.markStale('all');
      await tx.audit.append(auditEntry(ctx, now, { action: 'compliance.settings.update', targetType: 'organization', targetId: org.id, details: { from: before, to: next } }));
    });
    return this.readSettings();
  }
}
