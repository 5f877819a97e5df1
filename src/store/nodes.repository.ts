import { sql, type Kysely, type Selectable } from 'kysely';
import type { InventoryDelta } from '../contracts/api.js';
import type { HostInfo, InstalledPackage, Inventory, PendingUpdate, Platform, RebootStatus } from '../contracts/inventory.contract.js';
import { markPatchSummaryDirty } from './compliance.repository.js';
import { containsIgnoreCase, fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database, NodePackagesTable, NodesTable, NodeUpdatesTable } from './schema.js';

export interface NodeRecord {
  id: string;
  accountId: string;
  activationId: string | null;
  secretHash: string;
  hostname: string;
  platform: Platform;
  host: HostInfo;
  agentVersion: string;
  tags: Record<string, string>;
  registeredAt: string;
  lastSeenAt: string | null;
  deregisteredAt: string | null;
  inventoryRevision: number;
  inventoryAt: string | null;
  collectedAt: string | null;
  reboot: RebootStatus;
  packageCount: number;
  updateCount: number;
  securityUpdateCount: number;
}

export interface NodeFilter {
  /** Account ids the caller may read, or `all`. */
  accounts: 'all' | string[];
  accountId?: string | undefined;
  q?: string | undefined;
  /** Every [key, value] must match. */
  tags?: [string, string][] | undefined;
  osId?: string | undefined;
  pingStatus?: 'Online' | 'ConnectionLost' | 'Inactive' | undefined;
  /** The current compliance status; UNKNOWN also matches nodes never evaluated. */
  complianceStatus?: 'COMPLIANT' | 'NON_COMPLIANT' | 'UNKNOWN' | undefined;
  /** Nodes seen at or after this instant are Online. */
  onlineSince: string;
}

/** A node's current compliance as the node list shows it (from node_compliance). */
export interface NodeComplianceBrief {
  status: 'COMPLIANT' | 'NON_COMPLIANT' | 'UNKNOWN';
  complianceLevel: string | null;
  severity: string | null;
  /** Patches MISSING or FAILED. */
  missing: number;
  overdue: number;
  evaluatedAt: string;
}

/** A listed node: its record and its compliance (null: never evaluated). */
export interface NodeListItem extends NodeRecord {
  compliance: NodeComplianceBrief | null;
}

const EMPTY_HOST: HostInfo = { hostname: '', addresses: [], kernel: { running: '', installed: [] } };
const CHUNK = 500;

function toRecord(row: Selectable<NodesTable>, tags: Record<string, string>): NodeRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    activationId: row.activation_id,
    secretHash: row.secret_hash,
    hostname: row.hostname,
    platform: JSON.parse(row.platform) as Platform,
    host: { ...EMPTY_HOST, ...(JSON.parse(row.host) as Partial<HostInfo>) },
    agentVersion: row.agent_version,
    tags,
    registeredAt: row.registered_at,
    lastSeenAt: row.last_seen_at,
    deregisteredAt: row.deregistered_at,
    inventoryRevision: Number(row.inventory_revision),
    inventoryAt: row.inventory_at,
    collectedAt: row.collected_at,
    reboot: JSON.parse(row.reboot) as RebootStatus,
    packageCount: Number(row.package_count),
    updateCount: Number(row.update_count),
    securityUpdateCount: Number(row.security_update_count),
  };
}

function packageRow(nodeId: string, p: InstalledPackage): NodePackagesTable {
  return { node_id: nodeId, name: p.name, arch: p.arch, version: p.version, source_name: p.sourceName, source_version: p.sourceVersion };
}

function updateRow(nodeId: string, u: PendingUpdate): NodeUpdatesTable {
  return {
    node_id: nodeId,
    name: u.name,
    arch: u.arch,
    installed_version: u.installedVersion,
    candidate_version: u.candidateVersion,
    security: u.security ? 1 : 0,
    classification: u.classification,
    severity: u.severity,
    section: u.section,
    priority: u.priority,
    origin: JSON.stringify(u.origin),
    advisory_ids: JSON.stringify(u.advisoryIds),
    cves: JSON.stringify(u.cves),
    release_date: u.releaseDate,
  };
}

function toPackage(r: Selectable<NodePackagesTable>): InstalledPackage {
  return { name: r.name, arch: r.arch, version: r.version, sourceName: r.source_name, sourceVersion: r.source_version };
}

function toUpdate(r: Selectable<NodeUpdatesTable>): PendingUpdate {
  return {
    name: r.name,
    arch: r.arch,
    installedVersion: r.installed_version,
    candidateVersion: r.candidate_version,
    security: Number(r.security) === 1,
    origin: JSON.parse(r.origin) as PendingUpdate['origin'],
    classification: r.classification,
    severity: r.severity as PendingUpdate['severity'],
    section: r.section,
    priority: r.priority,
    advisoryIds: JSON.parse(r.advisory_ids) as string[],
    cves: JSON.parse(r.cves) as string[],
    releaseDate: r.release_date,
  };
}

