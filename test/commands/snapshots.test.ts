/**
 * Snapshots and Install resolution: a snapshot freezes, per baseline, the highest approved version
 * of each package over the targets' pending updates; an Install without an override list installs
 * per node what the snapshot has newer than the node (its own `items`, delivered to its agent);
 * snapshots are reused ("promoted") by later Installs of the account; a node whose baseline the
 * snapshot lacks, or whose OS is unsupported, fails at once saying why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { activation, inventory, pkg, PLATFORM, update } from '../nodes/helpers.js';
import { baselineIn } from '../baselines/helpers.js';
import { command, enrollMany, poll, send, type TestNode } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] snapshots and Install resolution`, () => {
    let t: TestApp;
    let accountId: string;
    let nodes: TestNode[];

    const putInventory = async (node: TestNode, packages: ReturnType<typeof pkg>[], updates: ReturnType<typeof update>[]) => {
      const res = await t.as(node.credential, 'PUT', '/api/v1/agent/inventory', inventory(node.hostname, packages, updates));
      expect(res.statusCode, res.body).toBe(200);
    };

    beforeAll(async () => {
      t = await createTestApp(dialect);
      accountId = await t.createAccount('snapshots');
      nodes = await enrollMany(t, accountId, 3, 'snap', { Env: 'prod' });
      // old: openssl and curl behind; newer security fix offered for openssl, a non-security one for curl.
      await putInventory(nodes[0]!, [pkg('openssl', '3.0.11-1'), pkg('curl', '7.88.1-10')], [update('openssl', '3.0.11-1', '3.0.15-1', true), update('curl', '7.88.1-10', '7.88.1-11', false)]);
      // middle: its repositories offer an older fix; the snapshot's newer version still applies to it.
      await putInventory(nodes[1]!, [pkg('openssl', '3.0.13-1')], [update('openssl', '3.0.13-1', '3.0.14-1', true)]);
      // current: nothing to do.
      await putInventory(nodes[2]!, [pkg('openssl', '3.0.15-1')], []);
    });
    afterAll(async () => {
      await t.close();
    });

    const itemsOf = (c: Awaited<ReturnType<typeof command>>, node: TestNode) => c.invocations.find((i) => i.nodeId === node.nodeId)?.items.map((i) => `${i.name}=${i.version}`);

    it('freezes the approved updates of the targets: the highest approved version per package and baseline', async () => {
      const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/snapshots`, { targets: { tags: [{ key: 'Env', values: ['prod'] }] }, description: 'wave 1' });
      expect(res.statusCode, res.body).toBe(201);
      const snap = res.json();
      expect(snap).toMatchObject({ id: expect.stringMatching(/^snap_/), accountId, description: 'wave 1', commandId: null, baselines: [{ baselineId: 'pb-predefined-debian', version: expect.any(Number) }] });
      const shown = await t.as(t.adminToken, 'GET', `/api/v1/snapshots/${snap.id}?all=true`);
      expect(shown.statusCode, shown.body).toBe(200);
      const items = shown.json().items.items as { name: string; version: string; ecosystem: string; security: boolean; cves: string[] }[];
      // The predefined Debian baseline approves security updates only: curl's is not in.
      expect(items.map((i) => `${i.ecosystem} ${i.name}=${i.version}`)).toEqual(['Debian:12 openssl=3.0.15-1']);
      expect(items[0]).toMatchObject({ security: true, cves: ['CVE-2024-0001'] });
      expect(shown.json().items.total).toBe(1);
      const listed = await t.as(t.adminToken, 'GET', `/api/v1/snapshots?accountId=${accountId}`);
      expect(listed.json().items.map((s: { id: string }) => s.id)).toContain(snap.id);
      const audit = await t.as(t.adminToken, 'GET', `/api/v1/audit?action=snapshot.create&accountId=${accountId}`);
      expect(audit.json().items.map((e: { targetId: string }) => e.targetId)).toContain(snap.id);
    });

    it('an Install freezes a snapshot and gives each node its own list; an up-to-date node gets an empty Install', async () => {
      const sent = await send(t, accountId, { document: 'Install', targets: { allNodes: true }, parameters: { rebootOption: 'NoReboot' } });
      expect(sent.statusCode, sent.body).toBe(201);
      const c = await command(t, sent.json().id as string);
      expect(c.parameters.snapshotId).toMatch(/^snap_/);
      expect(itemsOf(c, nodes[0]!)).toEqual(['openssl=3.0.15-1']);
      expect(itemsOf(c, nodes[1]!)).toEqual(['openssl=3.0.15-1']);
      expect(itemsOf(c, nodes[2]!)).toEqual([]);
      const frozen = (await t.as(t.adminToken, 'GET', `/api/v1/snapshots/${c.parameters.snapshotId}`)).json();
      expect(frozen).toMatchObject({ commandId: c.id, accountId });
      // Delivered to each agent: the node's own list, the snapshot named.
      const [first] = await poll(t, nodes[0]!);
      expect(first?.parameters).toMatchObject({ rebootOption: 'NoReboot', snapshotId: c.parameters.snapshotId, items: [{ name: 'openssl', arch: 'amd64', version: '3.0.15-1' }] });
      const [third] = await poll(t, nodes[2]!);
      expect(third?.parameters.items).toEqual([]);
    });

    it('a snapshot is promoted: a later Install with it installs the same versions, even after the repositories moved on', async () => {
      const snap = (await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/snapshots`, { targets: { nodeIds: [nodes[0]!.nodeId] } })).json();
      await putInventory(nodes[0]!, [pkg('openssl', '3.0.11-1')], [update('openssl', '3.0.11-1', '3.0.16-1', true)]);
      const sent = await send(t, accountId, { document: 'Install', targets: { nodeIds: [nodes[0]!.nodeId, nodes[1]!.nodeId] }, parameters: { snapshotId: snap.id } });
      expect(sent.statusCode, sent.body).toBe(201);
      const c = await command(t, sent.json().id as string);
      expect(c.parameters.snapshotId).toBe(snap.id);
      expect(itemsOf(c, nodes[0]!)).toEqual(['openssl=3.0.15-1']);
      expect(itemsOf(c, nodes[1]!)).toEqual(['openssl=3.0.15-1']);
    });

    it("another account's snapshot: unknown to its admins (404), usable by org-admin", async () => {
      const snap = (await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/snapshots`, { targets: { allNodes: true } })).json();
      const other = await t.createAccount('snapshots-other');
      const [node] = await enrollMany(t, other, 1, 'other');
      await putInventory(node!, [pkg('openssl', '3.0.11-1')], []);
      const admin = await t.createUser(`other-admin-${dialect}`, { memberships: [{ accountId: other, role: 'admin' }] });
      const body = { document: 'Install', targets: { allNodes: true }, parameters: { snapshotId: snap.id } };
      const refused = await t.as(admin.token, 'POST', `/api/v1/accounts/${other}/commands`, body);
      expect(refused.statusCode).toBe(404);
      expect(refused.json().error.message).toContain(snap.id);
      expect((await t.as(admin.token, 'GET', `/api/v1/snapshots/${snap.id}`)).statusCode).toBe(404);
      const promoted = await send(t, other, body);
      expect(promoted.statusCode, promoted.body).toBe(201);
      // The snapshot's version (the previous test moved node 1's candidate to 3.0.16-1 before it was frozen).
      const version = ((await t.as(t.adminToken, 'GET', `/api/v1/snapshots/${snap.id}`)).json().items.items as { version: string }[])[0]!.version;
      expect(version).toBe('3.0.16-1');
      expect(itemsOf(await command(t, promoted.json().id as string), node!)).toEqual([`openssl=${version}`]);
    });

    it('a node whose baseline the snapshot lacks, or whose OS is unsupported, fails at once and says why', async () => {
      const custom = await baselineIn(t, accountId, `custom-${dialect}`);
      const snap = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/snapshots`, { targets: { nodeIds: [nodes[0]!.nodeId] }, baselineId: custom });
      expect(snap.statusCode, snap.body).toBe(201);
      expect(snap.json().baselines.map((b: { baselineId: string }) => b.baselineId)).toEqual([custom]);

      const act = await activation(t, accountId);
      const enrolled = await t.as(null, 'POST', '/api/v1/agent/enroll', {
        activationId: act.id,
        activationCode: act.code,
        hostname: 'odd-one',
        platform: { ...PLATFORM, osId: 'plan9', osIdLike: [], prettyName: 'Plan 9', ecosystem: 'Debian:12' },
        agentVersion: '0.1.0',
      });
      expect(enrolled.statusCode, enrolled.body).toBe(201);
      const odd = enrolled.json().nodeId as string;

      const sent = await send(t, accountId, { document: 'Install', targets: { nodeIds: [nodes[0]!.nodeId, odd] }, parameters: { snapshotId: snap.json().id }, maxErrors: 5 });
      expect(sent.statusCode, sent.body).toBe(201);
      const c = await command(t, sent.json().id as string);
      const lacking = c.invocations.find((i) => i.nodeId === nodes[0]!.nodeId)!;
      expect(lacking.status).toBe('Failed');
      expect(lacking.output).toContain(`lacks baseline pb-predefined-debian`);
      const unsupported = c.invocations.find((i) => i.nodeId === odd)!;
      expect(unsupported.status).toBe('Failed');
      expect(unsupported.output).toMatch(/no baseline applies to this node/);
      expect(c.status).toBe('Failed');
      expect((await poll(t, nodes[0]!)).filter((d) => d.commandId === c.id)).toEqual([]);
    });

    it('an override list installs exactly its list on every node; snapshot and override together are refused', async () => {
      const sent = await send(t, accountId, { document: 'Install', targets: { allNodes: true }, parameters: { installOverrideList: [{ name: 'curl', version: '7.88.1-11' }] } });
      expect(sent.statusCode, sent.body).toBe(201);
      const c = await command(t, sent.json().id as string);
      expect(c.parameters.snapshotId).toBeUndefined();
      for (const inv of c.invocations) expect(inv.items).toEqual([{ name: 'curl', version: '7.88.1-11' }]);
      const both = await send(t, accountId, { document: 'Install', targets: { allNodes: true }, parameters: { installOverrideList: [{ name: 'curl', version: '1' }], baselineId: 'pb-predefined-debian' } });
      expect(both.statusCode).toBe(400);
      const unknown = await send(t, accountId, { document: 'Install', targets: { allNodes: true }, parameters: { snapshotId: 'snap_doesnotexist' } });
      expect(unknown.statusCode).toBe(404);
    });
  });
}
