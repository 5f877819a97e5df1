import { readableAccounts } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import { formatInZone, instanceOf, nextStarts, parseSchedule, type Schedule } from '../../domain/schedules.js';
import type { CreateWindowRequest, MaintenanceWindow, UpdateWindowRequest, WindowRun, WindowSchedule, WindowTaskInput } from '../../contracts/api.js';
import { CreateWindowRequest as CreateWindowSchema, WindowTaskInput as WindowTaskSchema } from '../../contracts/windows.contract.js';
import { isUniqueViolation, newId, type Page, type PageRequest, type Repositories, type RunRecord, type WindowRecord, type WindowTaskSpec } from '../../store/index.js';
import { auditEntry, principalOf, requireAccountAccess, requireObjectAccess, type RequestContext, type ServiceDeps } from './context.js';
import { resolveRunbook } from './runbook-resolve.js';

/** At most this many windows per account. */
const MAX_WINDOWS = 200;
const MAX_TASKS = 20;

/** The parsed schedule of a stored window (stored windows were validated when written). */
export function scheduleOf(w: Pick<WindowRecord, 'schedule'>): Schedule {
  const parsed = parseSchedule(w.schedule);
  if (!parsed.ok) throw new AppError('internal', `stored schedule "${w.schedule}" does not parse: ${parsed.error}`);
  return parsed.schedule;
}

/** Where a window's instances may fall, and where its rates count from. */
export function boundsOf(w: Pick<WindowRecord, 'startDate' | 'endDate' | 'createdAt'>) {
  return {
    startDate: w.startDate === null ? null : new Date(w.startDate),
    endDate: w.endDate === null ? null : new Date(w.endDate),
    anchor: new Date(w.startDate ?? w.createdAt),
  };
}

function windowView(w: WindowRecord, now: Date): MaintenanceWindow {
  const nextStart = w.enabled ? (nextStarts(scheduleOf(w), w.timezone, now, 1, boundsOf(w))[0]?.toISOString() ?? null) : null;
  return {
    id: w.id,
    accountId: w.accountId,
    name: w.name,
    description: w.description,
    schedule: w.schedule,
    timezone: w.timezone,
    durationHours: w.durationHours,
    cutoffHours: w.cutoffHours,
    startDate: w.startDate,
    endDate: w.endDate,
    enabled: w.enabled,
    jitterSeconds: w.jitterSeconds,
    targets: w.targets.accounts === undefined ? { targets: w.targets.targets } : { targets: w.targets.targets, accounts: w.targets.accounts },
    tasks: w.tasks.map((t) => ({
      id: t.id,
      name: t.name,
      priority: t.priority,
      kind: t.kind,
      runbook: t.runbook,
      parameters: t.parameters,
      operation: t.operation,
      rebootOption: t.rebootOption,
      maxConcurrency: t.maxConcurrency,
      maxErrors: t.maxErrors,
    })),
    nextStart,
    createdAt: w.createdAt,
    createdBy: w.createdBy,
    updatedAt: w.updatedAt,
  };
}

/** A run as the API shows it. */
export function runView(r: RunRecord): WindowRun {
  return {
    id: r.id,
    ownerId: r.ownerId,
    kind: r.ownerKind,
    status: r.status as WindowRun['status'],
    reason: r.reason,
    scheduledStart: r.scheduledStart,
    cutoffAt: r.cutoffAt,
    endAt: r.endAt,
    createdAt: r.createdAt,
    endedAt: r.endedAt,
    tasks: r.tasks.map((t) => ({
      id: t.id,
      taskId: t.taskId,
      name: t.name,
      priority: t.priority,
      kind: t.kind,
      accountId: t.accountId,
      status: t.status as WindowRun['tasks'][number]['status'],
      reason: t.reason,
      notBefore: t.notBefore,
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      executionId: t.refKind === 'execution' ? t.refId : null,
      commandId: t.refKind === 'command' ? t.refId : null,
    })),
  };
}

function taskSpec(input: WindowTaskInput, index: number, existing: readonly WindowTaskSpec[]): WindowTaskSpec {
  const t = WindowTaskSchema.parse(input);
  let name = t.name ?? `${t.kind}-${index + 1}`;
  for (let n = index + 2; t.name === undefined && existing.some((e) => e.name === name); n++) name = `${t.kind}-${n}`;
  return {
    id: newId('wt'),
    name,
    priority: t.priority,
    kind: t.kind,
    runbook: t.runbook ?? null,
    parameters: t.parameters ?? {},
    operation: t.operation ?? null,
    rebootOption: t.rebootOption ?? null,
    maxConcurrency: t.maxConcurrency ?? null,
    maxErrors: t.maxErrors ?? null,
  };
}

/**
 * Maintenance windows: schedules (cron in an IANA zone, SSM cron, rate) with a duration and a
 * cutoff, targets of the account and tasks started in priority order by the windows job.
 * Viewers read them; admins of the account (or org-admins) write them.
 */
