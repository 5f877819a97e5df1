import { sql, type Kysely, type Selectable } from 'kysely';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database, PatchSnapshotItemsTable, PatchSnapshotsTable } from './schema.js';

/** A baseline as a snapshot recorded it. */
export interface SnapshotBaselineRecord {
  baselineId: string;
  name: string;
  version: number;
  /** The baseline's rules at the time (JSON-able). */
  rules: unknown;
}

export interface SnapshotRecord {
  id: string;
  accountId: string;
  description: string;
  createdAt: string;
  createdBy: string | null;
  commandId: string | null;
  baselines: SnapshotBaselineRecord[];
  itemCount: number;
}

/** One approved version in a snapshot, per baseline and ecosystem. */
export interface SnapshotItemRecord {
  baselineId: string;
  ecosystem: string;
  name: string;
  arch: string;
  version: string;
  complianceLevel: string;
  severity: string;
  classification: string;
  security: boolean;
  cves: string[];
  advisoryIds: string[];
}

function toSnapshot(r: Selectable<PatchSnapshotsTable>): SnapshotRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    description: r.description,
    createdAt: r.created_at,
    createdBy: r.created_by,
    commandId: r.command_id,
    baselines: JSON.parse(r.baselines) as SnapshotBaselineRecord[],
    itemCount: Number(r.item_count),
  };
}

function toItem(r: Selectable<PatchSnapshotItemsTable>): SnapshotItemRecord {
  return {
    baselineId: r.baseline_id,
    ecosystem: r.ecosystem,
    name: r.name,
    arch: r.arch,
    version: r.version,
    complianceLevel: r.compliance_level,
    severity: r.severity,
    classification: r.classification,
    security: Number(r.security) === 1,
    cves: JSON.parse(r.cves) as string[],
    advisoryIds: JSON.parse(r.advisory_ids) as string[],
  };
}

const CHUNK = 500;

/** Patch snapshots (never expire) and the installed packages an Install list is computed against. */
export class SnapshotsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: SnapshotRecord, items: readonly SnapshotItemRecord[]): Promise<void> {
    await this.db
      .insertInto('patch_snapshots')
      .values({
        id: s.id,
        account_id: s.accountId,
        description: s.description,
        created_at: s.createdAt,
        created_by: s.createdBy,
        command_id: s.commandId,
        baselines: JSON.stringify(s.baselines),
        item_count: items.length,
      })
      .execute();
    // 12 columns a row: 80 rows stay under SQLite's bound-parameter limit.
    for (let i = 0; i < items.length; i += 80) {
      await this.db
        .insertInto('patch_snapshot_items')
        .values(
          items.slice(i, i + 80).map((it) => ({
            snapshot_id: s.id,
            baseline_id: it.baselineId,
            ecosystem: it.ecosystem,
            name: it.name,
            arch: it.arch,
            version: it.version,
            compliance_level: it.complianceLevel,
            severity: it.severity,
            classification: it.classification,
            security: it.security ? 1 : 0,
            cves: JSON.stringify(it.cves),
            advisory_ids: JSON.stringify(it.advisoryIds),
          })),
        )
        .execute();
    }
  }

  async get(id: string): Promise<SnapshotRecord | undefined> {
    const row = await this.db.selectFrom('patch_snapshots').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toSnapshot(row);
  }

  async list(filter: { accounts: 'all' | string[]; accountId?: string | undefined }, page: PageRequest): Promise<Page<SnapshotRecord>> {
    let q = this.db.selectFrom('patch_snapshots').selectAll();
    if (filter.accounts !== 'all') q = filter.accounts.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('account_id', 'in', filter.accounts);
    if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
    return fetchPage(q, page, { createdAt: 'created_at' }, 'id', toSnapshot);
  }

  /** Items of a snapshot, by baseline, ecosystem, name, arch; a window of them, or all. */
  async items(snapshotId: string, window?: { limit: number; offset: number }): Promise<SnapshotItemRecord[]> {
    let q = this.db
      .selectFrom('patch_snapshot_items')
      .selectAll()
      .where('snapshot_id', '=', snapshotId)
      .orderBy('baseline_id')
      .orderBy('ecosystem')
      .orderBy('name')
      .orderBy('arch');
    if (window !== undefined) q = q.limit(window.limit).offset(window.offset);
    return (await q.execute()).map(toItem);
  }

  /** The installed packages of nodes (name, arch, version), one query per 500 nodes. */
  async installedOf(nodeIds: readonly string[]): Promise<Map<string, { name: string; arch: string; version: string }[]>> {
    const out = new Map<string, { name: string; arch: string; version: string }[]>();
    for (let i = 0; i < nodeIds.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('node_packages')
        .select(['node_id', 'name', 'arch', 'version'])
        .where('node_id', 'in', nodeIds.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) {
        const list = out.get(r.node_id) ?? [];
        list.push({ name: r.name, arch: r.arch, version: r.version });
        out.set(r.node_id, list);
      }
    }
    return out;
  }
}
