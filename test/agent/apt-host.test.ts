import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scanLocal } from '../../src/agent/scan.js';
import { Inventory } from '../../src/contracts/inventory.contract.js';
import { requireComponent } from '../helpers/components.js';

/**
 * The acceptance point "on a real Debian host, agent scan --local --json reports exactly the packages
 * and candidate versions that apt list --upgradable lists, with the same security classification as
 * apt's origins". Read-only: simulation and queries only, no apt-get update.
 */
const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
const debianLike = /^ID=("?)(debian|ubuntu)\1$/m.test(osRelease) && existsSync('/usr/bin/apt-get');
const available = requireComponent('a Debian or Ubuntu host', debianLike, 'this comparison runs only on a Debian/Ubuntu host');

const run = (file: string, args: string[]) => execFileSync(file, args, { encoding: 'utf8', env: { ...process.env, LANG: 'C', LC_ALL: 'C' }, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });

/** Security per package from apt-cache policy alone: the candidate's sources and their release lines. */
function securityFromPolicy(names: string[]): Map<string, boolean> {
  const releases = new Map<string, string>();
  let last = '';
  for (const line of run('apt-cache', ['policy']).split('\n')) {
    const src = /^ +-?\d+ (.+)$/.exec(line);
    if (src !== null && !line.includes('release ')) last = (src[1] ?? '').trim();
    const rel = /^ +release (.*)$/.exec(line);
    if (rel !== null) releases.set(last, rel[1] ?? '');
  }
  const isSec = (release: string) => /(^|,)l=Debian-Security(,|$)/.test(release) || /(^|,)[na]=[^,]*-security(,|$)/.test(release);
  const out = new Map<string, boolean>();
  let pkg = '';
  let candidate = '';
  let inCandidate = false;
  for (const line of run('apt-cache', ['policy', ...names]).split('\n')) {
    if (/^\S.*:$/.test(line)) {
      pkg = line.slice(0, -1);
      out.set(pkg, false);
      continue;
    }
    const c = /^ {2}Candidate: (\S+)/.exec(line);
    if (c !== null) candidate = c[1] ?? '';
    const v = /^ (?:\*\*\*| {3}) (\S+) -?\d+$/.exec(line);
    if (v !== null) inCandidate = v[1] === candidate;
    const s = /^ {8}-?\d+ (.+)$/.exec(line);
    if (s !== null && inCandidate && isSec(releases.get((s[1] ?? '').trim()) ?? '')) out.set(pkg, true);
  }
  return out;
}

describe.runIf(available)('agent scan on this real Debian/Ubuntu host', () => {
  it('reports exactly what apt list --upgradable lists, classified as apt-cache policy origins say', { timeout: 120_000 }, async () => {
    const inv = Inventory.parse(await scanLocal({ root: '/' }));
    const listed = run('apt', ['list', '--upgradable'])
      .split('\n')
      .map((l) => /^([^/\s]+)\/\S+ (\S+) (\S+) \[upgradable from: (\S+)\]/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1] ?? '', candidate: m[2] ?? '', arch: m[3] ?? '', installed: m[4] ?? '' }));
    const key = (name: string, arch: string, cand: string) => `${name} ${arch} ${cand}`;
    expect(inv.updates.map((u) => key(u.name, u.arch, u.candidateVersion)).sort()).toEqual(listed.map((l) => key(l.name, l.arch, l.candidate)).sort());
    expect(inv.updates.map((u) => `${u.name} ${u.installedVersion}`).sort()).toEqual(listed.map((l) => `${l.name} ${l.installed}`).sort());

    const security = securityFromPolicy(listed.map((l) => (l.arch === inv.platform.arch || l.arch === 'all' ? l.name : `${l.name}:${l.arch}`)));
    const mismatches = inv.updates.filter((u) => (security.get(u.name) ?? security.get(`${u.name}:${u.arch}`)) !== u.security).map((u) => u.name);
    expect(mismatches).toEqual([]);
    process.stdout.write(`host: ${inv.packages.length} packages installed, ${inv.updates.length} upgradable (apt list: ${listed.length}), ${inv.updates.filter((u) => u.security).length} security\n`);

    // Installed packages: the same as dpkg's installed set.
    const dpkg = run('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}|${Package}|${Architecture}|${Version}\n'])
      .split('\n')
      .filter((l) => /^.i/.test(l))
      .map((l) => l.split('|').slice(1).join(' '))
      .sort();
    expect(inv.packages.map((p) => `${p.name} ${p.arch} ${p.version}`).sort()).toEqual(dpkg);
  });
});
