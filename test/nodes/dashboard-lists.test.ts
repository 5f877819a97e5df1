/**
 * What the dashboard's node and command lists need from the API: each listed node's compliance
 * (null until first evaluated) and the complianceStatus filter (UNKNOWN also matching nodes never
 * evaluated); the commands that touched a node (`nodeId`), within the accounts the caller reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { clearAdvisoryIndexCache } from '../../src/server/services/patch-candidates.js';
import { debianInventory, enrolledNode, getOk, opensslAdvisory, opensslPkg, opensslUpdate, report } from '../compliance/helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- API bodies are read as JSON */

for (const dialect of testDialects()) {
  describe(`[${dialect}] node and command lists for the dashboard`, () => {
    let t: TestApp;
    let prod: string;
    let dev: string;
    let prodViewer: { id: string; token: string };
    let devViewer: { id: string; token: string };
    const nodes: Record<string, string> = {};

    beforeAll(async () => {
      clearAdvisoryIndexCache();
      t = await createTestApp(dialect);
      prod = await t.createAccount('prod');
      dev = await t.createAccount('dev');
      await t.db.store.advisories.upsertMany([{ record: opensslAdvisory(), source: 'test' }]);
      for (const [account, hostname, inventory] of [
        [prod, 'web-1', debianInventory('web-1', [opensslPkg('openssl', '3.0.11-1~deb12u2')], [opensslUpdate('3.0.11-1~deb12u2', '3.0.15-1~deb12u1')])],
        [prod, 'db-1', debianInventory('db-1', [opensslPkg('openssl', '3.0.15-1~deb12u1')])],
        [prod, 'silent-1', null],
        [dev, 'fresh-1', null],
      ] as const) {
        const node = await enrolledNode(t, account, hostname);
        nodes[hostname] = node.nodeId;
        if (inventory !== null) await report(t, node.credential, inventory);
      }
      // silent-1 is evaluated without an inventory (UNKNOWN); fresh-1 never is (no compliance yet).
      await t.services.compliance.evaluateNodes([nodes['silent-1']!]);
      prodViewer = await t.createUser('prod-viewer', { memberships: [{ accountId: prod, role: 'viewer' }] });
      devViewer = await t.createUser('dev-viewer', { memberships: [{ accountId: dev, role: 'viewer' }] });
    });
    afterAll(async () => {
      await t.close();
    });

    const get = (path: string, token = t.adminToken): Promise<any> => getOk(t, path, token);
    const hostnames = (body: any): string[] => body.items.map((n: any) => n.hostname);

    it('lists each node with its compliance, null when never evaluated', async () => {
      const all = await get('/api/v1/nodes?sort=hostname');
      const by = Object.fromEntries(all.items.map((n: any) => [n.hostname, n.compliance]));
      expect(by['web-1']).toEqual({ status: 'NON_COMPLIANT', complianceLevel: expect.any(String), severity: 'high', missing: 1, overdue: 0, evaluatedAt: expect.any(String) });
      expect(by['db-1']).toMatchObject({ status: 'COMPLIANT', complianceLevel: null, missing: 0 });
      expect(by['silent-1']).toMatchObject({ status: 'UNKNOWN', missing: 0 });
      expect(by['fresh-1']).toBeNull();
      expect((await get(`/api/v1/nodes/${nodes['web-1']}`)).compliance).toEqual(by['web-1']);
      expect((await get(`/api/v1/nodes/${nodes['fresh-1']}`)).compliance).toBeNull();
    });

    it('filters by compliance status (UNKNOWN includes nodes never evaluated)', async () => {
      expect(hostnames(await get('/api/v1/nodes?complianceStatus=NON_COMPLIANT'))).toEqual(['web-1']);
      expect(hostnames(await get('/api/v1/nodes?complianceStatus=COMPLIANT'))).toEqual(['db-1']);
      const unknown = await get('/api/v1/nodes?complianceStatus=UNKNOWN&sort=hostname');
      expect([unknown.total, ...hostnames(unknown)]).toEqual([2, 'fresh-1', 'silent-1']);
      expect(hostnames(await get(`/api/v1/nodes?complianceStatus=UNKNOWN&accountId=${prod}`))).toEqual(['silent-1']);
      expect(hostnames(await get('/api/v1/nodes?complianceStatus=UNKNOWN', prodViewer.token))).toEqual(['silent-1']);
      expect(hostnames(await get('/api/v1/nodes?complianceStatus=NON_COMPLIANT&q=web&sort=-registeredAt'))).toEqual(['web-1']);
    });

    it('lists the commands that touched a node, only in the accounts the caller reads', async () => {
      const send = async (nodeIds: string[]): Promise<string> => {
        const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${prod}/commands`, { document: 'Scan', targets: { nodeIds } });
        expect(res.statusCode, res.body).toBe(201);
        return String(res.json().id);
      };
      const both = await send([nodes['web-1']!, nodes['db-1']!]);
      const webOnly = await send([nodes['web-1']!]);
      const dbOnly = await send([nodes['db-1']!]);
      const ids = (body: any): string[] => body.items.map((c: any) => c.id);
      expect(ids(await get(`/api/v1/commands?nodeId=${nodes['web-1']}&sort=createdAt`))).toEqual([both, webOnly]);
      expect(ids(await get(`/api/v1/commands?nodeId=${nodes['db-1']}&sort=createdAt`))).toEqual([both, dbOnly]);
      expect((await get(`/api/v1/commands?nodeId=${nodes['web-1']}&document=Install`)).total).toBe(0);
      expect(ids(await get(`/api/v1/commands?nodeId=${nodes['web-1']}&accountId=${prod}&sort=createdAt`, prodViewer.token))).toEqual([both, webOnly]);
      // A node of an account the caller cannot read: an empty page, as for a foreign accountId.
      expect(await get(`/api/v1/commands?nodeId=${nodes['web-1']}`, devViewer.token)).toMatchObject({ items: [], total: 0 });
      expect(await get(`/api/v1/commands?accountId=${prod}`, devViewer.token)).toMatchObject({ items: [], total: 0 });
      expect((await get('/api/v1/commands?nodeId=node_unknown')).total).toBe(0);
    });
  });
}
