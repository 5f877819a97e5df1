import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Dependency patching on the server (issue 8): the source repositories registered per account
 * (`dep_repositories`: git URL, branch, forge, credentials reference, schedule, grouping, severity
 * threshold; the compliance status kept with the findings), their scans (`dep_scans`: queued,
 * scheduled or manual; claimed under a lease so one server runs each; unique per repository and
 * scheduled time so a schedule fires once however many replicas tick), the current findings of the
 * last successful scan (`dep_findings`: one row per repository, lockfile, ecosystem, package and
 * version; `first_seen_at` kept across scans for the SLA) and the pull requests opened for them
 * (`dep_pull_requests`). Everything goes with its account (cascade).
 */
export const dependenciesMigration: Migration = {
  name: '0013-dependencies',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('dep_repositories')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('git_url', 'text', (c) => c.notNull())
      .addColumn('branch', 'text')
      .addColumn('forge_kind', 'text', (c) => c.notNull().defaultTo('none'))
      .addColumn('forge_api_url', 'text')
      .addColumn('forge_repository', 'text')
      .addColumn('credentials_ref', 'text')
      .addColumn('schedule', 'text')
      .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
      .addColumn('grouping', 'text', (c) => c.notNull().defaultTo('package'))
      .addColumn('severity_threshold', 'text', (c) => c.notNull().defaultTo('any'))
      .addColumn('threshold_rank', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('open_pull_requests', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('compliance_status', 'text', (c) => c.notNull().defaultTo('UNKNOWN'))
      .addColumn('last_scan_id', 'text')
      .addColumn('last_success_scan_id', 'text')
      .addColumn('next_scan_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('dep_repositories_account_name_unique', ['account_id', 'name'])
      .execute();
    await db.schema.createIndex('dep_repositories_next_scan_idx').on('dep_repositories').columns(['enabled', 'next_scan_at']).execute();

    await db.schema
      .createTable('dep_scans')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('repository_id', 'text', (c) => c.notNull().references('dep_repositories.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('trigger', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('requested_by', 'text')
      .addColumn('scheduled_for', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('commit_sha', 'text')
      .addColumn('lockfiles', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('packages', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('findings', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('errors', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('error', 'text')
      .addColumn('pull_requests', 'text')
      .addColumn('holder', 'text')
      .addColumn('lease_expires_at', 'text')
      .addUniqueConstraint('dep_scans_schedule_once', ['repository_id', 'scheduled_for'])
      .execute();
    await db.schema.createIndex('dep_scans_repository_idx').on('dep_scans').columns(['repository_id', 'created_at']).execute();
    await db.schema.createIndex('dep_scans_status_idx').on('dep_scans').columns(['status', 'created_at']).execute();

    await db.schema
      .createTable('dep_findings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('repository_id', 'text', (c) => c.notNull().references('dep_repositories.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('package', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('lockfile', 'text', (c) => c.notNull())
      .addColumn('line', 'integer')
      .addColumn('direct', 'integer', (c) => c.notNull())
      .addColumn('dev', 'integer', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('severity_rank', 'integer', (c) => c.notNull())
      .addColumn('advisories', 'text', (c) => c.notNull())
      .addColumn('cves', 'text', (c) => c.notNull())
      .addColumn('fixed_in', 'text')
      .addColumn('first_seen_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('scan_id', 'text', (c) => c.notNull())
      .addUniqueConstraint('dep_findings_key', ['repository_id', 'lockfile', 'ecosystem', 'package', 'version'])
      .execute();
    await db.schema.createIndex('dep_findings_account_idx').on('dep_findings').columns(['account_id', 'severity_rank']).execute();
    await db.schema.createIndex('dep_findings_package_idx').on('dep_findings').columns(['package']).execute();

    await db.schema
      .createTable('dep_pull_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('repository_id', 'text', (c) => c.notNull().references('dep_repositories.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('branch', 'text', (c) => c.notNull())
      .addColumn('number', 'integer')
      .addColumn('url', 'text')
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('packages', 'text', (c) => c.notNull())
      .addColumn('advisories', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('closed_at', 'text')
      .execute();
    await db.schema.createIndex('dep_pull_requests_repository_idx').on('dep_pull_requests').columns(['repository_id', 'branch']).execute();
    await db.schema.createIndex('dep_pull_requests_account_idx').on('dep_pull_requests').columns(['account_id', 'state']).execute();
  },
};
