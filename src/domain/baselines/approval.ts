import type { BaselineRules, ComplianceLevel } from './model.js';

/**
 * One available update as baseline evaluation sees it (a row of the node's pending updates,
 * enriched by the server with what the advisory engine knows).
 */
export interface PatchCandidate {
  name: string;
  arch: string;
  installedVersion: string;
  candidateVersion: string;
  /** From a security origin (apt) or a security advisory (dnf updateinfo), or fixing a known advisory. */
  security: boolean;
  /** dnf updateinfo type (`security`, `bugfix`, `enhancement`, `newpackage`) or `security`/`other` for apt. */
  classification: string;
  /** Vendor severity, raised to the advisory engine's when that is higher: critical|high|medium|low|none|unknown. */
  severity: string;
  section: string;
  priority: string;
  /** Release date (ISO) from the repository metadata or the earliest advisory the update fixes; null when unknown. */
  releaseDate: string | null;
  /** When the server first saw this candidate version on this node (ISO); the clock of `approveUndated` rules. */
  firstSeenAt: string | null;
  advisoryIds: string[];
  cves: string[];
}

export interface ApprovalContext {
  now: Date;
  /** The node's products, e.g. `['Debian12', 'Debian']`, `['Ubuntu22.04', 'Ubuntu']`, `['RockyLinux9.4', 'RockyLinux9', 'RockyLinux']`. */
  products: string[];
}

/** The baseline's decision on one update. */
export interface Approval {
  approved: boolean;
  /** Matched the rejected list (a patch both approved and rejected is rejected: `approved` is then false). */
  rejected: boolean;
  /** The highest compliance level among the rules (and approved list) that approve it; UNSPECIFIED when not approved. */
  complianceLevel: ComplianceLevel;
  /** When the approval took effect (ISO): release day + delay, or now for immediate approvals; null when not approved. */
  approvedAt: string | null;
  /** When a delay rule will approve it (ISO), if it is waiting for one; else null. */
  pendingUntil: string | null;
  /** Plain words: `rule 1 (PRIORITY, approveAfterDays 0)`, `approved list "openssl"`, `rejected list "demo-*"`, `not security and enableNonSecurity is false`, … */
  reason: string;
}

/**
 * Evaluates one update against a baseline (shared/reference/aws-ssm-patch-manager.md §2.3):
 * rejected list → not approved; approved list (subject to approvedPatchesEnableNonSecurity) →
 * approved regardless of global filters; else global filters must pass and any rule must approve
 * (filters AND-ed across keys, values OR-ed, `*` any, case-insensitive; date rule; security-only
 * unless enableNonSecurity). The compliance level is the maximum over every approving source.
 */
export function evaluatePatch(rules: BaselineRules, patch: PatchCandidate, ctx: ApprovalContext): Approval {
  void rules;
  void patch;
  void ctx;
  throw new Error('evaluatePatch: not implemented yet');
}
