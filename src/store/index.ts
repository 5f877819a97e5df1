export { openDatabase, migrateToLatest, type DatabaseHandle, type DatabaseOptions, type Dialect } from './database.js';
export { createStore, type Repositories, type Store } from './store.js';
export { newId } from './ids.js';
export type { Page, PageRequest } from './paging.js';
export { toUser, type UserRecord } from './users.repository.js';
export { toApiToken, type SessionRecord, type TokenRecord } from './credentials.repository.js';
export type { NewAuditEntry } from './audit.repository.js';
export { isUniqueViolation } from './errors.js';
export type { AdvisoriesRepository, AdvisoryFilter, AdvisorySummary, LoadRecordsOptions, StoredAdvisory } from './advisories.repository.js';
export type { ActivationRecord } from './activations.repository.js';
export type { NodeComplianceBrief, NodeFilter, NodeListItem, NodeRecord } from './nodes.repository.js';
export type { CommandRecord, DispatchCounts, InvocationRecord, NewInvocation } from './commands.repository.js';
export type { ResourceGroupRecord } from './resource-groups.repository.js';
export type { SnapshotBaselineRecord, SnapshotItemRecord, SnapshotRecord } from './snapshots.repository.js';
export type { BaselineFilter, BaselineRecord, BaselineUsage, BaselinesRepository, DefaultRegistration, PatchGroupRegistration } from './baselines.repository.js';
export {
  emptyCounts,
  severityRank,
  type ComplianceOperation,
  type ComplianceRepository,
  type ComplianceScope,
  type CveExposureFilter,
  type CveExposureRow,
  type HistoryRecord,
  type NodeComplianceFilter,
  type NodeComplianceRecord,
  type NodeComplianceView,
  type PatchFilter as PatchStateFilter,
  type PatchStateView,
  type PatchSummaryRow,
  type StoredPatchState,
  type SummaryGroupBy,
  type SummaryRow,
  type TrendPoint,
  type UpdateForEvaluation,
} from './compliance.repository.js';
// Issue 6: each area re-exports its record types from its own repository module.
export * from './runbooks.repository.js';
export * from './executions.repository.js';
export * from './delegations.repository.js';
export * from './windows.repository.js';
export * from './policies.repository.js';
// Issue 8: dependency patching.
export * from './dep-repositories.repository.js';
export * from './dep-findings.repository.js';
export * from './dep-pull-requests.repository.js';
