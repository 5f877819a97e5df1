import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { activation, enrolledNode, PLATFORM } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] activations and enrollment`, () => {
    let t: TestApp;
    let accountId: string;
    let now = Date.now();

    beforeAll(async () => {
      t = await createTestApp(dialect, { clock: () => new Date(now), config: { enrollMaxFailuresPerIp: 5 } });
      accountId = await t.createAccount('fleet');
    });
    afterAll(async () => {
      await t.close();
    });

    const enroll = (a: { id: string; code: string }, hostname = 'h1', ip = '127.0.0.1') =>
      t.app.inject({ method: 'POST', url: '/api/v1/agent/enroll', remoteAddress: ip, payload: { activationId: a.id, activationCode: a.code, hostname, platform: PLATFORM, agentVersion: '0.1.0' } });

    it('creates an activation: the code is returned once and only its hash is stored', async () => {
      const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/activations`, { description: 'web servers', registrationLimit: 2, defaultTags: { env: 'prod', role: 'web' } });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ registrationLimit: 2, registrationsUsed: 0, state: 'active', defaultTags: { env: 'prod', role: 'web' } });
      expect(Date.parse(body.expiresAt) - now).toBe(24 * 3_600_000);
      const stored = await t.db.store.activations.get(body.id);
      expect(stored?.codeHash).not.toContain(body.activationCode);
      const list = await t.as(t.adminToken, 'GET', `/api/v1/accounts/${accountId}/activations`);
      expect(list.body).not.toContain(body.activationCode);
      expect(list.json().items.map((a: { id: string }) => a.id)).toContain(body.id);
    });

    it('validates the limits: 30 days, 1000 registrations, 50 tags with bounded keys and values', async () => {
      const bad = [
        { expiresInHours: 721 },
        { registrationLimit: 1001 },
        { registrationLimit: 0 },
        { defaultTags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
        { defaultTags: { ['k'.repeat(129)]: 'v' } },
        { defaultTags: { k: 'v'.repeat(257) } },
        { defaultTags: { '': 'v' } },
        { expiresAt: new Date(now - 1000).toISOString() },
        { expiresAt: new Date(now + 31 * 86_400_000).toISOString() },
      ];
      for (const body of bad) expect((await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/activations`, body)).statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
    });

    it('enrolls up to the registration limit; the node gets the account and the default tags', async () => {
      const a = await activation(t, accountId, { registrationLimit: 2, defaultTags: { env: 'prod' } });
      const first = await enroll(a, 'web-1');
      expect(first.statusCode).toBe(201);
      expect(first.json().nodeId).toMatch(/^mi-[0-9a-f]{17}$/);
      expect(first.json().nodeSecret).toMatch(new RegExp(`^pwn_${first.json().nodeId}\\.`));
      expect((await enroll(a, 'web-2')).statusCode).toBe(201);
      const third = await enroll(a, 'web-3');
      expect(third.statusCode).toBe(403);
      expect(third.json().error.message).toMatch(/limit of 2/);
      const node = await t.as(t.adminToken, 'GET', `/api/v1/nodes/${first.json().nodeId}`);
      expect(node.json()).toMatchObject({ accountId, hostname: 'web-1', tags: { env: 'prod' }, pingStatus: 'Online', osId: 'debian', agentVersion: '0.1.0', inventoryRevision: 0 });
      const stored = await t.db.store.nodes.get(first.json().nodeId);
      expect(stored?.secretHash).not.toContain(first.json().nodeSecret.split('.')[1]);
    });

    it('refuses expired, revoked and wrong activations with clear messages', async () => {
      const expiring = await activation(t, accountId, { expiresInHours: 1 });
      const revoked = await activation(t, accountId);
      expect((await t.as(t.adminToken, 'DELETE', `/api/v1/accounts/${accountId}/activations/${revoked.id}`)).statusCode).toBe(204);
      expect((await enroll(revoked, 'x', '10.1.1.1')).json().error.message).toMatch(/revoked/);
      now += 2 * 3_600_000;
      const expired = await enroll(expiring, 'x', '10.1.1.1');
      expect(expired.statusCode).toBe(403);
      expect(expired.json().error.message).toMatch(/expired/);
      const wrong = await enroll({ id: expiring.id, code: 'not-the-code' }, 'x', '10.1.1.1');
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error.message).toMatch(/id or code is wrong/);
      const list = await t.as(t.adminToken, 'GET', `/api/v1/accounts/${accountId}/activations?limit=500`);
      const states = Object.fromEntries((list.json().items as { id: string; state: string }[]).map((a) => [a.id, a.state]));
      expect(states[revoked.id]).toBe('revoked');
      expect(states[expiring.id]).toBe('expired');
    });

    it('rate-limits failed enrollments per client address', async () => {
      const a = await activation(t, accountId);
      for (let i = 0; i < 5; i++) expect((await enroll({ id: a.id, code: `wrong-${i}` }, 'x', '10.9.9.9')).statusCode).toBe(401);
      const limited = await enroll(a, 'x', '10.9.9.9');
      expect(limited.statusCode).toBe(429);
      expect((await enroll(a, 'x', '10.9.9.8')).statusCode).toBe(201);
    });

    it('node credentials reach only the agent routes of their node; users cannot call agent routes', async () => {
      const node = await enrolledNode(t, accountId, 'scoped');
      expect((await t.as(node.credential, 'POST', '/api/v1/agent/heartbeat', {})).statusCode).toBe(200);
      for (const [method, url] of [['GET', '/api/v1/me'], ['GET', '/api/v1/nodes'], ['GET', `/api/v1/nodes/${node.nodeId}`], ['GET', '/api/v1/accounts']] as const) {
        const res = await t.as(node.credential, method, url);
        expect(res.statusCode, url).toBe(401);
        expect(res.json().error.message).toMatch(/only the agent routes/);
      }
      const user = await t.as(t.adminToken, 'POST', '/api/v1/agent/heartbeat', {});
      expect(user.statusCode).toBe(401);
      expect(user.json().error.message).toMatch(/node credential/);
      expect((await t.as(`${node.credential}x`, 'POST', '/api/v1/agent/heartbeat', {})).statusCode).toBe(401);
    });

    it('deregistration stops the credential at once', async () => {
      const node = await enrolledNode(t, accountId, 'leaving');
      expect((await t.as(node.credential, 'POST', '/api/v1/agent/heartbeat', {})).statusCode).toBe(200);
      expect((await t.as(t.adminToken, 'DELETE', `/api/v1/nodes/${node.nodeId}`)).statusCode).toBe(204);
      const after = await t.as(node.credential, 'POST', '/api/v1/agent/heartbeat', {});
      expect(after.statusCode).toBe(401);
      expect((await t.as(t.adminToken, 'GET', `/api/v1/nodes/${node.nodeId}`)).json().pingStatus).toBe('Inactive');
      const listed = await t.as(t.adminToken, 'GET', '/api/v1/nodes?pingStatus=Inactive&limit=500');
      expect(listed.json().items.map((n: { id: string }) => n.id)).toContain(node.nodeId);
      expect((await t.as(t.adminToken, 'GET', '/api/v1/nodes?limit=500')).json().items.map((n: { id: string }) => n.id)).not.toContain(node.nodeId);
    });
  });
}
