import type { Kysely } from 'kysely';
import type { Dialect, Migration } from './migration.js';

/**
 * Issue 6 (executions): runbook executions persisted step by step.
 *
 * - executions: the runbook frozen at start (id, version, parsed JSON), parameters, waves, rate
 *   limits, the node plan (frozen), status, the cursor (current step index, wave, iteration),
 *   `wake_at` (waits and bakes: no sleeping in memory) and the engine lease (`lease_holder`,
 *   `lease_expires_at`: claimed by a conditional UPDATE, renewed every tick).
 * - execution_accounts: the accounts an execution acts in, their nodes frozen at start, status.
 * - execution_steps: one row per step run; UNIQUE (execution_id, step_name, wave_key,
 *   account_key, iteration) so a step run (and its command, created in the same transaction) can
 *   only be inserted once. `wave_key` is -1 and `account_key` '' for "none" (NULLs are distinct in
 *   unique constraints).
 * - execution_events: the timeline; execution_approvals: decisions on approve steps.
 * - command_invocations.exit_code: a RunScript's exit code.
 */
export const executionsMigration: Migration = {
  name: '0008-executions',
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  async up(db: Kysely<unknown>, dialect: Dialect) {
    await db.schema.alterTable('command_invocations').addColumn('exit_code', 'integer').execute();

    await db.schema
      .createTable('executions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('runbook_id', 'text', (c) => c.notNull())
      .addColumn('runbook_name', 'text', (c) => c.notNull())
      .addColumn('runbook_version', 'integer', (c) => c.notNull())
      .addColumn('runbook', 'text', (c) => c.notNull())
      .addColumn('parameters', 'text', (c) => c.notNull())
      .addColumn('targets', 'text', (c) => c.notNull())
      .addColumn('waves', 'text', (c) => c.notNull())
      .addColumn('max_concurrency', 'text', (c) => c.notNull())
      .addColumn('max_errors', 'text', (c) => c.notNull())
      .addColumn('account_max_errors', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('step_index', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('wave', 'integer')
      .addColumn('iteration', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('visits', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('failed_checks', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('transitions', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('wake_at', 'text')
      .addColumn('lease_holder', 'text')
      .addColumn('lease_expires_at', 'text')
      .addColumn('source_kind', 'text', (c) => c.notNull())
      .addColumn('source_id', 'text')
      .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('starter_role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('executions_account_idx').on('executions').columns(['account_id', 'created_at']).execute();
    await db.schema.createIndex('executions_status_idx').on('executions').columns(['status', 'lease_expires_at']).execute();

    await db.schema
      .createTable('execution_accounts')
      .addColumn('execution_id', 'text', (c) => c.notNull().references('executions.id').onDelete('cascade'))
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('targets', 'text', (c) => c.notNull())
      .addColumn('node_ids', 'text', (c) => c.notNull())
      .addColumn('max_concurrency', 'text', (c) => c.notNull())
      .addColumn('max_errors', 'text', (c) => c.notNull())
      .addColumn('delegation_id', 'text')
      .addColumn('snapshot_id', 'text')
      .addPrimaryKeyConstraint('execution_accounts_pk', ['execution_id', 'account_id'])
      .execute();
    await db.schema.createIndex('execution_accounts_account_idx').on('execution_accounts').columns(['account_id']).execute();

    await db.schema
      .createTable('execution_steps')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('execution_id', 'text', (c) => c.notNull().references('executions.id').onDelete('cascade'))
      .addColumn('step_name', 'text', (c) => c.notNull())
      .addColumn('step_index', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('wave_key', 'integer', (c) => c.notNull())
      .addColumn('account_key', 'text', (c) => c.notNull())
      .addColumn('iteration', 'integer', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('command_id', 'text')
      .addColumn('node_ids', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('outputs', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('output', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('next_at', 'text')
      .addColumn('deadline_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addUniqueConstraint('execution_steps_once', ['execution_id', 'step_name', 'wave_key', 'account_key', 'iteration'])
      .execute();
    await db.schema.createIndex('execution_steps_execution_idx').on('execution_steps').columns(['execution_id', 'created_at']).execute();

    await db.schema
      .createTable('execution_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('execution_id', 'text', (c) => c.notNull().references('executions.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('step_name', 'text')
      .addColumn('wave', 'integer')
      .addColumn('account_id', 'text')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
      .addUniqueConstraint('execution_events_seq', ['execution_id', 'seq'])
      .execute();

    await db.schema
      .createTable('execution_approvals')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('execution_id', 'text', (c) => c.notNull().references('executions.id').onDelete('cascade'))
      .addColumn('step_run_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('at', 'text', (c) => c.notNull())
      .addUniqueConstraint('execution_approvals_once', ['step_run_id', 'user_id'])
      .execute();
  },
};
