/**
 * The dependency scan: lockfiles found below a directory, parsed, matched against the advisory
 * store with the advisory engine (`AdvisoryIndex`: npm versions compared as node-semver does, PyPI
 * as PEP 440, withdrawn records never matched). One finding per vulnerable (lockfile, package,
 * version), with every advisory and the lowest version that fixes all of them.
 *
 * A lockfile that cannot be read or parsed is an error of the report (file, line, message) and the
 * scan goes on with the others: the report is then `partial`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AdvisoryIndex, type Finding } from '../advisories/matcher.js';
import type { OsvRecord } from '../advisories/osv.schema.js';
import type { SeverityRating } from '../advisories/severity.js';
import { isAppError } from '../domain/errors.js';
import { schemeForEcosystem } from '../versioning/index.js';
import { discoverLockfiles, type DiscoveredLockfile } from './discover.js';
import { lockfileErrorDetails, parseLockfile, type LockedPackage, type LockfileKind, type LockfileNote, type ParsedLockfile } from './lockfiles/index.js';

/** Where advisories come from: the store's advisory repository fits (`store.advisories`). */
export interface AdvisorySource {
  loadRecords(options: { ecosystems: readonly string[]; names?: readonly string[] }): AsyncIterable<OsvRecord[]>;
}

export interface FindingAdvisory {
  readonly id: string;
  /** Every alias: CVEs first, then the others (GHSA, PYSEC, ...). */
  readonly aliases: readonly string[];
  readonly cves: readonly string[];
  readonly summary: string | null;
  readonly severity: { readonly rating: SeverityRating; readonly score: number | null; readonly vector: string | null };
  /** The lowest version above the locked one that this advisory does not affect. */
  readonly fixedIn: string | null;
}

export interface DepsFinding {
  readonly ecosystem: LockedPackage['ecosystem'];
  readonly package: string;
  readonly version: string;
  readonly lockfile: string;
  readonly line: number | null;
  readonly direct: boolean;
  readonly dev: boolean;
  readonly optional: boolean;
  readonly paths: readonly (readonly string[])[];
  /** The highest severity among the advisories. */
  readonly severity: SeverityRating;
  readonly advisories: readonly FindingAdvisory[];
  /** The lowest version that none of these advisories affects (null: no fix known for at least one). */
  readonly fixedIn: string | null;
  /** Other known advisories that still affect `fixedIn` (normally none). */
  readonly fixedInAffectedBy: readonly string[];
}

export interface ScanError {
  readonly lockfile: string;
  readonly line: number | null;
  readonly message: string;
}

export interface ScannedLockfile {
  readonly path: string;
  readonly kind: LockfileKind;
  readonly formatVersion: string | null;
  readonly packages: number;
}

export interface ScanReport {
  /** The scanned directory as given. */
  readonly root: string;
  readonly lockfiles: readonly ScannedLockfile[];
  readonly findings: readonly DepsFinding[];
  readonly errors: readonly ScanError[];
  readonly notes: readonly LockfileNote[];
  /** True when a lockfile (or folder) could not be read: the findings cover only the rest. */
  readonly partial: boolean;
  readonly stats: { readonly packages: number; readonly vulnerablePackages: number; readonly advisories: number; readonly advisoriesLoaded: number; readonly milliseconds: number };
}

export interface ScanProgress {
  readonly phase: 'discover' | 'parse' | 'advisories' | 'match';
  readonly done: number;
  readonly total: number | null;
}

const RATING_ORDER: readonly SeverityRating[] = ['unknown', 'none', 'low', 'medium', 'high', 'critical'];

/** Severity order for sorting and thresholds: critical 5 … unknown 0. */
export function severityRank(rating: SeverityRating): number {
  return RATING_ORDER.indexOf(rating);
}

