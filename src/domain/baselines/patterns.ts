/**
 * Approved and rejected patch patterns of a baseline (see README.md in this folder).
 *
 *   package pattern   NAME[:ARCH][=VERSION]   `openssl`, `lib*`, `openssl:amd64`, `openssl=3.0.15-1~deb12u1`, `openssl:amd64=3.0.*`
 *   CVE id            CVE-2024-1234                       (approved lists only)
 *   advisory id       DSA-5678-1, DLA-…, USN-…, RHSA-2024:1234, RLSA-…, ALSA-…, ELSA-…, ALAS…, FEDORA-…, GHSA-…
 *
 * `*` matches any run of characters (also none) in NAME, ARCH and VERSION. Package names and
 * versions compare case-sensitively (Debian and RPM names are); CVE and advisory ids do not.
 */

export type PatchPattern =
  | { kind: 'package'; text: string; name: string; arch: string | null; version: string | null }
  | { kind: 'cve'; text: string; id: string }
  | { kind: 'advisory'; text: string; id: string };

export interface PackageRef {
  name: string;
  arch: string;
  version: string;
}

export interface UpdateIds {
  cves: readonly string[];
  advisoryIds: readonly string[];
}

const CVE = /^CVE-\d{4}-\d{4,}$/i;
const ADVISORY = [
  /^DSA-\d+(-\d+)?$/i, // Debian security advisory
  /^DLA-\d+(-\d+)?$/i, // Debian LTS advisory
  /^USN-\d+(-\d+)?$/i, // Ubuntu security notice
  /^(RH|RL|AL|EL)(SA|BA|EA)-\d{4}:\d+$/i, // Red Hat, Rocky, Alma, Oracle errata
  /^ALAS(2|2022|2023)?-\d{4}-\d+$/i, // Amazon Linux
  /^FEDORA-(EPEL-)?\d{4}-[0-9a-f]+$/i, // Fedora / EPEL updates
  /^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/i, // GitHub advisories
];

const NAME = /^[A-Za-z0-9_.+*-]+$/;
const ARCH = /^[A-Za-z0-9_*-]+$/;
const VERSION = /^[A-Za-z0-9.+~:_^*-]+$/;

export function isCveId(text: string): boolean {
  return CVE.test(text);
}

export function isAdvisoryId(text: string): boolean {
  return ADVISORY.some((r) => r.test(text));
}

/** Parses one pattern; the error says what is wrong and how to write it. */
export function parsePatchPattern(text: string): { pattern: PatchPattern } | { error: string } {
  if (text.length === 0) return { error: 'empty pattern; write a package name (`openssl`), `NAME:ARCH`, `NAME=VERSION`, a CVE id or an advisory id' };
  if (text.trim() !== text) return { error: 'leading or trailing spaces; remove them' };
  if (CVE.test(text)) return { pattern: { kind: 'cve', text, id: text.toUpperCase() } };
  if (isAdvisoryId(text)) return { pattern: { kind: 'advisory', text, id: text.toUpperCase() } };
  if (/^CVE-/i.test(text)) return { error: 'malformed CVE id; write CVE-YYYY-NNNN (at least 4 digits after the year)' };

  const eq = text.indexOf('=');
  const head = eq < 0 ? text : text.slice(0, eq);
  const version = eq < 0 ? null : text.slice(eq + 1);
  if (version !== null) {
    if (version.length === 0) return { error: "empty version after '='; write NAME=VERSION (e.g. openssl=3.0.15-1~deb12u1) or drop the '='" };
    if (!VERSION.test(version)) return { error: `version "${version}" has characters a deb or rpm version cannot have; use letters, digits, . + ~ : _ ^ - and * as a wildcard` };
  }
  const colon = head.indexOf(':');
  const name = colon < 0 ? head : head.slice(0, colon);
  const arch = colon < 0 ? null : head.slice(colon + 1);
  if (name.length === 0) return { error: 'empty package name; write NAME, NAME:ARCH or NAME=VERSION' };
  if (!NAME.test(name)) return { error: `package name "${name}" has characters package names cannot have; use letters, digits, . + _ - and * as a wildcard` };
  if (name.replaceAll('*', '').length === 0 && version === null && arch === null) {
    return { error: 'a pattern of only wildcards matches every package; name the packages (e.g. lib*) or use an approval rule' };
  }
  if (arch !== null) {
    if (arch.length === 0) return { error: "empty architecture after ':'; write NAME:ARCH (e.g. openssl:amd64) or drop the ':'" };
    if (!ARCH.test(arch)) return { error: `architecture "${arch}" is not an architecture name (e.g. amd64, arm64, x86_64, noarch); a version goes after '='` };
  }
  return { pattern: { kind: 'package', text, name, arch, version } };
}

