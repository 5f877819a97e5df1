/**
 * The runbooks repository on SQLite and PostgreSQL: a runbook and its versions round-trip (the
 * parsed runbook as JSON), names are unique per account among runbooks not deleted, a new version
 * only lands on the version it was based on, deleting keeps the versions, lists filter and page.
 * And `resolveRunbook`: built-ins, ids, names, versions, deleted runbooks, other accounts.
 */
import { expect, it } from 'vitest';
import { parseRunbook } from '../../src/domain/automation/parse.js';
import type { Runbook } from '../../src/domain/automation/runbook.js';
import { isAppError } from '../../src/domain/errors.js';
import { resolveRunbook } from '../../src/server/services/runbook-resolve.js';
import { isUniqueViolation, type RunbookRecord, type RunbookVersionRecord } from '../../src/store/index.js';
import { describeEachDatabase } from '../helpers/databases.js';

const now = '2026-11-27T12:00:00.000Z';
const later = '2026-11-27T13:00:00.000Z';

function parsed(name: string, seconds = 5): { content: string; runbook: Runbook } {
  const content = `name: ${name}\nsteps:\n  - { name: pause, kind: wait, seconds: ${seconds} }\n`;
  const r = parseRunbook(content);
  if (!r.ok) throw new Error('invalid');
  return { content, runbook: r.runbook };
}

function record(id: string, accountId: string, name: string): RunbookRecord {
  return { id, accountId, name, description: '', latestVersion: 1, stepCount: 1, createdAt: now, createdBy: 'alice', updatedAt: now, deletedAt: null, deletedBy: null };
}

function version(runbookId: string, v: number, name: string, seconds = 5): RunbookVersionRecord {
  return { runbookId, version: v, ...parsed(name, seconds), createdAt: v === 1 ? now : later, createdBy: 'alice' };
}

