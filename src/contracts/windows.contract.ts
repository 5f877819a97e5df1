import { z } from 'zod';
import { isValidTimeZone, parseSchedule } from '../domain/schedules.js';
import { MaxConcurrency, MaxErrors, RebootOption } from './commands.contract.js';
import { FreeText, Id, Timestamp, listQuery, page } from './common.js';
import type { AnyEndpoint } from './endpoint.js';
import { defineEndpoint } from './endpoint.js';
import { Targets } from './targets.contract.js';

/** A schedule: 5-field cron, SSM `cron(…)` (6 fields) or `rate(N unit)`; refused with the reason and an example. */
export const ScheduleExpression = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .superRefine((s, ctx) => {
    const parsed = parseSchedule(s);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
  });

/** An IANA time zone (`Europe/Berlin`, `UTC`). */
export const TimeZone = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine(isValidTimeZone, { message: 'not an IANA time zone; write e.g. "UTC", "Europe/Berlin" or "America/New_York"' });

const TaskName = FreeText(1, 64).refine((n) => /^[A-Za-z0-9_.-]+$/.test(n), { message: 'task names use letters, digits, "_", "." and "-"' });
const WindowName = FreeText(1, 128).refine((n) => /^[A-Za-z0-9_.\- ]+$/.test(n), { message: 'window names use letters, digits, spaces, "_", "." and "-"' });

export const WindowTaskInput = z
  .strictObject({
    name: TaskName.optional(),
    /** 0 runs first; tasks of the same priority start together, the next priority once they all ended. */
    priority: z.number().int().min(0).max(100).default(0),
    kind: z.enum(['runbook', 'patch']),
    /** Runbook tasks: the runbook id or name (e.g. `patch-fleet`). */
    runbook: FreeText(1, 128).optional(),
    parameters: z.record(z.string().max(64), z.union([z.string().max(4000), z.number(), z.boolean()])).optional(),
    /** Patch tasks: Scan or Install. */
    operation: z.enum(['Scan', 'Install']).optional(),
    rebootOption: RebootOption.optional(),
    maxConcurrency: MaxConcurrency.optional(),
    maxErrors: MaxErrors.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.kind === 'runbook') {
      if (t.runbook === undefined) ctx.addIssue({ code: 'custom', path: ['runbook'], message: 'a runbook task needs "runbook" (an id or name, e.g. "patch-fleet")' });
      if (t.operation !== undefined || t.rebootOption !== undefined) ctx.addIssue({ code: 'custom', path: ['operation'], message: 'a runbook task takes no "operation"/"rebootOption"; pass them as runbook parameters' });
    } else {
      if (t.operation === undefined) ctx.addIssue({ code: 'custom', path: ['operation'], message: 'a patch task needs "operation": "Scan" or "Install"' });
      if (t.runbook !== undefined || t.parameters !== undefined) ctx.addIssue({ code: 'custom', path: ['runbook'], message: 'a patch task takes no "runbook"/"parameters"; use kind "runbook" for those' });
    }
  });
export type WindowTaskInput = z.input<typeof WindowTaskInput>;

export const WindowTask = z.object({
  id: Id,
  name: z.string(),
  priority: z.number().int(),
  kind: z.enum(['runbook', 'patch']),
  runbook: z.string().nullable(),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  operation: z.enum(['Scan', 'Install']).nullable(),
  rebootOption: RebootOption.nullable(),
  maxConcurrency: z.string().nullable(),
  maxErrors: z.string().nullable(),
});
export type WindowTask = z.infer<typeof WindowTask>;

export const WindowTargets = z.strictObject({
  targets: Targets,
  /** Other accounts (runbook tasks only, from the organization's management account, through delegations). */
  accounts: z.array(Id).min(1).max(100).optional(),
});

const windowFields = {
  name: WindowName,
  description: FreeText(0, 1000).optional(),
  schedule: ScheduleExpression,
  timezone: TimeZone.default('UTC'),
  durationHours: z.number().int().min(1).max(24),
  cutoffHours: z.number().int().min(0).max(23).default(0),
  startDate: Timestamp.nullable().optional(),
  endDate: Timestamp.nullable().optional(),
  enabled: z.boolean().default(true),
  jitterSeconds: z.number().int().min(0).max(3600).default(0),
  targets: WindowTargets,
  tasks: z.array(WindowTaskInput).max(20).default([]),
};

