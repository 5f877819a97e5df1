import { execFile } from '../src/agent/exec.js';
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
  description: 'local scan (without --cves) on this host vs. the raw dpkg-query -W + apt-get -s upgrade (target ≤ 1.3×)',
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
    process.stdout.write('  agent resident memory while idle: not measured yet (the agent loop does not exist yet)\n');
  },
};
