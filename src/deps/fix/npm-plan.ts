/**
 * The plan of one round of fixing a package in one lockfile: for every vulnerable locked copy and
 * every edge that pulls it in (from the dependency paths the parser reports), the least change:
 *   - a direct dependency whose manifest range admits a clean version: pin it there (lockfile only);
 *   - a direct dependency out of range: bump the range minimally (and lock the target);
 *   - a transitive one whose parent's range admits a clean version: pin it (lockfile only);
 *   - else the smallest version of the direct dependency at the top of the chain whose dependency
 *     ranges lead to a clean version (simulated on the registry's packuments as a package manager
 *     resolves afresh: newest in range): bump that parent;
 *   - else an override (npm `overrides`, yarn `resolutions`, `pnpm.overrides`) in the root manifest.
 * "Clean" is the smallest published version above the locked one that no known advisory affects.
 */
import nodeSemver from 'semver';
import { isAppError } from '../../domain/errors.js';
import type { LockedPackage } from '../lockfiles/index.js';
import type { PmKind } from './npm-pm.js';
import { admits, bumpRange, isRegistryRange } from './npm-ranges.js';
import { lowestQualifying, type NpmRegistry, type Packument, type PublishedVersion } from './npm-registry.js';

/** A dependency as a manifest declares it: the range and the fields naming it. */
export interface Declared {
  readonly spec: string;
  readonly fields: readonly string[];
}

export type Action =
  /** A direct dependency locked to `target`, which its range already admits. */
  | { readonly kind: 'pin'; readonly name: string; readonly target: string; readonly importer: string }
  /** A direct dependency's range rewritten (`from` -> `to`) and locked to `target`. */
  | { readonly kind: 'bump'; readonly name: string; readonly target: string; readonly importer: string; readonly fields: readonly string[]; readonly from: string; readonly to: string }
  /** A transitive copy locked to `target` where `parent`'s range admits it (`parent` null: every copy). */
  | { readonly kind: 'pin-transitive'; readonly name: string; readonly target: string; readonly parent: string | null }
  /** An override in the root manifest (`parent` null: for every copy). `from`: the value or range it replaces. */
  | { readonly kind: 'override'; readonly name: string; readonly target: string; readonly parent: string | null; readonly from: string };

export interface Plan {
  readonly actions: readonly Action[];
  /** The direct parent bumped, when one is. */
  readonly parent: { readonly name: string; readonly from: string; readonly to: string } | null;
  /** Set when there is nothing to do: why (no clean version, or a declaration the engine cannot rewrite). */
  readonly stop: { readonly status: 'not-fixable' | 'failed'; readonly reason: string } | null;
}

export interface PlanInput {
  readonly name: string;
  readonly pm: PmKind;
  /** The locked copies of `name` some of the advisories affect. */
  readonly vulnerable: readonly LockedPackage[];
  /** Every locked package of the lockfile. */
  readonly packages: readonly LockedPackage[];
  /** The advisory ids being fixed (for messages). */
  readonly advisoryIds: readonly string[];
  readonly registry: NpmRegistry;
  /** Loads the advisories of these packages (before `isClean` is asked about them). */
  ensureAdvisories(names: readonly string[]): Promise<void>;
  isClean(name: string, version: string): boolean;
  /** How an importer (`.` or a workspace folder) declares `name` in dependencies/devDependencies/optionalDependencies, or null. */
  declared(importer: string, name: string): Declared | null;
  /** The root manifest's existing override of `name` for every copy (a version string), or null. */
  rootOverride(name: string): string | null;
}

interface Edge {
  readonly importer: string;
  /** The chain from the importer's direct dependency to the package, as [name, version]. */
  readonly chain: readonly (readonly [string, string])[];
}

function splitStep(step: string): [string, string] {
  const at = step.lastIndexOf('@');
  return at > 0 ? [step.slice(0, at), step.slice(at + 1)] : [step, ''];
}