export class WindowsService {
  constructor(protected readonly deps: ServiceDeps) {}

  private async window(ctx: RequestContext, windowId: string, action: 'read' | 'manage'): Promise<WindowRecord> {
    const hidden = `Maintenance window "${windowId}" does not exist or is not yours to see; list them with \`patchwarden windows list\`.`;
    principalOf(ctx);
    const w = await this.deps.store.windows.get(windowId);
    if (w === undefined) throw new AppError('not_found', hidden);
    requireObjectAccess(ctx, w.accountId, action, hidden);
    return w;
  }

  /** Checks what the store can tell: other accounts only from the management account, runbooks that resolve, unique task names. */
  private async validate(accountId: string, w: Pick<WindowRecord, 'targets' | 'tasks'>): Promise<void> {
    if (w.targets.accounts !== undefined) {
      const org = await this.deps.store.organizations.get();
      if (org?.managementAccountId !== accountId) {
        const mgmt = org?.managementAccountId === undefined ? 'the management account' : `the management account ${org.managementAccountId}`;
        throw new AppError('validation', `targets.accounts: windows reach other accounts only from ${mgmt} (through executions and delegations); create the window there, or leave "accounts" out.`);
      }
      for (const a of w.targets.accounts) {
        if ((await this.deps.store.accounts.get(a)) === undefined) throw new AppError('validation', `targets.accounts: account "${a}" does not exist; list accounts with \`patchwarden accounts list\`.`);
      }
      const patch = w.tasks.find((t) => t.kind === 'patch');
      if (patch !== undefined) throw new AppError('validation', `task "${patch.name}": patch tasks run in the window's own account only; use a runbook task (e.g. "patch-fleet") to reach targets.accounts.`);
    }
    if (w.tasks.length > MAX_TASKS) throw new AppError('validation', `a window has at most ${MAX_TASKS} tasks; remove some first.`);
    const names = new Set<string>();
    for (const t of w.tasks) {
      if (names.has(t.name)) throw new AppError('conflict', `the window has a task named "${t.name}" already; task names are unique in a window.`);
      names.add(t.name);
      if (t.kind === 'runbook' && t.runbook !== null) await resolveRunbook(this.deps.store, accountId, t.runbook);
    }
  }

  private nameTaken(accountId: string, name: string): AppError {
    return new AppError('conflict', `Account "${accountId}" has a maintenance window named "${name}" already; choose another name.`);
  }

  private record(base: { id: string; accountId: string; createdAt: string; createdBy: string | null }, body: CreateWindowRequest, now: string): WindowRecord {
    const input = CreateWindowSchema.parse(body);
    const tasks: WindowTaskSpec[] = [];
    input.tasks.forEach((t, i) => tasks.push(taskSpec(t, i, tasks)));
    return {
      ...base,
      name: input.name,
      description: input.description ?? '',
      schedule: input.schedule,
      timezone: input.timezone,
      durationHours: input.durationHours,
      cutoffHours: input.cutoffHours,
      startDate: input.startDate ?? null,
      endDate: input.endDate ?? null,
      enabled: input.enabled,
      jitterSeconds: input.jitterSeconds,
      targets: input.targets.accounts === undefined ? { targets: input.targets.targets } : { targets: input.targets.targets, accounts: input.targets.accounts },
      tasks,
      updatedAt: now,
    };
  }

  async list(ctx: RequestContext, query: PageRequest & { accountId?: string | undefined }): Promise<Page<MaintenanceWindow>> {
    const principal = principalOf(ctx);
    if (query.accountId !== undefined) requireAccountAccess(ctx, query.accountId, 'read');
    const result = await this.deps.store.windows.list({ accounts: readableAccounts(principal), accountId: query.accountId }, query);
    const now = this.deps.clock();
    return { ...result, items: result.items.map((w) => windowView(w, now)) };
  }

  async get(ctx: RequestContext, windowId: string): Promise<MaintenanceWindow> {
    return windowView(await this.window(ctx, windowId, 'read'), this.deps.clock());
  }

