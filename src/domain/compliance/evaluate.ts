import { canonicalSeverity, compiledListsOf, complianceLevelRank, decidePatch, maxComplianceLevel, rejectedMatch, type PatchCandidate } from '../baselines/approval.js';
import type { ComplianceLevel } from '../baselines/model.js';
import { hasWildcard, matchesPackage } from '../baselines/patterns.js';
import {
  PATCH_STATES,
  type InstallFacts,
  type InstalledPackageFact,
  type NodeComplianceResult,
  type NodeEvaluationInput,
  type PatchSeverity,
  type PatchState,
  type PatchStateRecord,
  type PriorPatchState,
  type SlaDays,
  type StateCounts,
} from './model.js';

const DAY_MS = 86_400_000;
const key = (name: string, arch: string) => `${name}\u0000${arch}`;

/** States that make a node NON_COMPLIANT (AVAILABLE_SECURITY_UPDATE only when the baseline says so). */
const NON_COMPLIANT_STATES: ReadonlySet<PatchState> = new Set(['MISSING', 'FAILED', 'INSTALLED_REJECTED', 'INSTALLED_PENDING_REBOOT']);
/** States with an SLA clock (approved, not yet in place). */
const SLA_STATES: ReadonlySet<PatchState> = new Set(['MISSING', 'FAILED', 'INSTALLED_PENDING_REBOOT']);
/** Stored states whose package is installed on the node. */
const INSTALLED_STATES: ReadonlySet<PatchState> = new Set(['INSTALLED', 'INSTALLED_PENDING_REBOOT', 'INSTALLED_REJECTED', 'MISSING', 'FAILED', 'AVAILABLE_SECURITY_UPDATE']);
const FAILED_OUTCOMES: ReadonlySet<string> = new Set(['failed', 'not-available', 'not-attempted']);
const INSTALLED_OUTCOMES: ReadonlySet<string> = new Set(['installed', 'already-installed']);

