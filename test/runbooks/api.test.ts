/**
 * Runbooks through the HTTP API: create from YAML with every error listed by line and path,
 * versions (update keeps the old ones, the name must not change), delete keeps the versions,
 * the built-in patch-fleet for everyone and immutable, list visibility per account, validate for
 * any signed-in user, access per role, and audit entries of every change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunbookDetail, RunbookSummary } from '../../src/contracts/api.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { Fixtures, type Acct, type Person } from '../api/fixtures.js';

const RESTART = `name: restart-web
description: Restart the web service on the canary, then everywhere
parameters:
  service: { type: string, default: nginx }
steps:
  - name: canary
    kind: run
    script: systemctl restart {{ service }}
    nodes: canary
  - name: rest
    kind: run
    script: systemctl restart {{ service }}
    nodes: remaining
`;

const BROKEN = `name: restart-web
steps:
  - name: canary
    kind: run
  - name: rest
    kind: wait
    seconds: ten
    onFailure: { goto: nowhere }
`;

for (const dialect of testDialects()) {
  describe(`[${dialect}] runbooks API`, () => {
    let t: TestApp;
    let fx: Fixtures;
    let account: Acct;
    let other: Acct;
    let admin: Person;
    let viewer: Person;
    let operator: Person;
    let outsider: Person;
    let runbookId: string;

    beforeAll(async () => {
      t = await createTestApp(dialect);
      fx = new Fixtures(t);
      account = await fx.account('rb');
      other = await fx.account('rb-other');
      admin = await fx.user({ prefix: 'rbadmin', memberships: [[account.id, 'admin']] });
      viewer = await fx.user({ prefix: 'rbviewer', memberships: [[account.id, 'viewer']] });
      operator = await fx.user({ prefix: 'rboperator', memberships: [[account.id, 'operator']] });
      outsider = await fx.user({ prefix: 'rboutsider', memberships: [[other.id, 'admin']] });
    });
    afterAll(async () => {
      await t.close();
    });

    it('creates a runbook (version 1) and shows it with its YAML and parsed form', async () => {
      const res = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/runbooks`, { content: RESTART });
      expect(res.statusCode, res.body).toBe(201);
      const rb = res.json<RunbookDetail>();
      runbookId = rb.id;
      expect(rb).toMatchObject({ accountId: account.id, name: 'restart-web', builtin: false, version: 1, latestVersion: 1, stepCount: 2, content: RESTART, createdBy: admin.username });
      expect(rb.id).toMatch(/^rb_/);
      expect(rb.runbook.steps[0]).toMatchObject({ name: 'canary', kind: 'run', timeoutSeconds: 3600, line: 6 });
      const shown = await t.as(viewer.token, 'GET', `/api/v1/runbooks/${rb.id}`);
      expect(shown.statusCode).toBe(200);
      expect(shown.json()).toEqual(rb);
    });

    it('a 400 lists every YAML error with its line and path', async () => {
      const res = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/runbooks`, { content: BROKEN });
      expect(res.statusCode).toBe(400);
      const body = res.json<{ error: { code: string; message: string; details: { line: number; path: string; message: string }[] } }>();
      expect(body.error.code).toBe('validation');
      expect(body.error.message).toMatch(/^The runbook is not valid: line 3, steps\[0\]: missing "script".*\(and 2 more problems; see details\)/);
      expect(body.error.details.map((d) => [d.line, d.path])).toEqual([
        [3, 'steps[0]'],
        [7, 'steps[1].seconds'],
        [8, 'steps[1].onFailure'],
      ]);
    });

    it('names are unique in the account and must not be a built-in\'s', async () => {
      const dup = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/runbooks`, { content: RESTART });
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error.message).toMatch(/has a runbook named "restart-web" already/);
      const builtin = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/runbooks`, { content: 'name: patch-fleet\nsteps:\n  - { name: a, kind: wait, seconds: 1 }\n' });
      expect(builtin.statusCode).toBe(409);
      expect(builtin.json().error.message).toMatch(/built-in/);
      // Another account may use the same name.
      expect((await t.as(outsider.token, 'POST', `/api/v1/accounts/${other.id}/runbooks`, { content: RESTART })).statusCode).toBe(201);
    });

    it('update saves a new version; older versions stay readable; the name must not change', async () => {
      const v2 = RESTART.replace('default: nginx', 'default: apache2');
      const res = await t.as(admin.token, 'PUT', `/api/v1/runbooks/${runbookId}`, { content: v2 });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ version: 2, latestVersion: 2, content: v2 });
      expect((await t.as(viewer.token, 'GET', `/api/v1/runbooks/${runbookId}`)).json()).toMatchObject({ version: 2 });
      const v1 = await t.as(viewer.token, 'GET', `/api/v1/runbooks/${runbookId}?version=1`);
      expect(v1.json()).toMatchObject({ version: 1, latestVersion: 2, content: RESTART });
      expect((await t.as(viewer.token, 'GET', `/api/v1/runbooks/${runbookId}?version=3`)).statusCode).toBe(404);
      const versions = await t.as(viewer.token, 'GET', `/api/v1/runbooks/${runbookId}/versions`);
      expect(versions.json().items.map((v: { version: number }) => v.version)).toEqual([2, 1]);

      const renamed = await t.as(admin.token, 'PUT', `/api/v1/runbooks/${runbookId}`, { content: RESTART.replace('name: restart-web', 'name: restart-app') });
      expect(renamed.statusCode).toBe(400);
      expect(renamed.json().error.details).toEqual([{ line: 1, path: 'name', message: 'the name must stay "restart-web"' }]);
      const broken = await t.as(admin.token, 'PUT', `/api/v1/runbooks/${runbookId}`, { content: BROKEN });
      expect(broken.statusCode).toBe(400);
      expect(broken.json().error.details).toHaveLength(3);
    });

    it('lists built-ins first, then the runbooks of readable accounts', async () => {
      const mine = await t.as(viewer.token, 'GET', '/api/v1/runbooks');
      expect(mine.statusCode).toBe(200);
      const items = mine.json<{ items: RunbookSummary[]; total: number }>().items;
      expect(items.map((r) => [r.name, r.accountId])).toEqual([
        ['patch-fleet', null],
        ['restart-web', account.id],
      ]);
      expect(items[0]).toMatchObject({ id: 'rb-builtin-patch-fleet', builtin: true, latestVersion: 1, stepCount: 6 });
      expect(items[1]).toMatchObject({ latestVersion: 2, stepCount: 2 });
      // org-admin sees both accounts; filters.
      const all = await t.as(t.adminToken, 'GET', '/api/v1/runbooks?builtin=false');
      expect(all.json().items.map((r: RunbookSummary) => r.accountId).sort()).toEqual([account.id, other.id].sort());
      expect((await t.as(t.adminToken, 'GET', `/api/v1/runbooks?accountId=${other.id}&builtin=false`)).json().items).toHaveLength(1);
      expect((await t.as(t.adminToken, 'GET', '/api/v1/runbooks?q=patch')).json().total).toBe(1);
      expect((await t.as(t.adminToken, 'GET', '/api/v1/runbooks?builtin=true')).json().items.map((r: RunbookSummary) => r.id)).toEqual(['rb-builtin-patch-fleet']);
      const paged = await t.as(t.adminToken, 'GET', '/api/v1/runbooks?limit=1&offset=1');
      expect(paged.json()).toMatchObject({ total: 3, items: [{ builtin: false }] });
      // An account the caller does not see: 404.
      expect((await t.as(viewer.token, 'GET', `/api/v1/runbooks?accountId=${other.id}`)).statusCode).toBe(404);
    });

    it('the built-in patch-fleet: readable by everyone, immutable', async () => {
      const res = await t.as(outsider.token, 'GET', '/api/v1/runbooks/rb-builtin-patch-fleet');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ name: 'patch-fleet', builtin: true, version: 1, accountId: null });
      expect(res.json().content).toMatch(/^name: patch-fleet/);
      expect((await t.as(outsider.token, 'GET', '/api/v1/runbooks/rb-builtin-patch-fleet/versions')).json()).toEqual({ items: [{ version: 1, createdAt: null, createdBy: null }] });
      const put = await t.as(t.adminToken, 'PUT', '/api/v1/runbooks/rb-builtin-patch-fleet', { content: RESTART });
      expect(put.statusCode).toBe(409);
      expect(put.json().error.message).toMatch(/cannot be changed; copy it/);
      expect((await t.as(t.adminToken, 'DELETE', '/api/v1/runbooks/rb-builtin-patch-fleet')).statusCode).toBe(409);
    });

    it('access: viewers and operators read, admins change, other accounts see nothing', async () => {
      expect((await t.as(viewer.token, 'POST', `/api/v1/accounts/${account.id}/runbooks`, { content: RESTART })).statusCode).toBe(403);
      expect((await t.as(operator.token, 'PUT', `/api/v1/runbooks/${runbookId}`, { content: RESTART })).statusCode).toBe(403);
      expect((await t.as(operator.token, 'DELETE', `/api/v1/runbooks/${runbookId}`)).statusCode).toBe(403);
      expect((await t.as(operator.token, 'GET', `/api/v1/runbooks/${runbookId}`)).statusCode).toBe(200);
      for (const [method, url, body] of [
        ['GET', `/api/v1/runbooks/${runbookId}`, undefined],
        ['GET', `/api/v1/runbooks/${runbookId}/versions`, undefined],
        ['PUT', `/api/v1/runbooks/${runbookId}`, { content: RESTART }],
        ['DELETE', `/api/v1/runbooks/${runbookId}`, undefined],
        ['POST', `/api/v1/accounts/${account.id}/runbooks`, { content: RESTART }],
      ] as const) {
        const res = await t.as(outsider.token, method, url, body);
        expect(res.statusCode, `${method} ${url}`).toBe(404);
      }
      expect((await t.as(outsider.token, 'GET', '/api/v1/runbooks/rb_doesnotexist')).statusCode).toBe(404);
      expect((await t.as(null, 'GET', '/api/v1/runbooks')).statusCode).toBe(401);
    });

    it('validate: any signed-in user, nothing saved, errors with lines', async () => {
      const good = await t.as(outsider.token, 'POST', '/api/v1/runbooks/validate', { content: RESTART });
      expect(good.statusCode).toBe(200);
      expect(good.json()).toMatchObject({ valid: true, errors: [], runbook: { name: 'restart-web' } });
      const bad = await t.as(viewer.token, 'POST', '/api/v1/runbooks/validate', { content: BROKEN });
      expect(bad.statusCode).toBe(200);
      expect(bad.json()).toMatchObject({ valid: false, runbook: null });
      expect(bad.json().errors).toHaveLength(3);
      expect((await t.as(viewer.token, 'POST', '/api/v1/runbooks/validate', { content: '' })).statusCode).toBe(400);
      expect((await t.as(null, 'POST', '/api/v1/runbooks/validate', { content: RESTART })).statusCode).toBe(401);
    });

    it('delete keeps the versions (readable by id) and frees the name', async () => {
      const del = await t.as(admin.token, 'DELETE', `/api/v1/runbooks/${runbookId}`);
      expect(del.statusCode).toBe(204);
      const shown = await t.as(viewer.token, 'GET', `/api/v1/runbooks/${runbookId}?version=1`);
      expect(shown.statusCode).toBe(200);
      expect(shown.json().deletedAt).not.toBeNull();
      expect((await t.as(viewer.token, 'GET', '/api/v1/runbooks?builtin=false')).json().items).toEqual([]);
      expect((await t.as(admin.token, 'DELETE', `/api/v1/runbooks/${runbookId}`)).statusCode).toBe(404);
      expect((await t.as(admin.token, 'PUT', `/api/v1/runbooks/${runbookId}`, { content: RESTART })).statusCode).toBe(409);
      const again = await t.as(admin.token, 'POST', `/api/v1/accounts/${account.id}/runbooks`, { content: RESTART });
      expect(again.statusCode).toBe(201);
      expect(again.json().id).not.toBe(runbookId);
    });

    it('every change is audited with the account and the runbook', async () => {
      const audit = await t.as(t.adminToken, 'GET', `/api/v1/audit?accountId=${account.id}&limit=500`);
      const entries = (audit.json().items as { action: string; outcome: string; targetId: string | null; details: Record<string, unknown> }[]).filter((e) => e.action.startsWith('runbook.'));
      const ofRunbook = entries.filter((e) => e.targetId === runbookId && e.outcome === 'success').map((e) => e.action).sort();
      expect(ofRunbook).toEqual(['runbook.create', 'runbook.delete', 'runbook.update']);
      expect(entries.find((e) => e.action === 'runbook.update' && e.outcome === 'success')?.details).toMatchObject({ name: 'restart-web', version: 2, previousVersion: 1 });
      // The viewer's refused create names the account (refusals addressed by runbook id carry no account: the framework does not know runbooks).
      expect(entries.filter((e) => e.outcome === 'denied').map((e) => e.action)).toContain('runbook.create');
    });
  });
}
