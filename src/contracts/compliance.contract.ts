import { z } from 'zod';
import { COMPLIANCE_LEVELS } from '../domain/baselines/model.js';
import { COMPLIANCE_STATUSES, PATCH_STATES } from '../domain/compliance/model.js';
import { FreeText, Id, QueryBoolean, SearchTerm, Timestamp, listQuery, page } from './common.js';
import { defineEndpoint } from './endpoint.js';
import { NodeParams } from './nodes.contract.js';

export const PatchStateName = z.enum(PATCH_STATES);
export const ComplianceStatusName = z.enum(COMPLIANCE_STATUSES);
export const ComplianceLevelName = z.enum(COMPLIANCE_LEVELS);
export const ComplianceOperationName = z.enum(['Scan', 'Install', 'Inventory', 'Reevaluation']);
export const SeverityName = z.enum(['critical', 'high', 'medium', 'low', 'none', 'unknown']);

/** Counts per patch state (INSTALLED_OTHER counted, never listed per patch). */
export const StateCounts = z.object(Object.fromEntries(PATCH_STATES.map((s) => [s, z.number().int()])) as Record<(typeof PATCH_STATES)[number], z.ZodNumber>);
export type StateCounts = z.infer<typeof StateCounts>;

export const NodeCompliance = z.object({
  nodeId: Id,
  accountId: Id,
  hostname: z.string(),
  osId: z.string(),
  osVersion: z.string(),
  operatingSystem: z.string().nullable(),
  agentVersion: z.string(),
  patchGroup: z.string().nullable(),
  status: ComplianceStatusName,
  /** Highest compliance level among non-compliant patches; null when compliant or unknown. */
  complianceLevel: ComplianceLevelName.nullable(),
  /** Highest severity among non-compliant patches. */
  severity: z.string().nullable(),
  counts: StateCounts,
  criticalNonCompliant: z.number().int(),
  securityNonCompliant: z.number().int(),
  otherNonCompliant: z.number().int(),
  /** Non-compliant patches past their SLA due date. */
  overdue: z.number().int(),
  /** The next SLA due date among non-compliant patches not overdue yet. */
  nextDueAt: z.string().nullable(),
  baselineId: z.string().nullable(),
  baselineSource: z.string().nullable(),
  baselineVersion: z.number().int().nullable(),
  snapshotId: z.string().nullable(),
  operation: ComplianceOperationName,
  commandId: z.string().nullable(),
  evaluatedAt: Timestamp,
  inventoryRevision: z.number().int(),
  /** Something it depends on changed; the compliance job re-evaluates it shortly. */
  stale: z.boolean(),
  /** Why the status is UNKNOWN (no inventory, unsupported OS, no baseline). */
  reason: z.string().nullable(),
});
export type NodeCompliance = z.infer<typeof NodeCompliance>;

export const PatchComplianceState = z.object({
  name: z.string(),
  arch: z.string(),
  state: PatchStateName,
  installedVersion: z.string().nullable(),
  candidateVersion: z.string().nullable(),
  approvedVersion: z.string().nullable(),
  approvedAt: z.string().nullable(),
  complianceLevel: ComplianceLevelName,
  severity: z.string(),
  classification: z.string(),
  security: z.boolean(),
  cves: z.array(z.string()),
  advisoryIds: z.array(z.string()),
  releaseDate: z.string().nullable(),
  failedAt: z.string().nullable(),
  failureMessage: z.string().nullable(),
  pendingRebootSince: z.string().nullable(),
  dueAt: z.string().nullable(),
  overdue: z.boolean(),
  reason: z.string(),
});
export type PatchComplianceState = z.infer<typeof PatchComplianceState>;

export const NodeComplianceDetail = z.object({
  node: NodeCompliance,
  baseline: z.object({ id: z.string(), source: z.string().nullable(), reason: z.string().nullable(), version: z.number().int().nullable() }).nullable(),
  patches: z.array(PatchComplianceState),
});
export type NodeComplianceDetail = z.infer<typeof NodeComplianceDetail>;

