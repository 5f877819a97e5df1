import { z } from 'zod';
import { FreeText, Id, Timestamp, listQuery, page } from './common.js';
import { MaxConcurrency, MaxErrors } from './commands.contract.js';
import type { AnyEndpoint } from './endpoint.js';
import { defineEndpoint } from './endpoint.js';
import { Targets } from './targets.contract.js';
import { parseRateLimit } from '../domain/targets.js';

export const ExecutionStatus = z.enum(['Pending', 'Running', 'Paused', 'Waiting', 'Success', 'Failed', 'Cancelled']);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;
export const ExecutionAccountStatus = z.enum(['Active', 'Refused', 'Failed', 'Done']);
export const StepRunStatus = z.enum(['Pending', 'Running', 'Waiting', 'Success', 'Failed', 'TimedOut', 'Cancelled', 'Skipped', 'Denied']);
export type StepRunStatus = z.infer<typeof StepRunStatus>;

/** A count (`1`) or a percentage (`10%`) of the execution's nodes, normalised to text. */
function countOrPercent(field: string, min: number) {
  return z.union([z.number(), z.string().max(16)]).transform((v, ctx) => {
    const parsed = parseRateLimit(String(v));
    if (parsed === null || parsed.value < min || (typeof v === 'number' && !Number.isInteger(v))) {
      ctx.addIssue({ code: 'custom', message: `${field} "${String(v)}" must be a whole number of nodes${min > 0 ? ` (at least ${min})` : ''} such as 1, or a percentage of the execution's nodes such as 10%` });
      return z.NEVER;
    }
    return parsed.kind === 'percent' ? `${parsed.value}%` : String(parsed.value);
  });
}

/** Waves of an execution: canary, wave size, bake between waves, halt thresholds. */
export const WavesSpec = z.object({
  canary: z.string(),
  size: z.string(),
  bakeSeconds: z.number().int(),
  maxFailedNodes: z.string(),
  maxFailedChecks: z.number().int(),
});
export type WavesSpecView = z.infer<typeof WavesSpec>;

export const WavesOverride = z.strictObject({
  canary: countOrPercent('waves.canary', 0).optional(),
  size: countOrPercent('waves.size', 1).optional(),
  bakeSeconds: z.number().int().min(0).max(604_800).optional(),
  maxFailedNodes: countOrPercent('waves.maxFailedNodes', 0).optional(),
  maxFailedChecks: z.number().int().min(0).max(10_000).optional(),
});

const ParameterValue = z.union([z.string().max(4096), z.number(), z.boolean()]);

export const ExecutionAccountInput = z.strictObject({
  accountId: Id,
  /** This account's targets (default: the execution's). */
  targets: Targets.optional(),
  maxConcurrency: MaxConcurrency.optional(),
  maxErrors: MaxErrors.optional(),
});

export const StartExecutionRequest = z.strictObject({
  /** Runbook id or name (a runbook of the account or a built-in). */
  runbook: FreeText(1, 128),
  version: z.number().int().min(1).optional(),
  parameters: z.record(z.string().max(64), ParameterValue).optional(),
  targets: Targets,
  /** The accounts to act in (default: just the owner account). Others need a delegation to the management account. */
  accounts: z.array(ExecutionAccountInput).min(1).max(100).optional(),
  /** Per account: at most this many nodes at once (default 10). */
  maxConcurrency: MaxConcurrency.optional(),
  /** Per account: a step fails in an account once more than this many of its nodes failed (default 0). */
  maxErrors: MaxErrors.optional(),
  /** Accounts that may fail before the whole execution stops (default 0). */
  accountMaxErrors: z.number().int().min(0).max(100).optional(),
  waves: WavesOverride.optional(),
  comment: FreeText(0, 500).optional(),
});
export type StartExecutionRequest = z.input<typeof StartExecutionRequest>;

export const ExecutionStep = z.object({
  id: Id,
  stepName: z.string(),
  kind: z.string(),
  /** 0 = canary, 1.. = waves of the rest, null = not a wave step. */
  wave: z.number().int().nullable(),
  accountId: Id.nullable(),
  status: StepRunStatus,
  attempt: z.number().int(),
  commandId: Id.nullable(),
  startedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  output: z.string(),
  outputs: z.record(z.string(), z.unknown()),
});
export type ExecutionStep = z.infer<typeof ExecutionStep>;

export const ExecutionAccount = z.object({
  accountId: Id,
  status: ExecutionAccountStatus,
  reason: z.string().nullable(),
  nodeIds: z.array(Id),
  delegationId: Id.nullable(),
});

export const ExecutionSummary = z.object({
  id: Id,
  accountId: Id,
  runbookId: z.string(),
  runbookName: z.string(),
  runbookVersion: z.number().int(),
  status: ExecutionStatus,
  reason: z.string().nullable(),
  currentStep: z.string().nullable(),
  source: z.object({ kind: z.enum(['user', 'window', 'policy']), id: z.string().nullable() }),
  createdBy: z.string(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
});
export type ExecutionSummary = z.infer<typeof ExecutionSummary>;

export const ExecutionDetail = ExecutionSummary.extend({
  parameters: z.record(z.string(), ParameterValue),
  waves: WavesSpec,
  maxConcurrency: z.string(),
  maxErrors: z.string(),
  accountMaxErrors: z.number().int(),
  comment: z.string(),
  accounts: z.array(ExecutionAccount),
  steps: z.array(ExecutionStep),
  /** The node plan frozen at start: how many nodes, how many in the canary, how many waves of the rest, the current wave. */
  progress: z.object({ nodes: z.number().int(), canaryNodes: z.number().int(), waveSize: z.number().int(), waves: z.number().int(), currentWave: z.number().int().nullable() }),
});
export type ExecutionDetail = z.infer<typeof ExecutionDetail>;

export const ExecutionEvent = z.object({
  seq: z.number().int(),
  at: Timestamp,
  type: z.string(),
  stepName: z.string().nullable(),
  wave: z.number().int().nullable(),
  accountId: Id.nullable(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()),
});
export type ExecutionEvent = z.infer<typeof ExecutionEvent>;

export const ApprovalDecisionRequest = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  comment: FreeText(0, 500).optional(),
});
export type ApprovalDecisionRequest = z.input<typeof ApprovalDecisionRequest>;

