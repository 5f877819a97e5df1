/**
 * The version a vulnerable PyPI package moves to: the smallest release above the locked versions
 * that no known advisory of the package affects. From the index's release list when it answers
 * (yanked releases, pre-releases, dev releases and releases without files skipped), else from the
 * fix versions the advisories name (then it is not checked that the version was published).
 */
import type { AdvisoryIndex } from '../../advisories/matcher.js';
import { comparePep440, parsePep440, type Pep440Version } from '../../versioning/pep440/index.js';
import type { PypiLookup } from './pypi-index.js';

export type TargetChoice =
  | {
      readonly ok: true;
      readonly version: string;
      /** sha256 of the release's files; null when PyPI was not asked. */
      readonly sha256: readonly string[] | null;
      /** True when chosen from the index's release list. */
      readonly checked: boolean;
      /** Why the index was not used (unreachable, 404, ...), when it was not. */
      readonly uncheckedBecause: string | null;
      readonly packageUrl: string | null;
    }
  | { readonly ok: false; readonly reason: string };

const isFinal = (v: Pep440Version): boolean => v.pre === null && v.dev === null && v.local === null;

/** The highest of the locked versions (PEP 440 order; invalid ones ignored). */
export function highest(versions: readonly string[]): Pep440Version | null {
  let best: Pep440Version | null = null;
  for (const v of versions) {
    const parsed = parsePep440(v);
    if (parsed !== null && (best === null || comparePep440(parsed, best) > 0)) best = parsed;
  }
  return best;
}

function affectedBy(index: AdvisoryIndex, name: string, version: string): string[] {
  return index.match({ ecosystem: 'PyPI', name, version }).map((f) => f.advisoryId);
}

/** From the release list: the smallest final, non-yanked release with files above `above` that no advisory affects. */
function fromReleases(lookup: Extract<PypiLookup, { ok: true }>, name: string, above: Pep440Version, index: AdvisoryIndex, indexUrl: string): TargetChoice {
  const candidates = lookup.project.releases
    .map((r) => ({ r, v: parsePep440(r.version) }))
    .filter((c): c is { r: (typeof c)['r']; v: Pep440Version } => c.v !== null && isFinal(c.v) && comparePep440(c.v, above) > 0)
    .sort((a, b) => comparePep440(a.v, b.v));
  const installable = candidates.filter((c) => c.r.files > 0 && !c.r.yanked);
  for (const { r } of installable) {
    if (affectedBy(index, name, r.version).length === 0) {
      return { ok: true, version: r.version, sha256: r.sha256, checked: true, uncheckedBecause: null, packageUrl: lookup.project.packageUrl };
    }
  }
  if (installable.length === 0) return { ok: false, reason: `${indexUrl} lists no installable release of ${name} above ${above.normalized} (${candidates.length} newer, all yanked, without files or pre-releases)` };
  const latest = installable[installable.length - 1]!.r.version;
  return { ok: false, reason: `every release of ${name} above ${above.normalized} on ${indexUrl} is affected by a known advisory (the latest, ${latest}, by ${affectedBy(index, name, latest).join(', ')})` };
}

/**
 * From the advisories: the lowest fix version they name above `above` that none of them affects,
 * following the fixes named by the advisories that affect each candidate in turn.
 */
function fromAdvisories(name: string, versions: readonly string[], fixedIn: readonly (string | null)[], above: Pep440Version, index: AdvisoryIndex): string | null {
  const candidates = new Set<string>();
  for (const f of fixedIn) if (f !== null) candidates.add(f);
  const addFixes = (version: string): void => {
    for (const finding of index.match({ ecosystem: 'PyPI', name, version })) {
      for (const v of finding.fixedVersions) candidates.add(v);
      if (finding.lowestFixed !== null) candidates.add(finding.lowestFixed);
    }
  };
  for (const v of versions) addFixes(v);
  const tried = new Set<string>();
  for (;;) {
    const next = [...candidates]
      .filter((c) => !tried.has(c))
      .map((c) => ({ c, v: parsePep440(c) }))
      .filter((x): x is { c: string; v: Pep440Version } => x.v !== null && isFinal(x.v) && comparePep440(x.v, above) > 0)
      .sort((a, b) => comparePep440(a.v, b.v))[0];
    if (next === undefined) return null;
    tried.add(next.c);
    if (affectedBy(index, name, next.c).length === 0) return next.c;
    addFixes(next.c);
  }
}

/**
 * Chooses the target version of one package in one lockfile.
 *
 * @param versions the vulnerable versions locked now
 * @param fixedIn  the findings' `fixedIn` (the scanner's lowest common fix of each version)
 */
export function chooseTarget(name: string, versions: readonly string[], fixedIn: readonly (string | null)[], lookup: PypiLookup, index: AdvisoryIndex, indexUrl: string): TargetChoice {
  const above = highest(versions);
  if (above === null) return { ok: false, reason: `${versions.join(', ')} is not a PEP 440 version` };
  if (lookup.ok) return fromReleases(lookup, name, above, index, indexUrl);
  const version = fromAdvisories(name, versions, fixedIn, above, index);
  if (version === null) {
    const open = index.match({ ecosystem: 'PyPI', name, version: above.normalized }).filter((f) => f.lowestFixed === null).map((f) => f.advisoryId);
    return { ok: false, reason: `no fix version known${open.length > 0 ? ` for ${open.join(', ')}` : ''} (the advisories name none that no other advisory affects); PyPI could not be asked: ${lookup.reason}` };
  }
  return { ok: true, version, sha256: null, checked: false, uncheckedBecause: lookup.reason, packageUrl: null };
}
