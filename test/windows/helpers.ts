import pino from 'pino';
import { ServerConfig } from '../../src/server/config.js';
import { WindowsJob, type TaskOutcome, type TaskRef, type TaskStarter } from '../../src/server/jobs/windows.job.js';
import type { RunRecord, RunTaskRecord } from '../../src/store/index.js';
import type { TestApp } from '../helpers/app.js';

/** One start the recorder saw. */
export interface RecordedStart {
  at: Date;
  task: string;
  priority: number;
  kind: string;
  accountId: string;
  runId: string;
  ref: TaskRef;
  spec: RunTaskRecord['spec'];
}

/**
 * A TaskStarter that records starts (with the injected time) and reports the outcome the test sets
 * (running until told otherwise). Not a mock of our code: it stands in for the executions engine,
 * which is another area's.
 */
export class RecorderStarter implements TaskStarter {
  readonly starts: RecordedStart[] = [];
  readonly outcomes = new Map<string, TaskOutcome>();
  failNext: string | null = null;
  constructor(private readonly now: () => Date) {}

  start(task: RunTaskRecord, run: RunRecord): Promise<TaskRef> {
    if (this.failNext === task.name) {
      this.failNext = null;
      return Promise.reject(new Error(`runbook "${task.spec.runbook ?? ''}" refused`));
    }
    const ref: TaskRef = { kind: task.kind === 'runbook' ? 'execution' : 'command', id: `ref-${this.starts.length + 1}` };
    this.starts.push({ at: this.now(), task: task.name, priority: task.priority, kind: task.kind, accountId: task.accountId, runId: run.id, ref, spec: task.spec });
    return Promise.resolve(ref);
  }

  outcome(ref: TaskRef): Promise<TaskOutcome> {
    return Promise.resolve(this.outcomes.get(ref.id) ?? 'running');
  }

  /** Sets the outcome of the task started under this name (latest start). */
  finish(task: string, outcome: TaskOutcome): void {
    const s = [...this.starts].reverse().find((x) => x.task === task);
    if (s === undefined) throw new Error(`task ${task} was not started`);
    this.outcomes.set(s.ref.id, outcome);
  }
}

/** A windows job on the test app's store with an injected clock and a recorder. */
export function jobFor(t: TestApp, holder: string, clock: () => Date, starter?: TaskStarter): WindowsJob {
  const config = ServerConfig.parse({ dataDir: '/nonexistent', logLevel: 'silent', windowsIntervalSeconds: 30 });
  return new WindowsJob({ store: t.db.store, clock, logger: pino({ level: 'silent' }), config, services: t.services }, holder, starter);
}

/** A valid window body (Sunday nights in Berlin, one Scan task). */
export function windowBody(name = `win-${Math.random().toString(36).slice(2, 10)}`): Record<string, unknown> {
  return {
    name,
    schedule: '0 2 * * SUN',
    timezone: 'Europe/Berlin',
    durationHours: 4,
    cutoffHours: 1,
    targets: { targets: { allNodes: true } },
    tasks: [{ name: 'scan', kind: 'patch', operation: 'Scan' }],
  };
}

/** Creates a window in the account through the API (as the bootstrap admin); returns its id and its task's id. */
export async function windowIn(t: TestApp, accountId: string): Promise<{ id: string; taskId: string }> {
  const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/windows`, windowBody());
  if (res.statusCode !== 201) throw new Error(`window: ${res.statusCode} ${res.body}`);
  return { id: String(res.json().id), taskId: String(res.json().tasks[0].id) };
}

let priority = 5000 + Math.floor(Math.random() * 1000);

/** A valid policy body that covers no node (a tag no node has, no baselines), so it changes no effective baseline. */
export function policyBody(name = `pol-${Math.random().toString(36).slice(2, 10)}`): Record<string, unknown> {
  return { name, priority: priority++, baselines: {}, targets: { accounts: 'all', tags: [{ key: 'PolicyTestNoSuchTag', values: ['x'] }] }, scan: { schedule: 'rate(1 day)' } };
}

/** Creates a policy through the API (as the bootstrap admin); returns its id. */
export async function policyIn(t: TestApp): Promise<string> {
  const res = await t.as(t.adminToken, 'POST', '/api/v1/policies', policyBody());
  if (res.statusCode !== 201) throw new Error(`policy: ${res.statusCode} ${res.body}`);
  return String(res.json().id);
}

/** Path parameters of the windows and policies routes for the robustness test (a window with a task, a policy). */
export async function robustParams(t: TestApp, accountId: string): Promise<{ windowId: string; taskId: string; policyId: string }> {
  const w = await windowIn(t, accountId);
  return { windowId: w.id, taskId: w.taskId, policyId: await policyIn(t) };
}
