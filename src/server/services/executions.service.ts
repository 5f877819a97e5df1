import { accountAccess, readableAccounts } from '../../domain/access.js';
import type { ApproveStep, WavesSpec } from '../../domain/automation/runbook.js';
import { validateParameters } from '../../domain/automation/template.js';
import { AppError } from '../../domain/errors.js';
import { parseRateLimit, resolveRateLimit } from '../../domain/targets.js';
import {
  StartExecutionRequest,
  type ApprovalDecisionRequest,
  type ExecutionDetail,
  type ExecutionEvent,
  type ExecutionSummary,
  type PendingApproval,
  type Targets,
} from '../../contracts/api.js';
import {
  isUniqueViolation,
  newId,
  type ExecutionAccountRecord,
  type ExecutionRecord,
  type Page,
  type PageRequest,
  type Repositories,
  type StepRunRecord,
} from '../../store/index.js';
import { waveCount, waveOf } from '../automation/engine.js';
import { refreshCommandStatus, systemAuditEntry } from './commands.service.js';
import { auditEntry, principalOf, requireAccountAccess, type Principal, type RequestContext, type ServiceDeps } from './context.js';
import { checkDelegation, type StarterRole } from './delegation-check.js';
import { resolveRunbook } from './runbook-resolve.js';
import { resolveTargets } from './targets.js';

export type { StarterRole } from './delegation-check.js';

export interface ExecutionAccountInput {
  accountId: string;
  targets?: Targets;
  maxConcurrency?: string;
  maxErrors?: string;
}

/** Who starts an execution: a user (principal) or the server (windows, policies). */
interface Starter {
  ctx: RequestContext | null;
  createdBy: string;
  starterRole: StarterRole;
  source: { kind: 'user' | 'window' | 'policy'; id: string | null };
}

const ACTIVE = ['Pending', 'Running', 'Paused', 'Waiting'];

function toSummary(e: ExecutionRecord): ExecutionSummary {
  const active = ACTIVE.includes(e.status);
  return {
    id: e.id,
    accountId: e.accountId,
    runbookId: e.runbookId,
    runbookName: e.runbookName,
    runbookVersion: e.runbookVersion,
    status: e.status,
    reason: e.reason,
    currentStep: active ? (e.runbook.steps[e.stepIndex]?.name ?? null) : null,
    source: { kind: e.sourceKind, id: e.sourceId },
    createdBy: e.createdBy,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    endedAt: e.endedAt,
  };
}

function toDetail(e: ExecutionRecord, accounts: ExecutionAccountRecord[], runs: StepRunRecord[]): ExecutionDetail {
  // In the order they ran; the runs of one step and wave in account order.
  const position = new Map(accounts.map((a) => [a.accountId, a.position]));
  const sameVisit = (a: StepRunRecord, b: StepRunRecord) => a.createdAt === b.createdAt && a.stepName === b.stepName && a.wave === b.wave && a.iteration === b.iteration;
  const steps: StepRunRecord[] = [];
  for (let i = 0; i < runs.length; ) {
    let j = i + 1;
    while (j < runs.length && sameVisit(runs[i]!, runs[j]!)) j++;
    steps.push(...runs.slice(i, j).sort((a, b) => (position.get(a.accountId ?? '') ?? -1) - (position.get(b.accountId ?? '') ?? -1)));
    i = j;
  }
  return {
    ...toSummary(e),
    parameters: e.parameters,
    waves: e.waves,
    maxConcurrency: e.maxConcurrency,
    maxErrors: e.maxErrors,
    accountMaxErrors: e.accountMaxErrors,
    comment: e.comment,
    progress: {
      nodes: e.plan.nodes.length,
      canaryNodes: e.plan.canary,
      waveSize: e.plan.waveSize,
      waves: waveCount(e),
      currentWave: ACTIVE.includes(e.status) && e.runbook.steps[e.stepIndex] !== undefined ? waveOf(e.runbook.steps[e.stepIndex]!, e) : null,
    },
    accounts: accounts.map((a) => ({ accountId: a.accountId, status: a.status, reason: a.reason, nodeIds: a.nodeIds, delegationId: a.delegationId })),
    steps: steps.map((s) => ({
      id: s.id,
      stepName: s.stepName,
      kind: s.kind,
      wave: s.wave,
      accountId: s.accountId,
      status: s.status,
      attempt: s.attempt,
      commandId: s.commandId,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      output: s.output,
      outputs: s.outputs,
    })),
  };
}

