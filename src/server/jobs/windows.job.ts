import type pino from 'pino';
import { jitterMs, openInstances, parseSchedule, type WindowInstance } from '../../domain/schedules.js';
import type { Targets } from '../../contracts/targets.contract.js';
import type { ServerConfig } from '../config.js';
import type { Clock } from '../services/context.js';
import type { Services } from '../services/index.js';
import { governingPolicy } from '../services/effective-baseline.js';
import { boundsOf, scheduleOf } from '../services/windows.service.js';
import { isUniqueViolation, newId, type PolicyRecord, type RunOwnerKind, type RunRecord, type RunTaskRecord, type Store, type WindowRecord, type WindowTaskSpec } from '../../store/index.js';

const LEASE = 'job:windows';
/** A policy scan has no window: its instance may start within this many hours of its schedule. */
const SCAN_GRACE_HOURS = 1;
/** Node ids per command of a policy task (the Targets limit). */
const NODE_CHUNK = 1000;

export interface WindowsJobDeps {
  store: Store;
  clock: Clock;
  logger: pino.Logger;
  config: ServerConfig;
  services: Services;
}

/** What a started task refers to. */
export interface TaskRef {
  kind: 'execution' | 'command';
  id: string;
}

export type TaskOutcome = 'running' | 'success' | 'failed' | 'timed_out' | 'cancelled';

/**
 * How the job starts tasks and follows them. The default calls `services.executions.startSystem`
 * (runbook tasks, source window/policy) and `services.commands.sendAsSystem` (patch tasks); tests
 * pass a recorder.
 */
export interface TaskStarter {
  start(task: RunTaskRecord, run: RunRecord): Promise<TaskRef>;
  outcome(ref: TaskRef): Promise<TaskOutcome>;
}

function sourceOf(run: RunRecord): { kind: 'window' | 'policy'; id: string } {
  return { kind: run.ownerKind === 'window' ? 'window' : 'policy', id: run.ownerId };
}

/** The starter over the real services (helper B's `startSystem` / `sendAsSystem`). */
export function serviceTaskStarter(services: Services, store: Store): TaskStarter {
  return {
    async start(task, run) {
      const spec = task.spec;
      const targets: Targets = spec.targets ?? { allNodes: true };
      const label = `${run.ownerKind} ${run.ownerId} run ${run.id} task ${task.name}`.slice(0, 500);
      if (spec.kind === 'runbook') {
        if (spec.runbook === null) throw new Error('the runbook task names no runbook');
        const limits = { ...(spec.maxConcurrency === null ? {} : { maxConcurrency: spec.maxConcurrency }), ...(spec.maxErrors === null ? {} : { maxErrors: spec.maxErrors }) };
        // The owner account first, then the window's other accounts (through delegations), each with the task's rate limits.
        const accountIds = spec.accounts === undefined ? (Object.keys(limits).length === 0 ? undefined : [task.accountId]) : [task.accountId, ...spec.accounts.filter((a) => a !== task.accountId)];
        const r = await services.executions.startSystem({
          ownerAccountId: task.accountId,
          runbook: spec.runbook,
          parameters: spec.parameters,
          targets,
          ...(accountIds === undefined ? {} : { accounts: accountIds.map((accountId) => ({ accountId, ...limits })) }),
          startedBy: `system (${run.ownerKind} ${run.ownerId})`,
          starterRole: 'admin',
          source: sourceOf(run),
          comment: label,
        });
        return { kind: 'execution', id: r.executionId };
      }
      const r = await services.commands.sendAsSystem(
        task.accountId,
        {
          document: spec.operation ?? 'Scan',
          targets,
          ...(spec.operation === 'Install' && spec.rebootOption !== null ? { parameters: { rebootOption: spec.rebootOption } } : {}),
          ...(spec.maxConcurrency === null ? {} : { maxConcurrency: spec.maxConcurrency }),
          ...(spec.maxErrors === null ? {} : { maxErrors: spec.maxErrors }),
          comment: label,
        },
        { createdBy: `system (${run.ownerKind} ${run.ownerId})`, source: `${sourceOf(run).kind}:${run.ownerId}:${run.id}` },
      );
      return { kind: 'command', id: r.id };
    },
    async outcome(ref) {
      if (ref.kind === 'command') {
        const c = await store.commands.get(ref.id);
        if (c === undefined) return 'failed';
        return c.status === 'Success' ? 'success' : c.status === 'Failed' ? 'failed' : c.status === 'Cancelled' ? 'cancelled' : 'running';
      }
      const e = await store.executions.get(ref.id);
      if (e === undefined) return 'failed';
      return e.status === 'Success' ? 'success' : e.status === 'Failed' ? 'failed' : e.status === 'Cancelled' ? 'cancelled' : 'running';
    },
  };
}

