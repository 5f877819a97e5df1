import type { Kysely } from 'kysely';
import type { Dialect, Migration } from './migration.js';

/** Issue 6 (runbooks): tables of helper A. Filled in by its owner. */
export const runbooksMigration: Migration = {
  name: '0007-runbooks',
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  async up(db: Kysely<unknown>, dialect: Dialect) {},
};
