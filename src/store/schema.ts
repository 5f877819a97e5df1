import type { RunbooksTables } from './runbooks.schema.js';
import type { ExecutionsTables } from './executions.schema.js';
import type { DelegationsTables } from './delegations.schema.js';
import type { WindowsTables } from './windows.schema.js';
import type { DependencyTables } from './dep-repositories.schema.js';
import type { Generated } from 'kysely';

/*
 * Row types of the database. They never leave src/store: repositories map them to domain and
 * contract types. Conventions, identical on SQLite and PostgreSQL: instants are ISO 8601 UTC text
 * (sortable), booleans are integers 0/1, structured values are JSON text.
 */

export interface OrganizationsTable {
  id: string;
  name: string;
  management_account_id: string;
  created_at: string;
  updated_at: string;
}

export interface AccountsTable {
  id: string;
  organization_id: string;
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  password_hash: string;
  org_role: string | null;
  disabled: number;
  must_change_password: number;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface MembershipsTable {
  account_id: string;
  user_id: string;
  role: string;
  created_at: string;
}

export interface SessionsTable {
  id: string; // sha256 of the cookie value
  user_id: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string; // sha256 of the secret part
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface LoginAttemptsTable {
  id: Generated<number>;
  username: string;
  ip: string;
  succeeded: number;
  at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string;
  via: string | null;
  action: string;
  outcome: string;
  target_type: string | null;
  target_id: string | null;
  account_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: string;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

export interface AdvisoriesTable {
  id: string;
  modified: string;
  published: string | null;
  withdrawn: string | null;
  summary: string | null;
  source: string;
  ecosystems: string;
  aliases: string;
  cves: string;
  severity_score: number | null;
  severity_rating: string;
  content_hash: string;
  record: string;
  imported_at: string;
}

export interface AdvisoryPackagesTable {
  advisory_id: string;
  ecosystem: string;
  family: string;
  name: string;
}

export interface AdvisoryAliasesTable {
  advisory_id: string;
  alias: string;
}

export interface AdvisorySourcesTable {
  base_url: string;
  ecosystem: string;
  last_modified: string | null;
  last_id: string | null;
  synced_at: string;
}

export interface ActivationsTable {
  id: string;
  account_id: string;
  description: string;
  code_hash: string; // sha256 of the activation code
  expires_at: string;
  registration_limit: number;
  registrations_used: number;
  default_tags: string;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
}

export interface NodesTable {
  id: string;
  account_id: string;
  activation_id: string | null;
  secret_hash: string; // sha256 of the secret part of the node credential
  hostname: string;
  os_id: string;
  os_version: string;
  codename: string;
  arch: string;
  platform: string;
  host: string;
  agent_version: string;
  registered_at: string;
  last_seen_at: string | null;
  deregistered_at: string | null;
  inventory_revision: number;
  inventory_at: string | null;
  collected_at: string | null;
  reboot: string;
  reboot_required: number;
  package_count: number;
  update_count: number;
  security_update_count: number;
}

export interface NodeTagsTable {
  node_id: string;
  key: string;
  value: string;
}

export interface NodePackagesTable {
  node_id: string;
  name: string;
  arch: string;
  version: string;
  source_name: string;
  source_version: string;
}

export interface NodeUpdatesTable {
  node_id: string;
  name: string;
  arch: string;
  installed_version: string;
  candidate_version: string;
  security: number;
  classification: string;
  severity: string;
  section: string;
  priority: string;
  origin: string;
  advisory_ids: string;
  cves: string;
  release_date: string | null;
}

export interface CommandsTable {
  id: string;
  account_id: string;
  document: string;
  parameters: string;
  targets: string;
  timeout_seconds: number;
  created_by: string | null;
  created_at: string;
  cancelled_at: string | null;
  status: string;
  /** Rate limits as given: `10` or `25%`. */
  max_concurrency: string;
  max_errors: string;
  target_count: number;
  comment: string;
}

export interface CommandInvocationsTable {
  id: string;
  command_id: string;
  node_id: string;
  status: string;
  created_at: string;
  delivered_at: string | null;
  deadline_at: string;
  started_at: string | null;
  finished_at: string | null;
  output: string;
  result: string;
  idempotency_key: string | null;
  response: string | null;
  /** Null while rate control holds it back (status Pending, not claimable). */
  released_at: string | null;
  /** JSON CommandParameters of this invocation (its own Install list); null: the command's. */
  parameters: string | null;
  /** RunScript: the script's exit code (issue 6, migration 0008-executions; Generated: inserted as null). */
  exit_code: Generated<number | null>;
}

export interface ResourceGroupsTable {
  id: string;
  account_id: string;
  name: string;
  description: string;
  tag_filters: string;
  created_at: string;
  created_by: string | null;
  updated_at: string;
}

export interface PatchSnapshotsTable {
  id: string;
  account_id: string;
  description: string;
  created_at: string;
  created_by: string | null;
  command_id: string | null;
  baselines: string;
  item_count: number;
}

export interface PatchSnapshotItemsTable {
  snapshot_id: string;
  baseline_id: string;
  ecosystem: string;
  name: string;
  arch: string;
  version: string;
  compliance_level: string;
  severity: string;
  classification: string;
  security: number;
  cves: string;
  advisory_ids: string;
}

export interface NodePatchStatesTable {
  node_id: string;
  account_id: string;
  name: string;
  arch: string;
  state: string;
  installed_version: string | null;
  candidate_version: string | null;
  approved_version: string | null;
  approved_at: string | null;
  compliance_level: string;
  severity: string;
  classification: string;
  security: number;
  cves: string;
  advisory_ids: string;
  release_date: string | null;
  failed_at: string | null;
  failure_message: string | null;
  pending_reboot_since: string | null;
  due_at: string | null;
  overdue: number;
  reason: string;
  updated_at: string;
}

/** One CVE of one per-patch state that leaves its node exposed, with the state's account, state, severity and overdue flag (migration 0011). */
export interface NodePatchCvesTable {
  node_id: string;
  name: string;
  arch: string;
  cve: string;
  account_id: string;
  state: string;
  severity: string;
  overdue: number;
}

/** The patch summary per (account, package name), precomputed (migration 0012). */
export interface PatchNameSummaryTable {
  account_id: string;
  name: string;
  nodes: number;
  installed: number;
  installed_other: number;
  installed_pending_reboot: number;
  installed_rejected: number;
  missing: number;
  failed: number;
  not_applicable: number;
  available_security_update: number;
  severity_rank: number;
  level_rank: number;
  overdue: number;
  next_due_at: string | null;
  /** JSON array of the distinct CVEs (sorted). */
  cves: string;
  computed_at: string;
}

/** Accounts whose patch_name_summary rows must be recomputed before they are read. */
export interface PatchSummaryDirtyTable {
  account_id: string;
  marked_at: string;
  version: number;
}

export interface NodeComplianceTable {
  node_id: string;
  account_id: string;
  operating_system: string | null;
  os_id: string;
  patch_group: string | null;
  status: string;
  compliance_level: string | null;
  severity: string | null;
  installed: number;
  installed_other: number;
  installed_pending_reboot: number;
  installed_rejected: number;
  missing: number;
  failed: number;
  not_applicable: number;
  available_security_update: number;
  critical_non_compliant: number;
  security_non_compliant: number;
  other_non_compliant: number;
  overdue: number;
  next_due_at: string | null;
  baseline_id: string | null;
  baseline_source: string | null;
  baseline_reason: string | null;
  baseline_version: number | null;
  snapshot_id: string | null;
  operation: string;
  command_id: string | null;
  evaluated_at: string;
  inventory_revision: number;
  stale: number;
  reason: string | null;
}

export interface ComplianceHistoryTable {
  id: string;
  node_id: string;
  account_id: string;
  at: string;
  operation: string;
  command_id: string | null;
  baseline_id: string | null;
  baseline_version: number | null;
  baseline_source: string | null;
  snapshot_id: string | null;
  status: string;
  compliance_level: string | null;
  severity: string | null;
  counts: string;
  overdue: number;
  missing: string;
  failed: string;
  reason: string | null;
}

export interface ComplianceDailyTable {
  day: string;
  account_id: string;
  compliant: number;
  non_compliant: number;
  unknown: number;
  overdue_nodes: number;
}

export interface UpdateFirstSeenTable {
  node_id: string;
  name: string;
  arch: string;
  version: string;
  first_seen_at: string;
}

export interface ComplianceMarkersTable {
  name: string;
  value: string;
  updated_at: string;
}

export interface ComplianceSettingsTable {
  organization_id: string;
  sla_critical: number | null;
  sla_high: number | null;
  sla_medium: number | null;
  sla_low: number | null;
  updated_at: string;
  updated_by: string | null;
}

export interface PatchBaselinesTable {
  id: string;
  account_id: string;
  name: string;
  operating_system: string;
  description: string;
  rules: string; // JSON: BaselineRules without operatingSystem
  version: number;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
}

export interface AccountDefaultBaselinesTable {
  account_id: string;
  operating_system: string;
  baseline_id: string;
  updated_at: string;
  updated_by: string | null;
}

export interface PatchGroupBaselinesTable {
  account_id: string;
  patch_group: string;
  operating_system: string;
  baseline_id: string;
  updated_at: string;
  updated_by: string | null;
}

export interface Database extends RunbooksTables, ExecutionsTables, DelegationsTables, WindowsTables, DependencyTables {
  organizations: OrganizationsTable;
  accounts: AccountsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_attempts: LoginAttemptsTable;
  audit_log: AuditLogTable;
  leases: LeasesTable;
  advisories: AdvisoriesTable;
  advisory_packages: AdvisoryPackagesTable;
  advisory_aliases: AdvisoryAliasesTable;
  advisory_sources: AdvisorySourcesTable;
  activations: ActivationsTable;
  nodes: NodesTable;
  node_tags: NodeTagsTable;
  node_packages: NodePackagesTable;
  node_updates: NodeUpdatesTable;
  commands: CommandsTable;
  command_invocations: CommandInvocationsTable;
  resource_groups: ResourceGroupsTable;
  patch_snapshots: PatchSnapshotsTable;
  patch_snapshot_items: PatchSnapshotItemsTable;
  patch_baselines: PatchBaselinesTable;
  account_default_baselines: AccountDefaultBaselinesTable;
  patch_group_baselines: PatchGroupBaselinesTable;
  node_patch_states: NodePatchStatesTable;
  node_patch_cves: NodePatchCvesTable;
  patch_name_summary: PatchNameSummaryTable;
  patch_summary_dirty: PatchSummaryDirtyTable;
  node_compliance: NodeComplianceTable;
  compliance_history: ComplianceHistoryTable;
  compliance_daily: ComplianceDailyTable;
  update_first_seen: UpdateFirstSeenTable;
  compliance_settings: ComplianceSettingsTable;
  compliance_markers: ComplianceMarkersTable;
}
