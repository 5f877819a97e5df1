/**
 * The delegations and automation settings API on both databases: who may grant, read and revoke,
 * the management account needing none, validation messages, audit entries, and the settings'
 * allow-list validated and used by getCheckAllowedHosts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCheckAllowedHosts } from '../../src/server/automation/http-check.js';
import { checkDelegation } from '../../src/server/services/delegation-check.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] delegations API`, () => {
    let t: TestApp;
    let mgmt: string;
    let prod: string;
    let stage: string;
    const tok: Record<string, string> = {};

    beforeAll(async () => {
      t = await createTestApp(dialect);
      const org = await t.db.store.organizations.get();
      mgmt = org?.managementAccountId ?? '';
      prod = await t.createAccount('production');
      stage = await t.createAccount('staging');
      tok.prodAdmin = (await t.createUser('prod-admin', { memberships: [{ accountId: prod, role: 'admin' }] })).token;
      tok.prodOperator = (await t.createUser('prod-operator', { memberships: [{ accountId: prod, role: 'operator' }] })).token;
      tok.prodViewer = (await t.createUser('prod-viewer', { memberships: [{ accountId: prod, role: 'viewer' }] })).token;
      tok.stageAdmin = (await t.createUser('stage-admin', { memberships: [{ accountId: stage, role: 'admin' }] })).token;
      tok.mgmtOperator = (await t.createUser('mgmt-operator', { memberships: [{ accountId: mgmt, role: 'operator' }] })).token;
      tok.auditor = (await t.createUser('auditor', { orgRole: 'org-auditor' })).token;
    });
    afterAll(async () => {
      await t.close();
    });

    const grant = (token: string, accountId: string, body: unknown) => t.as(token, 'POST', `/api/v1/accounts/${accountId}/delegations`, body);

    it('lets an admin of the account grant, with the management account as grantee', async () => {
      const res = await grant(tok.prodAdmin ?? '', prod, { runbooks: ['patch-fleet'], roles: ['operator', 'admin'], comment: 'central patching' });
      expect(res.statusCode, res.body).toBe(201);
      const d = res.json();
      expect(d).toMatchObject({ accountId: prod, accountName: 'production', granteeAccountId: mgmt, granteeAccountName: 'default', runbooks: ['patch-fleet'], roles: ['operator', 'admin'], status: 'active', expiresAt: null, createdBy: 'prod-admin', revokedAt: null, comment: 'central patching' });
      expect(d.id).toMatch(/^dlg_/);
      expect(await checkDelegation(t.db.store, { ownerAccountId: mgmt, targetAccountId: prod, runbookName: 'patch-fleet', starterRole: 'operator' }, new Date())).toEqual({ allowed: true, delegationId: d.id });
      const audit = await t.as(t.adminToken, 'GET', `/api/v1/audit?action=delegation.grant`);
      expect(audit.statusCode, audit.body).toBe(200);
      const entry = (audit.json().items as { action: string; targetId: string; actorName: string; accountId: string; details: Record<string, unknown> }[]).find((e) => e.targetId === d.id);
      expect(entry).toMatchObject({ actorName: 'prod-admin', accountId: prod, details: { runbooks: ['patch-fleet'], roles: ['operator', 'admin'], granteeAccountId: mgmt } });
    });

    it('refuses operators, viewers and strangers (403/404), audited as denied', async () => {
      expect((await grant(tok.prodOperator ?? '', prod, { runbooks: ['*'], roles: ['operator'] })).statusCode).toBe(403);
      expect((await grant(tok.prodViewer ?? '', prod, { runbooks: ['*'], roles: ['operator'] })).statusCode).toBe(403);
      expect((await grant(tok.stageAdmin ?? '', prod, { runbooks: ['*'], roles: ['operator'] })).statusCode).toBe(404);
      expect((await grant(tok.auditor ?? '', prod, { runbooks: ['*'], roles: ['operator'] })).statusCode).toBe(403);
      const denied = await t.as(t.adminToken, 'GET', `/api/v1/audit?action=delegation.grant&outcome=denied`);
      expect(denied.statusCode, denied.body).toBe(200);
      expect(denied.json().total).toBeGreaterThanOrEqual(4);
    });

    it('refuses a delegation from the management account itself, saying it needs none', async () => {
      const res = await grant(t.adminToken, mgmt, { runbooks: ['*'], roles: ['operator'] });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain('is the management account: its own executions need no delegation');
    });

    it('validates runbooks, roles and expiry with messages naming the field', async () => {
      const cases: [unknown, string][] = [
        [{ runbooks: [], roles: ['operator'] }, 'runbooks'],
        [{ runbooks: ['Patch Fleet'], roles: ['operator'] }, 'runbook names use lowercase letters'],
        [{ runbooks: ['a', 'a'], roles: ['operator'] }, 'must not repeat'],
        [{ runbooks: ['*'], roles: ['viewer'] }, 'roles are org-admin, admin or operator'],
        [{ runbooks: ['*'], roles: [] }, 'roles'],
        [{ runbooks: ['*'], roles: ['operator'], expiresAt: 'tomorrow' }, 'expiresAt'],
        [{ runbooks: ['*'], roles: ['operator'], expiresAt: '2001-01-01T00:00:00Z' }, 'is not in the future'],
        [{ runbooks: ['*'], roles: ['operator'], grantee: mgmt }, 'grantee'],
      ];
      for (const [body, text] of cases) {
        const res = await grant(t.adminToken, prod, body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(JSON.stringify(res.json()), JSON.stringify(body)).toContain(text);
      }
    });

    it('stores * alone when * is among the runbooks, and an expiry', async () => {
      const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
      const res = await grant(t.adminToken, stage, { runbooks: ['patch-fleet', '*'], roles: ['org-admin'], expiresAt });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ runbooks: ['*'], roles: ['org-admin'], expiresAt, createdBy: 'admin' });
    });

    it('shows delegations to readers of the granting or receiving account only', async () => {
      const list = async (token: string, query = '') => {
        const res = await t.as(token, 'GET', `/api/v1/delegations${query}`);
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ total: number; items: { accountId: string; id: string }[] }>();
      };
      expect((await list(t.adminToken)).total).toBe(2);
      expect((await list(tok.auditor ?? '')).total).toBe(2);
      const viewer = await list(tok.prodViewer ?? '');
      expect(viewer.items.map((d) => d.accountId)).toEqual([prod]);
      expect((await list(tok.stageAdmin ?? '')).items.map((d) => d.accountId)).toEqual([stage]);
      expect((await list(tok.mgmtOperator ?? '')).total).toBe(2);
      expect((await list(t.adminToken, `?accountId=${prod}`)).total).toBe(1);
      expect((await list(t.adminToken, `?accountId=${mgmt}&active=true`)).total).toBe(2);
      expect((await t.as(tok.stageAdmin ?? '', 'GET', `/api/v1/delegations?accountId=${prod}`)).statusCode).toBe(404);

      const one = viewer.items[0]?.id ?? '';
      expect((await t.as(tok.prodViewer ?? '', 'GET', `/api/v1/delegations/${one}`)).statusCode).toBe(200);
      expect((await t.as(tok.mgmtOperator ?? '', 'GET', `/api/v1/delegations/${one}`)).statusCode).toBe(200);
      expect((await t.as(tok.stageAdmin ?? '', 'GET', `/api/v1/delegations/${one}`)).statusCode).toBe(404);
      expect((await t.as(t.adminToken, 'GET', `/api/v1/delegations/dlg_nope`)).statusCode).toBe(404);
    });

    it('revokes: admin of the granting account or org-admin; once; effective at once', async () => {
      const d = (await grant(tok.prodAdmin ?? '', prod, { runbooks: ['restart-web'], roles: ['operator'] })).json();
      expect((await t.as(tok.prodOperator ?? '', 'POST', `/api/v1/delegations/${d.id}/revoke`)).statusCode).toBe(403);
      expect((await t.as(tok.mgmtOperator ?? '', 'POST', `/api/v1/delegations/${d.id}/revoke`)).statusCode).toBe(404);
      expect((await t.as(tok.stageAdmin ?? '', 'POST', `/api/v1/delegations/${d.id}/revoke`)).statusCode).toBe(404);
      const q = { ownerAccountId: mgmt, targetAccountId: prod, runbookName: 'restart-web', starterRole: 'operator' as const };
      expect((await checkDelegation(t.db.store, q, new Date())).allowed).toBe(true);
      const res = await t.as(tok.prodAdmin ?? '', 'POST', `/api/v1/delegations/${d.id}/revoke`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: 'revoked', revokedBy: 'prod-admin' });
      expect((await checkDelegation(t.db.store, q, new Date())).allowed).toBe(false);
      const again = await t.as(t.adminToken, 'POST', `/api/v1/delegations/${d.id}/revoke`);
      expect(again.statusCode).toBe(409);
      expect(again.json().error.message).toContain('was revoked already');
      const audit = await t.as(t.adminToken, 'GET', `/api/v1/audit?action=delegation.revoke`);
      const entries = audit.json().items as { targetId: string | null; outcome: string; accountId: string | null }[];
      expect(entries.filter((e) => e.outcome === 'success')).toEqual([expect.objectContaining({ targetId: d.id, accountId: prod })]);
      expect(entries.filter((e) => e.outcome === 'denied')).toHaveLength(3);
    });

    it('automation settings: everyone reads, org-admin writes; entries validated and normalized; audited', async () => {
      const read = await t.as(tok.prodViewer ?? '', 'GET', '/api/v1/automation/settings');
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toEqual({ checkAllowedHosts: [], updatedAt: null, updatedBy: null });
      expect((await t.as(tok.prodAdmin ?? '', 'PUT', '/api/v1/automation/settings', { checkAllowedHosts: ['x.example.com'] })).statusCode).toBe(403);
      const bad = await t.as(t.adminToken, 'PUT', '/api/v1/automation/settings', { checkAllowedHosts: ['ok.example.com', 'http://x.example.com/health', '*'] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain('"http://x.example.com/health" is not a valid allowed host: give a host, not a URL');
      expect(bad.json().error.details).toHaveLength(2);
      const ok = await t.as(t.adminToken, 'PUT', '/api/v1/automation/settings', { checkAllowedHosts: ['Health.Example.com', '*.svc.example.com:8080', 'health.example.com', '10.0.0.5:9000'] });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ checkAllowedHosts: ['health.example.com', '*.svc.example.com:8080', '10.0.0.5:9000'], updatedBy: 'admin' });
      expect(await getCheckAllowedHosts(t.db.store)).toEqual(['health.example.com', '*.svc.example.com:8080', '10.0.0.5:9000']);
      const audit = await t.as(t.adminToken, 'GET', `/api/v1/audit?action=automation.settings.update`);
      const outcomes = (audit.json().items as { outcome: string; details: Record<string, unknown> }[]).map((e) => e.outcome).sort();
      expect(outcomes).toEqual(['denied', 'success']);
    });
  });
}
