import type { Kysely } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export interface Migration {
  /** Sorted lexically; never rename or change a migration that has shipped: add a new one. */
  name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}
