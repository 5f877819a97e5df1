/**
 * The automation engine: runs executions of runbooks as a state machine persisted step by step.
 *
 * - Each tick claims the runnable executions by a conditional UPDATE of their lease
 *   (`lease_holder`, `lease_expires_at`: free, expired or already this holder's), then advances
 *   each by as many transitions as possible. Every transition is one database transaction that
 *   locks the execution row (PostgreSQL) and checks the lease is still this holder's (fencing).
 * - Exactly once: a step run row and its command are created in the same transaction; the unique
 *   key of step runs refuses a second insert. After a crash the next lease holder finds the row and
 *   follows its command instead of creating another one.
 * - Waits and bakes are `wake_at`/`next_at` instants in the database: nothing sleeps in memory.
 * - HTTP checks run outside transactions (a GET may repeat after a crash; nothing else does).
 */
import type pino from 'pino';
import { renderStep, type TemplateVars } from '../../domain/automation/template.js';
import type { ApproveStep, CheckStep, NodeSelection, RunbookStep, StepOutcome } from '../../domain/automation/runbook.js';
import { AppError } from '../../domain/errors.js';
import { parseRateLimit, resolveRateLimit } from '../../domain/targets.js';
import type { SendCommandRequest } from '../../contracts/api.js';
import {
  newId,
  type ExecutionAccountRecord,
  type ExecutionChanges,
  type ExecutionRecord,
  type Repositories,
  type StepRunRecord,
  type StepRunStatus,
  type Store,
} from '../../store/index.js';
import type { ServerConfig } from '../config.js';
import { checkSendRequest, createCommandIn, refreshCommandStatus, systemAuditEntry } from '../services/commands.service.js';
import type { Clock } from '../services/context.js';
import { checkDelegation } from '../services/delegation-check.js';
import { getCheckAllowedHosts, runHttpCheck } from './http-check.js';

export interface EngineDeps {
  store: Store;
  clock: Clock;
  logger: pino.Logger;
  config: ServerConfig;
  /** Wakes the long-polls of released nodes (CommandsService.notify). */
  services: { commands: { notify(nodeIds: readonly string[]): void } };
}

const ENDED_RUN: ReadonlySet<StepRunStatus> = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled', 'Skipped', 'Denied']);
const ACTIVE_RUN: StepRunStatus[] = ['Pending', 'Running', 'Waiting'];
const MAX_VISITS = 100;
const MAX_TRANSITIONS_PER_TICK = 200;

class LeaseLost extends Error {}

/** What one transition did. */
interface Outcome {
  progressed: boolean;
  released?: string[];
  /** An HTTP check attempt due now: run outside the transaction, then record it. */
  http?: { runId: string; attempt: number; step: CheckStep };
}

const NONE: Outcome = { progressed: false };
const DONE: Outcome = { progressed: true };

/** The wave key of a node step at the execution's cursor: 0 canary, the current wave for remaining, null otherwise. */
export function waveOf(step: RunbookStep, e: Pick<ExecutionRecord, 'wave'>): number | null {
  const sel = nodeSelection(step);
  if (sel === 'canary') return 0;
  if (sel === 'remaining') return e.wave ?? 1;
  return null;
}

function nodeSelection(step: RunbookStep): NodeSelection | null {
  if (step.kind === 'patch' || step.kind === 'run') return step.nodes;
  if (step.kind === 'check' && step.script !== null) return step.script.nodes;
  return null;
}

/** How many waves the remaining nodes make. */
export function waveCount(e: Pick<ExecutionRecord, 'plan'>): number {
  const rest = Math.max(0, e.plan.nodes.length - e.plan.canary);
  return rest === 0 ? 0 : Math.ceil(rest / Math.max(1, e.plan.waveSize));
}

/** The node ids (with their accounts) of a selection at a wave. */
export function nodesOf(e: Pick<ExecutionRecord, 'plan'>, sel: NodeSelection, wave: number | null): { accountId: string; nodeId: string }[] {
  const { nodes, canary, waveSize } = e.plan;
  if (sel === 'all') return nodes;
  if (sel === 'canary') return nodes.slice(0, canary);
  const w = wave ?? 1;
  const from = canary + (w - 1) * waveSize;
  return nodes.slice(from, from + waveSize);
}

function iso(d: Date): string {
  return d.toISOString();
}

function plus(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}

function firstLine(text: string): string {
  return (text.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 300);
}

/** The outcome of a step visit from its runs. */
export function outcomeOf(runs: readonly Pick<StepRunRecord, 'status'>[]): StepOutcome {
  const s = new Set(runs.map((r) => r.status));
  for (const o of ['Denied', 'TimedOut', 'Failed', 'Cancelled'] as const) if (s.has(o)) return o;
  if (runs.length > 0 && [...s].every((x) => x === 'Skipped')) return 'Skipped';
  return 'Success';
}

