/**
 * The advisory matcher: package instances in, findings out. Pure (records come in through `add`).
 *
 * Built for fleets: records are indexed by (ecosystem, name) for O(1) lookup, each `affected[]` entry
 * is compiled once (event versions validated and sorted), and every distinct lookup tuple
 * (ecosystem, name, version) is evaluated once and memoised, so a million instances that share
 * 50,000 tuples cost 50,000 evaluations. Any `add`/`remove` clears the memo.
 *
 * Matching rules (see ecosystems.ts and README.md): exact ecosystem family and name (PyPI names
 * PEP 503-normalised); distro records per release (Ubuntu Pro and LTS markers ignored; a release-less
 * record applies to every release); Debian, Ubuntu and Alpine records name source packages, so an
 * instance there that carries `sourceName` is matched by source name and source version. Withdrawn
 * records are never matched; of two records with one id the later `modified` wins. Entries in an
 * ecosystem without a version scheme are skipped at `add` and counted, never string-compared.
 */
import { AppError } from '../domain/errors.js';
import { schemeByName, schemeForEcosystem, type VersionScheme } from '../versioning/index.js';
import { recordAliases } from './aliases.js';
import { assertInstanceEcosystem, packageKey, parseEcosystem, type EcosystemRef } from './ecosystems.js';
import type { OsvAffected, OsvRecord } from './osv.schema.js';
import { compileAffected, VersionProbe, type CompiledAffected, type FixedVersion } from './ranges.js';
import { recordSeverity, type RecordSeverity } from './severity.js';

/** Where the matcher gets version schemes: normally the versioning registry. */
export interface SchemeSource {
  /** The scheme of an OSV ecosystem; throws (AppError 'validation') for an unknown ecosystem. */
  forEcosystem(ecosystem: string): VersionScheme;
  /** The scheme of `SEMVER` ranges outside SemVer ecosystems. */
  readonly semver?: VersionScheme;
}

/** The versioning registry as a SchemeSource: the default of AdvisoryIndex. */
export const registrySchemes: SchemeSource = { forEcosystem: schemeForEcosystem, semver: schemeByName('semver') };

/** One installed package: a host's deb/rpm package or a repository's dependency. */
export interface PackageInstance {
  /** OSV ecosystem, e.g. `npm`, `PyPI`, `Debian:12`, `Ubuntu:22.04:LTS`, `AlmaLinux:9`. */
  readonly ecosystem: string;
  readonly name: string;
  readonly version: string;
  /** Debian/Ubuntu/Alpine: the source package (`dpkg-query ${source:Package}`). */
  readonly sourceName?: string | undefined;
  /** Its version (`${source:Version}`); defaults to `version`. */
  readonly sourceVersion?: string | undefined;
}

export interface Finding {
  readonly advisoryId: string;
  /** Non-CVE aliases (GHSA, PYSEC, ...). */
  readonly aliases: readonly string[];
  readonly cves: readonly string[];
  readonly summary: string | null;
  readonly severity: RecordSeverity;
  /** Every fixed version the record gives for this package (all branches). */
  readonly fixedVersions: readonly string[];
  /** The lowest fixed version above the instance's version that the record does not mark affected. */
  readonly lowestFixed: string | null;
  /** The record's ecosystem and package name (for distro records: the source package). */
  readonly ecosystem: string;
  readonly packageName: string;
  /** `source` when the instance was matched through its source package. */
  readonly matchedVia: 'name' | 'source';
}

export interface AddResult {
  /** `ignored` when a record with that id and a later `modified` is already indexed. */
  readonly status: 'added' | 'replaced' | 'ignored' | 'withdrawn';
  /** Indexed `affected[]` entries. */
  readonly entries: number;
  /** Entries skipped: unknown ecosystem or no package. */
  readonly skipped: number;
  readonly warnings: readonly string[];
}

export interface IndexStats {
  readonly records: number;
  readonly entries: number;
  readonly packages: number;
  /** Records received withdrawn (not indexed). */
  readonly withdrawn: number;
  /** Skipped entries per record ecosystem that has no version scheme. */
  readonly unknownEcosystems: Readonly<Record<string, number>>;
  readonly entriesWithoutPackage: number;
  /** Compile warnings (unparseable events, empty fixed, ...), counted. */
  readonly warnings: number;
  /** Distinct (ecosystem, name, version) tuples evaluated since the memo was last cleared. */
  readonly memoized: number;
}

interface IndexedRecord {
  readonly record: OsvRecord;
  readonly entries: Entry[];
  readonly aliases: readonly string[];
  readonly cves: readonly string[];
}

interface Entry {
  readonly owner: IndexedRecord;
  readonly affected: OsvAffected;
  readonly compiled: CompiledAffected;
  readonly ecosystem: string;
  readonly packageName: string;
  readonly key: string;
  severity: RecordSeverity | null;
}

interface EcosystemInfo {
  readonly ref: EcosystemRef;
  readonly scheme: VersionScheme;
}

const NO_FINDINGS: readonly Finding[] = Object.freeze([]);

/** Memoised tuples kept at most; past it the memo starts over (a bound for long-lived servers). */
const DEFAULT_MEMO_LIMIT = 2_000_000;

