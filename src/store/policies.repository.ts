import type { Kysely, Selectable } from 'kysely';
import type { TagFilter } from '../domain/targets.js';
import type { OperatingSystem } from '../domain/baselines/model.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database } from './schema.js';
import type { PatchPoliciesTable } from './windows.schema.js';

export type SlaDays = Partial<Record<'critical' | 'high' | 'medium' | 'low', number>>;

/** The organization's patch policy: baselines per OS, scan and install schedules, targets. */
export interface PolicyRecord {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  /** Unique; lower wins when a node is in several policies. */
  priority: number;
  baselines: Partial<Record<OperatingSystem, string>>;
  scan: { schedule: string; timezone: string } | null;
  install: { schedule: string; timezone: string; durationHours: number; cutoffHours: number } | null;
  rebootOption: 'RebootIfNeeded' | 'NoReboot' | 'Always';
  targets: { accounts: 'all' | string[]; tags?: TagFilter[] | undefined };
  slaDays: SlaDays;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
}

function toRecord(r: Selectable<PatchPoliciesTable>): PolicyRecord {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    enabled: Number(r.enabled) === 1,
    priority: Number(r.priority),
    baselines: JSON.parse(r.baselines) as PolicyRecord['baselines'],
    scan: r.scan_schedule === null ? null : { schedule: r.scan_schedule, timezone: r.scan_timezone },
    install:
      r.install_schedule === null
        ? null
        : { schedule: r.install_schedule, timezone: r.install_timezone, durationHours: Number(r.install_duration_hours), cutoffHours: Number(r.install_cutoff_hours) },
    rebootOption: r.reboot_option as PolicyRecord['rebootOption'],
    targets: JSON.parse(r.targets) as PolicyRecord['targets'],
    slaDays: JSON.parse(r.sla_days) as SlaDays,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

function toRow(p: PolicyRecord) {
  return {
    name: p.name,
    description: p.description,
    enabled: p.enabled ? 1 : 0,
    priority: p.priority,
    baselines: JSON.stringify(p.baselines),
    scan_schedule: p.scan?.schedule ?? null,
    scan_timezone: p.scan?.timezone ?? 'UTC',
    install_schedule: p.install?.schedule ?? null,
    install_timezone: p.install?.timezone ?? 'UTC',
    install_duration_hours: p.install?.durationHours ?? 4,
    install_cutoff_hours: p.install?.cutoffHours ?? 1,
    reboot_option: p.rebootOption,
    targets: JSON.stringify(p.targets),
    sla_days: JSON.stringify(p.slaDays),
    updated_at: p.updatedAt,
  };
}

/** Patch policies of the organization. */
export class PoliciesRepository {
  constructor(protected readonly db: Kysely<Database>) {}

  async insert(p: PolicyRecord): Promise<void> {
    await this.db
      .insertInto('patch_policies')
      .values({ id: p.id, ...toRow(p), created_at: p.createdAt, created_by: p.createdBy })
      .execute();
  }

  async update(p: PolicyRecord): Promise<void> {
    await this.db.updateTable('patch_policies').set(toRow(p)).where('id', '=', p.id).execute();
  }

  async get(id: string): Promise<PolicyRecord | undefined> {
    const row = await this.db.selectFrom('patch_policies').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async list(page: PageRequest): Promise<Page<PolicyRecord>> {
    return fetchPage(this.db.selectFrom('patch_policies').selectAll(), page, { name: 'name', priority: 'priority', createdAt: 'created_at' }, 'id', toRecord);
  }

  /** Every enabled policy, by priority (lower first): the order in which they claim nodes. */
  async listEnabled(): Promise<PolicyRecord[]> {
    const rows = await this.db.selectFrom('patch_policies').selectAll().where('enabled', '=', 1).orderBy('priority').execute();
    return rows.map(toRecord);
  }

  /** The registered nodes of these accounts (or all) with their tags. */
  scopeNodes(accounts: 'all' | readonly string[]): Promise<ScopeNode[]> {
    return registeredScopeNodes(this.db, accounts);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('window_runs').where('owner_id', '=', id).execute();
    await this.db.deleteFrom('patch_policies').where('id', '=', id).execute();
  }
}

/** A registered node with what policy scopes look at. */
export interface ScopeNode {
  id: string;
  accountId: string;
  tags: Record<string, string>;
}

const CHUNK = 500;

/** The registered (not deregistered) nodes of these accounts (or all) with their tags, by id. */
export async function registeredScopeNodes(db: Kysely<Database>, accounts: 'all' | readonly string[]): Promise<ScopeNode[]> {
  if (accounts !== 'all' && accounts.length === 0) return [];
  let q = db.selectFrom('nodes').select(['id', 'account_id']).where('deregistered_at', 'is', null);
  if (accounts !== 'all') q = q.where('account_id', 'in', accounts);
  const rows = await q.orderBy('id').execute();
  const out: ScopeNode[] = rows.map((r) => ({ id: r.id, accountId: r.account_id, tags: {} }));
  const byId = new Map(out.map((n) => [n.id, n]));
  for (let i = 0; i < out.length; i += CHUNK) {
    const tags = await db.selectFrom('node_tags').select(['node_id', 'key', 'value']).where('node_id', 'in', out.slice(i, i + CHUNK).map((n) => n.id)).execute();
    for (const t of tags) {
      const n = byId.get(t.node_id);
      if (n !== undefined) n.tags[t.key] = t.value;
    }
  }
  return out;
}
