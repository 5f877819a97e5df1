import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/cli/client.js';
import { endpoints } from '../../src/contracts/api.js';
import { buildAgentBundle, buildPatchWorld, enrollAgent, installedVersion, killAgent, startAgent, type AgentProc, type PatchWorld } from '../helpers/agent-procs.js';
import { aptToolsAvailable, makeWorkDir } from '../helpers/apt-root.js';
import { commandsSince, describeExecution, duplicateStepRuns, invocationsByNode, signInAdmin, waitEnded, waitExecution, type Execution, type RawApi } from '../helpers/automation.js';
import { requireComponent } from '../helpers/components.js';
import { testDialects } from '../helpers/databases.js';
import { until } from '../helpers/processes.js';
import { createFreshDatabase, killServer, startServerProcess, startTcpProxy, type ServerProc, type TcpProxy } from '../helpers/server-process.js';

/**
 * Issue 6's restart and replica acceptance: `patchwarden server` processes (the CLI, as child
 * processes) with a short automation lease, behind a TCP proxy that the agents (real bundle
 * processes on apt roots) and the test's API calls go through. On PostgreSQL (one fresh database),
 * two replicas: an execution of the built-in `patch-fleet` is mid-bake when the replica holding its
 * lease is SIGKILLed, and the other finishes it. On PostgreSQL and on SQLite: the only server is
 * SIGKILLed mid-bake and a new one on the same database resumes the execution. In every case each
 * step ran once (one step-run row per step, wave and account in the database) and every node
 * received one Scan and one Install.
 */
const withApt = requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');
const dialects = testDialects();

const U1 = '1.0-1+deb12u1';
const U2 = '1.0-1+deb12u2';
const LEASE_SECONDS = 3;

