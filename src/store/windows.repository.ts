import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Windows (issue 6). */
export class WindowsRepository {
  constructor(protected readonly db: Kysely<Database>) {}
}
