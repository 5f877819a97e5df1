import { expect } from 'vitest';
import pino from 'pino';
import type { TestApp } from '../helpers/app.js';
import { AutomationEngine } from '../../src/server/automation/engine.js';
import { ServerConfig } from '../../src/server/config.js';
import type { Store } from '../../src/store/index.js';
import type { Services } from '../../src/server/services/index.js';
import type { ExecutionDetail } from '../../src/contracts/api.js';
import { poll, type Delivered, type TestNode } from '../commands/helpers.js';

export { enrollMany, poll, type TestNode } from '../commands/helpers.js';

/** An engine over the app's store and services, with its own lease holder. */
export function engineOf(store: Store, services: Pick<Services, 'commands'>, holder: string, config: Partial<ServerConfig> = {}): AutomationEngine {
  return new AutomationEngine({ store, services, clock: () => new Date(), logger: pino({ level: 'silent' }), config: ServerConfig.parse({ dataDir: '/nonexistent', logLevel: 'silent', ...config }) }, holder);
}

export function engineFor(t: TestApp, holder = 'engine-a', config: Partial<ServerConfig> = {}): AutomationEngine {
  return engineOf(t.db.store, t.services, holder, config);
}

export async function createRunbook(t: TestApp, accountId: string, yaml: string): Promise<string> {
  const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/runbooks`, { content: yaml });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

export async function startExecution(t: TestApp, accountId: string, body: Record<string, unknown>, token = t.adminToken): Promise<ExecutionDetail> {
  const res = await t.as(token, 'POST', `/api/v1/accounts/${accountId}/executions`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<ExecutionDetail>();
}

export async function execution(t: TestApp, id: string): Promise<ExecutionDetail> {
  const res = await t.as(t.adminToken, 'GET', `/api/v1/executions/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ExecutionDetail>();
}

let keys = 0;

/** Reports a result as the node (with an exit code for scripts). */
export async function reportResult(t: TestApp, node: TestNode, invocationId: string, status: 'Success' | 'Failed', exitCode?: number): Promise<void> {
  keys += 1;
  const now = new Date().toISOString();
  const res = await t.as(node.credential, 'POST', '/api/v1/agent/results', {
    invocationId,
    idempotencyKey: `xk-${process.pid}-${keys}-${Math.random().toString(36).slice(2, 10)}`,
    status,
    output: status === 'Success' ? 'ok' : 'it broke',
    startedAt: now,
    finishedAt: now,
    outcomes: [],
    ...(exitCode === undefined ? {} : { exitCode }),
  });
  expect(res.statusCode, res.body).toBe(200);
}

export type Decide = (node: TestNode, inv: Delivered) => 'Success' | 'Failed' | 'hold';

/** Every invocation delivered, per node: `${commandId}` list, to assert exactly-once. */
export type Deliveries = Map<string, Delivered[]>;

/**
 * Drives an execution: engine ticks, every node polls and reports (as `decide` says) until the
 * execution ends, `until` holds, or the rounds run out.
 */
export async function drive(
  t: TestApp,
  engines: AutomationEngine[],
  nodes: TestNode[],
  executionId: string,
  opts: { decide?: Decide; until?: (e: ExecutionDetail) => boolean; rounds?: number; deliveries?: Deliveries } = {},
): Promise<ExecutionDetail> {
  const decide = opts.decide ?? (() => 'Success');
  const deliveries = opts.deliveries ?? new Map();
  const held: { node: TestNode; inv: Delivered }[] = [];
  for (let round = 0; round < (opts.rounds ?? 60); round++) {
    await Promise.all(engines.map((e) => e.runOnce()));
    const e = await execution(t, executionId);
    if (!['Pending', 'Running', 'Waiting', 'Paused'].includes(e.status) || opts.until?.(e) === true) return e;
    for (const node of nodes) {
      for (const inv of await poll(t, node)) {
        const list = deliveries.get(node.nodeId) ?? [];
        list.push(inv);
        deliveries.set(node.nodeId, list);
        const d = decide(node, inv);
        if (d === 'hold') held.push({ node, inv });
        else await reportResult(t, node, inv.invocationId, d);
      }
    }
  }
  return execution(t, executionId);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An execution in the account on one node, for the API tables: Pending (never ticked), or waiting
 * on an approve step (`approve: true`, one engine tick), or Paused (`paused: true`).
 */
export async function executionIn(t: TestApp, accountId: string, nodeId: string, opts: { approve?: boolean; paused?: boolean } = {}): Promise<string> {
  const name = `ex-${Math.random().toString(36).slice(2, 10)}`;
  const content = opts.approve === true ? `name: ${name}\nsteps:\n  - name: gate\n    kind: approve\n    message: go?\n` : `name: ${name}\nsteps:\n  - name: scan\n    kind: patch\n    operation: Scan\n`;
  await createRunbook(t, accountId, content);
  const started = await startExecution(t, accountId, { runbook: name, targets: { nodeIds: [nodeId] } });
  if (opts.approve === true) {
    // One engine tick on this execution only (runOnce would also advance every other live execution
    // the file has left behind, and slow down as they pile up): claim its lease, advance, release.
    const engine = engineFor(t, `api-${name}`);
    const now = new Date();
    expect(await t.db.store.executions.claim(started.id, engine.holder, now.toISOString(), new Date(now.getTime() + 60_000).toISOString())).toBe(true);
    await engine.advance(started.id);
    await t.db.store.executions.releaseLease(started.id, engine.holder);
  }
  if (opts.paused === true) expect((await t.as(t.adminToken, 'POST', `/api/v1/executions/${started.id}/pause`)).statusCode).toBe(200);
  return started.id;
}

/** Path parameters for the robustness test: an execution of the account. */
export async function robustParams(t: TestApp, accountId: string, nodeId: string): Promise<{ executionId: string }> {
  return { executionId: await executionIn(t, accountId, nodeId) };
}