/** A count or percentage of `total`, at least `min` when there are any. */
function sizeOf(text: string, total: number, min: number): number {
  const r = parseRateLimit(text) ?? { kind: 'count' as const, value: min };
  const n = r.kind === 'count' ? r.value : Math.ceil((r.value * total) / 100);
  return total === 0 ? 0 : Math.min(total, Math.max(min, n));
}

/** The role a principal starts executions of `accountId` with. */
function starterRoleOf(p: Principal, accountId: string): StarterRole {
  if (p.orgRole === 'org-admin') return 'org-admin';
  return p.memberships.get(accountId) === 'admin' ? 'admin' : 'operator';
}

/** Whether `p` may decide on the approve step: a named approver, or a holder of one of its roles in the owner account (admin covers operator; org-admins count as admins). */
export function mayApprove(p: Principal, step: ApproveStep, ownerAccountId: string): boolean {
  if (step.approvers.includes(p.username)) return true;
  if (p.orgRole === 'org-admin' && step.approverRoles.includes('org-admin')) return true;
  // An org-admin holds every account role: it counts as an admin of the account.
  const role = p.orgRole === 'org-admin' ? 'admin' : p.memberships.get(ownerAccountId);
  if (role === 'admin' && (step.approverRoles.includes('admin') || step.approverRoles.includes('operator'))) return true;
  if (role === 'operator' && step.approverRoles.includes('operator')) return true;
  return false;
}

/** Executions of runbooks (issue 6): start (by users or the server), read, control, approvals. */
export class ExecutionsService {
  constructor(protected readonly deps: ServiceDeps) {}

  async start(ctx: RequestContext, accountId: string, input: StartExecutionRequest): Promise<ExecutionDetail> {
    const principal = requireAccountAccess(ctx, accountId, 'operate');
    const id = await this.create(accountId, StartExecutionRequest.parse(input), {
      ctx,
      createdBy: principal.username,
      starterRole: starterRoleOf(principal, accountId),
      source: { kind: 'user', id: null },
    });
    return this.detail(id);
  }

  /**
   * Starts an execution on behalf of the server (maintenance window tasks, patch policies):
   * the same checks as `start` (delegations with `starterRole`), audited with actor `system`.
   */
  async startSystem(input: {
    ownerAccountId: string;
    runbook: string;
    version?: number;
    parameters?: Record<string, string | number | boolean>;
    targets: Targets;
    accounts?: ExecutionAccountInput[];
    waves?: Partial<WavesSpec>;
    startedBy: string;
    starterRole: StarterRole;
    source: { kind: 'window' | 'policy'; id: string };
    comment?: string;
  }): Promise<{ executionId: string }> {
    const request = StartExecutionRequest.parse({
      runbook: input.runbook,
      targets: input.targets,
      ...(input.version === undefined ? {} : { version: input.version }),
      ...(input.parameters === undefined ? {} : { parameters: input.parameters }),
      ...(input.accounts === undefined ? {} : { accounts: input.accounts }),
      ...(input.waves === undefined ? {} : { waves: input.waves }),
      ...(input.comment === undefined ? {} : { comment: input.comment }),
    });
    const executionId = await this.create(input.ownerAccountId, request, { ctx: null, createdBy: input.startedBy, starterRole: input.starterRole, source: input.source });
    return { executionId };
  }

  private audit(starter: Starter, now: Date, e: Parameters<typeof systemAuditEntry>[1]) {
    return starter.ctx === null ? systemAuditEntry(now, { ...e, details: { ...e.details, source: starter.source, startedBy: starter.createdBy } }) : auditEntry(starter.ctx, now, e);
  }

