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

export interface Database {
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
}