/** Reads and parses the discovered lockfiles; a failure becomes an error and the rest go on. */
export function readLockfiles(root: string, discovered: readonly DiscoveredLockfile[], onParsed?: (done: number) => void): { parsed: ParsedLockfile[]; errors: ScanError[] } {
  const parsed: ParsedLockfile[] = [];
  const errors: ScanError[] = [];
  discovered.forEach((file, i) => {
    const folder = dirname(join(root, file.path));
    const read = (rel: string): string | null => {
      try {
        return readFileSync(join(folder, rel), 'utf8');
      } catch {
        return null;
      }
    };
    const list = (rel: string): string[] => {
      try {
        return readdirSync(join(folder, rel), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
      } catch {
        return [];
      }
    };
    try {
      const text = readFileSync(join(root, file.path), 'utf8');
      parsed.push(parseLockfile(file.kind, { path: file.path, text, read, list }));
    } catch (err) {
      const details = lockfileErrorDetails(err);
      const message = isAppError(err) ? err.message : `${file.path}: cannot be read (${(err as Error).message}); check its permissions`;
      errors.push({ lockfile: details?.lockfile ?? file.path, line: details?.line ?? null, message });
    }
    onParsed?.(i + 1);
  });
  return { parsed, errors };
}

function advisoryOf(finding: Finding): FindingAdvisory {
  const aliases = [...finding.cves, ...finding.aliases.filter((a) => !finding.cves.includes(a))];
  return {
    id: finding.advisoryId,
    aliases,
    cves: finding.cves,
    summary: finding.summary,
    severity: { rating: finding.severity.rating, score: finding.severity.score, vector: finding.severity.vector ?? null },
    fixedIn: finding.lowestFixed,
  };
}

/**
 * The lowest version above `version` that none of `findings`' advisories affects, among the
 * versions the advisories name as fixes; and what other advisories still affect it.
 */
function lowestCommonFix(index: AdvisoryIndex, pkg: LockedPackage, findings: readonly Finding[]): { fixedIn: string | null; affectedBy: string[] } {
  if (findings.some((f) => f.lowestFixed === null)) return { fixedIn: null, affectedBy: [] };
  const scheme = schemeForEcosystem(pkg.ecosystem);
  const candidates = new Set<string>();
  for (const f of findings) {
    if (f.lowestFixed !== null) candidates.add(f.lowestFixed);
    for (const v of f.fixedVersions) candidates.add(v);
  }
  const sorted = [...candidates].filter((v) => scheme.isValid(v) && scheme.compare(v, pkg.version) > 0).sort((a, b) => scheme.compare(a, b));
  const ids = new Set(findings.map((f) => f.advisoryId));
  for (const candidate of sorted) {
    const at = index.match({ ecosystem: pkg.ecosystem, name: pkg.name, version: candidate });
    if (at.some((f) => ids.has(f.advisoryId))) continue;
    return { fixedIn: candidate, affectedBy: at.map((f) => f.advisoryId) };
  }
  return { fixedIn: null, affectedBy: [] };
}

/**
 * Matches parsed lockfiles against an index. Pure and synchronous; a package version shared by many
 * lockfiles is evaluated once (the index memoises). Findings sorted by severity (highest first),
 * then package, version and lockfile.
 */
export function matchLockfiles(lockfiles: readonly ParsedLockfile[], index: AdvisoryIndex): DepsFinding[] {
  const findings: DepsFinding[] = [];
  const fixes = new Map<string, { fixedIn: string | null; affectedBy: string[] }>();
  for (const pkg of uniquePackages(lockfiles)) {
    const matched = index.match({ ecosystem: pkg.ecosystem, name: pkg.name, version: pkg.version });
    if (matched.length === 0) continue;
    const key = `${pkg.ecosystem}\u0000${pkg.name}\u0000${pkg.version}`;
    let fix = fixes.get(key);
    if (!fix) fixes.set(key, (fix = lowestCommonFix(index, pkg, matched)));
    const advisories = matched.map(advisoryOf);
    const severity = advisories.reduce<SeverityRating>((best, a) => (severityRank(a.severity.rating) > severityRank(best) ? a.severity.rating : best), 'unknown');
    findings.push({
      ecosystem: pkg.ecosystem,
      package: pkg.name,
      version: pkg.version,
      lockfile: pkg.lockfile,
      line: pkg.line,
      direct: pkg.direct,
      dev: pkg.dev,
      optional: pkg.optional,
      paths: pkg.paths,
      severity,
      advisories,
      fixedIn: fix.fixedIn,
      fixedInAffectedBy: fix.affectedBy,
    });
  }
  return findings.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      cmp(a.package, b.package) ||
      cmp(a.version, b.version) ||
      cmp(a.lockfile, b.lockfile),
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The packages of these lockfiles, one per (lockfile, ecosystem, name, version): a requirements
 * file included with `-r` by another one is read twice, and its pins are merged (direct if either
 * says so, dev only if both do, paths of both).
 */
export function uniquePackages(lockfiles: readonly ParsedLockfile[]): LockedPackage[] {
  const out = new Map<string, LockedPackage>();
  for (const lockfile of lockfiles) {
    for (const pkg of lockfile.packages) {
      const key = `${pkg.lockfile}\u0000${pkg.ecosystem}\u0000${pkg.name}\u0000${pkg.version}`;
      const seen = out.get(key);
      if (!seen) {
        out.set(key, pkg);
        continue;
      }
      const paths = [...seen.paths, ...pkg.paths.filter((p) => !seen.paths.some((q) => q.join('>') === p.join('>')))].slice(0, 3);
      out.set(key, { ...seen, direct: seen.direct || pkg.direct, dev: seen.dev && pkg.dev, optional: seen.optional && pkg.optional, paths });
    }
  }
  return [...out.values()];
}

/** An index of the records of these packages' ecosystems and names, loaded once. */
export async function loadIndexFor(source: AdvisorySource, packages: Iterable<LockedPackage>): Promise<AdvisoryIndex> {
  const names = new Map<string, Set<string>>();
  for (const pkg of packages) {
    let set = names.get(pkg.ecosystem);
    if (!set) names.set(pkg.ecosystem, (set = new Set()));
    set.add(pkg.name);
  }
  const index = new AdvisoryIndex();
  for (const [ecosystem, set] of [...names].sort((a, b) => cmp(a[0], b[0]))) {
    for await (const batch of source.loadRecords({ ecosystems: [ecosystem], names: [...set].sort() })) for (const record of batch) index.add(record);
  }
  return index;
}

/**
 * Scans a directory tree: discover, parse, load the advisories of the packages found, match.
 *
 * @example
 *   const report = await scanDirectory('./repo', { advisories: store.advisories });
 *   report.findings[0] // { package: 'lodash', version: '4.17.11', severity: 'critical', fixedIn: '4.17.21', ... }
 */
export async function scanDirectory(root: string, options: { advisories: AdvisorySource; onProgress?: (p: ScanProgress) => void }): Promise<ScanReport> {
  const started = performance.now();
  const progress = options.onProgress ?? ((): void => undefined);
  progress({ phase: 'discover', done: 0, total: null });
  const discovered = discoverLockfiles(root);
  const { parsed, errors } = readLockfiles(root, discovered.lockfiles, (done) => progress({ phase: 'parse', done, total: discovered.lockfiles.length }));
  for (const folder of discovered.unreadable) errors.push({ lockfile: folder.path, line: null, message: `${folder.path}: folder cannot be read (${folder.reason}); lockfiles below it were not scanned` });
  const packages = uniquePackages(parsed);
  progress({ phase: 'advisories', done: 0, total: null });
  const index = await loadIndexFor(options.advisories, packages);
  progress({ phase: 'match', done: 0, total: packages.length });
  const findings = matchLockfiles(parsed, index);
  progress({ phase: 'match', done: packages.length, total: packages.length });
  const notes: LockfileNote[] = [
    ...discovered.ignored.map((i): LockfileNote => ({ lockfile: i.path, line: null, kind: 'ignored-file', message: `${i.path}: not scanned: ${i.reason}` })),
    ...parsed.flatMap((l) => l.notes),
  ];
  return {
    root,
    lockfiles: parsed.map((l) => ({ path: l.path, kind: l.kind, formatVersion: l.formatVersion, packages: l.packages.length })),
    findings,
    errors: errors.sort((a, b) => cmp(a.lockfile, b.lockfile)),
    notes,
    partial: errors.length > 0,
    stats: {
      packages: packages.length,
      vulnerablePackages: findings.length,
      advisories: new Set(findings.flatMap((f) => f.advisories.map((a) => a.id))).size,
      advisoriesLoaded: index.size,
      milliseconds: Math.round(performance.now() - started),
    },
  };
}