  private async create(ownerAccountId: string, req: ReturnType<typeof StartExecutionRequest.parse>, starter: Starter): Promise<string> {
    const { store } = this.deps;
    if ((await store.accounts.get(ownerAccountId)) === undefined) throw new AppError('not_found', `Account "${ownerAccountId}" does not exist or is not yours to see.`);
    const now = this.deps.clock();
    const resolved = await resolveRunbook(store, ownerAccountId, req.runbook, req.version);
    const params = validateParameters(resolved.runbook, req.parameters);
    if ('errors' in params) throw new AppError('validation', `The parameters of runbook "${resolved.name}" are not valid: ${params.errors.join('; ')}.`, { details: params.errors });
    const overrides = Object.fromEntries(Object.entries(req.waves ?? {}).filter(([, v]) => v !== undefined)) as Partial<WavesSpec>;
    const waves: WavesSpec = { ...resolved.runbook.waves, ...overrides };
    const maxConcurrency = req.maxConcurrency ?? '10';
    const maxErrors = req.maxErrors ?? '0';
    const inputs = req.accounts ?? [{ accountId: ownerAccountId }];
    const seen = new Set<string>();
    for (const a of inputs) {
      if (seen.has(a.accountId)) throw new AppError('validation', `Account "${a.accountId}" is listed twice in accounts; list each account once.`);
      seen.add(a.accountId);
    }
    const executionId = newId('exec');
    const accounts: ExecutionAccountRecord[] = [];
    const refusals: { accountId: string; reason: string }[] = [];
    for (const [position, a] of inputs.entries()) {
      const decision = await checkDelegation(store, { ownerAccountId, targetAccountId: a.accountId, runbookName: resolved.name, starterRole: starter.starterRole }, now);
      const base = {
        executionId,
        accountId: a.accountId,
        position,
        targets: a.targets ?? req.targets,
        maxConcurrency: a.maxConcurrency ?? maxConcurrency,
        maxErrors: a.maxErrors ?? maxErrors,
        snapshotId: null,
      };
      if (!decision.allowed) {
        refusals.push({ accountId: a.accountId, reason: decision.reason });
        accounts.push({ ...base, status: 'Refused', reason: decision.reason, nodeIds: [], delegationId: null });
        continue;
      }
      const { nodeIds } = await resolveTargets(store, a.accountId, base.targets);
      accounts.push({ ...base, status: 'Active', reason: null, nodeIds, delegationId: decision.delegationId });
    }
    if (refusals.length === inputs.length) {
      await store.transaction(async (tx) => {
        for (const r of refusals) {
          await tx.audit.append(this.audit(starter, now, { action: 'execution.start', outcome: 'denied', targetType: 'execution', targetId: null, accountId: r.accountId, details: { accountId: r.accountId, reason: r.reason, runbook: resolved.name } }));
        }
      });
      throw new AppError('forbidden', `Every target account refused the execution: ${refusals.map((r) => `${r.accountId}: ${r.reason}`).join('; ')}.`, { denied: true, details: refusals });
    }
    const nodes = accounts.flatMap((a) => [...a.nodeIds].sort().map((nodeId) => ({ accountId: a.accountId, nodeId })));
    const canary = sizeOf(waves.canary, nodes.length, 1);
    const waveSize = Math.max(1, sizeOf(waves.size, nodes.length, 1));
    const record: ExecutionRecord = {
      id: executionId,
      accountId: ownerAccountId,
      runbookId: resolved.id,
      runbookName: resolved.name,
      runbookVersion: resolved.version,
      runbook: resolved.runbook,
      parameters: params.values,
      targets: req.targets,
      waves,
      maxConcurrency,
      maxErrors,
      accountMaxErrors: req.accountMaxErrors ?? 0,
      plan: { nodes, canary, waveSize },
      status: 'Pending',
      reason: null,
      stepIndex: 0,
      wave: null,
      iteration: 0,
      visits: {},
      failedChecks: 0,
      transitions: 0,
      wakeAt: null,
      leaseHolder: null,
      leaseExpiresAt: null,
      sourceKind: starter.source.kind,
      sourceId: starter.source.id,
      comment: req.comment ?? '',
      createdBy: starter.createdBy,
      starterRole: starter.starterRole,
      createdAt: now.toISOString(),
      startedAt: null,
      endedAt: null,
      updatedAt: now.toISOString(),
    };
    await store.transaction(async (tx) => {
      await tx.executions.insert(record, accounts);
      await tx.executions.appendEvent({
        id: newId('xev'),
        executionId,
        at: now.toISOString(),
        type: 'execution.created',
        stepName: null,
        wave: null,
        accountId: null,
        message: `created by ${starter.createdBy}: runbook ${resolved.name} v${resolved.version} on ${nodes.length} node(s) in ${accounts.length - refusals.length} account(s)${refusals.length > 0 ? `, ${refusals.length} refused` : ''}`,
        details: { canary, waveSize, refused: refusals },
      });
      for (const r of refusals) {
        await tx.audit.append(this.audit(starter, now, { action: 'execution.start', outcome: 'denied', targetType: 'execution', targetId: executionId, accountId: r.accountId, details: { accountId: r.accountId, reason: r.reason, runbook: resolved.name } }));
      }
      await tx.audit.append(
        this.audit(starter, now, {
          action: 'execution.start',
          targetType: 'execution',
          targetId: executionId,
          accountId: ownerAccountId,
          details: { runbook: resolved.name, runbookId: resolved.id, version: resolved.version, accounts: accounts.map((a) => ({ accountId: a.accountId, status: a.status, nodes: a.nodeIds.length })), parameters: params.values, waves },
        }),
      );
    });
    return executionId;
  }

