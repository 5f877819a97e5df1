import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Named leases through the database, so that with several server replicas exactly one runs a
 * piece of background work at a time; a lease that is not renewed expires and another replica
 * takes over.
 */
export class LeasesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Takes or renews the lease `name` for `holder` until `expiresAt`; true when `holder` has it. */
  async acquire(name: string, holder: string, now: string, expiresAt: string): Promise<boolean> {
    await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: expiresAt })
          .where((eb) => eb.or([eb('leases.expires_at', '<=', now), eb('leases.holder', '=', holder)])),
      )
      .execute();
    const row = await this.db.selectFrom('leases').select('holder').where('name', '=', name).executeTakeFirst();
    return row?.holder === holder;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }
}
