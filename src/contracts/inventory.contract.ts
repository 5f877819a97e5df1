import { z } from 'zod';

/**
 * What an agent reports about its host: platform, installed packages, pending updates and reboot
 * signals. The same shape is printed by `patchwarden agent scan --local --json` and sent to the
 * server (in full on first contact, then as deltas).
 */
export const PackageManagerName = z.enum(['apt', 'dnf']);
export type PackageManagerName = z.infer<typeof PackageManagerName>;

export const Platform = z.object({
  /** os-release ID, e.g. `debian`, `ubuntu`, `rocky`, `almalinux`, `rhel`, `fedora`, `amzn`. */
  osId: z.string().max(64),
  /** os-release ID_LIKE, split. */
  osIdLike: z.array(z.string().max(64)).max(16),
  /** os-release VERSION_ID, e.g. `12`, `22.04`, `9.4`. */
  version: z.string().max(64),
  /** os-release VERSION_CODENAME, e.g. `bookworm`, `jammy`; empty when the OS has none. */
  codename: z.string().max(64),
  prettyName: z.string().max(200),
  /** dpkg or rpm architecture of the host, e.g. `amd64`, `x86_64`. */
  arch: z.string().max(32),
  packageManager: PackageManagerName,
  /** The OSV ecosystem of the distribution's packages, e.g. `Debian:12`, `Ubuntu:22.04:LTS`, `AlmaLinux:9`. */
  ecosystem: z.string().max(64),
});
export type Platform = z.infer<typeof Platform>;

export const HostInfo = z.object({
  hostname: z.string().max(255),
  /** IP addresses of the host's interfaces (without loopback). */
  addresses: z.array(z.string().max(64)).max(256),
  kernel: z.object({
    /** `uname -r` of the running kernel. */
    running: z.string().max(128),
    /** Kernel releases installed, in `uname -r` form (`6.1.0-21-amd64`), newest first. */
    installed: z.array(z.string().max(128)).max(64),
  }),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const InstalledPackage = z.object({
  name: z.string().min(1).max(256),
  arch: z.string().max(32),
  /** Full version as the package manager prints it (deb: `[epoch:]upstream[-revision]`, rpm: `[epoch:]version-release`). */
  version: z.string().min(1).max(256),
  /** The source package (deb `Source`, rpm SRPM name) and its version; same as the binary when it has none of its own. */
  sourceName: z.string().max(256),
  sourceVersion: z.string().max(256),
});
export type InstalledPackage = z.infer<typeof InstalledPackage>;

export const UpdateOrigin = z.object({
  /** Release file `Label` (apt, e.g. `Debian-Security`) or the repository id (dnf). */
  label: z.string().max(256),
  /** Release file `Suite` (apt, e.g. `bookworm-security`, `oldstable-security`); empty for dnf. */
  suite: z.string().max(256),
  /** Release file `Codename` (apt, e.g. `bookworm-security`); empty for dnf. */
  codename: z.string().max(256),
  /** Release file `Origin` (apt, e.g. `Debian`); empty for dnf. */
  origin: z.string().max(256),
  /** Host name of the repository, or `local` for file:// repositories. */
  site: z.string().max(256),
});
export type UpdateOrigin = z.infer<typeof UpdateOrigin>;

export const Severity = z.enum(['critical', 'high', 'medium', 'low', 'none', 'unknown']);
export type Severity = z.infer<typeof Severity>;

export const PendingUpdate = z.object({
  name: z.string().min(1).max(256),
  arch: z.string().max(32),
  installedVersion: z.string().max(256),
  candidateVersion: z.string().min(1).max(256),
  /** The candidate comes from a security origin (apt) or a security advisory (dnf updateinfo). */
  security: z.boolean(),
  origin: UpdateOrigin,
  /** dnf updateinfo type (`security`, `bugfix`, `enhancement`, `newpackage`) or `security`/`other` for apt. */
  classification: z.string().max(64),
  /** Vendor severity when known (dnf updateinfo: Critical/Important/Moderate/Low mapped to critical/high/medium/low). */
  severity: Severity,
  /** deb Section / rpm Group, when known. */
  section: z.string().max(128),
  /** deb Priority, when known. */
  priority: z.string().max(64),
  /** Vendor advisory ids (e.g. `RLSA-2024:1234`, `DSA-5678-1`). */
  advisoryIds: z.array(z.string().max(128)).max(256),
  cves: z.array(z.string().max(64)).max(1024),
  /** Release date of the candidate, from the advisory or the repository, when known (ISO 8601). */
  releaseDate: z.string().max(64).nullable(),
});
export type PendingUpdate = z.infer<typeof PendingUpdate>;

export const RebootStatus = z.object({
  required: z.boolean(),
  /** What says so: `reboot-required-file`, `needs-restarting`, `newer-kernel-installed`. */
  reasons: z.array(z.string().max(128)).max(16),
  /** Packages that asked for the reboot (`/var/run/reboot-required.pkgs`), when known. */
  packages: z.array(z.string().max(256)).max(4096),
});
export type RebootStatus = z.infer<typeof RebootStatus>;

/** A full inventory of one host (or root). */
export const Inventory = z.object({
  platform: Platform,
  host: HostInfo,
  packages: z.array(InstalledPackage).max(100_000),
  updates: z.array(PendingUpdate).max(100_000),
  reboot: RebootStatus,
  /** Same as `reboot.required` (the local-scan JSON shape of the agent issue). */
  rebootRequired: z.boolean(),
  collectedAt: z.string().max(64),
});
export type Inventory = z.infer<typeof Inventory>;
