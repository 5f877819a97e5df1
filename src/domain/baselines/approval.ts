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
  return (SEVERITY_ALIASES[lowerTrim(severity)] ?? 'unknown') as 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';
}

/** Whether one filter passes a patch (values OR-ed, `*` any, case-insensitive). */
export function filterMatches(filter: PatchFilter, patch: PatchCandidate, products: readonly string[]): boolean {
  return compiledFilterMatches(compileFilter(filter), patch, products);
}

/** A filter with its values trimmed and lower-cased once (and, for SEVERITY, canonical). */
interface CompiledFilter {
  filter: PatchFilter;
  any: boolean;
  values: ReadonlySet<string>;
  severities: ReadonlySet<string>;
}

function compileFilter(filter: PatchFilter): CompiledFilter {
  const values = filter.values.map((v) => v.trim().toLowerCase());
  return { filter, any: values.includes('*'), values: new Set(values), severities: new Set(values.map((v) => canonicalSeverity(v))) };
}

function compiledFilterMatches(f: CompiledFilter, patch: PatchCandidate, products: readonly string[]): boolean {
  if (f.any) return true;
  switch (f.filter.key) {
    case 'PRODUCT': {
      for (const p of products) if (f.values.has(p.toLowerCase())) return true;
      return false;
    }
    case 'CLASSIFICATION':
      return f.values.has(lowerTrim(patch.classification));
    case 'SEVERITY': {
      const s = canonicalSeverity(patch.severity);
      if (s === 'unknown') return false;
      return f.severities.has(s);
    }
    case 'SECTION': {
      const section = lowerTrim(patch.section);
      if (f.values.has(section)) return true;
      const slash = section.lastIndexOf('/');
      return slash >= 0 && f.values.has(section.slice(slash + 1));
    }
    case 'PRIORITY':
      return f.values.has(lowerTrim(patch.priority));
    case 'SECURITY':
      return f.values.has(patch.security ? 'true' : 'false');
  }
}

/** trim + toLowerCase, without allocating for values that are already so (the usual case). */
function lowerTrim(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c <= 32 || c >= 127) return v.trim().toLowerCase();
  }
  return v;
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

/** Bounded memo of a pure string/number function (dates repeat across a fleet: one release day, one first-seen instant). */
function memo<K, V>(fn: (k: K) => V, limit = 10_000): (k: K) => V {
  const cache = new Map<K, V>();
  return (k) => {
    let v = cache.get(k);
    if (v === undefined && !cache.has(k)) {
      v = fn(k);
      if (cache.size >= limit) cache.clear();
      cache.set(k, v);
    }
    return v as V;
  };
}

const parseIso = memo((iso: string): number | null => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
});

function parseInstant(iso: string | null): number | null {
  return iso === null ? null : parseIso(iso);
}

/** Midnight UTC of an instant (UTC days have no leap seconds in ECMAScript time). */
function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

const isoOf = memo((ms: number) => new Date(ms).toISOString());
const isoDay = (ms: number) => isoOf(startOfUtcDay(ms)).slice(0, 10);

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

interface CompiledRule {
  rule: ApprovalRule;
  label: string;
  filters: CompiledFilter[];
}

/** Everything evaluation derives from a baseline's rules, once per rules object. */
interface CompiledRules {
  lists: CompiledLists;
  globalFilters: CompiledFilter[];
  rules: CompiledRule[];
}

const compiledRules = new WeakMap<BaselineRules, CompiledRules>();

function compiledRulesOf(rules: BaselineRules): CompiledRules {
  let c = compiledRules.get(rules);
  if (c === undefined) {
    c = {
      lists: compiledListsOf(rules),
      globalFilters: rules.globalFilters.map(compileFilter),
      rules: rules.approvalRules.map((rule, i) => ({ rule, label: ruleLabel(rule, i), filters: rule.filters.map(compileFilter) })),
    };
    compiledRules.set(rules, c);
  }
  return c;
}

/** A rule that does not approve; its reason is only built when asked for (most misses are never reported). */
const SILENT_MISS: RuleOutcome = { reason: '' };

