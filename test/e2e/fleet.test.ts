import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../src/contracts/api.js';
import type { RunningServer } from '../../src/server/server.js';
import { aptOnRoot, aptToolsAvailable, buildDemoWorld, makeWorkDir, mkroot, testDriver, type DemoWorld } from '../helpers/apt-root.js';
import { requireComponent } from '../helpers/components.js';
import { admin, startTestServer, type Admin } from '../helpers/fleet.js';
import { isSleep, processesOf, until as untilWithin } from '../helpers/processes.js';

/** Fleet steps run real processes: allow 30 s. */
const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> => untilWithin(what, probe, timeoutMs);

/**
 * The end-to-end acceptance: a real server and three agents — real child processes running
 * the bundle dist/agent.mjs (built here into a temp dir) — each on its own apt root; enroll, scan,
 * install, check what the server recorded, across a server restart and an agent killed (SIGKILL)
 * mid-install.
 */
const available = requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');

const REPO = join(import.meta.dirname, '../..');


interface Agent {
  name: string;
  root: string;
  stateDir: string;
  nodeId: string;
  child: ChildProcess | null;
  stderr: string;
}

describe.runIf(available)('fleet: a real server and three agent processes on their own roots', () => {
  let work: string;
  let world: DemoWorld;
  let bundle: string;
  let server: RunningServer;
  let port: number;
  let a: Admin;
  const agents: Agent[] = [];

  // Asynchronously: the server runs in this process.
  const agentCli = async (args: string[]) => (await promisify(execFile)(process.execPath, [bundle, ...args], { encoding: 'utf8' })).stdout;

  const start = (agent: Agent) => {
    const child = spawn(process.execPath, [bundle, 'run', '--root', agent.root, '--state-dir', agent.stateDir, '--poll-wait', '2', '--backoff-max-ms', '500', '--inventory-interval', '2', '--script-chrootless'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (c: Buffer) => (agent.stderr += c.toString('utf8')));
    agent.child = child;
  };
  const stop = async (agent: Agent, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = agent.child;
    if (child === null || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
    agent.child = null;
  };

  beforeAll(async () => {
    work = makeWorkDir('pw-fleet-');
    bundle = join(work, 'agent.mjs');
    execFileSync(process.execPath, [join(REPO, 'scripts/build-agent.js'), '--outfile', bundle], { stdio: 'ignore' });
    world = buildDemoWorld(join(work, 'world'));
    server = await startTestServer(join(work, 'data'));
    port = Number(new URL(server.url).port);
    a = await admin(server.url, 'fleet');
    const act = await a.activation(3);
    for (const name of ['fleet-1', 'fleet-2', 'fleet-3']) {
      const root = mkroot(join(work, name), world.sources);
      writeFileSync(join(root, 'etc/hostname'), `${name}\n`);
      const d = testDriver(root, join(work, `${name}-setup`));
      await aptOnRoot(d, 'apt-get', ['update', '-q']);
      await aptOnRoot(d, 'apt-get', ['install', '-y', '-q', 'demo-lib=1.0-1', 'demo-sec=1.0-1']);
      const stateDir = join(work, `${name}-agent`);
      const out = await agentCli(['enroll', '--server', server.url, '--activation-id', act.id, '--activation-code', act.code, '--root', root, '--state-dir', stateDir]);
      const nodeId = /Enrolled as node (\S+)/.exec(out)?.[1];
      if (nodeId === undefined) throw new Error(`enroll printed: ${out}`);
      agents.push({ name, root, stateDir, nodeId, child: null, stderr: '' });
    }
  }, 120_000);

  afterAll(async () => {
    for (const agent of agents) await stop(agent, 'SIGKILL');
    for (const agent of agents) for (const pid of processesOf(agent.root)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('the bundle holds nothing of the server side', () => {
    const text = readFileSync(bundle, 'utf8');
    for (const forbidden of [/from ["']better-sqlite3["']/, /from ["']pg["']/, /from ["']fastify["']/, /src\/server\//, /src\/store\//]) expect(text).not.toMatch(forbidden);
  });

  it('three agents enroll, send their inventories and scan', async () => {
    for (const agent of agents) start(agent);
    for (const agent of agents) {
      const node = await until(`${agent.name}'s inventory`, async () => {
        const n = await a.client.call(endpoints.getNode, { params: { nodeId: agent.nodeId } });
        return n.inventoryRevision > 0 && n;
      });
      expect(node, agent.stderr).toMatchObject({ hostname: agent.name, osId: 'debian', packageCount: 2, updateCount: 2, securityUpdateCount: 1 });
    }
    const scan = await a.send({ document: 'Scan', nodeIds: agents.map((g) => g.nodeId) });
    const done = await a.waitForCommand(scan.id);
    expect(done.status).toBe('Success');
    expect(done.invocations.map((i) => i.status)).toEqual(['Success', 'Success', 'Success']);
  });

  it('installs exact versions on all three; the server records the new inventories', async () => {
    const cmd = await a.send({ document: 'Install', nodeIds: agents.map((g) => g.nodeId), parameters: { rebootOption: 'NoReboot', installOverrideList: [{ name: 'demo-lib', version: '1.0-2' }, { name: 'demo-sec', version: '1.0-1+deb12u1' }] } });
    const done = await a.waitForCommand(cmd.id);
    expect(done.invocations.map((i) => i.status)).toEqual(['Success', 'Success', 'Success']);
    for (const agent of agents) {
      const packages = await a.client.call(endpoints.listNodePackages, { params: { nodeId: agent.nodeId } });
      expect(packages.items.map((p) => `${p.name} ${p.version}`)).toEqual(['demo-lib 1.0-2', 'demo-sec 1.0-1+deb12u1']);
      const updates = await a.client.call(endpoints.listNodeUpdates, { params: { nodeId: agent.nodeId } });
      expect(updates.items.map((u) => `${u.name} ${u.candidateVersion}`)).toEqual(['demo-lib 1.0-3']);
    }
  });

  it('the agents reconnect after a server restart and keep working', async () => {
    await server.stop();
    await until('the agents noticing', async () => agents.every((g) => g.stderr.includes('server unreachable')), 15_000);
    server = await startTestServer(join(work, 'data'), port);
    const cmd = await a.send({ document: 'Install', nodeIds: agents.map((g) => g.nodeId), parameters: { rebootOption: 'NoReboot', installOverrideList: [{ name: 'demo-lib', version: '1.0-3' }] } });
    const done = await a.waitForCommand(cmd.id, 30_000);
    expect(done.invocations.map((i) => i.status)).toEqual(['Success', 'Success', 'Success']);
    for (const agent of agents) {
      const node = await a.client.call(endpoints.getNode, { params: { nodeId: agent.nodeId } });
      expect(node).toMatchObject({ updateCount: 0, pingStatus: 'Online' });
    }
  });

  it('an agent journals a result while the server is down and delivers it exactly once after the restart', async () => {
    const agent = agents[1]!;
    const child = agent.child!;
    // Freeze the agent while its long-poll is open: the invocation is claimed into its socket, then the
    // server goes away before the agent can answer.
    let cmdId = '';
    for (let attempt = 0; attempt < 10 && cmdId === ''; attempt++) {
      child.kill('SIGSTOP');
      const cmd = await a.send({ document: 'Install', nodeIds: [agent.nodeId], parameters: { rebootOption: 'NoReboot', installOverrideList: [{ name: 'demo-scripted', version: '1.0-2' }] } });
      const claimed = await until('the claim', async () => (await a.command(cmd.id)).invocations[0]!.status === 'InProgress', 3000).catch(() => false);
      if (claimed) cmdId = cmd.id;
      else {
        await a.client.call(endpoints.cancelCommand, { params: { commandId: cmd.id } });
        child.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    expect(cmdId).not.toBe('');
    await server.stop();
    const unreachable = agent.stderr.split('server unreachable').length;
    child.kill('SIGCONT');
    const journalDir = join(agent.stateDir, 'journal');
    await until('the journaled result', async () => readdirSync(journalDir).some((f) => (JSON.parse(readFileSync(join(journalDir, f), 'utf8')) as { result?: unknown }).result !== undefined), 20_000);
    await until('retries', async () => agent.stderr.split('server unreachable').length > unreachable + 1, 10_000);
    server = await startTestServer(join(work, 'data'), port);
    const done = await a.waitForCommand(cmdId, 30_000);
    expect(done.invocations[0]).toMatchObject({ status: 'Success', outcomes: [{ name: 'demo-scripted', installedVersion: '1.0-2', state: 'installed' }] });
    await until('the journal emptied', async () => readdirSync(journalDir).length === 0);
    const audit = await a.client.call(endpoints.listAudit, { query: { action: 'command.result', limit: 500 } });
    expect(audit.items.filter((e) => e.targetId === done.invocations[0]!.id)).toHaveLength(1);
    const packages = await a.client.call(endpoints.listNodePackages, { params: { nodeId: agent.nodeId } });
    expect(packages.items.find((p) => p.name === 'demo-scripted')?.version).toBe('1.0-2');
  });

  it('an agent killed (SIGKILL) mid-install reports the invocation Failed, truthfully, when it starts again', async () => {
    const victim = agents[2]!;
    const cmd = await a.send({ document: 'Install', nodeIds: [victim.nodeId], parameters: { rebootOption: 'NoReboot', installOverrideList: [{ name: 'demo-slow', version: '1.0-1' }] } });
    // demo-slow's postinst sleeps 30 s: kill the agent (and, like a power loss, its package manager) then.
    await until('the postinst running', async () => processesOf(victim.root).some(isSleep), 20_000);
    await stop(victim, 'SIGKILL');
    for (const pid of processesOf(victim.root)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    expect((await a.command(cmd.id)).invocations[0]!.status).toBe('InProgress');
    const journal = readdirSync(join(victim.stateDir, 'journal'));
    expect(journal).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(victim.stateDir, 'journal', journal[0]!), 'utf8'))).toMatchObject({ phase: 'installing' });

    start(victim);
    const done = await a.waitForCommand(cmd.id, 30_000);
    const inv = done.invocations[0]!;
    expect(inv.status).toBe('Failed');
    expect(inv.output).toContain('the agent stopped during the install; the packages are now: demo-slow not installed (requested 1.0-1)');
    expect(inv.outcomes).toEqual([expect.objectContaining({ name: 'demo-slow', requestedVersion: '1.0-1', installedVersion: null, state: 'failed' })]);
    await until('the journal emptied', async () => readdirSync(join(victim.stateDir, 'journal')).length === 0);
    // The others were not disturbed.
    const scan = await a.send({ document: 'Scan', nodeIds: agents.slice(0, 2).map((g) => g.nodeId) });
    expect((await a.waitForCommand(scan.id)).invocations.map((i) => i.status)).toEqual(['Success', 'Success']);
  });
});
