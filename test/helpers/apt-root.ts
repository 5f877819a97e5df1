/**
 * Throw-away apt/dpkg worlds for the agent tests (shared/reference/testing-with-real-package-managers.md §1):
 * tiny script-free .debs built with dpkg-deb, local repositories in the dists layout (a main
 * repository and security repositories), and a fresh isolated root per test, all under a
 * world-traversable temporary parent (pitfall P7).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AptDriver } from '../../src/agent/package-managers/apt/index.js';

const has = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** dpkg-deb, dpkg-scanpackages (dpkg-dev), apt-ftparchive (apt-utils) and apt-get are all present. */
export function aptToolsAvailable(): boolean {
  return ['dpkg-deb', 'dpkg-scanpackages', 'apt-ftparchive', 'apt-get'].every(has);
}

/** A fresh world-traversable work directory (apt's _apt sandbox must reach the repositories). */
export function makeWorkDir(prefix = 'pw-apt-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export interface DebSpec {
  name: string;
  version: string;
  depends?: string;
  conflicts?: string;
  breaks?: string;
  section?: string;
  priority?: string;
  /** `Source: name (version)` of the binary package. */
  source?: string;
  /**
   * A postinst: `log` appends a line to $DPKG_ROOT/var/tmp/NAME-postinst.log; `fail-unless-allowed`
   * fails unless $DPKG_ROOT/var/tmp/allow-NAME exists (leaves the package half-configured);
   * `sleep` sleeps 30 s (to kill dpkg mid-install); `reboot` asks for a reboot the Debian way
   * (touches $DPKG_ROOT/run/reboot-required and appends NAME to reboot-required.pkgs, as
   * update-notifier's hook does for kernels and libc).
   */
  postinst?: 'log' | 'fail-unless-allowed' | 'sleep' | 'reboot';
  /** Text of usr/share/doc/NAME/changelog.Debian.gz. */
  changelog?: string;
}