export class AutomationEngine {
  constructor(
    private readonly deps: EngineDeps,
    readonly holder: string,
  ) {}

  private get leaseMs(): number {
    return this.deps.config.automationLeaseSeconds * 1000;
  }

  /** One tick: claims (or renews) the leases of runnable executions and advances each as far as it goes. Returns the transitions made. */
  async runOnce(): Promise<number> {
    const now = this.deps.clock();
    const ids = await this.deps.store.executions.claimable(this.holder, iso(now), 100);
    let total = 0;
    for (const id of ids) {
      const at = this.deps.clock();
      const before = await this.deps.store.executions.get(id);
      if (!(await this.deps.store.executions.claim(id, this.holder, iso(at), new Date(at.getTime() + this.leaseMs).toISOString()))) continue;
      try {
        const previous = before?.leaseHolder ?? null;
        if (previous !== null && previous !== this.holder) {
          await this.transition(id, async (tx, e, now) => {
            await this.event(tx, e, now, 'lease.takeover', `engine ${this.holder} took over from ${previous} (its lease expired at ${before?.leaseExpiresAt ?? '?'})`, { details: { from: previous, to: this.holder } });
            return NONE;
          });
        }
        total += await this.advance(id);
      } catch (err) {
        if (err instanceof LeaseLost) continue;
        this.deps.logger.warn({ err, executionId: id }, 'execution transition failed');
      }
    }
    return total;
  }

  /** Releases the leases this holder has (a clean stop: another replica may take over at once). */
  async releaseAll(): Promise<void> {
    const now = iso(this.deps.clock());
    for (const id of await this.deps.store.executions.claimable(this.holder, now, 1000)) {
      const e = await this.deps.store.executions.get(id);
      if (e?.leaseHolder === this.holder) await this.deps.store.executions.releaseLease(id, this.holder);
    }
  }

  /** Advances one execution (whose lease this holder has) by as many transitions as possible. */
  async advance(executionId: string): Promise<number> {
    let n = 0;
    while (n < MAX_TRANSITIONS_PER_TICK) {
      const out = await this.transition(executionId, (tx, e, now) => this.step(tx, e, now));
      if (out.http !== undefined) {
        const { runId, attempt, step } = out.http;
        const hosts = await getCheckAllowedHosts(this.deps.store);
        const spec = step.http;
        if (spec === null) break;
        const result = await runHttpCheck(spec, hosts, Math.min(30_000, step.timeoutSeconds * 1000));
        await this.transition(executionId, (tx, e, now) => this.recordHttp(tx, e, now, runId, attempt, step, result));
        n += 1;
        continue;
      }
      if (!out.progressed) break;
      n += 1;
    }
    return n;
  }

  private async transition(executionId: string, fn: (tx: Repositories, e: ExecutionRecord, now: Date) => Promise<Outcome>): Promise<Outcome> {
    const { store } = this.deps;
    const out = await store.transaction(async (tx) => {
      const now = this.deps.clock();
      const e = await tx.executions.lock(executionId, store.dialect === 'postgres');
      if (e === undefined) return NONE;
      if (e.leaseHolder !== this.holder || e.leaseExpiresAt === null || e.leaseExpiresAt <= iso(now)) throw new LeaseLost();
      if (!['Pending', 'Running', 'Waiting', 'Paused'].includes(e.status)) return NONE;
      return fn(tx, e, now);
    });
    if (out.released !== undefined && out.released.length > 0) this.deps.services.commands.notify(out.released);
    return out;
  }

  // ---------------------------------------------------------------------------------------------

  private async event(tx: Repositories, e: ExecutionRecord, now: Date, type: string, message: string, extra: { stepName?: string | null; wave?: number | null; accountId?: string | null; details?: Record<string, unknown> } = {}): Promise<void> {
    await tx.executions.appendEvent({
      id: newId('xev'),
      executionId: e.id,
      at: iso(now),
      type,
      stepName: extra.stepName ?? null,
      wave: extra.wave ?? null,
      accountId: extra.accountId ?? null,
      message,
      details: extra.details ?? {},
    });
  }

  private async finish(tx: Repositories, e: ExecutionRecord, now: Date, status: 'Success' | 'Failed', reason: string | null): Promise<Outcome> {
    await tx.executions.update(e.id, { status, reason, endedAt: iso(now), wakeAt: null, stepIndex: e.runbook.steps.length, wave: null, leaseHolder: null, leaseExpiresAt: null }, iso(now));
    if (status === 'Success') {
      for (const a of await tx.executions.accounts(e.id)) if (a.status === 'Active') await tx.executions.updateAccount(e.id, a.accountId, { status: 'Done' });
    }
    await this.event(tx, e, now, 'execution.ended', `execution ended ${status}${reason === null ? '' : `: ${reason}`}`, { details: { status, reason } });
    return DONE;
  }

