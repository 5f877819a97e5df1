import type { Kysely } from 'kysely';
import type { Dialect, Migration } from './migration.js';

/** Issue 6 (executions): tables of helper B. Filled in by its owner. */
export const executionsMigration: Migration = {
  name: '0008-executions',
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  async up(db: Kysely<unknown>, dialect: Dialect) {},
};
