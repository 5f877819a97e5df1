import type { Kysely, Selectable } from 'kysely';
import type { Account, Organization } from '../contracts/api.js';
import { newId } from './ids.js';
import { containsIgnoreCase, fetchPage, type Page, type PageRequest } from './paging.js';
import type { AccountsTable, Database, OrganizationsTable } from './schema.js';

function toAccount(row: Selectable<AccountsTable>, managementAccountId: string | null): Account {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    isManagement: row.id === managementAccountId,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toOrganization(row: Selectable<OrganizationsTable>): Organization {
  return {
    id: row.id,
    name: row.name,
    managementAccountId: row.management_account_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class OrganizationsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The organization of this installation, or undefined before the first start completed. */
  async get(): Promise<Organization | undefined> {
    const row = await this.db.selectFrom('organizations').selectAll().orderBy('created_at').executeTakeFirst();
    return row === undefined ? undefined : toOrganization(row);
  }

  async insert(org: { id: string; name: string; managementAccountId: string; now: string }): Promise<Organization> {
    const row = {
      id: org.id,
      name: org.name,
      management_account_id: org.managementAccountId,
      created_at: org.now,
      updated_at: org.now,
    };
    await this.db.insertInto('organizations').values(row).execute();
    return toOrganization(row);
  }

  async rename(id: string, name: string, now: string): Promise<void> {
    await this.db.updateTable('organizations').set({ name, updated_at: now }).where('id', '=', id).execute();
  }
}

export interface AccountFilter {
  /** Only these accounts ('all' for no restriction). */
  ids: 'all' | readonly string[];
  q?: string | undefined;
}

export class AccountsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private async managementId(): Promise<string | null> {
    const org = await this.db.selectFrom('organizations').select('management_account_id').executeTakeFirst();
    return org?.management_account_id ?? null;
  }

  async insert(input: { organizationId: string; name: string; description: string; now: string; id?: string }): Promise<Account> {
    const row = {
      id: input.id ?? newId('acct'),
      organization_id: input.organizationId,
      name: input.name,
      description: input.description,
      created_at: input.now,
      updated_at: input.now,
    };
    await this.db.insertInto('accounts').values(row).execute();
    return toAccount(row, await this.managementId());
  }

  async get(id: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toAccount(row, await this.managementId());
  }

  async getByName(name: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toAccount(row, await this.managementId());
  }

  async list(filter: AccountFilter, page: PageRequest): Promise<Page<Account>> {
    const mgmt = await this.managementId();
    let q = this.db.selectFrom('accounts').selectAll();
    if (filter.ids !== 'all') {
      if (filter.ids.length === 0) return { items: [], total: 0, limit: page.limit, offset: page.offset };
      q = q.where('id', 'in', filter.ids);
    }
    if (filter.q !== undefined) {
      const term = filter.q;
      q = q.where((eb) => eb.or([containsIgnoreCase('name', term), containsIgnoreCase('description', term)]));
    }
    return fetchPage(q, page, { name: 'name', createdAt: 'created_at' }, 'id', (row) => toAccount(row, mgmt));
  }

  async update(id: string, patch: { name?: string | undefined; description?: string | undefined }, now: string): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.description === undefined ? {} : { description: patch.description }),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('accounts').where('id', '=', id).execute();
  }

  async names(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
