/**
 * The precomputed patch summary (patch_name_summary, migration 0012): after every kind of change
 * (first evaluation, a differential state change, deregistration, a new node, a second account, a
 * deleted node, a deleted account) the summary read from the table is identical to the live
 * aggregate over the states, for every sort, scope and page; changes mark exactly the accounts they
 * touch; a refresh leaves a mark that a change made meanwhile; the compliance job refreshes.
 */
import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import type { PatchStateRecord } from '../../src/domain/compliance/model.js';
import { createStore, openDatabase, type Store } from '../../src/store/index.js';
import type { PatchFilter } from '../../src/store/compliance.repository.js';
import { describeEachDatabase, type TestDatabase } from '../helpers/databases.js';
import { debianInventory, patchState } from './helpers.js';
import pino from 'pino';
import { startComplianceJob } from '../../src/server/jobs/compliance.job.js';
import type { ComplianceService } from '../../src/server/services/compliance.service.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- raw rows */

const SORTS: Record<string, string> = { name: 'name', nodes: 'nodes', missing: 'state_MISSING', severity: 'severity_rank', overdue: 'overdue' };

const st = (name: string, s: PatchStateRecord['state'], extra: Partial<PatchStateRecord> = {}): PatchStateRecord => patchState(name, s, { cves: [], advisoryIds: [], ...extra });

/** Table and live answers for every sort (both directions) and a few pages: they must be identical. */
async function expectSame(store: Store, scope: PatchFilter): Promise<number> {
  let total = -1;
  for (const key of Object.keys(SORTS)) {
    for (const sort of [key, `-${key}`]) {
      for (const [limit, offset] of [[50, 0], [2, 0], [2, 2], [3, 1]] as const) {
        const page = { limit, offset, sort };
        const fromTable = await store.compliance.patchSummary(scope, page);
        const live = await store.compliance.patchSummaryLive(scope, page, SORTS[key]!, sort.startsWith('-') ? 'desc' : 'asc');
        expect(fromTable, `${sort} ${limit}/${offset}`).toEqual(live);
        total = fromTable.total;
      }
    }
  }
  return total;
}

async function dirtyAccounts(store: Store): Promise<string[]> {
  const rows = await sql<{ account_id: string }>`select account_id from patch_summary_dirty order by account_id`.execute(store.compliance['db' as keyof typeof store.compliance] as unknown as Kysely<any>);
  return rows.rows.map((r) => r.account_id);
}

