/**
 * Effective-baseline resolution in bulk, on SQLite and PostgreSQL: many nodes over several
 * accounts, patch groups and operating systems, each resolved by the documented precedence
 * (override > patch policy > patch group > account default > predefined), with errors for
 * unsupported platforms and overrides that name a missing or foreign baseline.
 */
import { expect, it } from 'vitest';
import type { Platform } from '../../src/contracts/inventory.contract.js';
import type { BaselineRules, OperatingSystem } from '../../src/domain/baselines/model.js';
import { resolveEffectiveBaselines } from '../../src/server/services/effective-baseline.js';
import { newId, type BaselineRecord, type NodeRecord } from '../../src/store/index.js';
import { describeEachDatabase } from '../helpers/databases.js';

const now = '2026-11-27T12:00:00.000Z';

const RULES: Omit<BaselineRules, 'operatingSystem'> = {
  globalFilters: [],
  approvalRules: [{ filters: [], complianceLevel: 'HIGH', approveAfterDays: 0, approveUndated: false, enableNonSecurity: false }],
  approvedPatches: [],
  approvedPatchesComplianceLevel: 'UNSPECIFIED',
  approvedPatchesEnableNonSecurity: false,
  rejectedPatches: [],
  rejectedPatchesAction: 'ALLOW_AS_DEPENDENCY',
  availableSecurityUpdatesComplianceStatus: 'COMPLIANT',
  sources: [],
};

const PLATFORMS: Record<string, Platform> = {
  debian: { osId: 'debian', osIdLike: [], version: '12', codename: 'bookworm', prettyName: 'Debian 12', arch: 'amd64', packageManager: 'apt', ecosystem: 'Debian:12' },
  ubuntu: { osId: 'ubuntu', osIdLike: ['debian'], version: '22.04', codename: 'jammy', prettyName: 'Ubuntu 22.04', arch: 'amd64', packageManager: 'apt', ecosystem: 'Ubuntu:22.04:LTS' },
  rocky: { osId: 'rocky', osIdLike: ['rhel', 'centos', 'fedora'], version: '9.4', codename: '', prettyName: 'Rocky Linux 9.4', arch: 'x86_64', packageManager: 'dnf', ecosystem: 'Rocky Linux:9' },
  gentoo: { osId: 'gentoo', osIdLike: [], version: '2.15', codename: '', prettyName: 'Gentoo', arch: 'amd64', packageManager: 'apt', ecosystem: '' },
};

