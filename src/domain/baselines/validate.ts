import { COMPLIANCE_LEVELS, FILTER_KEYS, OPERATING_SYSTEMS, REJECTED_PATCHES_ACTIONS, type BaselineRules, type FilterKey, type OperatingSystem, type PatchFilter } from './model.js';
import { parsePatchPatterns } from './patterns.js';

/** One validation problem: the field path (`approvalRules[1].filters[0].values[2]`) and what to do about it. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export const LIMITS = {
  globalFilters: 4,
  approvalRules: 10,
  filtersPerRule: 4,
  valuesPerFilter: 20,
  valueLength: 64,
  approveAfterDays: 360,
  patches: 200,
  sources: 20,
  productsPerSource: 20,
  configurationLength: 1024,
} as const;

/** Whether an OS patches with apt (the rest use dnf). */
export function usesApt(os: OperatingSystem): boolean {
  return os === 'DEBIAN' || os === 'UBUNTU';
}

/**
 * Filter keys a baseline of each OS accepts. apt: PRODUCT, SECTION, PRIORITY (package fields),
 * SECURITY and CLASSIFICATION (security origin: `security`/`other`) and SEVERITY (advisories give
 * severities). dnf: PRODUCT, CLASSIFICATION, SEVERITY, SECURITY (updateinfo); no SECTION (the rpm
 * Group tag is deprecated and mostly `Unspecified`) and no PRIORITY (rpm has none).
 */
export function filterKeysFor(os: OperatingSystem): readonly FilterKey[] {
  return usesApt(os) ? ['PRODUCT', 'CLASSIFICATION', 'SEVERITY', 'SECTION', 'PRIORITY', 'SECURITY'] : ['PRODUCT', 'CLASSIFICATION', 'SEVERITY', 'SECURITY'];
}

const SEVERITY_VALUES = ['Critical', 'High', 'Important', 'Medium', 'Moderate', 'Low', 'None'];

/** Known values of the keys that have a closed set (PRODUCT and SECTION are free text); compared case-insensitively, `*` always allowed. */
export function knownFilterValues(os: OperatingSystem, key: FilterKey): readonly string[] | null {
  switch (key) {
    case 'CLASSIFICATION':
      return usesApt(os) ? ['Security', 'Other'] : ['Security', 'Bugfix', 'Enhancement', 'Newpackage'];
    case 'SEVERITY':
      return SEVERITY_VALUES;
    case 'PRIORITY':
      return usesApt(os) ? ['Required', 'Important', 'Standard', 'Optional', 'Extra'] : null;
    case 'SECURITY':
      return ['true', 'false'];
    case 'PRODUCT':
    case 'SECTION':
      return null;
  }
}

