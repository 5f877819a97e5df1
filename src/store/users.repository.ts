import type { Kysely, Selectable } from 'kysely';
import type { AccountRole, OrgRole } from '../domain/access.js';
import type { Member, Membership, User } from '../contracts/api.js';
import { newId } from './ids.js';
import { containsIgnoreCase, fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database, UsersTable } from './schema.js';

/** A user as the server sees it, including the password hash (never sent to clients). */
export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  passwordHash: string;
  orgRole: OrgRole | null;
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

function toRecord(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    passwordHash: row.password_hash,
    orgRole: row.org_role as OrgRole | null,
    disabled: row.disabled === 1,
    mustChangePassword: row.must_change_password === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
  };
}

/** The public view of a user record with its memberships. */
export function toUser(record: UserRecord, memberships: Membership[]): User {
  return {
    id: record.id,
    username: record.username,
    displayName: record.displayName,
    email: record.email,
    orgRole: record.orgRole,
    disabled: record.disabled,
    mustChangePassword: record.mustChangePassword,
    memberships,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    lastLoginAt: record.lastLoginAt,
  };
}

export interface UserFilter {
  q?: string | undefined;
  orgRole?: OrgRole | undefined;
  disabled?: boolean | undefined;
  /** Only members of this account. */
  accountId?: string | undefined;
  /** Only members of at least one of these accounts ('all' for no restriction). */
  inAccounts: 'all' | readonly string[];
}

export interface NewUser {
  username: string;
  displayName: string;
  email: string | null;
  passwordHash: string;
  orgRole: OrgRole | null;
  mustChangePassword: boolean;
  now: string;
}