  private async detail(executionId: string, repos: Repositories = this.deps.store): Promise<ExecutionDetail> {
    const e = await repos.executions.get(executionId);
    if (e === undefined) throw new AppError('not_found', `Execution "${executionId}" does not exist.`);
    return toDetail(e, await repos.executions.accounts(executionId), await repos.executions.steps(executionId));
  }

  /** The execution, if the caller may do `action` on it: read in the owner account or in an account it acts in; operate in the owner account. */
  private async execution(ctx: RequestContext, executionId: string, action: 'read' | 'operate'): Promise<ExecutionRecord> {
    const hidden = `Execution "${executionId}" does not exist or is not yours to see; list executions with \`patchwarden executions list\`.`;
    const principal = principalOf(ctx);
    const e = await this.deps.store.executions.get(executionId);
    if (e === undefined) throw new AppError('not_found', hidden);
    const owner = accountAccess(principal, e.accountId, action);
    if (owner === 'allow') return e;
    const accounts = await this.deps.store.executions.accounts(executionId);
    const reads = owner !== 'hidden' || accounts.some((a) => accountAccess(principal, a.accountId, 'read') === 'allow');
    if (!reads) throw new AppError('not_found', hidden, { denied: true });
    if (action === 'read') return e;
    throw new AppError('forbidden', `Controlling execution ${executionId} needs the operator role in its account "${e.accountId}" (or org-admin).`, { denied: true });
  }

  async get(ctx: RequestContext, executionId: string): Promise<ExecutionDetail> {
    await this.execution(ctx, executionId, 'read');
    return this.detail(executionId);
  }

  async list(ctx: RequestContext, query: PageRequest & { accountId?: string | undefined; status?: string | undefined }): Promise<Page<ExecutionSummary>> {
    const page = await this.deps.store.executions.list({ accounts: readableAccounts(principalOf(ctx)), accountId: query.accountId, status: query.status }, query);
    return { ...page, items: page.items.map(toSummary) };
  }