  /** Moves the cursor to step `index` (a new visit of it). */
  private async moveTo(tx: Repositories, e: ExecutionRecord, now: Date, index: number, why: string): Promise<Outcome> {
    const steps = e.runbook.steps;
    if (index >= steps.length) {
      const accounts = await tx.executions.accounts(e.id);
      const failed = accounts.filter((a) => a.status === 'Failed').length;
      return this.finish(tx, e, now, 'Success', failed > 0 ? `${failed} account(s) failed (accountMaxErrors ${e.accountMaxErrors})` : null);
    }
    const next = steps[index]!;
    const iteration = e.visits[next.name] ?? 0;
    if (iteration >= MAX_VISITS) return this.finish(tx, e, now, 'Failed', `step "${next.name}" was entered ${MAX_VISITS} times; a goto loop never ends`);
    const visits = { ...e.visits, [next.name]: iteration + 1 };
    const wave = nodeSelection(next) === 'remaining' ? 1 : nodeSelection(next) === 'canary' ? 0 : null;
    const changes: ExecutionChanges = { stepIndex: index, iteration, visits, wave, wakeAt: null };
    if (e.status === 'Waiting') changes.status = 'Running';
    await tx.executions.update(e.id, changes, iso(now));
    await this.event(tx, e, now, 'step.next', `next: step "${next.name}" (${why})`, { stepName: next.name, details: { iteration } });
    return DONE;
  }

  private async vars(tx: Repositories, e: ExecutionRecord): Promise<TemplateVars> {
    const steps: Record<string, Record<string, unknown>> = {};
    const byStep = new Map<string, StepRunRecord[]>();
    for (const r of await tx.executions.steps(e.id)) {
      const list = byStep.get(r.stepName) ?? [];
      list.push(r);
      byStep.set(r.stepName, list);
    }
    for (const [name, runs] of byStep) {
      const last = Math.max(...runs.map((r) => r.iteration));
      const latest = runs.filter((r) => r.iteration === last);
      const merged: Record<string, unknown> = {};
      for (const r of latest) Object.assign(merged, r.outputs);
      merged.status = outcomeOf(latest);
      steps[name] = merged;
    }
    return { parameters: e.parameters, steps };
  }

  /** One transition of the execution at its cursor. */
  private async step(tx: Repositories, e: ExecutionRecord, now: Date): Promise<Outcome> {
    if (e.status === 'Pending') {
      const first = e.runbook.steps[0];
      const wave = first === undefined ? null : nodeSelection(first) === 'remaining' ? 1 : nodeSelection(first) === 'canary' ? 0 : null;
      await tx.executions.update(e.id, { status: 'Running', startedAt: iso(now), visits: first === undefined ? {} : { [first.name]: 1 }, iteration: 0, wave }, iso(now));
      await this.event(tx, e, now, 'execution.started', `execution started on ${e.plan.nodes.length} node(s): canary ${e.plan.canary}, then ${waveCount(e)} wave(s) of up to ${e.plan.waveSize}`, { details: { holder: this.holder } });
      return DONE;
    }
    const step = e.runbook.steps[e.stepIndex];
    if (step === undefined) return this.moveTo(tx, e, now, e.stepIndex, 'end');
    const wave = waveOf(step, e);
    const runs = await tx.executions.runsOf(e.id, step.name, e.iteration, wave);
    if (runs.length === 0) {
      if (e.status === 'Paused') return NONE;
      if (e.wakeAt !== null && e.wakeAt > iso(now)) return NONE;
      return this.startStep(tx, e, now, step, wave);
    }
    const active = runs.filter((r) => !ENDED_RUN.has(r.status));
    if (active.length > 0) return this.progressRuns(tx, e, now, step, active);
    return this.concludeStep(tx, e, now, step, wave, runs);
  }

  // ---- starting a step -------------------------------------------------------------------------

  private async insertRun(tx: Repositories, e: ExecutionRecord, now: Date, step: RunbookStep, wave: number | null, accountId: string | null, r: Partial<StepRunRecord> & { status: StepRunStatus }): Promise<StepRunRecord> {
    const ended = ENDED_RUN.has(r.status);
    const run: StepRunRecord = {
      id: newId('xst'),
      executionId: e.id,
      stepName: step.name,
      stepIndex: e.stepIndex,
      kind: step.kind,
      wave,
      accountId,
      iteration: e.iteration,
      attempt: 1,
      commandId: null,
      nodeIds: [],
      outputs: {},
      output: '',
      nextAt: null,
      deadlineAt: plus(now, step.timeoutSeconds),
      createdAt: iso(now),
      startedAt: iso(now),
      endedAt: ended ? iso(now) : null,
      ...r,
    };
    await tx.executions.insertStep(run);
    return run;
  }

