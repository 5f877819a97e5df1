/**
 * Tiny RPMs, local dnf repositories with updateinfo, and throw-away dnf installroots for the dnf
 * driver tests (shared/reference/testing-with-real-package-managers.md §2). Every rpm/rpmbuild/dnf
 * call runs with HOME pointing at a work directory whose .rpmmacros sets `%_dbpath` (pitfall R1), so
 * nothing here reads or writes the host's rpm database or /etc/dnf.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from '../../src/agent/exec.js';
import { requireComponent } from './components.js';

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** dnf, rpmbuild, createrepo_c and modifyrepo_c; skips (or fails under CI=true) naming what is missing. */
export function rpmToolsAvailable(): boolean {
  const missing = ['dnf', 'rpm', 'rpmbuild', 'createrepo_c', 'modifyrepo_c'].filter((c) => !hasCommand(c));
  return requireComponent(
    missing.length === 0 ? 'dnf/rpm' : missing.join(', '),
    missing.length === 0 && process.getuid?.() === 0,
    'Debian: apt-get install dnf rpm createrepo-c, and run the tests as root (dnf refuses transactions otherwise)',
  );
}

async function run(file: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const r = await execFile(file, args, { env });
  if (r.code !== 0) throw new Error(`${r.command} failed (${String(r.code)}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export interface RpmSpec {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  requires?: string[];
  obsoletes?: string[];
  conflicts?: string[];
  /** Extra binary packages built from this source (`%package -n NAME`). */
  subpackages?: string[];
}

function specText(p: RpmSpec): string {
  const files = (n: string) => [`%files -n ${n}`, `/usr/share/${n}`];
  const install = (n: string) => [`mkdir -p %{buildroot}/usr/share/${n}`, `echo '${n} ${p.version}-${p.release}' > %{buildroot}/usr/share/${n}/VERSION`];
  return [
    `Name: ${p.name}`,
    `Version: ${p.version}`,
    `Release: ${p.release}`,
    ...(p.epoch === undefined ? [] : [`Epoch: ${p.epoch}`]),
    'Summary: tiny test package',
    'License: MIT',
    'Group: Applications/System',
    'BuildArch: noarch',
    ...(p.requires ?? []).map((r) => `Requires: ${r}`),
    ...(p.obsoletes ?? []).map((r) => `Obsoletes: ${r}`),
    ...(p.conflicts ?? []).map((r) => `Conflicts: ${r}`),
    '%description',
    'Used by the dnf driver tests.',
    ...(p.subpackages ?? []).flatMap((s) => [`%package -n ${s}`, `Summary: subpackage ${s}`, `%description -n ${s}`, 'Subpackage.']),
    '%install',
    ...[p.name, ...(p.subpackages ?? [])].flatMap(install),
    ...[p.name, ...(p.subpackages ?? [])].flatMap(files),
    '',
  ].join('\n');
}

/**
 * A work directory with a HOME whose .rpmmacros keeps rpm's database inside it: rpmbuild opens
 * (and creates) the database at `%_dbpath` too, so it must never point at the host's.
 */
export async function rpmWorkDir(prefix = 'pw-rpm-'): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(dir, 'home'), { recursive: true });
  await writeFile(join(dir, 'home/.rpmmacros'), `%_dbpath ${join(dir, 'rpmdb')}\n`);
  return { dir, env: { HOME: join(dir, 'home') } };
}

/** Builds script-free noarch RPMs (one rpmbuild call); returns file name → path of every binary RPM. */
export async function buildRpms(work: { dir: string; env: Record<string, string> }, specs: readonly RpmSpec[]): Promise<Map<string, string>> {
  const top = join(work.dir, 'rpmbuild');
  const out = join(work.dir, 'rpms');
  await mkdir(join(top, 'SPECS'), { recursive: true });
  const files: string[] = [];
  for (const s of specs) {
    const f = join(top, 'SPECS', `${s.name}-${s.version}-${s.release}.spec`);
    await writeFile(f, specText(s));
    files.push(f);
  }
  await run('rpmbuild', ['--quiet', '-bb', '--define', `_topdir ${top}`, '--define', `_rpmdir ${out}`, '--define', '_build_id_links none', ...files], work.env);
  const map = new Map<string, string>();
  for (const f of readdirSync(join(out, 'noarch'))) map.set(f, join(out, 'noarch', f));
  return map;
}

export interface AdvisorySpec {
  id: string;
  type: 'security' | 'bugfix' | 'enhancement' | 'newpackage';
  severity: string;
  title: string;
  issued: string;
  updated?: string;
  cves?: string[];
  packages: { name: string; epoch?: number; version: string; release: string }[];
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** An updateinfo.xml as RHEL-family repositories publish it. */
export function updateinfoXml(advisories: readonly AdvisorySpec[]): string {
  const body = advisories.map((a) =>
    [
      `  <update from="security@example.invalid" status="final" type="${a.type}" version="2">`,
      `    <id>${xml(a.id)}</id>`,
      `    <title>${xml(a.title)}</title>`,
      `    <severity>${xml(a.severity)}</severity>`,
      '    <release>Demo 9</release>',
      `    <issued date="${a.issued}"/>`,
      ...(a.updated === undefined ? [] : [`    <updated date="${a.updated}"/>`]),
      `    <description>${xml(a.title)}</description>`,
      '    <references>',
      ...(a.cves ?? []).map((c) => `      <reference href="https://example.invalid/${c}" id="${c}" type="cve" title="${c}"/>`),
      '    </references>',
      '    <pkglist><collection short="demo"><name>Demo 9</name>',
      ...a.packages.map(
        (p) =>
          `      <package name="${p.name}" version="${p.version}" release="${p.release}" epoch="${p.epoch ?? 0}" arch="noarch" src="${p.name}-${p.version}-${p.release}.src.rpm"><filename>${p.name}-${p.version}-${p.release}.noarch.rpm</filename></package>`,
      ),
      '    </collection></pkglist>',
      '  </update>',
    ].join('\n'),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<updates>\n${body.join('\n')}\n</updates>\n`;
}

/** A repository of the given RPM files (createrepo_c), with updateinfo added by modifyrepo_c. */
export async function makeRepo(dir: string, rpms: readonly string[], advisories: readonly AdvisorySpec[] = []): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const f of rpms) await copyFile(f, join(dir, f.split('/').pop()!));
  await run('createrepo_c', ['-q', dir]);
  if (advisories.length > 0) {
    const file = join(dir, '..', `${dir.split('/').pop()!}-updateinfo.xml`);
    await writeFile(file, updateinfoXml(advisories));
    await run('modifyrepo_c', ['--mdtype=updateinfo', file, join(dir, 'repodata')]);
  }
  return dir;
}

