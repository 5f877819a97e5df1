import type { Kysely } from 'kysely';
import type { Dialect, Migration } from './migration.js';

/** Issue 6 (delegations): tables of helper C. Filled in by its owner. */
export const delegationsMigration: Migration = {
  name: '0009-delegations',
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  async up(db: Kysely<unknown>, dialect: Dialect) {},
};
