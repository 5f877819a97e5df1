import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageManagerName } from '../../contracts/inventory.contract.js';
import type { PackageManagerDriver } from '../package-managers/driver.js';
import { createAptDriver } from '../package-managers/apt/index.js';
import { createDnfDriver } from '../package-managers/dnf/index.js';
import { readOsRelease } from './os-release.js';

const exists = (p: string) => access(p).then(() => true, () => false);

const APT_IDS = new Set(['debian', 'ubuntu', 'raspbian', 'linuxmint', 'pop', 'kali', 'devuan']);
const DNF_IDS = new Set(['rhel', 'fedora', 'centos', 'rocky', 'almalinux', 'amzn', 'ol', 'alinux', 'anolis', 'openeuler']);

/**
 * Which package manager manages `root`: from os-release ID and ID_LIKE first, else from the
 * package databases present (ROOT/var/lib/dpkg/status → apt; ROOT/var/lib/rpm or
 * ROOT/usr/lib/sysimage/rpm → dnf). Null when nothing says.
 */
export async function detectPackageManager(root: string): Promise<PackageManagerName | null> {
  const os = await readOsRelease(root);
  if (os !== null) {
    for (const id of [os.id, ...os.idLike]) {
      if (APT_IDS.has(id)) return 'apt';
      if (DNF_IDS.has(id)) return 'dnf';
    }
  }
  if (await exists(join(root, 'var/lib/dpkg/status'))) return 'apt';
  if ((await exists(join(root, 'var/lib/rpm'))) || (await exists(join(root, 'usr/lib/sysimage/rpm')))) return 'dnf';
  return null;
}

export interface CreateDriverOptions {
  /** Force a package manager instead of detecting it. */
  packageManager?: PackageManagerName;
  /** Agent state directory (generated configuration, caches). */
  stateDir?: string;
  /** apt only: run maintainer scripts chrootless (synthetic test packages only). */
  scriptChrootless?: boolean;
}

/** The driver for `root`: apt or dnf, detected unless `options.packageManager` says. */
export async function createDriver(root: string, options: CreateDriverOptions = {}): Promise<PackageManagerDriver> {
  const pm = options.packageManager ?? (await detectPackageManager(root));
  if (pm === null) throw new Error(`cannot tell which package manager manages ${root}: no os-release naming a Debian or RHEL family system, no dpkg or rpm database`);
  const stateDir = options.stateDir === undefined ? {} : { stateDir: options.stateDir };
  if (pm === 'apt') return createAptDriver({ root, ...stateDir, ...(options.scriptChrootless !== undefined && { scriptChrootless: options.scriptChrootless }) });
  return createDnfDriver({ root, ...stateDir });
}