/** The distinct edges (importer + chain) of a locked copy, from its dependency paths. */
export function edgesOf(pkg: LockedPackage): Edge[] {
  const out = new Map<string, Edge>();
  for (const path of pkg.paths) {
    const ws = path[0]?.startsWith('workspace:') ? path[0].slice('workspace:'.length) : null;
    const steps = (ws === null ? path : path.slice(1)).map(splitStep);
    if (steps.length === 0) continue;
    const key = steps.length === 1 ? `${ws ?? '.'}\u0000` : `\u0000${steps[steps.length - 2]!.join('@')}`;
    if (!out.has(key)) out.set(key, { importer: ws ?? '.', chain: steps });
  }
  return [...out.values()];
}

/** A packument, or null when the registry does not have the package (a git or aliased dependency); other errors propagate. */
async function packumentOrNull(registry: NpmRegistry, name: string): Promise<Packument | null> {
  try {
    return await registry.packument(name);
  } catch (err) {
    if (isAppError(err, 'not_found')) return null;
    throw err;
  }
}

const dedupe = (actions: Action[]): Action[] => [...new Map(actions.map((a) => [JSON.stringify(a), a])).values()];

/** Plans one round; see the module comment. */
export async function planRound(input: PlanInput): Promise<Plan> {
  const { name, registry } = input;
  await input.ensureAdvisories([name]);
  const pk = await registry.packument(name);
  const clean = (v: string): boolean => input.isClean(name, v);
  const actions: Action[] = [];
  let parent: Plan['parent'] = null;
  const ids = input.advisoryIds.join(', ');
  const existingOverride = input.rootOverride(name);

  for (const copy of input.vulnerable) {
    const fix = lowestQualifying(pk, copy.version, clean);
    if (!fix) {
      const pre = pk.versions.some((v) => nodeSemver.gt(v.version, copy.version) && nodeSemver.prerelease(v.version) !== null && clean(v.version));
      const newest = pk.versions[pk.versions.length - 1]?.version ?? copy.version;
      return {
        actions: [],
        parent: null,
        stop: {
          status: 'not-fixable',
          reason: `no published version of ${name} above ${copy.version} is free of the known advisories (${ids}); the newest, ${newest}, is still affected${pre ? ' (only pre-releases are clean, which are not chosen for a release)' : ''}`,
        },
      };
    }
    if (existingOverride !== null) {
      actions.push({ kind: 'override', name, target: fix.version, parent: null, from: existingOverride });
      continue;
    }
    for (const edge of edgesOf(copy)) {
      if (edge.chain.length === 1) {
        const decl = input.declared(edge.importer, name);
        const where = edge.importer === '.' ? 'package.json' : `${edge.importer}/package.json`;
        if (!decl) {
          actions.push({ kind: 'override', name, target: fix.version, parent: null, from: copy.version });
          continue;
        }
        if (!isRegistryRange(decl.spec)) {
          return { actions: [], parent: null, stop: { status: 'failed', reason: `${name} is declared as "${decl.spec}" in ${where}, not a registry version range; change it to ${fix.version} or later by hand` } };
        }
        const inRange = lowestQualifying(pk, copy.version, clean, decl.spec);
        if (inRange) actions.push({ kind: 'pin', name, target: inRange.version, importer: edge.importer });
        else actions.push({ kind: 'bump', name, target: fix.version, importer: edge.importer, fields: decl.fields, from: decl.spec, to: bumpRange(decl.spec, fix.version) });
        continue;
      }
      const [parentName, parentVersion] = edge.chain[edge.chain.length - 2]!;
      const range = (await packumentOrNull(registry, parentName))?.versions.find((v) => v.version === parentVersion)?.dependencies[name];
      const inRange = range !== undefined && isRegistryRange(range) ? lowestQualifying(pk, copy.version, clean, range) : null;
      if (inRange) {
        actions.push({ kind: 'pin-transitive', name, target: inRange.version, parent: parentName });
        continue;
      }
      const bumped = await bumpTop(input, edge, copy.version);
      if (bumped) {
        actions.push(...bumped.actions);
        parent ??= bumped.parent;
        continue;
      }
      actions.push({ kind: 'override', name, target: fix.version, parent: parentName, from: range ?? copy.version });
    }
  }
  return { actions: scope(input, dedupe(actions)), parent, stop: null };
}

/**
 * Overrides and transitive pins apply to every copy (no parent) unless that would touch copies
 * that are fine or need another version, or the root's own dependency on the package (npm refuses
 * such an override; pnpm would apply it to the direct dependency too).
 */