export const ComplianceHistoryEntry = z.object({
  id: z.string(),
  at: Timestamp,
  operation: ComplianceOperationName,
  commandId: z.string().nullable(),
  baselineId: z.string().nullable(),
  baselineVersion: z.number().int().nullable(),
  /** `override` when the operation named its own baseline (recorded here, never the current state). */
  baselineSource: z.string().nullable(),
  snapshotId: z.string().nullable(),
  status: ComplianceStatusName,
  complianceLevel: ComplianceLevelName.nullable(),
  severity: z.string().nullable(),
  counts: StateCounts,
  overdue: z.number().int(),
  /** Missing and failed patches (`name:arch`), at most 100 each. */
  missing: z.array(z.string()),
  failed: z.array(z.string()),
  reason: z.string().nullable(),
});
export type ComplianceHistoryEntry = z.infer<typeof ComplianceHistoryEntry>;

export const SummaryGroupByName = z.enum(['account', 'os', 'severity', 'patchGroup', 'status']);

export const ComplianceSummaryGroup = z.object({
  /** The group's value (account id, operating system, severity, patch group, status); null: none. */
  key: z.string().nullable(),
  /** For account groups: the account's name. */
  label: z.string().nullable(),
  nodes: z.number().int(),
  compliant: z.number().int(),
  nonCompliant: z.number().int(),
  unknown: z.number().int(),
  nonCompliantByLevel: z.record(z.string(), z.number().int()),
  patches: StateCounts,
  overduePatches: z.number().int(),
  overdueNodes: z.number().int(),
  staleNodes: z.number().int(),
});
export type ComplianceSummaryGroup = z.infer<typeof ComplianceSummaryGroup>;

export const ComplianceSummary = z.object({
  groupBy: SummaryGroupByName,
  groups: z.array(ComplianceSummaryGroup),
  totals: ComplianceSummaryGroup,
});
export type ComplianceSummary = z.infer<typeof ComplianceSummary>;

export const PatchRow = PatchComplianceState.extend({ nodeId: Id, hostname: z.string(), accountId: Id });
export type PatchRow = z.infer<typeof PatchRow>;

export const PatchSummaryItem = z.object({
  name: z.string(),
  nodes: z.number().int(),
  byState: StateCounts,
  highestSeverity: z.string(),
  highestComplianceLevel: z.string(),
  cves: z.array(z.string()),
  overdue: z.number().int(),
  nextDueAt: z.string().nullable(),
});
export type PatchSummaryItem = z.infer<typeof PatchSummaryItem>;

export const TrendPoint = z.object({ day: z.string(), compliant: z.number().int(), nonCompliant: z.number().int(), unknown: z.number().int(), overdueNodes: z.number().int() });

export const SlaDaysBody = z.strictObject({
  critical: z.number().int().min(0).max(3650).nullable().optional(),
  high: z.number().int().min(0).max(3650).nullable().optional(),
  medium: z.number().int().min(0).max(3650).nullable().optional(),
  low: z.number().int().min(0).max(3650).nullable().optional(),
});

export const ComplianceSettings = z.object({
  /** Days allowed from approval to install, per severity; null: no SLA for that severity. */
  slaDays: z.object({ critical: z.number().int().nullable(), high: z.number().int().nullable(), medium: z.number().int().nullable(), low: z.number().int().nullable() }),
  updatedAt: z.string().nullable(),
});
export type ComplianceSettings = z.infer<typeof ComplianceSettings>;

const CveId = z.string().trim().min(3).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'a CVE or advisory id, e.g. CVE-2024-1234 or DSA-5678-1');
const PackageName = FreeText(1, 256);

