import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { clearAdvisoryIndexCache } from '../../src/server/services/patch-candidates.js';
import { debianInventory, enrolledNode, opensslAdvisory, opensslPkg, opensslUpdate, parseCsv, pkg, report, update } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- report rows are read as JSON */

for (const dialect of testDialects()) {
  describe(`[${dialect}] compliance reports`, () => {
    let t: TestApp;
    let prod: string;
    let dev: string;
    let viewer: { id: string; token: string };
    const nodes: Record<string, string> = {};

    beforeAll(async () => {
      clearAdvisoryIndexCache();
      t = await createTestApp(dialect);
      prod = await t.createAccount('prod');
      dev = await t.createAccount('dev');
      await t.db.store.advisories.upsertMany([{ record: opensslAdvisory(), source: 'test' }]);
      // prod: two web nodes missing the openssl fix (one with a formula-like hostname), one compliant db node.
      for (const [account, hostname, tags, vulnerable] of [
        [prod, 'web-1', { PatchGroup: 'web' }, true],
        [prod, '=cmd|calc, "x"', { PatchGroup: 'web' }, true],
        [prod, 'db-1', { PatchGroup: 'db' }, false],
        [dev, 'dev-1', {}, true],
      ] as const) {
        const node = await enrolledNode(t, account, hostname, tags);
        nodes[hostname] = node.nodeId;
        const inv = vulnerable
          ? debianInventory(hostname, [opensslPkg('openssl', '3.0.11-1~deb12u2'), pkg('zlib1g', '1:1.2.13.dfsg-1')], [opensslUpdate('3.0.11-1~deb12u2', '3.0.15-1~deb12u1'), update('zlib1g', '1:1.2.13.dfsg-1', '1:1.2.13.dfsg-1+deb12u1', true)])
          : debianInventory(hostname, [opensslPkg('openssl', '3.0.15-1~deb12u1')]);
        await report(t, node.credential, { ...inv, host: { ...inv.host, hostname } });
      }
      // A node enrolled without an inventory: UNKNOWN once evaluated.
      const silent = await enrolledNode(t, dev, 'silent-1');
      nodes['silent-1'] = silent.nodeId;
      await t.services.compliance.evaluateNodes([silent.nodeId]);
      viewer = await t.createUser('prod-viewer', { memberships: [{ accountId: prod, role: 'viewer' }] });
    });
    afterAll(async () => {
      await t.close();
    });

    const get = async (path: string, token = t.adminToken): Promise<any> => {
      const res = await t.as(token, 'GET', path);
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };

    it('summarises the fleet by account, OS, severity, patch group and status', async () => {
      const byAccount = await get('/api/v1/compliance/summary?groupBy=account');
      const prodGroup = byAccount.groups.find((g: any) => g.key === prod);
      expect(prodGroup).toMatchObject({ label: 'prod', nodes: 3, compliant: 1, nonCompliant: 2, unknown: 0 });
      expect(prodGroup.patches.MISSING).toBe(4);
      expect(prodGroup.nonCompliantByLevel.HIGH).toBe(2);
      expect(byAccount.groups.find((g: any) => g.key === dev)).toMatchObject({ nodes: 2, nonCompliant: 1, unknown: 1 });
      expect(byAccount.totals).toMatchObject({ nodes: 5, compliant: 1, nonCompliant: 3, unknown: 1 });
      const byOs = await get('/api/v1/compliance/summary?groupBy=os');
      expect(byOs.groups.find((g: any) => g.key === 'DEBIAN')).toMatchObject({ nodes: 5 });
      const byGroup = await get(`/api/v1/compliance/summary?groupBy=patchGroup&accountId=${prod}`);
      expect(byGroup.groups.map((g: any) => [g.key, g.nodes])).toEqual([
        ['db', 1],
        ['web', 2],
      ]);
      const byStatus = await get('/api/v1/compliance/summary?groupBy=status');
      expect(Object.fromEntries(byStatus.groups.map((g: any) => [g.key, g.nodes]))).toEqual({ COMPLIANT: 1, NON_COMPLIANT: 3, UNKNOWN: 1 });
      const bySeverity = await get('/api/v1/compliance/summary?groupBy=severity');
      expect(bySeverity.groups.find((g: any) => g.key === 'high')).toMatchObject({ nodes: 3 });
      // A viewer of prod sees prod only; dev is hidden (404 when asked by id).
      const mine = await get('/api/v1/compliance/summary?groupBy=account', viewer.token);
      expect(mine.groups.map((g: any) => g.key)).toEqual([prod]);
      expect((await t.as(viewer.token, 'GET', `/api/v1/compliance/summary?accountId=${dev}`)).statusCode).toBe(404);
    });

    it('lists nodes with filters and sorting', async () => {
      const nonCompliant = await get('/api/v1/compliance/nodes?status=NON_COMPLIANT&sort=hostname');
      expect(nonCompliant.items.map((n: any) => n.hostname)).toEqual(['=cmd|calc, "x"', 'dev-1', 'web-1']);
      expect((await get('/api/v1/compliance/nodes?q=WEB')).items.map((n: any) => n.hostname)).toEqual(['web-1']);
      expect((await get('/api/v1/compliance/nodes?patchGroup=db')).items.map((n: any) => n.hostname)).toEqual(['db-1']);
      expect((await get('/api/v1/compliance/nodes?status=UNKNOWN')).items[0]).toMatchObject({ hostname: 'silent-1', reason: expect.stringMatching(/No inventory/) });
      expect((await get('/api/v1/compliance/nodes?os=debian&limit=500')).total).toBe(5);
      expect((await get('/api/v1/compliance/nodes', viewer.token)).items.map((n: any) => n.accountId)).toEqual([prod, prod, prod]);
      expect((await t.as(viewer.token, 'GET', `/api/v1/nodes/${nodes['dev-1']}/compliance`)).statusCode).toBe(404);
      expect((await t.as(viewer.token, 'GET', `/api/v1/nodes/${nodes['dev-1']}/compliance/history`)).statusCode).toBe(404);
    });

    it('answers which nodes miss a patch and which are exposed to a CVE', async () => {
      const missing = await get('/api/v1/compliance/patches?name=openssl&state=MISSING&sort=hostname');
      expect(missing.items.map((r: any) => r.hostname)).toEqual(['=cmd|calc, "x"', 'dev-1', 'web-1']);
      expect(missing.items[0]).toMatchObject({ installedVersion: '3.0.11-1~deb12u2', candidateVersion: '3.0.15-1~deb12u1', severity: 'high' });
      const exposed = await get('/api/v1/compliance/patches?cve=cve-2024-6119');
      expect(exposed.items.map((r: any) => `${r.hostname}:${r.name}`).sort()).toEqual(['=cmd|calc, "x":openssl', 'dev-1:openssl', 'web-1:openssl']);
      const byAdvisory = await get('/api/v1/compliance/patches?cve=DSA-5764-1&state=MISSING');
      expect(byAdvisory.total).toBe(3);
      expect((await get('/api/v1/compliance/patches?cve=CVE-2024-6119', viewer.token)).items.map((r: any) => r.accountId)).toEqual([prod, prod]);
      const summary = await get('/api/v1/compliance/patches/summary');
      expect(summary.items[0]).toMatchObject({ name: 'openssl', highestSeverity: 'high', cves: ['CVE-2024-5535', 'CVE-2024-6119'] });
      expect(summary.items[0].byState).toMatchObject({ MISSING: 3, INSTALLED: 0 });
      expect(summary.items.find((i: any) => i.name === 'zlib1g').byState.MISSING).toBe(3);
    });

    it('keeps a daily trend and a history per node', async () => {
      const trend = await get('/api/v1/compliance/trend?days=7');
      const today = new Date().toISOString().slice(0, 10);
      expect(trend.points).toEqual([{ day: today, compliant: 1, nonCompliant: 3, unknown: 1, overdueNodes: 0 }]);
      expect((await get('/api/v1/compliance/trend?days=7', viewer.token)).points).toEqual([{ day: today, compliant: 1, nonCompliant: 2, unknown: 0, overdueNodes: 0 }]);
      const history = await get(`/api/v1/nodes/${nodes['web-1']}/compliance/history`);
      expect(history.items[0]).toMatchObject({ operation: 'Inventory', status: 'NON_COMPLIANT', missing: ['openssl:amd64', 'zlib1g:amd64'] });
    });

    it('exports CSV with a header row, RFC 4180 quoting and formula neutralisation, and JSON', async () => {
      const res = await t.as(t.adminToken, 'GET', '/api/v1/compliance/export?report=nodes&format=csv');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toMatch(/attachment; filename="patchwarden-compliance-nodes-/);
      const rows = parseCsv(res.body);
      const header = rows[0]!;
      expect(header.slice(0, 6)).toEqual(['Node ID', 'Hostname', 'Account', 'Platform', 'Version', 'Agent version']);
      expect(header).toContain('Missing');
      const byId = new Map(rows.slice(1).map((r) => [r[0], Object.fromEntries(header.map((h, i) => [h, r[i]]))]));
      expect(byId.size).toBe(5);
      // The hostname starting with "=" is neutralised with a quote, and its comma and quotes survive the round trip.
      expect(byId.get(nodes['=cmd|calc, "x"'])).toMatchObject({ Hostname: `'=cmd|calc, "x"`, Account: 'prod', Status: 'NON_COMPLIANT', Missing: '2' });
      expect(byId.get(nodes['db-1'])).toMatchObject({ Status: 'COMPLIANT', Platform: 'DEBIAN', Version: '12' });

      const patches = await t.as(t.adminToken, 'GET', '/api/v1/compliance/export?report=patches&format=csv&state=MISSING&name=openssl');
      const prow = parseCsv(patches.body);
      expect(prow).toHaveLength(4);
      const cves = prow[0]!.indexOf('CVEs');
      expect(prow[1]![cves]).toBe('CVE-2024-5535 CVE-2024-6119');

      const json = await get('/api/v1/compliance/export?report=patches&format=json&cve=CVE-2024-5535');
      expect(json).toMatchObject({ report: 'patches' });
      expect(json.items).toHaveLength(3);
      const mine = await t.as(viewer.token, 'GET', '/api/v1/compliance/export?report=nodes&format=csv');
      expect(parseCsv(mine.body)).toHaveLength(4);
      expect(mine.body).not.toContain('dev-1');
    });
  });
}
