import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../src/agent/client.js';
import { readEnrollment } from '../../src/agent/credentials.js';
import { enrollAgent } from '../../src/agent/enroll.js';
import { Journal } from '../../src/agent/journal.js';
import { AgentLoop } from '../../src/agent/loop.js';
import type { AptDriver } from '../../src/agent/package-managers/apt/index.js';
import { defaultRebootAction } from '../../src/agent/reboot-action.js';
import { scanLocal } from '../../src/agent/scan.js';
import { endpoints } from '../../src/contracts/api.js';
import type { RunningServer } from '../../src/server/server.js';
import { aptOnRoot, aptToolsAvailable, buildDemoWorld, makeWorkDir, mkroot, testDriver, type DemoWorld } from '../helpers/apt-root.js';
import { requireComponent } from '../helpers/components.js';
import { admin, startTestServer, type Admin } from '../helpers/fleet.js';
import { until } from '../helpers/processes.js';

const available = requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');


describe.runIf(available)('agent loop against a real server, on an apt root', () => {
  let work: string;
  let world: DemoWorld;
  let server: RunningServer;
  let port: number;
  let a: Admin;
  let root: string;
  let stateDir: string;
  let driver: AptDriver;
  let nodeId: string;
  const logs: string[] = [];
  const reboots: string[] = [];
  /** While set, scans wait on it (to stop the server between a Scan and its delivery). */
  let gate: { reached: () => void; release: Promise<void> } | null = null;
  let controller: AbortController;
  let running: Promise<void>;

  beforeAll(async () => {
    work = makeWorkDir('pw-loop-');
    world = buildDemoWorld(join(work, 'world'));
    server = await startTestServer(join(work, 'data'));
    port = Number(new URL(server.url).port);
    a = await admin(server.url, 'loop');
    root = mkroot(join(work, 'root'), world.sources);
    driver = testDriver(root, join(work, 'apt-state'));
    await aptOnRoot(driver, 'apt-get', ['update', '-q']);
    await aptOnRoot(driver, 'apt-get', ['install', '-y', '-q', 'demo-lib=1.0-1', 'demo-sec=1.0-1', 'demo-scripted=1.0-1']);
    stateDir = join(work, 'agent-state');
  });
  afterAll(async () => {
    controller?.abort();
    await running?.catch(() => undefined);
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  const startLoop = async () => {
    const enrollment = await readEnrollment(stateDir);
    if (enrollment === null) throw new Error('not enrolled');
    controller = new AbortController();
    const loop = new AgentLoop({
      enrollment,
      stateDir,
      root,
      driver,
      signal: controller.signal,
      pollWaitSeconds: 2,
      inventoryIntervalMs: 1000,
      backoff: { initialMs: 100, maxMs: 400 },
      scan: async () => {
        if (gate !== null) {
          gate.reached();
          await gate.release;
        }
        return scanLocal({ root, driver });
      },
      reboot: async () => {
        reboots.push(new Date().toISOString());
        await defaultRebootAction(root)();
      },
      log: (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields ?? {})}`),
    });
    running = loop.run();
    return loop;
  };

  it('enrolls: credentials stored 0600 in a 0700 directory; a second enrollment needs --force', async () => {
    const act = await a.activation(2);
    const { enrollment, path } = await enrollAgent({ server: server.url, activationId: act.id, activationCode: act.code, root, stateDir });
    nodeId = enrollment.nodeId;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ server: server.url, nodeId, ca: null });
    await expect(enrollAgent({ server: server.url, activationId: act.id, activationCode: act.code, root, stateDir })).rejects.toThrow(/enrolled already.*--force/);
    const node = await a.client.call(endpoints.getNode, { params: { nodeId } });
    expect(node).toMatchObject({ hostname: 'root', osId: 'debian', codename: 'bookworm', packageManager: 'apt' });
  });

  it('sends the full inventory on first contact', async () => {
    await startLoop();
    const node = await until('the inventory', async () => {
      const n = await a.client.call(endpoints.getNode, { params: { nodeId } });
      return n.inventoryRevision > 0 && n;
    });
    expect(node.inventoryRevision).toBe(1);
    const updates = await a.client.call(endpoints.listNodeUpdates, { params: { nodeId } });
    expect(updates.items.map((u) => `${u.name} ${u.candidateVersion} ${u.security}`)).toEqual(['demo-lib 1.0-3 false', 'demo-scripted 1.0-2 false', 'demo-sec 1.0-1+deb12u1 true']);
    expect(logs.some((l) => l.startsWith('full inventory sent'))).toBe(true);
  });

  it('runs a Scan and an Install (NoReboot) sent through the API; the server records the new inventory', async () => {
    const scan = await a.send({ document: 'Scan', nodeIds: [nodeId] });
    const scanned = await a.waitForCommand(scan.id);
    expect(scanned.invocations[0]).toMatchObject({ status: 'Success', output: expect.stringMatching(/^package lists refreshed; scanned: 3 packages installed, 3 updates pending \(1 security\)/) });

    const install = await a.send({ document: 'Install', nodeIds: [nodeId], parameters: { rebootOption: 'NoReboot', installOverrideList: [{ name: 'demo-lib', version: '1.0-2' }, { name: 'demo-sec', version: '1.0-1+deb12u1' }, { name: 'demo-app', version: '9.9' }] } });
    const done = await a.waitForCommand(install.id);
    const inv = done.invocations[0]!;
    expect(inv.status).toBe('Failed');
    expect(inv.outcomes).toEqual([
      { name: 'demo-lib', arch: 'all', requestedVersion: '1.0-2', installedVersion: '1.0-2', state: 'installed' },
      { name: 'demo-sec', arch: 'all', requestedVersion: '1.0-1+deb12u1', installedVersion: '1.0-1+deb12u1', state: 'installed' },
      expect.objectContaining({ name: 'demo-app', state: 'not-available' }),
    ]);
    // NoReboot: what was installed counts as pending a reboot; nothing rebooted.
    expect((await server.store.commands.invocation(inv.id))?.result.rebootRequired).toBe(true);
    expect(reboots).toEqual([]);
    const packages = await a.client.call(endpoints.listNodePackages, { params: { nodeId } });
    expect(packages.items.map((p) => `${p.name} ${p.version}`)).toEqual(['demo-lib 1.0-2', 'demo-scripted 1.0-1', 'demo-sec 1.0-1+deb12u1']);
    const updates = await a.client.call(endpoints.listNodeUpdates, { params: { nodeId } });
    expect(updates.items.map((u) => u.name)).toEqual(['demo-lib', 'demo-scripted']);

    const ok = await a.send({ document: 'Install', nodeIds: [nodeId], parameters: { rebootOption: 'NoReboot', installOverrideList: [{ name: 'demo-scripted', version: '1.0-2' }] } });
    expect((await a.waitForCommand(ok.id)).invocations[0]).toMatchObject({ status: 'Success', outcomes: [{ name: 'demo-scripted', state: 'installed' }] });
  });

  it('an Install whose snapshot has nothing newer for the node succeeds with nothing to install, and reports a fresh inventory', async () => {
    // A baseline that approves only a package the node does not have: the frozen snapshot gives this node an empty list.
    const baseline = await a.client.call(endpoints.createBaseline, {
      params: { accountId: a.accountId },
      body: { name: 'approves-nothing-here', operatingSystem: 'DEBIAN', approvalRules: [], approvedPatches: ['demo-absent'] },
    });
    const before = (await a.client.call(endpoints.getNode, { params: { nodeId } })).inventoryRevision;
    const cmd = await a.send({ document: 'Install', nodeIds: [nodeId], parameters: { rebootOption: 'NoReboot', baselineId: baseline.id } });
    expect(cmd.parameters.snapshotId).toMatch(/^snap_/);
    expect(cmd.invocations[0]!.items).toEqual([]);
    const done = await a.waitForCommand(cmd.id);
    expect(done.invocations[0]).toMatchObject({ status: 'Success', outcomes: [] });
    expect(done.invocations[0]!.output).toMatch(/^nothing to install/);
    expect((await a.client.call(endpoints.getNode, { params: { nodeId } })).inventoryRevision).toBeGreaterThan(before);
  });

  it('RebootIfNeeded reboots when the OS signals it (simulated on a root), then completes and reports', async () => {
    writeFileSync(join(root, 'run/reboot-required'), '*** System restart required ***\n');
    writeFileSync(join(root, 'run/reboot-required.pkgs'), 'demo-lib\n');
    const cmd = await a.send({ document: 'Install', nodeIds: [nodeId], parameters: { rebootOption: 'RebootIfNeeded', installOverrideList: [{ name: 'demo-lib', version: '1.0-3' }] } });
    const done = await a.waitForCommand(cmd.id);
    expect(done.invocations[0]).toMatchObject({ status: 'Success', outcomes: [{ name: 'demo-lib', installedVersion: '1.0-3', state: 'installed' }] });
    expect(done.invocations[0]!.output).toMatch(/rebooting \(RebootIfNeeded\)[\s\S]*rebooted/);
    expect(reboots).toHaveLength(1);
    expect(existsSync(join(root, 'run/reboot-required'))).toBe(false);
    expect((await server.store.commands.invocation(done.invocations[0]!.id))?.result.rebootRequired).toBe(false);
    const node = await a.client.call(endpoints.getNode, { params: { nodeId } });
    expect(node).toMatchObject({ rebootRequired: false });
  });

  it('Always reboots even when the OS does not ask for it', async () => {
    const before = reboots.length;
    const cmd = await a.send({ document: 'Install', nodeIds: [nodeId], parameters: { rebootOption: 'Always', installOverrideList: [{ name: 'demo-lib', version: '1.0-3' }] } });
    const done = await a.waitForCommand(cmd.id);
    expect(done.invocations[0]).toMatchObject({ status: 'Success', outcomes: [{ name: 'demo-lib', state: 'already-installed' }] });
    expect(reboots.length).toBe(before + 1);
  });

  it('sends only what changed (PATCH) when the root changes outside any command', async () => {
    const before = logs.filter((l) => l.startsWith('full inventory sent')).length;
    await aptOnRoot(driver, 'apt-get', ['install', '-y', '-q', 'demo-app=2.0-1']);
    await until('demo-app on the server', async () => {
      const packages = await a.client.call(endpoints.listNodePackages, { params: { nodeId } });
      return packages.items.some((p) => p.name === 'demo-app');
    });
    expect(logs.some((l) => l.startsWith('inventory delta sent'))).toBe(true);
    expect(logs.filter((l) => l.startsWith('full inventory sent')).length).toBe(before);
  });

  it('journals a result while the server is down, retries with backoff, and delivers it exactly once to a restarted server', async () => {
    let reached!: () => void;
    const atScan = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    gate = { reached, release: new Promise<void>((r) => (release = r)) };
    const cmd = await a.send({ document: 'Scan', nodeIds: [nodeId] });
    await atScan;
    await server.stop();
    gate = null;
    release();
    const journal = new Journal(stateDir);
    const entry = await until('the journaled result', async () => (await journal.list()).find((e) => e.result !== undefined));
    expect(entry.result).toMatchObject({ status: 'Success' });
    await until('retries', async () => logs.filter((l) => l.startsWith('server unreachable')).length >= 3);
    const delays = logs.filter((l) => l.startsWith('server unreachable')).map((l) => (JSON.parse(l.slice(l.indexOf('{'))) as { delayMs: number }).delayMs);
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);

    server = await startTestServer(join(work, 'data'), port);
    const done = await a.waitForCommand(cmd.id);
    expect(done.invocations[0]).toMatchObject({ status: 'Success' });
    await until('the journal emptied', async () => (await journal.list()).length === 0);
    const audit = await a.client.call(endpoints.listAudit, { query: { action: 'command.result', limit: 500 } });
    expect(audit.items.filter((e) => e.targetId === done.invocations[0]!.id)).toHaveLength(1);
    expect(readdirSync(journal.dir)).toEqual([]);
  });

  it('reports an install killed midway truthfully on restart: Failed, with the packages as they are', async () => {
    controller.abort();
    await running;
    // The server keeps a long-poll open after the agent hung up (see the report): let it end first.
    await new Promise((r) => setTimeout(r, 2500));
    const enrollment = (await readEnrollment(stateDir))!;
    const cmd = await a.send({ document: 'Install', nodeIds: [nodeId], parameters: { rebootOption: 'NoReboot', installOverrideList: [{ name: 'demo-scripted', version: '1.0-1' }, { name: 'demo-held', version: '1.0-2' }] } });
    // The agent received it, journaled "started" and "installing", and was killed while demo-held was being installed.
    const agentClient = new AgentClient({ server: enrollment.server, credential: enrollment.credential });
    const polled = await agentClient.call(endpoints.pollCommands, { query: { wait: 0 } });
    const inv = polled.invocations[0]!;
    const journal = new Journal(stateDir);
    const entry = await journal.begin(inv);
    await journal.note(entry, 'installing demo-scripted=1.0-1 demo-held=1.0-2', 'installing');
    await aptOnRoot(driver, 'apt-get', ['install', '-y', '-q', 'demo-held=1.0-2']);

    const loop = new AgentLoop({ enrollment, stateDir, root, driver, once: true });
    await loop.run();
    const done = await a.command(cmd.id);
    expect(done.invocations[0]).toMatchObject({
      status: 'Failed',
      output: expect.stringContaining('the agent stopped during the install; the packages are now: demo-scripted 1.0-2 (requested 1.0-1), demo-held 1.0-2 (requested 1.0-2)'),
      outcomes: [
        expect.objectContaining({ name: 'demo-scripted', installedVersion: '1.0-2', state: 'failed' }),
        expect.objectContaining({ name: 'demo-held', installedVersion: '1.0-2', state: 'installed' }),
      ],
    });
    expect(await journal.list()).toEqual([]);
  });

  it('completes an Install whose reboot stopped the agent, and reports it after the restart', async () => {
    const enrollment = (await readEnrollment(stateDir))!;
    const cmd = await a.send({ document: 'Install', nodeIds: [nodeId], parameters: { rebootOption: 'Always', installOverrideList: [{ name: 'demo-held', version: '1.0-2' }] } });
    const agentClient = new AgentClient({ server: enrollment.server, credential: enrollment.credential });
    const inv = (await agentClient.call(endpoints.pollCommands, { query: { wait: 0 } })).invocations[0]!;
    // What the agent journaled before `systemctl reboot` took it down.
    const journal = new Journal(stateDir);
    const entry = await journal.begin(inv);
    entry.install = { ok: true, outcomes: [{ name: 'demo-held', arch: 'all', requestedVersion: '1.0-2', installedVersion: '1.0-2', state: 'already-installed' }], output: '', rebootRequired: false };
    await journal.note(entry, 'installed (ok: true); rebooting (Always)', 'rebooting');
    await new AgentLoop({ enrollment, stateDir, root, driver, once: true }).run();
    const done = await a.command(cmd.id);
    expect(done.invocations[0]).toMatchObject({ status: 'Success', outcomes: [{ name: 'demo-held', state: 'already-installed' }] });
    expect(done.invocations[0]!.output).toMatch(/rebooting \(Always\)[\s\S]*rebooted/);
    expect(await journal.list()).toEqual([]);
  });

  it('refuses unknown operations and scripts (unless the agent config enables them)', async () => {
    const { execute } = await import('../../src/agent/operations.js');
    const journal = new Journal(join(work, 'refusals'));
    const env = { root, driver, scan: () => scanLocal({ root, driver }), reboot: async () => undefined, journal, config: { allowScripts: false, allowInstall: true, inventoryIntervalSeconds: 300 } };
    const unknown = await execute(env, await journal.begin({ invocationId: 'inv-1', commandId: 'cmd-1', document: 'Wipe', parameters: {} }));
    expect(unknown).toMatchObject({ status: 'Failed', output: expect.stringMatching(/refused: unknown operation "Wipe"/) });
    const script = await execute(env, await journal.begin({ invocationId: 'inv-2', commandId: 'cmd-1', document: 'run', parameters: {} }));
    expect(script).toMatchObject({ status: 'Failed', output: expect.stringMatching(/refused: scripts are disabled/) });
  });
});
