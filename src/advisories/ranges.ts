/**
 * OSV range evaluation (docs/schema.md "Evaluation"): is version V of a package affected by one
 * `affected[]` entry? Pure; compares only through a VersionScheme.
 *
 * The spec's algorithm, exactly: V is affected when it is listed in `versions` (equality by the
 * scheme) or lies in any range. A range is considered only when V < one of its `limit` events (none
 * means unlimited, `*` is infinity); its events are sorted by the scheme with `introduced: "0"` first
 * and walked: `introduced` <= V sets vulnerable, `fixed` <= V clears it, `last_affected` < V clears
 * it. `SEMVER` ranges compare with SemVer (the ecosystem's flavour in npm, Go, crates.io), `ECOSYSTEM`
 * ranges with the ecosystem's scheme, `GIT` ranges (commit hashes) count only through `versions`.
 *
 * Real data is dirty, so compiling an entry never throws; what it cannot use it reports as warnings:
 * - an event whose version does not parse under the scheme is skipped (as Renovate does). A skipped
 *   `introduced` can hide affected versions: the warning says so;
 * - `"fixed": ""` is ignored (the range stays open: the GHSA malware records mean "every version");
 * - a value listing several versions (`"7.2.4, 6.11.4"`, GHSA-h755-8qp9-cq85) is split, and the
 *   event takes the conservative end: the highest for `fixed`/`last_affected`/`limit`, the lowest for
 *   `introduced`. The range then covers every branch it was meant to (6.10.0 <= V < 7.2.4 here) at the
 *   cost of false positives between branches (6.11.4 <= V < 7.0.0); every value is still reported by
 *   `fixedVersions`, and `lowestFixedAbove` only proposes a version that is itself unaffected;
 * - a `fixed` lower than its `introduced` is left to the spec's sorting, which does *not* make it a
 *   no-op: sorted, `{introduced: 5, fixed: 3}` reads "fixed 3, introduced 5", i.e. every V >= 5 is
 *   affected. It is evaluated that way (conservative, spec-exact) and reported as a warning.
 */
import { schemeByName, type VersionScheme } from '../versioning/index.js';
import type { OsvAffected, OsvRange } from './osv.schema.js';

/** The schemes an entry is evaluated with: the ecosystem's, and SemVer for `SEMVER` ranges. */
export interface RangeSchemes {
  /** The ecosystem's scheme: `ECOSYSTEM` ranges and the `versions` list. */
  readonly ecosystem: VersionScheme;
  /**
   * The scheme of `SEMVER` ranges when the ecosystem's scheme is not a SemVer flavour; default: the
   * registry's `semver`. In SemVer ecosystems (npm, Go, crates.io) SEMVER ranges use the ecosystem's
   * own flavour (Go's `v` prefix, exact pre-release numbers).
   */
  readonly semver?: VersionScheme | undefined;
}

const INTRODUCED = 0;
const FIXED = 1;
const LAST_AFFECTED = 2;
type EventKind = typeof INTRODUCED | typeof FIXED | typeof LAST_AFFECTED;
const KIND_NAMES = ['introduced', 'fixed', 'last_affected'] as const;

interface CompiledEvent {
  readonly kind: EventKind;
  readonly version: string;
  /** `introduced: "0"`: before every version. */
  readonly zero: boolean;
}

interface CompiledRange {
  readonly type: 'SEMVER' | 'ECOSYSTEM';
  readonly scheme: VersionScheme;
  /** Sorted as the spec says. */
  readonly events: readonly CompiledEvent[];
  /** Upper limits (exclusive); null when the range is unlimited (no limit event, or `*`). */
  readonly limits: readonly string[] | null;
}

/** One fixed version and the scheme of the range it closes. */
export interface FixedVersion {
  readonly version: string;
  readonly scheme: VersionScheme;
}

/** An interval of affected versions, as the sorted events describe it. */
export interface AffectedInterval {
  readonly type: 'SEMVER' | 'ECOSYSTEM';
  /** `"0"` for "from the first version". */
  readonly introduced: string;
  /** Exclusive end. */
  readonly fixed?: string;
  /** Inclusive end. */
  readonly lastAffected?: string;
  /** The range applies only below one of these (exclusive); absent when unlimited. */
  readonly limits?: readonly string[];
}

export interface Evaluation {
  readonly affected: boolean;
  /** What matched: the `versions` list or a range; null when not affected. */
  readonly via: 'versions' | 'ranges' | null;
}

/** Memo of a version's validity per scheme, so one instance version is parsed once per scheme. */
export class VersionProbe {
  readonly version: string;
  private readonly validity = new Map<VersionScheme, boolean>();

