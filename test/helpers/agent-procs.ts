/**
 * Real agents for the end-to-end tests: the bundle built into a temp dir, throw-away apt roots with
 * a local repository whose security pocket gets new versions of one package over the test, and
 * agents as child processes (`node agent.mjs run …`) enrolled into given accounts.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { aptOnRoot, buildDeb, buildRepo, mkroot, testDriver } from './apt-root.js';
import { processesOf } from './processes.js';

const REPO = join(import.meta.dirname, '../..');

/** Builds dist/agent.mjs into `outfile` (the real bundle the agents run). */
export function buildAgentBundle(outfile: string): string {
  execFileSync(process.execPath, [join(REPO, 'scripts/build-agent.js'), '--outfile', outfile], { stdio: 'ignore' });
  return outfile;
}

/**
 * One package, `PKG` (demo-svc), 1.0-1 in the main repository (Demo, bookworm); its security
 * updates (Origin Debian, Label Debian-Security, bookworm-security) are published one by one with
 * `publish(version)`: the security repository then holds every version published so far.
 */
export interface PatchWorld {
  sources: string[];
  publish(version: string): void;
}

export const PKG = 'demo-svc';
export const BASE_VERSION = '1.0-1';

export function buildPatchWorld(dir: string): PatchWorld {
  const pool = join(dir, 'pool');
  mkdirSync(pool, { recursive: true });
  const main = buildRepo(join(dir, 'repo-main'), [buildDeb(pool, { name: PKG, version: BASE_VERSION })], { origin: 'Demo', label: 'Demo', suite: 'bookworm', codename: 'bookworm' });
  const secPool = join(dir, 'pool-sec');
  mkdirSync(secPool, { recursive: true });
  const published: string[] = [];
  const release = { origin: 'Debian', label: 'Debian-Security', suite: 'bookworm-security', codename: 'bookworm-security', version: '12' };
  // An empty security repository at first (apt-get update must find its Release).
  const sec = buildRepo(join(dir, 'repo-sec'), [], release);
  return {
    sources: [main, sec],
    publish(version: string) {
      published.push(buildDeb(secPool, { name: PKG, version }));
      buildRepo(join(dir, 'repo-sec'), published, release);
    },
  };
}

/** The version of a package dpkg has installed on the root (from var/lib/dpkg/status), or null. */
export function installedVersion(root: string, pkg = PKG): string | null {
  const status = readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8');
  for (const para of status.split(/\n\n+/)) {
    if (!new RegExp(`^Package: ${pkg}$`, 'm').test(para)) continue;
    if (!/^Status: install ok installed$/m.test(para)) return null;
    return /^Version: (.+)$/m.exec(para)?.[1] ?? null;
  }
  return null;
}

export interface AgentProc {
  name: string;
  accountId: string;
  root: string;
  stateDir: string;
  nodeId: string;
  child: ChildProcess | null;
  stderr: string;
}

/** A fresh root with `PKG` at its base version installed, enrolled with the activation; not started. */
export async function enrollAgent(input: {
  bundle: string;
  work: string;
  name: string;
  accountId: string;
  serverUrl: string;
  activation: { id: string; code: string };
  sources: readonly string[];
}): Promise<AgentProc> {
  const { bundle, work, name } = input;
  const root = mkroot(join(work, name), input.sources);
  writeFileSync(join(root, 'etc/hostname'), `${name}\n`);
  const d = testDriver(root, join(work, `${name}-setup`));
  await aptOnRoot(d, 'apt-get', ['update', '-q']);
  await aptOnRoot(d, 'apt-get', ['install', '-y', '-q', `${PKG}=${BASE_VERSION}`]);
  const stateDir = join(work, `${name}-agent`);
  const out = (
    await promisify(execFile)(process.execPath, [bundle, 'enroll', '--server', input.serverUrl, '--activation-id', input.activation.id, '--activation-code', input.activation.code, '--root', root, '--state-dir', stateDir], {
      encoding: 'utf8',
    })
  ).stdout;
  const nodeId = /Enrolled as node (\S+)/.exec(out)?.[1];
  if (nodeId === undefined) throw new Error(`enroll printed: ${out}`);
  return { name, accountId: input.accountId, root, stateDir, nodeId, child: null, stderr: '' };
}

export function startAgent(bundle: string, agent: AgentProc): void {
  const child = spawn(process.execPath, [bundle, 'run', '--root', agent.root, '--state-dir', agent.stateDir, '--poll-wait', '2', '--backoff-max-ms', '500', '--inventory-interval', '2', '--script-chrootless'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (c: Buffer) => {
    agent.stderr = (agent.stderr + c.toString('utf8')).slice(-20_000);
  });
  agent.child = child;
}

/** SIGKILLs the agent and whatever apt/dpkg still works on its root. */
export function killAgent(agent: AgentProc): void {
  agent.child?.kill('SIGKILL');
  agent.child = null;
  for (const pid of processesOf(agent.root)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
