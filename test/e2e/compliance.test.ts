import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { endpoints } from '../../src/contracts/api.js';
import type { NodeComplianceDetail } from '../../src/contracts/compliance.contract.js';
import type { RunningServer } from '../../src/server/server.js';
import { aptOnRoot, aptToolsAvailable, buildDeb, buildDemoWorld, buildRepo, makeWorkDir, mkroot, testDriver } from '../helpers/apt-root.js';
import { requireComponent } from '../helpers/components.js';
import { admin, startTestServer, type Admin } from '../helpers/fleet.js';
import { processesOf, until as untilWithin } from '../helpers/processes.js';

const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> => untilWithin(what, probe, timeoutMs);

/**
 * Issue 5's end-to-end acceptance on real package managers: a real server, two agents (real child
 * processes running the bundle) on throw-away apt roots with local repositories, a custom baseline
 * as the account's default and an imported advisory:
 * Scan → MISSING and NON_COMPLIANT (with the advisory's CVE); Install with a snapshot frozen at its
 * start → INSTALLED and COMPLIANT; the same snapshot promoted to the second node with NoReboot while
 * a package asks for a reboot → INSTALLED_PENDING_REBOOT, then INSTALLED after the reboot; a package
 * rejected with BLOCK while installed → INSTALLED_REJECTED.
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

/** A Debian security advisory for demo-sec, in OSV form, fixed by the security repository's version. */
const ADVISORY = {
  schema_version: '1.6.0',
  id: 'DSA-9001-1',
  aliases: ['CVE-2026-9001'],
  modified: '2026-11-20T10:00:00Z',
  published: '2026-11-20T10:00:00Z',
  summary: 'demo-sec: heap overflow',
  affected: [{ package: { ecosystem: 'Debian:12', name: 'demo-sec' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0-1+deb12u1' }] }] }],
};

describe.runIf(available)('compliance end to end: agents on apt roots, a baseline, snapshots, reboot and rejection', () => {
  let work: string;
  let bundle: string;
  let server: RunningServer;
  let a: Admin;
  let baselineId: string;
  let firstSnapshot: string;
  const agents: Agent[] = [];

  const start = (agent: Agent) => {
    const child = spawn(process.execPath, [bundle, 'run', '--root', agent.root, '--state-dir', agent.stateDir, '--poll-wait', '2', '--backoff-max-ms', '500', '--inventory-interval', '2', '--script-chrootless'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr.on('data', (c: Buffer) => (agent.stderr += c.toString('utf8')));
    agent.child = child;
  };
  const compliance = (agent: Agent): Promise<NodeComplianceDetail> => a.client.call(endpoints.getNodeCompliance, { params: { nodeId: agent.nodeId }, query: {} });
  const states = (d: NodeComplianceDetail): Record<string, string> => Object.fromEntries(d.patches.map((p) => [p.name, p.state]));
  const run = async (document: 'Scan' | 'Install', agent: Agent, parameters: Record<string, unknown> = {}) => {
    const cmd = await a.send({ document, nodeIds: [agent.nodeId], parameters });
    const done = await a.waitForCommand(cmd.id, 60_000);
    expect(done.invocations.map((i) => i.status), `${agent.name}: ${done.invocations[0]?.output ?? ''}\n${agent.stderr}`).toEqual(['Success']);
    return done;
  };
  /** Waits until the node's compliance reflects the latest inventory (evaluation follows each report). */
  const settled = async (agent: Agent, probe: (d: NodeComplianceDetail) => boolean, what: string) =>
    until(`${agent.name}: ${what}`, async () => {
      const d = await compliance(agent).catch(() => undefined);
      return d !== undefined && probe(d) && d;
    });

  beforeAll(async () => {
    work = makeWorkDir('pw-compliance-');
    bundle = join(work, 'agent.mjs');
    execFileSync(process.execPath, [join(REPO, 'scripts/build-agent.js'), '--outfile', bundle], { stdio: 'ignore' });
    const world = buildDemoWorld(join(work, 'world'));
    // demo-rb: its security update asks for a reboot when installed (as kernels and libc do).
    const pool = join(work, 'world', 'pool-rb');
    mkdirSync(pool, { recursive: true });
    const rbRepo = buildRepo(
      join(work, 'world', 'repo-sec-rb'),
      [buildDeb(pool, { name: 'demo-rb', version: '1.0-1' }), buildDeb(pool, { name: 'demo-rb', version: '1.0-1+deb12u1', postinst: 'reboot' })],
      { origin: 'Debian', label: 'Debian-Security', suite: 'bookworm-security', codename: 'bookworm-security', version: '12', dist: 'bookworm-security-rb' },
    );
    const sources = [...world.sources.filter((s) => !s.includes('ubuntu')), rbRepo];
    const data = join(work, 'data');
    server = await startTestServer(data, 0, { PATCHWARDEN_COMPLIANCE_INTERVAL_SECONDS: '1' });
    a = await admin(server.url, 'compliance-e2e');
    // The advisory engine knows DSA-9001-1 (imported through the CLI into the server's database).
    const osv = join(work, 'osv');
    mkdirSync(osv);
    writeFileSync(join(osv, 'DSA-9001-1.json'), JSON.stringify(ADVISORY));
    let out = '';
    const sink = new Writable({ write: (c: Buffer, _e, cb) => ((out += c.toString('utf8')), cb()) });
    const code = await main(['node', 'patchwarden', 'advisories', 'import', osv, '--data-dir', data, '--quiet'], { stdout: sink, stderr: sink, stdin: Readable.from([]), env: {} });
    expect(code, out).toBe(0);

    const act = await a.activation(2);
    for (const name of ['comp-a', 'comp-b']) {
      const root = mkroot(join(work, name), sources);
      writeFileSync(join(root, 'etc/hostname'), `${name}\n`);
      const d = testDriver(root, join(work, `${name}-setup`));
      await aptOnRoot(d, 'apt-get', ['update', '-q']);
      await aptOnRoot(d, 'apt-get', ['install', '-y', '-q', 'demo-lib=1.0-1', 'demo-sec=1.0-1', 'demo-sec2=1.0-1', 'demo-tool=1.0-1', 'demo-rb=1.0-1']);
      const stateDir = join(work, `${name}-agent`);
      const enrolled = (await promisify(execFile)(process.execPath, [bundle, 'enroll', '--server', server.url, '--activation-id', act.id, '--activation-code', act.code, '--root', root, '--state-dir', stateDir], { encoding: 'utf8' })).stdout;
      const nodeId = /Enrolled as node (\S+)/.exec(enrolled)?.[1];
      if (nodeId === undefined) throw new Error(`enroll printed: ${enrolled}`);
      agents.push({ name, root, stateDir, nodeId, child: null, stderr: '' });
    }
    // The account's default for Debian: every security update, at once, compliance level HIGH.
    const baseline = await a.client.call(endpoints.createBaseline, {
      params: { accountId: a.accountId },
      body: { name: 'e2e-debian', operatingSystem: 'DEBIAN', approvalRules: [{ filters: [{ key: 'PRIORITY', values: ['*'] }], approveAfterDays: 0, complianceLevel: 'HIGH' }] },
    });
    baselineId = baseline.id;
    await a.client.call(endpoints.setDefaultBaseline, { params: { accountId: a.accountId, operatingSystem: 'DEBIAN' }, body: { baselineId } });
  }, 180_000);

  afterAll(async () => {
    for (const agent of agents) agent.child?.kill('SIGKILL');
    for (const agent of agents) for (const pid of processesOf(agent.root)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('a Scan finds the approved security updates MISSING, with the advisory engine\'s CVEs: NON_COMPLIANT', async () => {
    for (const agent of agents) start(agent);
    for (const agent of agents) {
      await until(`${agent.name}'s inventory`, async () => (await a.client.call(endpoints.getNode, { params: { nodeId: agent.nodeId } })).inventoryRevision > 0);
      const scan = await run('Scan', agent);
      const d = await settled(agent, (x) => x.node.commandId === scan.id, 'the Scan evaluated');
      expect(states(d), agent.stderr).toEqual({ 'demo-sec': 'MISSING', 'demo-sec2': 'MISSING', 'demo-rb': 'MISSING' });
      expect(d.node).toMatchObject({ status: 'NON_COMPLIANT', complianceLevel: 'HIGH', operation: 'Scan', baselineId, baselineSource: 'accountDefault' });
      expect(d.node.counts).toMatchObject({ MISSING: 3, INSTALLED_OTHER: 2 });
      const sec = d.patches.find((p) => p.name === 'demo-sec')!;
      expect(sec).toMatchObject({ installedVersion: '1.0-1', candidateVersion: '1.0-1+deb12u1', approvedVersion: '1.0-1+deb12u1', security: true });
      expect(sec.cves).toContain('CVE-2026-9001');
      expect(sec.advisoryIds).toContain('DSA-9001-1');
    }
    const exposed = await a.client.call(endpoints.listCompliancePatches, { query: { cve: 'CVE-2026-9001' } });
    expect(exposed.items.map((p) => p.nodeId).sort()).toEqual(agents.map((g) => g.nodeId).sort());
  });

  it('an Install freezes a snapshot and installs it: INSTALLED and COMPLIANT (RebootIfNeeded reboots because the OS asks)', async () => {
    const agent = agents[0]!;
    const done = await run('Install', agent, { rebootOption: 'RebootIfNeeded' });
    firstSnapshot = done.parameters.snapshotId ?? '';
    expect(firstSnapshot).toMatch(/^snap_/);
    const snapshot = await a.client.call(endpoints.getSnapshot, { params: { snapshotId: firstSnapshot }, query: {} });
    expect(snapshot.items.items.map((i) => `${i.name}=${i.version}`).sort()).toEqual(['demo-rb=1.0-1+deb12u1', 'demo-sec2=1.0-1+deb12u1', 'demo-sec=1.0-1+deb12u1']);
    expect(done.invocations[0]!.outcomes.map((o) => `${o.name}:${o.state}`).sort()).toEqual(['demo-rb:installed', 'demo-sec2:installed', 'demo-sec:installed']);
    const d = await settled(agent, (x) => x.node.commandId === done.id, 'the Install evaluated');
    expect(states(d)).toEqual({ 'demo-sec': 'INSTALLED', 'demo-sec2': 'INSTALLED', 'demo-rb': 'INSTALLED' });
    expect(d.node).toMatchObject({ status: 'COMPLIANT', complianceLevel: null, operation: 'Install', snapshotId: firstSnapshot });
    // demo-rb's postinst asked for the reboot; the agent rebooted (on a root: the markers are gone).
    expect(existsSync(join(agent.root, 'run/reboot-required'))).toBe(false);
    expect(done.invocations[0]!.output).toMatch(/reboot/i);
  });

  it('the same snapshot on the next node with NoReboot: INSTALLED_PENDING_REBOOT, then INSTALLED after the reboot', async () => {
    const agent = agents[1]!;
    const done = await run('Install', agent, { rebootOption: 'NoReboot', snapshotId: firstSnapshot });
    expect(done.invocations[0]!.outcomes.map((o) => `${o.name}=${o.installedVersion}`).sort()).toEqual(['demo-rb=1.0-1+deb12u1', 'demo-sec2=1.0-1+deb12u1', 'demo-sec=1.0-1+deb12u1']);
    const pending = await settled(agent, (x) => x.node.commandId === done.id, 'the Install evaluated');
    expect(states(pending)).toEqual({ 'demo-sec': 'INSTALLED_PENDING_REBOOT', 'demo-sec2': 'INSTALLED_PENDING_REBOOT', 'demo-rb': 'INSTALLED_PENDING_REBOOT' });
    expect(pending.node).toMatchObject({ status: 'NON_COMPLIANT', snapshotId: firstSnapshot });
    expect(pending.node.counts.INSTALLED_PENDING_REBOOT).toBe(3);

    // The reboot: /run is empty again when the host comes back (what the agent's root reboot does too).
    rmSync(join(agent.root, 'run/reboot-required'), { force: true });
    rmSync(join(agent.root, 'run/reboot-required.pkgs'), { force: true });
    const scan = await run('Scan', agent);
    const after = await settled(agent, (x) => x.node.commandId === scan.id, 'the Scan after the reboot evaluated');
    expect(states(after)).toEqual({ 'demo-sec': 'INSTALLED', 'demo-sec2': 'INSTALLED', 'demo-rb': 'INSTALLED' });
    expect(after.node.status).toBe('COMPLIANT');
  });

  it('rejecting an installed package with BLOCK makes it INSTALLED_REJECTED: NON_COMPLIANT', async () => {
    await a.client.call(endpoints.updateBaseline, { params: { baselineId }, body: { rejectedPatches: ['demo-tool'], rejectedPatchesAction: 'BLOCK' } });
    for (const agent of agents) {
      // The change marks the nodes stale; the compliance job re-evaluates them without a new Scan.
      const d = await settled(agent, (x) => x.patches.some((p) => p.name === 'demo-tool'), 'the re-evaluation');
      expect(d.patches.find((p) => p.name === 'demo-tool')).toMatchObject({ state: 'INSTALLED_REJECTED', installedVersion: '1.0-1' });
      expect(d.node).toMatchObject({ status: 'NON_COMPLIANT', baselineVersion: 2 });
    }
    const history = await a.client.call(endpoints.getNodeComplianceHistory, { params: { nodeId: agents[1]!.nodeId }, query: { limit: 50 } });
    expect(history.items.map((h) => `${h.operation}:${h.status}`)).toEqual(
      expect.arrayContaining(['Scan:NON_COMPLIANT', 'Install:NON_COMPLIANT', 'Scan:COMPLIANT', 'Reevaluation:NON_COMPLIANT']),
    );
    const summary = await a.client.call(endpoints.getComplianceSummary, { query: { accountId: a.accountId, groupBy: 'status' } });
    expect(summary.totals).toMatchObject({ nodes: 2, compliant: 0, nonCompliant: 2 });
  });
});