  constructor(version: string) {
    this.version = version;
  }

  validFor(scheme: VersionScheme): boolean {
    let valid = this.validity.get(scheme);
    if (valid === undefined) {
      valid = scheme.isValid(this.version);
      this.validity.set(scheme, valid);
    }
    return valid;
  }
}

/**
 * One `affected[]` entry prepared for fast, repeated evaluation: event versions validated and sorted
 * once, `versions` in a set (and, lazily, sorted for equality by the scheme). Build with
 * `compileAffected`.
 */
export class CompiledAffected {
  readonly ranges: readonly CompiledRange[];
  /** Fixed versions of the SEMVER/ECOSYSTEM ranges, record order, duplicates removed. */
  readonly fixed: readonly FixedVersion[];
  readonly warnings: readonly string[];
  private readonly scheme: VersionScheme;
  private readonly versionSet: ReadonlySet<string>;
  private sortedVersions: string[] | null = null;

  constructor(scheme: VersionScheme, ranges: CompiledRange[], versions: readonly string[], fixed: FixedVersion[], warnings: string[]) {
    this.scheme = scheme;
    this.ranges = ranges;
    this.versionSet = new Set(versions);
    this.fixed = fixed;
    this.warnings = warnings;
  }

  /** The spec's IsVulnerable for this entry; `useVersions: false` evaluates the ranges alone. */
  evaluate(version: string | VersionProbe, options: { useVersions?: boolean } = {}): Evaluation {
    const probe = typeof version === 'string' ? new VersionProbe(version) : version;
    if (options.useVersions !== false && this.listed(probe)) return { affected: true, via: 'versions' };
    for (const range of this.ranges) {
      if (probe.validFor(range.scheme) && rangeIncludes(range, probe.version)) return { affected: true, via: 'ranges' };
    }
    return NOT_AFFECTED;
  }

  /**
   * The lowest fixed version above `version` that this entry does not itself mark affected, or
   * null (no fix known, or `version` does not parse).
   */
  lowestFixedAbove(version: string, isAffected: (fixed: string) => boolean = (fixed) => this.evaluate(fixed).affected): string | null {
    let best: FixedVersion | null = null;
    for (const candidate of this.fixed) {
      const { scheme } = candidate;
      if (!scheme.isValid(version) || scheme.compare(candidate.version, version) <= 0) continue;
      if (best !== null && (best.scheme !== scheme || scheme.compare(candidate.version, best.version) >= 0)) continue;
      if (isAffected(candidate.version)) continue;
      best = candidate;
    }
    return best?.version ?? null;
  }

  /** Membership in `versions`: string equality, then equality by the scheme for versions that parse. */
  private listed(probe: VersionProbe): boolean {
    if (this.versionSet.has(probe.version)) return true;
    if (this.versionSet.size === 0 || !probe.validFor(this.scheme)) return false;
    const sorted = this.sortedVersions ?? this.sortVersions();
    let low = 0;
    let high = sorted.length - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const order = this.scheme.compare(sorted[mid]!, probe.version);
      if (order === 0) return true;
      if (order < 0) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  }

  /** Lazily, once: the listed versions that parse, sorted (OSV lists are mostly sorted already). */
  private sortVersions(): string[] {
    const sorted = [...this.versionSet].filter((v) => this.scheme.isValid(v)).sort((a, b) => this.scheme.compare(a, b));
    this.sortedVersions = sorted;
    return sorted;
  }
}

const NOT_AFFECTED: Evaluation = { affected: false, via: null };

/** Is `version` (valid under the range's scheme) inside one range? The spec's walk, with early exit. */
function rangeIncludes(range: CompiledRange, version: string): boolean {
  const { scheme } = range;
  if (range.limits !== null && !range.limits.some((limit) => scheme.compare(version, limit) < 0)) return false;
  let vulnerable = false;
  for (const event of range.events) {
    if (event.zero) {
      vulnerable = true;
      continue;
    }
    const order = scheme.compare(version, event.version);
    if (order < 0) break; // sorted: no later event can apply
    if (event.kind === INTRODUCED) vulnerable = true;
    else if (event.kind === FIXED) vulnerable = false;
    else if (order > 0) vulnerable = false;
  }
  return vulnerable;
}

/**
 * Prepares one `affected[]` entry for evaluation. Never throws: unusable events and ranges are
 * skipped and described in `warnings` (prefixed with `label`, e.g. `GHSA-x affected[2]`).
 *
 * @example
 *   const entry = compileAffected({ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.2' }] }] },
 *     { ecosystem: npmScheme });
 *   entry.evaluate('1.0.1').affected // true
 */
