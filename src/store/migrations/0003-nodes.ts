import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Activations, nodes (with their tags and normalised inventory rows), commands and their
 * invocations. Inventories are rows (node_packages, node_updates) keyed by node, so compliance can
 * join them for thousands of nodes; each node carries the revision of the inventory it holds.
 */
export const nodes: Migration = {
  name: '0003-nodes',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('activations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('registration_limit', 'integer', (c) => c.notNull())
      .addColumn('registrations_used', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('default_tags', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.createIndex('activations_account_idx').on('activations').columns(['account_id', 'created_at']).execute();

    await db.schema
      .createTable('nodes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('activation_id', 'text')
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('hostname', 'text', (c) => c.notNull())
      .addColumn('os_id', 'text', (c) => c.notNull())
      .addColumn('os_version', 'text', (c) => c.notNull())
      .addColumn('codename', 'text', (c) => c.notNull())
      .addColumn('arch', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('agent_version', 'text', (c) => c.notNull())
      .addColumn('registered_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text')
      .addColumn('deregistered_at', 'text')
      .addColumn('inventory_revision', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('inventory_at', 'text')
      .addColumn('collected_at', 'text')
      .addColumn('reboot', 'text', (c) => c.notNull().defaultTo('{"required":false,"reasons":[],"packages":[]}'))
      .addColumn('reboot_required', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('package_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('update_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('security_update_count', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('nodes_account_idx').on('nodes').columns(['account_id', 'hostname']).execute();

    await db.schema
      .createTable('node_tags')
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('node_tags_pk', ['node_id', 'key'])
      .execute();
    await db.schema.createIndex('node_tags_kv_idx').on('node_tags').columns(['key', 'value']).execute();

    await db.schema
      .createTable('node_packages')
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('arch', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('source_name', 'text', (c) => c.notNull())
      .addColumn('source_version', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('node_packages_pk', ['node_id', 'name', 'arch'])
      .execute();
    await db.schema.createIndex('node_packages_name_idx').on('node_packages').columns(['name', 'version']).execute();

    await db.schema
      .createTable('node_updates')
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('arch', 'text', (c) => c.notNull())
      .addColumn('installed_version', 'text', (c) => c.notNull())
      .addColumn('candidate_version', 'text', (c) => c.notNull())
      .addColumn('security', 'integer', (c) => c.notNull())
      .addColumn('classification', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('section', 'text', (c) => c.notNull())
      .addColumn('priority', 'text', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('advisory_ids', 'text', (c) => c.notNull())
      .addColumn('cves', 'text', (c) => c.notNull())
      .addColumn('release_date', 'text')
      .addPrimaryKeyConstraint('node_updates_pk', ['node_id', 'name', 'arch'])
      .execute();
    await db.schema.createIndex('node_updates_name_idx').on('node_updates').columns(['name', 'candidate_version']).execute();

    await db.schema
      .createTable('commands')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('parameters', 'text', (c) => c.notNull())
      .addColumn('targets', 'text', (c) => c.notNull())
      .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('cancelled_at', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('commands_account_idx').on('commands').columns(['account_id', 'created_at']).execute();

    await db.schema
      .createTable('command_invocations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('command_id', 'text', (c) => c.notNull().references('commands.id').onDelete('cascade'))
      .addColumn('node_id', 'text', (c) => c.notNull().references('nodes.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('delivered_at', 'text')
      /** Pending: deliver by then, else Undeliverable; InProgress: report by then, else TimedOut. */
      .addColumn('deadline_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('output', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('result', 'text', (c) => c.notNull().defaultTo('{"outcomes":[]}'))
      .addColumn('idempotency_key', 'text')
      .addColumn('response', 'text')
      .addUniqueConstraint('command_invocations_command_node_unique', ['command_id', 'node_id'])
      .execute();
    await db.schema.createIndex('command_invocations_node_idx').on('command_invocations').columns(['node_id', 'status']).execute();
    await db.schema.createIndex('command_invocations_deadline_idx').on('command_invocations').columns(['status', 'deadline_at']).execute();
  },
};