describeEachDatabase('patch summary table', (db) => {
  const [x, y] = ['acct_ps_x', 'acct_ps_y'];
  let store: Store;
  let options: TestDatabase['options'];
  const now = '2026-03-01T00:00:00.000Z';
  const all: PatchFilter = { accounts: 'all' };

  const addNode = async (id: string, accountId: string): Promise<void> => {
    await store.nodes.insert({ id, accountId, activationId: null, secretHash: 'x', hostname: id, platform: debianInventory(id, []).platform, agentVersion: '0.1.0', tags: {}, now });
  };
  /** An evaluation's write: only the differences against the stored states. */
  const evaluate = async (entries: { nodeId: string; accountId: string; states: PatchStateRecord[] }[]): Promise<void> => {
    const prior = await store.compliance.priorStates(entries.map((e) => e.nodeId));
    await store.transaction((tx) => tx.compliance.replaceStates(entries, now, prior));
  };
  const expectAllScopes = async (): Promise<void> => {
    await expectSame(store, all);
    await expectSame(store, { accounts: [x] });
    await expectSame(store, { accounts: [x, y] });
    await expectSame(store, { accounts: 'all', accountId: y });
    await expectSame(store, { accounts: [] });
    expect(await dirtyAccounts(store)).toEqual([]);
  };

  beforeAll(async () => {
    store = db().store;
    options = db().options;
    const org = await store.organizations.insert({ id: 'org_ps', name: 'org', managementAccountId: x, now });
    for (const id of [x, y]) await store.accounts.insert({ organizationId: org.id, name: id, description: '', now, id });
    for (const id of ['node_ps_a', 'node_ps_b', 'node_ps_c']) await addNode(id, x);
  });

  it('stays identical to the live aggregate through every kind of change', async () => {
    // First evaluation (full replace).
    await store.transaction((tx) =>
      tx.compliance.replaceStates(
        [
          { nodeId: 'node_ps_a', accountId: x, states: [st('openssl', 'MISSING', { cves: ['CVE-2024-2', 'CVE-2024-1'], severity: 'critical', complianceLevel: 'CRITICAL', overdue: true, dueAt: '2026-02-01T00:00:00.000Z' }), st('curl', 'INSTALLED', { cves: ['CVE-2023-9'] }), st('bash', 'NOT_APPLICABLE', { dueAt: null })] },
          { nodeId: 'node_ps_b', accountId: x, states: [st('openssl', 'FAILED', { cves: ['CVE-2024-1', 'CVE-2024-3'], severity: 'low', dueAt: '2026-01-20T00:00:00.000Z' }), st('zlib1g', 'MISSING', { severity: 'medium', complianceLevel: 'LOW' }), st('curl', 'MISSING')] },
          { nodeId: 'node_ps_c', accountId: x, states: [st('openssl', 'INSTALLED_PENDING_REBOOT'), { ...st('openssl', 'MISSING'), arch: 'i386' }, st('tzdata', 'AVAILABLE_SECURITY_UPDATE', { severity: 'none' }), st('libc6', 'INSTALLED_REJECTED')] },
        ],
        now,
      ),
    );
    expect(await dirtyAccounts(store)).toEqual([x]);
    expect(await expectSame(store, all)).toBe(6);
    await expectAllScopes();

    // An evaluation that writes nothing marks nothing.
    const prior = await store.compliance.priorStates(['node_ps_a']);
    await store.transaction((tx) => tx.compliance.replaceStates([{ nodeId: 'node_ps_a', accountId: x, states: prior.get('node_ps_a')!.filter((s) => s.state !== 'INSTALLED_OTHER') }], now, prior));
    expect(await dirtyAccounts(store)).toEqual([]);

    // A state change on one node (and a patch gone from it).
    await evaluate([{ nodeId: 'node_ps_b', accountId: x, states: [st('openssl', 'INSTALLED', { cves: ['CVE-2024-1', 'CVE-2024-3'] }), st('zlib1g', 'MISSING', { severity: 'high', overdue: true })] }]);
    expect(await dirtyAccounts(store)).toEqual([x]);
    await expectAllScopes();

    // A deregistered node.
    await store.transaction((tx) => tx.nodes.deregister('node_ps_c', now));
    expect(await dirtyAccounts(store)).toEqual([x]);
    await expectAllScopes();

    // A new node, and a second account (the same names and a name of its own).
    await addNode('node_ps_d', x);
    await addNode('node_ps_y1', y);
    await addNode('node_ps_y2', y);
    await evaluate([
      { nodeId: 'node_ps_d', accountId: x, states: [st('curl', 'FAILED', { cves: ['CVE-2023-9', 'CVE-2025-1'] })] },
      { nodeId: 'node_ps_y1', accountId: y, states: [st('openssl', 'MISSING', { cves: ['CVE-2024-9'], severity: 'high', dueAt: '2025-12-01T00:00:00.000Z' }), st('vim', 'MISSING')] },
      { nodeId: 'node_ps_y2', accountId: y, states: [st('openssl', 'MISSING', { overdue: true }), st('curl', 'INSTALLED')] },
    ]);
    expect(await dirtyAccounts(store)).toEqual([x, y]);
    // Account scoping: y's read refreshes only y; x's names and CVEs never show in y's answer.
    const ys = await store.compliance.patchSummary({ accounts: [y] }, { limit: 50, offset: 0, sort: 'name' });
    expect(ys.items.map((i) => i.name)).toEqual(['curl', 'openssl', 'vim']);
    expect(ys.items.find((i) => i.name === 'openssl')?.cves).toEqual(['CVE-2024-9']);
    expect(await dirtyAccounts(store)).toEqual([x]);
    await expectAllScopes();
    const both = await store.compliance.patchSummary(all, { limit: 50, offset: 0, sort: 'name' });
    expect(both.items.find((i) => i.name === 'openssl')?.nodes).toBe(4);

    // A deleted node (the cascade takes its states; the trigger marks the account).
    const handle = openDatabase({ ...options, poolSize: 1 });
    try {
      await (handle.db as unknown as Kysely<any>).deleteFrom('nodes').where('id', '=', 'node_ps_y2').execute();
    } finally {
      await handle.close();
    }
    expect(await dirtyAccounts(store)).toEqual([y]);
    await expectAllScopes();

    // A deleted account: its rows and marks go with it.
    await evaluate([{ nodeId: 'node_ps_y1', accountId: y, states: [st('vim', 'INSTALLED')] }]);
    await store.transaction((tx) => tx.accounts.delete(y));
    expect(await dirtyAccounts(store)).toEqual([]);
    await expectAllScopes();
    const left = await store.compliance.patchSummary(all, { limit: 50, offset: 0, sort: 'name' });
    expect(left.items.map((i) => i.name)).not.toContain('vim');
  });

  it('marks again on every change (the version a refresh compares), and refreshes given accounts on demand', async () => {
    await evaluate([{ nodeId: 'node_ps_a', accountId: x, states: [st('openssl', 'INSTALLED')] }]);
    expect(await dirtyAccounts(store)).toEqual([x]);
    const kdb = store.compliance['db' as keyof typeof store.compliance] as unknown as Kysely<any>;
    const before = await kdb.selectFrom('patch_summary_dirty').select('version').where('account_id', '=', x).executeTakeFirstOrThrow();
    // A second change marks again: the version moves on.
    await evaluate([{ nodeId: 'node_ps_a', accountId: x, states: [st('openssl', 'MISSING')] }]);
    const after = await kdb.selectFrom('patch_summary_dirty').select('version').where('account_id', '=', x).executeTakeFirstOrThrow();
    expect(Number(after.version)).toBe(Number(before.version) + 1);
    expect(await store.compliance.refreshPatchSummary()).toBe(1);
    expect(await dirtyAccounts(store)).toEqual([]);
    expect(await store.compliance.refreshPatchSummary()).toBe(0);
    expect(await store.compliance.refreshPatchSummary([x])).toBe(1);
    await expectAllScopes();
  });

  it('refreshes concurrently without harm (PostgreSQL: one refresh per account at a time)', async () => {
    if (db().dialect !== 'postgres') return;
    await evaluate([{ nodeId: 'node_ps_a', accountId: x, states: [st('openssl', 'FAILED'), st('git', 'MISSING')] }]);
    const handles = [openDatabase({ ...options, poolSize: 2 }), openDatabase({ ...options, poolSize: 2 })];
    try {
      const stores = handles.map((h) => createStore(h));
      const done = await Promise.all([...stores.map((s) => s.compliance.refreshPatchSummary()), ...stores.map((s) => s.compliance.refreshPatchSummary([x]))]);
      // The forced ones always recompute; of the two driven by the mark, at most one finds it (the other waits, then finds it gone).
      expect(done.slice(2)).toEqual([1, 1]);
      expect(done[0]! + done[1]!).toBeLessThanOrEqual(1);
      expect(await dirtyAccounts(store)).toEqual([]);
      await expectAllScopes();
    } finally {
      for (const h of handles) await h.close();
    }
  });

  it('is refreshed by the compliance job after its pass', async () => {
    await evaluate([{ nodeId: 'node_ps_a', accountId: x, states: [st('git', 'INSTALLED')] }]);
    expect(await dirtyAccounts(store)).toEqual([x]);
    const compliance = { reevaluateStale: () => Promise.resolve({ evaluated: 0, unknown: 0, historyEntries: 0 }) } as unknown as ComplianceService;
    const job = startComplianceJob({ store, clock: () => new Date(), logger: pino({ level: 'silent' }), compliance }, 'test-holder', 60_000);
    try {
      await job.runOnce();
    } finally {
      job.stop();
    }
    expect(await dirtyAccounts(store)).toEqual([]);
    const rows = await (store.compliance['db' as keyof typeof store.compliance] as unknown as Kysely<any>).selectFrom('patch_name_summary').select('name').where('account_id', '=', x).where('name', '=', 'git').execute();
    expect(rows).toHaveLength(1);
  });
});
