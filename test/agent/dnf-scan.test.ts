/**
 * The dnf driver through the package-manager-neutral local scan: a RHEL-like root (os-release says
 * Rocky 9) is detected as dnf, the driver is loaded by createDriver, and the inventory it yields
 * satisfies the Inventory contract.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inventory } from '../../src/contracts/inventory.contract.js';
import { createDriver, detectPackageManager } from '../../src/agent/inventory/index.js';
import { scanLocal } from '../../src/agent/scan.js';
import { buildRpms, hostFingerprint, makeRepo, makeRpmRoot, rpmToolsAvailable, rpmWorkDir, type RpmRoot } from '../helpers/rpm-root.js';

const available = rpmToolsAvailable();

describe.skipIf(!available)('local scan of a dnf root', () => {
  let work: { dir: string; env: Record<string, string> };
  let root: RpmRoot;
  let hostBefore: string;

  beforeAll(async () => {
    hostBefore = hostFingerprint();
    work = await rpmWorkDir('pw-dnf-scan-');
    const rpms = await buildRpms(work, [
      { name: 'demo-sec', version: '1.0', release: '1' },
      { name: 'demo-sec', version: '1.0', release: '2' },
    ]);
    const file = (n: string) => rpms.get(`${n}.noarch.rpm`)!;
    const repo = await makeRepo(join(work.dir, 'repos/updates'), [file('demo-sec-1.0-2')], [
      {
        id: 'RLSA-2026:0001',
        type: 'security',
        severity: 'Critical',
        title: 'Critical: demo-sec security update',
        issued: '2026-11-05 12:00:00',
        cves: ['CVE-2026-1000'],
        packages: [{ name: 'demo-sec', version: '1.0', release: '2' }],
      },
    ]);
    root = await makeRpmRoot({ repos: [{ id: 'updates', dir: repo }], base: [file('demo-sec-1.0-1')] });
    await writeFile(join(root.root, 'etc/os-release'), 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Rocky Linux 9.4"\n');
  }, 60_000);

  afterAll(async () => {
    await root?.cleanup();
    if (work !== undefined) await rm(work.dir, { recursive: true, force: true });
    expect(hostFingerprint()).toBe(hostBefore);
  });

  it('detects dnf, loads the driver and reports packages and classified updates', async () => {
    expect(await detectPackageManager(root.root)).toBe('dnf');
    const driver = await createDriver(root.root);
    expect(driver.name).toBe('dnf');
    const inv = Inventory.parse(await scanLocal({ root: root.root, driver }));
    expect(inv.platform).toMatchObject({ osId: 'rocky', version: '9.4', packageManager: 'dnf' });
    expect(inv.packages).toEqual([{ name: 'demo-sec', arch: 'noarch', version: '1.0-1', sourceName: 'demo-sec', sourceVersion: '1.0-1' }]);
    expect(inv.updates).toEqual([
      expect.objectContaining({
        name: 'demo-sec',
        candidateVersion: '1.0-2',
        security: true,
        severity: 'critical',
        advisoryIds: ['RLSA-2026:0001'],
        cves: ['CVE-2026-1000'],
        releaseDate: '2026-11-05T12:00:00Z',
        origin: { label: 'updates', suite: '', codename: '', origin: '', site: 'local' },
      }),
    ]);
    expect(inv.rebootRequired).toBe(false);
  });
});
