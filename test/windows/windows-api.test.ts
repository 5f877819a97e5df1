/**
 * Maintenance windows through the API (both databases): create with every schedule form,
 * validation errors that say what to fix, tasks endpoints, PUT, the schedule preview in UTC and in
 * the window's zone, access (viewer reads, admin writes, other accounts hidden), audit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] maintenance windows API`, () => {
    let t: TestApp;
    let accountId: string;
    let otherId: string;
    let now = new Date('2026-11-27T12:00:00Z');
    const clock = () => now;
    const base = { name: 'weekly', schedule: '0 2 * * SUN', timezone: 'Europe/Berlin', durationHours: 4, cutoffHours: 1, targets: { targets: { tags: [{ key: 'Env', values: ['prod'] }] } } };

    beforeAll(async () => {
      t = await createTestApp(dialect, { clock });
      accountId = await t.createAccount('win-main');
      otherId = await t.createAccount('win-other');
    });
    afterAll(async () => {
      await t.close();
    });

    it('creates, shows, lists a window with tasks; next start in UTC', async () => {
      const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/windows`, {
        ...base,
        description: 'Sunday nights',
        jitterSeconds: 120,
        tasks: [
          { kind: 'patch', operation: 'Scan' },
          { name: 'install', priority: 1, kind: 'patch', operation: 'Install', rebootOption: 'NoReboot', maxConcurrency: '25%', maxErrors: '1' },
          { name: 'fleet', priority: 2, kind: 'runbook', runbook: 'patch-fleet', parameters: { bakeSeconds: 300 } },
        ],
      });
      expect(res.statusCode, res.body).toBe(201);
      const w = res.json();
      expect(w).toMatchObject({ accountId, name: 'weekly', timezone: 'Europe/Berlin', enabled: true, jitterSeconds: 120, nextStart: '2026-11-29T01:00:00.000Z', createdBy: 'admin' });
      expect(w.tasks.map((x: { name: string; priority: number }) => [x.name, x.priority])).toEqual([
        ['patch-1', 0],
        ['install', 1],
        ['fleet', 2],
      ]);
      expect((await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}`)).json()).toEqual(w);
      const list = (await t.as(t.adminToken, 'GET', `/api/v1/windows?accountId=${accountId}`)).json();
      expect(list.items.map((x: { id: string }) => x.id)).toEqual([w.id]);
      const audit = (await t.as(t.adminToken, 'GET', `/api/v1/audit?action=window.create`)).json();
      expect(audit.items[0]).toMatchObject({ action: 'window.create', targetId: w.id, accountId, outcome: 'success' });
    });

    it('schedule preview: instances with start, cutoff, end in UTC and local time (DST shown by the offset)', async () => {
      now = new Date('2026-03-20T00:00:00Z');
      const id = (await t.as(t.adminToken, 'GET', `/api/v1/windows?accountId=${accountId}`)).json().items[0].id;
      const res = await t.as(t.adminToken, 'GET', `/api/v1/windows/${id}/schedule?count=2`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        windowId: id,
        schedule: '0 2 * * SUN',
        timezone: 'Europe/Berlin',
        instances: [
          { start: '2026-03-22T01:00:00.000Z', cutoff: '2026-03-22T04:00:00.000Z', end: '2026-03-22T05:00:00.000Z', startLocal: '2026-03-22T02:00:00+01:00', cutoffLocal: '2026-03-22T05:00:00+01:00', endLocal: '2026-03-22T06:00:00+01:00' },
          { start: '2026-03-29T01:00:00.000Z', cutoff: '2026-03-29T04:00:00.000Z', end: '2026-03-29T05:00:00.000Z', startLocal: '2026-03-29T03:00:00+02:00', cutoffLocal: '2026-03-29T06:00:00+02:00', endLocal: '2026-03-29T07:00:00+02:00' },
        ],
      });
      now = new Date('2026-11-27T12:00:00Z');
      expect((await t.as(t.adminToken, 'GET', `/api/v1/windows/${id}/schedule?count=0`)).statusCode).toBe(400);
    });

    it.each([
      [{ schedule: 'every sunday' }, /needs 5 fields/],
      [{ schedule: 'cron(0 2 * * SUN *)' }, /must be "\?"/],
      [{ schedule: 'rate(5 minutes)' }, /rate\(30 minutes\)/],
      [{ timezone: 'Europe/Atlantis' }, /IANA time zone/],
      [{ durationHours: 25 }, /durationHours/],
      [{ durationHours: 2, cutoffHours: 2 }, /cutoffHours \(2\) must be less than durationHours \(2\)/],
      [{ tasks: [{ kind: 'runbook' }] }, /needs "runbook"/],
      [{ tasks: [{ kind: 'patch' }] }, /needs "operation"/],
      [{ tasks: [{ kind: 'patch', operation: 'Scan', runbook: 'x' }] }, /takes no "runbook"/],
      [{ tasks: [{ name: 'a', kind: 'patch', operation: 'Scan' }, { name: 'a', kind: 'patch', operation: 'Scan' }] }, /two tasks are named "a"/],
      [{ startDate: '2026-12-01T00:00:00Z', endDate: '2026-11-01T00:00:00Z' }, /endDate must be after startDate/],
    ])('refuses %j with a message saying what to fix', async (change, message) => {
      const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/windows`, { ...base, name: 'bad', ...change });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json()).replace(/\\"/g, '"')).toMatch(message);
    });

    it('refuses unknown runbooks, other accounts from a non-management account, duplicate names', async () => {
      const unknown = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/windows`, { ...base, name: 'rb', tasks: [{ kind: 'runbook', runbook: 'no-such-runbook' }] });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.message).toContain('no-such-runbook');
      const cross = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/windows`, { ...base, name: 'cross', targets: { targets: { allNodes: true }, accounts: [otherId] } });
      expect(cross.statusCode).toBe(400);
      expect(cross.json().error.message).toMatch(/only from the management account/);
      const dup = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/windows`, base);
      expect(dup.statusCode).toBe(409);
      expect(dup.json().error.message).toContain('has a maintenance window named "weekly" already');
    });

    it('the management account may target other accounts with runbook tasks, not patch tasks', async () => {
      const org = (await t.as(t.adminToken, 'GET', '/api/v1/organization')).json();
      const mgmt = org.managementAccountId as string;
      const ok = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${mgmt}/windows`, { ...base, name: 'org-wide', targets: { targets: { allNodes: true }, accounts: [otherId] }, tasks: [{ kind: 'runbook', runbook: 'patch-fleet' }] });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json().targets.accounts).toEqual([otherId]);
      const patch = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${mgmt}/windows`, { ...base, name: 'org-patch', targets: { targets: { allNodes: true }, accounts: [otherId] }, tasks: [{ kind: 'patch', operation: 'Scan' }] });
      expect(patch.statusCode).toBe(400);
      expect(patch.json().error.message).toMatch(/patch tasks run in the window's own account only/);
    });

    it('tasks: add, remove; PUT replaces the window and keeps task ids by name', async () => {
      const w = (await t.as(t.adminToken, 'GET', `/api/v1/windows?accountId=${accountId}`)).json().items[0];
      const added = await t.as(t.adminToken, 'POST', `/api/v1/windows/${w.id}/tasks`, { name: 'late-scan', priority: 5, kind: 'patch', operation: 'Scan' });
      expect(added.statusCode, added.body).toBe(201);
      expect(added.json().tasks.map((x: { name: string }) => x.name)).toEqual(['patch-1', 'install', 'fleet', 'late-scan']);
      const lateId = added.json().tasks[3].id;
      const removed = await t.as(t.adminToken, 'DELETE', `/api/v1/windows/${w.id}/tasks/${w.tasks[0].id}`);
      expect(removed.statusCode, removed.body).toBe(200);
      expect(removed.json().tasks.map((x: { name: string }) => x.name)).toEqual(['install', 'fleet', 'late-scan']);
      expect((await t.as(t.adminToken, 'DELETE', `/api/v1/windows/${w.id}/tasks/wt_nope`)).statusCode).toBe(404);
      const put = await t.as(t.adminToken, 'PUT', `/api/v1/windows/${w.id}`, { ...base, schedule: 'cron(30 3 ? * SAT *)', enabled: false, tasks: [{ name: 'late-scan', kind: 'patch', operation: 'Scan' }] });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ schedule: 'cron(30 3 ? * SAT *)', enabled: false, nextStart: null, tasks: [{ id: lateId, name: 'late-scan', priority: 0 }] });
      const audit = (await t.as(t.adminToken, 'GET', `/api/v1/audit?action=window.update`)).json();
      expect(audit.items[0].details.before.schedule).toBe('0 2 * * SUN');
    });

    it('access: viewer reads, operator may not write, other accounts are hidden', async () => {
      const w = (await t.as(t.adminToken, 'GET', `/api/v1/windows?accountId=${accountId}`)).json().items[0];
      const viewer = await t.createUser('win-viewer', { memberships: [{ accountId, role: 'viewer' }] });
      const operator = await t.createUser('win-operator', { memberships: [{ accountId, role: 'operator' }] });
      const stranger = await t.createUser('win-stranger', { memberships: [{ accountId: otherId, role: 'admin' }] });
      expect((await t.as(viewer.token, 'GET', `/api/v1/windows/${w.id}`)).statusCode).toBe(200);
      expect((await t.as(viewer.token, 'GET', `/api/v1/windows/${w.id}/runs`)).statusCode).toBe(200);
      expect((await t.as(operator.token, 'PUT', `/api/v1/windows/${w.id}`, base)).statusCode).toBe(403);
      expect((await t.as(operator.token, 'POST', `/api/v1/accounts/${accountId}/windows`, { ...base, name: 'x' })).statusCode).toBe(403);
      expect((await t.as(stranger.token, 'GET', `/api/v1/windows/${w.id}`)).statusCode).toBe(404);
      expect((await t.as(stranger.token, 'DELETE', `/api/v1/windows/${w.id}`)).statusCode).toBe(404);
      expect((await t.as(stranger.token, 'GET', '/api/v1/windows')).json().items.map((x: { accountId: string }) => x.accountId)).not.toContain(accountId);
      const denied = (await t.as(t.adminToken, 'GET', `/api/v1/audit?action=window.update&outcome=denied`)).json();
      expect(denied.total).toBeGreaterThanOrEqual(1);
      expect((await t.as(t.adminToken, 'DELETE', `/api/v1/windows/${w.id}`)).statusCode).toBe(204);
      expect((await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}`)).statusCode).toBe(404);
    });
  });
}