  private async startStep(tx: Repositories, e: ExecutionRecord, now: Date, raw: RunbookStep, wave: number | null): Promise<Outcome> {
    let step: RunbookStep;
    try {
      step = renderStep(raw, await this.vars(tx, e));
    } catch (err) {
      const message = (err as Error).message;
      await this.insertRun(tx, e, now, raw, wave, null, { status: 'Failed', output: `not started: ${message}` });
      await this.event(tx, e, now, 'step.failed', `step "${raw.name}" could not start: ${message}`, { stepName: raw.name, wave });
      return DONE;
    }
    const label = wave === null ? `step "${step.name}"` : `step "${step.name}" wave ${wave}${wave === 0 ? ' (canary)' : ` of ${waveCount(e)}`}`;
    if (e.status === 'Waiting' && step.kind !== 'approve') await tx.executions.update(e.id, { status: 'Running' }, iso(now));
    switch (step.kind) {
      case 'wait': {
        const until = plus(now, step.seconds);
        await this.insertRun(tx, e, now, step, wave, null, { status: 'Running', nextAt: until, outputs: { seconds: step.seconds } });
        await tx.executions.update(e.id, { wakeAt: until }, iso(now));
        await this.event(tx, e, now, 'step.started', `${label}: waiting ${step.seconds} s (until ${until})`, { stepName: step.name });
        return DONE;
      }
      case 'approve': {
        await this.insertRun(tx, e, now, step, wave, null, { status: 'Waiting', outputs: { message: step.message, minApprovals: step.minApprovals } });
        if (e.status === 'Running') await tx.executions.update(e.id, { status: 'Waiting' }, iso(now));
        await this.event(tx, e, now, 'step.started', `${label}: waiting for ${step.minApprovals} approval(s): ${step.message}`, { stepName: step.name });
        return DONE;
      }
      case 'branch': {
        const target = await this.branchTarget(tx, e, step);
        await this.insertRun(tx, e, now, step, wave, null, { status: 'Success', outputs: { goto: target }, output: target === null ? 'no choice matched: next step' : `goto ${target}` });
        await this.event(tx, e, now, 'step.ended', `${label}: ${target === null ? 'no choice matched, next step' : `goto ${target}`}`, { stepName: step.name });
        return DONE;
      }
      case 'check':
        if (step.http !== null) {
          await this.insertRun(tx, e, now, step, wave, null, { status: 'Running', nextAt: iso(now) });
          await this.event(tx, e, now, 'step.started', `${label}: HTTP ${step.http.method} ${step.http.url}`, { stepName: step.name });
          return DONE;
        }
        return this.startNodeStep(tx, e, now, step, wave, label);
      case 'patch':
      case 'run':
        return this.startNodeStep(tx, e, now, step, wave, label);
    }
  }

  private async branchTarget(tx: Repositories, e: ExecutionRecord, step: Extract<RunbookStep, { kind: 'branch' }>): Promise<string | null> {
    for (const choice of step.choices) {
      const w = choice.when;
      if ('parameter' in w) {
        if (String(e.parameters[w.parameter] ?? '') === w.equals) return choice.goto;
      } else {
        const runs = (await tx.executions.steps(e.id)).filter((r) => r.stepName === w.step);
        if (runs.length === 0) continue;
        const last = Math.max(...runs.map((r) => r.iteration));
        if (outcomeOf(runs.filter((r) => r.iteration === last)) === w.outcome) return choice.goto;
      }
    }
    return step.default;
  }