function scope(input: PlanInput, actions: Action[]): Action[] {
  const vulnerable = new Set(input.vulnerable.map((p) => p.version));
  const others = input.packages.some((p) => p.name === input.name && !vulnerable.has(p.version));
  const scoped = actions.filter((a): a is Extract<Action, { parent: string | null }> => a.kind === 'override' || a.kind === 'pin-transitive');
  const targets = new Set(scoped.map((a) => a.target));
  const rootDirect = input.declared('.', input.name) !== null;
  const needScope = others || targets.size > 1 || rootDirect || actions.some((a) => (a.kind === 'pin' || a.kind === 'bump') && a.name === input.name);
  if (needScope) return actions;
  return dedupe(actions.map((a) => (a.kind === 'override' || a.kind === 'pin-transitive' ? { ...a, parent: null } : a)));
}

interface Bumped {
  readonly actions: Action[];
  readonly parent: { name: string; from: string; to: string };
}

/**
 * The smallest version of the chain's direct dependency whose ranges lead (newest in range at each
 * step) to a clean version of the package, or to none of it; as a pin or a range bump of that
 * dependency, plus a pin of the package to its lowest clean version when the parent names it directly.
 */
async function bumpTop(input: PlanInput, edge: Edge, lockedVersion: string): Promise<Bumped | null> {
  const [top, topVersion] = edge.chain[0]!;
  const decl = input.declared(edge.importer, top);
  if (!decl || !isRegistryRange(decl.spec) || !nodeSemver.valid(topVersion)) return null;
  await input.ensureAdvisories([top]);
  const pkTop = await packumentOrNull(input.registry, top);
  if (!pkTop) return null;
  const pkX = await input.registry.packument(input.name);
  const rest = edge.chain.slice(1).map(([n]) => n);
  const pre = nodeSemver.prerelease(topVersion) !== null;
  let chosen: { version: PublishedVersion; pin: string | null } | null = null;
  for (const v of pkTop.versions) {
    if (nodeSemver.lte(v.version, topVersion) || (!pre && nodeSemver.prerelease(v.version) !== null)) continue;
    if (!input.isClean(top, v.version)) continue;
    const reach = await leadsToClean(input, v, rest, pkX, lockedVersion);
    if (!reach.ok) continue;
    if (!chosen || (chosen.version.deprecated && !v.deprecated)) chosen = { version: v, pin: reach.pin };
    if (!v.deprecated) break;
  }
  if (!chosen) return null;
  const to = chosen.version.version;
  const actions: Action[] = [
    admits(decl.spec, to, pre)
      ? { kind: 'pin', name: top, target: to, importer: edge.importer }
      : { kind: 'bump', name: top, target: to, importer: edge.importer, fields: decl.fields, from: decl.spec, to: bumpRange(decl.spec, to) },
  ];
  if (chosen.pin !== null) actions.push({ kind: 'pin-transitive', name: input.name, target: chosen.pin, parent: top });
  return { actions, parent: { name: top, from: topVersion, to } };
}

/** Follows `rest` (names down to the package) from version `from`: newest in range at each step. */
async function leadsToClean(input: PlanInput, from: PublishedVersion, rest: readonly string[], pkX: Packument, lockedVersion: string): Promise<{ ok: boolean; pin: string | null }> {
  let deps = from.dependencies;
  for (let i = 0; i < rest.length; i++) {
    const step = rest[i]!;
    const range = deps[step];
    if (range === undefined) return { ok: true, pin: null }; // no longer depends on it
    if (!isRegistryRange(range)) return { ok: false, pin: null };
    if (i === rest.length - 1) {
      const clean = (v: string): boolean => input.isClean(input.name, v);
      const hit = lowestQualifying(pkX, lockedVersion, clean, range) ?? lowestQualifying(pkX, '0.0.0', clean, range);
      return hit ? { ok: true, pin: rest.length === 1 ? hit.version : null } : { ok: false, pin: null };
    }
    const pk = await packumentOrNull(input.registry, step);
    if (!pk) return { ok: false, pin: null };
    const next = [...pk.versions].reverse().find((v) => nodeSemver.prerelease(v.version) === null && admits(range, v.version));
    if (!next) return { ok: false, pin: null };
    deps = next.dependencies;
  }
  return { ok: false, pin: null };
}
