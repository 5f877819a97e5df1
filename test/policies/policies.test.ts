/**
 * Patch policies (both databases): org-admins write them, everyone reads; validation; the policy
 * level of the effective baseline (between override and patch group; lowest priority wins); the
 * `policyId` filter of the compliance node list and summary; scheduled scans and installs through
 * the windows job (one task per account, the nodes the policy governs), with an injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { baselineIn } from '../baselines/helpers.js';
import { enrolledNode, inventory, pkg, update } from '../nodes/helpers.js';
import { jobFor, RecorderStarter } from '../windows/helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] patch policies`, () => {
    let t: TestApp;
    let prod: string;
    let dev: string;
    let prodBaseline: string;
    let devBaseline: string;
    const nodes: Record<string, string> = {};
    let now = new Date('2026-11-27T12:00:00Z');
    const clock = () => now;
    const policyIds: Record<string, string> = {};

    beforeAll(async () => {
      t = await createTestApp(dialect, { clock });
      prod = await t.createAccount('pol-prod');
      dev = await t.createAccount('pol-dev');
      prodBaseline = await baselineIn(t, prod, 'prod-strict');
      devBaseline = await baselineIn(t, dev, 'dev-loose');
      nodes['web'] = (await enrolledNode(t, prod, 'web-1', { Env: 'prod', Role: 'web', PatchGroup: 'web' })).nodeId;
      nodes['db'] = (await enrolledNode(t, prod, 'db-1', { Env: 'prod', Role: 'db' })).nodeId;
      nodes['dev'] = (await enrolledNode(t, dev, 'dev-1', { Env: 'dev' })).nodeId;
    });
    afterAll(async () => {
      await t.close();
    });

    const policy = (over: Record<string, unknown> = {}): Record<string, unknown> & { baselines: Record<string, string> } => ({
      name: 'fleet',
      priority: 100,
      baselines: { DEBIAN: devBaseline },
      targets: { accounts: 'all' },
      scan: { schedule: '0 1 * * *', timezone: 'UTC' },
      install: { schedule: 'cron(0 3 ? * SAT *)', timezone: 'Europe/Berlin', durationHours: 4, cutoffHours: 1 },
      rebootOption: 'NoReboot',
      slaDays: { critical: 7 },
      ...over,
    });

    it('org-admin creates policies; others read them but may not write', async () => {
      const res = await t.as(t.adminToken, 'POST', '/api/v1/policies', policy({ description: 'every node' }));
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        name: 'fleet',
        priority: 100,
        enabled: true,
        baselines: { DEBIAN: devBaseline },
        scan: { schedule: '0 1 * * *', timezone: 'UTC', nextStart: '2026-11-28T01:00:00.000Z' },
        install: { schedule: 'cron(0 3 ? * SAT *)', durationHours: 4, cutoffHours: 1, nextStart: '2026-11-28T02:00:00.000Z' },
        rebootOption: 'NoReboot',
        slaDays: { critical: 7 },
        createdBy: 'admin',
      });
      policyIds['fleet'] = res.json().id;
      const strict = await t.as(t.adminToken, 'POST', '/api/v1/policies', policy({ name: 'prod-web', priority: 10, baselines: { DEBIAN: prodBaseline }, targets: { accounts: [prod], tags: [{ key: 'Role', values: ['web'] }] }, install: null }));
      expect(strict.statusCode, strict.body).toBe(201);
      policyIds['prod-web'] = strict.json().id;

      const viewer = await t.createUser('pol-viewer', { memberships: [{ accountId: prod, role: 'viewer' }] });
      const admin = await t.createUser('pol-admin', { memberships: [{ accountId: prod, role: 'admin' }] });
      expect((await t.as(viewer.token, 'GET', '/api/v1/policies')).json().items.map((p: { name: string }) => p.name)).toEqual(['prod-web', 'fleet']);
      expect((await t.as(viewer.token, 'GET', `/api/v1/policies/${policyIds['fleet']}`)).statusCode).toBe(200);
      const denied = await t.as(admin.token, 'POST', '/api/v1/policies', policy({ name: 'mine', priority: 5 }));
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error.message).toContain('org-admin');
      expect((await t.as(admin.token, 'DELETE', `/api/v1/policies/${policyIds['fleet']}`)).statusCode).toBe(403);
      expect((await t.as(viewer.token, 'GET', `/api/v1/policies/${policyIds['fleet']}/runs`)).statusCode).toBe(403);
      const audit = (await t.as(t.adminToken, 'GET', '/api/v1/audit?action=policy.create')).json();
      expect(audit.items.map((e: { outcome: string }) => e.outcome).sort()).toEqual(['denied', 'success', 'success']);
    });

    it.each([
      [{ priority: 10, name: 'other' }, 409, /priority 10 exists already/],
      [{ name: 'fleet', priority: 11 }, 409, /named "fleet"/],
      [{ name: 'x', priority: 12, baselines: { UBUNTU: 'pb_nope' } }, 400, /baselines.UBUNTU: baseline "pb_nope" does not exist/],
      [{ name: 'x', priority: 12, baselines: { UBUNTU: 'BASELINE' } }, 400, /is for DEBIAN, not UBUNTU/],
      [{ name: 'x', priority: 12, targets: { accounts: ['acct_nope'] } }, 400, /account "acct_nope" does not exist/],
      [{ name: 'x', priority: 12, scan: { schedule: 'sometimes' } }, 400, /needs 5 fields/],
      [{ name: 'x', priority: 12, install: { schedule: '0 2 * * *', durationHours: 2, cutoffHours: 2 } }, 400, /cutoffHours must be less than/],
    ])('refuses %j', async (over, status, message) => {
      const body = policy(over);
      if (JSON.stringify(body.baselines).includes('BASELINE')) body.baselines = { UBUNTU: devBaseline };
      const res = await t.as(t.adminToken, 'POST', '/api/v1/policies', body);
      expect(res.statusCode).toBe(status);
      expect(JSON.stringify(res.json()).replace(/\\"/g, '"')).toMatch(message);
    });

    it('the policy level of the effective baseline: lowest priority wins, above the patch group', async () => {
      // The patch group "web" has its own baseline; the policy is above it.
      const pg = await baselineIn(t, prod, 'web-group');
      expect((await t.as(t.adminToken, 'PUT', `/api/v1/accounts/${prod}/patch-groups/web/baselines/DEBIAN`, { baselineId: pg })).statusCode).toBeLessThan(300);
      const web = (await t.as(t.adminToken, 'GET', `/api/v1/nodes/${nodes['web']}/baseline`)).json();
      expect(web).toMatchObject({ source: 'policy', baseline: { id: prodBaseline } });
      expect(web.reason).toContain('patch policy "prod-web"');
      expect(web.chain.find((l: { level: string }) => l.level === 'patchGroup')).toMatchObject({ status: 'shadowed', baselineId: pg });
      // db-1 is only in "fleet", whose baseline lives in another account: policies are the organization's.
      const db = (await t.as(t.adminToken, 'GET', `/api/v1/nodes/${nodes['db']}/baseline`)).json();
      expect(db).toMatchObject({ source: 'policy', baseline: { id: devBaseline } });
      expect(db.reason).toContain('patch policy "fleet"');
    });

    it('compliance node list and summary filter by policyId', async () => {
      await t.services.compliance.evaluateNodes(Object.values(nodes));
      const list = async (policyId: string) => ((await t.as(t.adminToken, 'GET', `/api/v1/compliance/nodes?policyId=${policyId}`)).json().items as { nodeId: string }[]).map((n) => n.nodeId).sort();
      expect(await list(policyIds['prod-web']!)).toEqual([nodes['web']]);
      expect(await list(policyIds['fleet']!)).toEqual([nodes['db'], nodes['dev']].sort());
      const summary = (await t.as(t.adminToken, 'GET', `/api/v1/compliance/summary?policyId=${policyIds['fleet']}&groupBy=account`)).json();
      expect(summary.totals.nodes).toBe(2);
      expect(summary.groups.map((g: { key: string }) => g.key).sort()).toEqual([prod, dev].sort());
      // An unknown policy filters everything out, like any filter value that matches nothing.
      const missing = await t.as(t.adminToken, 'GET', '/api/v1/compliance/nodes?policyId=pp_nope');
      expect(missing.statusCode).toBe(200);
      expect(missing.json().total).toBe(0);
      // A viewer of prod sees only prod's nodes of the policy.
      const viewer = await t.createUser('pol-viewer-2', { memberships: [{ accountId: prod, role: 'viewer' }] });
      const scoped = (await t.as(viewer.token, 'GET', `/api/v1/compliance/nodes?policyId=${policyIds['fleet']}`)).json();
      expect(scoped.items.map((n: { nodeId: string }) => n.nodeId)).toEqual([nodes['db']]);
    });

    it("a policy's SLA days override the organization's for the nodes it governs", async () => {
      const id = policyIds['prod-web']!;
      const current = (await t.as(t.adminToken, 'GET', `/api/v1/policies/${id}`)).json();
      const put = await t.as(t.adminToken, 'PUT', `/api/v1/policies/${id}`, policy({ name: 'prod-web', priority: 10, baselines: current.baselines, targets: current.targets, install: null, slaDays: { high: 3 } }));
      expect(put.statusCode, put.body).toBe(200);
      const at = new Date().toISOString();
      for (const [name, nodeId] of [['web-1', nodes['web']!], ['db-1', nodes['db']!]] as const) {
        await t.db.store.transaction((tx) => tx.nodes.replaceInventory(nodeId, inventory(name, [pkg('curl', '7.88.1-10')], [update('curl', '7.88.1-10', '7.88.1-10+deb12u8', true)]), at));
      }
      await t.services.compliance.evaluateNodes([nodes['web']!, nodes['db']!]);
      const days = async (nodeId: string) => {
        const detail = (await t.as(t.adminToken, 'GET', `/api/v1/nodes/${nodeId}/compliance`)).json();
        const curl = (detail.patches as { name: string; approvedAt: string; dueAt: string }[]).find((p) => p.name === 'curl');
        expect(curl, JSON.stringify(detail)).toBeDefined();
        if (curl === undefined) return NaN;
        return (Date.parse(curl.dueAt) - Date.parse(curl.approvedAt)) / 86_400_000;
      };
      // web-1 follows prod-web (high: 3 days); db-1 follows fleet (no high: the organization's 14).
      expect(await days(nodes['web']!)).toBe(3);
      expect(await days(nodes['db']!)).toBe(14);
    });

    it('scheduled scans and installs: one task per account with the nodes the policy governs, in the install window', async () => {
      const rec = new RecorderStarter(clock);
      const job = jobFor(t, 'policy-replica', clock, rec);
      now = new Date('2026-11-28T01:00:00Z'); // daily scan 01:00 UTC; install Sat 03:00 Berlin = 02:00Z
      await job.runOnce(now);
      const scans = rec.starts.filter((s) => s.spec.operation === 'Scan');
      // fleet: db-1 (prod) and dev-1 (dev); prod-web: web-1.
      const key = (x: unknown) => JSON.stringify(x);
      expect(scans.map((s) => key([s.accountId, s.spec.targets])).sort()).toEqual(
        [
          [prod, { nodeIds: [nodes['db']] }],
          [dev, { nodeIds: [nodes['dev']] }],
          [prod, { nodeIds: [nodes['web']] }],
        ]
          .map(key)
          .sort(),
      );
      expect(rec.starts.filter((s) => s.spec.operation === 'Install')).toEqual([]);
      now = new Date('2026-11-28T02:00:00Z');
      await job.runOnce(now);
      const installs = rec.starts.filter((s) => s.spec.operation === 'Install');
      expect(installs.map((s) => s.accountId).sort()).toEqual([prod, dev].sort());
      expect(installs[0]!.spec).toMatchObject({ kind: 'patch', rebootOption: 'NoReboot' });
      // After the cutoff (06:00 − 1 h = 05:00Z) no new install run starts.
      now = new Date('2026-11-28T05:00:00Z');
      await job.runOnce(now);
      const runs = (await t.as(t.adminToken, 'GET', `/api/v1/policies/${policyIds['fleet']}/runs`)).json();
      expect(runs.items.map((r: { kind: string; scheduledStart: string }) => [r.kind, r.scheduledStart])).toEqual([
        ['policy-install', '2026-11-28T02:00:00.000Z'],
        ['policy-scan', '2026-11-28T01:00:00.000Z'],
      ]);
      expect(runs.items[0].tasks).toHaveLength(2);
    });

    it('PUT replaces, DELETE removes (nodes fall back to the patch group)', async () => {
      const id = policyIds['prod-web']!;
      const put = await t.as(t.adminToken, 'PUT', `/api/v1/policies/${id}`, policy({ name: 'prod-web', priority: 10, enabled: false, baselines: { DEBIAN: prodBaseline }, targets: { accounts: [prod] } }));
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ enabled: false, targets: { accounts: [prod] }, scan: { nextStart: null } });
      // Disabled: web-1 now follows "fleet".
      expect((await t.as(t.adminToken, 'GET', `/api/v1/nodes/${nodes['web']}/baseline`)).json().reason).toContain('patch policy "fleet"');
      expect((await t.as(t.adminToken, 'DELETE', `/api/v1/policies/${policyIds['fleet']}`)).statusCode).toBe(204);
      const web = (await t.as(t.adminToken, 'GET', `/api/v1/nodes/${nodes['web']}/baseline`)).json();
      expect(web.source).toBe('patchGroup');
      expect((await t.as(t.adminToken, 'GET', `/api/v1/policies/${policyIds['fleet']}`)).statusCode).toBe(404);
      const audit = (await t.as(t.adminToken, 'GET', '/api/v1/audit?action=policy.delete')).json();
      expect(audit.items[0]).toMatchObject({ targetId: policyIds['fleet'], outcome: 'success' });
    });
  });
}
