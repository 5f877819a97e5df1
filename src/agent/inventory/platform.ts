import type { PackageManagerName, Platform } from '../../contracts/inventory.contract.js';
import { execFile } from '../exec.js';
import { osvEcosystem, readOsRelease } from './os-release.js';

const NODE_TO_DPKG: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: 'i386', arm: 'armhf', ppc64: 'ppc64el', s390x: 's390x' };
const NODE_TO_RPM: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'i686', arm: 'armv7hl', ppc64: 'ppc64le', s390x: 's390x' };

/** The package architecture: `dpkg --print-architecture` or `rpm --eval %_arch`, else from Node's. */
export async function packageArch(pm: PackageManagerName): Promise<string> {
  try {
    const r = pm === 'apt' ? await execFile('dpkg', ['--print-architecture']) : await execFile('rpm', ['--eval', '%_arch']);
    if (r.code === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  } catch {
    // the tool is missing: fall back
  }
  return (pm === 'apt' ? NODE_TO_DPKG : NODE_TO_RPM)[process.arch] ?? process.arch;
}

/** The platform of `root` from its os-release and the package manager. */
export async function readPlatform(root: string, pm: PackageManagerName): Promise<Platform> {
  const os = (await readOsRelease(root)) ?? { id: 'linux', idLike: [], versionId: '', codename: '', prettyName: 'Linux' };
  return {
    osId: os.id,
    osIdLike: os.idLike,
    version: os.versionId,
    codename: os.codename,
    prettyName: os.prettyName,
    arch: await packageArch(pm),
    packageManager: pm,
    ecosystem: osvEcosystem(os),
  };
}
