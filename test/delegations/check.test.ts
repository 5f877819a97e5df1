/**
 * checkDelegation (the rule executions use to act in other accounts) and the delegations
 * repository, on both databases: same account, non-management owner, active/expired/revoked
 * grants, runbook and role coverage, and the reasons naming the fix.
 */
import { beforeAll, expect, it } from 'vitest';
import { checkDelegation, type DelegationQuery } from '../../src/server/services/delegation-check.js';
import { getCheckAllowedHosts } from '../../src/server/automation/http-check.js';
import { delegationState, newId, type DelegationRecord, type Store } from '../../src/store/index.js';
import { describeEachDatabase } from '../helpers/databases.js';

const NOW = new Date('2026-11-27T12:00:00.000Z');

describeEachDatabase('checkDelegation and the delegations store', (db) => {
  let store: Store;
  let mgmt: string;
  let prod: string;
  let stage: string;
  let other: string;
  let orgId: string;

  const grant = async (accountId: string, d: Partial<DelegationRecord> = {}): Promise<DelegationRecord> => {
    const rec: DelegationRecord = {
      id: newId('dlg'),
      accountId,
      granteeAccountId: mgmt,
      runbooks: ['patch-fleet'],
      roles: ['operator'],
      comment: '',
      expiresAt: null,
      createdAt: new Date(NOW.getTime() - 60_000).toISOString(),
      createdBy: 'admin',
      revokedAt: null,
      revokedBy: null,
      ...d,
    };
    await store.delegations.insert(rec);
    return rec;
  };
  const q = (over: Partial<DelegationQuery>): DelegationQuery => ({ ownerAccountId: mgmt, targetAccountId: prod, runbookName: 'patch-fleet', starterRole: 'operator', ...over });

  beforeAll(async () => {
    store = db().store;
    orgId = 'org_test';
    mgmt = 'acct_mgmt';
    const now = NOW.toISOString();
    await store.organizations.insert({ id: orgId, name: 'Test org', managementAccountId: mgmt, now });
    await store.accounts.insert({ id: mgmt, organizationId: orgId, name: 'management', description: '', now });
    prod = (await store.accounts.insert({ organizationId: orgId, name: 'production', description: '', now })).id;
    stage = (await store.accounts.insert({ organizationId: orgId, name: 'staging', description: '', now })).id;
    other = (await store.accounts.insert({ organizationId: orgId, name: 'other', description: '', now })).id;
  });

  it('allows the owner account itself without a delegation', async () => {
    expect(await checkDelegation(store, q({ ownerAccountId: prod, targetAccountId: prod }), NOW)).toEqual({ allowed: true, delegationId: null });
    expect(await checkDelegation(store, q({ ownerAccountId: mgmt, targetAccountId: mgmt, starterRole: 'admin' }), NOW)).toEqual({ allowed: true, delegationId: null });
  });

  it('refuses cross-account executions not started from the management account', async () => {
    await grant(stage, { runbooks: ['*'], roles: ['operator', 'admin', 'org-admin'] });
    const r = await checkDelegation(store, q({ ownerAccountId: other, targetAccountId: stage }), NOW);
    expect(r).toEqual({ allowed: false, reason: 'cross-account executions start from the management account management' });
  });

  it('refuses without any delegation, naming the grant command', async () => {
    const r = await checkDelegation(store, q({}), NOW);
    expect(r.allowed).toBe(false);
    if (r.allowed) return;
    expect(r.reason).toContain('account production has no active delegation to the management account management');
    expect(r.reason).toContain('patchwarden delegations grant --account production --runbooks patch-fleet --roles operator');
  });

  it('matches runbook names and roles; * covers every runbook', async () => {
    const d = await grant(prod, { runbooks: ['patch-fleet', 'restart-web'], roles: ['operator', 'admin'] });
    expect(await checkDelegation(store, q({}), NOW)).toEqual({ allowed: true, delegationId: d.id });
    expect(await checkDelegation(store, q({ runbookName: 'restart-web', starterRole: 'admin' }), NOW)).toEqual({ allowed: true, delegationId: d.id });

    const wrongRunbook = await checkDelegation(store, q({ runbookName: 'reboot-all' }), NOW);
    expect(wrongRunbook.allowed).toBe(false);
    if (!wrongRunbook.allowed) {
      expect(wrongRunbook.reason).toContain('no active delegation of account production covers runbook reboot-all');
      expect(wrongRunbook.reason).toContain('--runbooks reboot-all --roles operator');
    }
    const wrongRole = await checkDelegation(store, q({ starterRole: 'org-admin' }), NOW);
    expect(wrongRole.allowed).toBe(false);
    if (!wrongRole.allowed) expect(wrongRole.reason).toContain('allows the role org-admin');

    const star = await checkDelegation(store, q({ targetAccountId: stage, runbookName: 'anything-at-all', starterRole: 'org-admin' }), NOW);
    expect(star.allowed).toBe(true);
  });

  it('ignores expired and revoked delegations (and grants to another account)', async () => {
    const acct = (await store.accounts.insert({ organizationId: orgId, name: 'edge', description: '', now: NOW.toISOString() })).id;
    const expired = await grant(acct, { expiresAt: NOW.toISOString() });
    const revoked = await grant(acct, { revokedAt: new Date(NOW.getTime() - 1000).toISOString(), revokedBy: 'admin' });
    await grant(acct, { granteeAccountId: other });
    expect(delegationState(expired, NOW.toISOString())).toBe('expired');
    expect(delegationState(revoked, NOW.toISOString())).toBe('revoked');
    expect((await checkDelegation(store, q({ targetAccountId: acct }), NOW)).allowed).toBe(false);

    // One that expires later is in force now, and not any more after its expiry.
    const later = await grant(acct, { expiresAt: new Date(NOW.getTime() + 3_600_000).toISOString() });
    expect(await checkDelegation(store, q({ targetAccountId: acct }), NOW)).toEqual({ allowed: true, delegationId: later.id });
    expect((await checkDelegation(store, q({ targetAccountId: acct }), new Date(NOW.getTime() + 3_600_000))).allowed).toBe(false);

    // Revoking takes effect at once, and only once.
    expect(await store.delegations.revoke(later.id, 'admin', NOW.toISOString())).toBe(true);
    expect(await store.delegations.revoke(later.id, 'admin', NOW.toISOString())).toBe(false);
    expect((await checkDelegation(store, q({ targetAccountId: acct }), NOW)).allowed).toBe(false);
  });

  it('lists delegations by granting or receiving account, active or not', async () => {
    const page = { limit: 100, offset: 0, sort: 'createdAt' };
    const byProd = await store.delegations.list({ accountIds: [prod], now: NOW.toISOString() }, page);
    expect(byProd.items.every((d) => d.accountId === prod)).toBe(true);
    expect(byProd.total).toBe(1);
    const toMgmt = await store.delegations.list({ accountIds: [mgmt], now: NOW.toISOString() }, page);
    expect(toMgmt.items.every((d) => d.granteeAccountId === mgmt)).toBe(true);
    const all = await store.delegations.list({ accountIds: 'all', now: NOW.toISOString() }, page);
    const active = await store.delegations.list({ accountIds: 'all', active: true, now: NOW.toISOString() }, page);
    const inactive = await store.delegations.list({ accountIds: 'all', active: false, now: NOW.toISOString() }, page);
    expect(active.total + inactive.total).toBe(all.total);
    expect(active.items.every((d) => delegationState(d, NOW.toISOString()) === 'active')).toBe(true);
    expect(inactive.items.every((d) => delegationState(d, NOW.toISOString()) !== 'active')).toBe(true);
    expect(await store.delegations.list({ accountIds: [], now: NOW.toISOString() }, page)).toEqual({ items: [], total: 0, limit: 100, offset: 0 });
  });

  it('stores the automation settings per organization (upsert)', async () => {
    expect(await getCheckAllowedHosts(store)).toEqual([]);
    await store.delegations.putSettings({ organizationId: orgId, checkAllowedHosts: ['a.example.com'], updatedAt: NOW.toISOString(), updatedBy: 'admin' });
    await store.delegations.putSettings({ organizationId: orgId, checkAllowedHosts: ['b.example.com:8080', '*.svc.example.com'], updatedAt: NOW.toISOString(), updatedBy: 'root' });
    expect(await getCheckAllowedHosts(store)).toEqual(['b.example.com:8080', '*.svc.example.com']);
    expect((await store.delegations.getSettings(orgId)).updatedBy).toBe('root');
  });
});
