import type { ApprovalRule, BaselineRules, ComplianceLevel, PatchFilter } from './model.js';
import { matchesPackage, matchesUpdate, parsePatchPatterns, type PackageRef, type PatchPattern } from './patterns.js';

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

const DAY_MS = 86_400_000;
const LEVEL_RANK: Record<ComplianceLevel, number> = { UNSPECIFIED: 0, INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4, CRITICAL: 5 };

/** The higher of two compliance levels. */
export function maxComplianceLevel(a: ComplianceLevel, b: ComplianceLevel): ComplianceLevel {
  return LEVEL_RANK[b] > LEVEL_RANK[a] ? b : a;
}

export function complianceLevelRank(level: ComplianceLevel): number {
  return LEVEL_RANK[level];
}

const SEVERITY_ALIASES: Record<string, string> = {
  critical: 'critical',
  urgent: 'critical',
  high: 'high',
  important: 'high',
  medium: 'medium',
  moderate: 'medium',
  low: 'low',
  negligible: 'low',
  none: 'none',
};

/** A vendor or advisory severity on our scale (critical|high|medium|low|none), or `unknown`. */
export function canonicalSeverity(severity: string): 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown' {
  return (SEVERITY_ALIASES[severity.trim().toLowerCase()] ?? 'unknown') as 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';
}

/** Whether one filter passes a patch (values OR-ed, `*` any, case-insensitive). */
export function filterMatches(filter: PatchFilter, patch: PatchCandidate, products: readonly string[]): boolean {
  const values = filter.values.map((v) => v.trim().toLowerCase());
  if (values.includes('*')) return true;
  switch (filter.key) {
    case 'PRODUCT': {
      const ps = products.map((p) => p.toLowerCase());
      return values.some((v) => ps.includes(v));
    }
    case 'CLASSIFICATION':
      return values.includes(patch.classification.trim().toLowerCase());
    case 'SEVERITY': {
      const s = canonicalSeverity(patch.severity);
      if (s === 'unknown') return false;
      return values.some((v) => canonicalSeverity(v) === s);
    }
    case 'SECTION': {
      const section = patch.section.trim().toLowerCase();
      const tail = section.slice(section.lastIndexOf('/') + 1);
      return values.some((v) => v === section || v === tail);
    }
    case 'PRIORITY':
      return values.includes(patch.priority.trim().toLowerCase());
    case 'SECURITY':
      return values.includes(patch.security ? 'true' : 'false');
  }
}

function describeFilterMiss(filter: PatchFilter, patch: PatchCandidate, products: readonly string[]): string {
  const actual: Record<PatchFilter['key'], string> = {
    PRODUCT: products.join('|') || '(no product)',
    CLASSIFICATION: patch.classification || '(none)',
    SEVERITY: patch.severity || '(none)',
    SECTION: patch.section || '(none)',
    PRIORITY: patch.priority || '(none)',
    SECURITY: String(patch.security),
  };
  return `${filter.key} ${filter.values.join('|')} does not match ${actual[filter.key]}`;
}

/** The compiled approved and rejected lists of a baseline (entries that do not parse are ignored: validation refuses them). */
export interface CompiledLists {
  approved: PatchPattern[];
  rejected: PatchPattern[];
}

const compiled = new WeakMap<BaselineRules, CompiledLists>();

/** The baseline's lists, parsed once per rules object. */
export function compiledListsOf(rules: BaselineRules): CompiledLists {
  let c = compiled.get(rules);
  if (c === undefined) {
    c = {
      approved: parsePatchPatterns('approvedPatches', rules.approvedPatches).patterns,
      rejected: parsePatchPatterns('rejectedPatches', rules.rejectedPatches).patterns,
    };
    compiled.set(rules, c);
  }
  return c;
}

/** The first rejected-list entry matching a package at a version, if any. */
export function rejectedMatch(rules: BaselineRules, pkg: PackageRef): PatchPattern | undefined {
  for (const p of compiledListsOf(rules).rejected) if (matchesPackage(p, pkg)) return p;
  return undefined;
}

/** The first approved-list entry matching an update (package pattern on its candidate version, or one of its CVEs/advisories). */
export function approvedMatch(rules: BaselineRules, patch: PatchCandidate): PatchPattern | undefined {
  const pkg = { name: patch.name, arch: patch.arch, version: patch.candidateVersion };
  return compiledListsOf(rules).approved.find((p) => (p.kind === 'package' ? matchesPackage(p, pkg) : matchesUpdate(p, patch)));
}

function parseInstant(iso: string | null): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

