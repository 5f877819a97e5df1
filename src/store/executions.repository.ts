import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Executions (issue 6). */
export class ExecutionsRepository {
  constructor(protected readonly db: Kysely<Database>) {}
}
