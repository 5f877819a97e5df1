import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Advisories (OSV records and feeds normalised to OSV), the packages they name (for loading only
 * what the matcher needs), their aliases (CVE look-ups) and the position of each mirror sync.
 */
export const advisories: Migration = {
  name: '0002-advisories',
  async up(db: Kysely<unknown>, dialect) {
    const float = dialect === 'postgres' ? 'double precision' : 'real';

    await db.schema
      .createTable('advisories')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('modified', 'text', (c) => c.notNull())
      .addColumn('published', 'text')
      .addColumn('withdrawn', 'text')
      .addColumn('summary', 'text')
      // Where the record was imported from: file path, zip entry or URL.
      .addColumn('source', 'text', (c) => c.notNull())
      // JSON lists: the raw ecosystems of affected[], the non-CVE aliases, the CVEs.
      .addColumn('ecosystems', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('aliases', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('cves', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('severity_score', float)
      .addColumn('severity_rating', 'text', (c) => c.notNull().defaultTo('unknown'))
      // sha256 of the record without `modified`: a newer `modified` with the same content changes nothing.
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('record', 'text', (c) => c.notNull())
      .addColumn('imported_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('advisories_modified_idx').on('advisories').column('modified').execute();

    await db.schema
      .createTable('advisory_packages')
      .addColumn('advisory_id', 'text', (c) => c.notNull().references('advisories.id').onDelete('cascade'))
      // The matcher's key: family plus normalised release (`Ubuntu:22.04`, `Debian:12`, `PyPI`, `Maven`).
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('family', 'text', (c) => c.notNull())
      // Normalised as the matcher compares (PyPI PEP 503), else as given.
      .addColumn('name', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('advisory_packages_pk', ['advisory_id', 'ecosystem', 'name'])
      .execute();
    await db.schema.createIndex('advisory_packages_lookup_idx').on('advisory_packages').columns(['ecosystem', 'name']).execute();
    await db.schema.createIndex('advisory_packages_family_idx').on('advisory_packages').columns(['family', 'name']).execute();

    await db.schema
      .createTable('advisory_aliases')
      .addColumn('advisory_id', 'text', (c) => c.notNull().references('advisories.id').onDelete('cascade'))
      .addColumn('alias', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('advisory_aliases_pk', ['advisory_id', 'alias'])
      .execute();
    await db.schema.createIndex('advisory_aliases_alias_idx').on('advisory_aliases').column('alias').execute();

    await db.schema
      .createTable('advisory_sources')
      .addColumn('base_url', 'text', (c) => c.notNull())
      // The mirror's ecosystem directory (`PyPI`); '' for the whole database.
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('last_modified', 'text')
      .addColumn('last_id', 'text')
      .addColumn('synced_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('advisory_sources_pk', ['base_url', 'ecosystem'])
      .execute();
  },
};