  /** Starts a node step (patch, run, script check) in each active account with nodes in the wave: one command per account. */
  private async startNodeStep(tx: Repositories, e: ExecutionRecord, now: Date, step: Extract<RunbookStep, { kind: 'patch' | 'run' | 'check' }>, wave: number | null, label: string): Promise<Outcome> {
    const sel = nodeSelection(step) ?? 'all';
    const targetNodes = nodesOf(e, sel, wave);
    const accounts = await tx.executions.accounts(e.id);
    const released: string[] = [];
    let started = 0;
    for (const account of accounts) {
      if (account.status !== 'Active') continue;
      const nodeIds = targetNodes.filter((n) => n.accountId === account.accountId).map((n) => n.nodeId);
      if (nodeIds.length === 0) continue;
      if (account.accountId !== e.accountId) {
        const decision = await checkDelegation(tx, { ownerAccountId: e.accountId, targetAccountId: account.accountId, runbookName: e.runbookName, starterRole: e.starterRole }, now);
        if (!decision.allowed) {
          const reason = `delegation revoked or no longer valid: ${decision.reason}`;
          await tx.executions.updateAccount(e.id, account.accountId, { status: 'Refused', reason });
          await tx.audit.append(systemAuditEntry(now, { action: 'execution.start', outcome: 'denied', targetType: 'execution', targetId: e.id, accountId: account.accountId, details: { accountId: account.accountId, reason, step: step.name } }));
          await this.event(tx, e, now, 'account.refused', `account ${account.accountId} refused before ${label}: ${decision.reason}`, { stepName: step.name, wave, accountId: account.accountId });
          continue;
        }
      }
      const started1 = await this.startInAccount(tx, e, now, step, wave, account, nodeIds);
      released.push(...started1.released);
      started += 1;
    }
    if (started === 0) {
      const left = (await tx.executions.accounts(e.id)).filter((a) => a.status === 'Active');
      if (left.length === 0) return this.finish(tx, e, now, 'Failed', `no account left to run ${label} in (every account failed or was refused)`);
      await this.insertRun(tx, e, now, step, wave, null, { status: 'Skipped', output: 'no node of an active account in this selection' });
      await this.event(tx, e, now, 'step.skipped', `${label}: skipped, no node to run on`, { stepName: step.name, wave });
      return DONE;
    }
    await this.event(tx, e, now, 'step.started', `${label}: started on ${targetNodes.length} node(s) in ${started} account(s)`, { stepName: step.name, wave, details: { nodes: targetNodes.length } });
    return { progressed: true, released };
  }

  private async startInAccount(tx: Repositories, e: ExecutionRecord, now: Date, step: Extract<RunbookStep, { kind: 'patch' | 'run' | 'check' }>, wave: number | null, account: ExecutionAccountRecord, nodeIds: string[]): Promise<{ released: string[] }> {
    const maxConcurrency = (step.kind === 'check' ? null : step.maxConcurrency) ?? account.maxConcurrency;
    const maxErrors = step.kind === 'check' ? '0' : (step.maxErrors ?? account.maxErrors);
    const base = {
      targets: { nodeIds },
      maxConcurrency,
      maxErrors,
      timeoutSeconds: Math.min(172_800, Math.max(60, step.timeoutSeconds)),
      comment: `execution ${e.id} step ${step.name}${wave === null ? '' : ` wave ${wave}`}`,
    };
    let request: SendCommandRequest;
    let freezes = false;
    if (step.kind === 'patch') {
      const parameters: NonNullable<SendCommandRequest['parameters']> = { rebootOption: step.rebootOption };
      if (step.operation === 'Install') {
        if (step.snapshot === 'execution' && account.snapshotId !== null) parameters.snapshotId = account.snapshotId;
        else if (step.snapshot !== 'execution' && step.snapshot !== 'new' && step.snapshot !== '') parameters.snapshotId = step.snapshot;
        freezes = step.snapshot === 'execution' && account.snapshotId === null;
      }
      if (step.baselineId !== null && step.baselineId !== '' && parameters.snapshotId === undefined) parameters.baselineId = step.baselineId;
      request = { ...base, document: step.operation, parameters };
    } else {
      const script = step.kind === 'run' ? step.script : (step.script?.script ?? '');
      request = { ...base, document: 'RunScript', parameters: { script } };
    }
    let created: { commandId: string; released: string[] };
    try {
      created = await createCommandIn(tx, this.deps.store.dialect, now, account.accountId, checkSendRequest(request), {
        ctx: { principal: null, ip: 'local', userAgent: null, requestId: `execution:${e.id}` },
        principal: null,
        createdBy: e.createdBy,
        source: `execution ${e.id}`,
      });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      await this.insertRun(tx, e, now, step, wave, account.accountId, { status: 'Failed', nodeIds, output: `not started: ${err.message}` });
      return { released: [] };
    }
    const outputs: Record<string, unknown> = { commandId: created.commandId };
    if (step.kind === 'patch' && step.operation === 'Install') {
      const command = await tx.commands.get(created.commandId);
      const snapshotId = command?.parameters.snapshotId ?? null;
      outputs.snapshotId = snapshotId;
      if (freezes && snapshotId !== null) await tx.executions.updateAccount(e.id, account.accountId, { snapshotId });
    }
    await this.insertRun(tx, e, now, step, wave, account.accountId, { status: 'Running', commandId: created.commandId, nodeIds, outputs });
    return { released: created.released };
  }

  // ---- progressing running step runs ------------------------------------------------------------

  private async progressRuns(tx: Repositories, e: ExecutionRecord, now: Date, step: RunbookStep, active: StepRunRecord[]): Promise<Outcome> {
    let progressed = false;
    for (const run of active) {
      const out = await this.progressRun(tx, e, now, step, run);
      if (out.http !== undefined) return out;
      progressed ||= out.progressed;
    }
    return progressed ? DONE : NONE;
  }