function validateFilters(os: OperatingSystem, filters: readonly PatchFilter[], path: string, max: number, issues: ValidationIssue[]): void {
  if (filters.length > max) issues.push({ path, message: `${path}: ${filters.length} filters; at most ${max} are allowed (put several values in one filter instead)` });
  const allowed = filterKeysFor(os);
  const seen = new Set<string>();
  filters.forEach((f, i) => {
    const fp = `${path}[${i}]`;
    if (!(FILTER_KEYS as readonly string[]).includes(f.key)) {
      issues.push({ path: `${fp}.key`, message: `${fp}.key "${f.key as string}" is not a filter key; use one of ${allowed.join(', ')}` });
      return;
    }
    if (!allowed.includes(f.key)) {
      issues.push({ path: `${fp}.key`, message: `${fp}.key ${f.key} is not available for ${os}; use one of ${allowed.join(', ')}` });
    }
    if (seen.has(f.key)) issues.push({ path: `${fp}.key`, message: `${fp}.key ${f.key} appears twice in one group; merge the values into one filter (values are OR-ed)` });
    seen.add(f.key);
    const vp = `${fp}.values`;
    if (f.values.length < 1 || f.values.length > LIMITS.valuesPerFilter) {
      issues.push({ path: vp, message: `${vp}: ${f.values.length} values; give 1 to ${LIMITS.valuesPerFilter} (use "*" for any)` });
    }
    const known = knownFilterValues(os, f.key);
    f.values.forEach((v, j) => {
      const p = `${vp}[${j}]`;
      if (v.length < 1 || v.length > LIMITS.valueLength) {
        issues.push({ path: p, message: `${p}: a value must be 1 to ${LIMITS.valueLength} characters (got ${v.length})` });
        return;
      }
      if (v !== '*' && known !== null && !known.some((k) => k.toLowerCase() === v.trim().toLowerCase())) {
        issues.push({ path: p, message: `${p} "${v}" is not a ${f.key} value for ${os}; use one of ${known.join(', ')} or *` });
      }
    });
  });
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether text is a real calendar day `YYYY-MM-DD` (2026-02-29 is not). */
export function isCalendarDate(text: string): boolean {
  const m = ISO_DAY.exec(text);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

const SOURCE_NAME = /^[A-Za-z0-9_.-]{3,50}$/;
const APT_LINE = /^deb(-src)?\s+(\[[^\]]*\]\s+)?[A-Za-z][A-Za-z0-9+.-]*:\S+\s+\S+(\s+\S+)*$/;

function validateAptConfiguration(configuration: string, path: string, issues: ValidationIssue[]): void {
  const lines = configuration.split('\n').map((l) => l.trim());
  let entries = 0;
  lines.forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    entries++;
    if (!APT_LINE.test(line)) {
      issues.push({
        path,
        message: `${path} line ${i + 1} "${line.slice(0, 80)}" is not an apt source; write "deb URL SUITE [COMPONENTS]", e.g. "deb http://security.debian.org/debian-security bookworm-security main"`,
      });
    }
  });
  if (entries === 0) issues.push({ path, message: `${path} has no apt source line; write "deb URL SUITE [COMPONENTS]"` });
}

function validateDnfConfiguration(configuration: string, path: string, issues: ValidationIssue[]): void {
  const sections: { id: string; line: number; url: boolean }[] = [];
  configuration.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([^\]\s]+)\]$/.exec(line);
    if (header !== null) {
      sections.push({ id: header[1] ?? '', line: i + 1, url: false });
      return;
    }
    const current = sections.at(-1);
    if (current === undefined) {
      issues.push({ path, message: `${path} line ${i + 1}: "${line.slice(0, 80)}" comes before any [repository-id] header; start with a header such as [my-updates]` });
      return;
    }
    if (!/^[A-Za-z0-9_.-]+\s*=/.test(line)) {
      issues.push({ path, message: `${path} line ${i + 1}: "${line.slice(0, 80)}" is not a key=value line of a dnf repository` });
      return;
    }
    if (/^(baseurl|metalink|mirrorlist)\s*=\s*\S/.test(line)) current.url = true;
  });
  if (sections.length === 0) {
    issues.push({ path, message: `${path} is not a dnf repository; write an ini block: "[id]", "name=…", "baseurl=https://…", "enabled=1"` });
    return;
  }
  for (const s of sections) {
    if (!s.url) issues.push({ path, message: `${path}: repository [${s.id}] (line ${s.line}) has no baseurl=, metalink= or mirrorlist=; add one` });
  }
}

