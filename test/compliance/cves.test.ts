/**
 * CVE exposure (GET /api/v1/compliance/cves): node_patch_cves kept in step with the per-patch states
 * (full and differential writes, the migration's copy), the per-CVE aggregate (a node counted once
 * by its most pressing state), and the report through the API with real evaluation: advisories
 * adding CVEs, account isolation, policyId, paging and sorting, deregistered nodes left out.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatchStateRecord } from '../../src/domain/compliance/model.js';
import { clearAdvisoryIndexCache } from '../../src/server/services/patch-candidates.js';
import { openDatabase, type Store } from '../../src/store/index.js';
import { copyPatchCves } from '../../src/store/migrations/0011-patch-cves.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { describeEachDatabase, testDialects, type TestDatabase } from '../helpers/databases.js';
import { policyBody } from '../windows/helpers.js';
import { debianInventory, enrolledNode, getOk, opensslAdvisory, opensslPkg, opensslUpdate, patchState, pkg, report, update } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- report rows are read as JSON */

/** A state without CVEs and of medium severity unless `extra` says otherwise. */
const state = (name: string, s: PatchStateRecord['state'], extra: Partial<PatchStateRecord> = {}): PatchStateRecord => patchState(name, s, { severity: 'medium', cves: [], advisoryIds: [], dueAt: null, ...extra });

const page = { limit: 50, offset: 0, sort: '-nodes' };

/** Every exposed node_patch_states row's CVEs against the node_patch_cves rows (they must say the same). */
async function expectInStep(options: TestDatabase['options']): Promise<number> {
  const handle = openDatabase({ ...options, poolSize: 1 });
  try {
    const db = handle.db as unknown as Kysely<any>;
    const states = await db.selectFrom('node_patch_states').select(['node_id', 'name', 'arch', 'cves', 'account_id', 'state', 'severity', 'overdue']).execute();
    const exposed = states.filter((s: any) => ['MISSING', 'FAILED', 'INSTALLED_PENDING_REBOOT'].includes(s.state));
    const expected = [...new Set(exposed
      .flatMap((s: any) => (JSON.parse(s.cves) as string[]).map((cve) => [s.node_id, s.name, s.arch, cve, s.account_id, s.state, s.severity, Number(s.overdue)].join('|'))))].sort();
    const rows = await db.selectFrom('node_patch_cves').selectAll().execute();
    const got = rows.map((r: any) => [r.node_id, r.name, r.arch, r.cve, r.account_id, r.state, r.severity, Number(r.overdue)].join('|')).sort();
    expect(got).toEqual(expected);
    return got.length;
  } finally {
    await handle.close();
  }
}