export type PatchList = 'approvedPatches' | 'rejectedPatches';

/** Parses a whole list; errors carry the field path (`approvedPatches[3]`) and a message that names the entry. */
export function parsePatchPatterns(field: PatchList, texts: readonly string[]): { patterns: PatchPattern[]; errors: { path: string; message: string }[] } {
  const patterns: PatchPattern[] = [];
  const errors: { path: string; message: string }[] = [];
  texts.forEach((text, i) => {
    const path = `${field}[${i}]`;
    const r = parsePatchPattern(text);
    if ('error' in r) {
      errors.push({ path, message: `${path} "${text}": ${r.error}` });
      return;
    }
    if (field === 'rejectedPatches' && r.pattern.kind !== 'package') {
      errors.push({
        path,
        message: `${path} "${text}": ${r.pattern.kind === 'cve' ? 'CVE ids' : 'advisory ids'} cannot be rejected (an update fixes them); reject the package by name, e.g. "openssl=3.0.15-*"`,
      });
      return;
    }
    patterns.push(r.pattern);
  });
  return { patterns, errors };
}

/** Whether a pattern text uses a wildcard. */
export function hasWildcard(text: string): boolean {
  return text.includes('*');
}

const globCache = new Map<string, RegExp>();

/** A `*` glob as an anchored, case-sensitive regular expression (cached: patterns are few, packages many). */
function glob(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (re === undefined) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 's');
    if (globCache.size > 10_000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re;
}

function globMatch(pattern: string, value: string): boolean {
  return pattern.includes('*') ? glob(pattern).test(value) : pattern === value;
}

/** Whether the first n characters of a and b are equal (no allocation: called for every installed package). */
function samePrefix(a: string, b: string, n: number): boolean {
  if (a.length < n) return false;
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

/**
 * Whether a package pattern matches a package at a version. A version pattern without an epoch
 * also matches versions with one (`3.0.7-*` matches `1:3.0.7-27.el9`), since epochs are rarely written.
 */
export function matchesPackage(pattern: PatchPattern, pkg: PackageRef): boolean {
  if (pattern.kind !== 'package') return false;
  const star = pattern.name.indexOf('*');
  if (star < 0) {
    if (pattern.name !== pkg.name) return false;
  } else if (!samePrefix(pkg.name, pattern.name, star) || !glob(pattern.name).test(pkg.name)) return false;
  if (pattern.arch !== null && !globMatch(pattern.arch, pkg.arch)) return false;
  if (pattern.version === null) return true;
  if (globMatch(pattern.version, pkg.version)) return true;
  const epoch = /^\d+:/.exec(pkg.version);
  return epoch !== null && !pattern.version.includes(':') && globMatch(pattern.version, pkg.version.slice(epoch[0].length));
}

/** Whether a CVE or advisory pattern names one of the update's CVEs or advisories (case-insensitive). */
export function matchesUpdate(pattern: PatchPattern, update: UpdateIds): boolean {
  if (pattern.kind === 'cve') return update.cves.some((c) => c.toUpperCase() === pattern.id);
  if (pattern.kind === 'advisory') return update.advisoryIds.some((a) => a.toUpperCase() === pattern.id);
  return false;
}
