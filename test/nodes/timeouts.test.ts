import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { enrolledNode } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] invocation deadlines and ping status`, () => {
    let t: TestApp;
    let accountId: string;
    let now = Date.parse('2026-11-27T12:00:00.000Z');

    beforeAll(async () => {
      t = await createTestApp(dialect, { clock: () => new Date(now), config: { agentHeartbeatSeconds: 60 } });
      accountId = await t.createAccount('deadlines');
    });
    afterAll(async () => {
      await t.close();
    });

    const command = async (nodeId: string) => {
      const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/commands`, { document: 'Scan', targets: { nodeIds: [nodeId] }, timeoutSeconds: 600 });
      expect(res.statusCode, res.body).toBe(201);
      return String(res.json().id);
    };
    const show = async (commandId: string): Promise<Record<string, unknown> & { invocations: { status: string }[] }> => (await t.as(t.adminToken, 'GET', `/api/v1/commands/${commandId}`)).json();

    it('an invocation never picked up within the timeout becomes Undeliverable', async () => {
      const node = await enrolledNode(t, accountId, 'offline');
      const id = await command(node.nodeId);
      now += 599_000;
      expect((await show(id)).invocations[0]?.status).toBe('Pending');
      now += 2_000;
      expect(await show(id)).toMatchObject({ status: 'Failed', invocations: [{ status: 'Undeliverable' }] });
      expect((await t.as(node.credential, 'GET', '/api/v1/agent/commands')).json().invocations).toEqual([]);
    });

    it('a delivered invocation without a result within the timeout becomes TimedOut; a late result is still recorded', async () => {
      const node = await enrolledNode(t, accountId, 'slow');
      const id = await command(node.nodeId);
      now += 300_000;
      const [inv] = (await t.as(node.credential, 'GET', '/api/v1/agent/commands')).json().invocations;
      now += 500_000; // 800 s after sending, 500 s after delivery: still running
      expect((await show(id)).invocations[0]?.status).toBe('InProgress');
      now += 101_000;
      expect(await show(id)).toMatchObject({ status: 'Failed', invocations: [{ status: 'TimedOut' }] });
      const at = new Date(now).toISOString();
      const late = await t.as(node.credential, 'POST', '/api/v1/agent/results', { invocationId: inv.invocationId, idempotencyKey: 'late-result-1', status: 'Success', startedAt: at, finishedAt: at });
      expect(late.statusCode, late.body).toBe(200);
      expect(await show(id)).toMatchObject({ status: 'Success', invocations: [{ status: 'Success' }] });
    });

    it('ping status: Online within 3 heartbeat intervals, then ConnectionLost, Inactive once deregistered', async () => {
      const node = await enrolledNode(t, accountId, 'pinged');
      const ping = async () => (await t.as(t.adminToken, 'GET', `/api/v1/nodes/${node.nodeId}`)).json().pingStatus as string;
      now += 180_000;
      expect(await ping()).toBe('Online');
      now += 1_000;
      expect(await ping()).toBe('ConnectionLost');
      expect((await t.as(t.adminToken, 'GET', `/api/v1/nodes?pingStatus=ConnectionLost&accountId=${accountId}`)).json().items.map((n: { id: string }) => n.id)).toContain(node.nodeId);
      await t.as(node.credential, 'POST', '/api/v1/agent/heartbeat', {});
      expect(await ping()).toBe('Online');
      await t.as(t.adminToken, 'DELETE', `/api/v1/nodes/${node.nodeId}`);
      expect(await ping()).toBe('Inactive');
    });
  });
}
