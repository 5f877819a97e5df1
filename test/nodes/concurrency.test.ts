import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/server/app.js';
import { ServerConfig } from '../../src/server/config.js';
import { createStore, openDatabase, type Store } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { activation, enrolledNode, PLATFORM } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] concurrency: two app instances on one database`, () => {
    let t: TestApp;
    let second: App;
    let secondStore: Store;
    let accountId: string;

    beforeAll(async () => {
      t = await createTestApp(dialect, { config: { agentPollCheckMs: 50 } });
      secondStore = createStore(openDatabase({ ...t.db.options, poolSize: 4 }));
      second = await buildApp({ config: ServerConfig.parse({ dataDir: '/nonexistent', logLevel: 'silent', agentPollCheckMs: 50 }), store: secondStore });
      await second.app.ready();
      accountId = await t.createAccount('racing');
    });
    afterAll(async () => {
      await second.app.close();
      await secondStore.close();
      await t.close();
    });

    it('concurrent enrollments never exceed the registration limit', async () => {
      const a = await activation(t, accountId, { registrationLimit: 3 });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? t.app : second.app).inject({
            method: 'POST',
            url: '/api/v1/agent/enroll',
            remoteAddress: `10.0.0.${i + 1}`,
            payload: { activationId: a.id, activationCode: a.code, hostname: `racer-${i}`, platform: PLATFORM, agentVersion: '0.1.0' },
          }),
        ),
      );
      expect(results.filter((r) => r.statusCode === 201)).toHaveLength(3);
      expect(results.filter((r) => r.statusCode === 403)).toHaveLength(9);
      expect((await t.db.store.activations.get(a.id))?.registrationsUsed).toBe(3);
      expect((await t.db.store.nodes.list({ accounts: 'all', accountId, q: 'racer-', onlineSince: '1970-01-01T00:00:00.000Z' }, { limit: 50, offset: 0, sort: 'hostname' })).total).toBe(3);
    });

    it('an invocation is delivered once when both instances answer polls of the node at the same time', async () => {
      const node = await enrolledNode(t, accountId, 'contended');
      const poll = (app: App) => app.app.inject({ method: 'GET', url: '/api/v1/agent/commands?wait=5', headers: { authorization: `Bearer ${node.credential}` } });
      const polls = [poll(t), poll(second), poll(t), poll(second)];
      await new Promise((r) => setTimeout(r, 200));
      const sent = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/commands`, { document: 'Scan', targets: { nodeIds: [node.nodeId] } });
      expect(sent.statusCode).toBe(201);
      const delivered = (await Promise.all(polls)).flatMap((r) => r.json().invocations as { commandId: string }[]);
      expect(delivered.map((i) => i.commandId)).toEqual([sent.json().id]);
    });

    it('the same result sent to both instances at once is applied once', async () => {
      const node = await enrolledNode(t, accountId, 'doubled');
      await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/commands`, { document: 'Scan', targets: { nodeIds: [node.nodeId] } });
      const [inv] = (await t.as(node.credential, 'GET', '/api/v1/agent/commands')).json().invocations;
      const at = new Date().toISOString();
      const body = { invocationId: inv.invocationId, idempotencyKey: 'twice-sent-01', status: 'Success', startedAt: at, finishedAt: at };
      const answers = await Promise.all([t, second, t, second].map((app) => app.app.inject({ method: 'POST', url: '/api/v1/agent/results', headers: { authorization: `Bearer ${node.credential}` }, payload: body })));
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
      const audit = await t.as(t.adminToken, 'GET', '/api/v1/audit?action=command.result&limit=500');
      expect((audit.json().items as { targetId: string }[]).filter((e) => e.targetId === inv.invocationId)).toHaveLength(1);
    });
  });
}