function evaluateRule(r: CompiledRule, patch: PatchCandidate, ctx: ApprovalContext, now: number, explain: boolean): RuleOutcome {
  const { rule, label } = r;
  for (const f of r.filters) {
    if (!compiledFilterMatches(f, patch, ctx.products)) return explain ? { reason: `${label}: ${describeFilterMiss(f.filter, patch, ctx.products)}` } : SILENT_MISS;
  }
  if (!rule.enableNonSecurity && !patch.security) return explain ? { reason: `${label}: not security and enableNonSecurity is false` } : SILENT_MISS;

  const released = parseInstant(patch.releaseDate);
  const days = rule.approveAfterDays;
  if (rule.approveUntilDate === undefined && (days === undefined || days === 0)) {
    return { approved: { level: rule.complianceLevel, since: released !== null ? startOfUtcDay(released) : null, reason: label } };
  }
  const firstSeen = parseInstant(patch.firstSeenAt);
  const dated = released ?? (rule.approveUndated ? firstSeen : null);
  if (dated === null) {
    if (!explain) return SILENT_MISS;
    return {
      reason:
        released === null && rule.approveUndated
          ? `${label}: no release date and not seen before, so the delay cannot start`
          : `${label}: no release date; set approveUndated to count the delay from when the update was first seen`,
    };
  }
  const from = () => (released !== null ? `released ${isoDay(released)}` : `undated, first seen ${isoDay(dated)}`);
  if (rule.approveUntilDate !== undefined) {
    if (isoDay(dated) <= rule.approveUntilDate) return { approved: { level: rule.complianceLevel, since: startOfUtcDay(dated), reason: `${label}, ${from()}` } };
    return explain ? { reason: `${label}: ${from()}, after ${rule.approveUntilDate}` } : SILENT_MISS;
  }
  const instant = startOfUtcDay(dated) + (days ?? 0) * DAY_MS;
  if (now >= instant) return { approved: { level: rule.complianceLevel, since: instant, reason: `${label}, ${from()}` } };
  return { pendingUntil: instant, reason: explain ? `${label}: ${from()}, approved from ${isoOf(instant)}` : '' };
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
  return decidePatch(rules, patch, ctx, true);
}

/**
 * evaluatePatch for bulk evaluation: the same decision; when `explainMiss` is false and the update
 * is neither approved nor rejected, `reason` is left empty (building it is most of the cost and
 * most such reasons are never shown).
 */
export function decidePatch(rules: BaselineRules, patch: PatchCandidate, ctx: ApprovalContext, explainMiss: boolean): Approval {
  const c = compiledRulesOf(rules);
  const now = ctx.now.getTime();
  const pkg = { name: patch.name, arch: patch.arch, version: patch.candidateVersion };
  for (const p of c.lists.rejected) {
    if (matchesPackage(p, pkg)) return { approved: false, rejected: true, complianceLevel: 'UNSPECIFIED', approvedAt: null, pendingUntil: null, reason: `rejected list "${p.text}"` };
  }

  let approvers: Approver[] | undefined;
  const misses: string[] | undefined = explainMiss ? [] : undefined;
  let pendingUntil: number | null = null;

  let listed: PatchPattern | undefined;
  for (const p of c.lists.approved) {
    if (p.kind === 'package' ? matchesPackage(p, pkg) : matchesUpdate(p, patch)) {
      listed = p;
      break;
    }
  }
  if (listed !== undefined) {
    if (rules.approvedPatchesEnableNonSecurity || patch.security) {
      approvers = [{ level: rules.approvedPatchesComplianceLevel, since: null, reason: `approved list "${listed.text}"` }];
    } else if (misses !== undefined) {
      misses.push(`approved list "${listed.text}": not security and approvedPatchesEnableNonSecurity is false`);
    }
  }

  let globalMiss: CompiledFilter | undefined;
  for (const f of c.globalFilters) {
    if (!compiledFilterMatches(f, patch, ctx.products)) {
      globalMiss = f;
      break;
    }
  }
  if (globalMiss !== undefined) {
    if (misses !== undefined) misses.push(`global filter ${describeFilterMiss(globalMiss.filter, patch, ctx.products)}`);
  } else {
    for (const r of c.rules) {
      const o = evaluateRule(r, patch, ctx, now, explainMiss);
      if ('approved' in o) (approvers ??= []).push(o.approved);
      else {
        if (misses !== undefined) misses.push(o.reason);
        if ('pendingUntil' in o && (pendingUntil === null || o.pendingUntil < pendingUntil)) pendingUntil = o.pendingUntil;
      }
    }
    if (c.rules.length === 0 && listed === undefined) misses?.push('no approval rules and not on the approved list');
  }

  if (approvers === undefined) {
    return {
      approved: false,
      rejected: false,
      complianceLevel: 'UNSPECIFIED',
      approvedAt: null,
      pendingUntil: pendingUntil === null ? null : isoOf(pendingUntil),
      reason: misses !== undefined ? `not approved: ${misses.join('; ')}` : '',
    };
  }
  const firstSeen = parseInstant(patch.firstSeenAt);
  let level: ComplianceLevel = 'UNSPECIFIED';
  let since = Number.POSITIVE_INFINITY;
  let reason = 'approved by ';
  for (let i = 0; i < approvers.length; i++) {
    const a = approvers[i]!;
    level = maxComplianceLevel(level, a.level);
    let t = a.since ?? firstSeen ?? now;
    if (firstSeen !== null && firstSeen > t) t = firstSeen;
    since = Math.min(since, t);
    reason += i === 0 ? a.reason : `; ${a.reason}`;
  }
  since = Math.min(since, now);
  return { approved: true, rejected: false, complianceLevel: level, approvedAt: isoOf(since), pendingUntil: null, reason };
}
