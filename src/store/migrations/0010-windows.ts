import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/**
 * Maintenance windows (account-owned: schedule, duration, cutoff, targets, tasks), their runs and
 * run tasks, and the organization's patch policies. Runs are unique per (owner, kind, scheduled
 * start) so an instance runs once; run tasks unique per (run, task, account).
 */
export const windowsMigration: Migration = {
  name: '0010-windows',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('maintenance_windows')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('schedule', 'text', (c) => c.notNull())
      .addColumn('timezone', 'text', (c) => c.notNull())
      .addColumn('duration_hours', 'integer', (c) => c.notNull())
      .addColumn('cutoff_hours', 'integer', (c) => c.notNull())
      .addColumn('start_date', 'text')
      .addColumn('end_date', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('jitter_seconds', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('targets', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('maintenance_windows_account_name_unique', ['account_id', 'name'])
      .execute();

    await db.schema
      .createTable('window_tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('window_id', 'text', (c) => c.notNull().references('maintenance_windows.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('runbook', 'text')
      .addColumn('parameters', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('operation', 'text')
      .addColumn('reboot_option', 'text')
      .addColumn('max_concurrency', 'text')
      .addColumn('max_errors', 'text')
      .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
      .addUniqueConstraint('window_tasks_window_name_unique', ['window_id', 'name'])
      .execute();

    await db.schema
      .createTable('window_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('owner_id', 'text', (c) => c.notNull())
      .addColumn('owner_kind', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text')
      .addColumn('scheduled_start', 'text', (c) => c.notNull())
      .addColumn('cutoff_at', 'text', (c) => c.notNull())
      .addColumn('end_at', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .addUniqueConstraint('window_runs_once', ['owner_id', 'owner_kind', 'scheduled_start'])
      .execute();
    await db.schema.createIndex('window_runs_status_idx').on('window_runs').columns(['status', 'end_at']).execute();

    await db.schema
      .createTable('window_run_tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull().references('window_runs.id').onDelete('cascade'))
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('not_before', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('ref_kind', 'text')
      .addColumn('ref_id', 'text')
      .addUniqueConstraint('window_run_tasks_once', ['run_id', 'task_id', 'account_id'])
      .execute();

    await db.schema
      .createTable('patch_policies')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('priority', 'integer', (c) => c.notNull().unique())
      .addColumn('baselines', 'text', (c) => c.notNull())
      .addColumn('scan_schedule', 'text')
      .addColumn('scan_timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
      .addColumn('install_schedule', 'text')
      .addColumn('install_timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
      .addColumn('install_duration_hours', 'integer', (c) => c.notNull().defaultTo(4))
      .addColumn('install_cutoff_hours', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('reboot_option', 'text', (c) => c.notNull().defaultTo('RebootIfNeeded'))
      .addColumn('targets', 'text', (c) => c.notNull())
      .addColumn('sla_days', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
};