function windowRules(w: { durationHours: number; cutoffHours: number; startDate?: string | null | undefined; endDate?: string | null | undefined; tasks: { name?: string | undefined }[] }, ctx: z.RefinementCtx): void {
  if (w.cutoffHours >= w.durationHours) ctx.addIssue({ code: 'custom', path: ['cutoffHours'], message: `cutoffHours (${w.cutoffHours}) must be less than durationHours (${w.durationHours}): no task could start` });
  if (w.startDate !== null && w.startDate !== undefined && w.endDate !== null && w.endDate !== undefined && Date.parse(w.endDate) <= Date.parse(w.startDate)) ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'endDate must be after startDate' });
  const names = w.tasks.flatMap((t) => (t.name === undefined ? [] : [t.name]));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) ctx.addIssue({ code: 'custom', path: ['tasks'], message: `two tasks are named "${dup}"; task names must be unique in a window` });
}

/** A new window; PUT takes the same body and replaces the window (tasks included). */
export const CreateWindowRequest = z.strictObject(windowFields).superRefine(windowRules);
export type CreateWindowRequest = z.input<typeof CreateWindowRequest>;
export const UpdateWindowRequest = CreateWindowRequest;
export type UpdateWindowRequest = z.input<typeof UpdateWindowRequest>;