describeEachDatabase('runbooks store', (db) => {
  const accounts: string[] = [];

  it('stores a runbook with its first version and reads both back', async () => {
    const { store } = db();
    await store.organizations.insert({ id: 'org_1', name: 'Acme', managementAccountId: 'acct_a', now });
    for (const name of ['a', 'b']) accounts.push((await store.accounts.insert({ organizationId: 'org_1', name, description: '', now })).id);
    const r = record('rb_one', accounts[0]!, 'restart-web');
    await store.runbooks.insert(r, version('rb_one', 1, 'restart-web'));
    expect(await store.runbooks.get('rb_one')).toEqual(r);
    expect(await store.runbooks.getByName(accounts[0]!, 'restart-web')).toEqual(r);
    expect(await store.runbooks.getVersion('rb_one', 1)).toEqual(version('rb_one', 1, 'restart-web'));
    expect(await store.runbooks.get('rb_none')).toBeUndefined();
    expect(await store.runbooks.getVersion('rb_one', 2)).toBeUndefined();
  });

  it('names are unique per account, not across accounts', async () => {
    const { store } = db();
    const err = await store.runbooks.insert(record('rb_dup', accounts[0]!, 'restart-web'), version('rb_dup', 1, 'restart-web')).catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    await store.runbooks.insert(record('rb_two', accounts[1]!, 'restart-web'), version('rb_two', 1, 'restart-web'));
  });

  it('a new version lands only on the version it was based on', async () => {
    const { store } = db();
    expect(await store.runbooks.addVersion(version('rb_one', 2, 'restart-web', 10), 'v2', later)).toBe(true);
    // A racing update also based on version 1 loses.
    expect(await store.runbooks.addVersion(version('rb_one', 2, 'restart-web', 20), 'v2 again', later)).toBe(false);
    expect(await store.runbooks.get('rb_one')).toMatchObject({ latestVersion: 2, description: 'v2', updatedAt: later });
    expect((await store.runbooks.getVersion('rb_one', 2))?.runbook.steps[0]).toMatchObject({ seconds: 10 });
    expect((await store.runbooks.getVersion('rb_one', 1))?.runbook.steps[0]).toMatchObject({ seconds: 5 });
    expect(await store.runbooks.versions('rb_one')).toEqual([
      { runbookId: 'rb_one', version: 2, createdAt: later, createdBy: 'alice' },
      { runbookId: 'rb_one', version: 1, createdAt: now, createdBy: 'alice' },
    ]);
  });

  it('lists the runbooks of the given accounts, filtered and paged', async () => {
    const { store } = db();
    await store.runbooks.insert(record('rb_three', accounts[0]!, 'a-first'), version('rb_three', 1, 'a-first'));
    const page = { limit: 10, offset: 0, sort: 'name' };
    expect((await store.runbooks.list({ accounts: 'all' }, page)).items.map((r) => r.id)).toEqual(['rb_three', 'rb_one', 'rb_two']);
    expect((await store.runbooks.list({ accounts: [accounts[1]!] }, page)).items.map((r) => r.id)).toEqual(['rb_two']);
    expect((await store.runbooks.list({ accounts: [] }, page)).total).toBe(0);
    expect((await store.runbooks.list({ accounts: 'all', accountId: accounts[0]!, q: 'WEB' }, page)).items.map((r) => r.id)).toEqual(['rb_one']);
    const second = await store.runbooks.list({ accounts: 'all' }, { limit: 1, offset: 1, sort: '-name' });
    expect(second).toMatchObject({ total: 3, items: [{ id: 'rb_one' }] });
    expect(await store.runbooks.countOf(accounts[0]!)).toBe(2);
  });

  it('deleting keeps the row and the versions, hides it from lists and frees the name', async () => {
    const { store } = db();
    expect(await store.runbooks.markDeleted('rb_three', later, 'bob')).toBe(true);
    expect(await store.runbooks.markDeleted('rb_three', later, 'bob')).toBe(false);
    expect(await store.runbooks.get('rb_three')).toMatchObject({ deletedAt: later, deletedBy: 'bob' });
    expect(await store.runbooks.getVersion('rb_three', 1)).toBeDefined();
    expect(await store.runbooks.getByName(accounts[0]!, 'a-first')).toBeUndefined();
    expect((await store.runbooks.list({ accounts: 'all' }, { limit: 10, offset: 0, sort: 'name' })).items.map((r) => r.id)).not.toContain('rb_three');
    expect(await store.runbooks.addVersion(version('rb_three', 2, 'a-first'), '', later)).toBe(false);
    await store.runbooks.insert(record('rb_four', accounts[0]!, 'a-first'), version('rb_four', 1, 'a-first'));
    expect(await store.runbooks.countOf(accounts[0]!)).toBe(2);
  });

  it('resolveRunbook: built-ins for every account, own runbooks by id or name, versions', async () => {
    const { store } = db();
    const builtin = await resolveRunbook(store, accounts[1]!, 'patch-fleet');
    expect(builtin).toMatchObject({ id: 'rb-builtin-patch-fleet', accountId: null, name: 'patch-fleet', version: 1 });
    expect(builtin.runbook.steps).toHaveLength(6);
    expect(await resolveRunbook(store, accounts[0]!, 'rb-builtin-patch-fleet', 1)).toMatchObject({ id: 'rb-builtin-patch-fleet' });
    expect(await resolveRunbook(store, accounts[0]!, 'restart-web')).toMatchObject({ id: 'rb_one', accountId: accounts[0], version: 2 });
    expect((await resolveRunbook(store, accounts[0]!, 'rb_one', 1)).runbook.steps[0]).toMatchObject({ seconds: 5 });
    expect(await resolveRunbook(store, accounts[1]!, 'restart-web')).toMatchObject({ id: 'rb_two' });

    const notFound = async (accountId: string, ref: string, v?: number) => {
      const err = await resolveRunbook(store, accountId, ref, v).catch((e: unknown) => e);
      expect(isAppError(err, 'not_found')).toBe(true);
      return (err as Error).message;
    };
    expect(await notFound(accounts[1]!, 'rb_one')).toMatch(/Runbook "rb_one" is neither built-in nor a runbook of account/);
    expect(await notFound(accounts[0]!, 'rb_one', 3)).toMatch(/has no version 3; its versions are 1 to 2/);
    expect(await notFound(accounts[0]!, 'rb_three')).toMatch(/rb_three/);
    expect(await notFound(accounts[0]!, 'patch-fleet', 2)).toMatch(/only version 1/);
    expect(await notFound(accounts[0]!, 'nothing')).toMatch(/"nothing"/);
  });
});
