import type { Kysely, Selectable } from 'kysely';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { ActivationsTable, Database } from './schema.js';

export interface ActivationRecord {
  id: string;
  accountId: string;
  description: string;
  codeHash: string;
  expiresAt: string;
  registrationLimit: number;
  registrationsUsed: number;
  defaultTags: Record<string, string>;
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
}

function toRecord(row: Selectable<ActivationsTable>): ActivationRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    description: row.description,
    codeHash: row.code_hash,
    expiresAt: row.expires_at,
    registrationLimit: Number(row.registration_limit),
    registrationsUsed: Number(row.registrations_used),
    defaultTags: JSON.parse(row.default_tags) as Record<string, string>,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
  };
}

/** Activations: codes agents enroll with. Only the SHA-256 of the code is stored. */
export class ActivationsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(a: ActivationRecord): Promise<void> {
    await this.db
      .insertInto('activations')
      .values({
        id: a.id,
        account_id: a.accountId,
        description: a.description,
        code_hash: a.codeHash,
        expires_at: a.expiresAt,
        registration_limit: a.registrationLimit,
        registrations_used: a.registrationsUsed,
        default_tags: JSON.stringify(a.defaultTags),
        created_at: a.createdAt,
        created_by: a.createdBy,
        revoked_at: a.revokedAt,
      })
      .execute();
  }

  async get(id: string): Promise<ActivationRecord | undefined> {
    const row = await this.db.selectFrom('activations').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async list(accountId: string, page: PageRequest): Promise<Page<ActivationRecord>> {
    const q = this.db.selectFrom('activations').selectAll().where('account_id', '=', accountId);
    return fetchPage(q, page, { createdAt: 'created_at', expiresAt: 'expires_at' }, 'id', toRecord);
  }

  /**
   * Takes one registration if the activation is still usable at `now`: one conditional UPDATE, so
   * concurrent enrollments (on any replica) never exceed the limit. True when one was taken.
   */
  async consume(id: string, now: string): Promise<boolean> {
    const res = await this.db
      .updateTable('activations')
      .set((eb) => ({ registrations_used: eb('registrations_used', '+', 1) }))
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .whereRef('registrations_used', '<', 'registration_limit')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async revoke(id: string, now: string): Promise<void> {
    await this.db.updateTable('activations').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }
}
