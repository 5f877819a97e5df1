import type { OperatingSystem } from './model.js';

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
  void platform;
  throw new Error('operatingSystemOf: not implemented yet');
}

/** The products of a platform, most specific first: `['Debian12', 'Debian']`, `['Ubuntu22.04', 'Ubuntu']`, `['RockyLinux9.4', 'RockyLinux9', 'RockyLinux']`. */
export function productsOf(platform: PlatformFacts): string[] {
  void platform;
  throw new Error('productsOf: not implemented yet');
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
  void input;
  throw new Error('chooseBaseline: not implemented yet');
}

/** The node's patch group from its tags: `PatchGroup`, else `Patch Group` (case-sensitive keys, as SSM). */
export function patchGroupOf(tags: Readonly<Record<string, string>>): string | null {
  return tags['PatchGroup'] ?? tags['Patch Group'] ?? null;
}
