/**
 * Targets resolved at send time: node ids, tag filters (AND-ed, values OR-ed, `*` any), resource
 * groups (saved tag queries evaluated when used), all nodes; deregistered nodes never match; zero
 * matches is a clear 400. Resource group CRUD and its nodes-now view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { enrolledNode } from '../nodes/helpers.js';
import { send } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] targets and resource groups`, () => {
    let t: TestApp;
    let accountId: string;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      t = await createTestApp(dialect);
      accountId = await t.createAccount('targets');
      const fleet: [string, Record<string, string>][] = [
        ['web-prod', { Env: 'prod', Role: 'web' }],
        ['db-prod', { Env: 'prod', Role: 'db' }],
        ['web-stage', { Env: 'staging', Role: 'web' }],
        ['bare', {}],
        ['gone', { Env: 'prod', Role: 'web' }],
      ];
      for (const [name, tags] of fleet) ids[name] = (await enrolledNode(t, accountId, name, tags)).nodeId;
      expect((await t.as(t.adminToken, 'DELETE', `/api/v1/nodes/${ids['gone']}`)).statusCode).toBe(204);
    });
    afterAll(async () => {
      await t.close();
    });

    const targeted = async (targets: Record<string, unknown>) => {
      const res = await send(t, accountId, { document: 'Scan', targets });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().targets).toEqual(targets);
      return (res.json().invocations as { nodeId: string }[]).map((i) => i.nodeId).sort();
    };
    const nodes = (...names: string[]) => names.map((n) => ids[n]!).sort();

    it('tag filters: AND across keys, OR across values, * any value; deregistered nodes excluded', async () => {
      expect(await targeted({ tags: [{ key: 'Env', values: ['prod'] }] })).toEqual(nodes('web-prod', 'db-prod'));
      expect(await targeted({ tags: [{ key: 'Env', values: ['prod', 'staging'] }, { key: 'Role', values: ['web'] }] })).toEqual(nodes('web-prod', 'web-stage'));
      expect(await targeted({ tags: [{ key: 'Role', values: ['*'] }] })).toEqual(nodes('web-prod', 'db-prod', 'web-stage'));
      expect(await targeted({ allNodes: true })).toEqual(nodes('web-prod', 'db-prod', 'web-stage', 'bare'));
      // Several kinds of targets: their union, each node once.
      expect(await targeted({ nodeIds: [ids['bare']!], tags: [{ key: 'Role', values: ['db'] }] })).toEqual(nodes('bare', 'db-prod'));
    });

    it('the command records the targets as given and how many nodes they resolved to', async () => {
      const res = await send(t, accountId, { document: 'Scan', targets: { tags: [{ key: 'Env', values: ['prod'] }] }, comment: 'weekly scan' });
      expect(res.json()).toMatchObject({ targetCount: 2, comment: 'weekly scan', targets: { tags: [{ key: 'Env', values: ['prod'] }] } });
      const listed = await t.as(t.adminToken, 'GET', `/api/v1/commands?accountId=${accountId}&limit=1`);
      expect(listed.json().items[0]).toMatchObject({ id: res.json().id, targetCount: 2 });
    });

    it('zero matches, unknown or deregistered nodes and groups of other accounts are refused clearly', async () => {
      const none = await send(t, accountId, { document: 'Scan', targets: { tags: [{ key: 'Env', values: ['nowhere'] }] } });
      expect(none.statusCode).toBe(400);
      expect(none.json().error.message).toMatch(/match no registered node.*tags Env=nowhere/);
      const gone = await send(t, accountId, { document: 'Scan', targets: { nodeIds: [ids['gone']] } });
      expect(gone.statusCode).toBe(409);
      expect(gone.json().error.message).toContain('deregistered');
      expect((await send(t, accountId, { document: 'Scan', targets: {} })).statusCode).toBe(400);
      expect((await send(t, accountId, { document: 'Scan', targets: { allNodes: false } })).statusCode).toBe(400);
      const other = await t.createAccount('targets-other');
      const foreignGroup = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${other}/resource-groups`, { name: 'theirs', tagFilters: [{ key: 'Env', values: ['prod'] }] });
      const res = await send(t, accountId, { document: 'Scan', targets: { resourceGroupIds: [foreignGroup.json().id] } });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.message).toContain('does not exist in account');
    });

    it('resource groups: create, list, show, update, nodes now, target, delete', async () => {
      const created = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/resource-groups`, {
        name: 'web servers',
        description: 'every web node',
        tagFilters: [{ key: 'Role', values: ['web'] }],
      });
      expect(created.statusCode, created.body).toBe(201);
      const group = created.json();
      expect(group).toMatchObject({ id: expect.stringMatching(/^rg_/), name: 'web servers', accountId, createdBy: 'admin' });
      const dup = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/resource-groups`, { name: 'web servers', tagFilters: [{ key: 'Role', values: ['web'] }] });
      expect(dup.statusCode).toBe(409);
      expect((await t.as(t.adminToken, 'GET', `/api/v1/accounts/${accountId}/resource-groups`)).json().items.map((g: { id: string }) => g.id)).toContain(group.id);
      expect((await t.as(t.adminToken, 'GET', `/api/v1/accounts/${accountId}/resource-groups/${group.id}`)).json()).toMatchObject({ description: 'every web node' });
      const members = await t.as(t.adminToken, 'GET', `/api/v1/accounts/${accountId}/resource-groups/${group.id}/nodes`);
      expect(members.json().items.map((n: { hostname: string }) => n.hostname)).toEqual(['web-prod', 'web-stage']);
      expect(await targeted({ resourceGroupIds: [group.id] })).toEqual(nodes('web-prod', 'web-stage'));

      // Evaluated when used: a node tagged later is in; a changed query changes the members.
      await t.as(t.adminToken, 'PATCH', `/api/v1/nodes/${ids['bare']}/tags`, { set: { Role: 'web' } });
      expect(await targeted({ resourceGroupIds: [group.id] })).toEqual(nodes('web-prod', 'web-stage', 'bare'));
      const updated = await t.as(t.adminToken, 'PATCH', `/api/v1/accounts/${accountId}/resource-groups/${group.id}`, { tagFilters: [{ key: 'Role', values: ['web'] }, { key: 'Env', values: ['prod'] }] });
      expect(updated.statusCode, updated.body).toBe(200);
      expect(await targeted({ resourceGroupIds: [group.id] })).toEqual(nodes('web-prod'));
      await t.as(t.adminToken, 'PATCH', `/api/v1/nodes/${ids['bare']}/tags`, { remove: ['Role'] });

      expect((await t.as(t.adminToken, 'DELETE', `/api/v1/accounts/${accountId}/resource-groups/${group.id}`)).statusCode).toBe(204);
      expect((await t.as(t.adminToken, 'GET', `/api/v1/accounts/${accountId}/resource-groups/${group.id}`)).statusCode).toBe(404);
      const audit = await t.as(t.adminToken, 'GET', `/api/v1/audit?accountId=${accountId}&limit=500`);
      const actions = (audit.json().items as { action: string; targetId: string }[]).filter((e) => e.targetId === group.id).map((e) => e.action).sort();
      expect(actions).toEqual(['resourcegroup.create', 'resourcegroup.delete', 'resourcegroup.update']);
    });

    it('an operator may target groups but not change them; a viewer reads them', async () => {
      const operator = await t.createUser(`op-${dialect}`, { memberships: [{ accountId, role: 'operator' }] });
      const viewer = await t.createUser(`view-${dialect}`, { memberships: [{ accountId, role: 'viewer' }] });
      const body = { name: 'ops group', tagFilters: [{ key: 'Env', values: ['staging'] }] };
      expect((await t.as(operator.token, 'POST', `/api/v1/accounts/${accountId}/resource-groups`, body)).statusCode).toBe(403);
      const group = (await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/resource-groups`, body)).json();
      expect((await t.as(viewer.token, 'GET', `/api/v1/accounts/${accountId}/resource-groups/${group.id}/nodes`)).json().total).toBe(1);
      const sent = await t.as(operator.token, 'POST', `/api/v1/accounts/${accountId}/commands`, { document: 'Scan', targets: { resourceGroupIds: [group.id] } });
      expect(sent.statusCode, sent.body).toBe(201);
      expect((await t.as(viewer.token, 'POST', `/api/v1/accounts/${accountId}/commands`, { document: 'Scan', targets: { resourceGroupIds: [group.id] } })).statusCode).toBe(403);
    });
  });
}
