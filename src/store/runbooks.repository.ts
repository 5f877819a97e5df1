import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Runbooks (issue 6). */
export class RunbooksRepository {
  constructor(protected readonly db: Kysely<Database>) {}
}