describeEachDatabase('CVE exposure store', (db) => {
  const accounts = ['acct_cve_x', 'acct_cve_y'];
  const nodes = ['node_cve_a', 'node_cve_b', 'node_cve_c', 'node_cve_gone'];
  let store: Store;

  beforeAll(async () => {
    store = db().store;
    const now = new Date().toISOString();
    const org = await store.organizations.insert({ id: 'org_cve', name: 'org', managementAccountId: accounts[0]!, now });
    for (const id of accounts) await store.accounts.insert({ organizationId: org.id, name: id, description: '', now, id });
    for (const [i, id] of nodes.entries()) {
      await store.nodes.insert({ id, accountId: accounts[i === 2 ? 1 : 0]!, activationId: null, secretHash: 'x', hostname: id, platform: debianInventory(id, []).platform, agentVersion: '0.1.0', tags: {}, now });
    }
  });

  it('keeps node_patch_cves in step with full and differential state writes', async () => {
    const [a, b, c, gone] = nodes as [string, string, string, string];
    const [x, y] = accounts as [string, string];
    // Full replace: node a has the CVE through two packages (MISSING and FAILED), b pending reboot, c MISSING in account y.
    await store.transaction((tx) =>
      tx.compliance.replaceStates(
        [
          { nodeId: a, accountId: x, states: [state('libssl3', 'MISSING', { cves: ['CVE-2024-1', 'CVE-2024-2'], severity: 'high', advisoryIds: ['DSA-1-1'] }), state('openssl', 'FAILED', { cves: ['CVE-2024-1'], overdue: true }), state('curl', 'INSTALLED', { cves: ['CVE-2024-3'] })] },
          { nodeId: b, accountId: x, states: [state('libssl3', 'INSTALLED_PENDING_REBOOT', { cves: ['CVE-2024-1', 'CVE-2024-1'] }), state('zlib1g', 'MISSING', { cves: ['CVE-2024-4'], severity: 'critical', advisoryIds: ['DLA-9-1'] })] },
          { nodeId: c, accountId: y, states: [state('libssl3', 'MISSING', { cves: ['CVE-2024-1'], severity: 'low' })] },
          { nodeId: gone, accountId: x, states: [state('libssl3', 'MISSING', { cves: ['CVE-2024-1', 'CVE-2024-9'] })] },
        ],
        '2026-01-03T00:00:00.000Z',
      ),
    );
    expect(await expectInStep(db().options)).toBe(8);
    await store.nodes.deregister(gone, '2026-01-03T00:00:00.000Z');

    const all = await store.compliance.cveExposure({ accounts: 'all' }, page);
    expect(all.total).toBe(3);
    // A node counts once per CVE, by its most pressing state: a FAILED over b pending reboot over c MISSING.
    expect(all.items[0]).toEqual({
      cve: 'CVE-2024-1', nodes: 3, missing: 1, failed: 1, pendingReboot: 1, accounts: 2, severity: 'high',
      packages: ['libssl3', 'openssl'], advisoryIds: ['DSA-1-1'], overdueNodes: 1,
    });
    expect(all.items.map((i) => i.cve)).toEqual(['CVE-2024-1', 'CVE-2024-2', 'CVE-2024-4']);
    // Installed patches expose nothing; the deregistered node's CVE-2024-9 is gone.
    expect(all.items.find((i) => i.cve === 'CVE-2024-3')).toBeUndefined();
    expect((await store.compliance.cveExposure({ accounts: 'all', q: '2024-9' }, page)).total).toBe(0);
    // Scope, node ids (policyId), text.
    expect((await store.compliance.cveExposure({ accounts: [y] }, page)).items.map((i) => [i.cve, i.nodes])).toEqual([['CVE-2024-1', 1]]);
    expect((await store.compliance.cveExposure({ accounts: [] }, page)).total).toBe(0);
    expect((await store.compliance.cveExposure({ accounts: 'all', accountId: x, nodeIds: [b] }, page)).items.map((i) => i.cve)).toEqual(['CVE-2024-1', 'CVE-2024-4']);
    expect((await store.compliance.cveExposure({ accounts: 'all', q: '-4' }, page)).items.map((i) => i.cve)).toEqual(['CVE-2024-4']);
    // Sorting and paging (the total rides along; a page past the end still knows it).
    expect((await store.compliance.cveExposure({ accounts: 'all' }, { limit: 50, offset: 0, sort: '-severity' })).items.map((i) => `${i.cve}:${i.severity}`)).toEqual(['CVE-2024-4:critical', 'CVE-2024-1:high', 'CVE-2024-2:high']);
    expect((await store.compliance.cveExposure({ accounts: 'all' }, { limit: 50, offset: 0, sort: '-overdue' })).items[0]?.cve).toBe('CVE-2024-1');
    expect((await store.compliance.cveExposure({ accounts: 'all' }, { limit: 1, offset: 1, sort: '-cve' })).items.map((i) => i.cve)).toEqual(['CVE-2024-2']);
    expect(await store.compliance.cveExposure({ accounts: 'all' }, { limit: 10, offset: 10, sort: 'cve' })).toMatchObject({ items: [], total: 3 });

    // Differential write: a installs openssl, libssl3 loses a CVE; b's zlib1g state disappears; c moves to account x.
    const prior = await store.compliance.priorStates([a, b, c]);
    await store.transaction((tx) =>
      tx.compliance.replaceStates(
        [
          { nodeId: a, accountId: x, states: [state('libssl3', 'MISSING', { cves: ['CVE-2024-1'], severity: 'high', advisoryIds: ['DSA-1-1'] }), state('openssl', 'INSTALLED', { cves: ['CVE-2024-1'] }), state('curl', 'INSTALLED', { cves: ['CVE-2024-3'] })] },
          { nodeId: b, accountId: x, states: [state('libssl3', 'INSTALLED_PENDING_REBOOT', { cves: ['CVE-2024-1'] })] },
          { nodeId: c, accountId: x, states: [state('libssl3', 'MISSING', { cves: ['CVE-2024-1'], severity: 'low' })] },
        ],
        '2026-01-04T00:00:00.000Z',
        prior,
      ),
    );
    await expectInStep(db().options);
    const after = await store.compliance.cveExposure({ accounts: 'all' }, page);
    expect(after.items.map((i) => [i.cve, i.nodes, i.missing, i.failed, i.pendingReboot, i.accounts, i.overdueNodes])).toEqual([['CVE-2024-1', 3, 2, 0, 1, 1, 0]]);
  });

  it('the migration copies the CVEs of existing states', async () => {
    const handle = openDatabase({ ...db().options, poolSize: 1 });
    try {
      const before = await expectInStep(db().options);
      await sql`delete from node_patch_cves`.execute(handle.db);
      await copyPatchCves(handle.db as unknown as Kysely<unknown>, db().dialect);
      expect(await expectInStep(db().options)).toBe(before);
    } finally {
      await handle.close();
    }
  });
});

