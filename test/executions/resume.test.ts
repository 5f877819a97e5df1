/**
 * Crash safety of the engine: an engine stopped mid-execution without releasing its leases (as a
 * crash would) is replaced by another holder (a new app on the same database) once the lease
 * expires; the new holder follows the step runs and commands already created instead of creating
 * them again. On PostgreSQL, two engines with different holders race on the same executions:
 * exactly one runs each step; when one is killed, the other takes over after the lease.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { ServerConfig } from '../../src/server/config.js';
import { startAutomationJob } from '../../src/server/jobs/automation.job.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { createRunbook, drive, engineFor, enrollMany, execution, poll, reportResult, sleep, startExecution, type Deliveries, type TestNode } from './helpers.js';
import type { ExecutionDetail } from '../../src/contracts/api.js';

const RUNBOOK = `name: waves
waves: { canary: "1", size: "2", bakeSeconds: 0, maxFailedNodes: "0", maxFailedChecks: 0 }
steps:
  - name: scan
    kind: patch
    operation: Scan
    nodes: all
  - name: canary
    kind: patch
    operation: Scan
    nodes: canary
  - name: rest
    kind: patch
    operation: Scan
    nodes: remaining
`;

const LEASE = { automationLeaseSeconds: 2 };

/** A second app (services, HTTP) over the same database: what a restarted server is. */
async function reopen(t: TestApp): Promise<TestApp> {
  const config = ServerConfig.parse({ dataDir: '/nonexistent', logLevel: 'silent', ...LEASE, automationIntervalMs: 50 });
  const built = await buildApp({ config, store: t.db.store, logger: pino({ level: 'silent' }) });
  await built.app.ready();
  return {
    ...t,
    ...built,
    as(token, method, url, body, headers = {}) {
      return built.app.inject({ method: method as 'GET', url, headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers }, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });
    },
  };
}

/** Asserts exactly-once: one step run per (step, wave, account), one command each, one invocation per node and step run. */
async function assertOnce(t: TestApp, e: ExecutionDetail, nodes: TestNode[], deliveries: Deliveries): Promise<void> {
  const keys = e.steps.map((s) => `${s.stepName}:${s.wave}:${s.accountId}`);
  expect(new Set(keys).size).toBe(keys.length);
  const commandIds = e.steps.map((s) => s.commandId);
  expect(new Set(commandIds).size).toBe(commandIds.length);
  const commands = await t.db.store.commands.list({ accounts: 'all', accountId: e.accountId }, { limit: 500, offset: 0, sort: 'createdAt' });
  expect(commands.total).toBe(e.steps.length);
  for (const n of nodes) {
    const got = deliveries.get(n.nodeId) ?? [];
    // scan + (canary or a wave)
    expect(got.map((d) => d.commandId).sort()).toHaveLength(2);
    expect(new Set(got.map((d) => d.commandId)).size).toBe(2);
  }
}

