import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { enrolledNode, inventory, pkg, update } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] node inventory`, () => {
    let t: TestApp;
    let accountId: string;
    let node: { nodeId: string; credential: string };

    beforeAll(async () => {
      t = await createTestApp(dialect);
      accountId = await t.createAccount('inventory');
      node = await enrolledNode(t, accountId, 'db-1', { env: 'prod' });
    });
    afterAll(async () => {
      await t.close();
    });

    const get = (path: string) => t.as(t.adminToken, 'GET', path);

    it('stores a full inventory as rows with a revision and counts', async () => {
      const inv = inventory('db-1', [pkg('openssl', '3.0.11-1~deb12u2'), pkg('bash', '5.2.15-2+b2'), pkg('curl', '7.88.1-10')], [update('openssl', '3.0.11-1~deb12u2', '3.0.15-1~deb12u1', true), update('curl', '7.88.1-10', '7.88.1-10+deb12u8')], true);
      const res = await t.as(node.credential, 'PUT', '/api/v1/agent/inventory', inv);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ revision: 1, packages: 3, updates: 2 });
      const detail = (await get(`/api/v1/nodes/${node.nodeId}`)).json();
      expect(detail).toMatchObject({ inventoryRevision: 1, packageCount: 3, updateCount: 2, securityUpdateCount: 1, rebootRequired: true, kernel: { running: '6.1.0-18-amd64' }, addresses: ['10.0.0.5'] });
      expect((await get(`/api/v1/nodes/${node.nodeId}/packages?sort=name`)).json().items.map((p: { name: string }) => p.name)).toEqual(['bash', 'curl', 'openssl']);
      const security = (await get(`/api/v1/nodes/${node.nodeId}/updates?security=true`)).json();
      expect(security.items).toEqual([inv.updates[0]]);
      expect((await get(`/api/v1/nodes/${node.nodeId}/packages?q=SSL`)).json().total).toBe(1);
    });

    it('applies a delta on the stored revision, and answers 409 on a stale one', async () => {
      const delta = {
        baseRevision: 1,
        packages: { upsert: [pkg('openssl', '3.0.15-1~deb12u1'), pkg('vim', '2:9.0.1378-2')], remove: [{ name: 'bash', arch: 'amd64' }] },
        updates: { upsert: [], remove: [{ name: 'openssl', arch: 'amd64' }] },
        reboot: { required: false, reasons: [], packages: [] },
      };
      const res = await t.as(node.credential, 'PATCH', '/api/v1/agent/inventory', delta);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ revision: 2, packages: 3, updates: 1 });
      const packages = (await get(`/api/v1/nodes/${node.nodeId}/packages`)).json().items as { name: string; version: string }[];
      expect(packages.map((p) => `${p.name}=${p.version}`)).toEqual(['curl=7.88.1-10', 'openssl=3.0.15-1~deb12u1', 'vim=2:9.0.1378-2']);
      expect((await get(`/api/v1/nodes/${node.nodeId}`)).json()).toMatchObject({ rebootRequired: false, securityUpdateCount: 0 });
      const stale = await t.as(node.credential, 'PATCH', '/api/v1/agent/inventory', { ...delta, baseRevision: 1 });
      expect(stale.statusCode).toBe(409);
      expect(stale.json().error).toMatchObject({ code: 'conflict', details: { revision: 2 } });
      expect((await get(`/api/v1/nodes/${node.nodeId}`)).json().inventoryRevision).toBe(2);
      // The heartbeat tells the agent which revision the server holds.
      expect((await t.as(node.credential, 'POST', '/api/v1/agent/heartbeat', { agentVersion: '0.2.0' })).json()).toMatchObject({ inventoryRevision: 2, heartbeatIntervalSeconds: 60 });
      expect((await get(`/api/v1/nodes/${node.nodeId}`)).json().agentVersion).toBe('0.2.0');
    });

    it('refuses a malformed report with 400 and keeps the stored inventory', async () => {
      const before = (await get(`/api/v1/nodes/${node.nodeId}/packages`)).json();
      const good = inventory('db-1', [pkg('only', '1.0')]);
      const broken = [
        { ...good, packages: [{ name: '', arch: 'amd64', version: '1' }] },
        { ...good, platform: { ...good.platform, packageManager: 'zypper' } },
        { ...good, updates: [{ ...update('x', '1', '2'), security: 'yes' }] },
        { ...good, extra: 1, packages: undefined },
      ];
      for (const body of broken) expect((await t.as(node.credential, 'PUT', '/api/v1/agent/inventory', body)).statusCode).toBe(400);
      const badDelta = await t.as(node.credential, 'PATCH', '/api/v1/agent/inventory', { baseRevision: 2, packages: { upsert: [{ name: 'x' }] } });
      expect(badDelta.statusCode).toBe(400);
      expect((await get(`/api/v1/nodes/${node.nodeId}/packages`)).json()).toEqual(before);
      expect((await get(`/api/v1/nodes/${node.nodeId}`)).json().inventoryRevision).toBe(2);
    });

    it('lists nodes with filters: account, q, tags (AND), osId, pingStatus', async () => {
      const other = await enrolledNode(t, accountId, 'app-7', { env: 'prod', role: 'app' });
      const ids = async (query: string) => ((await get(`/api/v1/nodes?${query}`)).json().items as { id: string }[]).map((n) => n.id).sort();
      expect(await ids(`accountId=${accountId}`)).toEqual([node.nodeId, other.nodeId].sort());
      expect(await ids('q=app-')).toEqual([other.nodeId]);
      expect(await ids(`q=${node.nodeId.slice(0, 10)}`)).toContain(node.nodeId);
      expect(await ids('tag=env%3Dprod')).toEqual([node.nodeId, other.nodeId].sort());
      expect(await ids('tag=env%3Dprod&tag=role%3Dapp')).toEqual([other.nodeId]);
      expect(await ids('osId=debian&pingStatus=Online')).toEqual([node.nodeId, other.nodeId].sort());
      expect(await ids('pingStatus=ConnectionLost')).toEqual([]);
      expect((await get('/api/v1/nodes?tag=novalue')).statusCode).toBe(400);
    });

    it('stores a 1,500-package inventory whole, and a later delta changes only its rows', async () => {
      const big = await enrolledNode(t, accountId, 'big-1');
      const packages = Array.from({ length: 1500 }, (_, i) => pkg(`lib-${String(i).padStart(4, '0')}`, `1.${i}-1`));
      const updates = packages.slice(0, 300).map((p, i) => update(p.name, p.version, `${p.version}+deb12u1`, i % 3 === 0));
      const started = Date.now();
      const full = await t.as(big.credential, 'PUT', '/api/v1/agent/inventory', inventory('big-1', packages, updates));
      const fullMs = Date.now() - started;
      expect(full.json()).toEqual({ revision: 1, packages: 1500, updates: 300 });
      const delta = await t.as(big.credential, 'PATCH', '/api/v1/agent/inventory', {
        baseRevision: 1,
        packages: { upsert: [pkg('lib-0000', '1.0-1+deb12u1')], remove: [] },
        updates: { upsert: [], remove: [{ name: 'lib-0000', arch: 'amd64' }] },
      });
      expect(delta.json()).toEqual({ revision: 2, packages: 1500, updates: 299 });
      const rows = (await get(`/api/v1/nodes/${big.nodeId}/packages?q=lib-0000`)).json().items;
      expect(rows).toEqual([pkg('lib-0000', '1.0-1+deb12u1')]);
      expect((await get(`/api/v1/nodes/${big.nodeId}/updates?security=true&limit=1`)).json().total).toBe(99);
      process.stdout.write(`inventory [${dialect}]: full report of 1,500 packages and 300 updates stored in ${fullMs} ms\n`);
    });

    it('replaces, sets and removes tags (admin)', async () => {
      const put = await t.as(t.adminToken, 'PUT', `/api/v1/nodes/${node.nodeId}/tags`, { tags: { team: 'db', PatchGroup: 'critical' } });
      expect(put.statusCode).toBe(200);
      expect(put.json().tags).toEqual({ team: 'db', PatchGroup: 'critical' });
      const patch = await t.as(t.adminToken, 'PATCH', `/api/v1/nodes/${node.nodeId}/tags`, { set: { env: 'stage' }, remove: ['team'] });
      expect(patch.json().tags).toEqual({ PatchGroup: 'critical', env: 'stage' });
    });
  });
}