for (const dialect of testDialects()) {
  describe(`[${dialect}] CVE exposure report`, () => {
    let t: TestApp;
    let prod: string;
    let dev: string;
    let viewer: { id: string; token: string };
    const nodes: Record<string, { nodeId: string; credential: string }> = {};

    beforeAll(async () => {
      clearAdvisoryIndexCache();
      t = await createTestApp(dialect);
      prod = await t.createAccount('prod');
      dev = await t.createAccount('dev');
      // DSA-5764-1 names CVE-2024-5535 and CVE-2024-6119 (openssl); the agent reports zlib1g with CVE-2024-0001 and two advisory ids.
      await t.db.store.advisories.upsertMany([{ record: opensslAdvisory(), source: 'test' }]);
      const zlib = { ...update('zlib1g', '1:1.2.13.dfsg-1', '1:1.2.13.dfsg-1+deb12u1', true), advisoryIds: ['DLA-3001-1', 'DSA-5764-1'] };
      for (const [account, hostname, tags, vulnerable] of [
        [prod, 'web-1', { PatchGroup: 'web' }, true],
        [prod, 'web-2', { PatchGroup: 'web' }, true],
        [prod, 'db-1', { PatchGroup: 'db' }, false],
        [dev, 'dev-1', {}, true],
      ] as const) {
        const node = await enrolledNode(t, account, hostname, tags);
        nodes[hostname] = node;
        const inv = vulnerable
          ? debianInventory(hostname, [opensslPkg('openssl', '3.0.11-1~deb12u2'), pkg('zlib1g', '1:1.2.13.dfsg-1')], [opensslUpdate('3.0.11-1~deb12u2', '3.0.15-1~deb12u1'), zlib])
          : debianInventory(hostname, [opensslPkg('openssl', '3.0.15-1~deb12u1')]);
        await report(t, node.credential, inv);
      }
      viewer = await t.createUser('prod-viewer', { memberships: [{ accountId: prod, role: 'viewer' }] });
    });
    afterAll(async () => {
      await t.close();
    });

    const get = (path: string, token = t.adminToken): Promise<any> => getOk(t, path, token);
    const cves = (body: any) => body.items.map((i: any) => `${i.cve}:${i.nodes}`);

    it('lists each CVE with the nodes it reaches, the widest first', async () => {
      const all = await get('/api/v1/compliance/cves');
      expect(all.total).toBe(3);
      expect(cves(all)).toEqual(['CVE-2024-0001:3', 'CVE-2024-5535:3', 'CVE-2024-6119:3']);
      expect(all.items.find((i: any) => i.cve === 'CVE-2024-6119')).toEqual({
        cve: 'CVE-2024-6119', nodes: 3, missing: 3, failed: 0, pendingReboot: 0, accounts: 2, severity: 'high',
        packages: ['openssl'], advisoryIds: ['DSA-5764-1'], overdueNodes: 0,
      });
      // The imported DSA-5764-1 does not name CVE-2024-0001, so only the agent's DLA id is listed for it.
      expect(all.items[0]).toMatchObject({ cve: 'CVE-2024-0001', packages: ['zlib1g'], advisoryIds: ['DLA-3001-1'], accounts: 2 });
      expect(cves(await get('/api/v1/compliance/cves?sort=-severity&limit=1'))).toEqual(['CVE-2024-5535:3']);
      expect(cves(await get('/api/v1/compliance/cves?q=cve-2024-61'))).toEqual(['CVE-2024-6119:3']);
      const second = await get('/api/v1/compliance/cves?sort=cve&limit=1&offset=1');
      expect([second.total, ...cves(second)]).toEqual([3, 'CVE-2024-5535:3']);
    });

    it('shows only the accounts the caller reads; accountId and policyId narrow it', async () => {
      const mine = await get('/api/v1/compliance/cves', viewer.token);
      expect(cves(mine)).toEqual(['CVE-2024-0001:2', 'CVE-2024-5535:2', 'CVE-2024-6119:2']);
      expect(mine.items.every((i: any) => i.accounts === 1)).toBe(true);
      expect((await t.as(viewer.token, 'GET', `/api/v1/compliance/cves?accountId=${dev}`)).statusCode).toBe(404);
      expect(cves(await get(`/api/v1/compliance/cves?accountId=${dev}`))).toEqual(['CVE-2024-0001:1', 'CVE-2024-5535:1', 'CVE-2024-6119:1']);
      const policy = await t.as(t.adminToken, 'POST', '/api/v1/policies', { ...policyBody(), targets: { accounts: [prod], tags: [{ key: 'PatchGroup', values: ['web'] }] } });
      expect(policy.statusCode, policy.body).toBe(201);
      expect(cves(await get(`/api/v1/compliance/cves?policyId=${policy.json().id}`))).toEqual(['CVE-2024-0001:2', 'CVE-2024-5535:2', 'CVE-2024-6119:2']);
      expect((await get(`/api/v1/compliance/cves?policyId=${policy.json().id}&accountId=${dev}`)).total).toBe(0);
      expect((await get('/api/v1/compliance/cves?policyId=pol_unknown')).total).toBe(0);
    });

    it('follows installs and deregistrations', async () => {
      await report(t, nodes['web-1']!.credential, debianInventory('web-1', [opensslPkg('openssl', '3.0.15-1~deb12u1'), pkg('zlib1g', '1:1.2.13.dfsg-1')], [{ ...update('zlib1g', '1:1.2.13.dfsg-1', '1:1.2.13.dfsg-1+deb12u1', true) }]));
      expect(cves(await get('/api/v1/compliance/cves'))).toEqual(['CVE-2024-0001:3', 'CVE-2024-5535:2', 'CVE-2024-6119:2']);
      expect((await t.as(t.adminToken, 'DELETE', `/api/v1/nodes/${nodes['dev-1']!.nodeId}`)).statusCode).toBe(204);
      expect(cves(await get('/api/v1/compliance/cves'))).toEqual(['CVE-2024-0001:2', 'CVE-2024-5535:1', 'CVE-2024-6119:1']);
      await expectInStep(t.db.options);
    });
  });
}
