import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { startComplianceJob } from '../../src/server/jobs/compliance.job.js';
import { clearAdvisoryIndexCache } from '../../src/server/services/patch-candidates.js';
import { debianInventory, enrolledNode, movableClock, opensslAdvisory, opensslPkg, opensslUpdate, pkg, report, update } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] compliance evaluation`, () => {
    let t: TestApp;
    let accountId: string;
    const time = movableClock('2026-03-01T10:00:00.000Z');

    beforeAll(async () => {
      clearAdvisoryIndexCache();
      t = await createTestApp(dialect, { clock: time.clock });
      accountId = await t.createAccount('compliance');
      await t.db.store.advisories.upsertMany([{ record: opensslAdvisory(), source: 'test' }]);
    });
    afterAll(async () => {
      await t.close();
    });

    const get = async (path: string) => {
      const res = await t.as(t.adminToken, 'GET', path);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<Record<string, any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const historyOf = async (nodeId: string) => (await get(`/api/v1/nodes/${nodeId}/compliance/history?limit=100`)).items as { operation: string; status: string; baselineSource: string | null; counts: Record<string, number> }[];

    it('a node without inventory is UNKNOWN and says why', async () => {
      const node = await enrolledNode(t, accountId, 'empty-1');
      const detail = await get(`/api/v1/nodes/${node.nodeId}/compliance`);
      expect(detail.node).toMatchObject({ status: 'UNKNOWN', stale: true });
      expect(detail.node.reason).toMatch(/No inventory yet/);
      const r = await t.services.compliance.evaluateNodes([node.nodeId]);
      expect(r).toMatchObject({ evaluated: 1, unknown: 1 });
      expect((await get(`/api/v1/nodes/${node.nodeId}/compliance`)).node).toMatchObject({ status: 'UNKNOWN', stale: false, operation: 'Reevaluation' });
    });

    it('an inventory report stores per-patch states, enriched by the advisory engine, and the node status', async () => {
      const node = await enrolledNode(t, accountId, 'web-1', { PatchGroup: 'web' });
      await report(
        t,
        node.credential,
        debianInventory('web-1', [opensslPkg('openssl', '3.0.11-1~deb12u2'), pkg('curl', '7.88.1-10')], [opensslUpdate('3.0.11-1~deb12u2', '3.0.15-1~deb12u1'), update('curl', '7.88.1-10', '7.88.1-10+deb12u8')]),
      );
      const detail = await get(`/api/v1/nodes/${node.nodeId}/compliance`);
      expect(detail.node).toMatchObject({ status: 'NON_COMPLIANT', operation: 'Inventory', patchGroup: 'web', operatingSystem: 'DEBIAN', stale: false });
      expect(detail.node.counts.MISSING).toBe(1);
      expect(detail.baseline).toMatchObject({ source: 'predefined' });
      const openssl = detail.patches.find((p: { name: string }) => p.name === 'openssl');
      expect(openssl).toMatchObject({ state: 'MISSING', installedVersion: '3.0.11-1~deb12u2', candidateVersion: '3.0.15-1~deb12u1', severity: 'high', security: true });
      expect(openssl.cves).toEqual(['CVE-2024-5535', 'CVE-2024-6119']);
      expect(openssl.advisoryIds).toContain('DSA-5764-1');
      expect(openssl.dueAt).not.toBeNull();
      // curl's update is not a security update: the predefined baseline does not approve it.
      expect(detail.patches.find((p: { name: string; state: string }) => p.name === 'curl' && p.state === 'MISSING')).toBeUndefined();
      const history = await historyOf(node.nodeId);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ operation: 'Inventory', status: 'NON_COMPLIANT' });

      // The same inventory again changes nothing: no history entry.
      await report(
        t,
        node.credential,
        debianInventory('web-1', [opensslPkg('openssl', '3.0.11-1~deb12u2'), pkg('curl', '7.88.1-10')], [opensslUpdate('3.0.11-1~deb12u2', '3.0.15-1~deb12u1'), update('curl', '7.88.1-10', '7.88.1-10+deb12u8')]),
      );
      expect(await historyOf(node.nodeId)).toHaveLength(1);

      // Installed: the approved version is reached, INSTALLED and COMPLIANT, one more history entry.
      time.advanceDays(1);
      await report(t, node.credential, debianInventory('web-1', [opensslPkg('openssl', '3.0.15-1~deb12u1'), pkg('curl', '7.88.1-10')], [update('curl', '7.88.1-10', '7.88.1-10+deb12u8')]));
      const after = await get(`/api/v1/nodes/${node.nodeId}/compliance`);
      expect(after.node.status).toBe('COMPLIANT');
      expect(after.patches.find((p: { name: string }) => p.name === 'openssl')).toMatchObject({ state: 'INSTALLED', installedVersion: '3.0.15-1~deb12u1' });
      const h2 = await historyOf(node.nodeId);
      expect(h2).toHaveLength(2);
      expect(h2[0]).toMatchObject({ status: 'COMPLIANT' });
    });

    it('an operation with an explicit baseline is recorded in history but never overwrites the current state', async () => {
      const node = await enrolledNode(t, accountId, 'app-1');
      await report(t, node.credential, debianInventory('app-1', [pkg('curl', '7.88.1-10')], [update('curl', '7.88.1-10', '7.88.1-10+deb12u8')]));
      const before = (await get(`/api/v1/nodes/${node.nodeId}/compliance`)).node;
      expect(before.status).toBe('COMPLIANT');
      const created = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/baselines`, {
        name: 'everything-now',
        operatingSystem: 'DEBIAN',
        approvalRules: [{ filters: [{ key: 'PRIORITY', values: ['*'] }], complianceLevel: 'HIGH', approveAfterDays: 0, approveUndated: true, enableNonSecurity: true }],
      });
      expect(created.statusCode, created.body).toBe(201);
      time.advanceDays(1);
      await t.services.compliance.evaluateNodes([node.nodeId], { operation: 'Scan', commandId: 'cmd_test', baselineOverrideId: created.json().id });
      const history = await historyOf(node.nodeId);
      expect(history[0]).toMatchObject({ operation: 'Scan', baselineSource: 'override', status: 'NON_COMPLIANT' });
      const current = (await get(`/api/v1/nodes/${node.nodeId}/compliance`)).node;
      expect(current).toMatchObject({ status: 'COMPLIANT', baselineId: before.baselineId, baselineSource: before.baselineSource });
    });

    it('stale nodes are re-evaluated by the job; SLA due dates make patches overdue on an injected clock', async () => {
      const node = await enrolledNode(t, accountId, 'db-1');
      await report(t, node.credential, debianInventory('db-1', [opensslPkg('openssl', '3.0.11-1~deb12u2')], [opensslUpdate('3.0.11-1~deb12u2', '3.0.15-1~deb12u1')]));
      const job = startComplianceJob({ store: t.db.store, clock: time.clock, logger: t.app.log as never, compliance: t.services.compliance }, 'test-holder', 3_600_000);
      try {
        const set = await t.as(t.adminToken, 'PUT', '/api/v1/compliance/settings', { slaDays: { high: 3 } });
        expect(set.statusCode, set.body).toBe(200);
        expect(set.json().slaDays).toMatchObject({ critical: 7, high: 3, medium: 30, low: 90 });
        expect((await get(`/api/v1/nodes/${node.nodeId}/compliance`)).node.stale).toBe(true);
        expect(await job.runOnce()).toBeGreaterThanOrEqual(1);
        const fresh = await get(`/api/v1/nodes/${node.nodeId}/compliance`);
        expect(fresh.node).toMatchObject({ stale: false, overdue: 0 });
        const due = fresh.patches.find((p: { name: string }) => p.name === 'openssl').dueAt as string;
        expect(Date.parse(due) - Date.parse(fresh.patches.find((p: { name: string }) => p.name === 'openssl').approvedAt)).toBe(3 * 86_400_000);
        time.advanceDays(4);
        expect(await job.runOnce()).toBeGreaterThanOrEqual(1);
        const late = await get(`/api/v1/nodes/${node.nodeId}/compliance`);
        expect(late.node.overdue).toBe(1);
        expect(late.patches.find((p: { name: string }) => p.name === 'openssl')).toMatchObject({ overdue: true });
        const overdueNodes = await get(`/api/v1/compliance/nodes?overdue=true`);
        expect(overdueNodes.items.map((n: { hostname: string }) => n.hostname)).toContain('db-1');
        // Nothing stale any more: the next run evaluates nothing.
        expect(await job.runOnce()).toBe(0);
      } finally {
        job.stop();
      }
    });

    it('an advisory import makes the job re-evaluate every node against it', async () => {
      const node = await enrolledNode(t, accountId, 'mail-1');
      await report(t, node.credential, debianInventory('mail-1', [pkg('curl', '7.88.1-10')], [update('curl', '7.88.1-10', '7.88.1-10+deb12u8')]));
      expect((await get(`/api/v1/nodes/${node.nodeId}/compliance`)).node.status).toBe('COMPLIANT');
      const job = startComplianceJob({ store: t.db.store, clock: time.clock, logger: t.app.log as never, compliance: t.services.compliance }, 'test-holder', 3_600_000);
      try {
        await job.runOnce();
        time.advanceDays(1);
        await t.db.store.advisories.upsertMany([
          {
            source: 'test',
            record: {
              id: 'DSA-5800-1',
              modified: '2026-03-01T00:00:00Z',
              published: '2026-02-20T00:00:00Z',
              aliases: ['CVE-2026-0042'],
              severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
              affected: [{ package: { ecosystem: 'Debian:12', name: 'curl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '7.88.1-10+deb12u8' }] }] }],
            },
          },
        ]);
        expect(await job.runOnce()).toBeGreaterThanOrEqual(1);
        const after = await get(`/api/v1/nodes/${node.nodeId}/compliance`);
        expect(after.node).toMatchObject({ status: 'NON_COMPLIANT', severity: 'critical', stale: false });
        expect(after.patches.find((p: { name: string }) => p.name === 'curl')).toMatchObject({ state: 'MISSING', cves: ['CVE-2026-0042'], releaseDate: '2026-02-20T00:00:00.000Z' });
      } finally {
        job.stop();
      }
    });
  });
}
