/**
 * The command side of executions: RunScript validation and results (exit codes, no compliance
 * evaluation), `CommandsService.sendAsSystem` (audited as system), `ExecutionsService.startSystem`
 * (source window/policy), and Install steps of one execution sharing one frozen snapshot per account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { inventory, pkg, update } from '../nodes/helpers.js';
import { createRunbook, drive, engineFor, enrollMany, execution, poll, reportResult } from './helpers.js';

for (const dialect of testDialects()) {
  describe(`[${dialect}] RunScript, system sends and Install snapshots of executions`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(dialect);
    });
    afterAll(async () => {
      await t.close();
    });

    it('RunScript needs parameters.script and takes no install parameters; Scan and Install take no script', async () => {
      const accountId = await t.createAccount('rs-valid');
      await enrollMany(t, accountId, 1, 'rv');
      const send = (body: Record<string, unknown>) => t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/commands`, { targets: { allNodes: true }, ...body });
      const missing = await send({ document: 'RunScript' });
      expect(missing.statusCode).toBe(400);
      expect(missing.body).toContain('parameters.script');
      const install = await send({ document: 'RunScript', parameters: { script: 'true', installOverrideList: [{ name: 'a', version: '1' }] } });
      expect(install.statusCode).toBe(400);
      expect(install.body).toContain('installs nothing');
      const scanScript = await send({ document: 'Scan', parameters: { script: 'true' } });
      expect(scanScript.statusCode).toBe(400);
      expect(scanScript.body).toContain('parameters.script is for RunScript');
      const ok = await send({ document: 'RunScript', parameters: { script: 'uptime' } });
      expect(ok.statusCode, ok.body).toBe(201);
      expect(ok.json()).toMatchObject({ document: 'RunScript', parameters: { script: 'uptime' } });
    });

    it('a RunScript result stores the exit code and evaluates no compliance', async () => {
      const accountId = await t.createAccount('rs-result');
      const [node] = await enrollMany(t, accountId, 1, 'rr');
      const sent = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/commands`, { document: 'RunScript', targets: { allNodes: true }, parameters: { script: 'exit 7' } });
      const [inv] = await poll(t, node!);
      expect(inv!.document).toBe('RunScript');
      await reportResult(t, node!, inv!.invocationId, 'Failed', 7);
      const cmd = await t.as(t.adminToken, 'GET', `/api/v1/commands/${sent.json().id as string}`);
      expect(cmd.json().invocations[0]).toMatchObject({ status: 'Failed', exitCode: 7 });
      // The enrollment's evaluations only: none for the script's command.
      const history = await t.db.store.compliance.history(node!.nodeId, { limit: 50, offset: 0, sort: '-at' });
      expect(history.items.filter((h) => h.commandId === sent.json().id)).toEqual([]);
    });

    it('sendAsSystem validates like send and is audited as system with its source', async () => {
      const accountId = await t.createAccount('rs-system');
      await enrollMany(t, accountId, 2, 'sy');
      const cmd = await t.services.commands.sendAsSystem(accountId, { document: 'Scan', targets: { allNodes: true }, maxConcurrency: '1' }, { createdBy: 'window nightly', source: 'window mw_1' });
      expect(cmd).toMatchObject({ document: 'Scan', createdBy: 'window nightly', targetCount: 2, maxConcurrency: '1' });
      await expect(t.services.commands.sendAsSystem(accountId, { document: 'RunScript', targets: { allNodes: true } }, { createdBy: 'x', source: 'y' })).rejects.toThrow(/parameters\.script/);
      const audit = await t.as(t.adminToken, 'GET', `/api/v1/audit?action=command.send&accountId=${accountId}`);
      expect(audit.json().items[0]).toMatchObject({ actorType: 'system', actorName: 'system', targetId: cmd.id, details: expect.objectContaining({ source: 'window mw_1', createdBy: 'window nightly' }) });
    });

    it('startSystem starts an execution with its source; the engine runs it', async () => {
      const accountId = await t.createAccount('rs-start-system');
      const nodes = await enrollMany(t, accountId, 2, 'ss');
      await createRunbook(t, accountId, `name: scan-all\nsteps:\n  - name: scan\n    kind: patch\n    operation: Scan\n`);
      const { executionId } = await t.services.executions.startSystem({ ownerAccountId: accountId, runbook: 'scan-all', targets: { allNodes: true }, startedBy: 'window nightly', starterRole: 'admin', source: { kind: 'window', id: 'mw_1' } });
      const e = await drive(t, [engineFor(t)], nodes, executionId);
      expect(e).toMatchObject({ status: 'Success', source: { kind: 'window', id: 'mw_1' }, createdBy: 'window nightly' });
      const audit = await t.as(t.adminToken, 'GET', `/api/v1/audit?action=execution.start&accountId=${accountId}`);
      expect(audit.json().items[0]).toMatchObject({ actorType: 'system', targetId: executionId });
      await expect(t.services.executions.startSystem({ ownerAccountId: accountId, runbook: 'nope', targets: { allNodes: true }, startedBy: 'w', starterRole: 'admin', source: { kind: 'policy', id: 'pp_1' } })).rejects.toThrow(/Runbook "nope"/);
    });

    it('Install steps of one execution install one snapshot per account, frozen by the first', async () => {
      const accountId = await t.createAccount('rs-install');
      const nodes = await enrollMany(t, accountId, 3, 'in');
      for (const n of nodes) {
        const res = await t.as(n.credential, 'PUT', '/api/v1/agent/inventory', inventory(n.hostname, [pkg('openssl', '3.0.11-1')], [update('openssl', '3.0.11-1', '3.0.15-1', true)]));
        expect(res.statusCode, res.body).toBe(200);
      }
      await createRunbook(
        t,
        accountId,
        `name: install-waves
waves: { canary: "1", size: "1" }
steps:
  - name: installCanary
    kind: patch
    operation: Install
    nodes: canary
  - name: installRest
    kind: patch
    operation: Install
    nodes: remaining
`,
      );
      const started = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/executions`, { runbook: 'install-waves', targets: { allNodes: true } });
      expect(started.statusCode, started.body).toBe(201);
      const items: string[] = [];
      const e = await drive(t, [engineFor(t)], nodes, started.json().id as string, {
        decide: (_n, inv) => {
          items.push(inv.parameters.items.map((i) => `${i.name}=${i.version}`).join(','));
          return 'Success';
        },
      });
      expect(e.status).toBe('Success');
      expect(e.steps.map((s) => `${s.stepName}:${s.wave}`)).toEqual(['installCanary:0', 'installRest:1', 'installRest:2']);
      const snapshots = new Set(e.steps.map((s) => s.outputs.snapshotId));
      expect(snapshots.size).toBe(1);
      expect([...snapshots][0]).toMatch(/^snap_/);
      expect(items).toEqual(['openssl=3.0.15-1', 'openssl=3.0.15-1', 'openssl=3.0.15-1']);
      const detail = await execution(t, e.id);
      expect(detail.steps).toHaveLength(3);
    });

    it('the built-in patch-fleet: scan, canary install, branch past the health check, bake, the rest in waves', async () => {
      const accountId = await t.createAccount('rs-fleet');
      const nodes = await enrollMany(t, accountId, 3, 'pf');
      for (const n of nodes) {
        const res = await t.as(n.credential, 'PUT', '/api/v1/agent/inventory', inventory(n.hostname, [pkg('openssl', '3.0.11-1')], [update('openssl', '3.0.11-1', '3.0.15-1', true)]));
        expect(res.statusCode, res.body).toBe(200);
      }
      const started = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/executions`, {
        runbook: 'patch-fleet',
        targets: { allNodes: true },
        parameters: { healthCheck: 'none', bakeSeconds: 0, rebootOption: 'NoReboot' },
        waves: { size: '1', bakeSeconds: 0 },
      });
      expect(started.statusCode, started.body).toBe(201);
      expect(started.json()).toMatchObject({ runbookId: 'rb-builtin-patch-fleet', runbookVersion: 1, progress: { nodes: 3, canaryNodes: 1, waves: 2 } });
      const reboot: string[] = [];
      const e = await drive(t, [engineFor(t)], nodes, started.json().id as string, {
        decide: (_n, inv) => {
          if (inv.document === 'Install') reboot.push(inv.parameters.rebootOption);
          return 'Success';
        },
      });
      expect(e.status).toBe('Success');
      expect(e.steps.map((s) => `${s.stepName}:${s.wave ?? '-'}`)).toEqual(['scan:-', 'installCanary:0', 'chooseCheck:-', 'bake:-', 'installRemaining:1', 'installRemaining:2']);
      expect(e.steps.find((s) => s.stepName === 'chooseCheck')!.outputs).toEqual({ goto: 'bake' });
      expect(reboot).toEqual(['NoReboot', 'NoReboot', 'NoReboot']);
    });
  });
}
