import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageManagerName, RebootStatus } from '../../contracts/inventory.contract.js';
import { compareKernel } from './kernels.js';

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** A reboot signal from somewhere else (the dnf driver's `needs-restarting -r`). */
export interface ExtraRebootSignal {
  reason: string;
  required: boolean;
}

export interface RebootInput {
  root: string;
  packageManager: PackageManagerName;
  /** `uname -r` of the running kernel; only for the host (root `/`), else null. */
  runningKernel: string | null;
  /** Installed kernel releases, newest first (see installedKernels). */
  installedKernels: readonly string[];
  /** Signals the package-manager driver found itself (e.g. `needs-restarting -r`). */
  extra?: readonly ExtraRebootSignal[];
}

/**
 * The reboot signals of a host or root: ROOT/run/reboot-required or ROOT/var/run/reboot-required
 * (with the packages of `reboot-required.pkgs`), a running kernel older than the newest installed
 * one (host only), and the driver's own signals.
 */
export async function rebootStatus(input: RebootInput): Promise<RebootStatus> {
  const reasons: string[] = [];
  const packages = new Set<string>();
  for (const dir of ['run', 'var/run']) {
    const marker = await readIfExists(join(input.root, dir, 'reboot-required'));
    if (marker === null) continue;
    if (!reasons.includes('reboot-required-file')) reasons.push('reboot-required-file');
    const pkgs = await readIfExists(join(input.root, dir, 'reboot-required.pkgs'));
    for (const p of (pkgs ?? '').split('\n')) if (p.trim() !== '') packages.add(p.trim());
  }
  const newest = input.installedKernels[0];
  if (input.runningKernel !== null && newest !== undefined && compareKernel(newest, input.runningKernel, input.packageManager) > 0) {
    reasons.push('newer-kernel-installed');
  }
  for (const s of input.extra ?? []) if (s.required && !reasons.includes(s.reason)) reasons.push(s.reason);
  return { required: reasons.length > 0, reasons, packages: [...packages].sort() };
}