const TERMINAL_TASK = new Set(['SUCCESS', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'SKIPPED']);

/** What one tick did (for tests and logs). */
export interface TickReport {
  leased: boolean;
  runsCreated: number;
  tasksStarted: string[];
  runsEnded: number;
}

/**
 * The windows job: each tick (leased `job:windows`) creates a run for every window instance and
 * policy schedule that is open (start ≤ now < cutoff; once per instance), then advances the active
 * runs: tasks start in priority order (all tasks of a priority, then the next once they all
 * ended), each not before its jitter, never after the cutoff (left ones end SKIPPED).
 */
export class WindowsJob {
  private readonly starter: TaskStarter;

  constructor(
    private readonly deps: Omit<WindowsJobDeps, 'services'> & { services?: Services },
    private readonly holder: string,
    starter?: TaskStarter,
  ) {
    if (starter === undefined && deps.services === undefined) throw new Error('WindowsJob needs services or a TaskStarter');
    this.starter = starter ?? serviceTaskStarter(deps.services!, deps.store);
  }

  /** One tick at `now` (an injected clock in tests). */
  async runOnce(now: Date): Promise<TickReport> {
    const report: TickReport = { leased: false, runsCreated: 0, tasksStarted: [], runsEnded: 0 };
    const leaseMs = Math.max(60_000, this.deps.config.windowsIntervalSeconds * 2000);
    if (!(await this.deps.store.leases.acquire(LEASE, this.holder, now.toISOString(), new Date(now.getTime() + leaseMs).toISOString()))) return report;
    report.leased = true;
    for (const w of await this.deps.store.windows.listEnabled()) {
      try {
        report.runsCreated += await this.planWindow(w, now);
      } catch (err) {
        this.deps.logger.warn({ err, windowId: w.id }, 'window planning failed');
      }
    }
    const policies = await this.deps.store.policies.listEnabled();
    for (const p of policies) {
      try {
        report.runsCreated += await this.planPolicy(p, policies, now);
      } catch (err) {
        this.deps.logger.warn({ err, policyId: p.id }, 'policy planning failed');
      }
    }
    for (const run of await this.deps.store.windows.activeRuns()) {
      try {
        await this.advance(run, now, report);
      } catch (err) {
        this.deps.logger.warn({ err, runId: run.id }, 'window run failed to advance');
      }
    }
    return report;
  }

  private async createRun(ownerId: string, kind: RunOwnerKind, accountId: string | null, inst: WindowInstance, jitterSeconds: number, tasks: { task: WindowTaskSpec; accountId: string }[], now: Date): Promise<number> {
    const start = inst.start.toISOString();
    if (await this.deps.store.windows.hasRun(ownerId, kind, start)) return 0;
    const runId = newId('wr');
    const overlapping = await this.deps.store.windows.activeRunOf(ownerId, kind);
    const run: RunRecord = {
      id: runId,
      ownerId,
      ownerKind: kind,
      accountId,
      scheduledStart: start,
      cutoffAt: inst.cutoff.toISOString(),
      endAt: inst.end.toISOString(),
      status: overlapping === undefined ? (tasks.length === 0 ? 'SUCCESS' : 'PENDING') : 'SKIPPED_OVERLAPPING',
      reason: overlapping === undefined ? (tasks.length === 0 ? 'no tasks' : null) : `run ${overlapping} of the previous instance is still active`,
      createdAt: now.toISOString(),
      endedAt: overlapping === undefined && tasks.length > 0 ? null : now.toISOString(),
      tasks:
        overlapping !== undefined
          ? []
          : tasks.map(({ task, accountId: acct }) => ({
              id: newId('wrt'),
              runId,
              taskId: task.id,
              accountId: acct,
              name: task.name,
              priority: task.priority,
              kind: task.kind,
              spec: task,
              status: 'PENDING',
              reason: null,
              notBefore: new Date(inst.start.getTime() + jitterMs(runId, `${task.id}/${acct}`, jitterSeconds)).toISOString(),
              startedAt: null,
              endedAt: null,
              refKind: null,
              refId: null,
            })),
    };
    try {
      await this.deps.store.transaction((tx) => tx.windows.insertRun(run));
    } catch (err) {
      if (isUniqueViolation(err)) return 0; // another replica (or tick) created it
      throw err;
    }
    this.deps.logger.info({ runId, ownerId, kind, scheduledStart: start, status: run.status }, 'window run created');
    return 1;
  }

