import { OPERATING_SYSTEMS, type OperatingSystem } from './model.js';

/** Where a node's effective baseline comes from, highest precedence first. */
export const BASELINE_SOURCES = ['override', 'policy', 'patchGroup', 'accountDefault', 'predefined'] as const;
export type BaselineSource = (typeof BASELINE_SOURCES)[number];

export interface PlatformFacts {
  osId: string;
  osIdLike: string[];
  version: string;
}

/** The operating system of a node's platform (`debian` → DEBIAN, `rocky` → ROCKY_LINUX, …; ID_LIKE as fallback); null when unsupported. */
export function operatingSystemOf(platform: PlatformFacts): OperatingSystem | null {
  const id = platform.osId.trim().toLowerCase();
  if (id === 'amzn') return /^2023(\.|$)/.test(platform.version.trim()) ? 'AMAZON_LINUX_2023' : null;
  const direct = OS_IDS[id];
  if (direct !== undefined) return direct;
  const like = platform.osIdLike.map((l) => l.trim().toLowerCase());
  if (like.includes('ubuntu')) return 'UBUNTU';
  if (like.includes('debian')) return 'DEBIAN';
  if (like.includes('rhel') || like.includes('fedora')) return 'REDHAT_ENTERPRISE_LINUX';
  return null;
}

const OS_IDS: Record<string, OperatingSystem> = {
  debian: 'DEBIAN',
  ubuntu: 'UBUNTU',
  rhel: 'REDHAT_ENTERPRISE_LINUX',
  rocky: 'ROCKY_LINUX',
  almalinux: 'ALMA_LINUX',
  centos: 'CENTOS',
  ol: 'ORACLE_LINUX',
  fedora: 'FEDORA',
};

/** Product name prefixes (SSM's spelling: `RedhatEnterpriseLinux9.4`, `AmazonLinux2023`). */
const PRODUCT_PREFIX: Record<OperatingSystem, string> = {
  DEBIAN: 'Debian',
  UBUNTU: 'Ubuntu',
  REDHAT_ENTERPRISE_LINUX: 'RedhatEnterpriseLinux',
  ROCKY_LINUX: 'RockyLinux',
  ALMA_LINUX: 'AlmaLinux',
  CENTOS: 'CentOS',
  ORACLE_LINUX: 'OracleLinux',
  AMAZON_LINUX_2023: 'AmazonLinux',
  FEDORA: 'Fedora',
};

/** The products of a platform, most specific first (only the family for derivatives recognised by ID_LIKE): `['Debian12', 'Debian']`, `['Ubuntu22.04', 'Ubuntu']`, `['RockyLinux9.4', 'RockyLinux9', 'RockyLinux']`. */
export function productsOf(platform: PlatformFacts): string[] {
  const os = operatingSystemOf(platform);
  if (os === null) return [];
  const prefix = PRODUCT_PREFIX[os];
  const version = platform.version.trim();
  // A derivative recognised by ID_LIKE (Linux Mint, Raspbian, …) numbers its releases its own way: only the family.
  const direct = OS_IDS[platform.osId.trim().toLowerCase()] !== undefined || os === 'AMAZON_LINUX_2023';
  if (!direct || !/^[0-9][0-9A-Za-z.]*$/.test(version)) return [prefix];
  // Ubuntu versions are YY.MM: the whole version is the release, "Ubuntu22" means nothing.
  if (os === 'UBUNTU') return [`${prefix}${version}`, prefix];
  const parts = version.split('.').filter((p) => p !== '');
  const out: string[] = [];
  for (let n = parts.length; n >= 1; n--) out.push(`${prefix}${parts.slice(0, n).join('.')}`);
  out.push(prefix);
  return out;
}

/** The facts precedence is decided on; baseline ids per operating system at each level. */
export interface PrecedenceInput {
  os: OperatingSystem | null;
  /** Baselines given explicitly on the operation (at most one per OS). */
  override?: { baselineIds: Partial<Record<OperatingSystem, string>> } | undefined;
  /** The patch policy covering the node (issue 6), if any. */
  policy?: { id: string; name: string; baselineIds: Partial<Record<OperatingSystem, string>> } | undefined;
  /** The node's `PatchGroup` tag value (or `Patch Group`), if any, and the baselines registered for that group. */
  patchGroup: string | null;
  patchGroupBaselineIds: Partial<Record<OperatingSystem, string>>;
  accountDefaultIds: Partial<Record<OperatingSystem, string>>;
  predefinedIds: Partial<Record<OperatingSystem, string>>;
}

export interface BaselineChoice {
  baselineId: string;
  source: BaselineSource;
  /** Plain words: `patch group "web" registers baseline pb_… for UBUNTU`, `the account's default for DEBIAN`, … */
  reason: string;
}

/**
 * Effective baseline: explicit override > patch policy > patch group > account default > predefined.
 * A level without a baseline for the node's OS is skipped (and the reason says so); an unsupported OS
 * gives an error result naming it.
 */
export function chooseBaseline(input: PrecedenceInput): BaselineChoice | { error: string } {
  const os = input.os;
  if (os === null) return { error: `the node's operating system is not supported by patch baselines (supported: ${OPERATING_SYSTEMS.join(', ')})` };
  const skipped: string[] = [];
  const choose = (baselineId: string, source: BaselineSource, why: string): BaselineChoice => ({
    baselineId,
    source,
    reason: [...skipped, why].join('; '),
  });

  if (input.override !== undefined) {
    const id = input.override.baselineIds[os];
    if (id !== undefined) return choose(id, 'override', `the operation's override gives baseline ${id} for ${os}`);
    skipped.push(`the operation's override has no baseline for ${os}`);
  }
  if (input.policy !== undefined) {
    const id = input.policy.baselineIds[os];
    if (id !== undefined) return choose(id, 'policy', `patch policy "${input.policy.name}" gives baseline ${id} for ${os}`);
    skipped.push(`patch policy "${input.policy.name}" has no baseline for ${os}`);
  }
  if (input.patchGroup !== null) {
    const id = input.patchGroupBaselineIds[os];
    if (id !== undefined) return choose(id, 'patchGroup', `patch group "${input.patchGroup}" registers baseline ${id} for ${os}`);
    skipped.push(`patch group "${input.patchGroup}" has no baseline for ${os}`);
  }
  const accountDefault = input.accountDefaultIds[os];
  if (accountDefault !== undefined) return choose(accountDefault, 'accountDefault', `the account's default for ${os}`);
  const predefined = input.predefinedIds[os];
  if (predefined !== undefined) return choose(predefined, 'predefined', `no account default for ${os}; the predefined baseline for ${os}`);
  return { error: `no baseline applies: ${[...skipped, `no account default and no predefined baseline for ${os}`].join('; ')}` };
}

/** The node's patch group from its tags: `PatchGroup`, else `Patch Group` (case-sensitive keys, as SSM). */
export function patchGroupOf(tags: Readonly<Record<string, string>>): string | null {
  return tags['PatchGroup'] ?? tags['Patch Group'] ?? null;
}
