import type { InstalledPackage, PendingUpdate, PackageManagerName } from '../../contracts/inventory.contract.js';

/** One package to install at an exact version (an entry of the approved snapshot). */
export interface InstallItem {
  name: string;
  /** Architecture when the package exists for several (e.g. `amd64`, `i386`, `x86_64`); default the native one. */
  arch?: string;
  version: string;
}

export type InstallState =
  /** Installed now at the requested version. */
  | 'installed'
  /** Was already at the requested version (or newer: then `installedVersion` says which). */
  | 'already-installed'
  /** The requested version is not in any configured repository. */
  | 'not-available'
  /** The transaction ran and this package did not end at the requested version. */
  | 'failed'
  /** Nothing was attempted (the transaction was refused as a whole, e.g. it would remove packages). */
  | 'not-attempted';

export interface InstallOutcome {
  name: string;
  arch: string;
  requestedVersion: string;
  /** The version installed after the operation (null when not installed). */
  installedVersion: string | null;
  state: InstallState;
  message?: string;
}

export interface InstallResult {
  /** True when every item ended `installed` or `already-installed`. */
  ok: boolean;
  /** Why the whole transaction was refused before anything changed, if it was. */
  refused?: { reason: 'would-remove' | 'lock-timeout' | 'broken-state' | 'unresolvable'; detail: string; packages: string[] };
  outcomes: InstallOutcome[];
  /** The package manager's output (stdout and stderr interleaved), truncated to a sane size. */
  output: string;
  /** The package manager or the OS says a reboot is needed after this operation. */
  rebootRequired: boolean;
}

export interface ScanOptions {
  /**
   * Read CVE ids of pending updates from changelogs where the repository metadata has none (apt;
   * slower): `true` for every update, `'security'` for security updates only (the server setting).
   */
  cves?: boolean | 'security';
}

export interface InstallOptions {
  /** How long to wait for another process holding the package manager lock, in seconds. */
  lockTimeoutSeconds?: number;
  /** Called with progress lines while the operation runs. */
  onOutput?: (line: string) => void;
}

/**
 * A package manager as the agent drives it: inventory and exact-version installs, on `/` or on
 * another root (`--root DIR`), never touching the host when a root is given.
 */
export interface PackageManagerDriver {
  readonly name: PackageManagerName;
  /** The root managed (`/` for the host). */
  readonly root: string;
  /**
   * Refreshes the repository metadata (apt: `apt-get update`), so that a Scan sees what the
   * repositories offer now. Optional: drivers that refresh on their own (dnf: metadata_expire) omit it.
   */
  refreshMetadata?(): Promise<{ ok: boolean; output: string }>;
  /** Installed packages with their source packages. */
  installedPackages(): Promise<InstalledPackage[]>;
  /** Pending updates with origin, security classification, severity, advisories and CVEs. */
  pendingUpdates(options?: ScanOptions): Promise<PendingUpdate[]>;
  /**
   * Installs the exact versions given: simulates first and refuses a transaction that would remove
   * packages; recovers an interrupted previous run first (dpkg --configure -a); waits for the lock.
   */
  install(items: readonly InstallItem[], options?: InstallOptions): Promise<InstallResult>;
}
