/**
 * The baselines repository on SQLite and PostgreSQL: rules round-trip through JSON, names are
 * unique per account, updates are conditional on the version, lists filter and page, and the
 * registries (account defaults, patch groups) answer in bulk for many accounts and groups.
 */
import { expect, it } from 'vitest';
import type { BaselineRules } from '../../src/domain/baselines/model.js';
import { isUniqueViolation, type BaselineRecord } from '../../src/store/index.js';
import { describeEachDatabase } from '../helpers/databases.js';

const now = '2026-11-27T12:00:00.000Z';

const RULES: Omit<BaselineRules, 'operatingSystem'> = {
  globalFilters: [{ key: 'PRODUCT', values: ['Debian12'] }],
  approvalRules: [
    { filters: [{ key: 'PRIORITY', values: ['required', 'important'] }], complianceLevel: 'CRITICAL', approveAfterDays: 7, approveUndated: true, enableNonSecurity: false },
    { filters: [], complianceLevel: 'LOW', approveUntilDate: '2026-12-01', approveUndated: false, enableNonSecurity: true },
  ],
  approvedPatches: ['openssl=3.0.15-*', 'CVE-2024-1234'],
  approvedPatchesComplianceLevel: 'HIGH',
  approvedPatchesEnableNonSecurity: true,
  rejectedPatches: ['telnet*'],
  rejectedPatchesAction: 'BLOCK',
  availableSecurityUpdatesComplianceStatus: 'NON_COMPLIANT',
  sources: [{ name: 'internal', products: ['Debian12'], configuration: 'deb http://mirror.example/debian bookworm main' }],
};

function record(id: string, accountId: string, name: string, operatingSystem: BaselineRules['operatingSystem'] = 'DEBIAN'): BaselineRecord {
  return { ...RULES, operatingSystem, id, accountId, name, description: `the ${name} baseline`, predefined: false, version: 1, createdAt: now, createdBy: 'alice', updatedAt: now, updatedBy: 'alice' };
}