  async timeline(ctx: RequestContext, executionId: string, query: PageRequest): Promise<Page<ExecutionEvent>> {
    await this.execution(ctx, executionId, 'read');
    const page = await this.deps.store.executions.events(executionId, query);
    return { ...page, items: page.items.map(({ seq, at, type, stepName, wave, accountId, message, details }) => ({ seq, at, type, stepName, wave, accountId, message, details })) };
  }

  /** A control operation in one transaction with the execution row locked (the engine locks it too). */
  private async control(ctx: RequestContext, executionId: string, op: 'pause' | 'resume' | 'cancel'): Promise<ExecutionDetail> {
    await this.execution(ctx, executionId, 'operate');
    const now = this.deps.clock();
    const { store } = this.deps;
    const cancelledCommands: string[] = [];
    await store.transaction(async (tx) => {
      const e = await tx.executions.lock(executionId, store.dialect === 'postgres');
      if (e === undefined) throw new AppError('not_found', `Execution "${executionId}" does not exist.`);
      const active = ACTIVE.includes(e.status);
      if (!active) throw new AppError('conflict', `Execution ${executionId} has ended (${e.status}); only running executions can be paused, resumed or cancelled.`);
      let message: string;
      if (op === 'pause') {
        if (e.status === 'Paused') throw new AppError('conflict', `Execution ${executionId} is paused already; resume it with \`patchwarden executions resume ${executionId}\`.`);
        await tx.executions.update(executionId, { status: 'Paused' }, now.toISOString());
        message = 'paused: no new step starts; commands already running go on';
      } else if (op === 'resume') {
        if (e.status !== 'Paused') throw new AppError('conflict', `Execution ${executionId} is ${e.status}, not paused; there is nothing to resume.`);
        await tx.executions.update(executionId, { status: e.startedAt === null ? 'Pending' : 'Running' }, now.toISOString());
        message = 'resumed';
      } else {
        for (const run of await tx.executions.steps(executionId)) {
          if (!['Pending', 'Running', 'Waiting'].includes(run.status)) continue;
          if (run.commandId !== null) {
            await tx.commands.cancelPending(run.commandId, now.toISOString());
            await refreshCommandStatus(tx, run.commandId);
            cancelledCommands.push(run.commandId);
          }
          await tx.executions.updateStep(run.id, { status: 'Cancelled', endedAt: now.toISOString(), nextAt: null, output: `${run.output}${run.output === '' ? '' : '\n'}cancelled by ${principalOf(ctx).username}` });
        }
        await tx.executions.update(executionId, { status: 'Cancelled', reason: `cancelled by ${principalOf(ctx).username}`, endedAt: now.toISOString(), wakeAt: null, leaseHolder: null, leaseExpiresAt: null }, now.toISOString());
        message = `cancelled${cancelledCommands.length > 0 ? `; commands ${cancelledCommands.join(', ')} cancelled (invocations already running finish)` : ''}`;
      }
      await tx.executions.appendEvent({ id: newId('xev'), executionId, at: now.toISOString(), type: `execution.${op}`, stepName: null, wave: null, accountId: null, message: `${message} by ${principalOf(ctx).username}`, details: {} });
      await tx.audit.append(auditEntry(ctx, now, { action: `execution.${op}`, targetType: 'execution', targetId: executionId, accountId: e.accountId, details: { from: e.status, ...(op === 'cancel' ? { commands: cancelledCommands } : {}) } }));
    });
    return this.detail(executionId);
  }

  pause(ctx: RequestContext, executionId: string): Promise<ExecutionDetail> {
    return this.control(ctx, executionId, 'pause');
  }

  resume(ctx: RequestContext, executionId: string): Promise<ExecutionDetail> {
    return this.control(ctx, executionId, 'resume');
  }

  cancel(ctx: RequestContext, executionId: string): Promise<ExecutionDetail> {
    return this.control(ctx, executionId, 'cancel');
  }