export function compileAffected(affected: OsvAffected, schemes: RangeSchemes, label = 'affected'): CompiledAffected {
  const warnings: string[] = [];
  const ranges: CompiledRange[] = [];
  const fixed: FixedVersion[] = [];
  const seenFixed = new Set<string>();
  (affected.ranges ?? []).forEach((range, index) => {
    const where = `${label}.ranges[${index}]`;
    if (range.type === 'GIT') return; // commit ranges count only through `versions`
    if (range.type !== 'SEMVER' && range.type !== 'ECOSYSTEM') {
      warnings.push(`${where}: range type "${range.type}" is not one of SEMVER, ECOSYSTEM, GIT; skipped`);
      return;
    }
    const scheme = range.type === 'SEMVER' ? semverScheme(schemes) : schemes.ecosystem;
    const compiled = compileRange(range, range.type, scheme, where, warnings);
    ranges.push(compiled.range);
    for (const version of compiled.fixed) {
      if (seenFixed.has(version)) continue;
      seenFixed.add(version);
      fixed.push({ version, scheme });
    }
  });
  return new CompiledAffected(schemes.ecosystem, ranges, affected.versions ?? [], fixed, warnings);
}

function semverScheme(schemes: RangeSchemes): VersionScheme {
  if (schemes.ecosystem.name === 'semver') return schemes.ecosystem;
  return schemes.semver ?? schemeByName('semver');
}

function compileRange(range: OsvRange, type: 'SEMVER' | 'ECOSYSTEM', scheme: VersionScheme, where: string, warnings: string[]) {
  const events: CompiledEvent[] = [];
  const limits: string[] = [];
  const fixed: string[] = [];
  let infinite = false;
  range.events.forEach((event, index) => {
    const at = `${where}.events[${index}]`;
    if (event.limit !== undefined) {
      if (event.limit === '*') infinite = true; // infinity: the range stays unlimited
      else {
        const limit = usableVersion(event.limit, 'limit', scheme, at, warnings);
        if (limit !== null) limits.push(limit.version);
      }
      return;
    }
    const [kind, raw] =
      event.introduced !== undefined ? [INTRODUCED, event.introduced] as const
        : event.fixed !== undefined ? [FIXED, event.fixed] as const
          : event.last_affected !== undefined ? [LAST_AFFECTED, event.last_affected] as const
            : [null, ''] as const;
    if (kind === null) return; // the schema guarantees one key
    if (kind === INTRODUCED && raw === '0') {
      events.push({ kind, version: '0', zero: true });
      return;
    }
    const usable = usableVersion(raw, KIND_NAMES[kind], scheme, at, warnings);
    if (usable === null) return;
    events.push({ kind, version: usable.version, zero: false });
    if (kind === FIXED) fixed.push(...usable.all);
  });
  events.sort((a, b) => (a.zero ? (b.zero ? 0 : -1) : b.zero ? 1 : scheme.compare(a.version, b.version)));
  if (!events.some((event) => event.kind === INTRODUCED)) {
    warnings.push(`${where}: no usable introduced event; the range matches no version`);
  }
  reportInvertedPairs(range, scheme, where, warnings);
  return { range: { type, scheme, events, limits: infinite || limits.length === 0 ? null : limits } satisfies CompiledRange, fixed };
}

/**
 * The version of one event, checked against the scheme; a comma-separated list is split and the
 * conservative end taken (see the file comment). Null (with a warning) when nothing is usable.
 */
function usableVersion(raw: string, kind: string, scheme: VersionScheme, at: string, warnings: string[]): { version: string; all: string[] } | null {
  const trimmed = raw.trim();
  if (trimmed === '') {
    warnings.push(`${at}: ${kind} is empty; ignored${kind === 'introduced' ? '' : ' (the range stays open)'}`);
    return null;
  }
  if (scheme.isValid(trimmed)) return { version: trimmed, all: [trimmed] };
  const parts = trimmed.split(/\s*,\s*/).filter((part) => part !== '');
  if (parts.length > 1 && parts.every((part) => scheme.isValid(part))) {
    const sorted = [...parts].sort((a, b) => scheme.compare(a, b));
    const version = kind === 'introduced' ? sorted[0]! : sorted[sorted.length - 1]!;
    warnings.push(`${at}: ${kind} "${raw}" lists several versions; using ${version} (the conservative end) and reporting all as fixes`);
    return { version, all: parts };
  }
  const effect =
    kind === 'introduced' ? 'affected versions from it on may be missed'
      : kind === 'limit' ? 'the limit is ignored'
        : 'the range may stay open past it';
  warnings.push(`${at}: ${kind} "${raw}" is not a valid ${scheme.name} version; skipped (${effect})`);
  return null;
}

