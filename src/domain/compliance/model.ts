import type { PatchCandidate } from '../baselines/approval.js';
import type { BaselineRules, ComplianceLevel } from '../baselines/model.js';

/** Per-patch states (DESIGN.md; SSM PatchComplianceData.State plus AVAILABLE_SECURITY_UPDATE everywhere). */
export const PATCH_STATES = [
  'INSTALLED',
  'INSTALLED_OTHER',
  'INSTALLED_PENDING_REBOOT',
  'INSTALLED_REJECTED',
  'MISSING',
  'FAILED',
  'NOT_APPLICABLE',
  'AVAILABLE_SECURITY_UPDATE',
] as const;
export type PatchState = (typeof PATCH_STATES)[number];

export const COMPLIANCE_STATUSES = ['COMPLIANT', 'NON_COMPLIANT', 'UNKNOWN'] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

/** Patch severities (vendor or advisory), the keys of SLA days. */
export const PATCH_SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;
export type PatchSeverity = (typeof PATCH_SEVERITIES)[number];

/** Days allowed from approval to install, per patch severity (missing key: no SLA for that severity). */
export type SlaDays = Partial<Record<PatchSeverity, number>>;

export interface InstalledPackageFact {
  name: string;
  arch: string;
  version: string;
}

/** What the node's previous evaluation stored for one patch (the memory that makes INSTALLED, FAILED and pending reboot possible). */
export interface PriorPatchState {
  name: string;
  arch: string;
  state: PatchState;
  /** The version the baseline (or snapshot) approved; INSTALLED once the installed version reaches it. */
  approvedVersion: string | null;
  approvedAt: string | null;
  complianceLevel: ComplianceLevel;
  severity: string;
  classification: string;
  security: boolean;
  cves: string[];
  advisoryIds: string[];
  /** An Install attempted it and it did not end installed: when, and what the agent said. */
  failedAt: string | null;
  failureMessage: string | null;
  /** Installed by a Patchwarden Install with NoReboot while the OS asked for a reboot: since when. */
  pendingRebootSince: string | null;
}

/** The Install whose result produced this evaluation (absent for scans and inventory reports). */
export interface InstallFacts {
  at: string;
  rebootOption: 'RebootIfNeeded' | 'NoReboot' | 'Always';
  /** The agent's per-item outcomes (`installed`, `already-installed`, `not-available`, `failed`, `not-attempted`). */
  outcomes: { name: string; arch: string; requestedVersion: string; installedVersion: string | null; state: string; message?: string | undefined }[];
  /** The Install followed an explicit list (installOverrideList): what it installed is INSTALLED_OTHER unless the baseline approves it. */
  overrideList: boolean;
}

export interface NodeEvaluationInput {
  rules: BaselineRules;
  products: string[];
  now: Date;
  /** The node's pending updates, enriched. */
  updates: PatchCandidate[];
  /** Installed packages: at least those named by `prior`, by `updates`, and those matching the baseline's approved/rejected name patterns (may be all). */
  installed: InstalledPackageFact[];
  /** How many packages the node has installed in all (for the INSTALLED_OTHER count). */
  installedCount: number;
  prior: PriorPatchState[];
  /** The OS signals a reboot (the inventory's reboot.required). */
  rebootRequired: boolean;
  install?: InstallFacts | undefined;
  sla: SlaDays;
  /** The version order of the node's package manager (deb or rpm). */
  compareVersions: (a: string, b: string) => number;
}

/** One stored per-patch state (every state but INSTALLED_OTHER, which is only counted). */
export interface PatchStateRecord {
  name: string;
  arch: string;
  state: PatchState;
  installedVersion: string | null;
  /** The newest available version (from the node's updates), when there is one. */
  candidateVersion: string | null;
  approvedVersion: string | null;
  approvedAt: string | null;
  complianceLevel: ComplianceLevel;
  severity: string;
  classification: string;
  security: boolean;
  cves: string[];
  advisoryIds: string[];
  releaseDate: string | null;
  failedAt: string | null;
  failureMessage: string | null;
  pendingRebootSince: string | null;
  /** approvedAt + SLA days for the patch's severity; null without SLA or approval. */
  dueAt: string | null;
  /** Non-compliant and past dueAt. */
  overdue: boolean;
  /** Why this state, in plain words (the baseline's reason, the install outcome, …). */
  reason: string;
}

export type StateCounts = Record<PatchState, number>;

export interface NodeComplianceResult {
  status: ComplianceStatus;
  /** Highest compliance level among non-compliant patches (INFORMATIONAL at least, as SSM); null when compliant. */
  complianceLevel: ComplianceLevel | null;
  /** Highest patch severity among non-compliant patches; null when compliant. */
  severity: PatchSeverity | null;
  counts: StateCounts;
  /** SSM buckets over non-compliant patches: compliance level CRITICAL / security classification / neither. */
  criticalNonCompliant: number;
  securityNonCompliant: number;
  otherNonCompliant: number;
  overdue: number;
  /** Earliest dueAt among non-compliant patches. */
  nextDueAt: string | null;
  states: PatchStateRecord[];
}