/**
 * An in-memory index of OSV records for matching package instances.
 *
 * @example
 *   const index = new AdvisoryIndex(); // schemes from the versioning registry
 *   index.add(record); // e.g. GHSA-h755-8qp9-cq85 (protobufjs)
 *   index.match({ ecosystem: 'npm', name: 'protobufjs', version: '7.2.3' })
 *   // [{ advisoryId: 'GHSA-h755-8qp9-cq85', cves: ['CVE-2023-36665'], lowestFixed: '7.2.4', ... }]
 */
export class AdvisoryIndex {
  private readonly schemes: SchemeSource;
  private readonly records = new Map<string, IndexedRecord>();
  private readonly buckets = new Map<string, Entry[]>();
  private readonly ecosystems = new Map<string, EcosystemInfo | AppError>();
  private readonly memo = new Map<string, readonly Finding[]>();
  private readonly unknownEcosystems = new Map<string, number>();
  private withdrawnCount = 0;
  private entriesWithoutPackage = 0;
  private warningCount = 0;
  private readonly memoLimit: number;

  constructor(options: { schemes?: SchemeSource; memoLimit?: number } = {}) {
    this.schemes = options.schemes ?? registrySchemes;
    this.memoLimit = options.memoLimit ?? DEFAULT_MEMO_LIMIT;
  }

  /**
   * Indexes one record (replacing an older record with the same id). A withdrawn record removes the
   * id and is never matched. Never throws on data: what it cannot use is in `skipped`/`warnings`.
   *
   * @example
   *   index.add(record) // { status: 'added', entries: 3, skipped: 1, warnings: ['GHSA-… affected[3]: ecosystem "Maven" has no version scheme; entry skipped'] }
   */
  add(record: OsvRecord): AddResult {
    const existing = this.records.get(record.id);
    if (existing && Date.parse(existing.record.modified) > Date.parse(record.modified)) {
      return { status: 'ignored', entries: 0, skipped: 0, warnings: [] };
    }
    if (record.withdrawn !== undefined) {
      if (existing) this.remove(record.id);
      this.withdrawnCount += 1;
      return { status: 'withdrawn', entries: 0, skipped: 0, warnings: [] };
    }
    if (existing) this.remove(record.id);
    const { cves, aliases } = recordAliases(record);
    const owner: IndexedRecord = { record, entries: [], aliases, cves };
    const warnings: string[] = [];
    let skipped = 0;
    (record.affected ?? []).forEach((affected, index) => {
      const label = `${record.id} affected[${index}]`;
      const pkg = affected.package;
      if (!pkg) {
        this.entriesWithoutPackage += 1;
        skipped += 1;
        return;
      }
      const info = this.ecosystemInfo(pkg.ecosystem);
      if (info instanceof AppError) {
        this.unknownEcosystems.set(pkg.ecosystem, (this.unknownEcosystems.get(pkg.ecosystem) ?? 0) + 1);
        warnings.push(`${label}: ecosystem "${pkg.ecosystem}" has no version scheme; entry skipped`);
        skipped += 1;
        return;
      }
      const compiled = compileAffected(affected, { ecosystem: info.scheme, semver: this.schemes.semver }, label);
      warnings.push(...compiled.warnings);
      const key = packageKey(info.ref, pkg.name);
      const entry: Entry = { owner, affected, compiled, ecosystem: pkg.ecosystem, packageName: pkg.name, key, severity: null };
      owner.entries.push(entry);
      const bucket = this.buckets.get(key);
      if (bucket) bucket.push(entry);
      else this.buckets.set(key, [entry]);
    });
    this.records.set(record.id, owner);
    this.warningCount += warnings.length;
    this.memo.clear();
    return { status: existing ? 'replaced' : 'added', entries: owner.entries.length, skipped, warnings };
  }

  /** Removes a record by id; false when it was not indexed. */
  remove(id: string): boolean {
    const owner = this.records.get(id);
    if (!owner) return false;
    for (const entry of owner.entries) {
      const bucket = this.buckets.get(entry.key);
      if (!bucket) continue;
      const rest = bucket.filter((other) => other.owner !== owner);
      if (rest.length === 0) this.buckets.delete(entry.key);
      else this.buckets.set(entry.key, rest);
    }
    this.records.delete(id);
    this.memo.clear();
    return true;
  }