  private async endRun(tx: Repositories, e: ExecutionRecord, now: Date, run: StepRunRecord, status: StepRunStatus, output: string, outputs?: Record<string, unknown>): Promise<Outcome> {
    const ok = await tx.executions.updateStep(run.id, { status, output, endedAt: iso(now), nextAt: null, ...(outputs === undefined ? {} : { outputs: { ...run.outputs, ...outputs } }) }, { fromStatus: ACTIVE_RUN });
    if (!ok) return NONE;
    const where = `step "${run.stepName}"${run.wave === null ? '' : ` wave ${run.wave}`}${run.accountId === null ? '' : ` in ${run.accountId}`}`;
    await this.event(tx, e, now, 'step.run.ended', `${where}: ${status}${output === '' ? '' : ` — ${firstLine(output)}`}`, { stepName: run.stepName, wave: run.wave, accountId: run.accountId, details: { status } });
    return DONE;
  }

  private async progressRun(tx: Repositories, e: ExecutionRecord, now: Date, step: RunbookStep, run: StepRunRecord): Promise<Outcome> {
    const overdue = run.deadlineAt !== null && run.deadlineAt <= iso(now);
    if (run.commandId !== null) return this.progressCommandRun(tx, e, now, step, run, overdue);
    if (step.kind === 'wait') {
      if (run.nextAt !== null && run.nextAt <= iso(now)) return this.endRun(tx, e, now, run, 'Success', `waited ${typeof run.outputs.seconds === 'number' ? run.outputs.seconds : '?'} s`);
      if (overdue) return this.endRun(tx, e, now, run, 'TimedOut', 'the wait passed its timeout');
      return NONE;
    }
    if (step.kind === 'approve') return this.progressApproval(tx, e, now, step, run, overdue);
    if (step.kind === 'check' && step.http !== null) {
      if (overdue) return this.endRun(tx, e, now, run, 'TimedOut', `${run.output}\nthe check passed its timeout of ${step.timeoutSeconds} s`.trim());
      if (run.nextAt !== null && run.nextAt <= iso(now)) return { progressed: false, http: { runId: run.id, attempt: run.attempt, step: renderStep(step, await this.vars(tx, e)) } };
      return NONE;
    }
    return NONE;
  }

  private async progressApproval(tx: Repositories, e: ExecutionRecord, now: Date, step: ApproveStep, run: StepRunRecord, overdue: boolean): Promise<Outcome> {
    const decisions = await tx.executions.approvals(run.id);
    const denied = decisions.find((d) => d.decision === 'deny');
    const approvedBy = decisions.filter((d) => d.decision === 'approve').map((d) => d.username);
    let out: Outcome = NONE;
    if (denied !== undefined) {
      out = await this.endRun(tx, e, now, run, 'Denied', `denied by ${denied.username}${denied.comment === '' ? '' : `: ${denied.comment}`}`, { approvedBy, deniedBy: denied.username });
    } else if (approvedBy.length >= step.minApprovals) {
      out = await this.endRun(tx, e, now, run, 'Success', `approved by ${approvedBy.join(', ')}`, { approvedBy });
    } else if (overdue) {
      out = await this.endRun(tx, e, now, run, 'TimedOut', `${approvedBy.length} of ${step.minApprovals} approval(s) before the timeout`, { approvedBy });
    }
    if (out.progressed && e.status === 'Waiting') await tx.executions.update(e.id, { status: 'Running' }, iso(now));
    if (!out.progressed && e.status === 'Running') {
      await tx.executions.update(e.id, { status: 'Waiting' }, iso(now));
      return DONE;
    }
    return out;
  }

