import { sql, type Kysely } from 'kysely';
import type { Dialect, Migration } from './migration.js';

/**
 * Issue 6 (runbooks): versioned runbooks of accounts.
 *
 * - runbooks: one row per runbook (name unique per account among the not deleted ones: a partial
 *   unique index; a deleted runbook keeps its row so executions can name it), `latest_version`.
 * - runbook_versions: every version's YAML text and the parsed runbook (JSON), never changed.
 *
 * Built-in runbooks (`patch-fleet`) live in code, not here.
 */
export const runbooksMigration: Migration = {
  name: '0007-runbooks',
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  async up(db: Kysely<unknown>, dialect: Dialect) {
    await db.schema
      .createTable('runbooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('latest_version', 'integer', (c) => c.notNull())
      .addColumn('step_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('deleted_at', 'text')
      .addColumn('deleted_by', 'text')
      .execute();
    // Names are unique per account among the runbooks not deleted (a partial index on both dialects).
    await db.schema
      .createIndex('runbooks_account_name_unique')
      .on('runbooks')
      .columns(['account_id', 'name'])
      .unique()
      .where(sql.ref('deleted_at'), 'is', null)
      .execute();

    await db.schema
      .createTable('runbook_versions')
      .addColumn('runbook_id', 'text', (c) => c.notNull().references('runbooks.id').onDelete('cascade'))
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('parsed', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addPrimaryKeyConstraint('runbook_versions_pk', ['runbook_id', 'version'])
      .execute();
  },
};
