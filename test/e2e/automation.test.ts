import { createServer, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/cli/client.js';
import { endpoints } from '../../src/contracts/api.js';
import type { RunningServer } from '../../src/server/server.js';
import { PKG, buildAgentBundle, buildPatchWorld, enrollAgent, installedVersion, killAgent, startAgent, type AgentProc, type PatchWorld } from '../helpers/agent-procs.js';
import { aptToolsAvailable, makeWorkDir } from '../helpers/apt-root.js';
import {
  auditEntries,
  commandsSince,
  describeExecution,
  duplicateStepRuns,
  invocationsByNode,
  signInAdmin,
  stepInvocationCounts,
  waitEnded,
  waitExecution,
  type Execution,
  type RawApi,
} from '../helpers/automation.js';
import { requireComponent } from '../helpers/components.js';
import { startTestServer } from '../helpers/fleet.js';
import { until } from '../helpers/processes.js';

/**
 * Issue 6's end-to-end acceptance on real package managers: one server, two accounts (the
 * management account and a second one), two agents in each — real child processes running the
 * bundle on throw-away apt roots with a local repository whose security pocket gets a new version of
 * demo-svc before each execution — and a local HTTP health endpoint on the check allow-list. The
 * built-in `patch-fleet` runs over both accounts through a delegation: canary, health check, bake,
 * the rest in waves; with a failing health check it halts after the canary; without a delegation an
 * account is refused and audited; a revoked delegation stops new steps there.
 */
const available = requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');

const U1 = '1.0-1+deb12u1';
const U2 = '1.0-1+deb12u2';
const U3 = '1.0-1+deb12u3';

describe.runIf(available)('automation end to end: patch-fleet over two accounts with real agents', () => {
  let work: string;
  let bundle: string;
  let world: PatchWorld;
  let server: RunningServer;
  let client: ApiClient;
  let api: RawApi;
  let mgmt: string;
  let tenant: string;
  let delegationId: string;
  const agents: AgentProc[] = [];
  let health: Server;
  let healthUrl: string;
  let healthStatus = 200;
  const healthHits: number[] = [];

  const startExecution = (body: Record<string, unknown>) => api.request<Execution & { error?: { message: string } }>('POST', `/api/v1/accounts/${mgmt}/executions`, body);
  const patchFleet = (parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    runbook: 'patch-fleet',
    parameters: { healthUrl, rebootOption: 'NoReboot', ...parameters },
    targets: { allNodes: true },
    accounts: [{ accountId: mgmt }, { accountId: tenant }],
    waves: { canary: '1', size: '50%', bakeSeconds: 1 },
    comment: 'e2e',
    ...extra,
  });
  const agentOf = (nodeId: string) => agents.find((a) => a.nodeId === nodeId)!;
  const versions = () => Object.fromEntries(agents.map((a) => [a.name, installedVersion(a.root)]));
  /** The node(s) the execution's canary step installed on. */
  const canaryNodes = async (e: Execution) => [...((await stepInvocationCounts(api, e)).get('installCanary')?.keys() ?? [])];

  beforeAll(async () => {
    work = makeWorkDir('pw-automation-');
    bundle = buildAgentBundle(join(work, 'agent.mjs'));
    world = buildPatchWorld(join(work, 'world'));
    health = createServer((req, res) => {
      healthHits.push(Date.now());
      res.statusCode = healthStatus;
      res.end(healthStatus === 200 ? 'healthy' : 'unhealthy');
    });
    await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
    const port = (health.address() as { port: number }).port;
    healthUrl = `http://127.0.0.1:${port}/health`;

    server = await startTestServer(join(work, 'data'), 0, { PATCHWARDEN_AUTOMATION_INTERVAL_MS: '200', PATCHWARDEN_COMPLIANCE_INTERVAL_SECONDS: '1' });
    ({ client, api } = await signInAdmin(server.url));
    const accounts = await client.call(endpoints.listAccounts, { query: {} });
    mgmt = accounts.items.find((a) => a.isManagement)!.id;
    tenant = (await client.call(endpoints.createAccount, { body: { name: 'tenant-b' } })).id;
    // Only the health endpoint's host:port may be checked from the server.
    await api.ok('PUT', '/api/v1/automation/settings', { checkAllowedHosts: [`127.0.0.1:${port}`] });

    for (const [accountId, names] of [
      [mgmt, ['mgmt-1', 'mgmt-2']],
      [tenant, ['tenant-1', 'tenant-2']],
    ] as const) {
      const act = await client.call(endpoints.createActivation, { params: { accountId }, body: { registrationLimit: 2 } });
      for (const name of names) {
        agents.push(await enrollAgent({ bundle, work, name, accountId, serverUrl: server.url, activation: { id: act.id, code: act.activationCode }, sources: world.sources }));
      }
    }
    for (const agent of agents) startAgent(bundle, agent);
    for (const agent of agents) {
      await until(`${agent.name}'s inventory`, async () => (await client.call(endpoints.getNode, { params: { nodeId: agent.nodeId } })).inventoryRevision > 0, 30_000);
    }
  }, 120_000);

  afterAll(async () => {
    for (const agent of agents) killAgent(agent);
    await server?.stop();
    await new Promise((r) => (health === undefined ? r(undefined) : health.close(r)));
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('without a delegation the second account is refused (403 when it is the only one; Refused next to an allowed one) and audited', async () => {
    const before = new Date().toISOString();
    const only = await startExecution(patchFleet({ healthCheck: 'none', bakeSeconds: 0 }, { accounts: [{ accountId: tenant }] }));
    expect(only.status, only.text).toBe(403);
    expect(only.text).toMatch(/tenant-b|delegation/i);

    const mixed = await startExecution(patchFleet({ healthCheck: 'none', bakeSeconds: 0 }));
    expect(mixed.status, mixed.text).toBe(201);
    // Nothing to install yet; stop it at once anyway: this case is about the refusal.
    await api.ok('POST', `/api/v1/executions/${mixed.body.id}/cancel`);
    const refused = mixed.body.accounts.find((a) => a.accountId === tenant);
    expect(refused, describeExecution(mixed.body)).toMatchObject({ status: 'Refused' });
    expect(refused!.reason).toMatch(/delegation/i);
    expect(mixed.body.accounts.find((a) => a.accountId === mgmt)?.status).not.toBe('Refused');
    const ended = await waitEnded(api, mixed.body.id, 30_000);
    expect(ended.status, describeExecution(ended)).toBe('Cancelled');

    const denied = await auditEntries(api, { action: 'execution.start', outcome: 'denied', since: before });
    const forTenant = denied.filter((d) => d.details.accountId === tenant || d.accountId === tenant);
    // One for the 403, one for the refused account of the mixed execution.
    expect(forTenant.length, JSON.stringify(denied, null, 1)).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(forTenant[0]!.details)).toMatch(/delegation/i);
    // The refused account's nodes got nothing.
    expect(await commandsSince(api, tenant, before)).toEqual([]);
  }, 60_000);

  it('with a delegation, patch-fleet patches the canary, checks health, bakes, then the rest in waves: every node INSTALLED and COMPLIANT, each step once per node', async () => {
    const grant = await api.ok<{ id: string }>('POST', `/api/v1/accounts/${tenant}/delegations`, { runbooks: ['patch-fleet'], roles: ['org-admin', 'admin', 'operator'], comment: 'e2e' });
    delegationId = grant.id;
    world.publish(U1);
    healthStatus = 200;
    healthHits.length = 0;

    const startedAt = new Date().toISOString();
    const t0 = Date.now();
    const created = await startExecution(patchFleet({ healthCheck: 'http', bakeSeconds: 3 }));
    expect(created.status, created.text).toBe(201);
    const e = await waitEnded(api, created.body.id, 80_000);
    const detail = describeExecution(e);
    expect(e.status, detail).toBe('Success');
    expect(e.accounts.map((a) => `${a.accountId}:${a.status}`).sort(), detail).toEqual([`${mgmt}:Done`, `${tenant}:Done`].sort());
    expect(e.accounts.find((a) => a.accountId === tenant)?.delegationId).toBe(delegationId);
    expect(duplicateStepRuns(e), detail).toEqual([]);

    // Each node: one Scan and one Install, in the execution's step runs and in everything the accounts received.
    const perStep = await stepInvocationCounts(api, e);
    const nodeIds = agents.map((a) => a.nodeId).sort();
    expect([...(perStep.get('scan')?.entries() ?? [])].sort(), detail).toEqual(nodeIds.map((n) => [n, 1]));
    const canary = [...(perStep.get('installCanary')?.keys() ?? [])];
    expect(canary, detail).toHaveLength(1);
    const rest = [...(perStep.get('installRemaining')?.entries() ?? [])].sort();
    expect(rest, detail).toEqual(nodeIds.filter((n) => n !== canary[0]).map((n) => [n, 1]));
    const all = invocationsByNode([...(await commandsSince(api, mgmt, startedAt)), ...(await commandsSince(api, tenant, startedAt))]);
    for (const doc of ['Scan', 'Install']) {
      expect([...(all.get(doc)?.entries() ?? [])].map(([n, inv]) => [n, inv.length]).sort(), `${doc}\n${detail}`).toEqual(nodeIds.map((n) => [n, 1]));
    }
    for (const [, inv] of [...all.get('Install')!, ...all.get('Scan')!]) expect(inv[0]!.status).toBe('Success');

    // Order: the canary installed, then the health check, then the bake (≥ 3 s), then the waves one after the other.
    const step = (name: string, wave?: number) => e.steps.filter((s) => s.stepName === name && (wave === undefined || s.wave === wave));
    const canaryInstall = all.get('Install')!.get(canary[0]!)![0]!;
    const [check] = step('health');
    const [bake] = step('bake');
    expect(check, detail).toMatchObject({ status: 'Success' });
    expect(bake, detail).toMatchObject({ status: 'Success' });
    expect(healthHits.length).toBeGreaterThanOrEqual(1);
    expect(healthHits[0]!).toBeGreaterThanOrEqual(Date.parse(canaryInstall.finishedAt!) - 5);
    expect(Date.parse(check!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(canaryInstall.finishedAt!));
    expect(Date.parse(bake!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(check!.endedAt!));
    expect(Date.parse(bake!.endedAt!) - Date.parse(bake!.startedAt!)).toBeGreaterThanOrEqual(2900);
    const waves = [...new Set(step('installRemaining').map((s) => s.wave))].sort();
    expect(waves.length, detail).toBeGreaterThanOrEqual(2);
    expect(waves[0]).toBe(1);
    let previousEnd = Date.parse(bake!.endedAt!);
    for (const w of waves) {
      const runs = step('installRemaining', w!);
      const start = Math.min(...runs.map((r) => Date.parse(r.startedAt!)));
      expect(start, `wave ${w} starts after the previous one (and the bake) ended\n${detail}`).toBeGreaterThanOrEqual(previousEnd);
      previousEnd = Math.max(...runs.map((r) => Date.parse(r.endedAt!)));
    }
    for (const n of nodeIds.filter((x) => x !== canary[0])) {
      expect(Date.parse(all.get('Install')!.get(n)![0]!.startedAt!), agentOf(n).name).toBeGreaterThanOrEqual(Date.parse(bake!.endedAt!));
    }

    // On the roots and in the compliance views.
    expect(versions()).toEqual(Object.fromEntries(agents.map((a) => [a.name, U1])));
    for (const agent of agents) {
      const d = await until(
        `${agent.name} COMPLIANT`,
        async () => {
          const c = await client.call(endpoints.getNodeCompliance, { params: { nodeId: agent.nodeId }, query: {} });
          return c.node.status === 'COMPLIANT' && c.patches.some((p) => p.name === PKG && p.state === 'INSTALLED') && c;
        },
        20_000,
      ).catch(async () => client.call(endpoints.getNodeCompliance, { params: { nodeId: agent.nodeId }, query: {} }));
      expect(d.node.status, `${agent.name}: ${JSON.stringify(d.patches)}`).toBe('COMPLIANT');
      expect(d.patches.find((p) => p.name === PKG)?.state).toBe('INSTALLED');
    }
    const timeline = await api.get<{ items: unknown[] }>(`/api/v1/executions/${e.id}/timeline?limit=500`);
    expect(timeline.items.length).toBeGreaterThan(5);
    process.stderr.write(`automation e2e: patch-fleet over 4 nodes took ${Date.now() - t0} ms\n${process.env.PW_E2E_VERBOSE === undefined ? '' : `${detail}\n`}`);
  }, 90_000);

  it('a failing health check halts after the canary: Failed naming the check, the other nodes untouched', async () => {
    world.publish(U2);
    healthStatus = 500;
    healthHits.length = 0;
    const before = versions();
    const startedAt = new Date().toISOString();
    const created = await startExecution(patchFleet({ healthCheck: 'http', bakeSeconds: 1 }));
    expect(created.status, created.text).toBe(201);
    // The built-in check retries 3 times 10 s apart.
    const e = await waitEnded(api, created.body.id, 80_000);
    const detail = describeExecution(e);
    expect(e.status, detail).toBe('Failed');
    expect(e.reason, detail).toMatch(/health|check/i);
    expect(healthHits.length, detail).toBeGreaterThanOrEqual(1);
    expect(e.steps.find((s) => s.stepName === 'health')?.status, detail).toMatch(/Failed|TimedOut/);
    expect(e.steps.filter((s) => s.stepName === 'bake' || s.stepName === 'installRemaining').filter((s) => s.commandId !== null || s.status === 'Success'), detail).toEqual([]);

    const canary = await canaryNodes(e);
    expect(canary, detail).toHaveLength(1);
    const installs = invocationsByNode([...(await commandsSince(api, mgmt, startedAt)), ...(await commandsSince(api, tenant, startedAt))]).get('Install');
    expect([...(installs?.keys() ?? [])], detail).toEqual(canary);
    const after = versions();
    for (const a of agents) expect(after[a.name], a.name).toBe(a.nodeId === canary[0] ? U2 : before[a.name]);
  }, 90_000);

  it('revoking the delegation during the bake stops new steps in that account; the management account finishes', async () => {
    world.publish(U3);
    healthStatus = 200;
    const before = versions();
    const startedAt = new Date().toISOString();
    const created = await startExecution(patchFleet({ healthCheck: 'http', bakeSeconds: 12 }));
    expect(created.status, created.text).toBe(201);
    await waitExecution(api, created.body.id, (x) => x.steps.some((s) => s.stepName === 'bake' && !['Pending', 'Success'].includes(s.status)) || x.currentStep === 'bake', 'the bake', 60_000);
    const revokedAt = new Date().toISOString();
    await api.ok('POST', `/api/v1/delegations/${delegationId}/revoke`);
    const e = await waitEnded(api, created.body.id, 60_000);
    const detail = describeExecution(e);
    const t = e.accounts.find((a) => a.accountId === tenant)!;
    expect(t, detail).toMatchObject({ status: 'Refused' });
    expect(t.reason, detail).toMatch(/revoked|delegation/i);
    expect(e.accounts.find((a) => a.accountId === mgmt)?.status, detail).toBe('Done');

    const canary = await canaryNodes(e);
    const tenantSteps = e.steps.filter((s) => s.accountId === tenant && s.startedAt !== null && s.startedAt > revokedAt);
    expect(tenantSteps, detail).toEqual([]);
    const tenantInstalls = invocationsByNode(await commandsSince(api, tenant, startedAt)).get('Install');
    expect([...(tenantInstalls?.keys() ?? [])].filter((n) => !canary.includes(n)), detail).toEqual([]);
    const after = versions();
    for (const a of agents) {
      if (canary.includes(a.nodeId) || a.accountId === mgmt) expect(after[a.name], `${a.name}\n${detail}`).toBe(U3);
      else expect(after[a.name], `${a.name}\n${detail}`).toBe(before[a.name]);
    }
    if (process.env.PW_E2E_VERBOSE !== undefined) process.stderr.write(`${detail}\n`);
    const denied = await auditEntries(api, { outcome: 'denied', since: revokedAt });
    expect(
      denied.filter((d) => d.accountId === tenant || d.details.accountId === tenant),
      JSON.stringify(denied),
    ).not.toEqual([]);
  }, 90_000);
});
