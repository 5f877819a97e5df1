import { sql, type Kysely, type Selectable } from 'kysely';
import type { Runbook } from '../domain/automation/runbook.js';
import { containsIgnoreCase, fetchPage, type Page, type PageRequest } from './paging.js';
import type { RunbooksTable, RunbookVersionsTable } from './runbooks.schema.js';
import type { Database } from './schema.js';

/** A runbook of an account (its newest version is `latestVersion`). */
export interface RunbookRecord {
  id: string;
  accountId: string;
  name: string;
  description: string;
  latestVersion: number;
  /** Steps of the latest version. */
  stepCount: number;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  deletedAt: string | null;
  deletedBy: string | null;
}

/** One version of a runbook: the YAML text as given and the runbook parsed from it. */
export interface RunbookVersionRecord {
  runbookId: string;
  version: number;
  content: string;
  runbook: Runbook;
  createdAt: string;
  createdBy: string | null;
}

export interface RunbookFilter {
  /** The accounts the caller reads. */
  accounts: 'all' | string[];
  accountId?: string | undefined;
  /** Name contains (case-insensitive). */
  q?: string | undefined;
}

function toRecord(r: Selectable<RunbooksTable>): RunbookRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    description: r.description,
    latestVersion: Number(r.latest_version),
    stepCount: Number(r.step_count),
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
    deletedBy: r.deleted_by,
  };
}

function toVersion(r: Selectable<RunbookVersionsTable>): RunbookVersionRecord {
  return {
    runbookId: r.runbook_id,
    version: Number(r.version),
    content: r.content,
    runbook: JSON.parse(r.parsed) as Runbook,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/** Runbooks and their versions (versions are never changed; deleting a runbook marks it). */
export class RunbooksRepository {
  constructor(protected readonly db: Kysely<Database>) {}

  /** Inserts a new runbook with its first version. */
  async insert(r: RunbookRecord, first: RunbookVersionRecord): Promise<void> {
    await this.db
      .insertInto('runbooks')
      .values({
        id: r.id,
        account_id: r.accountId,
        name: r.name,
        description: r.description,
        latest_version: r.latestVersion,
        step_count: first.runbook.steps.length,
        created_at: r.createdAt,
        created_by: r.createdBy,
        updated_at: r.updatedAt,
        deleted_at: r.deletedAt,
        deleted_by: r.deletedBy,
      })
      .execute();
    await this.insertVersion(first);
  }

  /**
   * Adds version `v.version` and makes it the latest, only when the latest is still `v.version - 1`
   * (an update racing another one loses); false when it did not.
   */
  async addVersion(v: RunbookVersionRecord, description: string, updatedAt: string): Promise<boolean> {
    const res = await this.db
      .updateTable('runbooks')
      .set({ latest_version: v.version, step_count: v.runbook.steps.length, description, updated_at: updatedAt })
      .where('id', '=', v.runbookId)
      .where('latest_version', '=', v.version - 1)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await this.insertVersion(v);
    return true;
  }

  private async insertVersion(v: RunbookVersionRecord): Promise<void> {
    await this.db
      .insertInto('runbook_versions')
      .values({ runbook_id: v.runbookId, version: v.version, content: v.content, parsed: JSON.stringify(v.runbook), created_at: v.createdAt, created_by: v.createdBy })
      .execute();
  }

  /** A runbook by id, deleted ones included. */
  async get(id: string): Promise<RunbookRecord | undefined> {
    const row = await this.db.selectFrom('runbooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /** The runbook of the account with this name that is not deleted. */
  async getByName(accountId: string, name: string): Promise<RunbookRecord | undefined> {
    const row = await this.db.selectFrom('runbooks').selectAll().where('account_id', '=', accountId).where('name', '=', name).where('deleted_at', 'is', null).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async getVersion(runbookId: string, version: number): Promise<RunbookVersionRecord | undefined> {
    const row = await this.db.selectFrom('runbook_versions').selectAll().where('runbook_id', '=', runbookId).where('version', '=', version).executeTakeFirst();
    return row === undefined ? undefined : toVersion(row);
  }

  /** The versions of a runbook, newest first, without their content. */
  async versions(runbookId: string): Promise<Omit<RunbookVersionRecord, 'content' | 'runbook'>[]> {
    const rows = await this.db
      .selectFrom('runbook_versions')
      .select(['runbook_id', 'version', 'created_at', 'created_by'])
      .where('runbook_id', '=', runbookId)
      .orderBy('version', 'desc')
      .execute();
    return rows.map((r) => ({ runbookId: r.runbook_id, version: Number(r.version), createdAt: r.created_at, createdBy: r.created_by }));
  }

  /** The runbooks (not deleted) of the accounts in the filter. */
  async list(filter: RunbookFilter, page: PageRequest): Promise<Page<RunbookRecord>> {
    let q = this.db.selectFrom('runbooks').selectAll().where('deleted_at', 'is', null);
    if (filter.accounts !== 'all') q = filter.accounts.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('account_id', 'in', filter.accounts);
    if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
    if (filter.q !== undefined) q = q.where(containsIgnoreCase('name', filter.q));
    return fetchPage(q, page, { name: 'name', createdAt: 'created_at', updatedAt: 'updated_at' }, 'id', toRecord);
  }

  /** Marks the runbook deleted (its versions stay); false when it was already. */
  async markDeleted(id: string, at: string, by: string | null): Promise<boolean> {
    const res = await this.db.updateTable('runbooks').set({ deleted_at: at, deleted_by: by, updated_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** How many runbooks (not deleted) an account has. */
  async countOf(accountId: string): Promise<number> {
    const row = await this.db.selectFrom('runbooks').select(sql<number>`count(*)`.as('n')).where('account_id', '=', accountId).where('deleted_at', 'is', null).executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
