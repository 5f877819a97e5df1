import { sql, type Kysely, type Selectable } from 'kysely';
import type { TagFilter } from '../domain/targets.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database, ResourceGroupsTable } from './schema.js';

/** A saved tag query of an account (filters AND-ed, values OR-ed, `*` any value). */
export interface ResourceGroupRecord {
  id: string;
  accountId: string;
  name: string;
  description: string;
  tagFilters: TagFilter[];
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
}

function toRecord(r: Selectable<ResourceGroupsTable>): ResourceGroupRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    description: r.description,
    tagFilters: JSON.parse(r.tag_filters) as TagFilter[],
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

const CHUNK = 500;

/** Resource groups, and the registered nodes of an account with their tags (what targets resolve against). */
export class ResourceGroupsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(g: ResourceGroupRecord): Promise<void> {
    await this.db
      .insertInto('resource_groups')
      .values({
        id: g.id,
        account_id: g.accountId,
        name: g.name,
        description: g.description,
        tag_filters: JSON.stringify(g.tagFilters),
        created_at: g.createdAt,
        created_by: g.createdBy,
        updated_at: g.updatedAt,
      })
      .execute();
  }

  async get(id: string): Promise<ResourceGroupRecord | undefined> {
    const row = await this.db.selectFrom('resource_groups').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async list(accountId: string, page: PageRequest): Promise<Page<ResourceGroupRecord>> {
    const q = this.db.selectFrom('resource_groups').selectAll().where('account_id', '=', accountId);
    return fetchPage(q, page, { name: 'name', createdAt: 'created_at' }, 'id', toRecord);
  }

  async update(g: ResourceGroupRecord): Promise<void> {
    await this.db
      .updateTable('resource_groups')
      .set({ name: g.name, description: g.description, tag_filters: JSON.stringify(g.tagFilters), updated_at: g.updatedAt })
      .where('id', '=', g.id)
      .execute();
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('resource_groups').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  /** The registered (not deregistered) nodes of an account with their tags, by id. */
  async registeredNodes(accountId: string): Promise<{ id: string; tags: Record<string, string> }[]> {
    const rows = await this.db.selectFrom('nodes').select('id').where('account_id', '=', accountId).where('deregistered_at', 'is', null).orderBy('id').execute();
    const out: { id: string; tags: Record<string, string> }[] = rows.map((r) => ({ id: r.id, tags: {} }));
    const byId = new Map(out.map((n) => [n.id, n]));
    for (let i = 0; i < out.length; i += CHUNK) {
      const ids = out.slice(i, i + CHUNK).map((n) => n.id);
      const tags = await this.db.selectFrom('node_tags').select(['node_id', 'key', 'value']).where('node_id', 'in', ids).execute();
      for (const t of tags) {
        const n = byId.get(t.node_id);
        if (n !== undefined) n.tags[t.key] = t.value;
      }
    }
    return out;
  }

  /** Of these ids, the ones registered (not deregistered) in the account. */
  async registeredAmong(accountId: string, ids: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('nodes')
        .select('id')
        .where('account_id', '=', accountId)
        .where('deregistered_at', 'is', null)
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /** How many resource groups an account has (a sanity bound for the API). */
  async countOf(accountId: string): Promise<number> {
    const row = await this.db.selectFrom('resource_groups').select(sql<number>`count(*)`.as('n')).where('account_id', '=', accountId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