  private async progressCommandRun(tx: Repositories, e: ExecutionRecord, now: Date, step: RunbookStep, run: StepRunRecord, overdue: boolean): Promise<Outcome> {
    const commandId = run.commandId!;
    const command = await tx.commands.get(commandId);
    if (command === undefined) return this.endRun(tx, e, now, run, 'Failed', `command ${commandId} disappeared`);
    if (command.status === 'Pending' || command.status === 'InProgress') {
      if (!overdue) return NONE;
      await tx.commands.cancelPending(commandId, iso(now));
      await refreshCommandStatus(tx, commandId);
      return this.endRun(tx, e, now, run, 'TimedOut', `the step passed its timeout of ${step.timeoutSeconds} s; command ${commandId} cancelled (invocations already running finish)`);
    }
    const invocations = await tx.commands.invocations(commandId);
    const expect = step.kind === 'check' && step.script !== null ? step.script.expectExitCode : null;
    const nodeOk = (i: { status: string; exitCode: number | null }): boolean => {
      if (expect === null) return i.status === 'Success';
      if (i.status === 'Success') return (i.exitCode ?? 0) === expect;
      return i.status === 'Failed' && i.exitCode !== null && i.exitCode === expect;
    };
    const failedNodes = invocations.filter((i) => !nodeOk(i) && i.status !== 'Cancelled').map((i) => i.nodeId);
    const notStarted = invocations.filter((i) => i.status === 'Cancelled').map((i) => i.nodeId);
    const succeeded = invocations.filter(nodeOk).length;
    const limit = parseRateLimit(command.maxErrors) ?? { kind: 'count' as const, value: 0 };
    const allowed = resolveRateLimit(limit, command.targetCount, 'errors');
    const outputs = { commandId, commandStatus: command.status, succeeded, failed: failedNodes.length, failedNodes, notStarted: notStarted.length };
    const details = invocations
      .filter((i) => !nodeOk(i))
      .slice(0, 20)
      .map((i) => `${i.nodeId}: ${i.status}${i.exitCode === null ? '' : ` (exit ${i.exitCode})`}${firstLine(i.output) === '' ? '' : ` ${firstLine(i.output)}`}`);
    const summary = `command ${commandId} ${command.status}: ${succeeded} succeeded, ${failedNodes.length} failed${notStarted.length > 0 ? `, ${notStarted.length} not started` : ''}`;
    const output = [summary, ...details].join('\n');
    if (command.cancelledAt !== null && failedNodes.length === 0 && notStarted.length > 0) return this.endRun(tx, e, now, run, 'Cancelled', output, outputs);
    const ok = failedNodes.length <= allowed && notStarted.length === 0;
    return this.endRun(tx, e, now, run, ok ? 'Success' : 'Failed', output, outputs);
  }

  private async recordHttp(tx: Repositories, e: ExecutionRecord, now: Date, runId: string, attempt: number, step: CheckStep, result: { ok: boolean; status: number | null; detail: string }): Promise<Outcome> {
    const run = await tx.executions.getStep(runId);
    if (run === undefined || run.attempt !== attempt || ENDED_RUN.has(run.status)) return NONE;
    const log = `${run.output === '' ? '' : `${run.output}\n`}attempt ${attempt}: ${result.detail}`;
    if (result.ok) return this.endRun(tx, e, now, run, 'Success', log, { httpStatus: result.status, attempts: attempt, detail: result.detail });
    if (attempt <= step.retries) {
      await tx.executions.updateStep(run.id, { attempt: attempt + 1, output: log, nextAt: plus(now, step.intervalSeconds) }, { fromAttempt: attempt });
      await this.event(tx, e, now, 'check.retry', `step "${step.name}" attempt ${attempt} failed (${result.detail}); retry in ${step.intervalSeconds} s`, { stepName: step.name });
      return DONE;
    }
    return this.endRun(tx, e, now, run, 'Failed', log, { httpStatus: result.status, attempts: attempt, detail: result.detail });
  }

  // ---- concluding a step visit ------------------------------------------------------------------