function startOfUtcDay(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** An approving source: its level, the instant the approval took effect (null: now) and a description. */
interface Approver {
  level: ComplianceLevel;
  since: number | null;
  reason: string;
}

type RuleOutcome = { approved: Approver } | { pendingUntil: number; reason: string } | { reason: string };

function ruleLabel(rule: ApprovalRule, index: number): string {
  const keys = rule.filters.map((f) => f.key).join('+') || 'no filters';
  const when = rule.approveUntilDate !== undefined ? `approveUntilDate ${rule.approveUntilDate}` : `approveAfterDays ${rule.approveAfterDays ?? 0}`;
  return `rule ${index + 1} (${keys}, ${when})`;
}

function evaluateRule(rule: ApprovalRule, index: number, patch: PatchCandidate, ctx: ApprovalContext, now: number): RuleOutcome {
  const label = ruleLabel(rule, index);
  const miss = rule.filters.find((f) => !filterMatches(f, patch, ctx.products));
  if (miss !== undefined) return { reason: `${label}: ${describeFilterMiss(miss, patch, ctx.products)}` };
  if (!rule.enableNonSecurity && !patch.security) return { reason: `${label}: not security and enableNonSecurity is false` };

  const released = parseInstant(patch.releaseDate);
  const firstSeen = parseInstant(patch.firstSeenAt);
  const days = rule.approveAfterDays;
  if (rule.approveUntilDate === undefined && (days === undefined || days === 0)) {
    return { approved: { level: rule.complianceLevel, since: released !== null ? startOfUtcDay(released) : null, reason: label } };
  }
  const dated = released ?? (rule.approveUndated ? firstSeen : null);
  if (dated === null) {
    return {
      reason:
        released === null && rule.approveUndated
          ? `${label}: no release date and not seen before, so the delay cannot start`
          : `${label}: no release date; set approveUndated to count the delay from when the update was first seen`,
    };
  }
  const from = released !== null ? `released ${isoDay(released)}` : `undated, first seen ${isoDay(dated)}`;
  if (rule.approveUntilDate !== undefined) {
    if (isoDay(dated) <= rule.approveUntilDate) return { approved: { level: rule.complianceLevel, since: startOfUtcDay(dated), reason: `${label}, ${from}` } };
    return { reason: `${label}: ${from}, after ${rule.approveUntilDate}` };
  }
  const instant = startOfUtcDay(dated) + (days ?? 0) * DAY_MS;
  if (now >= instant) return { approved: { level: rule.complianceLevel, since: instant, reason: `${label}, ${from}` } };
  return { pendingUntil: instant, reason: `${label}: ${from}, approved from ${new Date(instant).toISOString()}` };
}

/**
 * Evaluates one update against a baseline (shared/reference/aws-ssm-patch-manager.md §2.3):
 * rejected list → not approved; approved list (subject to approvedPatchesEnableNonSecurity) →
 * approved regardless of global filters; else global filters must pass and any rule must approve
 * (filters AND-ed across keys, values OR-ed, `*` any, case-insensitive; date rule; security-only
 * unless enableNonSecurity). The compliance level is the maximum over every approving source.
 *
 * approvedAt is the earliest instant any approving source took effect (release day + delay; the
 * release day for immediate rules; now for the approved list and undated immediate approvals),
 * but never before the update was first seen on the node and never after now.
 */
export function evaluatePatch(rules: BaselineRules, patch: PatchCandidate, ctx: ApprovalContext): Approval {
  const now = ctx.now.getTime();
  const pkg = { name: patch.name, arch: patch.arch, version: patch.candidateVersion };
  const rejected = rejectedMatch(rules, pkg);
  if (rejected !== undefined) {
    return { approved: false, rejected: true, complianceLevel: 'UNSPECIFIED', approvedAt: null, pendingUntil: null, reason: `rejected list "${rejected.text}"` };
  }

  const approvers: Approver[] = [];
  const misses: string[] = [];
  let pendingUntil: number | null = null;

  const listed = approvedMatch(rules, patch);
  if (listed !== undefined) {
    if (rules.approvedPatchesEnableNonSecurity || patch.security) {
      approvers.push({ level: rules.approvedPatchesComplianceLevel, since: null, reason: `approved list "${listed.text}"` });
    } else {
      misses.push(`approved list "${listed.text}": not security and approvedPatchesEnableNonSecurity is false`);
    }
  }

  const globalMiss = rules.globalFilters.find((f) => !filterMatches(f, patch, ctx.products));
  if (globalMiss !== undefined) {
    misses.push(`global filter ${describeFilterMiss(globalMiss, patch, ctx.products)}`);
  } else {
    rules.approvalRules.forEach((rule, i) => {
      const o = evaluateRule(rule, i, patch, ctx, now);
      if ('approved' in o) approvers.push(o.approved);
      else {
        misses.push(o.reason);
        if ('pendingUntil' in o && (pendingUntil === null || o.pendingUntil < pendingUntil)) pendingUntil = o.pendingUntil;
      }
    });
    if (rules.approvalRules.length === 0 && listed === undefined) misses.push('no approval rules and not on the approved list');
  }

  if (approvers.length === 0) {
    return {
      approved: false,
      rejected: false,
      complianceLevel: 'UNSPECIFIED',
      approvedAt: null,
      pendingUntil: pendingUntil === null ? null : new Date(pendingUntil).toISOString(),
      reason: `not approved: ${misses.join('; ')}`,
    };
  }
  const firstSeen = parseInstant(patch.firstSeenAt);
  let level: ComplianceLevel = 'UNSPECIFIED';
  let since = Number.POSITIVE_INFINITY;
  for (const a of approvers) {
    level = maxComplianceLevel(level, a.level);
    let t = a.since ?? firstSeen ?? now;
    if (firstSeen !== null && firstSeen > t) t = firstSeen;
    since = Math.min(since, t);
  }
  since = Math.min(since, now);
  return {
    approved: true,
    rejected: false,
    complianceLevel: level,
    approvedAt: new Date(since).toISOString(),
    pendingUntil: null,
    reason: `approved by ${approvers.map((a) => a.reason).join('; ')}`,
  };
}