/** Last occurrence wins for duplicate (name, arch) keys in one report. */
function uniqueBy<T extends { name: string; arch: string }>(items: readonly T[]): T[] {
  const map = new Map<string, T>();
  for (const i of items) map.set(`${i.name}\u0000${i.arch}`, i);
  return [...map.values()];
}

/**
 * Nodes, their tags and their inventories (normalised rows with a per-node revision). The
 * inventory writes must run inside a transaction (Store.transaction) so a report applies whole.
 */
export class NodesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(n: { id: string; accountId: string; activationId: string | null; secretHash: string; hostname: string; platform: Platform; agentVersion: string; tags: Record<string, string>; now: string }): Promise<void> {
    await this.db
      .insertInto('nodes')
      .values({
        id: n.id,
        account_id: n.accountId,
        activation_id: n.activationId,
        secret_hash: n.secretHash,
        hostname: n.hostname,
        os_id: n.platform.osId,
        os_version: n.platform.version,
        codename: n.platform.codename,
        arch: n.platform.arch,
        platform: JSON.stringify(n.platform),
        host: JSON.stringify({ ...EMPTY_HOST, hostname: n.hostname }),
        agent_version: n.agentVersion,
        registered_at: n.now,
        last_seen_at: n.now,
        deregistered_at: null,
        inventory_revision: 0,
        inventory_at: null,
        collected_at: null,
        reboot: JSON.stringify({ required: false, reasons: [], packages: [] }),
        reboot_required: 0,
        package_count: 0,
        update_count: 0,
        security_update_count: 0,
      })
      .execute();
    await this.replaceTags(n.id, n.tags);
  }

  async get(id: string): Promise<NodeRecord | undefined> {
    const row = await this.db.selectFrom('nodes').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    return toRecord(row, (await this.tagsOf([id])).get(id) ?? {});
  }

  /** Several nodes by id, in bulk (chunks of 500); unknown ids are left out. */
  async getMany(ids: readonly string[]): Promise<NodeRecord[]> {
    const out: NodeRecord[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const rows = await this.db.selectFrom('nodes').selectAll().where('id', 'in', part).execute();
      const tags = await this.tagsOf(rows.map((r) => r.id));
      for (const r of rows) out.push(toRecord(r, tags.get(r.id) ?? {}));
    }
    return out;
  }

  /** The pending updates of several nodes (one query per 500 nodes). */
  async updatesOf(ids: readonly string[]): Promise<Map<string, PendingUpdate[]>> {
    const out = new Map<string, PendingUpdate[]>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db.selectFrom('node_updates').selectAll().where('node_id', 'in', ids.slice(i, i + CHUNK)).execute();
      for (const r of rows) {
        const list = out.get(r.node_id) ?? [];
        list.push(toUpdate(r));
        out.set(r.node_id, list);
      }
    }
    return out;
  }

  async tagsOf(ids: string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db.selectFrom('node_tags').selectAll().where('node_id', 'in', ids.slice(i, i + CHUNK)).orderBy('key').execute();
      for (const r of rows) {
        const t = out.get(r.node_id) ?? {};
        t[r.key] = r.value;
        out.set(r.node_id, t);
      }
    }
    return out;
  }

  async list(filter: NodeFilter, page: PageRequest): Promise<Page<NodeListItem>> {
    // The compliance row by primary key (left join: nodes never evaluated have none).
    let q = this.db
      .selectFrom('nodes')
      .leftJoin('node_compliance', 'node_compliance.node_id', 'nodes.id')
      .selectAll('nodes')
      .select(['node_compliance.status as c_status', 'node_compliance.compliance_level as c_level', 'node_compliance.severity as c_severity', 'node_compliance.missing as c_missing', 'node_compliance.failed as c_failed', 'node_compliance.overdue as c_overdue', 'node_compliance.evaluated_at as c_evaluated_at']);
    if (filter.complianceStatus === 'UNKNOWN') q = q.where((eb) => eb.or([eb('node_compliance.status', '=', 'UNKNOWN'), eb('node_compliance.node_id', 'is', null)]));
    else if (filter.complianceStatus !== undefined) q = q.where('node_compliance.status', '=', filter.complianceStatus);
    if (filter.accounts !== 'all') q = filter.accounts.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('nodes.account_id', 'in', filter.accounts);
    if (filter.accountId !== undefined) q = q.where('nodes.account_id', '=', filter.accountId);
    if (filter.q !== undefined) q = q.where((eb) => eb.or([containsIgnoreCase('nodes.hostname', filter.q!), containsIgnoreCase('nodes.id', filter.q!)]));
    if (filter.osId !== undefined) q = q.where('nodes.os_id', '=', filter.osId);
    for (const [key, value] of filter.tags ?? []) {
      q = q.where((eb) =>
        eb.exists(eb.selectFrom('node_tags').select('node_tags.node_id').whereRef('node_tags.node_id', '=', 'nodes.id').where('node_tags.key', '=', key).where('node_tags.value', '=', value)),
      );
    }
    if (filter.pingStatus === 'Inactive') q = q.where('nodes.deregistered_at', 'is not', null);
    else q = q.where('nodes.deregistered_at', 'is', null);
    if (filter.pingStatus === 'Online') q = q.where('nodes.last_seen_at', '>=', filter.onlineSince);
    if (filter.pingStatus === 'ConnectionLost') q = q.where((eb) => eb.or([eb('nodes.last_seen_at', 'is', null), eb('nodes.last_seen_at', '<', filter.onlineSince)]));
    const page1 = await fetchPage(q, page, { hostname: 'nodes.hostname', registeredAt: 'nodes.registered_at', lastSeenAt: 'nodes.last_seen_at', id: 'nodes.id' }, 'nodes.id', (row) => row);
    const tags = await this.tagsOf(page1.items.map((r) => r.id));
    return {
      ...page1,
      items: page1.items.map((r) => ({
        ...toRecord(r, tags.get(r.id) ?? {}),
        compliance:
          r.c_status === null
            ? null
            : {
                status: r.c_status as NodeComplianceBrief['status'],
                complianceLevel: r.c_level,
                severity: r.c_severity,
                missing: Number(r.c_missing ?? 0) + Number(r.c_failed ?? 0),
                overdue: Number(r.c_overdue ?? 0),
                evaluatedAt: r.c_evaluated_at ?? '',
              },
      })),
    };
  }

  async replaceTags(nodeId: string, tags: Record<string, string>): Promise<void> {
    await this.db.deleteFrom('node_tags').where('node_id', '=', nodeId).execute();
    const rows = Object.entries(tags).map(([key, value]) => ({ node_id: nodeId, key, value }));
    if (rows.length > 0) await this.db.insertInto('node_tags').values(rows).execute();
  }

  async touch(id: string, now: string, agentVersion?: string): Promise<void> {
    await this.db
      .updateTable('nodes')
      .set({ last_seen_at: now, ...(agentVersion === undefined ? {} : { agent_version: agentVersion }) })
      .where('id', '=', id)
      .execute();
  }

  async deregister(id: string, now: string): Promise<void> {
    // The secret hash is replaced too, so the credential can never match again.
    const res = await this.db.updateTable('nodes').set({ deregistered_at: now, secret_hash: 'deregistered' }).where('id', '=', id).where('deregistered_at', 'is', null).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return;
    // Its states leave the account's patch summary (same transaction as the caller's).
    const accounts = await this.db.selectFrom('node_patch_states').select('account_id').distinct().where('node_id', '=', id).execute();
    await markPatchSummaryDirty(this.db, accounts.map((a) => a.account_id), now);
  }

  /** Replaces the whole inventory; returns the new revision. Run inside a transaction. */
  async replaceInventory(nodeId: string, inv: Inventory, now: string): Promise<number> {
    await this.db.updateTable('nodes').set((eb) => ({ inventory_revision: eb('inventory_revision', '+', 1) })).where('id', '=', nodeId).execute();
    await this.db.deleteFrom('node_packages').where('node_id', '=', nodeId).execute();
    await this.db.deleteFrom('node_updates').where('node_id', '=', nodeId).execute();
    await this.upsertPackages(nodeId, inv.packages);
    await this.upsertUpdates(nodeId, inv.updates);
    return this.finishInventory(nodeId, { platform: inv.platform, host: inv.host, reboot: inv.reboot, collectedAt: inv.collectedAt }, now);
  }

  /**
   * Applies a delta when the node holds `baseRevision`; returns the new revision, or undefined when
   * the stored revision differs (the caller answers 409). Run inside a transaction.
   */
  async applyDelta(nodeId: string, delta: InventoryDelta, now: string): Promise<number | undefined> {
    const res = await this.db
      .updateTable('nodes')
      .set({ inventory_revision: delta.baseRevision + 1 })
      .where('id', '=', nodeId)
      .where('inventory_revision', '=', delta.baseRevision)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    await this.removeRows('node_packages', nodeId, delta.packages?.remove ?? []);
    await this.upsertPackages(nodeId, delta.packages?.upsert ?? []);
    await this.removeRows('node_updates', nodeId, delta.updates?.remove ?? []);
    await this.upsertUpdates(nodeId, delta.updates?.upsert ?? []);
    return this.finishInventory(nodeId, { platform: delta.platform, host: delta.host, reboot: delta.reboot, collectedAt: delta.collectedAt }, now);
  }

  private async removeRows(table: 'node_packages' | 'node_updates', nodeId: string, keys: { name: string; arch: string }[]): Promise<void> {
    for (const k of keys) await this.db.deleteFrom(table).where('node_id', '=', nodeId).where('name', '=', k.name).where('arch', '=', k.arch).execute();
  }

  private async upsertPackages(nodeId: string, items: readonly InstalledPackage[]): Promise<void> {
    const rows = uniqueBy(items).map((p) => packageRow(nodeId, p));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.db
        .insertInto('node_packages')
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.columns(['node_id', 'name', 'arch']).doUpdateSet((eb) => ({
            version: eb.ref('excluded.version'),
            source_name: eb.ref('excluded.source_name'),
            source_version: eb.ref('excluded.source_version'),
          })),
        )
        .execute();
    }
  }

  private async upsertUpdates(nodeId: string, items: readonly PendingUpdate[]): Promise<void> {
    const rows = uniqueBy(items).map((u) => updateRow(nodeId, u));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.db
        .insertInto('node_updates')
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.columns(['node_id', 'name', 'arch']).doUpdateSet((eb) => ({
            installed_version: eb.ref('excluded.installed_version'),
            candidate_version: eb.ref('excluded.candidate_version'),
            security: eb.ref('excluded.security'),
            classification: eb.ref('excluded.classification'),
            severity: eb.ref('excluded.severity'),
            section: eb.ref('excluded.section'),
            priority: eb.ref('excluded.priority'),
            origin: eb.ref('excluded.origin'),
            advisory_ids: eb.ref('excluded.advisory_ids'),
            cves: eb.ref('excluded.cves'),
            release_date: eb.ref('excluded.release_date'),
          })),
        )
        .execute();
    }
  }

  private async finishInventory(
    nodeId: string,
    parts: { platform?: Platform | undefined; host?: HostInfo | undefined; reboot?: RebootStatus | undefined; collectedAt?: string | undefined },
    now: string,
  ): Promise<number> {
    const count = async (table: 'node_packages' | 'node_updates', securityOnly = false) => {
      let q = this.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('node_id', '=', nodeId);
      if (securityOnly) q = q.where(sql.ref('security'), '=', 1);
      return Number((await q.executeTakeFirst())?.n ?? 0);
    };
    await this.db
      .updateTable('nodes')
      .set({
        inventory_at: now,
        last_seen_at: now,
        package_count: await count('node_packages'),
        update_count: await count('node_updates'),
        security_update_count: await count('node_updates', true),
        ...(parts.platform === undefined
          ? {}
          : { platform: JSON.stringify(parts.platform), os_id: parts.platform.osId, os_version: parts.platform.version, codename: parts.platform.codename, arch: parts.platform.arch }),
        ...(parts.host === undefined ? {} : { host: JSON.stringify(parts.host), ...(parts.host.hostname === '' ? {} : { hostname: parts.host.hostname }) }),
        ...(parts.reboot === undefined ? {} : { reboot: JSON.stringify(parts.reboot), reboot_required: parts.reboot.required ? 1 : 0 }),
        ...(parts.collectedAt === undefined ? {} : { collected_at: parts.collectedAt }),
      })
      .where('id', '=', nodeId)
      .execute();
    const row = await this.db.selectFrom('nodes').select('inventory_revision').where('id', '=', nodeId).executeTakeFirst();
    return Number(row?.inventory_revision ?? 0);
  }

  async packages(nodeId: string, filter: { q?: string | undefined }, page: PageRequest): Promise<Page<InstalledPackage>> {
    let q = this.db.selectFrom('node_packages').selectAll().where('node_id', '=', nodeId);
    if (filter.q !== undefined) q = q.where(containsIgnoreCase('name', filter.q));
    return fetchPage(q, page, { name: 'name' }, 'arch', toPackage);
  }

  async updates(nodeId: string, filter: { q?: string | undefined; security?: boolean | undefined }, page: PageRequest): Promise<Page<PendingUpdate>> {
    let q = this.db.selectFrom('node_updates').selectAll().where('node_id', '=', nodeId);
    if (filter.q !== undefined) q = q.where(containsIgnoreCase('name', filter.q));
    if (filter.security !== undefined) q = q.where('security', '=', filter.security ? 1 : 0);
    return fetchPage(q, page, { name: 'name', severity: 'severity' }, 'arch', toUpdate);
  }
}