export const MaintenanceWindow = z.object({
  id: Id,
  accountId: Id,
  name: z.string(),
  description: z.string(),
  schedule: z.string(),
  timezone: z.string(),
  durationHours: z.number().int(),
  cutoffHours: z.number().int(),
  startDate: Timestamp.nullable(),
  endDate: Timestamp.nullable(),
  enabled: z.boolean(),
  jitterSeconds: z.number().int(),
  targets: z.object({ targets: z.unknown(), accounts: z.array(Id).optional() }),
  tasks: z.array(WindowTask),
  /** The next instance start (UTC), null when the schedule has none left or the window is disabled. */
  nextStart: Timestamp.nullable(),
  createdAt: Timestamp,
  createdBy: z.string().nullable(),
  updatedAt: Timestamp,
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

export const RunStatus = z.enum(['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'SKIPPED_OVERLAPPING']);
export const RunTaskStatus = z.enum(['PENDING', 'STARTING', 'IN_PROGRESS', 'SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'SKIPPED']);

export const WindowRunTask = z.object({
  id: Id,
  taskId: z.string(),
  name: z.string(),
  priority: z.number().int(),
  kind: z.enum(['runbook', 'patch']),
  accountId: Id,
  status: RunTaskStatus,
  reason: z.string().nullable(),
  /** The earliest start: the run's start plus the task's jitter. */
  notBefore: Timestamp,
  startedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  executionId: z.string().nullable(),
  commandId: z.string().nullable(),
});
export type WindowRunTask = z.infer<typeof WindowRunTask>;

export const WindowRun = z.object({
  id: Id,
  /** The window, or the policy for policy runs. */
  ownerId: Id,
  kind: z.enum(['window', 'policy-scan', 'policy-install']),
  status: RunStatus,
  reason: z.string().nullable(),
  scheduledStart: Timestamp,
  cutoffAt: Timestamp,
  endAt: Timestamp,
  createdAt: Timestamp,
  endedAt: Timestamp.nullable(),
  tasks: z.array(WindowRunTask),
});
export type WindowRun = z.infer<typeof WindowRun>;

export const ScheduleInstance = z.object({
  start: Timestamp,
  cutoff: Timestamp,
  end: Timestamp,
  /** The same instants in the window's zone, with the offset (`2026-11-29T02:00:00+01:00`). */
  startLocal: z.string(),
  cutoffLocal: z.string(),
  endLocal: z.string(),
});
export type ScheduleInstance = z.infer<typeof ScheduleInstance>;

export const WindowSchedule = z.object({ windowId: Id, schedule: z.string(), timezone: z.string(), instances: z.array(ScheduleInstance) });
export type WindowSchedule = z.infer<typeof WindowSchedule>;

const WindowParams = z.strictObject({ windowId: Id });

export const listWindows = defineEndpoint({
  operationId: 'listWindows',
  method: 'GET',
  path: '/api/v1/windows',
  tag: 'Maintenance windows',
  summary: 'List the maintenance windows of the accounts you can see',
  auth: 'authenticated',
  access: 'any user (own accounts); organization roles see all',
  query: listQuery(['name', 'createdAt'], 'name').extend({ accountId: Id.optional() }),
  response: page(MaintenanceWindow),
});

export const createWindow = defineEndpoint({
  operationId: 'createWindow',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/windows',
  tag: 'Maintenance windows',
  summary: 'Create a maintenance window: schedule (cron with time zone, SSM cron or rate), duration, cutoff, targets, tasks',
  description: 'Instances start at the schedule in the window\'s time zone; tasks start in priority order, each delayed by its jitter, never after the cutoff (end − cutoffHours).',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: z.strictObject({ accountId: Id }),
  body: CreateWindowRequest,
  response: MaintenanceWindow,
  successStatus: 201,
  audit: 'window.create',
});

export const getWindow = defineEndpoint({
  operationId: 'getWindow',
  method: 'GET',
  path: '/api/v1/windows/{windowId}',
  tag: 'Maintenance windows',
  summary: 'Show a maintenance window and its tasks',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: WindowParams,
  response: MaintenanceWindow,
});

export const updateWindow = defineEndpoint({
  operationId: 'updateWindow',
  method: 'PUT',
  path: '/api/v1/windows/{windowId}',
  tag: 'Maintenance windows',
  summary: 'Replace a maintenance window (all fields, tasks included); runs already created keep their tasks',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: WindowParams,
  body: UpdateWindowRequest,
  response: MaintenanceWindow,
  audit: 'window.update',
});

export const deleteWindow = defineEndpoint({
  operationId: 'deleteWindow',
  method: 'DELETE',
  path: '/api/v1/windows/{windowId}',
  tag: 'Maintenance windows',
  summary: 'Delete a maintenance window with its tasks and run history (executions and commands it started stay)',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: WindowParams,
  response: z.undefined(),
  successStatus: 204,
  audit: 'window.delete',
});

export const addWindowTask = defineEndpoint({
  operationId: 'addWindowTask',
  method: 'POST',
  path: '/api/v1/windows/{windowId}/tasks',
  tag: 'Maintenance windows',
  summary: 'Add a task to a maintenance window',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: WindowParams,
  body: WindowTaskInput,
  response: MaintenanceWindow,
  successStatus: 201,
  audit: 'window.task.add',
});

export const removeWindowTask = defineEndpoint({
  operationId: 'removeWindowTask',
  method: 'DELETE',
  path: '/api/v1/windows/{windowId}/tasks/{taskId}',
  tag: 'Maintenance windows',
  summary: 'Remove a task from a maintenance window',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: z.strictObject({ windowId: Id, taskId: Id }),
  response: MaintenanceWindow,
  audit: 'window.task.remove',
});

export const listWindowRuns = defineEndpoint({
  operationId: 'listWindowRuns',
  method: 'GET',
  path: '/api/v1/windows/{windowId}/runs',
  tag: 'Maintenance windows',
  summary: 'The run history of a maintenance window, with the status of each task',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: WindowParams,
  query: listQuery(['scheduledStart'], '-scheduledStart'),
  response: page(WindowRun),
});

export const getWindowSchedule = defineEndpoint({
  operationId: 'getWindowSchedule',
  method: 'GET',
  path: '/api/v1/windows/{windowId}/schedule',
  tag: 'Maintenance windows',
  summary: 'The next instances of a window: start, cutoff and end in UTC and in the window\'s time zone',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: WindowParams,
  query: z.strictObject({ count: z.coerce.number().int().min(1).max(100).default(10) }),
  response: WindowSchedule,
});

/** The windows endpoints (issue 6), spread into api.ts `endpoints`. */
export const windowsEndpoints = {
  listWindows,
  createWindow,
  getWindow,
  updateWindow,
  deleteWindow,
  addWindowTask,
  removeWindowTask,
  listWindowRuns,
  getWindowSchedule,
} satisfies Record<string, AnyEndpoint>;