  /** Records the caller's decision on the approve step the execution waits on (the engine acts on it at its next tick). */
  async decide(ctx: RequestContext, executionId: string, input: ApprovalDecisionRequest): Promise<ExecutionDetail> {
    const principal = principalOf(ctx);
    const e = await this.execution(ctx, executionId, 'read');
    const waiting = (await this.deps.store.executions.steps(executionId)).find((r) => r.kind === 'approve' && r.status === 'Waiting');
    if (waiting === undefined || !ACTIVE.includes(e.status)) throw new AppError('conflict', `Execution ${executionId} waits for no approval now (it is ${e.status}${e.reason === null ? '' : `: ${e.reason}`}).`);
    const step = e.runbook.steps.find((s) => s.name === waiting.stepName);
    if (step === undefined || step.kind !== 'approve') throw new AppError('conflict', `Execution ${executionId} waits for no approval now.`);
    if (!mayApprove(principal, step, e.accountId)) {
      const who = [...step.approverRoles.map((r) => (r === 'org-admin' ? 'org-admin' : `${r} of account ${e.accountId}`)), ...step.approvers.map((u) => `user ${u}`)];
      throw new AppError('forbidden', `Step "${step.name}" may be approved or denied by: ${who.join(', ')}; you are none of them.`, { denied: true });
    }
    const now = this.deps.clock();
    try {
      await this.deps.store.transaction(async (tx) => {
        // The engine appends events under the same row lock (the timeline's sequence stays dense).
        await tx.executions.lock(executionId, this.deps.store.dialect === 'postgres');
        await tx.executions.insertApproval({ id: newId('xap'), executionId, stepRunId: waiting.id, userId: principal.userId, username: principal.username, decision: input.decision, comment: input.comment ?? '', at: now.toISOString() });
        await tx.executions.appendEvent({
          id: newId('xev'),
          executionId,
          at: now.toISOString(),
          type: 'approval',
          stepName: step.name,
          wave: null,
          accountId: null,
          message: `${input.decision === 'approve' ? 'approved' : 'denied'} by ${principal.username}${input.comment === undefined || input.comment === '' ? '' : `: ${input.comment}`}`,
          details: { decision: input.decision },
        });
        await tx.audit.append(auditEntry(ctx, now, { action: 'execution.approval', targetType: 'execution', targetId: executionId, accountId: e.accountId, details: { step: step.name, decision: input.decision, comment: input.comment ?? '' } }));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `You decided on step "${step.name}" of execution ${executionId} already; each user decides once.`);
      throw err;
    }
    return this.detail(executionId);
  }

  /** Approve steps waiting for a decision the caller may give (and has not given yet). */
  async approvals(ctx: RequestContext, query: PageRequest): Promise<Page<PendingApproval>> {
    const principal = principalOf(ctx);
    const out: PendingApproval[] = [];
    for (const { execution: e, run } of await this.deps.store.executions.waitingApprovals(1000)) {
      const step = e.runbook.steps.find((s) => s.name === run.stepName);
      if (step === undefined || step.kind !== 'approve' || !mayApprove(principal, step, e.accountId)) continue;
      const decisions = await this.deps.store.executions.approvals(run.id);
      if (decisions.some((d) => d.userId === principal.userId)) continue;
      out.push({
        executionId: e.id,
        accountId: e.accountId,
        runbookName: e.runbookName,
        stepName: step.name,
        stepRunId: run.id,
        message: typeof run.outputs.message === 'string' ? run.outputs.message : step.message,
        minApprovals: step.minApprovals,
        approvals: decisions.filter((d) => d.decision === 'approve').length,
        waitingSince: run.startedAt,
        deadlineAt: run.deadlineAt,
      });
    }
    if (query.sort.startsWith('-')) out.reverse();
    return { items: out.slice(query.offset, query.offset + query.limit), total: out.length, limit: query.limit, offset: query.offset };
  }
}

/** For tests and the CLI: the number of nodes a rate limit allows. */
export function resolveLimit(text: string, total: number, use: 'concurrency' | 'errors'): number {
  return resolveRateLimit(parseRateLimit(text) ?? { kind: 'count', value: 0 }, total, use);
}
