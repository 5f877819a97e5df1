import { sql, type Kysely, type Selectable } from 'kysely';
import type { Targets } from '../contracts/targets.contract.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database } from './schema.js';
import type { MaintenanceWindowsTable, WindowRunTasksTable, WindowRunsTable, WindowTasksTable } from './windows.schema.js';

/** What a window reaches: targets in its account, and (management account only) other accounts. */
export interface WindowTargets {
  targets: Targets;
  accounts?: string[] | undefined;
}

/** A task of a window (priority 0 runs first; same priority together). */
export interface WindowTaskSpec {
  id: string;
  name: string;
  priority: number;
  kind: 'runbook' | 'patch';
  runbook: string | null;
  parameters: Record<string, string | number | boolean>;
  operation: 'Scan' | 'Install' | null;
  rebootOption: 'RebootIfNeeded' | 'NoReboot' | 'Always' | null;
  maxConcurrency: string | null;
  maxErrors: string | null;
  /** For policy runs: targets of this task (tags) instead of the window's. */
  targets?: Targets | undefined;
  /** Other accounts of a runbook task (frozen from the window's targets). */
  accounts?: string[] | undefined;
}

export interface WindowRecord {
  id: string;
  accountId: string;
  name: string;
  description: string;
  schedule: string;
  timezone: string;
  durationHours: number;
  cutoffHours: number;
  startDate: string | null;
  endDate: string | null;
  enabled: boolean;
  jitterSeconds: number;
  targets: WindowTargets;
  tasks: WindowTaskSpec[];
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
}

export type RunOwnerKind = 'window' | 'policy-scan' | 'policy-install';
export const ACTIVE_RUN_STATUSES = ['PENDING', 'IN_PROGRESS'] as const;

export interface RunTaskRecord {
  id: string;
  runId: string;
  taskId: string;
  accountId: string;
  name: string;
  priority: number;
  kind: 'runbook' | 'patch';
  spec: WindowTaskSpec;
  status: string;
  reason: string | null;
  notBefore: string;
  startedAt: string | null;
  endedAt: string | null;
  refKind: 'execution' | 'command' | null;
  refId: string | null;
}

export interface RunRecord {
  id: string;
  ownerId: string;
  ownerKind: RunOwnerKind;
  accountId: string | null;
  scheduledStart: string;
  cutoffAt: string;
  endAt: string;
  status: string;
  reason: string | null;
  createdAt: string;
  endedAt: string | null;
  tasks: RunTaskRecord[];
}

function toTask(r: Selectable<WindowTasksTable>): WindowTaskSpec {
  return {
    id: r.id,
    name: r.name,
    priority: Number(r.priority),
    kind: r.kind,
    runbook: r.runbook,
    parameters: JSON.parse(r.parameters) as WindowTaskSpec['parameters'],
    operation: r.operation as WindowTaskSpec['operation'],
    rebootOption: r.reboot_option as WindowTaskSpec['rebootOption'],
    maxConcurrency: r.max_concurrency,
    maxErrors: r.max_errors,
  };
}