/** Warns about `fixed`/`last_affected` events written right after a higher `introduced`. */
function reportInvertedPairs(range: OsvRange, scheme: VersionScheme, where: string, warnings: string[]): void {
  let introduced: string | null = null;
  for (const event of range.events) {
    if (event.introduced !== undefined) {
      introduced = event.introduced === '0' || !scheme.isValid(event.introduced) ? null : event.introduced;
      continue;
    }
    const end = event.fixed ?? event.last_affected;
    if (introduced !== null && end !== undefined && scheme.isValid(end) && scheme.compare(end, introduced) < 0) {
      warnings.push(`${where}: ${event.fixed !== undefined ? 'fixed' : 'last_affected'} ${end} is lower than its introduced ${introduced}; by the spec's sorting every version from ${introduced} on is affected`);
    }
    introduced = null;
  }
}

/**
 * Is `version` affected by this `affected[]` entry? The spec's evaluation (see the file comment).
 * Never throws on bad data: the result carries the compile warnings. A `version` that does not parse
 * under a range's scheme cannot lie in that range; it can still be listed in `versions`.
 *
 * @example
 *   isAffected({ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0.0' }, { fixed: '1.0.2' }] }] }, '1.0.1', npm)
 *   // { affected: true, via: 'ranges', warnings: [] }
 */
export function isAffected(
  affected: OsvAffected,
  version: string,
  scheme: VersionScheme | RangeSchemes,
  options: { useVersions?: boolean } = {},
): Evaluation & { warnings: readonly string[] } {
  const compiled = compileAffected(affected, 'compare' in scheme ? { ecosystem: scheme } : scheme);
  return { ...compiled.evaluate(version, options), warnings: compiled.warnings };
}

/**
 * The affected intervals of an entry, read off its sorted events (GIT ranges excluded), with the
 * warnings of compiling it. For display and explanations; `isAffected` is the decision.
 *
 * @example
 *   affectedRanges({ ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.2' }] }] }, semver).intervals
 *   // [{ type: 'SEMVER', introduced: '0', fixed: '1.0.2' }]
 */
export function affectedRanges(affected: OsvAffected | CompiledAffected, scheme: VersionScheme | RangeSchemes): { intervals: AffectedInterval[]; warnings: readonly string[] } {
  const compiled = affected instanceof CompiledAffected ? affected : compileAffected(affected, 'compare' in scheme ? { ecosystem: scheme } : scheme);
  const intervals: AffectedInterval[] = [];
  for (const range of compiled.ranges) {
    const limits = range.limits === null ? {} : { limits: range.limits };
    let open: string | null = null;
    for (const event of range.events) {
      if (event.kind === INTRODUCED) {
        open ??= event.version;
      } else if (open !== null) {
        intervals.push(event.kind === FIXED
          ? { type: range.type, introduced: open, fixed: event.version, ...limits }
          : { type: range.type, introduced: open, lastAffected: event.version, ...limits });
        open = null;
      }
    }
    if (open !== null) intervals.push({ type: range.type, introduced: open, ...limits });
  }
  return { intervals, warnings: compiled.warnings };
}

/**
 * The versions that fix an entry: every `fixed` event of its SEMVER and ECOSYSTEM ranges (GIT fixes
 * are commits), record order, empty values dropped, comma-separated lists split, no duplicates.
 *
 * @example
 *   fixedVersions({ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '6.10.0' }, { fixed: '7.2.4, 6.11.4' }] }] })
 *   // ['7.2.4', '6.11.4']
 */
export function fixedVersions(affected: OsvAffected): string[] {
  const out: string[] = [];
  for (const range of affected.ranges ?? []) {
    if (range.type === 'GIT') continue;
    for (const event of range.events) {
      if (event.fixed === undefined) continue;
      for (const part of event.fixed.split(',')) {
        const version = part.trim();
        if (version !== '' && !out.includes(version)) out.push(version);
      }
    }
  }
  return out;
}

/**
 * The lowest fixed version of an entry above `version` that the entry does not itself mark affected
 * (so never a "fix" inside another affected branch), or null when none is known.
 *
 * @example
 *   lowestFixedAbove({ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.2' },
 *     { introduced: '2.0.0' }, { fixed: '2.0.5' }] }] }, '2.0.1', npm) // '2.0.5'
 */
export function lowestFixedAbove(affected: OsvAffected, version: string, scheme: VersionScheme | RangeSchemes): string | null {
  return compileAffected(affected, 'compare' in scheme ? { ecosystem: scheme } : scheme).lowestFixedAbove(version);
}