const SEVERITY_RANK: Record<PatchSeverity, number> = { critical: 5, high: 4, medium: 3, low: 2, none: 1, unknown: 0 };
const LEVEL_SLA_KEY: Partial<Record<ComplianceLevel, PatchSeverity>> = { CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low' };

/** The SLA key of a patch: its severity, or, when that is unknown/none, the one its compliance level stands for. */
export function slaKeyOf(severity: string, level: ComplianceLevel): PatchSeverity {
  const s = canonicalSeverity(severity);
  if (s !== 'unknown' && s !== 'none') return s;
  return LEVEL_SLA_KEY[level] ?? s;
}

/** approvedAt + SLA days of the patch's key; null without approval or without an SLA for that key. */
export function dueAtOf(approvedAt: string | null, severity: string, level: ComplianceLevel, sla: SlaDays): string | null {
  if (approvedAt === null) return null;
  const days = sla[slaKeyOf(severity, level)];
  if (days === undefined) return null;
  const t = parseIso(approvedAt);
  if (Number.isNaN(t)) return null;
  return isoOf(t + days * DAY_MS);
}

/** Date.parse and toISOString, memoised (a fleet shares few approval instants; bounded). */
const parsed = new Map<string, number>();
const printed = new Map<number, string>();
function parseIso(iso: string): number {
  let t = parsed.get(iso);
  if (t === undefined) {
    t = Date.parse(iso);
    if (parsed.size >= 10_000) parsed.clear();
    parsed.set(iso, t);
  }
  return t;
}
function isoOf(ms: number): string {
  let iso = printed.get(ms);
  if (iso === undefined) {
    iso = new Date(ms).toISOString();
    if (printed.size >= 10_000) printed.clear();
    printed.set(ms, iso);
  }
  return iso;
}

const outcomeMessage = (o: InstallFacts['outcomes'][number], at: string): string => {
  const what = o.state === 'not-available' ? `${o.requestedVersion} was not available` : o.state === 'not-attempted' ? 'the install was not attempted' : 'the install failed';
  return `Install at ${at}: ${what}${o.message !== undefined && o.message !== '' ? `: ${o.message}` : ''}`;
};

/**
 * A state before summarize sets dueAt and overdue. Every record is built by one of the functions
 * below with the same fields in the same order (one object shape: hundreds of thousands per fleet).
 */
type Draft = PatchStateRecord;

/** The state of a pending update. */
function updateDraft(
  u: PatchCandidate,
  state: PatchState,
  approvedVersion: string | null,
  approvedAt: string | null,
  complianceLevel: ComplianceLevel,
  failedAt: string | null,
  failureMessage: string | null,
  reason: string,
): Draft {
  return {
    name: u.name,
    arch: u.arch,
    state,
    installedVersion: u.installedVersion,
    candidateVersion: u.candidateVersion,
    approvedVersion,
    approvedAt,
    complianceLevel,
    severity: u.severity,
    classification: u.classification,
    security: u.security,
    cves: u.cves,
    advisoryIds: u.advisoryIds,
    releaseDate: u.releaseDate,
    failedAt,
    failureMessage,
    pendingRebootSince: null,
    dueAt: null,
    overdue: false,
    reason,
  };
}

/** The state of an installed package without a pending update (built only for the few that get one). */
function installedDraft(
  pkg: InstalledPackageFact,
  p: PriorPatchState | undefined,
  state: PatchState,
  approvedVersion: string | null,
  approvedAt: string | null,
  complianceLevel: ComplianceLevel,
  pendingRebootSince: string | null,
  reason: string,
): Draft {
  return {
    name: pkg.name,
    arch: pkg.arch,
    state,
    installedVersion: pkg.version,
    candidateVersion: null,
    approvedVersion,
    approvedAt,
    complianceLevel,
    severity: p?.severity ?? 'unknown',
    classification: p?.classification ?? '',
    security: p?.security ?? false,
    cves: p?.cves ?? [],
    advisoryIds: p?.advisoryIds ?? [],
    releaseDate: null,
    failedAt: null,
    failureMessage: null,
    pendingRebootSince,
    dueAt: null,
    overdue: false,
    reason,
  };
}

/** The state of an approved package that is not installed. */
function notApplicableDraft(
  name: string,
  arch: string,
  approvedVersion: string | null,
  approvedAt: string | null,
  complianceLevel: ComplianceLevel,
  p: PriorPatchState | undefined,
  reason: string,
): Draft {
  return {
    name,
    arch,
    state: 'NOT_APPLICABLE',
    installedVersion: null,
    candidateVersion: null,
    approvedVersion,
    approvedAt,
    complianceLevel,
    severity: p?.severity ?? 'unknown',
    classification: p?.classification ?? '',
    security: p?.security ?? false,
    cves: p?.cves ?? [],
    advisoryIds: p?.advisoryIds ?? [],
    releaseDate: null,
    failedAt: null,
    failureMessage: null,
    pendingRebootSince: null,
    dueAt: null,
    overdue: false,
    reason,
  };
}

/**
 * Derives a node's per-patch states and compliance from its current inventory, its baseline and
 * the memory of earlier evaluations (see src/domain/compliance/README.md for the rules).
 */
export function evaluateNode(input: NodeEvaluationInput): NodeComplianceResult {
  const { rules, now } = input;
  const ctx = { now, products: input.products };
  const block = rules.rejectedPatchesAction === 'BLOCK';
  const prior = new Map<string, PriorPatchState>();
  for (const p of input.prior) prior.set(key(p.name, p.arch), p);
  const outcomes = new Map<string, InstallFacts['outcomes'][number]>();
  for (const o of input.install?.outcomes ?? []) outcomes.set(key(o.name, o.arch), o);
  const updated = new Set<string>();
  const updatedNames = new Set<string>();
  for (const u of input.updates) {
    updated.add(key(u.name, u.arch));
    updatedNames.add(u.name);
  }
  // (name, arch) of every installed package: only built when something not installed may need reporting.
  let installedKeys: Set<string> | undefined;
  const isInstalled = (k: string): boolean => {
    if (installedKeys === undefined) {
      installedKeys = new Set(updated);
      for (const i of input.installed) installedKeys.add(key(i.name, i.arch));
    }
    return installedKeys.has(k);
  };
  const drafts: Draft[] = [];

  // 1. Pending updates.
  for (const u of input.updates) {
    const k = key(u.name, u.arch);
    // The reason of an update neither approved nor rejected is only shown for security updates.
    const a = decidePatch(rules, u, ctx, u.security);
    if (a.rejected) {
      const hit = block ? rejectedMatch(rules, { name: u.name, arch: u.arch, version: u.installedVersion }) : undefined;
      if (hit !== undefined) {
        drafts.push(updateDraft(u, 'INSTALLED_REJECTED', null, null, 'UNSPECIFIED', null, null, `installed ${u.installedVersion} is on the rejected list ("${hit.text}") and rejectedPatchesAction is BLOCK`));
      }
      continue;
    }
    if (a.approved) {
      const p = prior.get(k);
      const approvedAt = p !== undefined && p.approvedVersion === u.candidateVersion && p.approvedAt !== null ? p.approvedAt : a.approvedAt;
      const o = outcomes.get(k);
      if (o !== undefined && input.install !== undefined && FAILED_OUTCOMES.has(o.state)) {
        const msg = outcomeMessage(o, input.install.at);
        drafts.push(updateDraft(u, 'FAILED', u.candidateVersion, approvedAt, a.complianceLevel, input.install.at, o.message ?? msg, `${msg} (${a.reason})`));
      } else if (p !== undefined && p.state === 'FAILED' && p.approvedVersion === u.candidateVersion) {
        drafts.push(
          updateDraft(u, 'FAILED', u.candidateVersion, approvedAt, a.complianceLevel, p.failedAt, p.failureMessage, `an earlier Install failed${p.failedAt !== null ? ` at ${p.failedAt}` : ''} and ${u.candidateVersion} is still not installed (${a.reason})`),
        );
      } else {
        drafts.push(updateDraft(u, 'MISSING', u.candidateVersion, approvedAt, a.complianceLevel, null, null, `${u.candidateVersion} is not installed (installed ${u.installedVersion}); ${a.reason}`));
      }
      continue;
    }
    if (u.security) {
      const waiting = a.pendingUntil !== null ? `; approved from ${a.pendingUntil}` : '';
      drafts.push(updateDraft(u, 'AVAILABLE_SECURITY_UPDATE', null, null, 'UNSPECIFIED', null, null, `security update ${u.candidateVersion} available, ${a.reason}${waiting}`));
    }
    // Not approved and not security: counted as INSTALLED_OTHER.
  }

  // 2. Installed packages without a pending update.
  const approvedPackagePatterns = compiledListsOf(rules).approved.filter((p) => p.kind === 'package');
  const rejectsInstalled = block && compiledListsOf(rules).rejected.length > 0;
  // Names with a prior state or an install outcome; without lists, other packages can only be INSTALLED_OTHER.
  const remembered = new Set<string>();
  for (const p of input.prior) remembered.add(p.name);
  for (const o of outcomes.values()) remembered.add(o.name);
  const listsApply = rejectsInstalled || approvedPackagePatterns.length > 0;
  for (const pkg of input.installed) {
    if (!listsApply && !remembered.has(pkg.name)) continue; // fast path: INSTALLED_OTHER, counted only
    const isRemembered = remembered.has(pkg.name);
    const k = updatedNames.has(pkg.name) || isRemembered ? key(pkg.name, pkg.arch) : '';
    if (k !== '' && updated.has(k)) continue;
    const p = isRemembered ? prior.get(k) : undefined;
    const rejected = rejectsInstalled ? rejectedMatch(rules, pkg) : undefined;
    if (rejected === undefined && p === undefined && approvedPackagePatterns.length === 0 && !(isRemembered && outcomes.has(k))) continue;
    if (rejected !== undefined) {
      drafts.push(installedDraft(pkg, p, 'INSTALLED_REJECTED', null, null, 'UNSPECIFIED', null, `installed ${pkg.version} is on the rejected list ("${rejected.text}") and rejectedPatchesAction is BLOCK`));
      continue;
    }
    const o = isRemembered ? outcomes.get(k) : undefined;
    const install = input.install;
    let draft: Draft | undefined;
    if (o !== undefined && install !== undefined && INSTALLED_OUTCOMES.has(o.state) && !install.overrideList) {
      const approvedAt = p !== undefined && p.approvedVersion === o.requestedVersion && p.approvedAt !== null ? p.approvedAt : install.at;
      const pendingRebootSince = install.rebootOption === 'NoReboot' && input.rebootRequired ? install.at : null;
      draft = installedDraft(pkg, p, 'INSTALLED', o.requestedVersion, approvedAt, p?.complianceLevel ?? 'UNSPECIFIED', pendingRebootSince, `${o.state === 'installed' ? 'installed' : 'already installed'} by the Install at ${install.at} (${pkg.version})`);
    } else if (p !== undefined && p.approvedVersion !== null && input.compareVersions(pkg.version, p.approvedVersion) >= 0) {
      draft = installedDraft(pkg, p, 'INSTALLED', p.approvedVersion, p.approvedAt, p.complianceLevel, p.pendingRebootSince, `installed ${pkg.version}, at or above the approved ${p.approvedVersion}`);
    } else {
      let listed: (typeof approvedPackagePatterns)[number] | undefined;
      for (const pat of approvedPackagePatterns) {
        if (matchesPackage(pat, pkg)) {
          listed = pat;
          break;
        }
      }
      if (listed !== undefined) {
        draft = installedDraft(
          pkg,
          p,
          'INSTALLED',
          pkg.version,
          p?.approvedVersion === pkg.version ? p.approvedAt : null,
          rules.approvedPatchesComplianceLevel,
          p?.pendingRebootSince ?? null,
          `installed ${pkg.version}, on the approved list ("${listed.text}") with no update pending`,
        );
      }
    }
    if (draft === undefined) continue; // INSTALLED_OTHER: counted only
    if (draft.pendingRebootSince !== null) {
      if (input.rebootRequired) {
        draft.state = 'INSTALLED_PENDING_REBOOT';
        draft.reason = `${draft.reason}; installed with NoReboot at ${draft.pendingRebootSince} and the node still needs a reboot`;
      } else draft.pendingRebootSince = null;
    }
    drafts.push(draft);
  }

  // 3. Approved patches whose package is not installed.
  let seenKeys: Set<string> | undefined; // (name, arch) of the drafts so far: only built when needed
  const seen = (): Set<string> => (seenKeys ??= new Set(drafts.map((d) => key(d.name, d.arch))));
  for (const p of input.prior) {
    if (p.approvedVersion === null) continue;
    const k = key(p.name, p.arch);
    if (seen().has(k) || isInstalled(k)) continue;
    seen().add(k);
    drafts.push(notApplicableDraft(p.name, p.arch, p.approvedVersion, p.approvedAt, p.complianceLevel, p, `approved ${p.approvedVersion} but the package is not installed`));
  }
  const exactNames = approvedPackagePatterns.filter((pat) => pat.kind === 'package' && !hasWildcard(pat.name) && (pat.arch === null || !hasWildcard(pat.arch)));
  const installedNames = exactNames.length === 0 ? new Set<string>() : new Set([...input.installed.map((i) => i.name), ...input.updates.map((u) => u.name)]);
  const seenNames = exactNames.length === 0 ? new Set<string>() : new Set(drafts.map((d) => d.name));
  for (const pat of exactNames) {
    if (pat.kind !== 'package') continue;
    const present = pat.arch === null ? installedNames.has(pat.name) : isInstalled(key(pat.name, pat.arch));
    const k = key(pat.name, pat.arch ?? '');
    if (present || seen().has(k) || (pat.arch === null && seenNames.has(pat.name))) continue;
    seen().add(k);
    seenNames.add(pat.name);
    drafts.push(notApplicableDraft(pat.name, pat.arch ?? '', null, null, rules.approvedPatchesComplianceLevel, undefined, `on the approved list ("${pat.text}") but not installed`));
  }

  return summarize(drafts, input);
}

function summarize(drafts: Draft[], input: NodeEvaluationInput): NodeComplianceResult {
  const nowMs = input.now.getTime();
  const asuNonCompliant = input.rules.availableSecurityUpdatesComplianceStatus === 'NON_COMPLIANT';
  const counts = Object.fromEntries(PATCH_STATES.map((s) => [s, 0])) as StateCounts;
  let installedStored = 0;
  let level: ComplianceLevel | null = null;
  let severity: PatchSeverity | null = null;
  let critical = 0;
  let security = 0;
  let other = 0;
  let overdue = 0;
  let nextDueAt: string | null = null;
  const states: PatchStateRecord[] = [];
  drafts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0));

  for (const d of drafts) {
    counts[d.state]++;
    if (INSTALLED_STATES.has(d.state)) installedStored++;
    const nonCompliant = NON_COMPLIANT_STATES.has(d.state) || (asuNonCompliant && d.state === 'AVAILABLE_SECURITY_UPDATE');
    const dueAt = SLA_STATES.has(d.state) ? dueAtOf(d.approvedAt, d.severity, d.complianceLevel, input.sla) : null;
    const isOverdue = nonCompliant && dueAt !== null && nowMs > parseIso(dueAt);
    if (nonCompliant) {
      level = maxComplianceLevel(level ?? 'INFORMATIONAL', d.complianceLevel);
      const s = canonicalSeverity(d.severity);
      if (severity === null || SEVERITY_RANK[s] > SEVERITY_RANK[severity]) severity = s;
      const isCritical = complianceLevelRank(d.complianceLevel) === complianceLevelRank('CRITICAL');
      const isSecurity = d.security || d.classification === 'security' || d.classification.trim().toLowerCase() === 'security';
      if (isCritical) critical++;
      if (isSecurity) security++;
      if (!isCritical && !isSecurity) other++;
      if (isOverdue) overdue++;
      if (dueAt !== null && (nextDueAt === null || dueAt < nextDueAt)) nextDueAt = dueAt;
    }
    d.dueAt = dueAt; // the draft becomes the record (no copy: thousands per node)
    d.overdue = isOverdue;
    states.push(d);
  }
  counts.INSTALLED_OTHER = Math.max(0, input.installedCount - installedStored);
  const compliant = level === null;
  return {
    status: compliant ? 'COMPLIANT' : 'NON_COMPLIANT',
    complianceLevel: level,
    severity: compliant ? null : severity,
    counts,
    criticalNonCompliant: critical,
    securityNonCompliant: security,
    otherNonCompliant: other,
    overdue,
    nextDueAt,
    states,
  };
}
