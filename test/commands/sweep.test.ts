/**
 * The background sweep (src/server/jobs/commands.job.ts): deadlines end invocations and rate
 * control moves on without anyone reading the command or polling. A controlled clock stands in for
 * time passing; the state is read from the store (a read through the API would expire on its own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startCommandsJob, sweepCommands } from '../../src/server/jobs/commands.job.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { until } from '../helpers/processes.js';
import { enrollMany, poll, send } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] the commands sweep`, () => {
    let t: TestApp;
    let offsetMs = 0;
    const clock = () => new Date(Date.now() + offsetMs);

    beforeAll(async () => {
      t = await createTestApp(dialect, { clock });
    });
    afterAll(async () => {
      await t.close();
    });

    const statuses = async (commandId: string) => (await t.db.store.commands.invocations(commandId)).map((i) => i.status).sort();
    const deps = () => ({ store: t.db.store, clock, notifier: t.services.notifier });

    it('a delivered invocation past its deadline ends TimedOut; the next one is released and, never picked up, ends Undeliverable', async () => {
      const accountId = await t.createAccount('sweep-timeouts');
      const nodes = await enrollMany(t, accountId, 2, 'sweep');
      const sent = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, maxConcurrency: 1, maxErrors: 5, timeoutSeconds: 60 });
      const commandId = sent.json().id as string;
      const first = (await poll(t, nodes[0]!)).length + (await poll(t, nodes[1]!)).length;
      expect(first).toBe(1);
      expect(await statuses(commandId)).toEqual(['InProgress', 'Pending']);

      offsetMs += 61_000;
      expect(await sweepCommands(deps())).toMatchObject({ expired: 1 });
      const after = await t.db.store.commands.invocations(commandId);
      expect(after.map((i) => i.status).sort()).toEqual(['Pending', 'TimedOut']);
      // Released by the sweep, with a deadline from its release.
      const next = after.find((i) => i.status === 'Pending')!;
      expect(next.releasedAt).not.toBeNull();
      expect(Date.parse(next.releasedAt!) - Date.parse(next.createdAt)).toBeGreaterThanOrEqual(61_000);

      offsetMs += 61_000;
      await sweepCommands(deps());
      expect(await statuses(commandId)).toEqual(['TimedOut', 'Undeliverable']);
      expect((await t.db.store.commands.get(commandId))?.status).toBe('Failed');
    });

    it('waiting invocations do not expire while they wait; when the failures exceed maxErrors they end Cancelled', async () => {
      const accountId = await t.createAccount('sweep-stop');
      const nodes = await enrollMany(t, accountId, 3, 'stop');
      const sent = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, maxConcurrency: 1, timeoutSeconds: 60 });
      const commandId = sent.json().id as string;
      for (const node of nodes) await poll(t, node);
      // Long past their creation + timeout, the two waiting ones are still waiting: their clock starts at release.
      offsetMs += 30_000;
      await sweepCommands(deps());
      expect(await statuses(commandId)).toEqual(['InProgress', 'Pending', 'Pending']);
      offsetMs += 31_000;
      await sweepCommands(deps());
      const after = await t.db.store.commands.invocations(commandId);
      expect(after.map((i) => i.status).sort()).toEqual(['Cancelled', 'Cancelled', 'TimedOut']);
      expect(after.find((i) => i.status === 'Cancelled')?.output).toBe('not started: 1 failures exceeded maxErrors 0');
    });

    it('the job runs the sweep on its own, holding a database lease', async () => {
      const accountId = await t.createAccount('sweep-job');
      const nodes = await enrollMany(t, accountId, 1, 'job');
      const sent = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, timeoutSeconds: 60 });
      const commandId = sent.json().id as string;
      await poll(t, nodes[0]!);
      offsetMs += 61_000;
      const stop = startCommandsJob({ ...deps(), logger: pino({ level: 'silent' }) }, 'test-holder', 60_000);
      try {
        await until('the job to time the invocation out', async () => ((await statuses(commandId))[0] === 'TimedOut' ? true : undefined), 10_000);
      } finally {
        stop();
      }
      // Another holder is refused the lease while it is held.
      expect(await t.db.store.leases.acquire('job:commands', 'someone-else', clock().toISOString(), new Date(clock().getTime() + 1000).toISOString())).toBe(false);
    });
  });
}
