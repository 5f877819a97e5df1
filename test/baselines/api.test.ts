/**
 * Baselines through the HTTP API: create/update with every validation problem listed, predefined
 * baselines immutable, deletion refused while a baseline is in use, account defaults, patch
 * groups, "which baseline applies to node N and why" at each precedence level, and previews of
 * what a baseline approves on real node inventories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Baseline, BaselinePreview, NodeBaseline } from '../../src/contracts/api.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { Fixtures, type Acct, type Person } from '../api/fixtures.js';
import { enrolledNode, inventory, pkg, PLATFORM, update } from '../nodes/helpers.js';

const DEBIAN_RULES = {
  operatingSystem: 'DEBIAN',
  approvalRules: [{ filters: [{ key: 'PRIORITY', values: ['*'] }], complianceLevel: 'HIGH', approveAfterDays: 0 }],
};

for (const dialect of testDialects()) {
  describe(`[${dialect}] baselines API`, () => {
    let t: TestApp;
    let fx: Fixtures;
    let account: Acct;
    let other: Acct;
    let admin: Person;
    let viewer: Person;
    let operator: Person;

    beforeAll(async () => {
      t = await createTestApp(dialect);
      fx = new Fixtures(t);
      account = await fx.account('bl');
      other = await fx.account('bl-other');
      admin = await fx.user({ prefix: 'bladmin', memberships: [[account.id, 'admin']] });
      viewer = await fx.user({ prefix: 'blviewer', memberships: [[account.id, 'viewer']] });
      operator = await fx.user({ prefix: 'bloperator', memberships: [[account.id, 'operator']] });
    });
    afterAll(async () => {
      await t.close();
    });

    async function create(body: Record<string, unknown>, accountId = account.id, token = admin.token): Promise<Baseline> {
      const res = await t.as(token, 'POST', `/api/v1/accounts/${accountId}/baselines`, body);
      expect(res.statusCode, res.body).toBe(201);
      return res.json<Baseline>();
    }

    it('creates a baseline with SSM defaults, and refuses a second one of the same name', async () => {
      const b = await create({ name: 'debian-prod', ...DEBIAN_RULES, description: 'prod' });
      expect(b).toMatchObject({
        accountId: account.id,
        name: 'debian-prod',
        predefined: false,
        version: 1,
        operatingSystem: 'DEBIAN',
        approvedPatchesComplianceLevel: 'UNSPECIFIED',
        rejectedPatchesAction: 'ALLOW_AS_DEPENDENCY',
        approvalRules: [{ complianceLevel: 'HIGH', approveAfterDays: 0, approveUndated: false, enableNonSecurity: false }],
        createdBy: admin.username,
      });
      expect(b.id).toMatch(/^pb_/);
      const again = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/baselines`, { name: 'debian-prod', ...DEBIAN_RULES });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.message).toContain('debian-prod');
      // The same name in another account is fine.
      await create({ name: 'debian-prod', ...DEBIAN_RULES }, other.id, t.adminToken);
    });

    it('documents the routes in the OpenAPI document', async () => {
      const doc = (await t.as(null, 'GET', '/api/v1/openapi.json')).json<{ paths: Record<string, unknown> }>();
      for (const path of ['/api/v1/baselines', '/api/v1/baselines/{baselineId}', '/api/v1/accounts/{accountId}/patch-groups/{patchGroup}/baselines/{operatingSystem}', '/api/v1/nodes/{nodeId}/baseline', '/api/v1/accounts/{accountId}/baselines/preview']) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
    });

    it('lists every semantic problem of the rules at once', async () => {
      const res = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/baselines`, {
        name: 'broken',
        operatingSystem: 'DEBIAN',
        approvalRules: [
          { filters: [{ key: 'PRIORITY', values: ['*'] }] },
          { filters: [{ key: 'PRIORITY', values: ['*'] }], approveAfterDays: 999 },
          { filters: [{ key: 'PRIORITY', values: ['*'] }], approveAfterDays: 1, approveUntilDate: '2026-01-01' },
        ],
        rejectedPatches: ['CVE-2024-1234'],
      });
      expect(res.statusCode, res.body).toBe(400);
      const error = res.json().error as { code: string; message: string; details: { path: string; message: string }[] };
      expect(error.code).toBe('validation');
      expect(error.details.length).toBeGreaterThanOrEqual(4);
      const paths = error.details.map((d) => d.path).join(' ');
      for (const part of ['approvalRules[0]', 'approvalRules[1]', 'approvalRules[2]', 'rejectedPatches']) expect(paths).toContain(part);
      expect(error.message).toMatch(/more problems/);
      // Shapes are zod's: an unknown field or operating system is refused before.
      const shape = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/baselines`, { name: 'x!', operatingSystem: 'WINDOWS' });
      expect(shape.statusCode).toBe(400);
      expect((shape.json().error.details as unknown[]).length).toBe(2);
    });

    it('lists predefined baselines first, then the accounts the caller sees; filters by OS and text', async () => {
      const all = await t.as(viewer.token, 'GET', '/api/v1/baselines?limit=500');
      expect(all.statusCode).toBe(200);
      const items = all.json().items as Baseline[];
      const firstStored = items.findIndex((b) => !b.predefined);
      expect(items.slice(0, firstStored).every((b) => b.predefined)).toBe(true);
      expect(items.filter((b) => b.predefined).map((b) => b.id)).toContain('pb-predefined-debian');
      expect(items.filter((b) => !b.predefined).every((b) => b.accountId === account.id)).toBe(true);
      const debian = await t.as(viewer.token, 'GET', '/api/v1/baselines?operatingSystem=DEBIAN&q=prod');
      expect((debian.json().items as Baseline[]).map((b) => b.name)).toEqual(['debian-prod']);
      const page2 = await t.as(viewer.token, 'GET', '/api/v1/baselines?limit=5&offset=5');
      expect(page2.json().total).toBe(all.json().total);
      expect((page2.json().items as Baseline[]).map((b) => b.id)).toEqual(items.slice(5, 10).map((b) => b.id));
      expect((await t.as(viewer.token, 'GET', '/api/v1/baselines/pb-predefined-ubuntu')).json()).toMatchObject({ predefined: true, accountId: null, operatingSystem: 'UBUNTU' });
    });

    it('updates the fields given, raises the version, and refuses to change a predefined baseline', async () => {
      const b = await create({ name: 'to-update', ...DEBIAN_RULES, rejectedPatches: ['telnet*'] });
      const res = await t.as(admin.token, 'PATCH', `/api/v1/baselines/${b.id}`, { description: 'changed', approvedPatches: ['openssl'] });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ version: 2, description: 'changed', approvedPatches: ['openssl'], rejectedPatches: ['telnet*'], approvalRules: b.approvalRules });
      expect((await t.as(viewer.token, 'GET', `/api/v1/baselines/${b.id}`)).json().version).toBe(2);
      const invalid = await t.as(admin.token, 'PATCH', `/api/v1/baselines/${b.id}`, { approvalRules: [{ filters: [] }] });
      expect(invalid.statusCode).toBe(400);
      const operatingSystem = await t.as(admin.token, 'PATCH', `/api/v1/baselines/${b.id}`, { operatingSystem: 'UBUNTU' });
      expect(operatingSystem.statusCode).toBe(400);
      const predefined = await t.as(t.adminToken, 'PATCH', '/api/v1/baselines/pb-predefined-debian', { description: 'mine now' });
      expect(predefined.statusCode).toBe(409);
      expect(predefined.json().error.message).toContain('patchwarden baselines create --from pb-predefined-debian');
      expect((await t.as(t.adminToken, 'DELETE', '/api/v1/baselines/pb-predefined-debian')).statusCode).toBe(409);
      expect((await t.as(viewer.token, 'PATCH', `/api/v1/baselines/${b.id}`, { description: 'viewer' })).statusCode).toBe(403);
    });

    it('account defaults: predefined until registered; OS and account must fit; back to predefined on clear', async () => {
      const before = await t.as(viewer.token, 'GET', `/api/v1/accounts/${account.id}/default-baselines`);
      expect(before.statusCode).toBe(200);
      const items = before.json().items as { operatingSystem: string; baselineId: string; registered: boolean; predefined: boolean }[];
      expect(items.length).toBe(9);
      expect(items.find((i) => i.operatingSystem === 'DEBIAN')).toMatchObject({ baselineId: 'pb-predefined-debian', registered: false, predefined: true });
      const b = await create({ name: 'debian-default', ...DEBIAN_RULES });
      const wrongOs = await t.as(admin.token, 'PUT', `/api/v1/accounts/${account.id}/default-baselines/UBUNTU`, { baselineId: b.id });
      expect(wrongOs.statusCode).toBe(400);
      expect(wrongOs.json().error.message).toContain('DEBIAN, not UBUNTU');
      const foreign = await create({ name: 'foreign-default', ...DEBIAN_RULES }, other.id, t.adminToken);
      expect((await t.as(t.adminToken, 'PUT', `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`, { baselineId: foreign.id })).statusCode).toBe(404);
      const set = await t.as(admin.token, 'PUT', `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`, { baselineId: b.id });
      expect(set.statusCode, set.body).toBe(200);
      expect(set.json()).toMatchObject({ baselineId: b.id, baselineName: 'debian-default', registered: true, predefined: false });
      const cleared = await t.as(admin.token, 'DELETE', `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`);
      expect(cleared.json()).toMatchObject({ baselineId: 'pb-predefined-debian', registered: false });
      expect((await t.as(viewer.token, 'PUT', `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`, { baselineId: b.id })).statusCode).toBe(403);
    });

    it('patch groups: one baseline per OS, names URL-encoded in the path, SSM pattern enforced', async () => {
      const b = await create({ name: 'group-baseline', ...DEBIAN_RULES });
      const group = 'web/prod @eu:1';
      const url = `/api/v1/accounts/${account.id}/patch-groups/${encodeURIComponent(group)}/baselines/DEBIAN`;
      const reg = await t.as(admin.token, 'PUT', url, { baselineId: b.id });
      expect(reg.statusCode, reg.body).toBe(200);
      expect(reg.json()).toMatchObject({ patchGroup: group, operatingSystem: 'DEBIAN', baselineId: b.id, baselineName: 'group-baseline' });
      await t.as(admin.token, 'PUT', `/api/v1/accounts/${account.id}/patch-groups/${encodeURIComponent(group)}/baselines/UBUNTU`, { baselineId: 'pb-predefined-ubuntu' });
      const list = await t.as(viewer.token, 'GET', `/api/v1/accounts/${account.id}/patch-groups`);
      expect((list.json().items as { patchGroup: string; operatingSystem: string }[]).filter((i) => i.patchGroup === group).map((i) => i.operatingSystem)).toEqual(['DEBIAN', 'UBUNTU']);
      const bad = await t.as(admin.token, 'PUT', `/api/v1/accounts/${account.id}/patch-groups/${encodeURIComponent('web#1')}/baselines/DEBIAN`, { baselineId: b.id });
      expect(bad.statusCode).toBe(400);
      // The longest name SSM allows (256 characters, here 1,536 once URL-encoded) fits in the path; one more does not.
      const longest = 'ü'.repeat(256);
      expect((await t.as(admin.token, 'PUT', `/api/v1/accounts/${account.id}/patch-groups/${encodeURIComponent(longest)}/baselines/DEBIAN`, { baselineId: b.id })).statusCode).toBe(200);
      expect((await t.as(admin.token, 'PUT', `/api/v1/accounts/${account.id}/patch-groups/${encodeURIComponent(`${longest}ü`)}/baselines/DEBIAN`, { baselineId: b.id })).statusCode).toBe(400);
      expect((await t.as(admin.token, 'DELETE', `/api/v1/accounts/${account.id}/patch-groups/${encodeURIComponent(longest)}/baselines/DEBIAN`)).statusCode).toBe(204);
      // In use: deletion names where.
      const refused = await t.as(admin.token, 'DELETE', `/api/v1/baselines/${b.id}`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.message).toContain(`patch group "${group}" for DEBIAN`);
      await t.as(admin.token, 'PUT', `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`, { baselineId: b.id });
      const twice = await t.as(admin.token, 'DELETE', `/api/v1/baselines/${b.id}`);
      expect(twice.json().error.message).toContain('the default for DEBIAN');
      expect((await t.as(admin.token, 'DELETE', url)).statusCode).toBe(204);
      expect((await t.as(admin.token, 'DELETE', url)).statusCode).toBe(404);
      await t.as(admin.token, 'DELETE', `/api/v1/accounts/${account.id}/default-baselines/DEBIAN`);
      expect((await t.as(admin.token, 'DELETE', `/api/v1/baselines/${b.id}`)).statusCode).toBe(204);
      expect((await t.as(admin.token, 'GET', `/api/v1/baselines/${b.id}`)).statusCode).toBe(404);
    });

    it('says which baseline applies to a node and why, at each level of the precedence', async () => {
      const acct = await fx.account('eff');
      const node = await fx.node(acct.id, 'eff-host');
      const effective = async () => {
        const res = await t.as(t.adminToken, 'GET', `/api/v1/nodes/${node.nodeId}/baseline`);
        expect(res.statusCode, res.body).toBe(200);
        return res.json<NodeBaseline>();
      };
      const levels = (e: NodeBaseline) => Object.fromEntries(e.chain.map((l) => [l.level, l.status]));

      let e = await effective();
      expect(e).toMatchObject({ operatingSystem: 'DEBIAN', products: ['Debian12', 'Debian'], patchGroup: null, source: 'predefined', baseline: { id: 'pb-predefined-debian', predefined: true } });
      expect(levels(e)).toEqual({ override: 'skipped', policy: 'skipped', patchGroup: 'skipped', accountDefault: 'skipped', predefined: 'applies' });
      expect(e.chain.find((l) => l.level === 'patchGroup')?.reason).toContain('no PatchGroup');

      const def = await create({ name: 'eff-default', ...DEBIAN_RULES }, acct.id, t.adminToken);
      await t.as(t.adminToken, 'PUT', `/api/v1/accounts/${acct.id}/default-baselines/DEBIAN`, { baselineId: def.id });
      e = await effective();
      expect(e).toMatchObject({ source: 'accountDefault', baseline: { id: def.id, name: 'eff-default', version: 1 } });
      expect(levels(e)).toMatchObject({ accountDefault: 'applies', predefined: 'shadowed' });

      await t.as(t.adminToken, 'PATCH', `/api/v1/nodes/${node.nodeId}/tags`, { set: { PatchGroup: 'web' } });
      e = await effective();
      expect(e).toMatchObject({ patchGroup: 'web', source: 'accountDefault' });
      expect(e.chain.find((l) => l.level === 'patchGroup')).toMatchObject({ status: 'skipped', reason: 'patch group "web" has no baseline registered for DEBIAN' });

      const grp = await create({ name: 'eff-group', ...DEBIAN_RULES }, acct.id, t.adminToken);
      await t.as(t.adminToken, 'PUT', `/api/v1/accounts/${acct.id}/patch-groups/web/baselines/DEBIAN`, { baselineId: grp.id });
      e = await effective();
      expect(e).toMatchObject({ source: 'patchGroup', baseline: { id: grp.id } });
      expect(e.reason).toContain('patch group "web"');
      expect(levels(e)).toEqual({ override: 'skipped', policy: 'skipped', patchGroup: 'applies', accountDefault: 'shadowed', predefined: 'shadowed' });

      // The legacy `Patch Group` key counts too.
      await t.as(t.adminToken, 'PUT', `/api/v1/nodes/${node.nodeId}/tags`, { tags: { 'Patch Group': 'web' } });
      expect((await effective()).source).toBe('patchGroup');

      // An override (as an operation gives it) wins over everything.
      const { resolveEffectiveBaselines } = await import('../../src/server/services/effective-baseline.js');
      const record = (await t.db.store.nodes.get(node.nodeId))!;
      const resolved = (await resolveEffectiveBaselines(t.db.store, [record], { baselineIds: { DEBIAN: def.id } })).get(node.nodeId)!;
      expect(resolved).toMatchObject({ choice: { source: 'override', baselineId: def.id }, patchGroup: 'web' });
      const foreign = await create({ name: 'eff-foreign', ...DEBIAN_RULES }, other.id, t.adminToken);
      expect((await resolveEffectiveBaselines(t.db.store, [record], { baselineIds: { DEBIAN: foreign.id } })).get(node.nodeId)).toMatchObject({ error: expect.stringContaining('another account') });

      // An unsupported OS: no baseline, every level skipped.
      const odd = await t.db.store.nodes.get((await fx.node(acct.id, 'odd-host')).nodeId);
      await t.db.store.transaction((tx) => tx.nodes.replaceInventory(odd!.id, { ...inventory('odd-host', []), platform: { ...PLATFORM, osId: 'gentoo', osIdLike: [] } }, new Date().toISOString()));
      const oddView = (await t.as(t.adminToken, 'GET', `/api/v1/nodes/${odd!.id}/baseline`)).json<NodeBaseline>();
      expect(oddView).toMatchObject({ operatingSystem: null, baseline: null, source: null });
      expect(oddView.reason).toContain('not supported');
    });

    it('previews what a baseline approves on nodes now, before saving it', async () => {
      const acct = await fx.account('preview');
      const web = await enrolledNode(t, acct.id, 'web-1', { PatchGroup: 'web' });
      const db = await enrolledNode(t, acct.id, 'db-1', { role: 'db' });
      const updates = [update('openssl', '3.0.11-1~deb12u2', '3.0.15-1~deb12u1', true), update('curl', '7.88.1-10', '7.88.1-10+deb12u8', false)];
      for (const [n, host] of [[web, 'web-1'], [db, 'db-1']] as const) {
        const res = await t.as(n.credential, 'PUT', '/api/v1/agent/inventory', inventory(host, [pkg('openssl', '3.0.11-1~deb12u2'), pkg('curl', '7.88.1-10')], updates));
        expect(res.statusCode, res.body).toBe(200);
      }
      const url = `/api/v1/accounts/${acct.id}/baselines/preview`;
      const saved = await t.as(t.adminToken, 'POST', url, { baselineId: 'pb-predefined-debian', patchGroup: 'web' });
      expect(saved.statusCode, saved.body).toBe(200);
      const p = saved.json<BaselinePreview>();
      expect(p.baseline).toMatchObject({ id: 'pb-predefined-debian', predefined: true });
      expect(p.totals).toMatchObject({ nodes: 1, evaluated: 1, updates: 2, approved: 1, notApprovedSecurity: 0 });
      expect(p.nodes.items[0]).toMatchObject({ nodeId: web.nodeId, applicable: true, products: ['Debian12', 'Debian'] });
      expect(p.nodes.items[0]!.approved.map((a) => a.name)).toEqual(['openssl']);
      expect(p.nodes.items[0]!.approved[0]).toMatchObject({ installedVersion: '3.0.11-1~deb12u2', candidateVersion: '3.0.15-1~deb12u1', security: true });
      expect(p.nodes.items[0]!.approved[0]!.reason).not.toBe('');

      // A draft approving non-security updates too, on nodes chosen by tag.
      const draft = await t.as(operator.token, 'POST', `/api/v1/accounts/${account.id}/baselines/preview`, { rules: { ...DEBIAN_RULES, approvalRules: [{ ...DEBIAN_RULES.approvalRules[0], enableNonSecurity: true }] } });
      expect(draft.statusCode, draft.body).toBe(200);
      const wide = await t.as(t.adminToken, 'POST', url, { rules: { ...DEBIAN_RULES, approvalRules: [{ ...DEBIAN_RULES.approvalRules[0], enableNonSecurity: true }] }, tags: [{ key: 'role', values: ['db'] }] });
      expect(wide.json().totals).toMatchObject({ nodes: 1, approved: 2 });
      expect(wide.json().nodes.items[0].approved.map((a: { complianceLevel: string }) => a.complianceLevel)).toEqual(['HIGH', 'HIGH']);

      // Nothing approved: the security update is reported as not approved, with why.
      const strict = await t.as(t.adminToken, 'POST', url, { rules: { operatingSystem: 'DEBIAN', approvalRules: [{ filters: [{ key: 'PRIORITY', values: ['required'] }], approveAfterDays: 0 }] }, nodeIds: [db.nodeId] });
      expect(strict.json().totals).toMatchObject({ approved: 0, notApprovedSecurity: 1 });
      expect(strict.json().nodes.items[0].notApprovedSecurity[0]).toMatchObject({ name: 'openssl' });

      // Another OS's baseline: the nodes are not applicable.
      const ubuntu = await t.as(t.adminToken, 'POST', url, { baselineId: 'pb-predefined-ubuntu' });
      expect(ubuntu.json().totals).toMatchObject({ nodes: 2, evaluated: 0, notApplicable: 2 });
      expect(ubuntu.json().nodes.items[0].reason).toContain('the node runs DEBIAN, the baseline is for UBUNTU');

      // Problems of a draft are listed under rules.*; unknown nodes are named; exactly one baseline source.
      const broken = await t.as(t.adminToken, 'POST', url, { rules: { operatingSystem: 'DEBIAN', approvalRules: [{ filters: [] }] } });
      expect(broken.statusCode).toBe(400);
      expect((broken.json().error.details as { path: string }[])[0]!.path).toMatch(/^rules\./);
      expect((await t.as(t.adminToken, 'POST', url, { baselineId: 'pb-predefined-debian', nodeIds: ['mi-00000000000000000'] })).statusCode).toBe(404);
      expect((await t.as(t.adminToken, 'POST', url, { nodeIds: [web.nodeId] })).statusCode).toBe(400);

      // Viewers preview saved baselines; drafts need the operator role. Nothing is audited.
      expect((await t.as(viewer.token, 'POST', `/api/v1/accounts/${account.id}/baselines/preview`, { baselineId: 'pb-predefined-debian' })).statusCode).toBe(200);
      expect((await t.as(viewer.token, 'POST', `/api/v1/accounts/${account.id}/baselines/preview`, { rules: DEBIAN_RULES })).statusCode).toBe(403);
      const audit = await t.as(t.adminToken, 'GET', '/api/v1/audit?limit=500');
      expect((audit.json().items as { requestId: string }[]).filter((e) => e.requestId === saved.headers['x-request-id'])).toEqual([]);
    });
  });
}