/** The server's database read directly by the test (lease holder, step-run rows, stored command statuses). */
interface Peek {
  rows(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

function replicaSuite(dialect: 'postgres' | 'sqlite'): void {
  describe.runIf(withApt && dialects.includes(dialect))(`[${dialect}] automation across server processes: ${dialect === 'postgres' ? 'a killed replica, ' : ''}a restarted server`, () => {
    let work: string;
    let bundle: string;
    let world: PatchWorld;
    let db: { url: string; drop(): Promise<void> } | undefined;
    let peek: Peek;
    const servers: ServerProc[] = [];
    let proxy: TcpProxy;
    let client: ApiClient;
    let api: RawApi;
    let mgmt: string;
    const agents: AgentProc[] = [];

    const serverEnv = { PATCHWARDEN_AUTOMATION_LEASE_SECONDS: String(LEASE_SECONDS), PATCHWARDEN_AUTOMATION_INTERVAL_MS: '200', PATCHWARDEN_COMPLIANCE_INTERVAL_SECONDS: '2' };
    const startReplica = async (name: string) => {
      // SQLite: every server process on the same data directory (the database file); PostgreSQL: one each.
      const dataDir = join(work, dialect === 'sqlite' ? 'data' : `data-${name}`);
      mkdirSync(dataDir, { recursive: true });
      const s = await startServerProcess(name, { databaseUrl: db?.url ?? '', dataDir, env: serverEnv });
      servers.push(s);
      return s;
    };
    const alive = () => servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    const versions = () => Object.fromEntries(agents.map((a) => [a.name, installedVersion(a.root)]));
    const leaseHolder = async (id: string): Promise<string | null> => {
      const r = await peek.rows('select lease_holder from executions where id = $1', [id]);
      return (r[0]?.lease_holder as string | null | undefined) ?? null;
    };
    const start = async (bakeSeconds: number): Promise<Execution> => {
      const r = await api.request<Execution>('POST', `/api/v1/accounts/${mgmt}/executions`, {
        runbook: 'patch-fleet',
        parameters: { healthCheck: 'none', bakeSeconds, rebootOption: 'NoReboot' },
        targets: { allNodes: true },
        waves: { canary: '1', size: '100%', bakeSeconds: 0 },
      });
      expect(r.status, r.text).toBe(201);
      return r.body;
    };
    /** What the agents and the servers said, the commands of the account and the database rows: for failure messages. */
    const diagnostics = async (since: string): Promise<string> => {
      const commands = await commandsSince(api, mgmt, since).catch((err: unknown) => `commands: ${String(err)}`);
      const cmdText = typeof commands === 'string' ? commands : commands.map((c) => `${c.id} ${c.document} ${c.status} ${c.invocations.map((i) => `${i.nodeId}:${i.status}`).join(' ')}`).join('\n');
      const agentText = agents.map((a) => `--- ${a.name} stderr:\n${a.stderr.slice(-1500)}`).join('\n');
      const serverText = servers.map((s) => `--- ${s.name} (pid ${s.child.pid}, ${s.child.exitCode === null && s.child.signalCode === null ? 'alive' : 'dead'}):\n${s.log().slice(-1500)}`).join('\n');
      const show = (text: string) => peek.rows(text).then((r) => JSON.stringify(r, null, 1), (err: unknown) => String(err));
      const rows = await show('select id, status, step_index, wave, lease_holder, lease_expires_at, wake_at, transitions, updated_at from executions order by created_at');
      // The status stored on each command next to what its invocations say (the engine reads the stored one).
      const stored = await show("select c.id, c.status as stored_status, sum(case when i.status = 'Success' then 1 else 0 end) as success, count(*) as invocations from commands c join command_invocations i on i.command_id = c.id group by c.id, c.status order by c.created_at");
      const activity = dialect === 'postgres' ? await show("select pid, state, wait_event_type, wait_event, left(query, 200) as query from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()") : '-';
      return `${cmdText}\n${agentText}\n${serverText}\nexecutions: ${rows}\ncommands as stored: ${stored}\npg_stat_activity: ${activity}`;
    };
    const ended = async (id: string, since: string) => {
      try {
        return await waitEnded(api, id, 60_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${await diagnostics(since)}`);
      }
    };
    const inBake = async (id: string, since: string) => {
      try {
        return await waitExecution(api, id, (x) => x.currentStep === 'bake' || x.steps.some((s) => s.stepName === 'bake' && s.status !== 'Success' && s.status !== 'Pending'), 'the bake', 45_000);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${await diagnostics(since)}`);
      }
    };

    /** Exactly once: one step run per (step, wave, account, iteration) in the database, one Scan and one Install per node. */
    const assertOnce = async (e: Execution, since: string) => {
      const detail = describeExecution(e);
      expect(duplicateStepRuns(e), detail).toEqual([]);
      const rows = await peek.rows('select step_name, wave_key, account_key, iteration, count(*) as n from execution_steps where execution_id = $1 group by step_name, wave_key, account_key, iteration having count(*) > 1', [e.id]);
      expect(rows, detail).toEqual([]);
      const all = invocationsByNode(await commandsSince(api, mgmt, since));
      const nodeIds = agents.map((a) => a.nodeId).sort();
      for (const doc of ['Scan', 'Install']) {
        expect([...(all.get(doc)?.entries() ?? [])].map(([n, inv]) => [n, inv.length]).sort(), `${doc}\n${detail}`).toEqual(nodeIds.map((n) => [n, 1]));
      }
    };

    beforeAll(async () => {
      work = makeWorkDir('pw-automation-ha-');
      bundle = buildAgentBundle(join(work, 'agent.mjs'));
      world = buildPatchWorld(join(work, 'world'));
      if (dialect === 'postgres') db = await createFreshDatabase('pw_e2e_ha');
      const first = await startReplica('replica-a');
      const ports = [first.port];
      if (dialect === 'postgres') ports.push((await startReplica('replica-b')).port);
      proxy = await startTcpProxy(ports);
      if (dialect === 'postgres') {
        const c = new pg.Client({ connectionString: db!.url });
        await c.connect();
        peek = { rows: async (text, params) => (await c.query(text, params)).rows as Record<string, unknown>[], close: () => c.end() };
      } else {
        const file = new SQLite(join(work, 'data', 'patchwarden.db'), { readonly: true, fileMustExist: true });
        file.pragma('busy_timeout = 5000');
        peek = { rows: async (text, params = []) => file.prepare(text.replace(/\$\d+/g, '?')).all(...params) as Record<string, unknown>[], close: async () => void file.close() };
      }
      ({ client, api } = await signInAdmin(proxy.url));
      mgmt = (await client.call(endpoints.listAccounts, { query: {} })).items.find((x) => x.isManagement)!.id;
      const act = await client.call(endpoints.createActivation, { params: { accountId: mgmt }, body: { registrationLimit: 2 } });
      for (const name of ['ha-1', 'ha-2']) {
        agents.push(await enrollAgent({ bundle, work, name, accountId: mgmt, serverUrl: proxy.url, activation: { id: act.id, code: act.activationCode }, sources: world.sources }));
      }
      for (const agent of agents) startAgent(bundle, agent);
      for (const agent of agents) {
        await until(`${agent.name}'s inventory`, async () => (await client.call(endpoints.getNode, { params: { nodeId: agent.nodeId } })).inventoryRevision > 0, 30_000);
      }
    }, 120_000);

    afterAll(async () => {
      for (const agent of agents) killAgent(agent);
      for (const s of servers) await killServer(s);
      await proxy?.close();
      await peek?.close().catch(() => undefined);
      await db?.drop().catch(() => undefined);
      if (work !== undefined) rmSync(work, { recursive: true, force: true });
    });

    // Only PostgreSQL has replicas (SQLite is one process): the test is not declared at all there, so no skip is reported.
    (dialect === 'postgres' ? it : ((() => undefined) as unknown as typeof it))('the replica holding the lease is SIGKILLed mid-bake: the other takes over and finishes, each step once', async () => {
      world.publish(U1);
      const since = new Date().toISOString();
      const t0 = Date.now();
      const created = await start(8);
      await inBake(created.id, since);
      const holder = await leaseHolder(created.id);
      const [a, b] = alive();
      // The holder is `host:pid:uuid`; kill the replica whose pid it names (else the first one).
      const victim = alive().find((s) => holder !== null && holder.split(':').includes(String(s.child.pid))) ?? a!;
      const survivor = victim === a ? b! : a!;
      proxy.setBackends([survivor.port]);
      await killServer(victim);
      const killedAt = Date.now();

      const e = await ended(created.id, since);
      const detail = `${describeExecution(e)}\n${await diagnostics(since)}\nholder before the kill: ${holder}; killed ${victim.name} (pid ${victim.child.pid})`;
      expect(holder, 'the execution has a lease holder while it runs').not.toBeNull();
      expect(e.status, detail).toBe('Success');
      const installRemaining = e.steps.filter((s) => s.stepName === 'installRemaining');
      expect(installRemaining.length, detail).toBeGreaterThan(0);
      // The rest was installed after the kill, so by the survivor.
      for (const s of installRemaining) expect(Date.parse(s.startedAt!), detail).toBeGreaterThan(killedAt);
      await assertOnce(e, since);
      expect(versions()).toEqual({ 'ha-1': U1, 'ha-2': U1 });
      process.stderr.write(`automation-ha: takeover case took ${Date.now() - t0} ms\n`);
    }, 90_000);

    it('the only server is SIGKILLed mid-bake; a new one on the same database resumes the execution, nothing runs twice', async () => {
      world.publish(dialect === 'postgres' ? U2 : U1);
      const since = new Date().toISOString();
      const t0 = Date.now();
      const created = await start(6);
      await inBake(created.id, since);
      for (const s of alive()) await killServer(s);
      const killedAt = Date.now();
      const fresh = await startReplica('replica-c');
      proxy.setBackends([fresh.port]);

      const e = await ended(created.id, since);
      const detail = `${describeExecution(e)}\n${await diagnostics(since)}`;
      expect(e.status, detail).toBe('Success');
      const bake = e.steps.find((s) => s.stepName === 'bake');
      expect(bake?.status, detail).toBe('Success');
      for (const s of e.steps.filter((x) => x.stepName === 'installRemaining')) expect(Date.parse(s.startedAt!), detail).toBeGreaterThan(killedAt);
      await assertOnce(e, since);
      const expected = dialect === 'postgres' ? U2 : U1;
      expect(versions()).toEqual({ 'ha-1': expected, 'ha-2': expected });
      process.stderr.write(`automation-ha: restart case took ${Date.now() - t0} ms\n`);
    }, 90_000);
  });
}

replicaSuite('postgres');
replicaSuite('sqlite');
