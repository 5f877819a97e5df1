import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { ServerConfig } from '../../src/server/config.js';
import { createStore, openDatabase } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { enrolledNode, inventory, pkg } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] commands, long-poll and results`, () => {
    let t: TestApp;
    let accountId: string;
    let node: { nodeId: string; credential: string };

    beforeAll(async () => {
      t = await createTestApp(dialect, { config: { agentPollCheckMs: 100 } });
      accountId = await t.createAccount('commands');
      node = await enrolledNode(t, accountId, 'worker-1');
    });
    afterAll(async () => {
      await t.close();
    });

    const send = (body: Record<string, unknown>, account = accountId) => t.as(t.adminToken, 'POST', `/api/v1/accounts/${account}/commands`, body);

    it('validates commands: nodes of the account, Install parameters', async () => {
      const other = await t.createAccount('elsewhere');
      expect((await send({ document: 'Scan', targets: { nodeIds: [node.nodeId] } }, other)).statusCode).toBe(404);
      expect((await send({ document: 'Scan', targets: { nodeIds: [node.nodeId] }, parameters: { installOverrideList: [{ name: 'openssl', version: '3' }] } })).statusCode).toBe(400);
      expect((await send({ document: 'Install', targets: { nodeIds: [node.nodeId] }, parameters: { installOverrideList: [{ name: 'openssl', version: '3' }], snapshotId: 'snap_x' } })).statusCode).toBe(400);
      expect((await send({ document: 'Scan', targets: {} })).statusCode).toBe(400);
      expect((await send({ document: 'Scan', targets: { nodeIds: ['mi-00000000000000000'] } })).statusCode).toBe(404);
    });

    it('a command sent while the agent waits is delivered within the wait, then marked InProgress', async () => {
      const started = Date.now();
      const poll = t.as(node.credential, 'GET', '/api/v1/agent/commands?wait=10');
      await new Promise((r) => setTimeout(r, 300));
      const sent = await send({ document: 'Install', targets: { nodeIds: [node.nodeId] }, parameters: { rebootOption: 'NoReboot', installOverrideList: [{ name: 'openssl', version: '3.0.15-1~deb12u1' }] } });
      expect(sent.statusCode, sent.body).toBe(201);
      expect(sent.json()).toMatchObject({ status: 'Pending', invocations: [{ nodeId: node.nodeId, status: 'Pending' }] });
      const res = await poll;
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.statusCode, res.body).toBe(200);
      const [inv] = res.json().invocations;
      expect(inv).toMatchObject({ commandId: sent.json().id, document: 'Install', parameters: { rebootOption: 'NoReboot', items: [{ name: 'openssl', version: '3.0.15-1~deb12u1' }] } });
      const shown = await t.as(t.adminToken, 'GET', `/api/v1/commands/${sent.json().id}`);
      expect(shown.json()).toMatchObject({ status: 'InProgress', invocations: [{ status: 'InProgress' }] });
      // Delivered once: the next poll gets nothing.
      expect((await t.as(node.credential, 'GET', '/api/v1/agent/commands?wait=0')).json().invocations).toEqual([]);
    });

    it('a poll whose agent hung up hands out nothing: a command sent then stays Pending for the next poll', async () => {
      const other = await enrolledNode(t, accountId, 'hangs-up');
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const address = t.app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const aborter = new AbortController();
      const poll = fetch(`http://127.0.0.1:${port}/api/v1/agent/commands?wait=10`, {
        headers: { authorization: `Bearer ${other.credential}` },
        signal: aborter.signal,
      }).catch((err: unknown) => err);
      await new Promise((r) => setTimeout(r, 300));
      aborter.abort();
      expect(await poll).toBeInstanceOf(Error);
      await new Promise((r) => setTimeout(r, 100));
      const sent = await send({ document: 'Scan', targets: { nodeIds: [other.nodeId] }, parameters: {} });
      expect(sent.statusCode, sent.body).toBe(201);
      await new Promise((r) => setTimeout(r, 600));
      const shown = await t.as(t.adminToken, 'GET', `/api/v1/commands/${sent.json().id}`);
      expect(shown.json()).toMatchObject({ invocations: [{ status: 'Pending' }] });
      const next = await t.as(other.credential, 'GET', '/api/v1/agent/commands?wait=0');
      expect(next.json().invocations).toMatchObject([{ commandId: sent.json().id, document: 'Scan' }]);
    });

    it('applies a result exactly once per idempotency key, with the fresh inventory', async () => {
      const sent = await send({ document: 'Scan', targets: { nodeIds: [node.nodeId] } });
      const [inv] = (await t.as(node.credential, 'GET', '/api/v1/agent/commands')).json().invocations;
      const result = {
        invocationId: inv.invocationId,
        idempotencyKey: 'result-key-0001',
        status: 'Success',
        output: 'x'.repeat(100_000),
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        outcomes: [{ name: 'openssl', arch: 'amd64', requestedVersion: '3.0.15', installedVersion: '3.0.15', state: 'installed' }],
        inventory: inventory('worker-1', [pkg('openssl', '3.0.15')]),
      };
      const first = await t.as(node.credential, 'POST', '/api/v1/agent/results', result);
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toMatchObject({ status: 'Success', inventoryRevision: 1 });
      const again = await t.as(node.credential, 'POST', '/api/v1/agent/results', result);
      expect(again.json()).toEqual(first.json());
      expect((await t.as(t.adminToken, 'GET', `/api/v1/nodes/${node.nodeId}`)).json().inventoryRevision).toBe(1);
      const entries = await t.as(t.adminToken, 'GET', '/api/v1/audit?action=command.result&limit=500');
      expect((entries.json().items as { targetId: string }[]).filter((e) => e.targetId === inv.invocationId)).toHaveLength(1);
      const other = await t.as(node.credential, 'POST', '/api/v1/agent/results', { ...result, idempotencyKey: 'another-key-0002' });
      expect(other.statusCode).toBe(409);
      const shown = (await t.as(t.adminToken, 'GET', `/api/v1/commands/${sent.json().id}`)).json();
      expect(shown).toMatchObject({ status: 'Success', invocations: [{ status: 'Success', outcomes: result.outcomes }] });
      expect(shown.invocations[0].output.length).toBeLessThanOrEqual(64 * 1024 + 20);
    });

    it('refuses results for invocations of another node with 404', async () => {
      const other = await enrolledNode(t, accountId, 'worker-2');
      await send({ document: 'Scan', targets: { nodeIds: [node.nodeId] } });
      const [inv] = (await t.as(node.credential, 'GET', '/api/v1/agent/commands')).json().invocations;
      const res = await t.as(other.credential, 'POST', '/api/v1/agent/results', {
        invocationId: inv.invocationId, idempotencyKey: 'stolen-key-01', status: 'Failed', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(),
      });
      expect(res.statusCode).toBe(404);
    });

    it('cancels what was not delivered yet', async () => {
      const sent = await send({ document: 'Scan', targets: { nodeIds: [node.nodeId] } });
      const res = await t.as(t.adminToken, 'POST', `/api/v1/commands/${sent.json().id}/cancel`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'Cancelled', invocations: [{ status: 'Cancelled' }] });
      expect((await t.as(node.credential, 'GET', '/api/v1/agent/commands')).json().invocations).toEqual([]);
      const listed = await t.as(t.adminToken, 'GET', `/api/v1/commands?accountId=${accountId}`);
      expect(listed.json().items[0]).toMatchObject({ id: sent.json().id, status: 'Cancelled' });
    });

    it('a second app instance on the same database delivers a command sent through the first', async () => {
      const handle = openDatabase({ ...t.db.options, poolSize: 2 });
      const store = createStore(handle);
      const config = ServerConfig.parse({ dataDir: '/nonexistent', logLevel: 'silent', agentPollCheckMs: 100 });
      const second = await buildApp({ config, store });
      await second.app.ready();
      try {
        const started = Date.now();
        const poll = second.app.inject({ method: 'GET', url: '/api/v1/agent/commands?wait=10', headers: { authorization: `Bearer ${node.credential}` } });
        await new Promise((r) => setTimeout(r, 300));
        const sent = await send({ document: 'Scan', targets: { nodeIds: [node.nodeId] } });
        const res = await poll;
        expect(res.json().invocations.map((i: { commandId: string }) => i.commandId)).toEqual([sent.json().id]);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await second.app.close();
        await store.close();
      }
    });
  });
}
