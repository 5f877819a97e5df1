import { sql, type Kysely } from 'kysely';
import type { Dialect, Migration } from './migration.js';

/** Fills node_patch_cves from the JSON lists of the exposed node_patch_states (the migration's copy; tests check it). */
export async function copyPatchCves(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const elements = dialect === 'postgres' ? sql`cross join lateral jsonb_array_elements_text(s.cves::jsonb) as j(value)` : sql`cross join json_each(s.cves) as j`;
  await sql`insert into node_patch_cves (node_id, name, arch, cve, account_id, state, severity, overdue)
    select distinct s.node_id, s.name, s.arch, j.value, s.account_id, s.state, s.severity, s.overdue
    from node_patch_states s ${elements}
    where s.state in ('MISSING', 'FAILED', 'INSTALLED_PENDING_REBOOT') and s.cves <> '[]' and j.value <> ''`.execute(db);
}

/**
 * The CVEs of the per-patch states that leave a node exposed (MISSING, FAILED,
 * INSTALLED_PENDING_REBOOT) as rows (node_patch_states keeps them as a JSON list): one row per
 * (node, patch, CVE) with the state's account, state, severity and overdue flag copied, so the CVE
 * exposure report (`GET /api/v1/compliance/cves`) is one aggregate over a covering index read in
 * (CVE, node) order, never a JSON parse per state. Written with the states (same transaction);
 * existing states are copied over here. Plus an index on nodes.deregistered_at (the report leaves
 * deregistered nodes out).
 */
export const patchCvesMigration: Migration = {
  name: '0011-patch-cves',
  async up(db: Kysely<unknown>, dialect) {
    await db.schema
      .createTable('node_patch_cves')
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('arch', 'text', (c) => c.notNull())
      .addColumn('cve', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('overdue', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('node_patch_cves_pk', ['node_id', 'name', 'arch', 'cve'])
      .execute();
    // Covering, in the report's grouping order (per CVE, then per node): no sort, no table reads.
    await db.schema.createIndex('node_patch_cves_cve_idx').on('node_patch_cves').columns(['cve', 'node_id', 'account_id', 'state', 'severity', 'overdue']).execute();
    await db.schema.createIndex('nodes_deregistered_idx').on('nodes').column('deregistered_at').execute();

    await copyPatchCves(db, dialect);
  },
};