export const PendingApproval = z.object({
  executionId: Id,
  accountId: Id,
  runbookName: z.string(),
  stepName: z.string(),
  stepRunId: Id,
  message: z.string(),
  minApprovals: z.number().int(),
  approvals: z.number().int(),
  waitingSince: Timestamp.nullable(),
  deadlineAt: Timestamp.nullable(),
});
export type PendingApproval = z.infer<typeof PendingApproval>;

const ExecutionParams = z.strictObject({ executionId: Id });

export const startExecution = defineEndpoint({
  operationId: 'startExecution',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/executions',
  tag: 'Executions',
  summary: 'Start an execution of a runbook on targets of one or several accounts',
  description:
    'The runbook version is frozen, the parameters validated and the nodes resolved now (per account). Other accounts than the owner need an active delegation to the management account: ' +
    'refused accounts are kept with status Refused and the reason (each refusal audited as denied); when every account is refused the answer is 403. ' +
    'The automation job then runs the steps: canary first, then the remaining nodes in waves, halting when the failures exceed the thresholds.',
  auth: 'authenticated',
  access: 'operator or admin of the account; org-admin',
  params: z.strictObject({ accountId: Id }),
  body: StartExecutionRequest,
  response: ExecutionDetail,
  successStatus: 201,
  audit: 'execution.start',
});

export const listExecutions = defineEndpoint({
  operationId: 'listExecutions',
  method: 'GET',
  path: '/api/v1/executions',
  tag: 'Executions',
  summary: 'List executions of the accounts you can see (owned by or acting in them)',
  auth: 'authenticated',
  access: 'any user (own accounts); organization roles see all',
  query: listQuery(['createdAt', 'status'], '-createdAt').extend({ accountId: Id.optional(), status: ExecutionStatus.optional() }),
  response: page(ExecutionSummary),
});

export const getExecution = defineEndpoint({
  operationId: 'getExecution',
  method: 'GET',
  path: '/api/v1/executions/{executionId}',
  tag: 'Executions',
  summary: 'Show an execution: accounts, step runs, waves',
  auth: 'authenticated',
  access: 'viewer of the owner account or of an account it acts in; organization roles',
  params: ExecutionParams,
  response: ExecutionDetail,
});

export const getExecutionTimeline = defineEndpoint({
  operationId: 'getExecutionTimeline',
  method: 'GET',
  path: '/api/v1/executions/{executionId}/timeline',
  tag: 'Executions',
  summary: 'The timeline of an execution: every transition, in order',
  auth: 'authenticated',
  access: 'viewer of the owner account or of an account it acts in; organization roles',
  params: ExecutionParams,
  query: listQuery(['seq'], 'seq'),
  response: page(ExecutionEvent),
});

function control(op: 'pause' | 'resume' | 'cancel', summary: string) {
  return defineEndpoint({
    operationId: `${op}Execution`,
    method: 'POST',
    path: `/api/v1/executions/{executionId}/${op}`,
    tag: 'Executions',
    summary,
    auth: 'authenticated',
    access: 'operator or admin of the owner account; org-admin',
    params: ExecutionParams,
    response: ExecutionDetail,
    successStatus: 200,
    audit: `execution.${op}`,
  });
}

export const pauseExecution = control('pause', 'Pause an execution: no new step starts; commands already running go on');
export const resumeExecution = control('resume', 'Resume a paused execution');
export const cancelExecution = control('cancel', "Cancel an execution: its running steps' commands are cancelled (what was not delivered yet) and it ends Cancelled");

export const decideApproval = defineEndpoint({
  operationId: 'decideExecutionApproval',
  method: 'POST',
  path: '/api/v1/executions/{executionId}/approvals',
  tag: 'Executions',
  summary: 'Approve or deny the approve step an execution waits on',
  description: 'One denial ends the step Denied; the step succeeds once `minApprovals` users approved. Each user decides once.',
  auth: 'authenticated',
  access: "a user the step names (approvers), or holding one of its approverRoles in the owner account; org-admin when the step's roles include org-admin",
  params: ExecutionParams,
  body: ApprovalDecisionRequest,
  response: ExecutionDetail,
  successStatus: 200,
  audit: 'execution.approval',
});

export const listApprovals = defineEndpoint({
  operationId: 'listPendingApprovals',
  method: 'GET',
  path: '/api/v1/approvals',
  tag: 'Executions',
  summary: 'Approve steps waiting for a decision of the calling user',
  auth: 'authenticated',
  access: 'any user (the steps they may decide)',
  query: listQuery(['waitingSince'], 'waitingSince'),
  response: page(PendingApproval),
});

/** The executions endpoints (issue 6), spread into api.ts `endpoints`. */
export const executionsEndpoints = {
  startExecution,
  listExecutions,
  getExecution,
  getExecutionTimeline,
  pauseExecution,
  resumeExecution,
  cancelExecution,
  decideApproval,
  listApprovals,
} satisfies Record<string, AnyEndpoint>;