describeEachDatabase('effective baselines in bulk', (db) => {
  it('resolves hundreds of nodes over accounts, patch groups and operating systems with a few queries', async () => {
    const { store } = db();
    await store.organizations.insert({ id: 'org_1', name: 'Acme', managementAccountId: 'acct_x', now });
    const accounts: string[] = [];
    for (const name of ['eff-a', 'eff-b', 'eff-c']) accounts.push((await store.accounts.insert({ organizationId: 'org_1', name, description: '', now })).id);
    const [a, b, c] = accounts as [string, string, string];
    const baseline = async (accountId: string, name: string, os: OperatingSystem): Promise<string> => {
      const id = newId('pb');
      const r: BaselineRecord = { ...RULES, operatingSystem: os, id, accountId, name, description: '', predefined: false, version: 1, createdAt: now, createdBy: null, updatedAt: now, updatedBy: null };
      await store.baselines.insert(r);
      return id;
    };
    const aDebianDefault = await baseline(a, 'a-debian-default', 'DEBIAN');
    const aWebDebian = await baseline(a, 'a-web-debian', 'DEBIAN');
    const aWebUbuntu = await baseline(a, 'a-web-ubuntu', 'UBUNTU');
    const bDbRocky = await baseline(b, 'b-db-rocky', 'ROCKY_LINUX');
    await store.baselines.setDefault({ accountId: a, operatingSystem: 'DEBIAN', baselineId: aDebianDefault, updatedAt: now, updatedBy: null });
    await store.baselines.registerPatchGroup({ accountId: a, patchGroup: 'web', operatingSystem: 'DEBIAN', baselineId: aWebDebian, updatedAt: now, updatedBy: null });
    await store.baselines.registerPatchGroup({ accountId: a, patchGroup: 'web', operatingSystem: 'UBUNTU', baselineId: aWebUbuntu, updatedAt: now, updatedBy: null });
    await store.baselines.registerPatchGroup({ accountId: b, patchGroup: 'db', operatingSystem: 'ROCKY_LINUX', baselineId: bDbRocky, updatedAt: now, updatedBy: null });
    // The same group name in another account registers nothing there.
    await store.baselines.registerPatchGroup({ accountId: c, patchGroup: 'other', operatingSystem: 'DEBIAN', baselineId: 'pb-predefined-debian', updatedAt: now, updatedBy: null });

    const kinds = ['debian', 'ubuntu', 'rocky', 'gentoo'] as const;
    const groups: (Record<string, string> | Record<string, never>)[] = [{}, { PatchGroup: 'web' }, { 'Patch Group': 'db' }, { PatchGroup: 'nowhere' }];
    const nodes: NodeRecord[] = [];
    await store.transaction(async (tx) => {
      for (let i = 0; i < 600; i++) {
        const id = `mi-${i.toString(16).padStart(17, '0')}`;
        await tx.nodes.insert({ id, accountId: accounts[i % 3]!, activationId: null, secretHash: 'x', hostname: `h${i}`, platform: PLATFORMS[kinds[i % 4]!]!, agentVersion: '0.1.0', tags: groups[Math.floor(i / 4) % 4]!, now });
      }
    });
    for (let i = 0; i < 600; i += 100) {
      const page = await store.nodes.list({ accounts: 'all', onlineSince: now }, { limit: 100, offset: i, sort: 'id' });
      nodes.push(...page.items);
    }
    expect(nodes.length).toBe(600);

    const started = performance.now();
    const resolved = await resolveEffectiveBaselines(store, nodes);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(5000);

    const expected = (n: NodeRecord): string => {
      const group = n.tags.PatchGroup ?? n.tags['Patch Group'] ?? null;
      switch (n.platform.osId) {
        case 'gentoo':
          return 'error';
        case 'debian':
          if (n.accountId === a) return group === 'web' ? aWebDebian : aDebianDefault;
          return 'pb-predefined-debian';
        case 'ubuntu':
          return n.accountId === a && group === 'web' ? aWebUbuntu : 'pb-predefined-ubuntu';
        default:
          return n.accountId === b && group === 'db' ? bDbRocky : 'pb-predefined-rocky';
      }
    };
    const wrong = nodes.filter((n) => {
      const r = resolved.get(n.id)!;
      return ('error' in r ? 'error' : r.baseline.id) !== expected(n);
    });
    expect(wrong.map((n) => n.id)).toEqual([]);
    // Every supported source appears, with its reason.
    const sources = new Set([...resolved.values()].flatMap((r) => ('error' in r ? [] : [r.choice.source])));
    expect([...sources].sort()).toEqual(['accountDefault', 'patchGroup', 'predefined']);
    const gentoo = resolved.get(nodes.find((n) => n.platform.osId === 'gentoo')!.id)!;
    expect(gentoo).toMatchObject({ error: expect.stringContaining('not supported') });

    // An override wins for its OS only; one naming a missing or foreign baseline is an error for the node.
    const override = await resolveEffectiveBaselines(store, nodes.slice(0, 8), { baselineIds: { DEBIAN: aDebianDefault } });
    for (const n of nodes.slice(0, 8)) {
      const r = override.get(n.id)!;
      if (n.platform.osId !== 'debian') continue;
      if (n.accountId === a) expect(r).toMatchObject({ baseline: { id: aDebianDefault }, choice: { source: 'override' } });
      else expect(r).toMatchObject({ error: expect.stringContaining('belongs to another account') });
    }
    const missing = await resolveEffectiveBaselines(store, nodes.slice(0, 1), { baselineIds: { DEBIAN: 'pb_doesnotexist' } });
    expect(missing.get(nodes[0]!.id)).toMatchObject({ error: expect.stringContaining('does not exist') });
  });
});
