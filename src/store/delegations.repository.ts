import type { Kysely, Selectable } from 'kysely';
import type { DelegationsTable } from './delegations.schema.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database } from './schema.js';

/** Roles a delegation can name: the role of the user who starts the execution. */
export const DELEGATION_ROLES = ['org-admin', 'admin', 'operator'] as const;
export type DelegationRole = (typeof DELEGATION_ROLES)[number];

/**
 * A grant by `accountId` (the target account) to `granteeAccountId` (the management account):
 * executions of `runbooks` (names, or `*` for any) started by a user with one of `roles` may run in
 * the granting account until `expiresAt` (null: no expiry) or revocation.
 */
export interface DelegationRecord {
  id: string;
  accountId: string;
  granteeAccountId: string;
  runbooks: string[];
  roles: DelegationRole[];
  comment: string;
  expiresAt: string | null;
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface AutomationSettingsRecord {
  organizationId: string;
  checkAllowedHosts: string[];
  updatedAt: string | null;
  updatedBy: string | null;
}

export type DelegationState = 'active' | 'expired' | 'revoked';

/** Whether a delegation is in force at `now` (ISO text). */
export function delegationState(d: Pick<DelegationRecord, 'revokedAt' | 'expiresAt'>, now: string): DelegationState {
  if (d.revokedAt !== null) return 'revoked';
  if (d.expiresAt !== null && d.expiresAt <= now) return 'expired';
  return 'active';
}

function toRecord(r: Selectable<DelegationsTable>): DelegationRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    granteeAccountId: r.grantee_account_id,
    runbooks: JSON.parse(r.runbooks) as string[],
    roles: JSON.parse(r.roles) as DelegationRole[],
    comment: r.comment,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
  };
}

export interface DelegationFilter {
  /** Delegations granted by, or granted to, these accounts ('all': every delegation). */
  accountIds: 'all' | readonly string[];
  /** Only active (true), only not active (false), or all (undefined) at `now`. */
  active?: boolean | undefined;
  now: string;
}

/** Delegations (issue 6) and the organization's automation settings. */
export class DelegationsRepository {
  constructor(protected readonly db: Kysely<Database>) {}

  async insert(d: DelegationRecord): Promise<void> {
    await this.db
      .insertInto('delegations')
      .values({
        id: d.id,
        account_id: d.accountId,
        grantee_account_id: d.granteeAccountId,
        runbooks: JSON.stringify(d.runbooks),
        roles: JSON.stringify(d.roles),
        comment: d.comment,
        expires_at: d.expiresAt,
        created_at: d.createdAt,
        created_by: d.createdBy,
        revoked_at: d.revokedAt,
        revoked_by: d.revokedBy,
      })
      .execute();
  }

  async get(id: string): Promise<DelegationRecord | undefined> {
    const row = await this.db.selectFrom('delegations').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async list(filter: DelegationFilter, page: PageRequest): Promise<Page<DelegationRecord>> {
    if (filter.accountIds !== 'all' && filter.accountIds.length === 0) return { items: [], total: 0, limit: page.limit, offset: page.offset };
    let q = this.db.selectFrom('delegations').selectAll();
    const ids = filter.accountIds;
    if (ids !== 'all') q = q.where((eb) => eb.or([eb('account_id', 'in', ids), eb('grantee_account_id', 'in', ids)]));
    if (filter.active === true) {
      q = q.where('revoked_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', filter.now)]));
    } else if (filter.active === false) {
      q = q.where((eb) => eb.or([eb('revoked_at', 'is not', null), eb('expires_at', '<=', filter.now)]));
    }
    return fetchPage(q, page, { createdAt: 'created_at', expiresAt: 'expires_at', accountId: 'account_id' }, 'id', toRecord);
  }

  /** The delegations granted by `accountId` to `granteeAccountId` that are in force at `now`, oldest first. */
  async activeGrants(accountId: string, granteeAccountId: string, now: string): Promise<DelegationRecord[]> {
    const rows = await this.db
      .selectFrom('delegations')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('grantee_account_id', '=', granteeAccountId)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /** Marks a delegation revoked; false when it was already revoked (or does not exist). */
  async revoke(id: string, by: string | null, now: string): Promise<boolean> {
    const res = await this.db
      .updateTable('delegations')
      .set({ revoked_at: now, revoked_by: by })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** The organization's automation settings (defaults when never set). */
  async getSettings(organizationId: string): Promise<AutomationSettingsRecord> {
    const row = await this.db.selectFrom('automation_settings').selectAll().where('organization_id', '=', organizationId).executeTakeFirst();
    if (row === undefined) return { organizationId, checkAllowedHosts: [], updatedAt: null, updatedBy: null };
    return {
      organizationId,
      checkAllowedHosts: JSON.parse(row.check_allowed_hosts) as string[],
      updatedAt: row.updated_at,
      updatedBy: row.updated_by,
    };
  }

  async putSettings(s: { organizationId: string; checkAllowedHosts: string[]; updatedAt: string; updatedBy: string | null }): Promise<void> {
    const values = { check_allowed_hosts: JSON.stringify(s.checkAllowedHosts), updated_at: s.updatedAt, updated_by: s.updatedBy };
    await this.db
      .insertInto('automation_settings')
      .values({ organization_id: s.organizationId, ...values })
      .onConflict((oc) => oc.column('organization_id').doUpdateSet(values))
      .execute();
  }
}