function toWindow(r: Selectable<MaintenanceWindowsTable>, tasks: WindowTaskSpec[]): WindowRecord {
  return {
    id: r.id,
    accountId: r.account_id,
    name: r.name,
    description: r.description,
    schedule: r.schedule,
    timezone: r.timezone,
    durationHours: Number(r.duration_hours),
    cutoffHours: Number(r.cutoff_hours),
    startDate: r.start_date,
    endDate: r.end_date,
    enabled: Number(r.enabled) === 1,
    jitterSeconds: Number(r.jitter_seconds),
    targets: JSON.parse(r.targets) as WindowTargets,
    tasks,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}

function toRunTask(r: Selectable<WindowRunTasksTable>): RunTaskRecord {
  return {
    id: r.id,
    runId: r.run_id,
    taskId: r.task_id,
    accountId: r.account_id,
    name: r.name,
    priority: Number(r.priority),
    kind: r.kind,
    spec: JSON.parse(r.spec) as WindowTaskSpec,
    status: r.status,
    reason: r.reason,
    notBefore: r.not_before,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    refKind: r.ref_kind as RunTaskRecord['refKind'],
    refId: r.ref_id,
  };
}

function toRun(r: Selectable<WindowRunsTable>, tasks: RunTaskRecord[]): RunRecord {
  return {
    id: r.id,
    ownerId: r.owner_id,
    ownerKind: r.owner_kind,
    accountId: r.account_id,
    scheduledStart: r.scheduled_start,
    cutoffAt: r.cutoff_at,
    endAt: r.end_at,
    status: r.status,
    reason: r.reason,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    tasks,
  };
}

/** Maintenance windows with their tasks, and the runs of windows and patch policies. */
export class WindowsRepository {
  constructor(protected readonly db: Kysely<Database>) {}

  private async tasksOf(windowIds: readonly string[]): Promise<Map<string, WindowTaskSpec[]>> {
    const out = new Map<string, WindowTaskSpec[]>();
    if (windowIds.length === 0) return out;
    const rows = await this.db.selectFrom('window_tasks').selectAll().where('window_id', 'in', windowIds).orderBy('position').orderBy('id').execute();
    for (const r of rows) out.set(r.window_id, [...(out.get(r.window_id) ?? []), toTask(r)]);
    return out;
  }

  private async insertTasks(windowId: string, tasks: readonly WindowTaskSpec[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.db
      .insertInto('window_tasks')
      .values(
        tasks.map((t, i) => ({
          id: t.id,
          window_id: windowId,
          name: t.name,
          priority: t.priority,
          kind: t.kind,
          runbook: t.runbook,
          parameters: JSON.stringify(t.parameters),
          operation: t.operation,
          reboot_option: t.rebootOption,
          max_concurrency: t.maxConcurrency,
          max_errors: t.maxErrors,
          position: i,
        })),
      )
      .execute();
  }

  async insert(w: WindowRecord): Promise<void> {
    await this.db
      .insertInto('maintenance_windows')
      .values({
        id: w.id,
        account_id: w.accountId,
        name: w.name,
        description: w.description,
        schedule: w.schedule,
        timezone: w.timezone,
        duration_hours: w.durationHours,
        cutoff_hours: w.cutoffHours,
        start_date: w.startDate,
        end_date: w.endDate,
        enabled: w.enabled ? 1 : 0,
        jitter_seconds: w.jitterSeconds,
        targets: JSON.stringify(w.targets),
        created_at: w.createdAt,
        created_by: w.createdBy,
        updated_at: w.updatedAt,
      })
      .execute();
    await this.insertTasks(w.id, w.tasks);
  }

  /** Replaces the window's fields and its tasks. */
  async update(w: WindowRecord): Promise<void> {
    await this.db
      .updateTable('maintenance_windows')
      .set({
        name: w.name,
        description: w.description,
        schedule: w.schedule,
        timezone: w.timezone,
        duration_hours: w.durationHours,
        cutoff_hours: w.cutoffHours,
        start_date: w.startDate,
        end_date: w.endDate,
        enabled: w.enabled ? 1 : 0,
        jitter_seconds: w.jitterSeconds,
        targets: JSON.stringify(w.targets),
        updated_at: w.updatedAt,
      })
      .where('id', '=', w.id)
      .execute();
    await this.db.deleteFrom('window_tasks').where('window_id', '=', w.id).execute();
    await this.insertTasks(w.id, w.tasks);
  }

  async get(id: string): Promise<WindowRecord | undefined> {
    const row = await this.db.selectFrom('maintenance_windows').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    return toWindow(row, (await this.tasksOf([id])).get(id) ?? []);
  }

  async list(scope: { accounts: 'all' | string[]; accountId?: string | undefined }, page: PageRequest): Promise<Page<WindowRecord>> {
    let q = this.db.selectFrom('maintenance_windows').selectAll();
    if (scope.accounts !== 'all') q = scope.accounts.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('account_id', 'in', scope.accounts);
    if (scope.accountId !== undefined) q = q.where('account_id', '=', scope.accountId);
    const result = await fetchPage(q, page, { name: 'name', createdAt: 'created_at' }, 'id', (r) => r);
    const tasks = await this.tasksOf(result.items.map((r) => r.id));
    return { ...result, items: result.items.map((r) => toWindow(r, tasks.get(r.id) ?? [])) };
  }

  /** Every enabled window (what the job looks at each tick). */
  async listEnabled(): Promise<WindowRecord[]> {
    const rows = await this.db.selectFrom('maintenance_windows').selectAll().where('enabled', '=', 1).orderBy('id').execute();
    const tasks = await this.tasksOf(rows.map((r) => r.id));
    return rows.map((r) => toWindow(r, tasks.get(r.id) ?? []));
  }

  async countOf(accountId: string): Promise<number> {
    const row = await this.db.selectFrom('maintenance_windows').select(sql<number>`count(*)`.as('n')).where('account_id', '=', accountId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Deletes the window, its tasks and its runs. */
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('window_runs').where('owner_id', '=', id).execute();
    await this.db.deleteFrom('maintenance_windows').where('id', '=', id).execute();
  }

  // ---- runs -----------------------------------------------------------------------------------

  /** Inserts a run and its tasks (throws a unique violation when the instance has a run already). */
  async insertRun(run: RunRecord): Promise<void> {
    await this.db
      .insertInto('window_runs')
      .values({
        id: run.id,
        owner_id: run.ownerId,
        owner_kind: run.ownerKind,
        account_id: run.accountId,
        scheduled_start: run.scheduledStart,
        cutoff_at: run.cutoffAt,
        end_at: run.endAt,
        status: run.status,
        reason: run.reason,
        created_at: run.createdAt,
        ended_at: run.endedAt,
      })
      .execute();
    if (run.tasks.length === 0) return;
    await this.db
      .insertInto('window_run_tasks')
      .values(
        run.tasks.map((t) => ({
          id: t.id,
          run_id: run.id,
          task_id: t.taskId,
          account_id: t.accountId,
          name: t.name,
          priority: t.priority,
          kind: t.kind,
          spec: JSON.stringify(t.spec),
          status: t.status,
          reason: t.reason,
          not_before: t.notBefore,
          started_at: t.startedAt,
          ended_at: t.endedAt,
          ref_kind: t.refKind,
          ref_id: t.refId,
        })),
      )
      .execute();
  }

  async hasRun(ownerId: string, ownerKind: RunOwnerKind, scheduledStart: string): Promise<boolean> {
    const row = await this.db.selectFrom('window_runs').select('id').where('owner_id', '=', ownerId).where('owner_kind', '=', ownerKind).where('scheduled_start', '=', scheduledStart).executeTakeFirst();
    return row !== undefined;
  }

  private async runTasksOf(runIds: readonly string[]): Promise<Map<string, RunTaskRecord[]>> {
    const out = new Map<string, RunTaskRecord[]>();
    if (runIds.length === 0) return out;
    const rows = await this.db.selectFrom('window_run_tasks').selectAll().where('run_id', 'in', runIds).orderBy('priority').orderBy('name').orderBy('account_id').execute();
    for (const r of rows) out.set(r.run_id, [...(out.get(r.run_id) ?? []), toRunTask(r)]);
    return out;
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = await this.db.selectFrom('window_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRun(row, (await this.runTasksOf([id])).get(id) ?? []);
  }

  async listRuns(ownerId: string, page: PageRequest, ownerKinds?: readonly RunOwnerKind[]): Promise<Page<RunRecord>> {
    let q = this.db.selectFrom('window_runs').selectAll().where('owner_id', '=', ownerId);
    if (ownerKinds !== undefined) q = q.where('owner_kind', 'in', ownerKinds);
    const result = await fetchPage(q, page, { scheduledStart: 'scheduled_start' }, 'id', (r) => r);
    const tasks = await this.runTasksOf(result.items.map((r) => r.id));
    return { ...result, items: result.items.map((r) => toRun(r, tasks.get(r.id) ?? [])) };
  }

  /** Runs still PENDING or IN_PROGRESS (what the job advances), oldest first. */
  async activeRuns(limit = 200): Promise<RunRecord[]> {
    const rows = await this.db.selectFrom('window_runs').selectAll().where('status', 'in', [...ACTIVE_RUN_STATUSES]).orderBy('scheduled_start').orderBy('id').limit(limit).execute();
    const tasks = await this.runTasksOf(rows.map((r) => r.id));
    return rows.map((r) => toRun(r, tasks.get(r.id) ?? []));
  }

  /** The owner's latest run still active, if any (overlap check). */
  async activeRunOf(ownerId: string, ownerKind: RunOwnerKind): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('window_runs')
      .select('id')
      .where('owner_id', '=', ownerId)
      .where('owner_kind', '=', ownerKind)
      .where('status', 'in', [...ACTIVE_RUN_STATUSES])
      .executeTakeFirst();
    return row?.id;
  }

  async setRunStatus(id: string, status: string, reason: string | null, endedAt: string | null): Promise<void> {
    await this.db.updateTable('window_runs').set({ status, reason, ended_at: endedAt }).where('id', '=', id).execute();
  }

  /** Moves a run task from `from` to its new state; false when another tick moved it first. */
  async transitionTask(
    id: string,
    from: string,
    to: { status: string; reason?: string | null; startedAt?: string | null; endedAt?: string | null; refKind?: string | null; refId?: string | null },
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('window_run_tasks')
      .set({
        status: to.status,
        ...(to.reason !== undefined ? { reason: to.reason } : {}),
        ...(to.startedAt !== undefined ? { started_at: to.startedAt } : {}),
        ...(to.endedAt !== undefined ? { ended_at: to.endedAt } : {}),
        ...(to.refKind !== undefined ? { ref_kind: to.refKind } : {}),
        ...(to.refId !== undefined ? { ref_id: to.refId } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
