import { sql, type Kysely, type Selectable } from 'kysely';
import { baselineRulesOf, type Baseline, type BaselineRules, type OperatingSystem } from '../domain/baselines/model.js';
import { containsIgnoreCase, fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database, PatchBaselinesTable } from './schema.js';

/** A stored (account) baseline with who made and last changed it. */
export interface BaselineRecord extends Baseline {
  accountId: string;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  updatedBy: string | null;
}

export interface BaselineFilter {
  /** Account ids the caller may read, or `all`. */
  accounts: 'all' | string[];
  accountId?: string | undefined;
  operatingSystem?: OperatingSystem | undefined;
  /** Name or description contains (case-insensitive). */
  q?: string | undefined;
}

/** A baseline registered as an account's default for an operating system. */
export interface DefaultRegistration {
  accountId: string;
  operatingSystem: OperatingSystem;
  baselineId: string;
  updatedAt: string;
  updatedBy: string | null;
}

/** A baseline registered for a patch group of an account and an operating system. */
export interface PatchGroupRegistration extends DefaultRegistration {
  patchGroup: string;
}

/** Where a stored baseline is still registered (it cannot be deleted while any is left). */
export interface BaselineUsage {
  accountDefaults: { accountId: string; operatingSystem: OperatingSystem }[];
  patchGroups: { accountId: string; patchGroup: string; operatingSystem: OperatingSystem }[];
}

const CHUNK = 500;

type StoredRules = Omit<BaselineRules, 'operatingSystem'>;

function rulesOf(b: BaselineRules): StoredRules {
  const { operatingSystem, ...stored } = baselineRulesOf(b);
  void operatingSystem;
  return stored;
}

