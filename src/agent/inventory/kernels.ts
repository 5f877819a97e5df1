import type { InstalledPackage, PackageManagerName } from '../../contracts/inventory.contract.js';
import { compareDeb, compareEvr } from '../../versioning/index.js';

/**
 * Kernel releases (in `uname -r` form) of the installed kernel packages, newest first.
 * deb: `linux-image-<release>` packages (meta packages such as `linux-image-amd64` are skipped);
 * rpm: `kernel-core` (or `kernel` when there is no kernel-core) as `<version>-<release>.<arch>`.
 */
export function installedKernels(packages: readonly InstalledPackage[], pm: PackageManagerName): string[] {
  if (pm === 'apt') {
    const releases = packages.filter((p) => /^linux-image-\d/.test(p.name) && !p.name.endsWith('-dbg')).map((p) => p.name.slice('linux-image-'.length));
    return [...new Set(releases)].sort((a, b) => compareKernel(b, a, pm));
  }
  const core = packages.filter((p) => p.name === 'kernel-core');
  const chosen = core.length > 0 ? core : packages.filter((p) => p.name === 'kernel');
  const releases = chosen.map((p) => `${p.version.replace(/^\d+:/, '')}.${p.arch}`);
  return [...new Set(releases)].sort((a, b) => compareKernel(b, a, pm));
}

/** Compares two kernel releases with the distribution's version rules. */
export function compareKernel(a: string, b: string, pm: PackageManagerName): number {
  try {
    if (pm === 'apt') return compareDeb(a, b);
    return compareEvr(a, b);
  } catch {
    return a < b ? -1 : a > b ? 1 : 0;
  }
}