/** The filters of the node report (list and export). */
export const NodeReportFilters = {
  accountId: Id.optional(),
  status: ComplianceStatusName.optional(),
  complianceLevel: ComplianceLevelName.optional(),
  severity: SeverityName.optional(),
  /** Operating system (`DEBIAN`) or os id (`debian`). */
  os: FreeText(1, 64).optional(),
  patchGroup: FreeText(1, 256).optional(),
  overdue: QueryBoolean.optional(),
  q: SearchTerm.optional(),
};

/** The filters of the patch report (list and export). */
export const PatchReportFilters = {
  accountId: Id.optional(),
  name: PackageName.optional(),
  cve: CveId.optional(),
  state: PatchStateName.optional(),
  overdue: QueryBoolean.optional(),
};

const ACCESS = 'any user: only the accounts they can see (organization roles: all)';

export const getComplianceSummary = defineEndpoint({
  operationId: 'getComplianceSummary',
  method: 'GET',
  path: '/api/v1/compliance/summary',
  tag: 'Compliance',
  summary: 'Fleet compliance summary by account, OS, severity, patch group or status',
  description: 'Per group: nodes compliant / non-compliant / unknown, non-compliant nodes by compliance level, patches by state, overdue patches and nodes; plus totals.',
  auth: 'authenticated',
  access: ACCESS,
  // policyId (issue 6): only the nodes that patch policy governs.
  query: z.strictObject({ accountId: Id.optional(), groupBy: SummaryGroupByName.default('account'), policyId: Id.optional() }),
  response: ComplianceSummary,
});

export const listComplianceNodes = defineEndpoint({
  operationId: 'listComplianceNodes',
  method: 'GET',
  path: '/api/v1/compliance/nodes',
  tag: 'Compliance',
  summary: 'Node compliance: status, level, severity, counts per state, overdue',
  auth: 'authenticated',
  access: ACCESS,
  query: listQuery(['hostname', 'status', 'severity', 'missing', 'overdue', 'evaluatedAt'], 'hostname').extend(NodeReportFilters).extend({ policyId: Id.optional() }),
  response: page(NodeCompliance),
});

export const getNodeCompliance = defineEndpoint({
  operationId: 'getNodeCompliance',
  method: 'GET',
  path: '/api/v1/nodes/{nodeId}/compliance',
  tag: 'Compliance',
  summary: "A node's compliance, its baseline and why, and its per-patch states",
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: NodeParams,
  query: z.strictObject({ state: PatchStateName.optional() }),
  response: NodeComplianceDetail,
});

export const getNodeComplianceHistory = defineEndpoint({
  operationId: 'getNodeComplianceHistory',
  method: 'GET',
  path: '/api/v1/nodes/{nodeId}/compliance/history',
  tag: 'Compliance',
  summary: "A node's compliance history: every scan and install result, and every change",
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: NodeParams,
  query: listQuery(['at'], '-at'),
  response: page(ComplianceHistoryEntry),
});

export const listCompliancePatches = defineEndpoint({
  operationId: 'listCompliancePatches',
  method: 'GET',
  path: '/api/v1/compliance/patches',
  tag: 'Compliance',
  summary: 'Which nodes miss this patch / are exposed to this CVE: one row per node and patch',
  auth: 'authenticated',
  access: ACCESS,
  query: listQuery(['name', 'hostname', 'state', 'severity', 'dueAt'], 'name').extend(PatchReportFilters),
  response: page(PatchRow),
});

export const getCompliancePatchSummary = defineEndpoint({
  operationId: 'getCompliancePatchSummary',
  method: 'GET',
  path: '/api/v1/compliance/patches/summary',
  tag: 'Compliance',
  summary: 'Per package: nodes by state, highest severity, CVEs, overdue (the most urgent missing patches first)',
  auth: 'authenticated',
  access: ACCESS,
  query: listQuery(['name', 'nodes', 'missing', 'severity', 'overdue'], '-missing').extend(PatchReportFilters),
  response: page(PatchSummaryItem),
});

