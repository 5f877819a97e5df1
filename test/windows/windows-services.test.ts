/**
 * The windows job with its real task starter (both databases): a patch task sends a command through
 * `commands.sendAsSystem` (audited as the system, the window as source), the node runs it over the
 * real agent protocol, the task and run follow the command; the next priority's runbook task
 * starts an execution through `executions.startSystem` with the window as source; a policy scan
 * sends a Scan to the nodes the policy governs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { enrollMany, poll, report, type TestNode } from '../commands/helpers.js';
import { jobFor } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] windows job with the real services`, () => {
    let t: TestApp;
    let accountId: string;
    let nodes: TestNode[];
    let now = new Date('2026-12-01T00:00:00Z');
    const clock = () => now;

    beforeAll(async () => {
      t = await createTestApp(dialect, { clock });
      accountId = await t.createAccount('windows-real');
      nodes = await enrollMany(t, accountId, 2, 'wr', { Env: 'prod' });
    });
    afterAll(async () => {
      await t.close();
    });

    it('patch task → command (system, window source); runbook task → execution with the window as source', async () => {
      const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/windows`, {
        name: 'nightly',
        schedule: '0 1 * * *',
        durationHours: 3,
        cutoffHours: 1,
        targets: { targets: { tags: [{ key: 'Env', values: ['prod'] }] } },
        tasks: [
          { name: 'scan', priority: 0, kind: 'patch', operation: 'Scan', maxConcurrency: '1' },
          { name: 'fleet', priority: 1, kind: 'runbook', runbook: 'patch-fleet' },
        ],
      });
      expect(res.statusCode, res.body).toBe(201);
      const windowId = String(res.json().id);
      const job = jobFor(t, 'real', clock);
      now = new Date('2026-12-01T01:00:00Z');
      await job.runOnce(now);
      let run = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${windowId}/runs`)).json().items[0];
      const scan = run.tasks.find((x: { name: string }) => x.name === 'scan');
      expect(scan, JSON.stringify(run)).toMatchObject({ status: 'IN_PROGRESS' });
      const commandId = String(scan.commandId);
      const command = (await t.as(t.adminToken, 'GET', `/api/v1/commands/${commandId}`)).json();
      expect(command).toMatchObject({ document: 'Scan', targetCount: 2, maxConcurrency: '1' });
      expect(command.comment).toContain('task scan');
      const audit = (await t.as(t.adminToken, 'GET', '/api/v1/audit?action=command.send&limit=5')).json();
      expect(audit.items.find((e: { targetId: string }) => e.targetId === commandId)).toMatchObject({ actorType: 'system', actorName: 'system' });

      // The nodes run the Scan one at a time (rate control of the task); the task follows the command.
      for (let round = 0; round < 2; round++) {
        for (const node of nodes) for (const inv of await poll(t, node)) await report(t, node, inv.invocationId, 'Success');
      }
      now = new Date('2026-12-01T01:05:00Z');
      await job.runOnce(now);
      run = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${windowId}/runs`)).json().items[0];
      expect(run.tasks.find((x: { name: string }) => x.name === 'scan')).toMatchObject({ status: 'SUCCESS' });
      const fleet = run.tasks.find((x: { name: string }) => x.name === 'fleet');
      expect(fleet, JSON.stringify(fleet)).toMatchObject({ status: 'IN_PROGRESS' });
      const execution = (await t.as(t.adminToken, 'GET', `/api/v1/executions/${String(fleet.executionId)}`)).json();
      expect(execution).toMatchObject({ accountId, runbookName: 'patch-fleet', source: { kind: 'window', id: windowId } });
    });

    it('a policy scan sends a Scan to the nodes the policy governs', async () => {
      const created = await t.as(t.adminToken, 'POST', '/api/v1/policies', { name: 'prod', priority: 1, baselines: {}, targets: { accounts: [accountId], tags: [{ key: 'Env', values: ['prod'] }] }, scan: { schedule: '0 6 * * *' } });
      expect(created.statusCode, created.body).toBe(201);
      const job = jobFor(t, 'real', clock);
      now = new Date('2026-12-01T06:00:00Z');
      await job.runOnce(now);
      const runs = (await t.as(t.adminToken, 'GET', `/api/v1/policies/${String(created.json().id)}/runs`)).json();
      expect(runs.items).toHaveLength(1);
      const task = runs.items[0].tasks[0];
      expect(task, JSON.stringify(runs.items[0])).toMatchObject({ status: 'IN_PROGRESS', accountId });
      const command = (await t.as(t.adminToken, 'GET', `/api/v1/commands/${String(task.commandId)}`)).json();
      expect(command).toMatchObject({ document: 'Scan', targetCount: 2 });
      expect(command.targets.nodeIds.sort()).toEqual(nodes.map((n) => n.nodeId).sort());
    });
  });
}
