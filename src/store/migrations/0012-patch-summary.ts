import { sql, type Kysely } from 'kysely';
import { COUNT_COLUMNS } from './0006-compliance.js';
import type { Migration } from './migration.js';

/**
 * The patch summary (`GET /api/v1/compliance/patches/summary`) precomputed per account:
 * `patch_name_summary` holds one row per (account, package name) over the account's registered
 * nodes (distinct nodes, a count per patch state, the highest severity and compliance level as
 * ranks, overdue states, the next due date, the distinct CVEs as a JSON array), and
 * `patch_summary_dirty` the accounts whose rows must be recomputed before they are read. Every
 * write that can change an account's rows marks it dirty in its own transaction (per-patch states,
 * deregistration; account deletion cascades; deleting a node, which no code path does but a cascade
 * or an operator may, marks through a trigger); ComplianceRepository.refreshPatchSummary recomputes.
 * Existing data: every account that has states is marked dirty (the first read or the compliance
 * job computes its rows).
 */
export const patchSummaryMigration: Migration = {
  name: '0012-patch-summary',
  async up(db: Kysely<unknown>, dialect) {
    let t = db.schema
      .createTable('patch_name_summary')
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('nodes', 'integer', (c) => c.notNull());
    for (const column of COUNT_COLUMNS) t = t.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
    await t
      .addColumn('severity_rank', 'integer', (c) => c.notNull())
      .addColumn('level_rank', 'integer', (c) => c.notNull())
      .addColumn('overdue', 'integer', (c) => c.notNull())
      .addColumn('next_due_at', 'text')
      .addColumn('cves', 'text', (c) => c.notNull())
      .addColumn('computed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('patch_name_summary_pk', ['account_id', 'name'])
      .execute();
    // The dashboard's `-missing` page within one account: read in index order, no sort.
    await db.schema.createIndex('patch_name_summary_missing_idx').on('patch_name_summary').columns(['account_id', 'missing', 'name']).execute();

    await db.schema
      .createTable('patch_summary_dirty')
      .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
      .addColumn('marked_at', 'text', (c) => c.notNull())
      // Bumped by every mark: a refresh removes the mark only when no change came in meanwhile.
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();

    // A deleted node's states go by cascade: mark its account (unless the account goes too).
    if (dialect === 'postgres') {
      await sql`create or replace function patch_summary_node_deleted() returns trigger language plpgsql as $$
        begin
          insert into patch_summary_dirty (account_id, marked_at, version)
            select old.account_id, to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 1
            where exists (select 1 from accounts where id = old.account_id)
            on conflict (account_id) do update set marked_at = excluded.marked_at, version = patch_summary_dirty.version + 1;
          return null;
        end $$`.execute(db);
      await sql`create trigger nodes_patch_summary_dirty after delete on nodes for each row execute function patch_summary_node_deleted()`.execute(db);
    } else {
      await sql`create trigger nodes_patch_summary_dirty after delete on nodes begin
          insert into patch_summary_dirty (account_id, marked_at, version)
            select old.account_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 1
            where exists (select 1 from accounts where id = old.account_id)
            on conflict (account_id) do update set marked_at = excluded.marked_at, version = version + 1;
        end`.execute(db);
    }

    await sql`insert into patch_summary_dirty (account_id, marked_at, version)
      select distinct account_id, ${new Date().toISOString()}, 1 from node_patch_states where account_id in (select id from accounts)`.execute(db);
  },
};