/** Builds one .deb (Architecture: all) into `outDir` and returns its path. */
export function buildDeb(outDir: string, spec: DebSpec): string {
  const work = join(outDir, '.build', `${spec.name}_${spec.version}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'DEBIAN'), { recursive: true });
  mkdirSync(join(work, 'usr/share', spec.name), { recursive: true });
  writeFileSync(join(work, 'usr/share', spec.name, 'VERSION'), `${spec.name} ${spec.version}\n`);
  const control = [
    `Package: ${spec.name}`,
    `Version: ${spec.version}`,
    ...(spec.source === undefined ? [] : [`Source: ${spec.source}`]),
    'Architecture: all',
    'Maintainer: Test <test@example.invalid>',
    `Section: ${spec.section ?? 'misc'}`,
    `Priority: ${spec.priority ?? 'optional'}`,
    ...(spec.depends === undefined ? [] : [`Depends: ${spec.depends}`]),
    ...(spec.conflicts === undefined ? [] : [`Conflicts: ${spec.conflicts}`]),
    ...(spec.breaks === undefined ? [] : [`Breaks: ${spec.breaks}`]),
    `Description: tiny test package ${spec.name}`,
    ' Used by the Patchwarden agent tests.',
  ];
  writeFileSync(join(work, 'DEBIAN/control'), `${control.join('\n')}\n`);
  if (spec.postinst !== undefined) {
    const body = {
      log: `echo "postinst $1 ${spec.version}" >> "$DPKG_ROOT/var/tmp/${spec.name}-postinst.log"`,
      'fail-unless-allowed': `[ -e "$DPKG_ROOT/var/tmp/allow-${spec.name}" ] || { echo "postinst of ${spec.name} fails on purpose" >&2; exit 1; }`,
      sleep: 'sleep 30',
      reboot: `mkdir -p "$DPKG_ROOT/run" && touch "$DPKG_ROOT/run/reboot-required" && echo ${spec.name} >> "$DPKG_ROOT/run/reboot-required.pkgs"`,
    }[spec.postinst];
    writeFileSync(join(work, 'DEBIAN/postinst'), `#!/bin/sh\nset -e\n${body}\n`, { mode: 0o755 });
  }
  if (spec.changelog !== undefined) {
    const doc = join(work, 'usr/share/doc', spec.name);
    mkdirSync(doc, { recursive: true });
    writeFileSync(join(doc, 'changelog.Debian.gz'), gzipSync(spec.changelog));
  }
  const out = join(outDir, `${spec.name}_${spec.version.replace(/^\d+:/, '')}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', work, out], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
  return out;
}

export interface ReleaseSpec {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  version?: string;
  /** The directory under dists/ (default the codename). */
  dist?: string;
}

/** A repository in the dists layout; returns its sources.list line. */
export function buildRepo(dir: string, debs: readonly string[], release: ReleaseSpec): string {
  const dist = release.dist ?? release.codename;
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  mkdirSync(join(dir, 'pool/main'), { recursive: true });
  mkdirSync(join(dir, 'dists', dist, 'main', `binary-${arch}`), { recursive: true });
  for (const d of debs) copyFileSync(d, join(dir, 'pool/main', basename(d)));
  // --multiversion keeps every version (pitfall P10).
  const packages = execFileSync('dpkg-scanpackages', ['--multiversion', 'pool/main', '/dev/null'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const pkgFile = join(dir, 'dists', dist, 'main', `binary-${arch}`, 'Packages');
  writeFileSync(pkgFile, packages);
  writeFileSync(`${pkgFile}.gz`, gzipSync(packages));
  const opt = (k: string, v: string) => ['-o', `APT::FTPArchive::Release::${k}=${v}`];
  const args = [
    ...opt('Origin', release.origin),
    ...opt('Label', release.label),
    ...opt('Suite', release.suite),
    ...opt('Codename', release.codename),
    ...(release.version === undefined ? [] : opt('Version', release.version)),
    ...opt('Architectures', arch),
    ...opt('Components', 'main'),
    'release',
    join('dists', dist),
  ];
  // Written outside the directory scanned, then moved (pitfall P9).
  const text = execFileSync('apt-ftparchive', args, { cwd: dir, encoding: 'utf8' });
  writeFileSync(join(dir, 'Release.tmp'), text);
  renameSync(join(dir, 'Release.tmp'), join(dir, 'dists', dist, 'Release'));
  return `deb [trusted=yes] file:${dir} ${dist} main`;
}

/** A fresh isolated root with the given sources (P6: every directory apt and dpkg need). */
export function mkroot(root: string, sources: readonly string[], osRelease = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n'): string {
  rmSync(root, { recursive: true, force: true });
  for (const d of ['etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'etc/apt/sources.list.d', 'etc/apt/trusted.gpg.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers', 'var/lib/dpkg/alternatives', 'var/log/apt', 'var/tmp', 'tmp', 'run']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  writeFileSync(join(root, 'var/lib/dpkg/status'), '');
  writeFileSync(join(root, 'etc/apt/sources.list'), `${sources.join('\n')}\n`);
  writeFileSync(join(root, 'etc/os-release'), osRelease);
  return root;
}

/** The driver the tests use on a root: test packages' scripts run chrootless with DPKG_ROOT. */
export function testDriver(root: string, stateDir: string): AptDriver {
  return new AptDriver({ root, stateDir, scriptChrootless: true });
}

/** Runs an apt program on the root through the driver's isolation (apt-get update, setup installs); throws on failure. */
export async function aptOnRoot(driver: AptDriver, program: string, args: readonly string[]): Promise<string> {
  const r = await driver.env.apt(program, args);
  if (r.code !== 0) throw new Error(`${program} ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export const DEMO_CHANGELOG = `demo-cve (1.0-3) bookworm-security; urgency=high

  * Fix a heap overflow in the parser (CVE-2026-1111).

 -- Test <test@example.invalid>  Wed, 25 Nov 2026 10:00:00 +0000

demo-cve (1.0-2) bookworm-security; urgency=medium

  * Fix CVE-2026-2222 and CVE-2026-33333.

 -- Test <test@example.invalid>  Mon, 23 Nov 2026 10:00:00 +0000

demo-cve (1.0-1) bookworm; urgency=medium

  * Initial release; fixes CVE-2025-0001 of the old tool.

 -- Test <test@example.invalid>  Sun, 01 Nov 2026 10:00:00 +0000
`;

export interface DemoWorld {
  dir: string;
  /** sources.list lines: main (Demo/bookworm), security with suite oldstable-security, security with suite bookworm-security, an Ubuntu security pocket. */
  sources: string[];
}

/**
 * The packages and repositories of the apt tests:
 * - main (Origin/Label Demo, bookworm): demo-lib 1.0-1..1.0-3, demo-app 2.0-1 (Depends demo-lib >= 1.0-2),
 *   demo-held 1.0-1/1.0-2, demo-src 1.0-1 (Source: demo-source 0.9-1), demo-tool 1.0-1/1.0-2 (1.0-2 Conflicts demo-plugin),
 *   demo-plugin 1.0-1, demo-broken 1.0-1 (postinst fails unless allowed), demo-scripted 1.0-1/1.0-2 (logging postinst),
 *   demo-cve 1.0-1 and 1.0-3 (changelog with CVEs), demo-sec 1.0-1, demo-sec2 1.0-1, demo-ubu 1.0-1;
 * - security (Origin Debian, Label Debian-Security, Suite oldstable-security, Codename bookworm-security): demo-sec 1.0-1+deb12u1;
 * - security-b (same but Suite bookworm-security, dists/bookworm-security-b): demo-sec2 1.0-1+deb12u1;
 * - ubuntu-security (Origin/Label Ubuntu, Suite jammy-security, Codename jammy): demo-ubu 1.0-1ubuntu0.1.
 */
export function buildDemoWorld(dir: string): DemoWorld {
  const pool = join(dir, 'pool');
  mkdirSync(pool, { recursive: true });
  const main = [
    buildDeb(pool, { name: 'demo-lib', version: '1.0-1' }),
    buildDeb(pool, { name: 'demo-lib', version: '1.0-2' }),
    buildDeb(pool, { name: 'demo-lib', version: '1.0-3' }),
    buildDeb(pool, { name: 'demo-app', version: '2.0-1', depends: 'demo-lib (>= 1.0-2)' }),
    buildDeb(pool, { name: 'demo-held', version: '1.0-1' }),
    buildDeb(pool, { name: 'demo-held', version: '1.0-2' }),
    buildDeb(pool, { name: 'demo-src', version: '1.0-1', source: 'demo-source (0.9-1)', section: 'utils', priority: 'important' }),
    buildDeb(pool, { name: 'demo-tool', version: '1.0-1' }),
    buildDeb(pool, { name: 'demo-tool', version: '1.0-2', conflicts: 'demo-plugin' }),
    buildDeb(pool, { name: 'demo-plugin', version: '1.0-1' }),
    buildDeb(pool, { name: 'demo-broken', version: '1.0-1', postinst: 'fail-unless-allowed' }),
    buildDeb(pool, { name: 'demo-scripted', version: '1.0-1', postinst: 'log' }),
    buildDeb(pool, { name: 'demo-scripted', version: '1.0-2', postinst: 'log' }),
    buildDeb(pool, { name: 'demo-slow', version: '1.0-1', postinst: 'sleep' }),
    buildDeb(pool, { name: 'demo-cve', version: '1.0-1', changelog: DEMO_CHANGELOG.slice(DEMO_CHANGELOG.indexOf('demo-cve (1.0-1)')) }),
    buildDeb(pool, { name: 'demo-cve', version: '1.0-3', changelog: DEMO_CHANGELOG }),
    buildDeb(pool, { name: 'demo-sec', version: '1.0-1' }),
    buildDeb(pool, { name: 'demo-sec2', version: '1.0-1' }),
    buildDeb(pool, { name: 'demo-ubu', version: '1.0-1' }),
  ];
  const secPool = join(dir, 'pool-sec');
  mkdirSync(secPool, { recursive: true });
  const sources = [
    buildRepo(join(dir, 'repo-main'), main, { origin: 'Demo', label: 'Demo', suite: 'bookworm', codename: 'bookworm' }),
    buildRepo(join(dir, 'repo-sec'), [buildDeb(secPool, { name: 'demo-sec', version: '1.0-1+deb12u1' })], {
      origin: 'Debian',
      label: 'Debian-Security',
      suite: 'oldstable-security',
      codename: 'bookworm-security',
      version: '12',
    }),
    buildRepo(join(dir, 'repo-sec-b'), [buildDeb(secPool, { name: 'demo-sec2', version: '1.0-1+deb12u1' })], {
      origin: 'Debian',
      label: 'Debian-Security',
      suite: 'bookworm-security',
      codename: 'bookworm-security',
      version: '12',
    }),
    buildRepo(join(dir, 'repo-ubuntu-sec'), [buildDeb(secPool, { name: 'demo-ubu', version: '1.0-1ubuntu0.1' })], {
      origin: 'Ubuntu',
      label: 'Ubuntu',
      suite: 'jammy-security',
      codename: 'jammy',
      version: '22.04',
      dist: 'jammy-security',
    }),
  ];
  return { dir, sources };
}
