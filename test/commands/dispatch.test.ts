/**
 * The dispatcher under concurrency: many dispatches of one command at the same time (results of
 * several nodes arriving together, the sweep, a read) release no more than maxConcurrency — the
 * command row is locked on PostgreSQL, writers are serialised on SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchCommand } from '../../src/server/services/dispatch.js';
import { InvocationNotifier } from '../../src/server/services/invocation-notifier.js';
import { newId, type CommandRecord } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { enrollMany } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] dispatch under concurrency`, () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp(dialect);
    });
    afterAll(async () => {
      await t.close();
    });

    it('concurrent dispatches release exactly maxConcurrency; after a stop nothing is released', async () => {
      const accountId = await t.createAccount('dispatch-race');
      const nodes = await enrollMany(t, accountId, 12, 'race');
      const command: CommandRecord = {
        id: newId('cmd'),
        accountId,
        document: 'Scan',
        parameters: { rebootOption: 'RebootIfNeeded', installOverrideList: [], items: [] },
        targets: { allNodes: true },
        targetCount: nodes.length,
        maxConcurrency: '25%',
        maxErrors: '0',
        comment: '',
        timeoutSeconds: 600,
        createdBy: 'test',
        createdAt: new Date().toISOString(),
        cancelledAt: null,
        status: 'Pending',
      };
      await t.db.store.commands.insert(command, nodes.map((n) => ({ id: newId('inv'), nodeId: n.nodeId })));
      const deps = { store: t.db.store, clock: () => new Date() };
      const notifier = new InvocationNotifier();
      await Promise.all(Array.from({ length: 10 }, () => dispatchCommand(deps, notifier, command.id)));
      const counts = await t.db.store.commands.dispatchCounts(command.id);
      expect(counts).toEqual({ total: 12, inFlight: 3, queued: 9, failed: 0 });

      // One failure (maxErrors 0): concurrent dispatches cancel the waiting ones, and release none.
      const [released] = (await t.db.store.commands.invocations(command.id)).filter((i) => i.releasedAt !== null);
      const now = new Date().toISOString();
      await t.db.store.commands.finish(released!.id, { status: 'Failed', startedAt: now, finishedAt: now, output: 'x', result: { outcomes: [] }, idempotencyKey: 'k-1', response: {} });
      await Promise.all(Array.from({ length: 10 }, () => dispatchCommand(deps, notifier, command.id)));
      expect(await t.db.store.commands.dispatchCounts(command.id)).toEqual({ total: 12, inFlight: 2, queued: 0, failed: 1 });
      const cancelled = (await t.db.store.commands.invocations(command.id)).filter((i) => i.status === 'Cancelled');
      expect(cancelled).toHaveLength(9);
      expect(new Set(cancelled.map((i) => i.output))).toEqual(new Set(['not started: 1 failures exceeded maxErrors 0']));
    });
  });
}
