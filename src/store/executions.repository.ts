import { sql, type Kysely, type Selectable } from 'kysely';
import type { Targets } from '../contracts/targets.contract.js';
import type { Runbook, WavesSpec } from '../domain/automation/runbook.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database } from './schema.js';
import type { ExecutionAccountsTable, ExecutionStepsTable, ExecutionsTable } from './executions.schema.js';

export type ExecutionStatus = 'Pending' | 'Running' | 'Paused' | 'Waiting' | 'Success' | 'Failed' | 'Cancelled';
export const ACTIVE_EXECUTION_STATUSES: readonly ExecutionStatus[] = ['Pending', 'Running', 'Paused', 'Waiting'];
export type ExecutionAccountStatus = 'Active' | 'Refused' | 'Failed' | 'Done';
export type StepRunStatus = 'Pending' | 'Running' | 'Waiting' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Skipped' | 'Denied';

/** The nodes of an execution, frozen at start: in (account order, node id) order; the first `canary` are the canary, the rest in waves of `waveSize`. */
export interface ExecutionPlan {
  nodes: { accountId: string; nodeId: string }[];
  canary: number;
  waveSize: number;
}

export interface ExecutionRecord {
  id: string;
  accountId: string;
  runbookId: string;
  runbookName: string;
  runbookVersion: number;
  runbook: Runbook;
  parameters: Record<string, string | number | boolean>;
  targets: Targets;
  waves: WavesSpec;
  maxConcurrency: string;
  maxErrors: string;
  accountMaxErrors: number;
  plan: ExecutionPlan;
  status: ExecutionStatus;
  reason: string | null;
  /** Index of the current step (steps.length when past the last). */
  stepIndex: number;
  /** The current wave of a `remaining` step (1..), 0 for canary, null otherwise. */
  wave: number | null;
  /** How many times the current step was entered before (goto loops). */
  iteration: number;
  visits: Record<string, number>;
  failedChecks: number;
  transitions: number;
  wakeAt: string | null;
  leaseHolder: string | null;
  leaseExpiresAt: string | null;
  sourceKind: 'user' | 'window' | 'policy';
  sourceId: string | null;
  comment: string;
  createdBy: string;
  starterRole: 'org-admin' | 'admin' | 'operator';
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  updatedAt: string;
}

export interface ExecutionAccountRecord {
  executionId: string;
  accountId: string;
  position: number;
  status: ExecutionAccountStatus;
  reason: string | null;
  targets: Targets;
  nodeIds: string[];
  maxConcurrency: string;
  maxErrors: string;
  delegationId: string | null;
  snapshotId: string | null;
}

export interface StepRunRecord {
  id: string;
  executionId: string;
  stepName: string;
  stepIndex: number;
  kind: string;
  /** null: not a wave step. */
  wave: number | null;
  /** null: not per account. */
  accountId: string | null;
  iteration: number;
  attempt: number;
  status: StepRunStatus;
  commandId: string | null;
  nodeIds: string[];
  outputs: Record<string, unknown>;
  output: string;
  nextAt: string | null;
  deadlineAt: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface ExecutionEventRecord {
  id: string;
  executionId: string;
  seq: number;
  at: string;
  type: string;
  stepName: string | null;
  wave: number | null;
  accountId: string | null;
  message: string;
  details: Record<string, unknown>;
}

export interface ApprovalRecord {
  id: string;
  executionId: string;
  stepRunId: string;
  userId: string;
  username: string;
  decision: 'approve' | 'deny';
  comment: string;
  at: string;
}

function toExecution(r: Selectable<ExecutionsTable>): ExecutionRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    runbookId: r.runbook_id,
    runbookName: r.runbook_name,
    runbookVersion: Number(r.runbook_version),
    runbook: JSON.parse(r.runbook) as Runbook,
    parameters: JSON.parse(r.parameters) as ExecutionRecord['parameters'],
    targets: JSON.parse(r.targets) as Targets,
    waves: JSON.parse(r.waves) as WavesSpec,
    maxConcurrency: r.max_concurrency,
    maxErrors: r.max_errors,
    accountMaxErrors: Number(r.account_max_errors),
    plan: JSON.parse(r.plan) as ExecutionPlan,
    status: r.status as ExecutionStatus,
    reason: r.reason,
    stepIndex: Number(r.step_index),
    wave: r.wave === null ? null : Number(r.wave),
    iteration: Number(r.iteration),
    visits: JSON.parse(r.visits) as Record<string, number>,
    failedChecks: Number(r.failed_checks),
    transitions: Number(r.transitions),
    wakeAt: r.wake_at,
    leaseHolder: r.lease_holder,
    leaseExpiresAt: r.lease_expires_at,
    sourceKind: r.source_kind as ExecutionRecord['sourceKind'],
    sourceId: r.source_id,
    comment: r.comment,
    createdBy: r.created_by,
    starterRole: r.starter_role as ExecutionRecord['starterRole'],
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    updatedAt: r.updated_at,
  };
}