/** Semantic validation of a baseline's rules (the API's zod schema checks the shapes). Empty when valid. */
export function validateBaselineRules(rules: BaselineRules): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const os = rules.operatingSystem;
  if (!(OPERATING_SYSTEMS as readonly string[]).includes(os)) {
    return [{ path: 'operatingSystem', message: `operatingSystem "${os as string}" is not supported; use one of ${OPERATING_SYSTEMS.join(', ')}` }];
  }
  validateFilters(os, rules.globalFilters, 'globalFilters', LIMITS.globalFilters, issues);

  if (rules.approvalRules.length > LIMITS.approvalRules) {
    issues.push({ path: 'approvalRules', message: `approvalRules: ${rules.approvalRules.length} rules; at most ${LIMITS.approvalRules} are allowed` });
  }
  rules.approvalRules.forEach((rule, i) => {
    const rp = `approvalRules[${i}]`;
    validateFilters(os, rule.filters, `${rp}.filters`, LIMITS.filtersPerRule, issues);
    if (!(COMPLIANCE_LEVELS as readonly string[]).includes(rule.complianceLevel)) {
      issues.push({ path: `${rp}.complianceLevel`, message: `${rp}.complianceLevel "${rule.complianceLevel as string}" is not a level; use one of ${COMPLIANCE_LEVELS.join(', ')}` });
    }
    const hasDays = rule.approveAfterDays !== undefined;
    const hasDate = rule.approveUntilDate !== undefined;
    if (hasDays === hasDate) {
      issues.push({
        path: rp,
        message: `${rp}: give exactly one of approveAfterDays (0–${LIMITS.approveAfterDays}) and approveUntilDate (YYYY-MM-DD)${hasDays ? '; remove one' : '; approveAfterDays 0 approves immediately'}`,
      });
    }
    const days = rule.approveAfterDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 0 || days > LIMITS.approveAfterDays)) {
      issues.push({ path: `${rp}.approveAfterDays`, message: `${rp}.approveAfterDays ${days} must be a whole number of days from 0 to ${LIMITS.approveAfterDays}` });
    }
    const until = rule.approveUntilDate;
    if (until !== undefined && !isCalendarDate(until)) {
      issues.push({ path: `${rp}.approveUntilDate`, message: `${rp}.approveUntilDate "${until}" is not a calendar date; write YYYY-MM-DD, e.g. 2026-11-30` });
    }
  });

  for (const field of ['approvedPatches', 'rejectedPatches'] as const) {
    const list = rules[field];
    if (list.length > LIMITS.patches) issues.push({ path: field, message: `${field}: ${list.length} entries; at most ${LIMITS.patches} are allowed (use wildcards such as lib*)` });
    issues.push(...parsePatchPatterns(field, list).errors);
  }
  if (!(COMPLIANCE_LEVELS as readonly string[]).includes(rules.approvedPatchesComplianceLevel)) {
    issues.push({ path: 'approvedPatchesComplianceLevel', message: `approvedPatchesComplianceLevel must be one of ${COMPLIANCE_LEVELS.join(', ')}` });
  }
  if (!(REJECTED_PATCHES_ACTIONS as readonly string[]).includes(rules.rejectedPatchesAction)) {
    issues.push({ path: 'rejectedPatchesAction', message: `rejectedPatchesAction must be one of ${REJECTED_PATCHES_ACTIONS.join(', ')}` });
  }
  if (rules.approvalRules.length === 0 && rules.approvedPatches.length === 0) {
    issues.push({ path: 'approvalRules', message: 'the baseline approves nothing; add an approval rule or an approved patch' });
  }

  if (rules.sources.length > LIMITS.sources) issues.push({ path: 'sources', message: `sources: ${rules.sources.length} sources; at most ${LIMITS.sources} are allowed` });
  const names = new Set<string>();
  rules.sources.forEach((s, i) => {
    const sp = `sources[${i}]`;
    if (!SOURCE_NAME.test(s.name)) issues.push({ path: `${sp}.name`, message: `${sp}.name "${s.name}" must be 3–50 characters of letters, digits, _ . -` });
    else if (names.has(s.name)) issues.push({ path: `${sp}.name`, message: `${sp}.name "${s.name}" is used by another source; give each source its own name` });
    names.add(s.name);
    if (s.products.length < 1 || s.products.length > LIMITS.productsPerSource) {
      issues.push({ path: `${sp}.products`, message: `${sp}.products: give 1 to ${LIMITS.productsPerSource} products (e.g. Debian12, Ubuntu22.04, RockyLinux9, or *)` });
    }
    s.products.forEach((p, j) => {
      if (p.length < 1 || p.length > LIMITS.valueLength) issues.push({ path: `${sp}.products[${j}]`, message: `${sp}.products[${j}]: a product must be 1 to ${LIMITS.valueLength} characters` });
    });
    const cp = `${sp}.configuration`;
    if (s.configuration.length < 1 || s.configuration.length > LIMITS.configurationLength) {
      issues.push({ path: cp, message: `${cp}: ${s.configuration.length} characters; give 1 to ${LIMITS.configurationLength}` });
      return;
    }
    if (usesApt(os)) validateAptConfiguration(s.configuration, cp, issues);
    else validateDnfConfiguration(s.configuration, cp, issues);
  });
  return issues;
}
