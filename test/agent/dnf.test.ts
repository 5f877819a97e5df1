/**
 * The dnf driver against real dnf/rpm on throw-away installroots with local file:// repositories
 * and updateinfo (shared/reference/testing-with-real-package-managers.md §2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDnfDriver } from '../../src/agent/package-managers/dnf/index.js';
import { buildRpms, hostFingerprint, makeRepo, makeRpmRoot, rpmToolsAvailable, rpmWorkDir, type RpmRoot } from '../helpers/rpm-root.js';

const available = rpmToolsAvailable();

describe.skipIf(!available)('dnf driver on an installroot', () => {
  let work: { dir: string; env: Record<string, string> };
  let rpms: Map<string, string>;
  let baseRepo: string;
  let updatesRepo: string;
  let hostBefore: string;
  const roots: RpmRoot[] = [];
  const rpm = (file: string) => {
    const p = rpms.get(`${file}.noarch.rpm`);
    if (p === undefined) throw new Error(`no test rpm ${file}`);
    return p;
  };
  const BASE = ['demo-lib-1.0-1', 'demo-sec-1.0-1', 'demo-ep-2.0-1', 'demo-plain-1.0-1', 'demo-src-1.0-1', 'demo-sub-1.0-1', 'demo-old-1.0-1', 'demo-held-1.0-1', 'microcode_ctl-1.0-1'];

  beforeAll(async () => {
    hostBefore = hostFingerprint();
    work = await rpmWorkDir('pw-dnf-test-');
    rpms = await buildRpms(work, [
      { name: 'demo-lib', version: '1.0', release: '1' },
      { name: 'demo-lib', version: '1.0', release: '2' },
      { name: 'demo-lib', version: '1.0', release: '3' },
      { name: 'demo-sec', version: '1.0', release: '1' },
      { name: 'demo-sec', version: '1.0', release: '2' },
      { name: 'demo-ep', version: '2.0', release: '1', epoch: 1 },
      { name: 'demo-ep', version: '2.0', release: '2', epoch: 1 },
      { name: 'demo-plain', version: '1.0', release: '1' },
      { name: 'demo-plain', version: '1.0', release: '2' },
      { name: 'demo-src', version: '1.0', release: '1', subpackages: ['demo-sub'] },
      { name: 'demo-src', version: '1.0', release: '2', subpackages: ['demo-sub'] },
      { name: 'demo-old', version: '1.0', release: '1' },
      { name: 'demo-new', version: '1.0', release: '1', obsoletes: ['demo-old < 2'] },
      { name: 'demo-conf', version: '1.0', release: '1', conflicts: ['demo-plain'] },
      { name: 'demo-needy', version: '1.0', release: '1', requires: ['demo-missing'] },
      { name: 'demo-held', version: '1.0', release: '1' },
      { name: 'demo-held', version: '1.0', release: '2' },
      { name: 'microcode_ctl', version: '1.0', release: '1' },
      { name: 'microcode_ctl', version: '1.0', release: '2' },
    ]);
    baseRepo = await makeRepo(join(work.dir, 'repos/base'), BASE.map(rpm));
    const updates = ['demo-lib-1.0-2', 'demo-lib-1.0-3', 'demo-sec-1.0-2', 'demo-ep-2.0-2', 'demo-plain-1.0-2', 'demo-src-1.0-2', 'demo-sub-1.0-2', 'demo-new-1.0-1', 'demo-conf-1.0-1', 'demo-needy-1.0-1', 'demo-held-1.0-2', 'microcode_ctl-1.0-2'];
    updatesRepo = await makeRepo(join(work.dir, 'repos/updates'), updates.map(rpm), [
      {
        id: 'DEMO-2026:0001',
        type: 'security',
        severity: 'Important',
        title: 'Important: demo-sec security update',
        issued: '2026-11-01 00:00:00',
        updated: '2026-11-02 00:00:00',
        cves: ['CVE-2026-0002', 'CVE-2026-0001'],
        packages: [{ name: 'demo-sec', version: '1.0', release: '2' }],
      },
      {
        id: 'DEMO-2026:0002',
        type: 'bugfix',
        severity: 'None',
        title: 'demo-lib bug fix update',
        issued: '2026-11-03 00:00:00',
        packages: [{ name: 'demo-lib', version: '1.0', release: '2' }],
      },
      {
        id: 'DEMO-2026:0003',
        type: 'security',
        severity: 'Moderate',
        title: 'Moderate: demo-ep security update',
        issued: '2026-11-04 00:00:00',
        cves: ['CVE-2026-0003'],
        packages: [{ name: 'demo-ep', epoch: 1, version: '2.0', release: '2' }],
      },
    ]);
  }, 60_000);

  afterEach(async () => {
    for (const r of roots.splice(0)) await r.cleanup();
  });

  afterAll(async () => {
    if (work !== undefined) await rm(work.dir, { recursive: true, force: true });
    // Nothing of the host's rpm/dnf state was read into or changed: same files, sizes, times, contents.
    expect(hostFingerprint()).toBe(hostBefore);
  });

  async function freshRoot(dnfConf: string[] = []): Promise<RpmRoot> {
    const r = await makeRpmRoot({
      repos: [
        { id: 'base', dir: baseRepo },
        { id: 'updates', dir: updatesRepo },
      ],
      base: BASE.map(rpm),
      dnfConf,
    });
    roots.push(r);
    return r;
  }

  it('lists installed packages with epochs and source rpm names', async () => {
    const r = await freshRoot();
    const pkgs = await createDnfDriver({ root: r.root, releasever: '9' }).installedPackages();
    expect(pkgs.map((p) => p.name)).toEqual([...BASE.map((b) => b.replace(/-1\.0-1$|-2\.0-1$/, ''))].sort());
    expect(pkgs.find((p) => p.name === 'demo-sub')).toEqual({ name: 'demo-sub', arch: 'noarch', version: '1.0-1', sourceName: 'demo-src', sourceVersion: '1.0-1' });
    expect(pkgs.find((p) => p.name === 'demo-ep')).toEqual({ name: 'demo-ep', arch: 'noarch', version: '1:2.0-1', sourceName: 'demo-ep', sourceVersion: '1:2.0-1' });
  });

  it('reports pending updates with candidates, origins and updateinfo classification', async () => {
    const r = await freshRoot();
    const updates = await createDnfDriver({ root: r.root, releasever: '9' }).pendingUpdates();
    const by = new Map(updates.map((u) => [u.name, u]));
    expect([...by.keys()].sort()).toEqual(['demo-ep', 'demo-held', 'demo-lib', 'demo-plain', 'demo-sec', 'demo-src', 'demo-sub', 'microcode_ctl']);
    expect(by.get('demo-sec')).toEqual({
      name: 'demo-sec',
      arch: 'noarch',
      installedVersion: '1.0-1',
      candidateVersion: '1.0-2',
      security: true,
      origin: { label: 'updates', suite: '', codename: '', origin: '', site: 'local' },
      classification: 'security',
      severity: 'high',
      section: 'Applications/System',
      priority: '',
      advisoryIds: ['DEMO-2026:0001'],
      cves: ['CVE-2026-0001', 'CVE-2026-0002'],
      releaseDate: '2026-11-02T00:00:00Z',
    });
    // The newest candidate (1.0-3) includes the bug fix advisory of 1.0-2.
    expect(by.get('demo-lib')).toMatchObject({
      candidateVersion: '1.0-3',
      security: false,
      classification: 'bugfix',
      severity: 'none',
      advisoryIds: ['DEMO-2026:0002'],
      cves: [],
      releaseDate: '2026-11-03T00:00:00Z',
    });
    expect(by.get('demo-ep')).toMatchObject({ installedVersion: '1:2.0-1', candidateVersion: '1:2.0-2', security: true, severity: 'medium', cves: ['CVE-2026-0003'] });
    expect(by.get('demo-plain')).toMatchObject({ candidateVersion: '1.0-2', security: false, classification: '', severity: 'unknown', advisoryIds: [], releaseDate: null });
  });

  it('installs exact versions, including one older than the newest, and reports each item truthfully', async () => {
    const r = await freshRoot();
    const lines: string[] = [];
    const result = await createDnfDriver({ root: r.root, releasever: '9' }).install(
      [
        { name: 'demo-lib', version: '1.0-2' },
        { name: 'demo-ep', version: '1:2.0-2' },
        { name: 'demo-sec', version: '1.0-1' },
        { name: 'demo-nope', version: '1.0-1' },
        { name: 'demo-plain', version: '1.0' },
        { name: 'demo-sub', arch: 'noarch', version: '0:1.0-2' },
      ],
      { onOutput: (l) => lines.push(l) },
    );
    const state = Object.fromEntries(result.outcomes.map((o) => [o.name, [o.state, o.installedVersion]]));
    expect(state).toEqual({
      'demo-lib': ['installed', '1.0-2'],
      'demo-ep': ['installed', '1:2.0-2'],
      'demo-sec': ['already-installed', '1.0-1'],
      'demo-nope': ['not-available', null],
      'demo-plain': ['not-available', '1.0-1'],
      'demo-sub': ['installed', '1.0-2'],
    });
    expect(result.ok).toBe(false);
    expect(result.refused).toBeUndefined();
    expect(lines.length).toBeGreaterThan(0);
    expect(await r.rpmQa()).toEqual(expect.arrayContaining(['demo-lib 1.0-2', 'demo-ep 1:2.0-2', 'demo-sec 1.0-1', 'demo-plain 1.0-1', 'demo-sub 1.0-2']));
  });

  it('refuses a transaction that would remove packages (obsoletes, conflicts) or cannot resolve, and changes nothing', async () => {
    const r = await freshRoot();
    const before = await r.rpmQa();
    const driver = createDnfDriver({ root: r.root, releasever: '9' });
    const obsoleting = await driver.install([
      { name: 'demo-new', version: '1.0-1' },
      { name: 'demo-lib', version: '1.0-3' },
    ]);
    expect(obsoleting.refused).toMatchObject({ reason: 'would-remove', packages: ['demo-old'] });
    expect(obsoleting.outcomes.map((o) => o.state)).toEqual(['not-attempted', 'not-attempted']);
    const conflicting = await driver.install([{ name: 'demo-conf', version: '1.0-1' }]);
    expect(conflicting.refused).toMatchObject({ reason: 'would-remove', packages: ['demo-plain'] });
    const unresolvable = await driver.install([{ name: 'demo-needy', version: '1.0-1' }]);
    expect(unresolvable.refused).toMatchObject({ reason: 'unresolvable', packages: ['demo-needy'] });
    expect(unresolvable.refused?.detail).toMatch(/demo-missing/);
    expect(await r.rpmQa()).toEqual(before);
  });

  it('refuses to install over an interrupted transaction (duplicate packages in the rpm database)', async () => {
    const r = await freshRoot();
    await r.rpm(['-i', '--force', '--justdb', '--nodeps', '--force-debian', rpm('demo-lib-1.0-3')]);
    const before = await r.rpmQa();
    expect(before).toEqual(expect.arrayContaining(['demo-lib 1.0-1', 'demo-lib 1.0-3']));
    const result = await createDnfDriver({ root: r.root, releasever: '9' }).install([{ name: 'demo-sec', version: '1.0-2' }]);
    expect(result.refused).toMatchObject({ reason: 'broken-state', packages: ['demo-lib'] });
    expect(result.refused?.detail).toMatch(/dnf remove --duplicates/);
    expect(result.outcomes[0]!.state).toBe('not-attempted');
    expect(await r.rpmQa()).toEqual(before);
  });

  it('respects versionlock entries and excludepkgs: no pending update, install refused per item', async () => {
    const r = await freshRoot(['excludepkgs=demo-plain']);
    await mkdir(join(r.root, 'etc/dnf/plugins'), { recursive: true });
    await writeFile(join(r.root, 'etc/dnf/plugins/versionlock.list'), '# locked\ndemo-held-0:1.0-1.*\n');
    const driver = createDnfDriver({ root: r.root, releasever: '9' });
    const names = (await driver.pendingUpdates()).map((u) => u.name);
    expect(names).not.toContain('demo-held');
    expect(names).not.toContain('demo-plain');
    expect(names).toContain('demo-sec');
    const result = await driver.install([
      { name: 'demo-held', version: '1.0-2' },
      { name: 'demo-plain', version: '1.0-2' },
      { name: 'demo-sec', version: '1.0-2' },
    ]);
    expect(result.outcomes.map((o) => [o.name, o.state])).toEqual([
      ['demo-held', 'not-available'],
      ['demo-plain', 'not-available'],
      ['demo-sec', 'installed'],
    ]);
    expect(result.outcomes[0]!.message).toMatch(/versionlock/);
    expect(result.outcomes[1]!.message).toMatch(/exclude/);
    expect(await r.rpmQa()).toEqual(expect.arrayContaining(['demo-held 1.0-1', 'demo-plain 1.0-1', 'demo-sec 1.0-2']));
  });

  it('waits for the dnf lock up to the timeout, then refuses; installs once the lock is free', async () => {
    const r = await freshRoot();
    const driver = createDnfDriver({ root: r.root, releasever: '9' });
    const holder: ChildProcess = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await mkdir(join(r.root, 'var/lib/dnf'), { recursive: true });
      await writeFile(join(r.root, 'var/lib/dnf/rpmdb_lock.pid'), String(holder.pid));
      const t0 = Date.now();
      const refused = await driver.install([{ name: 'demo-lib', version: '1.0-2' }], { lockTimeoutSeconds: 1 });
      expect(refused.refused?.reason).toBe('lock-timeout');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      setTimeout(() => holder.kill('SIGKILL'), 1500);
      const waited = await driver.install([{ name: 'demo-lib', version: '1.0-2' }], { lockTimeoutSeconds: 20 });
      expect(waited.refused).toBeUndefined();
      expect(waited.outcomes[0]!.state).toBe('installed');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a scan waits while another dnf holds the metadata lock, and gives up after scanLockTimeoutSeconds', async () => {
    const r = await freshRoot();
    const holder: ChildProcess = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await mkdir(join(r.root, 'var/cache/dnf'), { recursive: true });
      await writeFile(join(r.root, 'var/cache/dnf/metadata_lock.pid'), String(holder.pid));
      await expect(createDnfDriver({ root: r.root, releasever: '9', scanLockTimeoutSeconds: 1 }).pendingUpdates()).rejects.toThrow(/held its lock/);
      setTimeout(() => holder.kill('SIGKILL'), 1000);
      const updates = await createDnfDriver({ root: r.root, releasever: '9', scanLockTimeoutSeconds: 20 }).pendingUpdates();
      expect(updates.map((u) => u.name)).toContain('demo-sec');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('refetches repository metadata older than metadataExpireSeconds, else reads the cache', async () => {
    const extra = join(work.dir, 'repos/extra');
    await makeRepo(extra, []);
    const r = await makeRpmRoot({ repos: [{ id: 'extra', dir: extra }], base: [rpm('demo-plain-1.0-1')] });
    roots.push(r);
    // No --releasever: dnf only warns that it cannot detect one (the repositories do not use it).
    const cached = createDnfDriver({ root: r.root });
    expect(await cached.pendingUpdates()).toEqual([]);
    await makeRepo(extra, [rpm('demo-plain-1.0-2')]);
    expect(await cached.pendingUpdates()).toEqual([]);
    const fresh = createDnfDriver({ root: r.root, metadataExpireSeconds: 0 });
    expect((await fresh.pendingUpdates()).map((u) => [u.name, u.candidateVersion, u.origin.label])).toEqual([['demo-plain', '1.0-2', 'extra']]);
  });

  it('signals a reboot after a reboot-class package changed in a root, until cleared', async () => {
    const r = await freshRoot();
    const driver = createDnfDriver({ root: r.root, releasever: '9' });
    expect((await driver.rebootRequired()).required).toBe(false);
    const plain = await driver.install([{ name: 'demo-sec', version: '1.0-2' }]);
    expect(plain.rebootRequired).toBe(false);
    const result = await driver.install([{ name: 'microcode_ctl', version: '1.0-2' }]);
    expect(result.outcomes[0]!.state).toBe('installed');
    expect(result.rebootRequired).toBe(true);
    expect(await driver.rebootRequired()).toEqual({ required: true, reasons: ['needs-restarting'], packages: ['microcode_ctl'] });
    expect(await driver.rebootSignals()).toEqual([{ reason: 'needs-restarting', required: true }]);
    await driver.clearRebootRequired();
    expect((await driver.rebootRequired()).required).toBe(false);
  });
});