export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(u: NewUser): Promise<UserRecord> {
    const row = {
      id: newId('usr'),
      username: u.username,
      display_name: u.displayName,
      email: u.email,
      password_hash: u.passwordHash,
      org_role: u.orgRole,
      disabled: 0,
      must_change_password: u.mustChangePassword ? 1 : 0,
      created_at: u.now,
      updated_at: u.now,
      last_login_at: null,
    };
    await this.db.insertInto('users').values(row).execute();
    return toRecord(row);
  }

  async get(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async getByUsername(username: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async list(filter: UserFilter, page: PageRequest): Promise<Page<UserRecord>> {
    let q = this.db.selectFrom('users').selectAll('users');
    if (filter.inAccounts !== 'all') {
      const accounts = filter.inAccounts;
      if (accounts.length === 0) return { items: [], total: 0, limit: page.limit, offset: page.offset };
      q = q.where('users.id', 'in', (eb) => eb.selectFrom('memberships').select('user_id').where('account_id', 'in', accounts));
    }
    if (filter.accountId !== undefined) {
      const accountId = filter.accountId;
      q = q.where('users.id', 'in', (eb) => eb.selectFrom('memberships').select('user_id').where('account_id', '=', accountId));
    }
    if (filter.orgRole !== undefined) q = q.where('org_role', '=', filter.orgRole);
    if (filter.disabled !== undefined) q = q.where('disabled', '=', filter.disabled ? 1 : 0);
    if (filter.q !== undefined) {
      const term = filter.q;
      q = q.where((eb) =>
        eb.or([containsIgnoreCase('username', term), containsIgnoreCase('display_name', term), containsIgnoreCase('email', term)]),
      );
    }
    return fetchPage(q, page, { username: 'username', createdAt: 'created_at', lastLoginAt: 'last_login_at' }, 'id', toRecord);
  }

  async update(
    id: string,
    patch: {
      displayName?: string | undefined;
      email?: string | null | undefined;
      orgRole?: OrgRole | null | undefined;
      disabled?: boolean | undefined;
      passwordHash?: string | undefined;
      mustChangePassword?: boolean | undefined;
      lastLoginAt?: string | undefined;
    },
    now: string,
  ): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
        ...(patch.displayName === undefined ? {} : { display_name: patch.displayName }),
        ...(patch.email === undefined ? {} : { email: patch.email }),
        ...(patch.orgRole === undefined ? {} : { org_role: patch.orgRole }),
        ...(patch.disabled === undefined ? {} : { disabled: patch.disabled ? 1 : 0 }),
        ...(patch.passwordHash === undefined ? {} : { password_hash: patch.passwordHash }),
        ...(patch.mustChangePassword === undefined ? {} : { must_change_password: patch.mustChangePassword ? 1 : 0 }),
        ...(patch.lastLoginAt === undefined ? {} : { last_login_at: patch.lastLoginAt }),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }

  /** Number of enabled org-admins (the last one may not be removed, demoted or disabled). */
  async countActiveOrgAdmins(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_role', '=', 'org-admin')
      .where('disabled', '=', 0)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

export class MembershipsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** accountId -> role for one user. */
  async rolesOf(userId: string): Promise<Map<string, AccountRole>> {
    const rows = await this.db.selectFrom('memberships').select(['account_id', 'role']).where('user_id', '=', userId).execute();
    return new Map(rows.map((r) => [r.account_id, r.role as AccountRole]));
  }

  /** Memberships with account names, for many users at once. */
  async ofUsers(userIds: readonly string[]): Promise<Map<string, Membership[]>> {
    const out = new Map<string, Membership[]>();
    if (userIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('accounts', 'accounts.id', 'memberships.account_id')
      .select(['memberships.user_id', 'memberships.account_id', 'memberships.role', 'accounts.name'])
      .where('memberships.user_id', 'in', userIds)
      .orderBy('accounts.name')
      .execute();
    for (const r of rows) {
      const list = out.get(r.user_id) ?? [];
      list.push({ accountId: r.account_id, accountName: r.name, role: r.role as AccountRole });
      out.set(r.user_id, list);
    }
    return out;
  }

  async get(accountId: string, userId: string): Promise<Member | undefined> {
    const row = await this.baseMembers(accountId).where('memberships.user_id', '=', userId).executeTakeFirst();
    return row === undefined ? undefined : toMember(row);
  }

  async list(accountId: string, filter: { role?: AccountRole | undefined }, page: PageRequest): Promise<Page<Member>> {
    let q = this.baseMembers(accountId);
    if (filter.role !== undefined) q = q.where('memberships.role', '=', filter.role);
    return fetchPage(
      q,
      page,
      { username: 'users.username', role: 'memberships.role', createdAt: 'memberships.created_at' },
      'users.id',
      toMember,
    );
  }

  private baseMembers(accountId: string) {
    return this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['memberships.user_id', 'users.username', 'users.display_name', 'memberships.role', 'memberships.created_at'])
      .where('memberships.account_id', '=', accountId);
  }

  /** Grants or changes a role; returns the previous role, if any. */
  async set(accountId: string, userId: string, role: AccountRole, now: string): Promise<AccountRole | undefined> {
    const existing = await this.db
      .selectFrom('memberships')
      .select('role')
      .where('account_id', '=', accountId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (existing === undefined) {
      await this.db.insertInto('memberships').values({ account_id: accountId, user_id: userId, role, created_at: now }).execute();
      return undefined;
    }
    await this.db.updateTable('memberships').set({ role }).where('account_id', '=', accountId).where('user_id', '=', userId).execute();
    return existing.role as AccountRole;
  }

  async remove(accountId: string, userId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('memberships').where('account_id', '=', accountId).where('user_id', '=', userId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** Admins of an account (to keep at least one when the account has members). */
  async countAdmins(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('role', '=', 'admin')
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

function toMember(row: { user_id: string; username: string; display_name: string; role: string; created_at: string }): Member {
  return {
    userId: row.user_id,
    username: row.username,
    displayName: row.display_name,
    role: row.role as AccountRole,
    createdAt: row.created_at,
  };
}