export const getComplianceTrend = defineEndpoint({
  operationId: 'getComplianceTrend',
  method: 'GET',
  path: '/api/v1/compliance/trend',
  tag: 'Compliance',
  summary: 'Compliance over time: nodes compliant / non-compliant / unknown / overdue per day',
  auth: 'authenticated',
  access: ACCESS,
  query: z.strictObject({ accountId: Id.optional(), days: z.coerce.number().int().min(1).max(3660).default(30) }),
  response: z.object({ days: z.number().int(), points: z.array(TrendPoint) }),
});

/** One CVE and how far it reaches: the nodes with a patch for it not yet (fully) installed. */
export const CveExposure = z.object({
  cve: z.string(),
  /** Nodes exposed: a patch that fixes it is MISSING, FAILED or INSTALLED_PENDING_REBOOT there. */
  nodes: z.number().int(),
  missing: z.number().int(),
  failed: z.number().int(),
  pendingReboot: z.number().int(),
  /** Accounts with at least one exposed node. */
  accounts: z.number().int(),
  /** The highest severity among the patches that fix it. */
  severity: SeverityName,
  /** Packages whose update fixes it (at most 20). */
  packages: z.array(z.string()),
  /** Advisory ids that name it (at most 20). */
  advisoryIds: z.array(z.string()),
  /** Exposed nodes where a patch for it is past its SLA due date. */
  overdueNodes: z.number().int(),
});
export type CveExposure = z.infer<typeof CveExposure>;

export const listComplianceCves = defineEndpoint({
  operationId: 'listComplianceCves',
  method: 'GET',
  path: '/api/v1/compliance/cves',
  tag: 'Compliance',
  summary: 'CVEs by fleet exposure: how many nodes each CVE still reaches (the widest first)',
  auth: 'authenticated',
  access: ACCESS,
  query: listQuery(['cve', 'nodes', 'severity', 'overdue'], '-nodes').extend({ accountId: Id.optional(), policyId: Id.optional(), q: SearchTerm.optional() }),
  response: page(CveExposure),
});

export const ExportJson = z.object({
  report: z.enum(['nodes', 'patches']),
  generatedAt: Timestamp,
  items: z.array(z.union([NodeCompliance, PatchRow])),
});

export const exportCompliance = defineEndpoint({
  operationId: 'exportCompliance',
  method: 'GET',
  path: '/api/v1/compliance/export',
  tag: 'Compliance',
  summary: 'Export the node or patch report as CSV or JSON (all rows matching the filters)',
  description:
    'CSV (RFC 4180, a header row; cells starting with = + - @ are prefixed with \' against spreadsheet formula injection) or JSON. Filters: those of the node report (report=nodes) or the patch report (report=patches).',
  auth: 'authenticated',
  access: ACCESS,
  query: z.strictObject({
    report: z.enum(['nodes', 'patches']).default('nodes'),
    format: z.enum(['csv', 'json']).default('csv'),
    ...NodeReportFilters,
    ...PatchReportFilters,
  }),
  response: z.union([z.string(), ExportJson]),
  textFormats: ['text/csv'],
});

export const getComplianceSettings = defineEndpoint({
  operationId: 'getComplianceSettings',
  method: 'GET',
  path: '/api/v1/compliance/settings',
  tag: 'Compliance',
  summary: 'SLA days per severity (from approval to install)',
  auth: 'authenticated',
  access: 'any user',
  response: ComplianceSettings,
});

export const putComplianceSettings = defineEndpoint({
  operationId: 'putComplianceSettings',
  method: 'PUT',
  path: '/api/v1/compliance/settings',
  tag: 'Compliance',
  summary: 'Change the SLA days per severity (every node is re-evaluated)',
  description: 'Keys left out keep their value; null removes the SLA of that severity.',
  auth: 'authenticated',
  access: 'org-admin',
  body: z.strictObject({ slaDays: SlaDaysBody }),
  response: ComplianceSettings,
  audit: 'compliance.settings.update',
});