describeEachDatabase('baselines store', (db) => {
  const accounts: string[] = [];

  it('stores a baseline and reads every field back', async () => {
    const { store } = db();
    await store.organizations.insert({ id: 'org_1', name: 'Acme', managementAccountId: 'acct_a', now });
    for (const name of ['a', 'b', 'c']) accounts.push((await store.accounts.insert({ organizationId: 'org_1', name, description: '', now })).id);
    const b = record('pb_one', accounts[0]!, 'debian-prod');
    await store.baselines.insert(b);
    expect(await store.baselines.get('pb_one')).toEqual(b);
    expect(await store.baselines.get('pb_none')).toBeUndefined();
  });

  it('keeps names unique per account, not across accounts', async () => {
    const { store } = db();
    const err = await store.baselines.insert(record('pb_dup', accounts[0]!, 'debian-prod')).catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    await store.baselines.insert(record('pb_two', accounts[1]!, 'debian-prod'));
    await store.baselines.insert(record('pb_three', accounts[0]!, 'ubuntu-web_1', 'UBUNTU'));
  });

  it('lists with account visibility, filters and paging', async () => {
    const { store } = db();
    const page = (filter: Parameters<typeof store.baselines.list>[0], sort = 'name') => store.baselines.list(filter, { limit: 10, offset: 0, sort });
    expect((await page({ accounts: 'all' })).items.map((b) => b.id)).toEqual(['pb_one', 'pb_two', 'pb_three']);
    expect((await page({ accounts: [accounts[0]!] })).items.map((b) => b.id)).toEqual(['pb_one', 'pb_three']);
    expect((await page({ accounts: [] })).total).toBe(0);
    expect((await page({ accounts: 'all', operatingSystem: 'UBUNTU' })).items.map((b) => b.id)).toEqual(['pb_three']);
    // LIKE wildcards in the search term are literal.
    expect((await page({ accounts: 'all', q: '_1' })).items.map((b) => b.id)).toEqual(['pb_three']);
    expect((await page({ accounts: 'all', accountId: accounts[1]! })).items.map((b) => b.id)).toEqual(['pb_two']);
    const second = await store.baselines.list({ accounts: 'all' }, { limit: 1, offset: 1, sort: '-name' });
    expect(second).toMatchObject({ total: 3, items: [{ name: 'debian-prod' }] });
  });

  it('updates only from the version it read, raising it by one', async () => {
    const { store } = db();
    const current = (await store.baselines.get('pb_one'))!;
    const changed = { ...current, description: 'changed', approvedPatches: ['curl'], updatedAt: '2026-11-28T00:00:00.000Z', updatedBy: 'bob' };
    expect(await store.baselines.update(changed, 1)).toBe(true);
    expect(await store.baselines.update({ ...changed, description: 'lost update' }, 1)).toBe(false);
    expect(await store.baselines.get('pb_one')).toMatchObject({ version: 2, description: 'changed', approvedPatches: ['curl'], rejectedPatches: ['telnet*'], updatedBy: 'bob', createdBy: 'alice' });
  });

  it('registers account defaults and patch groups, replaces them, and reads them in bulk', async () => {
    const { store } = db();
    const [a, b, c] = accounts as [string, string, string];
    await store.baselines.setDefault({ accountId: a, operatingSystem: 'DEBIAN', baselineId: 'pb_one', updatedAt: now, updatedBy: 'alice' });
    await store.baselines.setDefault({ accountId: a, operatingSystem: 'DEBIAN', baselineId: 'pb_four', updatedAt: now, updatedBy: 'bob' });
    await store.baselines.setDefault({ accountId: a, operatingSystem: 'UBUNTU', baselineId: 'pb_three', updatedAt: now, updatedBy: 'alice' });
    await store.baselines.setDefault({ accountId: b, operatingSystem: 'DEBIAN', baselineId: 'pb-predefined-debian', updatedAt: now, updatedBy: null });
    const defaults = await store.baselines.defaultsOf([a, b, c]);
    expect(defaults.map((d) => [d.accountId === a ? 'a' : 'b', d.operatingSystem, d.baselineId, d.updatedBy]).sort()).toEqual(
      [
        ['a', 'DEBIAN', 'pb_four', 'bob'],
        ['a', 'UBUNTU', 'pb_three', 'alice'],
        ['b', 'DEBIAN', 'pb-predefined-debian', null],
      ].sort(),
    );
    expect(await store.baselines.clearDefault(a, 'DEBIAN')).toBe(true);
    expect(await store.baselines.clearDefault(a, 'DEBIAN')).toBe(false);

    const group = 'web/prod @eu:1';
    await store.baselines.registerPatchGroup({ accountId: a, patchGroup: group, operatingSystem: 'DEBIAN', baselineId: 'pb_one', updatedAt: now, updatedBy: 'alice' });
    await store.baselines.registerPatchGroup({ accountId: a, patchGroup: group, operatingSystem: 'UBUNTU', baselineId: 'pb_three', updatedAt: now, updatedBy: 'alice' });
    await store.baselines.registerPatchGroup({ accountId: a, patchGroup: 'db', operatingSystem: 'DEBIAN', baselineId: 'pb_one', updatedAt: now, updatedBy: 'alice' });
    await store.baselines.registerPatchGroup({ accountId: b, patchGroup: 'db', operatingSystem: 'DEBIAN', baselineId: 'pb_two', updatedAt: now, updatedBy: 'alice' });
    // Replacing keeps one registration per (account, group, OS).
    await store.baselines.registerPatchGroup({ accountId: b, patchGroup: 'db', operatingSystem: 'DEBIAN', baselineId: 'pb-predefined-debian', updatedAt: now, updatedBy: 'carol' });
    expect((await store.baselines.patchGroupsOf(a)).map((r) => [r.patchGroup, r.operatingSystem])).toEqual([
      ['db', 'DEBIAN'],
      [group, 'DEBIAN'],
      [group, 'UBUNTU'],
    ]);
    expect((await store.baselines.patchGroupsOf(b, 'db')).map((r) => [r.baselineId, r.updatedBy])).toEqual([['pb-predefined-debian', 'carol']]);
    // Bulk: only the (account, group) pairs asked for, not the cross product.
    const found = await store.baselines.registrationsFor([
      { accountId: a, patchGroup: group },
      { accountId: b, patchGroup: 'db' },
      { accountId: c, patchGroup: 'db' },
    ]);
    expect(found.map((r) => `${r.accountId === a ? 'a' : 'b'} ${r.patchGroup} ${r.operatingSystem}`).sort()).toEqual([`a ${group} DEBIAN`, `a ${group} UBUNTU`, 'b db DEBIAN']);
    expect(await store.baselines.deregisterPatchGroup(a, 'db', 'DEBIAN')).toBe(true);
    expect(await store.baselines.deregisterPatchGroup(a, 'db', 'DEBIAN')).toBe(false);
  });

  it('says where a baseline is still used, and deletes it', async () => {
    const { store } = db();
    const [a] = accounts as [string];
    await store.baselines.setDefault({ accountId: a, operatingSystem: 'DEBIAN', baselineId: 'pb_one', updatedAt: now, updatedBy: 'alice' });
    expect(await store.baselines.usage('pb_one')).toEqual({
      accountDefaults: [{ accountId: a, operatingSystem: 'DEBIAN' }],
      patchGroups: [{ accountId: a, patchGroup: 'web/prod @eu:1', operatingSystem: 'DEBIAN' }],
    });
    expect(await store.baselines.usage('pb_two')).toEqual({ accountDefaults: [], patchGroups: [] });
    expect(await store.baselines.delete('pb_two')).toBe(true);
    expect(await store.baselines.delete('pb_two')).toBe(false);
    expect((await store.baselines.getMany(['pb_one', 'pb_two', 'pb_three', 'pb-predefined-debian'])).size).toBe(2);
  });

  it('reads thousands of registrations in bulk (chunks of 500)', async () => {
    const { store } = db();
    const [, , c] = accounts as [string, string, string];
    const groups = Array.from({ length: 1200 }, (_, i) => `g${i}`);
    await store.transaction(async (tx) => {
      for (const g of groups) await tx.baselines.registerPatchGroup({ accountId: c, patchGroup: g, operatingSystem: 'DEBIAN', baselineId: 'pb-predefined-debian', updatedAt: now, updatedBy: null });
    });
    const found = await store.baselines.registrationsFor(groups.map((g) => ({ accountId: c, patchGroup: g })));
    expect(found.length).toBe(1200);
    const ids = Array.from({ length: 1100 }, (_, i) => `pb_x${i}`);
    expect((await store.baselines.getMany([...ids, 'pb_one'])).size).toBe(1);
  });

  it('removes the account\'s baselines and registrations with the account', async () => {
    const { store } = db();
    const [a] = accounts as [string];
    await store.accounts.delete(a);
    expect(await store.baselines.get('pb_one')).toBeUndefined();
    expect(await store.baselines.defaultsOf([a])).toEqual([]);
    expect(await store.baselines.patchGroupsOf(a)).toEqual([]);
  });
});
