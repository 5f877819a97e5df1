/**
 * The patch baseline model (DESIGN.md, shared/reference/aws-ssm-patch-manager.md §2). Pure types;
 * the zod schemas of the API (src/contracts/baselines.contract.ts) are checked against them.
 */

/** Operating systems a baseline is written for (SSM's names for the Linux ones we patch). */
export const OPERATING_SYSTEMS = [
  'DEBIAN',
  'UBUNTU',
  'REDHAT_ENTERPRISE_LINUX',
  'ROCKY_LINUX',
  'ALMA_LINUX',
  'CENTOS',
  'ORACLE_LINUX',
  'AMAZON_LINUX_2023',
  'FEDORA',
] as const;
export type OperatingSystem = (typeof OPERATING_SYSTEMS)[number];

/** Baseline filter keys. PRODUCT/SECTION/PRIORITY are package properties; the others describe the update. */
export const FILTER_KEYS = ['PRODUCT', 'CLASSIFICATION', 'SEVERITY', 'SECTION', 'PRIORITY', 'SECURITY'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/** Compliance levels, lowest first (the order counts: a node's severity is the highest level among its non-compliant patches). */
export const COMPLIANCE_LEVELS = ['UNSPECIFIED', 'INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type ComplianceLevel = (typeof COMPLIANCE_LEVELS)[number];

export const REJECTED_PATCHES_ACTIONS = ['ALLOW_AS_DEPENDENCY', 'BLOCK'] as const;
export type RejectedPatchesAction = (typeof REJECTED_PATCHES_ACTIONS)[number];

/** One filter: the key and 1–20 values, OR-ed; `*` matches everything; values compare case-insensitively. */
export interface PatchFilter {
  key: FilterKey;
  values: string[];
}

/** One approval rule: all filters must match (AND); a patch is approved when any rule approves it (OR). */
export interface ApprovalRule {
  /** 0–4 filters (none: every patch). */
  filters: PatchFilter[];
  /** Compliance level given to patches this rule approves (default UNSPECIFIED). */
  complianceLevel: ComplianceLevel;
  /** Approve N whole UTC days after the release date (0–360). Exactly one of this and approveUntilDate. */
  approveAfterDays?: number | undefined;
  /** Approve patches released on or before this UTC day (YYYY-MM-DD). */
  approveUntilDate?: string | undefined;
  /**
   * Updates without a known release date: approved by a delay rule only when this is true (then the
   * delay counts from the day the server first saw the update). A rule with approveAfterDays 0 needs no date.
   */
  approveUndated: boolean;
  /** Also approve non-security updates (false: only updates from a security origin / security advisory). */
  enableNonSecurity: boolean;
}

/** An alternative package source used by operations on nodes whose product matches (SSM PatchSource). */
export interface PatchSource {
  /** `^[A-Za-z0-9_.-]{3,50}$` */
  name: string;
  /** Products this source is for (`Debian12`, `Ubuntu22.04`, `RockyLinux9`, or `*`). */
  products: string[];
  /** apt: sources.list lines (`deb URL SUITE COMPONENTS`); dnf: an ini repository block. */
  configuration: string;
}

/** The rule part of a baseline (everything evaluation needs). */
export interface BaselineRules {
  operatingSystem: OperatingSystem;
  /** 0–4 filters every patch must pass (approved patches excepted). */
  globalFilters: PatchFilter[];
  /** 0–10 rules. */
  approvalRules: ApprovalRule[];
  /** Patterns (see patterns.ts): package names (`openssl`, `lib*`, `openssl=3.0.15-*`, `openssl:amd64`), CVE ids, advisory ids. 0–200. */
  approvedPatches: string[];
  approvedPatchesComplianceLevel: ComplianceLevel;
  /** Approved patches include non-security updates (false: only security updates of the listed packages). */
  approvedPatchesEnableNonSecurity: boolean;
  /** Package patterns (no CVE/advisory ids). A patch both approved and rejected is rejected. 0–200. */
  rejectedPatches: string[];
  rejectedPatchesAction: RejectedPatchesAction;
  /** Whether security updates available but not approved make a node NON_COMPLIANT (default COMPLIANT: reported only). */
  availableSecurityUpdatesComplianceStatus: 'COMPLIANT' | 'NON_COMPLIANT';
  /** 0–20 alternative sources. */
  sources: PatchSource[];
}

/** A stored baseline. Predefined baselines have `accountId` null and `predefined` true and cannot be changed. */
export interface Baseline extends BaselineRules {
  id: string;
  accountId: string | null;
  name: string;
  description: string;
  predefined: boolean;
  /** Increases on every update; snapshots record the version they were made from. */
  version: number;
}

/** The rule part of a baseline (or of a request carrying more fields): exactly the BaselineRules fields, nothing else. */
export function baselineRulesOf(b: BaselineRules): BaselineRules {
  return {
    operatingSystem: b.operatingSystem,
    globalFilters: b.globalFilters,
    approvalRules: b.approvalRules,
    approvedPatches: b.approvedPatches,
    approvedPatchesComplianceLevel: b.approvedPatchesComplianceLevel,
    approvedPatchesEnableNonSecurity: b.approvedPatchesEnableNonSecurity,
    rejectedPatches: b.rejectedPatches,
    rejectedPatchesAction: b.rejectedPatchesAction,
    availableSecurityUpdatesComplianceStatus: b.availableSecurityUpdatesComplianceStatus,
    sources: b.sources,
  };
}