function toAccount(r: Selectable<ExecutionAccountsTable>): ExecutionAccountRecord {
  return {
    executionId: r.execution_id,
    accountId: r.account_id,
    position: Number(r.position),
    status: r.status as ExecutionAccountStatus,
    reason: r.reason,
    targets: JSON.parse(r.targets) as Targets,
    nodeIds: JSON.parse(r.node_ids) as string[],
    maxConcurrency: r.max_concurrency,
    maxErrors: r.max_errors,
    delegationId: r.delegation_id,
    snapshotId: r.snapshot_id,
  };
}

function toStep(r: Selectable<ExecutionStepsTable>): StepRunRecord {
  return {
    id: r.id,
    executionId: r.execution_id,
    stepName: r.step_name,
    stepIndex: Number(r.step_index),
    kind: r.kind,
    wave: Number(r.wave_key) < 0 ? null : Number(r.wave_key),
    accountId: r.account_key === '' ? null : r.account_key,
    iteration: Number(r.iteration),
    attempt: Number(r.attempt),
    status: r.status as StepRunStatus,
    commandId: r.command_id,
    nodeIds: JSON.parse(r.node_ids) as string[],
    outputs: JSON.parse(r.outputs) as Record<string, unknown>,
    output: r.output,
    nextAt: r.next_at,
    deadlineAt: r.deadline_at,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

/** Fields of an execution the engine and the service change. */
export interface ExecutionChanges {
  status?: ExecutionStatus;
  reason?: string | null;
  stepIndex?: number;
  wave?: number | null;
  iteration?: number;
  visits?: Record<string, number>;
  failedChecks?: number;
  wakeAt?: string | null;
  startedAt?: string | null;
  endedAt?: string | null;
  leaseHolder?: string | null;
  leaseExpiresAt?: string | null;
}

export interface StepRunChanges {
  status?: StepRunStatus;
  attempt?: number;
  commandId?: string | null;
  outputs?: Record<string, unknown>;
  output?: string;
  nextAt?: string | null;
  deadlineAt?: string | null;
  startedAt?: string | null;
  endedAt?: string | null;
}

/** Executions of runbooks (issue 6): the persisted state machine, its accounts, step runs, timeline and approvals. */
export class ExecutionsRepository {
  constructor(protected readonly db: Kysely<Database>) {}

  async insert(e: ExecutionRecord, accounts: ExecutionAccountRecord[]): Promise<void> {
    await this.db
      .insertInto('executions')
      .values({
        id: e.id,
        account_id: e.accountId,
        runbook_id: e.runbookId,
        runbook_name: e.runbookName,
        runbook_version: e.runbookVersion,
        runbook: JSON.stringify(e.runbook),
        parameters: JSON.stringify(e.parameters),
        targets: JSON.stringify(e.targets),
        waves: JSON.stringify(e.waves),
        max_concurrency: e.maxConcurrency,
        max_errors: e.maxErrors,
        account_max_errors: e.accountMaxErrors,
        plan: JSON.stringify(e.plan),
        status: e.status,
        reason: e.reason,
        step_index: e.stepIndex,
        wave: e.wave,
        iteration: e.iteration,
        visits: JSON.stringify(e.visits),
        failed_checks: e.failedChecks,
        transitions: e.transitions,
        wake_at: e.wakeAt,
        lease_holder: e.leaseHolder,
        lease_expires_at: e.leaseExpiresAt,
        source_kind: e.sourceKind,
        source_id: e.sourceId,
        comment: e.comment,
        created_by: e.createdBy,
        starter_role: e.starterRole,
        created_at: e.createdAt,
        started_at: e.startedAt,
        ended_at: e.endedAt,
        updated_at: e.updatedAt,
      })
      .execute();
    for (const a of accounts) {
      await this.db
        .insertInto('execution_accounts')
        .values({
          execution_id: e.id,
          account_id: a.accountId,
          position: a.position,
          status: a.status,
          reason: a.reason,
          targets: JSON.stringify(a.targets),
          node_ids: JSON.stringify(a.nodeIds),
          max_concurrency: a.maxConcurrency,
          max_errors: a.maxErrors,
          delegation_id: a.delegationId,
          snapshot_id: a.snapshotId,
        })
        .execute();
    }
  }

  async get(id: string): Promise<ExecutionRecord | undefined> {
    const row = await this.db.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toExecution(row);
  }

  /** Reads the execution in a transaction, locking its row on PostgreSQL (SQLite serialises writers). */
  async lock(id: string, forUpdate: boolean): Promise<ExecutionRecord | undefined> {
    let q = this.db.selectFrom('executions').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row === undefined ? undefined : toExecution(row);
  }

  async update(id: string, c: ExecutionChanges, now: string): Promise<void> {
    await this.db
      .updateTable('executions')
      .set({
        updated_at: now,
        transitions: sql<number>`transitions + 1`,
        ...(c.status === undefined ? {} : { status: c.status }),
        ...(c.reason === undefined ? {} : { reason: c.reason }),
        ...(c.stepIndex === undefined ? {} : { step_index: c.stepIndex }),
        ...(c.wave === undefined ? {} : { wave: c.wave }),
        ...(c.iteration === undefined ? {} : { iteration: c.iteration }),
        ...(c.visits === undefined ? {} : { visits: JSON.stringify(c.visits) }),
        ...(c.failedChecks === undefined ? {} : { failed_checks: c.failedChecks }),
        ...(c.wakeAt === undefined ? {} : { wake_at: c.wakeAt }),
        ...(c.startedAt === undefined ? {} : { started_at: c.startedAt }),
        ...(c.endedAt === undefined ? {} : { ended_at: c.endedAt }),
        ...(c.leaseHolder === undefined ? {} : { lease_holder: c.leaseHolder }),
        ...(c.leaseExpiresAt === undefined ? {} : { lease_expires_at: c.leaseExpiresAt }),
      })
      .where('id', '=', id)
      .execute();
  }

  async list(filter: { accounts: 'all' | string[]; accountId?: string | undefined; status?: string | undefined }, page: PageRequest): Promise<Page<ExecutionRecord>> {
    let q = this.db.selectFrom('executions').selectAll();
    if (filter.accounts !== 'all') {
      const accounts = filter.accounts;
      // An execution is visible in its owner account and in the accounts it acts in.
      q =
        accounts.length === 0
          ? q.where(sql<boolean>`1 = 0`)
          : q.where((eb) =>
              eb.or([
                eb('account_id', 'in', accounts),
                eb.exists(eb.selectFrom('execution_accounts as ea').select('ea.account_id').whereRef('ea.execution_id', '=', 'executions.id').where('ea.account_id', 'in', accounts)),
              ]),
            );
    }
    if (filter.accountId !== undefined) {
      const accountId = filter.accountId;
      q = q.where((eb) =>
        eb.or([eb('account_id', '=', accountId), eb.exists(eb.selectFrom('execution_accounts as ea').select('ea.account_id').whereRef('ea.execution_id', '=', 'executions.id').where('ea.account_id', '=', accountId))]),
      );
    }
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    return fetchPage(q, page, { createdAt: 'created_at', status: 'status' }, 'id', toExecution);
  }

  /** Active executions this holder may take (lease free, expired or its own), oldest first. */
  async claimable(holder: string, now: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('executions')
      .select('id')
      .where('status', 'in', [...ACTIVE_EXECUTION_STATUSES])
      .where((eb) => eb.or([eb('lease_holder', 'is', null), eb('lease_expires_at', '<=', now), eb('lease_holder', '=', holder)]))
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Takes or renews the lease of one execution by a conditional UPDATE; true when `holder` has it now. */
  async claim(id: string, holder: string, now: string, expiresAt: string): Promise<boolean> {
    const res = await this.db
      .updateTable('executions')
      .set({ lease_holder: holder, lease_expires_at: expiresAt })
      .where('id', '=', id)
      .where('status', 'in', [...ACTIVE_EXECUTION_STATUSES])
      .where((eb) => eb.or([eb('lease_holder', 'is', null), eb('lease_expires_at', '<=', now), eb('lease_holder', '=', holder)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async releaseLease(id: string, holder: string): Promise<void> {
    await this.db.updateTable('executions').set({ lease_holder: null, lease_expires_at: null }).where('id', '=', id).where('lease_holder', '=', holder).execute();
  }

  async accounts(executionId: string): Promise<ExecutionAccountRecord[]> {
    const rows = await this.db.selectFrom('execution_accounts').selectAll().where('execution_id', '=', executionId).orderBy('position').execute();
    return rows.map(toAccount);
  }

  async accountsOf(executionIds: readonly string[]): Promise<ExecutionAccountRecord[]> {
    if (executionIds.length === 0) return [];
    const rows = await this.db.selectFrom('execution_accounts').selectAll().where('execution_id', 'in', [...executionIds]).orderBy('position').execute();
    return rows.map(toAccount);
  }

  async updateAccount(executionId: string, accountId: string, c: { status?: ExecutionAccountStatus; reason?: string | null; snapshotId?: string | null; delegationId?: string | null }): Promise<void> {
    await this.db
      .updateTable('execution_accounts')
      .set({
        ...(c.status === undefined ? {} : { status: c.status }),
        ...(c.reason === undefined ? {} : { reason: c.reason }),
        ...(c.snapshotId === undefined ? {} : { snapshot_id: c.snapshotId }),
        ...(c.delegationId === undefined ? {} : { delegation_id: c.delegationId }),
      })
      .where('execution_id', '=', executionId)
      .where('account_id', '=', accountId)
      .execute();
  }

  async steps(executionId: string): Promise<StepRunRecord[]> {
    const rows = await this.db.selectFrom('execution_steps').selectAll().where('execution_id', '=', executionId).orderBy('created_at').orderBy('step_index').orderBy('wave_key').orderBy('account_key').execute();
    return rows.map(toStep);
  }

  /** The runs of one step visit (all its accounts), optionally of one wave. */
  async runsOf(executionId: string, stepName: string, iteration: number, wave: number | null): Promise<StepRunRecord[]> {
    const rows = await this.db
      .selectFrom('execution_steps')
      .selectAll()
      .where('execution_id', '=', executionId)
      .where('step_name', '=', stepName)
      .where('iteration', '=', iteration)
      .where('wave_key', '=', wave ?? -1)
      .orderBy('account_key')
      .execute();
    return rows.map(toStep);
  }

  /** Inserts a step run; the unique key makes a second insert of the same run fail (and its transaction roll back). */
  async insertStep(s: StepRunRecord): Promise<void> {
    await this.db
      .insertInto('execution_steps')
      .values({
        id: s.id,
        execution_id: s.executionId,
        step_name: s.stepName,
        step_index: s.stepIndex,
        kind: s.kind,
        wave_key: s.wave ?? -1,
        account_key: s.accountId ?? '',
        iteration: s.iteration,
        attempt: s.attempt,
        status: s.status,
        command_id: s.commandId,
        node_ids: JSON.stringify(s.nodeIds),
        outputs: JSON.stringify(s.outputs),
        output: s.output,
        next_at: s.nextAt,
        deadline_at: s.deadlineAt,
        created_at: s.createdAt,
        started_at: s.startedAt,
        ended_at: s.endedAt,
      })
      .execute();
  }

  /** Changes a step run; with `fromStatus`/`fromAttempt`, only if it is still in that state. True when changed. */
  async updateStep(id: string, c: StepRunChanges, where: { fromStatus?: StepRunStatus[]; fromAttempt?: number } = {}): Promise<boolean> {
    let q = this.db
      .updateTable('execution_steps')
      .set({
        ...(c.status === undefined ? {} : { status: c.status }),
        ...(c.attempt === undefined ? {} : { attempt: c.attempt }),
        ...(c.commandId === undefined ? {} : { command_id: c.commandId }),
        ...(c.outputs === undefined ? {} : { outputs: JSON.stringify(c.outputs) }),
        ...(c.output === undefined ? {} : { output: c.output }),
        ...(c.nextAt === undefined ? {} : { next_at: c.nextAt }),
        ...(c.deadlineAt === undefined ? {} : { deadline_at: c.deadlineAt }),
        ...(c.startedAt === undefined ? {} : { started_at: c.startedAt }),
        ...(c.endedAt === undefined ? {} : { ended_at: c.endedAt }),
      })
      .where('id', '=', id);
    if (where.fromStatus !== undefined) q = q.where('status', 'in', where.fromStatus);
    if (where.fromAttempt !== undefined) q = q.where('attempt', '=', where.fromAttempt);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async getStep(id: string): Promise<StepRunRecord | undefined> {
    const row = await this.db.selectFrom('execution_steps').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toStep(row);
  }

  /** Appends a timeline event (the next sequence number of the execution). */
  async appendEvent(e: Omit<ExecutionEventRecord, 'seq'>): Promise<void> {
    const last = await this.db.selectFrom('execution_events').select((eb) => eb.fn.max<number>('seq').as('m')).where('execution_id', '=', e.executionId).executeTakeFirst();
    const seq = Number(last?.m ?? 0) + 1;
    await this.db
      .insertInto('execution_events')
      .values({
        id: e.id,
        execution_id: e.executionId,
        seq,
        at: e.at,
        type: e.type,
        step_name: e.stepName,
        wave: e.wave,
        account_id: e.accountId,
        message: e.message,
        details: JSON.stringify(e.details),
      })
      .execute();
  }

  async events(executionId: string, page: PageRequest): Promise<Page<ExecutionEventRecord>> {
    const q = this.db.selectFrom('execution_events').selectAll().where('execution_id', '=', executionId);
    return fetchPage(q, page, { seq: 'seq', at: 'at' }, 'id', (r) => ({
      id: r.id,
      executionId: r.execution_id,
      seq: Number(r.seq),
      at: r.at,
      type: r.type,
      stepName: r.step_name,
      wave: r.wave === null ? null : Number(r.wave),
      accountId: r.account_id,
      message: r.message,
      details: JSON.parse(r.details) as Record<string, unknown>,
    }));
  }

  async insertApproval(a: ApprovalRecord): Promise<void> {
    await this.db
      .insertInto('execution_approvals')
      .values({ id: a.id, execution_id: a.executionId, step_run_id: a.stepRunId, user_id: a.userId, username: a.username, decision: a.decision, comment: a.comment, at: a.at })
      .execute();
  }

  async approvals(stepRunId: string): Promise<ApprovalRecord[]> {
    const rows = await this.db.selectFrom('execution_approvals').selectAll().where('step_run_id', '=', stepRunId).orderBy('at').execute();
    return rows.map((r) => ({
      id: r.id,
      executionId: r.execution_id,
      stepRunId: r.step_run_id,
      userId: r.user_id,
      username: r.username,
      decision: r.decision as ApprovalRecord['decision'],
      comment: r.comment,
      at: r.at,
    }));
  }

  /** Approve step runs waiting for decisions (of active executions). */
  async waitingApprovals(limit: number): Promise<{ execution: ExecutionRecord; run: StepRunRecord }[]> {
    const runs = await this.db.selectFrom('execution_steps').selectAll().where('kind', '=', 'approve').where('status', '=', 'Waiting').orderBy('created_at').limit(limit).execute();
    const out: { execution: ExecutionRecord; run: StepRunRecord }[] = [];
    for (const r of runs) {
      const execution = await this.get(r.execution_id);
      if (execution !== undefined && (ACTIVE_EXECUTION_STATUSES as readonly string[]).includes(execution.status)) out.push({ execution, run: toStep(r) });
    }
    return out;
  }
}
