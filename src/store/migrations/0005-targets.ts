import { sql, type Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Targets and rate control of commands, resource groups and patch snapshots.
 *
 * - commands: the rate limits as given (`10`, `25%`), the number of nodes the targets resolved to,
 *   and a comment.
 * - command_invocations: `released_at` (null: waiting for rate control; status stays Pending and no
 *   agent may claim it) and the per-invocation `parameters` (an Install's own list of the node).
 *   Invocations of earlier versions count as released.
 * - resource_groups: saved tag queries of an account, evaluated when used.
 * - patch_snapshots / patch_snapshot_items: the approved versions of baselines frozen with an id.
 *   `baseline_id` has no foreign key (predefined baselines are not stored; deleted ones stay
 *   recorded), nor has `command_id` (the snapshot outlives the command).
 */
export const targets: Migration = {
  name: '0005-targets',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('commands').addColumn('max_concurrency', 'text', (c) => c.notNull().defaultTo('50')).execute();
    await db.schema.alterTable('commands').addColumn('max_errors', 'text', (c) => c.notNull().defaultTo('0')).execute();
    await db.schema.alterTable('commands').addColumn('target_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('commands').addColumn('comment', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('command_invocations').addColumn('released_at', 'text').execute();
    await db.schema.alterTable('command_invocations').addColumn('parameters', 'text').execute();
    await sql`UPDATE command_invocations SET released_at = created_at`.execute(db);
    await sql`UPDATE commands SET target_count = (SELECT count(*) FROM command_invocations i WHERE i.command_id = commands.id)`.execute(db);
    await db.schema.createIndex('command_invocations_waiting_idx').on('command_invocations').columns(['command_id', 'status', 'released_at']).execute();

    await db.schema
      .createTable('resource_groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('tag_filters', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('resource_groups_account_name_unique', ['account_id', 'name'])
      .execute();

    await db.schema
      .createTable('patch_snapshots')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('command_id', 'text')
      // JSON: [{ baselineId, name, version, rules }]
      .addColumn('baselines', 'text', (c) => c.notNull())
      .addColumn('item_count', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('patch_snapshots_account_idx').on('patch_snapshots').columns(['account_id', 'created_at']).execute();

    await db.schema
      .createTable('patch_snapshot_items')
      .addColumn('snapshot_id', 'text', (c) => c.notNull().references('patch_snapshots.id').onDelete('cascade'))
      .addColumn('baseline_id', 'text', (c) => c.notNull())
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('arch', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('compliance_level', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('classification', 'text', (c) => c.notNull())
      .addColumn('security', 'integer', (c) => c.notNull())
      .addColumn('cves', 'text', (c) => c.notNull())
      .addColumn('advisory_ids', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('patch_snapshot_items_pk', ['snapshot_id', 'baseline_id', 'ecosystem', 'name', 'arch'])
      .execute();
  },
};