  /** The indexed record with this id. */
  get(id: string): OsvRecord | undefined {
    return this.records.get(id)?.record;
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * The findings of one instance, sorted by advisory id. Instances sharing (ecosystem, name, version)
   * share one (read-only) result. Throws AppError('validation') for an ecosystem without a version
   * scheme, or a distro ecosystem without its release.
   *
   * @example
   *   index.match({ ecosystem: 'Ubuntu:22.04:LTS', name: 'libssl3', version: '3.0.2-0ubuntu1.6',
   *     sourceName: 'openssl', sourceVersion: '3.0.2-0ubuntu1.6' })
   *   // findings of the openssl USNs, matchedVia: 'source'
   */
  match(instance: PackageInstance): readonly Finding[] {
    const info = this.ecosystemInfo(instance.ecosystem);
    if (info instanceof AppError) throw info;
    const { ref } = info;
    assertInstanceEcosystem(ref);
    const sourceName = ref.sourcePackages ? instance.sourceName : undefined;
    const viaSource = sourceName !== undefined && sourceName !== '';
    const name = viaSource ? sourceName : instance.name;
    const version = viaSource ? (instance.sourceVersion ?? instance.version) : instance.version;
    const key = packageKey(ref, name);
    const memoKey = `${key}\u0001${version}\u0001${viaSource ? 's' : 'n'}`;
    const cached = this.memo.get(memoKey);
    if (cached) return cached;
    const entries = this.buckets.get(key) ?? [];
    const releaseLess = ref.distro && ref.release !== null ? this.buckets.get(packageKey(ref, name, null)) : undefined;
    const findings = this.evaluate(releaseLess ? [...entries, ...releaseLess] : entries, version, viaSource ? 'source' : 'name');
    if (this.memo.size >= this.memoLimit) this.memo.clear();
    this.memo.set(memoKey, findings);
    return findings;
  }

  /** `match` over many instances, in order; unique tuples are evaluated once. */
  matchMany(instances: Iterable<PackageInstance>): (readonly Finding[])[] {
    const out: (readonly Finding[])[] = [];
    for (const instance of instances) out.push(this.match(instance));
    return out;
  }

  stats(): IndexStats {
    let entries = 0;
    for (const owner of this.records.values()) entries += owner.entries.length;
    return {
      records: this.records.size,
      entries,
      packages: this.buckets.size,
      withdrawn: this.withdrawnCount,
      unknownEcosystems: Object.fromEntries(this.unknownEcosystems),
      entriesWithoutPackage: this.entriesWithoutPackage,
      warnings: this.warningCount,
      memoized: this.memo.size,
    };
  }

  private evaluate(entries: readonly Entry[], version: string, via: 'name' | 'source'): readonly Finding[] {
    if (entries.length === 0) return NO_FINDINGS;
    const probe = new VersionProbe(version);
    let matched: Map<IndexedRecord, Entry> | null = null;
    for (const entry of entries) {
      if (matched?.has(entry.owner)) continue;
      if (entry.compiled.evaluate(probe).affected) (matched ??= new Map()).set(entry.owner, entry);
    }
    if (matched === null) return NO_FINDINGS;
    const findings: Finding[] = [];
    for (const [owner, first] of matched) {
      const siblings = entries.filter((entry) => entry.owner === owner);
      findings.push(this.finding(owner, first, siblings, version, via));
    }
    return findings.sort((a, b) => (a.advisoryId < b.advisoryId ? -1 : a.advisoryId > b.advisoryId ? 1 : 0));
  }

  private finding(owner: IndexedRecord, first: Entry, siblings: readonly Entry[], version: string, via: 'name' | 'source'): Finding {
    first.severity ??= recordSeverity(owner.record, first.affected);
    const fixedVersions: string[] = [];
    for (const entry of siblings) {
      for (const fixed of entry.compiled.fixed) if (!fixedVersions.includes(fixed.version)) fixedVersions.push(fixed.version);
    }
    return {
      advisoryId: owner.record.id,
      aliases: owner.aliases,
      cves: owner.cves,
      summary: owner.record.summary ?? null,
      severity: first.severity,
      fixedVersions,
      lowestFixed: lowestFixed(siblings, version),
      ecosystem: first.ecosystem,
      packageName: first.packageName,
      matchedVia: via,
    };
  }

  /** Parses and resolves an ecosystem once; unknown ones are remembered as their error. */
  private ecosystemInfo(ecosystem: string): EcosystemInfo | AppError {
    let info = this.ecosystems.get(ecosystem);
    if (info === undefined) {
      try {
        info = { ref: parseEcosystem(ecosystem), scheme: this.schemes.forEcosystem(ecosystem) };
      } catch (cause) {
        info = new AppError(
          'validation',
          `Unknown ecosystem "${ecosystem}": Patchwarden has no version scheme for it, so its packages cannot be matched. ` +
            'Use an OSV ecosystem name such as "npm", "PyPI", "Go", "crates.io", "Debian:12", "Ubuntu:22.04:LTS" or "AlmaLinux:9".',
          { cause },
        );
      }
      this.ecosystems.set(ecosystem, info);
    }
    return info;
  }
}

/** The lowest fixed version above `version` that no entry of the record (for this package) marks affected. */
function lowestFixed(siblings: readonly Entry[], version: string): string | null {
  const affectedByAny = (candidate: string): boolean => siblings.some((entry) => entry.compiled.evaluate(candidate).affected);
  let best: FixedVersion | null = null;
  for (const entry of siblings) {
    const found = entry.compiled.lowestFixedAbove(version, affectedByAny);
    if (found === null) continue;
    const scheme = entry.compiled.fixed.find((fixed) => fixed.version === found)!.scheme;
    if (best === null || (best.scheme === scheme && scheme.compare(found, best.version) < 0)) best = { version: found, scheme };
  }
  return best?.version ?? null;
}
