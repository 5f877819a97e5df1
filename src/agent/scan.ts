import type { Inventory } from '../contracts/inventory.contract.js';
import { createDriver, hostInfo, installedKernels, isHostRoot, readPlatform, rebootStatus, type CreateDriverOptions, type ExtraRebootSignal } from './inventory/index.js';
import type { PackageManagerDriver } from './package-managers/driver.js';

export interface ScanOptions extends CreateDriverOptions {
  /** The root to scan; `/` (default) is the host. */
  root?: string;
  /** Read CVE ids of pending updates from the candidates' changelogs (apt; slower): all, or security updates only. */
  cves?: boolean | 'security';
  /** A driver to use instead of creating one (tests, the agent loop). */
  driver?: PackageManagerDriver;
}

/** A driver that can add reboot signals of its own (dnf: `needs-restarting -r`). */
interface RebootSignalSource {
  rebootSignals(): Promise<ExtraRebootSignal[]>;
}

const hasRebootSignals = (d: unknown): d is RebootSignalSource => typeof (d as Partial<RebootSignalSource>).rebootSignals === 'function';

/** Scans a host or root locally: platform, host, installed packages, pending updates, reboot signals. */
export async function scanLocal(options: ScanOptions = {}): Promise<Inventory> {
  const root = options.root ?? '/';
  const driver = options.driver ?? (await createDriver(root, options));
  const [platform, packages, updates, extra] = await Promise.all([
    readPlatform(root, driver.name),
    driver.installedPackages(),
    driver.pendingUpdates({ cves: options.cves ?? false }),
    hasRebootSignals(driver) ? driver.rebootSignals() : Promise.resolve([]),
  ]);
  const kernels = installedKernels(packages, driver.name);
  const host = await hostInfo(root, kernels);
  const reboot = await rebootStatus({
    root,
    packageManager: driver.name,
    runningKernel: isHostRoot(root) ? host.kernel.running : null,
    installedKernels: kernels,
    extra,
  });
  return { platform, host, packages, updates, reboot, rebootRequired: reboot.required, collectedAt: new Date().toISOString() };
}