  private async planWindow(w: WindowRecord, now: Date): Promise<number> {
    let created = 0;
    for (const inst of openInstances(scheduleOf(w), w.timezone, now, w.durationHours, w.cutoffHours, boundsOf(w))) {
      const tasks = w.tasks.map((t) => ({ task: { ...t, targets: w.targets.targets, ...(w.targets.accounts === undefined ? {} : { accounts: w.targets.accounts }) }, accountId: w.accountId }));
      created += await this.createRun(w.id, 'window', w.accountId, inst, w.jitterSeconds, tasks, now);
    }
    return created;
  }

  private async planPolicy(p: PolicyRecord, enabled: readonly PolicyRecord[], now: Date): Promise<number> {
    let created = 0;
    const plans: { kind: RunOwnerKind; schedule: string; timezone: string; duration: number; cutoff: number }[] = [];
    if (p.scan !== null) plans.push({ kind: 'policy-scan', schedule: p.scan.schedule, timezone: p.scan.timezone, duration: SCAN_GRACE_HOURS, cutoff: 0 });
    if (p.install !== null) plans.push({ kind: 'policy-install', schedule: p.install.schedule, timezone: p.install.timezone, duration: p.install.durationHours, cutoff: p.install.cutoffHours });
    for (const plan of plans) {
      const parsed = parseSchedule(plan.schedule);
      if (!parsed.ok) continue;
      const open: WindowInstance[] = [];
      for (const inst of openInstances(parsed.schedule, plan.timezone, now, plan.duration, plan.cutoff, { anchor: new Date(p.createdAt) })) {
        if (!(await this.deps.store.windows.hasRun(p.id, plan.kind, inst.start.toISOString()))) open.push(inst);
      }
      if (open.length === 0) continue;
      // Nodes are chosen when the run is created: those this policy governs now.
      const nodes = (await this.deps.store.policies.scopeNodes(p.targets.accounts)).filter((n) => governingPolicy(enabled, n)?.id === p.id);
      const byAccount = new Map<string, string[]>();
      for (const n of nodes) byAccount.set(n.accountId, [...(byAccount.get(n.accountId) ?? []), n.id]);
      const operation = plan.kind === 'policy-scan' ? 'Scan' : 'Install';
      const tasks: { task: WindowTaskSpec; accountId: string }[] = [];
      for (const [accountId, ids] of [...byAccount.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        for (let i = 0; i < ids.length; i += NODE_CHUNK) {
          tasks.push({
            accountId,
            task: {
              id: `${operation.toLowerCase()}-${i / NODE_CHUNK + 1}`,
              name: `${operation.toLowerCase()}-${accountId}${i === 0 ? '' : `-${i / NODE_CHUNK + 1}`}`,
              priority: 0,
              kind: 'patch',
              runbook: null,
              parameters: {},
              operation,
              rebootOption: operation === 'Install' ? p.rebootOption : null,
              maxConcurrency: '25%',
              maxErrors: '10%',
              targets: { nodeIds: ids.slice(i, i + NODE_CHUNK) },
            },
          });
        }
      }
      for (const inst of open) created += await this.createRun(p.id, plan.kind, null, inst, 0, tasks, now);
    }
    return created;
  }

  private async advance(run: RunRecord, now: Date, report: TickReport): Promise<void> {
    const store = this.deps.store.windows;
    const at = now.toISOString();
    if (run.status === 'PENDING') {
      if (now.getTime() < Date.parse(run.scheduledStart)) return;
      await store.setRunStatus(run.id, 'IN_PROGRESS', null, null);
    }
    const tasks = run.tasks.map((t) => ({ ...t }));
    // Follow what runs.
    for (const t of tasks) {
      if (t.status === 'STARTING') {
        // A tick stopped between claiming and recording the start: do not start twice.
        const reason = 'interrupted while starting (server stopped); look for an execution or command with this window as source before re-running';
        if (await store.transitionTask(t.id, 'STARTING', { status: 'FAILED', reason, endedAt: at })) Object.assign(t, { status: 'FAILED', reason });
      } else if (t.status === 'IN_PROGRESS' && t.refKind !== null && t.refId !== null) {
        const outcome = await this.starter.outcome({ kind: t.refKind, id: t.refId });
        if (outcome !== 'running') {
          const status = outcome === 'success' ? 'SUCCESS' : outcome === 'failed' ? 'FAILED' : outcome === 'cancelled' ? 'CANCELLED' : 'TIMED_OUT';
          if (await store.transitionTask(t.id, 'IN_PROGRESS', { status, endedAt: at })) t.status = status;
        }
      }
    }
    const cutoff = Date.parse(run.cutoffAt);
    if (now.getTime() >= cutoff) {
      for (const t of tasks.filter((x) => x.status === 'PENDING')) {
        const reason = `not started before the cutoff at ${run.cutoffAt}`;
        if (await store.transitionTask(t.id, 'PENDING', { status: 'SKIPPED', reason, endedAt: at })) Object.assign(t, { status: 'SKIPPED', reason });
      }
    } else {
      const open = tasks.filter((x) => !TERMINAL_TASK.has(x.status));
      const current = Math.min(...open.map((x) => x.priority));
      for (const t of open.filter((x) => x.priority === current && x.status === 'PENDING')) {
        if (now.getTime() < Date.parse(t.notBefore)) continue;
        if (!(await store.transitionTask(t.id, 'PENDING', { status: 'STARTING', startedAt: at }))) continue;
        try {
          const ref = await this.starter.start(t, run);
          await store.transitionTask(t.id, 'STARTING', { status: 'IN_PROGRESS', refKind: ref.kind, refId: ref.id });
          t.status = 'IN_PROGRESS';
          report.tasksStarted.push(t.id);
        } catch (err) {
          const reason = `could not start: ${(err as Error).message}`.slice(0, 2000);
          await store.transitionTask(t.id, 'STARTING', { status: 'FAILED', reason, endedAt: at });
          Object.assign(t, { status: 'FAILED', reason });
          this.deps.logger.warn({ err, runId: run.id, task: t.name }, 'window task could not start');
        }
      }
    }
    // The window ended with tasks still running: they go on, the run is TIMED_OUT.
    if (now.getTime() >= Date.parse(run.endAt)) {
      for (const t of tasks.filter((x) => x.status === 'IN_PROGRESS')) {
        const reason = 'still running when the window ended; its execution or command goes on';
        if (await store.transitionTask(t.id, 'IN_PROGRESS', { status: 'TIMED_OUT', reason, endedAt: at })) Object.assign(t, { status: 'TIMED_OUT', reason });
      }
    }
    if (tasks.every((t) => TERMINAL_TASK.has(t.status))) {
      const has = (s: string) => tasks.some((t) => t.status === s);
      const status = has('FAILED') ? 'FAILED' : has('TIMED_OUT') || has('SKIPPED') ? 'TIMED_OUT' : has('CANCELLED') ? 'CANCELLED' : 'SUCCESS';
      const reason = has('FAILED')
        ? `task(s) failed: ${tasks.filter((t) => t.status === 'FAILED').map((t) => t.name).join(', ')}`
        : has('SKIPPED')
          ? `task(s) skipped at the cutoff: ${tasks.filter((t) => t.status === 'SKIPPED').map((t) => t.name).join(', ')}`
          : has('TIMED_OUT')
            ? 'task(s) still running when the window ended'
            : null;
      await store.setRunStatus(run.id, status, reason, at);
      report.runsEnded++;
    }
  }
}

/** Starts the windows job: a tick every `windowsIntervalSeconds`. Returns a function that stops it. */
export function startWindowsJob(deps: WindowsJobDeps, holder: string): { stop: () => void } {
  const job = new WindowsJob(deps, holder);
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      await job.runOnce(deps.clock());
    } catch (err) {
      deps.logger.warn({ err }, 'windows job failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), deps.config.windowsIntervalSeconds * 1000);
  timer.unref();
  void tick();
  return {
    stop: () => {
      clearInterval(timer);
      void deps.store.leases.release(LEASE, holder).catch(() => undefined);
    },
  };
}
