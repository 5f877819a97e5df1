import { beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { emptyCounts, type NodeComplianceRecord } from '../../src/store/index.js';
import { debianInventory, patchState, pkg } from './helpers.js';

const state = patchState;

describeEachDatabase('compliance store', (db) => {
  let accountId: string;
  const nodeIds = ['node_store_a', 'node_store_b'];

  beforeAll(async () => {
    const { store } = db();
    const now = new Date().toISOString();
    const org = await store.organizations.insert({ id: 'org_store', name: 'org', managementAccountId: 'acct_store', now });
    accountId = (await store.accounts.insert({ organizationId: org.id, name: 'store', description: '', now, id: 'acct_store' })).id;
    for (const id of nodeIds) {
      await store.nodes.insert({ id, accountId, activationId: null, secretHash: 'x', hostname: id, platform: debianInventory(id, []).platform, agentVersion: '0.1.0', tags: {}, now });
      await store.transaction((tx) => tx.nodes.replaceInventory(id, debianInventory(id, [pkg('libfoo1', '1.0-1'), pkg('lib_x', '2'), pkg('libxyz', '3'), pkg('other', '4')]), now));
    }
  });

  it('replaces per-patch states and reads them back as prior states (INSTALLED_OTHER never stored)', async () => {
    const { store } = db();
    await store.transaction((tx) =>
      tx.compliance.replaceStates(
        [{ nodeId: nodeIds[0]!, accountId, states: [state('libfoo1', 'MISSING'), state('other', 'INSTALLED_OTHER'), state('bash', 'FAILED', { failedAt: '2026-01-02T00:00:00.000Z', failureMessage: 'dpkg said no' })] }],
        '2026-01-03T00:00:00.000Z',
      ),
    );
    const prior = (await store.compliance.priorStates(nodeIds)).get(nodeIds[0]!) ?? [];
    expect(prior.map((p) => `${p.name}:${p.state}`).sort()).toEqual(['bash:FAILED', 'libfoo1:MISSING']);
    expect(prior.find((p) => p.name === 'bash')).toMatchObject({ failureMessage: 'dpkg said no', security: true, cves: ['CVE-2024-0001'], advisoryIds: ['DSA-1-1'] });
    await store.compliance.replaceStates([{ nodeId: nodeIds[0]!, accountId, states: [state('libfoo1', 'INSTALLED')] }], '2026-01-04T00:00:00.000Z');
    expect((await store.compliance.priorStates(nodeIds)).get(nodeIds[0]!)?.map((p) => p.state)).toEqual(['INSTALLED']);
  });

  it('reads installed packages by name and by `*` pattern, with LIKE wildcards escaped', async () => {
    const { store } = db();
    const got = await store.compliance.installedPackages(nodeIds, { byNode: new Map([[nodeIds[0]!, ['libfoo1']]]), patternsByNode: new Map([[nodeIds[0]!, ['lib_*']]]) });
    expect(got.get(nodeIds[0]!)?.map((p) => p.name).sort()).toEqual(['lib_x', 'libfoo1']);
    const all = await store.compliance.installedPackages([nodeIds[1]!], 'all');
    expect(all.get(nodeIds[1]!)?.length).toBeGreaterThan(8);
  });

  it('upserts node compliance and appends history', async () => {
    const { store } = db();
    const counts = { ...emptyCounts(), MISSING: 2, INSTALLED_OTHER: 10 };
    const rec: NodeComplianceRecord = {
      nodeId: nodeIds[0]!, accountId, operatingSystem: 'DEBIAN', osId: 'debian', patchGroup: 'web', status: 'NON_COMPLIANT', complianceLevel: 'HIGH', severity: 'high', counts,
      criticalNonCompliant: 0, securityNonCompliant: 2, otherNonCompliant: 0, overdue: 1, nextDueAt: '2026-02-01T00:00:00.000Z', baselineId: 'pb-predefined-debian', baselineSource: 'predefined',
      baselineReason: 'predefined', baselineVersion: 1, snapshotId: null, operation: 'Scan', commandId: 'cmd_1', evaluatedAt: '2026-01-05T00:00:00.000Z', inventoryRevision: 1, stale: false, reason: null,
    };
    await store.compliance.upsertCompliance([rec]);
    await store.compliance.upsertCompliance([{ ...rec, status: 'COMPLIANT', counts: { ...counts, MISSING: 0, INSTALLED: 2 } }]);
    const back = (await store.compliance.currentOf(nodeIds)).get(nodeIds[0]!);
    expect(back).toMatchObject({ status: 'COMPLIANT', patchGroup: 'web', overdue: 1, stale: false, counts: { INSTALLED: 2, MISSING: 0, INSTALLED_OTHER: 10 } });
    expect(await store.compliance.markStale({ accountIds: [accountId] })).toBe(1);
    expect((await store.compliance.getNode(nodeIds[0]!))?.stale).toBe(true);
    expect(await store.compliance.staleNodeIds(10)).toEqual(expect.arrayContaining(nodeIds));
    expect(await store.compliance.markDueStale('2026-03-01T00:00:00.000Z')).toBe(0);

    await store.compliance.appendHistory([
      { id: 'chist_1', nodeId: nodeIds[0]!, accountId, at: '2026-01-05T00:00:00.000Z', operation: 'Scan', commandId: 'cmd_1', baselineId: 'b', baselineVersion: 2, baselineSource: 'override', snapshotId: 'snap_1', status: 'NON_COMPLIANT', complianceLevel: 'HIGH', severity: 'high', counts, overdue: 1, missing: ['libfoo1:amd64'], failed: [], reason: null },
    ]);
    const h = await store.compliance.history(nodeIds[0]!, { limit: 10, offset: 0, sort: '-at' });
    expect(h.items[0]).toMatchObject({ baselineSource: 'override', snapshotId: 'snap_1', counts: { MISSING: 2 }, missing: ['libfoo1:amd64'] });
    await store.compliance.upsertDaily('2026-01-05', [accountId]);
    await store.compliance.upsertDaily('2026-01-05', [accountId]);
    expect(await store.compliance.trend({ accounts: 'all' }, '2026-01-01')).toEqual([{ day: '2026-01-05', compliant: 1, nonCompliant: 0, unknown: 0, overdueNodes: 1 }]);
  });

  it('records when a candidate version was first seen, once', async () => {
    const { store } = db();
    const key = { nodeId: nodeIds[1]!, name: 'libfoo1', arch: 'amd64', version: '1.0-2' };
    const first = await store.compliance.firstSeen([key], '2026-01-01T00:00:00.000Z');
    const again = await store.compliance.firstSeen([key, { ...key, version: '1.0-3' }], '2026-02-01T00:00:00.000Z');
    expect([...first.values()]).toEqual(['2026-01-01T00:00:00.000Z']);
    expect([...again.values()].sort()).toEqual(['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z']);
  });

  it('keeps SLA days per organization', async () => {
    const { store } = db();
    expect(await store.compliance.getSla('org_store')).toBeUndefined();
    await store.compliance.putSla('org_store', { critical: 3, low: 60 }, '2026-01-01T00:00:00.000Z', null);
    await store.compliance.putSla('org_store', { critical: 2, high: 10 }, '2026-01-02T00:00:00.000Z', 'usr_1');
    expect(await store.compliance.getSla('org_store')).toEqual({ sla: { critical: 2, high: 10 }, updatedAt: '2026-01-02T00:00:00.000Z' });
  });
});