function toRecord(row: Selectable<PatchBaselinesTable>): BaselineRecord {
  const rules = JSON.parse(row.rules) as StoredRules;
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    description: row.description,
    predefined: false,
    version: Number(row.version),
    operatingSystem: row.operating_system as OperatingSystem,
    ...rulesOf({ ...rules, operatingSystem: row.operating_system as OperatingSystem }),
    createdAt: row.created_at,
    createdBy: row.created_by,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * Patch baselines of accounts, the accounts' default baselines per OS and the patch-group
 * registrations. Registrations are read in bulk (one query per chunk of 500 accounts), for the
 * effective-baseline resolution of thousands of nodes.
 */
export class BaselinesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(b: BaselineRecord): Promise<void> {
    await this.db
      .insertInto('patch_baselines')
      .values({
        id: b.id,
        account_id: b.accountId,
        name: b.name,
        operating_system: b.operatingSystem,
        description: b.description,
        rules: JSON.stringify(rulesOf(b)),
        version: b.version,
        created_at: b.createdAt,
        created_by: b.createdBy,
        updated_at: b.updatedAt,
        updated_by: b.updatedBy,
      })
      .execute();
  }

  async get(id: string): Promise<BaselineRecord | undefined> {
    const row = await this.db.selectFrom('patch_baselines').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  /** The stored baselines among `ids` (ids of predefined or deleted baselines are simply absent). */
  async getMany(ids: readonly string[]): Promise<Map<string, BaselineRecord>> {
    const out = new Map<string, BaselineRecord>();
    for (const part of chunks([...new Set(ids)])) {
      const rows = await this.db.selectFrom('patch_baselines').selectAll().where('id', 'in', part).execute();
      for (const r of rows) out.set(r.id, toRecord(r));
    }
    return out;
  }

  async list(filter: BaselineFilter, page: PageRequest): Promise<Page<BaselineRecord>> {
    let q = this.db.selectFrom('patch_baselines').selectAll();
    if (filter.accounts !== 'all') q = filter.accounts.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('account_id', 'in', filter.accounts);
    if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
    if (filter.operatingSystem !== undefined) q = q.where('operating_system', '=', filter.operatingSystem);
    if (filter.q !== undefined) q = q.where((eb) => eb.or([containsIgnoreCase('name', filter.q!), containsIgnoreCase('description', filter.q!)]));
    return fetchPage(q, page, { name: 'name', operatingSystem: 'operating_system', createdAt: 'created_at', updatedAt: 'updated_at' }, 'id', toRecord);
  }

  /**
   * Replaces the baseline's fields and raises its version by one, when the stored version is still
   * `expectedVersion` (one conditional UPDATE: concurrent changes cannot silently overwrite each
   * other). False when the version moved on or the baseline is gone.
   */
  async update(b: BaselineRecord, expectedVersion: number): Promise<boolean> {
    const res = await this.db
      .updateTable('patch_baselines')
      .set({
        name: b.name,
        description: b.description,
        rules: JSON.stringify(rulesOf(b)),
        version: expectedVersion + 1,
        updated_at: b.updatedAt,
        updated_by: b.updatedBy,
      })
      .where('id', '=', b.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.deleteFrom('patch_baselines').where('id', '=', id).executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  /** The account defaults and patch groups that name the baseline. */
  async usage(baselineId: string): Promise<BaselineUsage> {
    const defaults = await this.db.selectFrom('account_default_baselines').select(['account_id', 'operating_system']).where('baseline_id', '=', baselineId).orderBy('operating_system').execute();
    const groups = await this.db
      .selectFrom('patch_group_baselines')
      .select(['account_id', 'patch_group', 'operating_system'])
      .where('baseline_id', '=', baselineId)
      .orderBy('patch_group')
      .orderBy('operating_system')
      .execute();
    return {
      accountDefaults: defaults.map((r) => ({ accountId: r.account_id, operatingSystem: r.operating_system as OperatingSystem })),
      patchGroups: groups.map((r) => ({ accountId: r.account_id, patchGroup: r.patch_group, operatingSystem: r.operating_system as OperatingSystem })),
    };
  }

  /** Registers (or replaces) the account's default baseline for the OS. */
  async setDefault(r: DefaultRegistration): Promise<void> {
    await this.db
      .insertInto('account_default_baselines')
      .values({ account_id: r.accountId, operating_system: r.operatingSystem, baseline_id: r.baselineId, updated_at: r.updatedAt, updated_by: r.updatedBy })
      .onConflict((oc) =>
        oc.columns(['account_id', 'operating_system']).doUpdateSet((eb) => ({
          baseline_id: eb.ref('excluded.baseline_id'),
          updated_at: eb.ref('excluded.updated_at'),
          updated_by: eb.ref('excluded.updated_by'),
        })),
      )
      .execute();
  }

  /** Removes the account's default for the OS (back to the predefined one); false when none was registered. */
  async clearDefault(accountId: string, os: OperatingSystem): Promise<boolean> {
    const res = await this.db.deleteFrom('account_default_baselines').where('account_id', '=', accountId).where('operating_system', '=', os).executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  /** The registered defaults of many accounts (one query per 500 accounts). */
  async defaultsOf(accountIds: readonly string[]): Promise<DefaultRegistration[]> {
    const out: DefaultRegistration[] = [];
    for (const part of chunks([...new Set(accountIds)])) {
      const rows = await this.db.selectFrom('account_default_baselines').selectAll().where('account_id', 'in', part).orderBy('account_id').orderBy('operating_system').execute();
      for (const r of rows) out.push({ accountId: r.account_id, operatingSystem: r.operating_system as OperatingSystem, baselineId: r.baseline_id, updatedAt: r.updated_at, updatedBy: r.updated_by });
    }
    return out;
  }

  /** Registers (or replaces) the baseline of a patch group for an OS. */
  async registerPatchGroup(r: PatchGroupRegistration): Promise<void> {
    await this.db
      .insertInto('patch_group_baselines')
      .values({ account_id: r.accountId, patch_group: r.patchGroup, operating_system: r.operatingSystem, baseline_id: r.baselineId, updated_at: r.updatedAt, updated_by: r.updatedBy })
      .onConflict((oc) =>
        oc.columns(['account_id', 'patch_group', 'operating_system']).doUpdateSet((eb) => ({
          baseline_id: eb.ref('excluded.baseline_id'),
          updated_at: eb.ref('excluded.updated_at'),
          updated_by: eb.ref('excluded.updated_by'),
        })),
      )
      .execute();
  }

  /** Removes a patch group's registration for an OS; false when there was none. */
  async deregisterPatchGroup(accountId: string, patchGroup: string, os: OperatingSystem): Promise<boolean> {
    const res = await this.db
      .deleteFrom('patch_group_baselines')
      .where('account_id', '=', accountId)
      .where('patch_group', '=', patchGroup)
      .where('operating_system', '=', os)
      .executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  /** Every registration of one account (optionally of one patch group), by group and OS. */
  async patchGroupsOf(accountId: string, patchGroup?: string): Promise<PatchGroupRegistration[]> {
    let q = this.db.selectFrom('patch_group_baselines').selectAll().where('account_id', '=', accountId);
    if (patchGroup !== undefined) q = q.where('patch_group', '=', patchGroup);
    const rows = await q.orderBy('patch_group').orderBy('operating_system').execute();
    return rows.map((r) => ({ accountId: r.account_id, patchGroup: r.patch_group, operatingSystem: r.operating_system as OperatingSystem, baselineId: r.baseline_id, updatedAt: r.updated_at, updatedBy: r.updated_by }));
  }

  /**
   * The registrations of many (account, patch group) pairs: one query per chunk of accounts,
   * restricted to the groups asked for, then matched to the pairs.
   */
  async registrationsFor(pairs: readonly { accountId: string; patchGroup: string }[]): Promise<PatchGroupRegistration[]> {
    const wanted = new Set(pairs.map((p) => `${p.accountId}\u0000${p.patchGroup}`));
    const accounts = [...new Set(pairs.map((p) => p.accountId))];
    const groups = [...new Set(pairs.map((p) => p.patchGroup))];
    const out: PatchGroupRegistration[] = [];
    for (const accountPart of chunks(accounts)) {
      for (const groupPart of chunks(groups)) {
        const rows = await this.db.selectFrom('patch_group_baselines').selectAll().where('account_id', 'in', accountPart).where('patch_group', 'in', groupPart).execute();
        for (const r of rows) {
          if (!wanted.has(`${r.account_id}\u0000${r.patch_group}`)) continue;
          out.push({ accountId: r.account_id, patchGroup: r.patch_group, operatingSystem: r.operating_system as OperatingSystem, baselineId: r.baseline_id, updatedAt: r.updated_at, updatedBy: r.updated_by });
        }
      }
    }
    return out;
  }
}
