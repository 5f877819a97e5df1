/**
 * Each step kind through the engine (wait, approve, HTTP check with retries, branch, script check
 * with exit codes), pause/resume/cancel, and executions across accounts with delegations.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { createRunbook, drive, engineFor, enrollMany, execution, poll, reportResult, sleep, startExecution } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] execution steps and control`, () => {
    let t: TestApp;
    let http: Server;
    let healthy = true;
    let hits = 0;
    let port = 0;
    beforeAll(async () => {
      t = await createTestApp(dialect);
      http = createServer((req, res) => {
        hits += 1;
        res.statusCode = healthy ? 200 : 503;
        res.end(healthy ? 'ok' : 'down');
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
      port = (http.address() as AddressInfo).port;
      const put = await t.as(t.adminToken, 'PUT', '/api/v1/automation/settings', { checkAllowedHosts: [`127.0.0.1:${port}`] });
      expect(put.statusCode, put.body).toBe(200);
    });
    afterAll(async () => {
      await new Promise((r) => http.close(r));
      await t.close();
    });

    it('wait waits in the database (wake_at), approve waits for the approval, branch follows a parameter', async () => {
      const accountId = await t.createAccount('ex-kinds');
      const nodes = await enrollMany(t, accountId, 1, 'k');
      await createRunbook(
        t,
        accountId,
        `name: kinds
parameters:
  mode: { type: string, default: approve }
steps:
  - name: pause
    kind: wait
    seconds: 1
  - name: choose
    kind: branch
    choices:
      - when: { parameter: mode, equals: skip }
        goto: last
  - name: gate
    kind: approve
    message: "ok to go on?"
    minApprovals: 1
  - name: last
    kind: patch
    operation: Scan
`,
      );
      const engine = engineFor(t);
      const started = await startExecution(t, accountId, { runbook: 'kinds', targets: { allNodes: true } });
      await engine.runOnce();
      let e = await execution(t, started.id);
      expect(e.steps.map((s) => `${s.stepName}:${s.status}`)).toEqual(['pause:Running']);
      await sleep(1100);
      e = await drive(t, [engine], nodes, started.id, { until: (x) => x.status === 'Waiting' });
      expect(e.status).toBe('Waiting');
      expect(e.currentStep).toBe('gate');
      const pending = await t.as(t.adminToken, 'GET', '/api/v1/approvals');
      expect(pending.json().items).toEqual([expect.objectContaining({ executionId: started.id, stepName: 'gate', message: 'ok to go on?' })]);
      const viewer = await t.createUser('ex-viewer', { memberships: [{ accountId, role: 'viewer' }] });
      const refused = await t.as(viewer.token, 'POST', `/api/v1/executions/${started.id}/approvals`, { decision: 'approve' });
      expect(refused.statusCode).toBe(403);
      const ok = await t.as(t.adminToken, 'POST', `/api/v1/executions/${started.id}/approvals`, { decision: 'approve', comment: 'go' });
      expect(ok.statusCode, ok.body).toBe(200);
      const twice = await t.as(t.adminToken, 'POST', `/api/v1/executions/${started.id}/approvals`, { decision: 'approve' });
      expect(twice.statusCode).toBe(409);
      e = await drive(t, [engine], nodes, started.id);
      expect(e.status).toBe('Success');
      expect(e.steps.map((s) => `${s.stepName}:${s.status}`)).toEqual(['pause:Success', 'choose:Success', 'gate:Success', 'last:Success']);
      expect(e.steps.find((s) => s.stepName === 'gate')!.outputs).toMatchObject({ approvedBy: ['admin'] });

      // The branch on the parameter skips the approval.
      const skipped = await startExecution(t, accountId, { runbook: 'kinds', targets: { allNodes: true }, parameters: { mode: 'skip' } });
      await engine.runOnce();
      await sleep(1100);
      const s2 = await drive(t, [engine], nodes, skipped.id);
      expect(s2.steps.map((s) => s.stepName)).toEqual(['pause', 'choose', 'last']);
      expect(s2.status).toBe('Success');
    });

    it('a denial ends the approve step Denied and the execution Failed', async () => {
      const accountId = await t.createAccount('ex-deny');
      const nodes = await enrollMany(t, accountId, 1, 'd');
      await createRunbook(t, accountId, `name: deny\nsteps:\n  - name: gate\n    kind: approve\n    message: go?\n`);
      const started = await startExecution(t, accountId, { runbook: 'deny', targets: { allNodes: true } });
      const engine = engineFor(t);
      await drive(t, [engine], nodes, started.id, { until: (x) => x.status === 'Waiting' });
      expect((await t.as(t.adminToken, 'POST', `/api/v1/executions/${started.id}/approvals`, { decision: 'deny', comment: 'not today' })).statusCode).toBe(200);
      const e = await drive(t, [engine], nodes, started.id);
      expect(e.status).toBe('Failed');
      expect(e.steps[0]).toMatchObject({ status: 'Denied', output: 'denied by admin: not today' });
    });

    it('an HTTP check retries, then succeeds; a failing check halts (maxFailedChecks 0)', async () => {
      const accountId = await t.createAccount('ex-check');
      const nodes = await enrollMany(t, accountId, 1, 'c');
      await createRunbook(
        t,
        accountId,
        `name: check
parameters:
  url: { type: string }
steps:
  - name: health
    kind: check
    http: { url: "{{ url }}", expectStatus: [200] }
    retries: 2
    intervalSeconds: 1
  - name: after
    kind: patch
    operation: Scan
`,
      );
      const engine = engineFor(t);
      healthy = false;
      hits = 0;
      const started = await startExecution(t, accountId, { runbook: 'check', targets: { allNodes: true }, parameters: { url: `http://127.0.0.1:${port}/health` } });
      await engine.runOnce();
      await engine.runOnce();
      expect(hits).toBe(1);
      healthy = true;
      await sleep(1100);
      const e = await drive(t, [engine], nodes, started.id);
      expect(e.status).toBe('Success');
      expect(e.steps[0]).toMatchObject({ stepName: 'health', status: 'Success', attempt: 2 });
      expect(e.steps[0]!.output).toContain('answered 503');

      healthy = false;
      const failing = await startExecution(t, accountId, { runbook: 'check', targets: { allNodes: true }, parameters: { url: `http://127.0.0.1:${port}/health` } });
      let f = await execution(t, failing.id);
      for (let i = 0; i < 8 && ['Pending', 'Running'].includes(f.status); i++) {
        await engine.runOnce();
        f = await execution(t, failing.id);
        if (['Pending', 'Running'].includes(f.status)) await sleep(1000);
      }
      expect(f.status).toBe('Failed');
      expect(f.reason).toMatch(/^halted: check "health" Failed/);
      expect(f.steps.map((s) => s.stepName)).toEqual(['health']);
      expect(f.steps[0]!.attempt).toBe(3);
      healthy = true;

      // A host not on the allow-list is refused without a request.
      hits = 0;
      const refused = await startExecution(t, accountId, { runbook: 'check', targets: { allNodes: true }, parameters: { url: 'http://127.0.0.2:1/health' }, waves: { maxFailedChecks: 5 } });
      await engine.runOnce();
      await engine.runOnce();
      const r = await execution(t, refused.id);
      expect(r.steps[0]!.output).toContain('not on the HTTP check allow-list');
      expect(hits).toBe(0);
      expect((await t.as(t.adminToken, 'POST', `/api/v1/executions/${refused.id}/cancel`)).statusCode).toBe(200);
    });

    it('a script check passes when every node exits with expectExitCode', async () => {
      const accountId = await t.createAccount('ex-script');
      const nodes = await enrollMany(t, accountId, 2, 's');
      await createRunbook(
        t,
        accountId,
        `name: script
steps:
  - name: probe
    kind: check
    script: { script: "test -f /etc/ready", nodes: all, expectExitCode: 3 }
  - name: fix
    kind: run
    script: "echo fixing"
`,
      );
      const engine = engineFor(t);
      const started = await startExecution(t, accountId, { runbook: 'script', targets: { allNodes: true } });
      const scripts: string[] = [];
      for (let round = 0; round < 20; round++) {
        await engine.runOnce();
        const e = await execution(t, started.id);
        if (e.status === 'Success' || e.status === 'Failed') break;
        for (const node of nodes) {
          for (const inv of await poll(t, node)) {
            expect(inv.document).toBe('RunScript');
            scripts.push((inv.parameters as { script?: string }).script ?? '');
            if ((inv.parameters as { script?: string }).script === 'test -f /etc/ready') await reportResult(t, node, inv.invocationId, 'Failed', 3);
            else await reportResult(t, node, inv.invocationId, 'Success', 0);
          }
        }
      }
      const e = await execution(t, started.id);
      expect(e.status).toBe('Success');
      expect(scripts.sort()).toEqual(['echo fixing', 'echo fixing', 'test -f /etc/ready', 'test -f /etc/ready']);
      const cmd = await t.as(t.adminToken, 'GET', `/api/v1/commands/${e.steps[0]!.commandId}`);
      expect(cmd.json().invocations.map((i: { exitCode: number }) => i.exitCode)).toEqual([3, 3]);
    });

    it('pause stops new steps (running commands go on), resume continues, cancel cancels the commands', async () => {
      const accountId = await t.createAccount('ex-ctl');
      const nodes = await enrollMany(t, accountId, 2, 'p');
      await createRunbook(t, accountId, `name: two\nsteps:\n  - name: a\n    kind: patch\n    operation: Scan\n  - name: b\n    kind: patch\n    operation: Scan\n`);
      const engine = engineFor(t);
      const started = await startExecution(t, accountId, { runbook: 'two', targets: { allNodes: true }, maxConcurrency: '1' });
      await engine.runOnce();
      const paused = await t.as(t.adminToken, 'POST', `/api/v1/executions/${started.id}/pause`);
      expect(paused.statusCode, paused.body).toBe(200);
      expect(paused.json().status).toBe('Paused');
      // The running step's command goes on.
      for (let i = 0; i < 3; i++) {
        for (const node of nodes) for (const inv of await poll(t, node)) await reportResult(t, node, inv.invocationId, 'Success');
        await engine.runOnce();
      }
      let e = await execution(t, started.id);
      expect(e.status).toBe('Paused');
      expect(e.steps.map((s) => `${s.stepName}:${s.status}`)).toEqual(['a:Success']);
      expect((await t.as(t.adminToken, 'POST', `/api/v1/executions/${started.id}/resume`)).json().status).toBe('Running');
      await engine.runOnce();
      e = await execution(t, started.id);
      expect(e.steps.map((s) => `${s.stepName}:${s.status}`)).toEqual(['a:Success', 'b:Running']);
      const cancelled = await t.as(t.adminToken, 'POST', `/api/v1/executions/${started.id}/cancel`);
      expect(cancelled.statusCode, cancelled.body).toBe(200);
      expect(cancelled.json()).toMatchObject({ status: 'Cancelled', reason: 'cancelled by admin' });
      const cmd = await t.as(t.adminToken, 'GET', `/api/v1/commands/${e.steps[1]!.commandId}`);
      expect(cmd.json().status).toBe('Cancelled');
      expect((await t.as(t.adminToken, 'POST', `/api/v1/executions/${started.id}/resume`)).statusCode).toBe(409);
      await engine.runOnce();
      expect((await execution(t, started.id)).status).toBe('Cancelled');
    });

    it('other accounts need a delegation: refused ones are kept Refused; all refused is 403; a revoked delegation refuses the account before its next step', async () => {
      const org = await t.db.store.organizations.get();
      const mgmt = org!.managementAccountId;
      const target = await t.createAccount('ex-target');
      const other = await t.createAccount('ex-other');
      const mgmtNodes = await enrollMany(t, mgmt, 1, 'm');
      const targetNodes = await enrollMany(t, target, 1, 'tg');
      const otherNodes = await enrollMany(t, other, 1, 'ot');
      await createRunbook(t, mgmt, `name: multi\nwaves: { canary: "1", size: "1" }\nsteps:\n  - name: a\n    kind: patch\n    operation: Scan\n  - name: gate\n    kind: approve\n    message: next\n  - name: b\n    kind: patch\n    operation: Scan\n`);
      const grant = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${target}/delegations`, { runbooks: ['multi'], roles: ['org-admin'] });
      expect(grant.statusCode, grant.body).toBe(201);
      const body = { runbook: 'multi', targets: { allNodes: true }, accounts: [{ accountId: mgmt }, { accountId: target }, { accountId: other }] };
      const started = await startExecution(t, mgmt, body);
      expect(started.accounts.map((a) => `${a.accountId === mgmt ? 'mgmt' : a.accountId === target ? 'target' : 'other'}:${a.status}`)).toEqual(['mgmt:Active', 'target:Active', 'other:Refused']);
      expect(started.accounts[1]!.delegationId).toBe(grant.json().id);
      expect(started.accounts[2]!.reason).toContain('patchwarden delegations grant');
      const audit = await t.as(t.adminToken, 'GET', `/api/v1/audit?action=execution.start&limit=50`);
      expect(audit.json().items.some((a: { outcome: string; accountId: string }) => a.outcome === 'denied' && a.accountId === other)).toBe(true);

      const allRefused = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${mgmt}/executions`, { ...body, accounts: [{ accountId: other }] });
      expect(allRefused.statusCode).toBe(403);
      expect(allRefused.body).toContain('no active delegation');

      const engine = engineFor(t);
      const all = [...mgmtNodes, ...targetNodes, ...otherNodes];
      await drive(t, [engine], all, started.id, { until: (x) => x.status === 'Waiting' });
      const revoke = await t.as(t.adminToken, 'POST', `/api/v1/delegations/${grant.json().id as string}/revoke`);
      expect(revoke.statusCode, revoke.body).toBe(200);
      await t.as(t.adminToken, 'POST', `/api/v1/executions/${started.id}/approvals`, { decision: 'approve' });
      const e = await drive(t, [engine], all, started.id);
      expect(e.status).toBe('Success');
      expect(e.accounts.find((a) => a.accountId === target)).toMatchObject({ status: 'Refused' });
      expect(e.accounts.find((a) => a.accountId === target)!.reason).toContain('delegation revoked');
      expect(e.steps.filter((s) => s.stepName === 'b').map((s) => s.accountId)).toEqual([mgmt]);
    });

    it('a step past its timeout ends TimedOut and cancels what its command has not delivered', async () => {
      const accountId = await t.createAccount('ex-timeout');
      const nodes = await enrollMany(t, accountId, 2, 'to');
      await createRunbook(t, accountId, `name: slow\nsteps:\n  - name: scan\n    kind: patch\n    operation: Scan\n    timeoutSeconds: 1\n    maxConcurrency: "1"\n`);
      const engine = engineFor(t);
      const started = await startExecution(t, accountId, { runbook: 'slow', targets: { allNodes: true } });
      await engine.runOnce();
      // One node takes its invocation and never answers; the other waits for rate control.
      const taken = (await Promise.all(nodes.map((n) => poll(t, n)))).flat();
      expect(taken).toHaveLength(1);
      await sleep(1100);
      await engine.runOnce();
      const e = await execution(t, started.id);
      expect(e.status).toBe('Failed');
      expect(e.steps[0]).toMatchObject({ status: 'TimedOut' });
      expect(e.reason).toContain('step "scan" TimedOut');
      const cmd = await t.as(t.adminToken, 'GET', `/api/v1/commands/${e.steps[0]!.commandId}`);
      expect(cmd.json().counts).toEqual({ InProgress: 1, Cancelled: 1 });
    });

    it('accounts fail on their own up to accountMaxErrors; per-account rate control', async () => {
      const org = await t.db.store.organizations.get();
      const mgmt = org!.managementAccountId;
      const other = await t.createAccount('ex-tolerant');
      const mgmtNodes = await enrollMany(t, mgmt, 3, 'tm');
      const otherNodes = await enrollMany(t, other, 2, 'to2');
      await createRunbook(t, mgmt, `name: tolerant\nsteps:\n  - name: a\n    kind: patch\n    operation: Scan\n  - name: b\n    kind: patch\n    operation: Scan\n`);
      const grant = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${other}/delegations`, { runbooks: ['*'], roles: ['org-admin'] });
      expect(grant.statusCode, grant.body).toBe(201);
      const started = await startExecution(t, mgmt, {
        runbook: 'tolerant',
        targets: { allNodes: true },
        accounts: [{ accountId: mgmt, maxConcurrency: '1', targets: { nodeIds: mgmtNodes.map((n) => n.nodeId) } }, { accountId: other }],
        maxConcurrency: '2',
        accountMaxErrors: 1,
      });
      const otherIds = new Set(otherNodes.map((n) => n.nodeId));
      const e = await drive(t, [engineFor(t)], [...mgmtNodes, ...otherNodes], started.id, { decide: (node) => (otherIds.has(node.nodeId) ? 'Failed' : 'Success') });
      expect(e.status).toBe('Success');
      expect(e.reason).toBe('1 account(s) failed (accountMaxErrors 1)');
      expect(e.accounts.map((a) => a.status)).toEqual(['Done', 'Failed']);
      expect(e.steps.map((s) => `${s.stepName}:${s.accountId === mgmt ? 'mgmt' : 'other'}:${s.status}`).sort()).toEqual(['a:mgmt:Success', 'a:other:Failed', 'b:mgmt:Success']);
      const commands = await Promise.all(e.steps.map(async (s) => (await t.as(t.adminToken, 'GET', `/api/v1/commands/${s.commandId}`)).json<{ accountId: string; maxConcurrency: string }>()));
      expect(commands.map((c: { accountId: string; maxConcurrency: string }) => `${c.accountId === mgmt ? 'mgmt' : 'other'}:${c.maxConcurrency}`).sort()).toEqual(['mgmt:1', 'mgmt:1', 'other:2']);
    });
  });
}