  async create(ctx: RequestContext, accountId: string, body: CreateWindowRequest): Promise<MaintenanceWindow> {
    const principal = requireAccountAccess(ctx, accountId, 'manage');
    if ((await this.deps.store.accounts.get(accountId)) === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    if ((await this.deps.store.windows.countOf(accountId)) >= MAX_WINDOWS) {
      throw new AppError('conflict', `Account "${accountId}" has ${MAX_WINDOWS} maintenance windows, the most it may have; delete unused ones first.`);
    }
    const now = this.deps.clock();
    const w = this.record({ id: newId('mw'), accountId, createdAt: now.toISOString(), createdBy: principal.username }, body, now.toISOString());
    await this.validate(accountId, w);
    await this.write(ctx, w, 'window.create', (tx) => tx.windows.insert(w), { name: w.name, schedule: w.schedule, timezone: w.timezone, tasks: w.tasks.map((t) => t.name) });
    return windowView(w, now);
  }

  async update(ctx: RequestContext, windowId: string, body: UpdateWindowRequest): Promise<MaintenanceWindow> {
    const before = await this.window(ctx, windowId, 'manage');
    const now = this.deps.clock();
    const after = this.record(before, body, now.toISOString());
    // Tasks keep their ids when their names stay (run history refers to them).
    after.tasks = after.tasks.map((t) => ({ ...t, id: before.tasks.find((b) => b.name === t.name)?.id ?? t.id }));
    await this.validate(before.accountId, after);
    await this.write(ctx, after, 'window.update', (tx) => tx.windows.update(after), {
      before: { name: before.name, schedule: before.schedule, timezone: before.timezone, durationHours: before.durationHours, cutoffHours: before.cutoffHours, enabled: before.enabled, tasks: before.tasks.map((t) => t.name) },
      after: { name: after.name, schedule: after.schedule, timezone: after.timezone, durationHours: after.durationHours, cutoffHours: after.cutoffHours, enabled: after.enabled, tasks: after.tasks.map((t) => t.name) },
    });
    return windowView(after, now);
  }

  async delete(ctx: RequestContext, windowId: string): Promise<void> {
    const w = await this.window(ctx, windowId, 'manage');
    await this.write(ctx, w, 'window.delete', (tx) => tx.windows.delete(windowId), { name: w.name, schedule: w.schedule });
  }

  async addTask(ctx: RequestContext, windowId: string, input: WindowTaskInput): Promise<MaintenanceWindow> {
    const w = await this.window(ctx, windowId, 'manage');
    const task = taskSpec(input, w.tasks.length, w.tasks);
    const after: WindowRecord = { ...w, tasks: [...w.tasks, task], updatedAt: this.deps.clock().toISOString() };
    await this.validate(w.accountId, after);
    await this.write(ctx, after, 'window.task.add', (tx) => tx.windows.update(after), { task: task.name, kind: task.kind, priority: task.priority, runbook: task.runbook, operation: task.operation });
    return windowView(after, this.deps.clock());
  }

  async removeTask(ctx: RequestContext, windowId: string, taskId: string): Promise<MaintenanceWindow> {
    const w = await this.window(ctx, windowId, 'manage');
    const task = w.tasks.find((t) => t.id === taskId);
    if (task === undefined) throw new AppError('not_found', `Window "${windowId}" has no task "${taskId}"; its tasks: ${w.tasks.map((t) => `${t.id} (${t.name})`).join(', ') || 'none'}.`);
    const after: WindowRecord = { ...w, tasks: w.tasks.filter((t) => t !== task), updatedAt: this.deps.clock().toISOString() };
    await this.write(ctx, after, 'window.task.remove', (tx) => tx.windows.update(after), { task: task.name });
    return windowView(after, this.deps.clock());
  }

  private async write(ctx: RequestContext, w: WindowRecord, action: string, change: (tx: Repositories) => Promise<void>, details: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.store.transaction(async (tx) => {
        await change(tx);
        await tx.audit.append(auditEntry(ctx, this.deps.clock(), { action, targetType: 'window', targetId: w.id, accountId: w.accountId, details }));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.nameTaken(w.accountId, w.name);
      throw err;
    }
  }

  async runs(ctx: RequestContext, windowId: string, page: PageRequest): Promise<Page<WindowRun>> {
    await this.window(ctx, windowId, 'read');
    const result = await this.deps.store.windows.listRuns(windowId, page, ['window']);
    return { ...result, items: result.items.map(runView) };
  }

  /** The next `count` instances: start, cutoff and end in UTC and in the window's zone. */
  async schedule(ctx: RequestContext, windowId: string, count: number): Promise<WindowSchedule> {
    const w = await this.window(ctx, windowId, 'read');
    return { windowId: w.id, schedule: w.schedule, timezone: w.timezone, instances: previewInstances(w, this.deps.clock(), count) };
  }
}

/** The next `count` instances of a window after `now`, UTC and local. */
export function previewInstances(w: Pick<WindowRecord, 'schedule' | 'timezone' | 'durationHours' | 'cutoffHours' | 'startDate' | 'endDate' | 'createdAt'>, now: Date, count: number): WindowSchedule['instances'] {
  return nextStarts(scheduleOf(w), w.timezone, now, count, boundsOf(w)).map((s) => {
    const i = instanceOf(s, w.durationHours, w.cutoffHours);
    return {
      start: i.start.toISOString(),
      cutoff: i.cutoff.toISOString(),
      end: i.end.toISOString(),
      startLocal: formatInZone(i.start, w.timezone),
      cutoffLocal: formatInZone(i.cutoff, w.timezone),
      endLocal: formatInZone(i.end, w.timezone),
    };
  });
}
