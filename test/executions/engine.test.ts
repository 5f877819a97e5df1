/**
 * The automation engine over the real agent protocol: the test enrolls nodes and acts as their
 * agents (polling and reporting); the server code (services, engine, rate control) is real. Runs
 * on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { createRunbook, drive, engineFor, enrollMany, startExecution, type Deliveries } from './helpers.js';

const WAVES_RUNBOOK = `name: waves
description: scan all, canary, then the rest in waves
waves: { canary: "1", size: "2", bakeSeconds: 0, maxFailedNodes: "0", maxFailedChecks: 0 }
steps:
  - name: scan
    kind: patch
    operation: Scan
    nodes: all
  - name: canary
    kind: patch
    operation: Scan
    nodes: canary
  - name: rest
    kind: patch
    operation: Scan
    nodes: remaining
`;

for (const dialect of testDialects()) {
  describe(`[${dialect}] executions engine`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(dialect);
    });
    afterAll(async () => {
      await t.close();
    });

    it('runs scan on all, the canary, then the remaining nodes in waves; each node once per step', async () => {
      const accountId = await t.createAccount('ex-waves');
      const nodes = await enrollMany(t, accountId, 5, 'w');
      await createRunbook(t, accountId, WAVES_RUNBOOK);
      const started = await startExecution(t, accountId, { runbook: 'waves', targets: { allNodes: true } });
      expect(started).toMatchObject({ status: 'Pending', runbookName: 'waves', runbookVersion: 1, accounts: [{ accountId, status: 'Active' }] });
      expect(started.accounts[0]!.nodeIds).toHaveLength(5);
      const deliveries: Deliveries = new Map();
      const done = await drive(t, [engineFor(t)], nodes, started.id, { deliveries });
      expect(done.status, JSON.stringify(done, null, 1)).toBe('Success');
      const runs = done.steps.map((s) => `${s.stepName}:${s.wave ?? '-'}:${s.status}`);
      expect(runs).toEqual(['scan:-:Success', 'canary:0:Success', 'rest:1:Success', 'rest:2:Success']);
      // Every node: one invocation for scan, one for its wave (canary or rest).
      for (const n of nodes) expect(deliveries.get(n.nodeId)).toHaveLength(2);
      const canaryNode = [...started.accounts[0]!.nodeIds].sort()[0];
      const canaryRun = done.steps.find((s) => s.stepName === 'canary')!;
      expect(canaryRun.outputs).toMatchObject({ succeeded: 1, failed: 0 });
      expect(deliveries.get(canaryNode!)!.map((d) => d.commandId)).toContain(canaryRun.commandId);
      const timeline = await t.as(t.adminToken, 'GET', `/api/v1/executions/${started.id}/timeline?limit=500`);
      expect(timeline.statusCode).toBe(200);
      const types = (timeline.json().items as { type: string }[]).map((e) => e.type);
      expect(types[0]).toBe('execution.created');
      expect(types).toContain('wave.next');
      expect(types.at(-1)).toBe('execution.ended');
    });

    it('halts when failed nodes exceed maxFailedNodes, leaving later waves untouched', async () => {
      const accountId = await t.createAccount('ex-halt');
      const nodes = await enrollMany(t, accountId, 4, 'h');
      await createRunbook(t, accountId, WAVES_RUNBOOK);
      const started = await startExecution(t, accountId, { runbook: 'waves', targets: { allNodes: true } });
      const canaryNode = [...started.accounts[0]!.nodeIds].sort()[0];
      let scanDone = new Set<string>();
      const done = await drive(t, [engineFor(t)], nodes, started.id, {
        decide: (node) => {
          // The canary's second invocation (its canary Scan) fails.
          if (node.nodeId === canaryNode && scanDone.has(node.nodeId)) return 'Failed';
          scanDone.add(node.nodeId);
          return 'Success';
        },
      });
      expect(done.status).toBe('Failed');
      expect(done.reason).toMatch(/^halted: 1 failed node\(s\) exceed maxFailedNodes 0/);
      expect(done.steps.filter((s) => s.stepName === 'rest')).toEqual([]);
      scanDone = new Set();
    });

    it('a failing step with onFailure continue goes on; goto jumps; abort fails the execution', async () => {
      const accountId = await t.createAccount('ex-onfail');
      const nodes = await enrollMany(t, accountId, 2, 'of');
      await createRunbook(
        t,
        accountId,
        `name: onfail
steps:
  - name: first
    kind: patch
    operation: Scan
    onFailure: continue
  - name: second
    kind: patch
    operation: Scan
    onFailure: { goto: fourth }
  - name: third
    kind: patch
    operation: Scan
  - name: fourth
    kind: patch
    operation: Scan
`,
      );
      const started = await startExecution(t, accountId, { runbook: 'onfail', targets: { allNodes: true } });
      let n = 0;
      // first fails, second fails (goto fourth, third skipped), fourth fails (abort).
      const done = await drive(t, [engineFor(t)], nodes, started.id, { decide: () => (++n > 0 ? 'Failed' : 'Success') });
      expect(done.steps.map((s) => `${s.stepName}:${s.status}`)).toEqual(['first:Failed', 'second:Failed', 'fourth:Failed']);
      expect(done.status).toBe('Failed');
      expect(done.reason).toContain('step "fourth" Failed');
      expect(done.accounts[0]).toMatchObject({ status: 'Failed' });
    });

    it('bakes between waves: the next wave starts only after waves.bakeSeconds (wake_at)', async () => {
      const accountId = await t.createAccount('ex-bake');
      const nodes = await enrollMany(t, accountId, 3, 'b');
      await createRunbook(t, accountId, WAVES_RUNBOOK);
      const started = await startExecution(t, accountId, { runbook: 'waves', targets: { allNodes: true }, waves: { canary: '1', size: '1', bakeSeconds: 1 } });
      const engine = engineFor(t);
      let e = await drive(t, [engine], nodes, started.id, { until: (x) => x.steps.some((s) => s.stepName === 'rest' && s.wave === 1 && s.status === 'Success') });
      await engine.runOnce();
      e = await drive(t, [engine], nodes, started.id, { rounds: 2 });
      // Baking: wave 2 has not started.
      expect(e.steps.filter((s) => s.stepName === 'rest').map((s) => s.wave)).toEqual([1]);
      expect(e.progress.currentWave).toBe(2);
      await new Promise((r) => setTimeout(r, 1100));
      e = await drive(t, [engine], nodes, started.id);
      expect(e.status).toBe('Success');
      expect(e.steps.filter((s) => s.stepName === 'rest').map((s) => s.wave)).toEqual([1, 2]);
    });
  });
}
