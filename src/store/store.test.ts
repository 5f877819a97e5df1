import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/helpers/databases.js';

describeEachDatabase('store', (db) => {
  const now = '2026-11-27T12:00:00.000Z';

  it('creates the organization, accounts and users and pages them with filters and sorting', async () => {
    const { store } = db();
    const org = await store.organizations.insert({ id: 'org_1', name: 'Acme', managementAccountId: 'acct_mgmt', now });
    await store.accounts.insert({ id: 'acct_mgmt', organizationId: org.id, name: 'management', description: '', now });
    for (const name of ['prod-eu', 'prod-us', 'staging', 'dev_1']) {
      await store.accounts.insert({ organizationId: org.id, name, description: `the ${name} fleet`, now });
    }
    const all = await store.accounts.list({ ids: 'all' }, { limit: 2, offset: 0, sort: 'name' });
    expect(all.total).toBe(5);
    expect(all.items.map((a) => a.name)).toEqual(['dev_1', 'management']);
    expect(all.items[1]?.isManagement).toBe(true);
    const desc = await store.accounts.list({ ids: 'all' }, { limit: 10, offset: 3, sort: '-name' });
    expect(desc.items.map((a) => a.name)).toEqual(['management', 'dev_1']);
    const prod = await store.accounts.list({ ids: 'all', q: 'PROD' }, { limit: 10, offset: 0, sort: 'name' });
    expect(prod.items.map((a) => a.name)).toEqual(['prod-eu', 'prod-us']);
    // LIKE wildcards in a search term are literal characters.
    const underscore = await store.accounts.list({ ids: 'all', q: '_' }, { limit: 10, offset: 0, sort: 'name' });
    expect(underscore.items.map((a) => a.name)).toEqual(['dev_1']);
    const none = await store.accounts.list({ ids: [] }, { limit: 10, offset: 0, sort: 'name' });
    expect(none.total).toBe(0);
  });

  it('refuses a duplicate account name and a duplicate username', async () => {
    const { store } = db();
    await expect(store.accounts.insert({ organizationId: 'org_1', name: 'staging', description: '', now })).rejects.toThrow();
    await store.users.insert({ username: 'alice', displayName: 'Alice', email: null, passwordHash: 'x', orgRole: null, mustChangePassword: false, now });
    await expect(
      store.users.insert({ username: 'alice', displayName: 'Alice 2', email: null, passwordHash: 'x', orgRole: null, mustChangePassword: false, now }),
    ).rejects.toThrow();
  });

  it('keeps memberships and removes them with the account', async () => {
    const { store } = db();
    const user = await store.users.insert({ username: 'bob', displayName: 'Bob', email: 'bob@example.com', passwordHash: 'x', orgRole: null, mustChangePassword: true, now });
    const acct = await store.accounts.insert({ organizationId: 'org_1', name: 'temp', description: '', now });
    expect(await store.memberships.set(acct.id, user.id, 'viewer', now)).toBeUndefined();
    expect(await store.memberships.set(acct.id, user.id, 'admin', now)).toBe('viewer');
    expect([...(await store.memberships.rolesOf(user.id))]).toEqual([[acct.id, 'admin']]);
    const members = await store.memberships.list(acct.id, {}, { limit: 10, offset: 0, sort: 'username' });
    expect(members.items).toMatchObject([{ userId: user.id, username: 'bob', role: 'admin' }]);
    await store.accounts.delete(acct.id);
    expect((await store.memberships.rolesOf(user.id)).size).toBe(0);
    expect((await store.users.get(user.id))?.mustChangePassword).toBe(true);
  });

  it('commits or rolls back a transaction as a whole', async () => {
    const { store } = db();
    await expect(
      store.transaction(async (tx) => {
        await tx.accounts.insert({ organizationId: 'org_1', name: 'rolled-back', description: '', now });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.accounts.getByName('rolled-back')).toBeUndefined();
    await store.transaction((tx) => tx.accounts.insert({ organizationId: 'org_1', name: 'committed', description: '', now }));
    expect(await store.accounts.getByName('committed')).toBeDefined();
  });

  it('keeps the audit log append-only: the database refuses updates and deletes', async () => {
    const { store } = db();
    const entry = {
      at: now,
      actorType: 'user' as const,
      actorId: 'usr_1',
      actorName: 'alice',
      via: 'token',
      action: 'account.create',
      outcome: 'success' as const,
      targetType: 'account',
      targetId: 'acct_1',
      accountId: 'acct_1',
      ip: '127.0.0.1',
      userAgent: null,
      requestId: 'req-1',
      details: { name: 'x' },
    };
    await store.audit.append(entry);
    await store.audit.append({ ...entry, action: 'account.delete', at: '2026-11-27T12:00:01.000Z' });
    const listed = await store.audit.list({ accounts: 'all', action: 'account.*' }, { limit: 10, offset: 0, sort: '-at' });
    expect(listed.items.map((e) => e.action)).toEqual(['account.delete', 'account.create']);
    expect(listed.items[1]?.details).toEqual({ name: 'x' });
    const raw = (store as unknown as { accounts: { db: Kysely<unknown> } }).accounts.db;
    await expect(sql`update audit_log set action = 'x'`.execute(raw)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log`.execute(raw)).rejects.toThrow(/append-only/);
    expect((await store.audit.list({ accounts: 'all' }, { limit: 10, offset: 0, sort: 'at' })).total).toBe(2);
  });

  it('grants a lease to one holder at a time and hands it over after expiry', async () => {
    const { store } = db();
    expect(await store.leases.acquire('cleanup', 'a', now, '2026-11-27T12:01:00.000Z')).toBe(true);
    expect(await store.leases.acquire('cleanup', 'b', '2026-11-27T12:00:30.000Z', '2026-11-27T12:01:30.000Z')).toBe(false);
    expect(await store.leases.acquire('cleanup', 'a', '2026-11-27T12:00:30.000Z', '2026-11-27T12:01:30.000Z')).toBe(true);
    expect(await store.leases.acquire('cleanup', 'b', '2026-11-27T12:02:00.000Z', '2026-11-27T12:03:00.000Z')).toBe(true);
  });

  it('counts login failures per user and per address within the window', async () => {
    const { store } = db();
    await store.loginAttempts.record('carol', '10.0.0.1', false, '2026-11-27T11:00:00.000Z');
    await store.loginAttempts.record('carol', '10.0.0.1', false, '2026-11-27T11:59:00.000Z');
    await store.loginAttempts.record('dave', '10.0.0.1', false, '2026-11-27T11:59:30.000Z');
    const f = await store.loginAttempts.failuresSince('carol', '10.0.0.1', '2026-11-27T11:45:00.000Z');
    expect(f).toMatchObject({ byUser: 1, byIp: 2, oldestUser: '2026-11-27T11:59:00.000Z' });
    await store.loginAttempts.clearFailures('carol');
    expect((await store.loginAttempts.failuresSince('carol', '10.0.0.1', '2026-11-27T11:45:00.000Z')).byUser).toBe(0);
  });
});

describe('store ids', () => {
  it('are prefixed and random', async () => {
    const { newId } = await import('./ids.js');
    const a = newId('acct');
    expect(a).toMatch(/^acct_[0-9a-z]{20}$/);
    expect(newId('acct')).not.toBe(a);
  });
});
