import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Policies (issue 6). */
export class PoliciesRepository {
  constructor(protected readonly db: Kysely<Database>) {}
}
