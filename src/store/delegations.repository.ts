import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Delegations (issue 6). */
export class DelegationsRepository {
  constructor(protected readonly db: Kysely<Database>) {}
}