  private async concludeStep(tx: Repositories, e: ExecutionRecord, now: Date, step: RunbookStep, wave: number | null, runs: StepRunRecord[]): Promise<Outcome> {
    if (e.status === 'Paused') return NONE;
    const outcome = outcomeOf(runs);
    const sel = nodeSelection(step);
    const label = wave === null ? `step "${step.name}"` : `step "${step.name}" wave ${wave}`;
    const failedRuns = runs.filter((r) => !['Success', 'Skipped'].includes(r.status));
    // Halt thresholds: failed nodes over the wave steps so far; failed checks.
    if (sel === 'canary' || sel === 'remaining') {
      const failedNodes = await this.failedWaveNodes(tx, e);
      const limit = parseRateLimit(e.waves.maxFailedNodes) ?? { kind: 'count' as const, value: 0 };
      const max = resolveRateLimit(limit, e.plan.nodes.length, 'errors');
      if (failedNodes > max) {
        await this.event(tx, e, now, 'execution.halted', `halted after ${label}: ${failedNodes} failed node(s) exceed maxFailedNodes ${e.waves.maxFailedNodes}`, { stepName: step.name, wave });
        return this.finish(tx, e, now, 'Failed', `halted: ${failedNodes} failed node(s) exceed maxFailedNodes ${e.waves.maxFailedNodes}${limit.kind === 'percent' ? ` (${max} of ${e.plan.nodes.length})` : ''} after ${label}; later waves were not started`);
      }
    }
    if (step.kind === 'check' && outcome !== 'Success' && outcome !== 'Skipped') {
      const failedChecks = e.failedChecks + 1;
      await tx.executions.update(e.id, { failedChecks }, iso(now));
      e.failedChecks = failedChecks;
      if (failedChecks > e.waves.maxFailedChecks) {
        await this.event(tx, e, now, 'execution.halted', `halted: check "${step.name}" failed (${failedChecks} failed check(s) exceed maxFailedChecks ${e.waves.maxFailedChecks})`, { stepName: step.name });
        return this.finish(tx, e, now, 'Failed', `halted: check "${step.name}" ${outcome} — ${firstLine(failedRuns[0]?.output ?? '')} (${failedChecks} failed check(s) exceed maxFailedChecks ${e.waves.maxFailedChecks})`);
      }
    }
    if (failedRuns.length === 0) {
      await this.event(tx, e, now, 'step.ended', `${label}: ${outcome}`, { stepName: step.name, wave, details: { outcome } });
      return this.next(tx, e, now, step, wave);
    }
    const what = `${label} ${outcome}: ${firstLine(failedRuns[0]!.output)}`;
    await this.event(tx, e, now, 'step.ended', what, { stepName: step.name, wave, details: { outcome } });
    const onFailure = step.onFailure;
    if (onFailure.action === 'continue') return this.next(tx, e, now, step, wave);
    if (onFailure.action === 'goto') {
      const index = e.runbook.steps.findIndex((s) => s.name === onFailure.step);
      if (index < 0) return this.finish(tx, e, now, 'Failed', `${what}; onFailure goto "${onFailure.step}": no such step`);
      return this.moveTo(tx, e, now, index, `onFailure of "${step.name}"`);
    }
    // abort: per-account runs mark their accounts Failed (tolerated up to accountMaxErrors).
    const perAccount = failedRuns.filter((r) => r.accountId !== null);
    if (perAccount.length === 0 || perAccount.length < failedRuns.length) return this.finish(tx, e, now, 'Failed', what);
    for (const r of perAccount) {
      await tx.executions.updateAccount(e.id, r.accountId!, { status: 'Failed', reason: `${label} ${r.status}: ${firstLine(r.output)}` });
      await this.event(tx, e, now, 'account.failed', `account ${r.accountId} failed at ${label}; no further steps there`, { stepName: step.name, wave, accountId: r.accountId });
    }
    const accounts = await tx.executions.accounts(e.id);
    const failedAccounts = accounts.filter((a) => a.status === 'Failed').length;
    if (failedAccounts > e.accountMaxErrors) {
      return this.finish(tx, e, now, 'Failed', `${what}${accounts.length > 1 ? ` (${failedAccounts} failed account(s) exceed accountMaxErrors ${e.accountMaxErrors})` : ''}`);
    }
    if (!accounts.some((a) => a.status === 'Active')) return this.finish(tx, e, now, 'Failed', `${what}; no account left`);
    return this.next(tx, e, now, step, wave);
  }

  private async failedWaveNodes(tx: Repositories, e: ExecutionRecord): Promise<number> {
    const failed = new Set<string>();
    for (const r of await tx.executions.steps(e.id)) {
      if (r.wave === null) continue;
      const nodes = r.outputs.failedNodes;
      if (Array.isArray(nodes)) for (const n of nodes) failed.add(String(n));
      else if ((r.status === 'Failed' || r.status === 'TimedOut') && r.commandId === null) for (const n of r.nodeIds) failed.add(n);
    }
    return failed.size;
  }

  /** After a step visit succeeded (or was tolerated): the next wave, the branch target, or the next step. */
  private async next(tx: Repositories, e: ExecutionRecord, now: Date, step: RunbookStep, wave: number | null): Promise<Outcome> {
    if (nodeSelection(step) === 'remaining' && wave !== null && wave < waveCount(e)) {
      const bake = e.waves.bakeSeconds;
      const wakeAt = bake > 0 ? plus(now, bake) : null;
      await tx.executions.update(e.id, { wave: wave + 1, wakeAt }, iso(now));
      await this.event(tx, e, now, 'wave.next', `wave ${wave} of step "${step.name}" done; wave ${wave + 1} of ${waveCount(e)}${wakeAt === null ? '' : ` after a bake of ${bake} s (at ${wakeAt})`}`, { stepName: step.name, wave: wave + 1 });
      return DONE;
    }
    if (step.kind === 'branch') {
      const runs = await tx.executions.runsOf(e.id, step.name, e.iteration, null);
      const target = runs[0]?.outputs.goto;
      if (typeof target === 'string') {
        const index = e.runbook.steps.findIndex((s) => s.name === target);
        if (index < 0) return this.finish(tx, e, now, 'Failed', `branch "${step.name}": no step "${target}"`);
        return this.moveTo(tx, e, now, index, `branch "${step.name}"`);
      }
    }
    return this.moveTo(tx, e, now, e.stepIndex + 1, `after "${step.name}"`);
  }
}
