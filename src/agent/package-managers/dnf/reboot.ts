import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareEvr } from '../../../versioning/index.js';

/**
 * Packages after whose update `dnf needs-restarting -r` (dnf-plugins-core) asks for a reboot. We
 * apply the same rule ourselves: the plugin is not loaded with `--noplugins`, and on a root it
 * would compare the host's boot time with the root's packages, which means nothing.
 */
export const REBOOT_PACKAGES: readonly string[] = [
  'kernel',
  'kernel-core',
  'kernel-rt',
  'kernel-rt-core',
  'glibc',
  'linux-firmware',
  'systemd',
  'dbus',
  'dbus-broker',
  'dbus-daemon',
  'microcode_ctl',
  'zlib',
  'openssl-libs',
  'gnutls',
];

export interface RebootSignal {
  required: boolean;
  /** `needs-restarting`, `newer-kernel-installed`. */
  reasons: string[];
  /** The packages that ask for it, when known. */
  packages: string[];
}

/** Boot time of the host from /proc/stat (`btime`), in seconds since the epoch, or null. */
export async function hostBootTime(): Promise<number | null> {
  try {
    const m = /^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/**
 * The host's signals: a reboot-class package installed after boot (needs-restarting's rule) and a
 * kernel newer than the running one. `installs` are `NAME VERSION-RELEASE.ARCH INSTALLTIME` lines.
 */
export function hostRebootSignal(installs: string, bootTime: number | null, runningKernel: string): RebootSignal {
  const reasons: string[] = [];
  const packages = new Set<string>();
  const kernels: string[] = [];
  for (const line of installs.split('\n')) {
    const m = /^(\S+) (\S+) (\d+)$/.exec(line.trim());
    if (m === null) continue;
    const [, name, vra, time] = m as unknown as [string, string, string, string];
    if (bootTime !== null && Number(time) > bootTime) packages.add(name);
    if (name === 'kernel-core' || name === 'kernel') kernels.push(vra);
  }
  if (packages.size > 0) reasons.push('needs-restarting');
  const vr = (vra: string) => vra.replace(/\.[^.]+$/, '');
  try {
    const newest = kernels.sort((a, b) => compareEvr(vr(b), vr(a)))[0];
    if (newest !== undefined && compareEvr(vr(newest), vr(runningKernel)) > 0) reasons.push('newer-kernel-installed');
  } catch {
    // A running kernel that is not an rpm version-release (not a RHEL-family kernel): no signal.
  }
  return { required: reasons.length > 0, reasons, packages: [...packages].sort() };
}

/**
 * A root has no boot of its own: after a transaction that changed a reboot-class package the
 * driver writes a marker (stateDir/reboot-required, one package per line); it stays until
 * clearRootRebootMarker (whoever restarts what runs from the root clears it).
 */
export async function readRootRebootMarker(stateDir: string): Promise<RebootSignal> {
  try {
    const text = await readFile(join(stateDir, 'reboot-required'), 'utf8');
    const packages = text.split('\n').filter((l) => l.trim() !== '');
    return { required: true, reasons: ['needs-restarting'], packages };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return { required: false, reasons: [], packages: [] };
  }
}

export async function writeRootRebootMarker(stateDir: string, packages: readonly string[]): Promise<void> {
  const current = await readRootRebootMarker(stateDir);
  const all = [...new Set([...current.packages, ...packages])].sort();
  await writeFile(join(stateDir, 'reboot-required'), all.join('\n') + '\n');
}

export async function clearRootRebootMarker(stateDir: string): Promise<void> {
  await rm(join(stateDir, 'reboot-required'), { force: true });
}