export interface RpmRoot {
  root: string;
  /** dnf with the root's isolation arguments (for test setup and checks, not the driver under test). */
  dnf(args: readonly string[]): Promise<string>;
  /** rpm on the root's database (e.g. `-i --justdb` to fake an interrupted transaction). */
  rpm(args: readonly string[]): Promise<string>;
  /** `NAME VERSION-RELEASE` lines of the root's rpm database. */
  rpmQa(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/**
 * A fresh installroot: ROOT/etc/dnf/dnf.conf (gpgcheck off, best; `dnfConf` lines added after the
 * base install), ROOT/etc/yum.repos.d
 * with the given file:// repositories, and the `base` RPM files installed (from the files, all
 * repositories disabled, so obsoleting packages in the repositories do not replace them).
 */
export async function makeRpmRoot(opts: {
  repos: readonly { id: string; dir: string }[];
  base: readonly string[];
  dnfConf?: string[];
}): Promise<RpmRoot> {
  const work = await rpmWorkDir('pw-dnfroot-');
  const root = join(work.dir, 'root');
  await mkdir(join(root, 'etc/dnf'), { recursive: true });
  await mkdir(join(root, 'etc/yum.repos.d'), { recursive: true });
  await writeFile(join(work.dir, 'home/.rpmmacros'), '%_dbpath /var/lib/rpm\n');
  const conf = (extra: readonly string[]) =>
    writeFile(join(root, 'etc/dnf/dnf.conf'), ['[main]', 'gpgcheck=0', 'best=True', 'skip_if_unavailable=False', 'install_weak_deps=False', ...extra, ''].join('\n'));
  await conf([]);
  await writeFile(
    join(root, 'etc/yum.repos.d/test.repo'),
    opts.repos.map((r) => `[${r.id}]\nname=${r.id}\nbaseurl=file://${r.dir}\ngpgcheck=0\n`).join('\n'),
  );
  const args = [
    `--installroot=${root}`,
    `--config=${join(root, 'etc/dnf/dnf.conf')}`,
    `--setopt=reposdir=${join(root, 'etc/yum.repos.d')}`,
    `--setopt=pluginconfpath=${join(work.dir, 'plugins')}`,
    '--noplugins',
    '--releasever=9',
  ];
  const dnf = (a: readonly string[]) => run('dnf', [...args, ...a], work.env);
  try {
    if (opts.base.length > 0) await dnf(['-y', '-q', '--disablerepo=*', 'install', ...opts.base]);
    // Extra settings (e.g. excludepkgs) apply after the base packages are in.
    if (opts.dnfConf !== undefined && opts.dnfConf.length > 0) await conf(opts.dnfConf);
  } catch (err) {
    await rm(work.dir, { recursive: true, force: true });
    throw err;
  }
  return {
    root,
    dnf,
    rpm: (a: readonly string[]) => run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', ...a], work.env),
    rpmQa: async () =>
      (await run('rpm', ['--root', root, '--dbpath', '/var/lib/rpm', '-qa', '--qf', '%{NAME} %{EVR}\\n'], work.env)).split('\n').filter((l) => l !== '').sort(),
    cleanup: () => rm(work.dir, { recursive: true, force: true }),
  };
}

/** A fingerprint of host paths (names, sizes, modes, mtimes, content hashes) to prove they were not touched. */
export function hostFingerprint(paths: readonly string[] = ['/root/.rpmdb', '/var/lib/rpm', '/etc/dnf', '/etc/yum.repos.d']): string {
  const lines: string[] = [];
  const walk = (p: string) => {
    if (!existsSync(p)) {
      lines.push(`${p} absent`);
      return;
    }
    const st = statSync(p);
    if (st.isDirectory()) {
      lines.push(`${p}/ ${st.mode.toString(8)}`);
      for (const e of readdirSync(p).sort()) walk(join(p, e));
    } else {
      lines.push(`${p} ${st.size} ${st.mode.toString(8)} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  for (const p of paths) walk(p);
  return lines.join('\n');
}
