/** Row types of the delegations tables (migration 0009-delegations). */

/**
 * A grant by a (target) account to the organization's management account: executions of the named
 * runbooks (`["*"]`: any) started by users with one of the roles may run in the granting account.
 */
export interface DelegationsTable {
  id: string;
  /** The granting (target) account. */
  account_id: string;
  /** The grantee: the management account at the time of the grant. */
  grantee_account_id: string;
  /** JSON string[]: runbook names, or ["*"]. */
  runbooks: string;
  /** JSON string[]: subset of org-admin, admin, operator. */
  roles: string;
  comment: string;
  expires_at: string | null;
  created_at: string;
  created_by: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** Organization-wide automation settings (one row per organization). */
export interface AutomationSettingsTable {
  organization_id: string;
  /** JSON string[]: hosts HTTP checks may call (`host`, `host:port`, `*.domain`). */
  check_allowed_hosts: string;
  updated_at: string;
  updated_by: string | null;
}

export interface DelegationsTables {
  delegations: DelegationsTable;
  automation_settings: AutomationSettingsTable;
}
