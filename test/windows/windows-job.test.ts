/**
 * Acceptance of the windows job with an injected clock (both databases): a run is created once per
 * instance, tasks start inside the window in priority order (same priority together, the next one
 * when all of the previous ended), each not before its jitter, none after the cutoff (SKIPPED with
 * the reason), and the run ends like SSM's (TIMED_OUT when a task still runs at the window's end).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { jobFor, RecorderStarter } from './helpers.js';

const T = (s: string) => new Date(s);

for (const dialect of testDialects()) {
  describe(`[${dialect}] windows job (injected clock)`, () => {
    let t: TestApp;
    let accountId: string;
    let now = T('2026-11-23T00:00:00Z');
    const clock = () => now;

    beforeAll(async () => {
      t = await createTestApp(dialect, { clock });
      accountId = await t.createAccount('windows-job');
    });
    afterAll(async () => {
      await t.close();
    });

    const createWindow = async (body: Record<string, unknown>) => {
      const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/windows`, { targets: { targets: { allNodes: true } }, ...body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string; tasks: { id: string; name: string }[]; nextStart: string }>();
    };

    it('tasks start inside the window, in priority order, none after the cutoff', async () => {
      // Sundays 02:00 Berlin (01:00Z in winter), 4 hours, cutoff 1 hour: tasks may start 01:00Z–04:00Z.
      const w = await createWindow({
        name: 'sunday-night',
        schedule: 'cron(0 2 ? * SUN *)',
        timezone: 'Europe/Berlin',
        durationHours: 4,
        cutoffHours: 1,
        jitterSeconds: 300,
        tasks: [
          { name: 'scan', priority: 0, kind: 'patch', operation: 'Scan' },
          { name: 'scan-2', priority: 0, kind: 'patch', operation: 'Scan' },
          { name: 'patch', priority: 1, kind: 'runbook', runbook: 'patch-fleet', parameters: { bakeSeconds: 60 } },
          { name: 'report', priority: 2, kind: 'patch', operation: 'Scan' },
        ],
      });
      expect(w.nextStart).toBe('2026-11-29T01:00:00.000Z');
      const rec = new RecorderStarter(clock);
      const job = jobFor(t, 'replica-a', clock, rec);
      const tick = async (iso: string) => {
        now = T(iso);
        return job.runOnce(now);
      };

      // Before the start: nothing.
      expect((await tick('2026-11-29T00:59:59Z')).runsCreated).toBe(0);
      expect(rec.starts).toEqual([]);

      // From the start, a tick a minute: the two priority-0 tasks start, each at or after its jitter.
      for (let m = 0; m <= 5; m++) await tick(`2026-11-29T01:0${m}:00Z`);
      expect(rec.starts.map((s) => s.task).sort()).toEqual(['scan', 'scan-2']);
      let runs = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}/runs`)).json();
      expect(runs.total).toBe(1);
      const run = runs.items[0];
      expect(run).toMatchObject({ status: 'IN_PROGRESS', scheduledStart: '2026-11-29T01:00:00.000Z', cutoffAt: '2026-11-29T04:00:00.000Z', endAt: '2026-11-29T05:00:00.000Z' });
      for (const s of rec.starts) {
        const task = run.tasks.find((x: { name: string }) => x.name === s.task);
        expect(s.at.getTime()).toBeGreaterThanOrEqual(Date.parse(task.notBefore));
        expect(Date.parse(task.notBefore) - Date.parse(run.scheduledStart)).toBeLessThan(300_000);
        expect(task.commandId).toBe(s.ref.id);
      }

      // Priority 1 waits while one of priority 0 still runs.
      rec.finish('scan', 'success');
      await tick('2026-11-29T01:30:00Z');
      expect(rec.starts.map((s) => s.task)).not.toContain('patch');
      rec.finish('scan-2', 'success');
      await tick('2026-11-29T01:31:00Z');
      await tick('2026-11-29T01:32:00Z');
      expect(rec.starts.map((s) => s.task)).toContain('patch');
      const patch = rec.starts.find((s) => s.task === 'patch')!;
      expect(patch.spec).toMatchObject({ kind: 'runbook', runbook: 'patch-fleet', parameters: { bakeSeconds: 60 }, targets: { allNodes: true } });

      // The runbook runs past the cutoff: priority 2 never starts, it ends SKIPPED with the reason.
      await tick('2026-11-29T03:59:59Z');
      expect(rec.starts.map((s) => s.task)).not.toContain('report');
      await tick('2026-11-29T04:00:00Z');
      expect(rec.starts.map((s) => s.task)).not.toContain('report');
      runs = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}/runs`)).json();
      const report = runs.items[0].tasks.find((x: { name: string }) => x.name === 'report');
      expect(report).toMatchObject({ status: 'SKIPPED', reason: 'not started before the cutoff at 2026-11-29T04:00:00.000Z' });
      expect(runs.items[0].status).toBe('IN_PROGRESS');

      // Every start happened inside [start, cutoff), in priority order.
      for (const s of rec.starts) {
        expect(s.at.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-11-29T01:00:00Z'));
        expect(s.at.getTime()).toBeLessThan(Date.parse('2026-11-29T04:00:00Z'));
      }
      const priorities = rec.starts.map((s) => s.priority);
      expect(priorities).toEqual([...priorities].sort((a, b) => a - b));

      // The window ends with the runbook still running: TIMED_OUT (the execution goes on).
      await tick('2026-11-29T05:00:00Z');
      runs = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}/runs`)).json();
      expect(runs.items[0]).toMatchObject({ status: 'TIMED_OUT' });
      expect(runs.items[0].tasks.find((x: { name: string }) => x.name === 'patch')).toMatchObject({ status: 'TIMED_OUT', executionId: patch.ref.id });
      expect(rec.starts).toHaveLength(3);

      // A tick much later creates no run for the past instance; the next Sunday has its own.
      await tick('2026-12-06T01:00:00Z');
      runs = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}/runs`)).json();
      expect(runs.items.map((r: { scheduledStart: string }) => r.scheduledStart)).toEqual(['2026-12-06T01:00:00.000Z', '2026-11-29T01:00:00.000Z']);
      await t.as(t.adminToken, 'PUT', `/api/v1/windows/${w.id}`, {
        name: 'sunday-night',
        schedule: 'cron(0 2 ? * SUN *)',
        timezone: 'Europe/Berlin',
        durationHours: 4,
        cutoffHours: 1,
        enabled: false,
        targets: { targets: { allNodes: true } },
      });
    });

    it('one run per instance across replicas; the lease keeps a second replica out', async () => {
      const w = await createWindow({ name: 'daily', schedule: '0 3 * * *', timezone: 'UTC', durationHours: 2, cutoffHours: 0, tasks: [{ name: 'scan', kind: 'patch', operation: 'Scan' }] });
      const recA = new RecorderStarter(clock);
      const recB = new RecorderStarter(clock);
      const a = jobFor(t, 'replica-a', clock, recA);
      const b = jobFor(t, 'replica-b', clock, recB);
      now = T('2026-12-07T03:00:00Z');
      expect((await a.runOnce(now)).leased).toBe(true);
      expect((await b.runOnce(now)).leased).toBe(false);
      // Replica A stops without releasing; after the lease B takes over and creates no second run.
      now = T('2026-12-07T03:05:00Z');
      const r = await b.runOnce(now);
      expect(r.leased).toBe(true);
      expect(r.runsCreated).toBe(0);
      const runs = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}/runs`)).json();
      expect(runs.total).toBe(1);
      expect(recA.starts.map((s) => s.task)).toEqual(['scan']);
      expect(recB.starts).toEqual([]);
      // B follows the task A started.
      recB.outcomes.set(recA.starts[0]!.ref.id, 'success');
      await b.runOnce(T('2026-12-07T03:06:00Z'));
      expect((await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}/runs`)).json().items[0]).toMatchObject({ status: 'SUCCESS', endedAt: '2026-12-07T03:06:00.000Z' });
      await t.as(t.adminToken, 'DELETE', `/api/v1/windows/${w.id}`);
    });

    it('a task that cannot start fails with the reason; the run fails; overlapping instances are skipped', async () => {
      const w = await createWindow({
        name: 'hourly',
        schedule: 'rate(1 hour)',
        startDate: '2026-12-08T00:00:00Z',
        durationHours: 2,
        cutoffHours: 1,
        tasks: [
          { name: 'patch', priority: 0, kind: 'runbook', runbook: 'patch-fleet' },
          { name: 'scan', priority: 1, kind: 'patch', operation: 'Scan' },
        ],
      });
      const rec = new RecorderStarter(clock);
      const job = jobFor(t, 'replica-b', clock, rec);
      rec.failNext = 'patch';
      now = T('2026-12-08T00:00:00Z');
      await job.runOnce(now);
      now = T('2026-12-08T00:00:30Z');
      await job.runOnce(now);
      let runs = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}/runs`)).json();
      expect(runs.items[0].tasks[0]).toMatchObject({ name: 'patch', status: 'FAILED', reason: 'could not start: runbook "patch-fleet" refused' });
      // The next priority still runs (the failure is recorded on the run).
      expect(rec.starts.map((s) => s.task)).toEqual(['scan']);
      // 01:00 starts a new instance while the first still runs: SKIPPED_OVERLAPPING.
      now = T('2026-12-08T01:00:00Z');
      await job.runOnce(now);
      runs = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}/runs`)).json();
      expect(runs.items[0]).toMatchObject({ scheduledStart: '2026-12-08T01:00:00.000Z', status: 'SKIPPED_OVERLAPPING' });
      expect(runs.items[0].reason).toContain(runs.items[1].id);
      rec.finish('scan', 'success');
      await job.runOnce(T('2026-12-08T01:01:00Z'));
      runs = (await t.as(t.adminToken, 'GET', `/api/v1/windows/${w.id}/runs`)).json();
      expect(runs.items[1]).toMatchObject({ status: 'FAILED', reason: 'task(s) failed: patch' });
      await t.as(t.adminToken, 'DELETE', `/api/v1/windows/${w.id}`);
    });
  });
}
