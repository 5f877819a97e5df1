import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Patch baselines of accounts, each account's default baseline per operating system, and the
 * baselines registered for patch groups. Predefined baselines are not stored (they come from
 * src/domain/baselines/predefined.ts), so `baseline_id` of the two registries has no foreign key:
 * it names a stored baseline of the same account or a predefined one (the service checks it, and
 * refuses to delete a stored baseline that is still registered).
 */
export const baselines: Migration = {
  name: '0004-baselines',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('patch_baselines')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('operating_system', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      // JSON: BaselineRules without operatingSystem (a column of its own).
      .addColumn('rules', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addUniqueConstraint('patch_baselines_account_name_unique', ['account_id', 'name'])
      .execute();
    await db.schema.createIndex('patch_baselines_account_os_idx').on('patch_baselines').columns(['account_id', 'operating_system']).execute();

    await db.schema
      .createTable('account_default_baselines')
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('operating_system', 'text', (c) => c.notNull())
      .addColumn('baseline_id', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addPrimaryKeyConstraint('account_default_baselines_pk', ['account_id', 'operating_system'])
      .execute();
    await db.schema.createIndex('account_default_baselines_baseline_idx').on('account_default_baselines').column('baseline_id').execute();

    await db.schema
      .createTable('patch_group_baselines')
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('patch_group', 'text', (c) => c.notNull())
      .addColumn('operating_system', 'text', (c) => c.notNull())
      .addColumn('baseline_id', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .addPrimaryKeyConstraint('patch_group_baselines_pk', ['account_id', 'patch_group', 'operating_system'])
      .execute();
    await db.schema.createIndex('patch_group_baselines_baseline_idx').on('patch_group_baselines').column('baseline_id').execute();
  },
};
