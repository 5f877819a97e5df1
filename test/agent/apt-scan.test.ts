import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanLocal } from '../../src/agent/scan.js';
import { main } from '../../src/cli/main.js';
import { Inventory } from '../../src/contracts/inventory.contract.js';
import { aptOnRoot, aptToolsAvailable, buildDemoWorld, makeWorkDir, mkroot, testDriver, type DemoWorld } from '../helpers/apt-root.js';
import { requireComponent } from '../helpers/components.js';

const available = requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _e, cb) {
        into.push(chunk.toString());
        cb();
      },
    });
  const code = await main(['node', 'patchwarden', ...args], { stdout: sink(out), stderr: sink(err), stdin: Readable.from([]), env: {} });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe.runIf(available)('apt driver: scan of an isolated root', () => {
  let work: string;
  let world: DemoWorld;
  let root: string;
  let state: string;

  beforeAll(async () => {
    work = makeWorkDir();
    world = buildDemoWorld(join(work, 'world'));
    root = mkroot(join(work, 'scanned-root'), world.sources);
    state = join(work, 'state');
    const d = testDriver(root, state);
    await aptOnRoot(d, 'apt-get', ['update', '-q']);
    await aptOnRoot(d, 'apt-get', ['install', '-y', '-q', 'demo-lib=1.0-1', 'demo-src', 'demo-held=1.0-1', 'demo-cve=1.0-1', 'demo-sec=1.0-1', 'demo-sec2=1.0-1', 'demo-ubu=1.0-1']);
    await aptOnRoot(d, 'apt-mark', ['hold', 'demo-held']);
  });
  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('lists installed packages with their source packages', async () => {
    const pkgs = await testDriver(root, state).installedPackages();
    expect(pkgs.map((p) => p.name).sort()).toEqual(['demo-cve', 'demo-held', 'demo-lib', 'demo-sec', 'demo-sec2', 'demo-src', 'demo-ubu']);
    expect(pkgs.find((p) => p.name === 'demo-src')).toEqual({ name: 'demo-src', arch: 'all', version: '1.0-1', sourceName: 'demo-source', sourceVersion: '0.9-1' });
    expect(pkgs.find((p) => p.name === 'demo-lib')).toEqual({ name: 'demo-lib', arch: 'all', version: '1.0-1', sourceName: 'demo-lib', sourceVersion: '1.0-1' });
  });

  it('lists pending updates with candidates, origins and security for both suite spellings and an Ubuntu pocket', async () => {
    const updates = await testDriver(root, state).pendingUpdates();
    const by = new Map(updates.map((u) => [u.name, u]));
    expect([...by.keys()].sort()).toEqual(['demo-cve', 'demo-held', 'demo-lib', 'demo-sec', 'demo-sec2', 'demo-ubu']);
    expect(by.get('demo-lib')).toMatchObject({
      arch: 'all',
      installedVersion: '1.0-1',
      candidateVersion: '1.0-3',
      security: false,
      classification: 'other',
      origin: { label: 'Demo', suite: 'bookworm', codename: 'bookworm', origin: 'Demo', site: 'local' },
      section: 'misc',
      priority: 'optional',
      cves: [],
      releaseDate: null,
    });
    expect(by.get('demo-sec')).toMatchObject({
      candidateVersion: '1.0-1+deb12u1',
      security: true,
      classification: 'security',
      origin: { label: 'Debian-Security', suite: 'oldstable-security', codename: 'bookworm-security', origin: 'Debian', site: 'local' },
    });
    expect(by.get('demo-sec2')).toMatchObject({ candidateVersion: '1.0-1+deb12u1', security: true, origin: { suite: 'bookworm-security', codename: 'bookworm-security' } });
    expect(by.get('demo-ubu')).toMatchObject({ candidateVersion: '1.0-1ubuntu0.1', security: true, origin: { label: 'Ubuntu', suite: 'jammy-security', codename: 'jammy' } });
    // Held packages stay pending (apt list --upgradable shows them too).
    expect(by.get('demo-held')).toMatchObject({ installedVersion: '1.0-1', candidateVersion: '1.0-2', security: false });
    // The same set as apt's own list of the root.
    const d = testDriver(root, state);
    const listed = (await d.env.apt('apt', ['list', '--upgradable'])).stdout
      .split('\n')
      .map((l) => /^([^/]+)\/\S+ (\S+) /.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]} ${m[2]}`)
      .sort();
    expect(updates.map((u) => `${u.name} ${u.candidateVersion}`).sort()).toEqual(listed);
  });

  it('resolves origins from the Release files when nothing is kept back', async () => {
    const other = mkroot(join(work, 'no-holds-root'), world.sources);
    const d = testDriver(other, join(work, 'state-no-holds'));
    await aptOnRoot(d, 'apt-get', ['update', '-q']);
    await aptOnRoot(d, 'apt-get', ['install', '-y', '-q', 'demo-lib=1.0-1', 'demo-sec=1.0-1', 'demo-ubu=1.0-1']);
    const updates = await d.pendingUpdates();
    expect(updates.map((u) => [u.name, u.candidateVersion, u.security, u.origin])).toEqual([
      ['demo-lib', '1.0-3', false, { label: 'Demo', suite: 'bookworm', codename: 'bookworm', origin: 'Demo', site: 'local' }],
      ['demo-sec', '1.0-1+deb12u1', true, { label: 'Debian-Security', suite: 'oldstable-security', codename: 'bookworm-security', origin: 'Debian', site: 'local' }],
      ['demo-ubu', '1.0-1ubuntu0.1', true, { label: 'Ubuntu', suite: 'jammy-security', codename: 'jammy', origin: 'Ubuntu', site: 'local' }],
    ]);
  });

  it('reads CVE ids from the candidate changelog, newer entries only, and caches them per version', async () => {
    const d = testDriver(root, state);
    const updates = await d.pendingUpdates({ cves: true });
    expect(updates.find((u) => u.name === 'demo-cve')?.cves).toEqual(['CVE-2026-1111', 'CVE-2026-2222', 'CVE-2026-33333']);
    expect(updates.find((u) => u.name === 'demo-lib')?.cves).toEqual([]);
    expect(readdirSync(d.cacheDir).filter((f) => f.startsWith('demo-cve_1.0-3'))).toHaveLength(1);
    // The cache answers without the repository.
    const again = await d.pendingUpdates({ cves: true });
    expect(again.find((u) => u.name === 'demo-cve')?.cves).toEqual(['CVE-2026-1111', 'CVE-2026-2222', 'CVE-2026-33333']);
  });

  it("with cves: 'security' reads the changelogs of security updates only (the server setting)", async () => {
    const d = testDriver(root, join(work, 'state-security-cves'));
    const updates = await d.pendingUpdates({ cves: 'security' });
    expect(updates.find((u) => u.name === 'demo-cve')?.security).toBe(false);
    expect(updates.find((u) => u.name === 'demo-cve')?.cves).toEqual([]);
    expect(readdirSync(d.cacheDir).filter((f) => f.startsWith('demo-cve_'))).toHaveLength(0);
    const security = updates.filter((u) => u.security).map((u) => u.name);
    expect(security.length).toBeGreaterThan(0);
    expect(readdirSync(d.cacheDir).filter((f) => security.some((n) => f.startsWith(`${n}_`)))).toHaveLength(security.length);
  });

  it('scans the root as a whole: platform, host from the root, reboot signals', async () => {
    const inv = Inventory.parse(await scanLocal({ root, stateDir: state }));
    expect(inv.platform).toMatchObject({ osId: 'debian', version: '12', codename: 'bookworm', packageManager: 'apt', ecosystem: 'Debian:12' });
    expect(inv.host).toEqual({ hostname: 'scanned-root', addresses: [], kernel: { running: '', installed: [] } });
    expect(inv.rebootRequired).toBe(false);
    writeFileSync(join(root, 'run/reboot-required'), '*** System restart required ***\n');
    writeFileSync(join(root, 'run/reboot-required.pkgs'), 'demo-lib\nlibc6\n');
    try {
      const after = await scanLocal({ root, stateDir: state });
      expect(after.reboot).toEqual({ required: true, reasons: ['reboot-required-file'], packages: ['demo-lib', 'libc6'] });
      expect(after.rebootRequired).toBe(true);
    } finally {
      rmSync(join(root, 'run/reboot-required'));
      rmSync(join(root, 'run/reboot-required.pkgs'));
    }
  });

  it('patchwarden agent scan --local --root DIR --json prints the inventory; without --json a summary', async () => {
    const r = await cli(['agent', 'scan', '--local', '--root', root, '--json', '--state-dir', state]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const inv = JSON.parse(r.stdout) as Inventory;
    expect(Object.keys(inv)).toEqual(expect.arrayContaining(['platform', 'packages', 'updates', 'rebootRequired']));
    expect(Object.keys(inv.packages[0] ?? {}).sort()).toEqual(['arch', 'name', 'sourceName', 'sourceVersion', 'version']);
    const sec = inv.updates.find((u) => u.name === 'demo-sec');
    expect(sec).toMatchObject({ name: 'demo-sec', arch: 'all', installedVersion: '1.0-1', candidateVersion: '1.0-1+deb12u1', security: true, cves: [] });
    expect(Object.keys(sec?.origin ?? {})).toEqual(expect.arrayContaining(['label', 'suite', 'codename', 'site']));
    const text = await cli(['agent', 'scan', '--local', '--root', root, '--state-dir', state]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Updates: +6 pending, 3 security/);
    expect(text.stdout).toMatch(/^SECURITY +demo-sec +all +1\.0-1 +1\.0-1\+deb12u1/m);
  });

  it('isolates the root: no host apt configuration and no hook of the root\'s apt.conf.d is used', async () => {
    const marker = join(work, 'hook-ran');
    writeFileSync(join(root, 'etc/apt/apt.conf.d/99hook'), `DPkg::Post-Invoke { "touch ${marker}"; };\nAPT::Update::Post-Invoke-Success { "touch ${marker}"; };\n`);
    try {
      const d = testDriver(root, state);
      const dump = (await d.env.apt('apt-config', ['dump'])).stdout;
      expect(dump).toContain(`Dir "${root}/";`);
      expect(dump).not.toMatch(/Invoke/);
      expect(dump).toMatch(new RegExp(`DPkg::Options:: "--root=${root}";`));
      await aptOnRoot(d, 'apt-get', ['update', '-q']);
      expect((await d.install([{ name: 'demo-scripted', version: '1.0-1' }])).outcomes[0]?.state).toBe('installed');
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(join(root, 'etc/apt/apt.conf.d/99hook'));
    }
  });

  it('refuses a scan without --local as a usage error', async () => {
    expect((await cli(['agent', 'scan', '--root', root])).code).toBe(2);
  });
});
