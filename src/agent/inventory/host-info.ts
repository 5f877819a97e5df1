import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { hostname, networkInterfaces, release } from 'node:os';
import type { HostInfo } from '../../contracts/inventory.contract.js';

/** True when `root` is the host's own root file system. */
export function isHostRoot(root: string): boolean {
  return resolve(root) === '/';
}

/** IP addresses of the host's interfaces, loopback and link-local IPv6 excluded. */
export function hostAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:')) continue;
      out.push(a.address);
    }
  }
  return [...new Set(out)];
}

/**
 * Host name, addresses and kernels. For the host: os.hostname(), its interfaces and `uname -r`.
 * For another root: ROOT/etc/hostname (else the root directory's name), no addresses and no
 * running kernel (a root does not run one).
 */
export async function hostInfo(root: string, installedKernels: string[]): Promise<HostInfo> {
  if (isHostRoot(root)) {
    return { hostname: hostname(), addresses: hostAddresses(), kernel: { running: release(), installed: installedKernels } };
  }
  let name = '';
  try {
    name = (await readFile(join(root, 'etc/hostname'), 'utf8')).split('\n')[0]?.trim() ?? '';
  } catch {
    // no hostname file: fall back to the directory name
  }
  return { hostname: name === '' ? basename(resolve(root)) : name, addresses: [], kernel: { running: '', installed: installedKernels } };
}
