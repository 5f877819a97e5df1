import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from '../src/agent/exec.js';
import { endpoints } from '../src/contracts/api.js';
import { admin, startTestServer } from '../test/helpers/fleet.js';
import { scanLocal } from '../src/agent/scan.js';
import type { Benchmark } from './run.js';

const RUNS = 5;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** The raw commands a scan cannot do without, run one after the other. */
async function reference(): Promise<void> {
  const q = await execFile('dpkg-query', ['-W']);
  const s = await execFile('apt-get', ['-s', '-o', 'Debug::NoLocking=1', 'upgrade']);
  if (q.code !== 0 || s.code !== 0) throw new Error(`reference commands failed: ${q.stderr}${s.stderr}`);
}

/** Local scan wall time on this host (root `/`, without --cves) against dpkg-query -W + apt-get -s upgrade. */
export const agent: Benchmark = {
  name: 'agent',
  description: 'local scan (without --cves) on this host vs. the raw dpkg-query -W + apt-get -s upgrade (target ≤ 1.3×); agent idle memory (target < 60 MB)',
  async run() {
    const pm = await execFile('sh', ['-c', 'command -v apt-get']);
    if (pm.code !== 0) {
      process.stdout.write('  skipped: this host has no apt-get (the dnf side measures its own)\n');
      return;
    }
    await reference(); // warm the page cache for both
    let updates = 0;
    let packages = 0;
    const ref: number[] = [];
    const scan: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ref.push(await seconds(reference));
      scan.push(
        await seconds(async () => {
          const inv = await scanLocal({ root: '/' });
          updates = inv.updates.length;
          packages = inv.packages.length;
        }),
      );
    }
    const r = median(ref);
    const s = median(scan);
    process.stdout.write(`  ${'reference: dpkg-query -W + apt-get -s upgrade'.padEnd(56)} ${r.toFixed(2).padStart(6)} s  (median of ${RUNS}: ${ref.map((x) => x.toFixed(2)).join(' ')})\n`);
    process.stdout.write(`  ${'agent scan --local (in process, without --cves)'.padEnd(56)} ${s.toFixed(2).padStart(6)} s  (median of ${RUNS}: ${scan.map((x) => x.toFixed(2)).join(' ')})\n`);
    process.stdout.write(`  ratio ${(s / r).toFixed(2)}× (target ≤ 1.3×); ${packages} packages, ${updates} pending updates\n`);
    await idleMemory();
  },
};

/** Resident set size of a process in MB, from /proc. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function sampleRss(pid: number, seconds: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < seconds; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    out.push(rssMb(pid));
  }
  return out;
}

/**
 * The bundled agent (`node dist/agent.mjs run`) enrolled against a real server and managing this
 * host (scan-only use: nothing is installed), idle after its first full inventory: resident memory
 * (target under 60 MB); reference in the same run: an idle bare `node` process.
 */
async function idleMemory(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'pw-bench-agent-'));
  const bundle = join(work, 'agent.mjs');
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-agent.js', import.meta.url)), '--outfile', bundle], { stdio: 'ignore' });
  const server = await startTestServer(join(work, 'data'));
  const children: ChildProcess[] = [];
  try {
    const a = await admin(server.url, 'bench');
    const act = await a.activation(1);
    const stateDir = join(work, 'agent-state');
    // Asynchronously: the server runs in this process and must answer the enrollment.
    const enrolled = await execFile(process.execPath, [bundle, 'enroll', '--server', server.url, '--activation-id', act.id, '--activation-code', act.code, '--root', '/', '--state-dir', stateDir]);
    if (enrolled.code !== 0) throw new Error(`enroll failed: ${enrolled.stderr}`);
    const agentProc = spawn(process.execPath, [bundle, 'run', '--root', '/', '--state-dir', stateDir, '--poll-wait', '30'], { stdio: 'ignore' });
    const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(agentProc, bare);
    // Idle = after the first full inventory reached the server.
    const until = Date.now() + 120_000;
    for (;;) {
      const nodes = await a.client.call(endpoints.listNodes, { query: { accountId: a.accountId } });
      if ((nodes.items[0]?.packageCount ?? 0) > 0 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // Settle: the first inventory's garbage is collected; then 20 samples over 20 s of idling (heartbeats, long-polls).
    await new Promise((r) => setTimeout(r, 10_000));
    const [agentRss, bareRss] = await Promise.all([sampleRss(agentProc.pid ?? 0, 20), sampleRss(bare.pid ?? 0, 20)]);
    const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} MB, max ${Math.max(...xs).toFixed(1)} MB`;
    process.stdout.write(`  ${'agent resident memory while idle (node dist/agent.mjs run)'.padEnd(56)} ${fmt(agentRss)}  (target < 60 MB; 20 samples, 1 s apart, from 10 s after the first inventory)\n`);
    process.stdout.write(`  ${'reference: an idle bare node process'.padEnd(56)} ${fmt(bareRss)}\n`);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
