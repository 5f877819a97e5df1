import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { foundation } from './0001-foundation.js';

export interface Migration {
  /** Sorted lexically; never rename or change a migration that has shipped: add a new one. */
  name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Every migration, in order. */
export const migrations: readonly Migration[] = [foundation];
