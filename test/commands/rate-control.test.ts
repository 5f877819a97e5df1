/**
 * Rate control over the real agent protocol (shared/reference/aws-ssm-patch-manager.md §7.4): the
 * test enrolls nodes through the API and acts as their agents, polling and reporting; after every
 * poll it counts the invocations delivered and not finished (never more than maxConcurrency), and
 * checks that once failures exceed maxErrors nothing more is delivered and the waiting
 * invocations end Cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { command, enrollMany, poll, report, send, type TestNode } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] rate control: maxConcurrency and maxErrors`, () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await createTestApp(dialect);
    });
    afterAll(async () => {
      await t.close();
    });

    /**
     * Drives a command as its agents: each round every node polls once (the in-flight count is checked
     * after each poll, from the agents' side and from the server's), then every invocation in flight
     * reports, Failed when `fails(n)` says so for the n-th report. Returns what was observed.
     */
    async function drive(accountId: string, nodes: TestNode[], commandId: string, max: number, fails: (n: number) => boolean) {
      const inFlight = new Map<string, TestNode>();
      const delivered: { invocationId: string; round: number }[] = [];
      let reports = 0;
      let peak = 0;
      let stoppedAt: { round: number; released: Set<string> } | undefined;
      for (let round = 0; round < 50; round++) {
        let any = false;
        for (const node of nodes) {
          for (const inv of await poll(t, node)) {
            expect(inv.commandId).toBe(commandId);
            inFlight.set(inv.invocationId, node);
            delivered.push({ invocationId: inv.invocationId, round });
            any = true;
          }
          // The agents' view: delivered and not finished.
          expect(inFlight.size).toBeLessThanOrEqual(max);
          peak = Math.max(peak, inFlight.size);
          // The server's view: released (claimable or delivered) and not ended.
          const c = await command(t, commandId);
          const running = c.invocations.filter((i) => i.status === 'InProgress' || (i.status === 'Pending' && i.releasedAt !== null)).length;
          expect(running).toBeLessThanOrEqual(max);
        }
        if (!any && inFlight.size === 0) break;
        for (const [invocationId, node] of [...inFlight]) {
          reports += 1;
          await report(t, node, invocationId, fails(reports) ? 'Failed' : 'Success');
          inFlight.delete(invocationId);
          const c = await command(t, commandId);
          if (stoppedAt === undefined && c.invocations.some((i) => i.status === 'Cancelled')) {
            stoppedAt = { round, released: new Set(c.invocations.filter((i) => i.releasedAt !== null).map((i) => i.id)) };
          }
        }
      }
      void accountId;
      return { peak, delivered, stoppedAt, final: await command(t, commandId) };
    }

    it('never runs more than maxConcurrency at once, and stops dispatching once failures exceed maxErrors', async () => {
      const accountId = await t.createAccount('rate-stop');
      const nodes = await enrollMany(t, accountId, 6, 'stop');
      const sent = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, maxConcurrency: 2, maxErrors: 1 });
      expect(sent.statusCode, sent.body).toBe(201);
      expect(sent.json()).toMatchObject({ targetCount: 6, maxConcurrency: '2', maxErrors: '1', status: 'Pending' });
      // Two released, four waiting (Pending, not released).
      const waiting = (sent.json().invocations as { releasedAt: string | null }[]).filter((i) => i.releasedAt === null);
      expect(waiting).toHaveLength(4);

      const { peak, delivered, stoppedAt, final } = await drive(accountId, nodes, sent.json().id as string, 2, () => true);
      expect(peak).toBe(2);
      // maxErrors 1: the second failure stops it. The one released in between (by the first failure) still ran.
      expect(stoppedAt).toBeDefined();
      const afterStop = delivered.filter((d) => d.round > stoppedAt!.round);
      for (const d of afterStop) expect(stoppedAt!.released.has(d.invocationId)).toBe(true);
      expect(final.status).toBe('Failed');
      expect(final.counts).toEqual({ Failed: 3, Cancelled: 3 });
      const cancelled = final.invocations.filter((i) => i.status === 'Cancelled');
      for (const i of cancelled) {
        expect(i.releasedAt).toBeNull();
        expect(i.output).toBe('not started: 2 failures exceeded maxErrors 1');
      }
      // Nothing more is delivered, to anyone.
      for (const node of nodes) expect(await poll(t, node)).toEqual([]);
    });

    it('in-flight invocations finish after the stop; successes do not count', async () => {
      const accountId = await t.createAccount('rate-mixed');
      const nodes = await enrollMany(t, accountId, 7, 'mixed');
      const sent = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, maxConcurrency: '3', maxErrors: '1' });
      expect(sent.statusCode, sent.body).toBe(201);
      // Reports 1 and 3 fail (the second failure stops it); the others succeed.
      const { peak, final } = await drive(accountId, nodes, sent.json().id as string, 3, (n) => n === 1 || n === 3);
      expect(peak).toBe(3);
      expect(final.status).toBe('Failed');
      expect(final.counts['Failed']).toBe(2);
      expect(final.counts['Cancelled']).toBeGreaterThan(0);
      expect((final.counts['Success'] ?? 0) + 2 + (final.counts['Cancelled'] ?? 0)).toBe(7);
    });

    it('percentages: 25% of 8 runs 2 at once; maxErrors 25% (2) stops at the third failure', async () => {
      const accountId = await t.createAccount('rate-percent');
      const nodes = await enrollMany(t, accountId, 8, 'pct');
      const sent = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, maxConcurrency: '25%', maxErrors: '25%' });
      expect(sent.statusCode, sent.body).toBe(201);
      const { peak, final } = await drive(accountId, nodes, sent.json().id as string, 2, () => true);
      expect(peak).toBe(2);
      // Failures 1-2 keep it going, the third stops it; the one in flight with it still ends (Failed).
      expect(final.counts).toEqual({ Failed: 4, Cancelled: 4 });
      expect(final.invocations.find((i) => i.status === 'Cancelled')?.output).toBe('not started: 3 failures exceeded maxErrors 25% (2 of 8)');
    });

    it('all succeed: every node runs, never more than maxConcurrency at once', async () => {
      const accountId = await t.createAccount('rate-ok');
      const nodes = await enrollMany(t, accountId, 7, 'ok');
      const sent = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, maxConcurrency: 3 });
      const { peak, final } = await drive(accountId, nodes, sent.json().id as string, 3, () => false);
      expect(peak).toBe(3);
      expect(final).toMatchObject({ status: 'Success', counts: { Success: 7 } });
    });

    it('the default maxErrors 0 stops at the first failure; the default maxConcurrency is 50', async () => {
      const accountId = await t.createAccount('rate-default');
      const nodes = await enrollMany(t, accountId, 3, 'dflt');
      const sent = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, maxConcurrency: 1 });
      expect(sent.json()).toMatchObject({ maxConcurrency: '1', maxErrors: '0' });
      const { final } = await drive(accountId, nodes, sent.json().id as string, 1, () => true);
      expect(final.counts).toEqual({ Failed: 1, Cancelled: 2 });
      const wide = await send(t, accountId, { document: 'Scan', targets: { allNodes: true } });
      expect(wide.json()).toMatchObject({ maxConcurrency: '50', maxErrors: '0' });
      expect((wide.json().invocations as { releasedAt: string | null }[]).every((i) => i.releasedAt !== null)).toBe(true);
    });

    it('cancel ends the waiting and undelivered invocations; the running one finishes', async () => {
      const accountId = await t.createAccount('rate-cancel');
      const nodes = await enrollMany(t, accountId, 4, 'cancel');
      const sent = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, maxConcurrency: 1 });
      const commandId = sent.json().id as string;
      let running: { node: TestNode; invocationId: string } | undefined;
      for (const node of nodes) for (const inv of await poll(t, node)) running = { node, invocationId: inv.invocationId };
      expect(running).toBeDefined();
      const cancelled = await t.as(t.adminToken, 'POST', `/api/v1/commands/${commandId}/cancel`);
      expect(cancelled.statusCode, cancelled.body).toBe(200);
      expect(cancelled.json().counts).toEqual({ InProgress: 1, Cancelled: 3 });
      await report(t, running!.node, running!.invocationId, 'Success');
      for (const node of nodes) expect(await poll(t, node)).toEqual([]);
      expect(await command(t, commandId)).toMatchObject({ status: 'Cancelled', counts: { Success: 1, Cancelled: 3 } });
    });

    it('refuses bad rate limits with 400, naming the field and the accepted forms', async () => {
      const accountId = await t.createAccount('rate-bad');
      await enrollMany(t, accountId, 1, 'bad');
      for (const [field, value] of [['maxConcurrency', 'ten'], ['maxConcurrency', '0'], ['maxConcurrency', '150%'], ['maxErrors', '-1'], ['maxErrors', 2.5]] as const) {
        const res = await send(t, accountId, { document: 'Scan', targets: { allNodes: true }, [field]: value });
        expect(res.statusCode, `${field}=${value}`).toBe(400);
        expect(res.body).toContain(field);
        expect(res.body).toContain('25%');
      }
    });
  });
}
