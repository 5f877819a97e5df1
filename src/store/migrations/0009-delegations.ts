import type { Kysely } from 'kysely';
import type { Dialect, Migration } from './migration.js';

/**
 * Issue 6: delegations and automation settings.
 *
 * - delegations: a target account grants the management account the right to run named runbooks
 *   (or `*`) in it, for starters with one of the roles; expiring or revoked grants are kept for
 *   history (`revoked_at`/`revoked_by`). No foreign key on `grantee_account_id`: the grant names
 *   the management account at the time it was made.
 * - automation_settings: one row per organization, the allow-list of hosts HTTP checks may call.
 */
export const delegationsMigration: Migration = {
  name: '0009-delegations',
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  async up(db: Kysely<unknown>, dialect: Dialect) {
    await db.schema
      .createTable('delegations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('grantee_account_id', 'text', (c) => c.notNull())
      .addColumn('runbooks', 'text', (c) => c.notNull())
      .addColumn('roles', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('expires_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('revoked_by', 'text')
      .execute();
    await db.schema.createIndex('delegations_account_idx').on('delegations').columns(['account_id', 'grantee_account_id']).execute();

    await db.schema
      .createTable('automation_settings')
      .addColumn('organization_id', 'text', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
      .addColumn('check_allowed_hosts', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .execute();
  },
};