for (const dialect of testDialects()) {
  describe(`[${dialect}] executions survive a restart`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(dialect, { config: LEASE });
    });
    afterAll(async () => {
      await t.close();
    });

    it('a new app and job take over after the lease of the stopped one expires; each step run and invocation happens once', async () => {
      const accountId = await t.createAccount('ex-restart');
      const nodes = await enrollMany(t, accountId, 5, 'r');
      await createRunbook(t, accountId, RUNBOOK);
      const started = await startExecution(t, accountId, { runbook: 'waves', targets: { allNodes: true } });
      const deliveries: Deliveries = new Map();
      const first = engineFor(t, 'engine-old', LEASE);
      // Scan done, the canary started: then the old engine "crashes" (it is never used again, its lease is not released).
      let e = await drive(t, [first], nodes, started.id, { deliveries, until: (x) => x.steps.some((s) => s.stepName === 'canary') });
      expect(e.steps.map((s) => `${s.stepName}:${s.status}`)).toEqual(['scan:Success', 'canary:Running']);
      const canaryCommand = e.steps[1]!.commandId;

      const t2 = await reopen(t);
      const job = startAutomationJob({ store: t.db.store, clock: () => new Date(), logger: pino({ level: 'silent' }), config: ServerConfig.parse({ dataDir: '/x', ...LEASE, automationIntervalMs: 50 }), services: t2.services }, 'engine-new');
      try {
        // While the old lease holds, the new job does nothing.
        await sleep(300);
        const held = await t.db.store.executions.get(started.id);
        expect(held!.leaseHolder).toBe('engine-old');
        // The agents go on (through the new app) and the new job takes over once the lease expired.
        for (let i = 0; i < 100; i++) {
          for (const node of nodes) {
            for (const inv of await poll(t2, node)) {
              deliveries.set(node.nodeId, [...(deliveries.get(node.nodeId) ?? []), inv]);
              await reportResult(t2, node, inv.invocationId, 'Success');
            }
          }
          e = await execution(t2, started.id);
          if (e.status === 'Success' || e.status === 'Failed') break;
          await sleep(100);
        }
      } finally {
        await job.stop();
        await t2.app.close();
      }
      expect(e.status).toBe('Success');
      expect(e.steps[1]).toMatchObject({ stepName: 'canary', commandId: canaryCommand, status: 'Success' });
      expect((await t.db.store.executions.get(started.id))!.leaseHolder).toBe(null);
      const timeline = await t.as(t.adminToken, 'GET', `/api/v1/executions/${started.id}/timeline?limit=500`);
      expect((timeline.json().items as { type: string; details: unknown }[]).filter((x) => x.type === 'lease.takeover').map((x) => x.details)).toEqual([{ from: 'engine-old', to: 'engine-new' }]);
      await assertOnce(t, e, nodes, deliveries);
    });

    if (dialect === 'postgres') {
      it('two engines race: exactly one runs each step; killing one hands over after the lease', async () => {
        const accountId = await t.createAccount('ex-race');
        const nodes = await enrollMany(t, accountId, 5, 'x');
        await createRunbook(t, accountId, RUNBOOK);
        const a = engineFor(t, 'engine-a', LEASE);
        const b = engineFor(t, 'engine-b', LEASE);
        const raced = await startExecution(t, accountId, { runbook: 'waves', targets: { allNodes: true } });
        const deliveries: Deliveries = new Map();
        const done = await drive(t, [a, b, a, b], nodes, raced.id, { deliveries });
        expect(done.status).toBe('Success');
        await assertOnce(t, done, nodes, deliveries);

        // Kill whichever holds the lease of a new execution mid-way; the other takes over after the lease.
        const accountId2 = await t.createAccount('ex-race-2');
        const nodes2 = await enrollMany(t, accountId2, 5, 'y');
        await createRunbook(t, accountId2, RUNBOOK);
        const second = await startExecution(t, accountId2, { runbook: 'waves', targets: { allNodes: true } });
        const deliveries2: Deliveries = new Map();
        let e = await drive(t, [a, b], nodes2, second.id, { deliveries: deliveries2, until: (x) => x.steps.some((s) => s.stepName === 'canary') });
        const holder = (await t.db.store.executions.get(second.id))!.leaseHolder;
        expect(['engine-a', 'engine-b']).toContain(holder);
        const survivor = holder === 'engine-a' ? b : a;
        const before = e.steps.length;
        expect(await survivor.runOnce()).toBe(0);
        expect((await execution(t, second.id)).steps).toHaveLength(before);
        await sleep(2100);
        e = await drive(t, [survivor], nodes2, second.id, { deliveries: deliveries2 });
        expect(e.status).toBe('Success');
        const timeline = await t.as(t.adminToken, 'GET', `/api/v1/executions/${second.id}/timeline?limit=500`);
        const takeovers = (timeline.json().items as { type: string; details: { from: string; to: string } }[]).filter((x) => x.type === 'lease.takeover');
        expect(takeovers.map((x) => x.details)).toContainEqual({ from: holder, to: survivor.holder });
        await assertOnce(t, e, nodes2, deliveries2);
      });
    }
  });
}
