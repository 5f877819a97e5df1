import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Compliance: the current per-patch states and node compliance (always derived with the node's
 * effective baseline), the append-only history of evaluations, a daily roll-up per account for the
 * trend, when the server first saw each candidate version on a node, and the organization's SLA days.
 */
export const compliance: Migration = {
  name: '0006-compliance',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('node_patch_states')
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('arch', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('installed_version', 'text')
      .addColumn('candidate_version', 'text')
      .addColumn('approved_version', 'text')
      .addColumn('approved_at', 'text')
      .addColumn('compliance_level', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('classification', 'text', (c) => c.notNull())
      .addColumn('security', 'integer', (c) => c.notNull())
      .addColumn('cves', 'text', (c) => c.notNull())
      .addColumn('advisory_ids', 'text', (c) => c.notNull())
      .addColumn('release_date', 'text')
      .addColumn('failed_at', 'text')
      .addColumn('failure_message', 'text')
      .addColumn('pending_reboot_since', 'text')
      .addColumn('due_at', 'text')
      .addColumn('overdue', 'integer', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('node_patch_states_pk', ['node_id', 'name', 'arch'])
      .execute();
    await db.schema.createIndex('node_patch_states_account_idx').on('node_patch_states').columns(['account_id', 'state']).execute();
    await db.schema.createIndex('node_patch_states_name_idx').on('node_patch_states').columns(['name', 'state']).execute();

    let nc = db.schema
      .createTable('node_compliance')
      .addColumn('node_id', 'text', (c) => c.primaryKey().references('nodes.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('operating_system', 'text')
      .addColumn('os_id', 'text', (c) => c.notNull())
      .addColumn('patch_group', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('compliance_level', 'text')
      .addColumn('severity', 'text');
    for (const column of COUNT_COLUMNS) nc = nc.addColumn(column, 'integer', (c) => c.notNull().defaultTo(0));
    await nc
      .addColumn('critical_non_compliant', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('security_non_compliant', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('other_non_compliant', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('overdue', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_due_at', 'text')
      .addColumn('baseline_id', 'text')
      .addColumn('baseline_source', 'text')
      .addColumn('baseline_reason', 'text')
      .addColumn('baseline_version', 'integer')
      .addColumn('snapshot_id', 'text')
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('command_id', 'text')
      .addColumn('evaluated_at', 'text', (c) => c.notNull())
      .addColumn('inventory_revision', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('stale', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('reason', 'text')
      .execute();
    await db.schema.createIndex('node_compliance_account_idx').on('node_compliance').columns(['account_id', 'status']).execute();
    await db.schema.createIndex('node_compliance_stale_idx').on('node_compliance').columns(['stale']).execute();
    await db.schema.createIndex('node_compliance_due_idx').on('node_compliance').columns(['next_due_at']).execute();

    await db.schema
      .createTable('compliance_history')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('command_id', 'text')
      .addColumn('baseline_id', 'text')
      .addColumn('baseline_version', 'integer')
      .addColumn('baseline_source', 'text')
      .addColumn('snapshot_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('compliance_level', 'text')
      .addColumn('severity', 'text')
      .addColumn('counts', 'text', (c) => c.notNull())
      .addColumn('overdue', 'integer', (c) => c.notNull())
      .addColumn('missing', 'text', (c) => c.notNull())
      .addColumn('failed', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .execute();
    await db.schema.createIndex('compliance_history_node_idx').on('compliance_history').columns(['node_id', 'at']).execute();

    await db.schema
      .createTable('compliance_daily')
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('compliant', 'integer', (c) => c.notNull())
      .addColumn('non_compliant', 'integer', (c) => c.notNull())
      .addColumn('unknown', 'integer', (c) => c.notNull())
      .addColumn('overdue_nodes', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('compliance_daily_pk', ['day', 'account_id'])
      .execute();

    await db.schema
      .createTable('update_first_seen')
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('arch', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('update_first_seen_pk', ['node_id', 'name', 'arch', 'version'])
      .execute();

    // Named values the compliance job remembers across restarts (e.g. the advisories it evaluated against).
    await db.schema
      .createTable('compliance_markers')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('compliance_settings')
      .addColumn('organization_id', 'text', (c) => c.primaryKey())
      .addColumn('sla_critical', 'integer')
      .addColumn('sla_high', 'integer')
      .addColumn('sla_medium', 'integer')
      .addColumn('sla_low', 'integer')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .execute();
  },
};

/** One integer column per patch state in node_compliance (INSTALLED_OTHER counted, never stored per patch). */
export const COUNT_COLUMNS = [
  'installed',
  'installed_other',
  'installed_pending_reboot',
  'installed_rejected',
  'missing',
  'failed',
  'not_applicable',
  'available_security_update',
] as const;
