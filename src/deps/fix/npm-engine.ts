/**
 * Fixes one vulnerable package in one npm/yarn/pnpm lockfile: plans a round (`npm-plan.ts`),
 * edits the manifests it must (keeping their formatting), has the real package manager rewrite
 * the lockfile (`npm-pm.ts`), re-scans the lockfile with the parsers and the advisory index, and
 * goes on (at most three rounds) while copies are still affected. The result counts as fixed only
 * when no copy of the package is affected by the advisories any more and no package now locked
 * carries an advisory that was not there before; otherwise every file is restored.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import nodeSemver from 'semver';
import { parse as parseYaml } from 'yaml';
import { AdvisoryIndex } from '../../advisories/matcher.js';
import type { SeverityRating } from '../../advisories/severity.js';
import { AppError, isAppError } from '../../domain/errors.js';
import { lockfileKindOf, type LockedPackage, type LockfileInput, type ParsedLockfile } from '../lockfiles/index.js';
import { readPackageJson } from '../lockfiles/manifests.js';
import { expandWorkspaces } from '../lockfiles/workspaces.js';
import { matchLockfiles, readLockfiles, severityRank, type AdvisorySource, type DepsFinding, type FindingAdvisory } from '../scan.js';
import { getJsonString, setJsonString } from './npm-json.js';
import { planRound, type Action, type Declared } from './npm-plan.js';
import { berryDescriptors, detectPackageManager, overridePath, relock, scopedOverridePath, setBerryResolution, snapshotArtifacts, type PackageManager, type RunOptions } from './npm-pm.js';
import { admits } from './npm-ranges.js';
import type { NpmRegistry } from './npm-registry.js';
import type { FixMethod, PlannedUpdate } from './types.js';

const MAX_ROUNDS = 3;
const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

/** The advisories of the packages asked about so far, loaded once each. */
export class AdvisoryCache {
  readonly index = new AdvisoryIndex();
  private readonly loaded = new Set<string>();

  constructor(private readonly source: AdvisorySource) {}

  async ensure(names: Iterable<string>): Promise<void> {
    const missing = [...new Set(names)].filter((n) => !this.loaded.has(n)).sort();
    if (missing.length === 0) return;
    for (const n of missing) this.loaded.add(n);
    for await (const batch of this.source.loadRecords({ ecosystems: ['npm'], names: missing })) for (const record of batch) this.index.add(record);
  }

  isClean(name: string, version: string): boolean {
    return this.index.match({ ecosystem: 'npm', name, version }).length === 0;
  }
}

export interface EngineContext {
  readonly registry: NpmRegistry;
  readonly advisories: AdvisoryCache;
  readonly run: RunOptions;
  readonly progress: (line: string) => void;
}

interface Scanned {
  readonly parsed: ParsedLockfile;
  readonly findings: DepsFinding[];
}

class StepFailure extends Error {}

/** The project around one lockfile: its manifests as they were and as this fix wants them. */
class Project {
  readonly lockDir: string;
  readonly lockAbs: string;
  readonly originalLock: string;
  /** package.json files (relative to the lockfile's folder, `.` importer = 'package.json') -> original text. */
  readonly originals = new Map<string, string>();
  /** The same files as this fix wants them. */
  readonly finals = new Map<string, string>();

  constructor(
    readonly root: string,
    readonly lockfile: string,
  ) {
    this.lockAbs = join(root, lockfile);
    this.lockDir = dirname(this.lockAbs);
    this.originalLock = readFileSync(this.lockAbs, 'utf8');
    const rootText = this.readRel('package.json');
    if (rootText === null) throw new AppError('validation', `${this.rel('package.json')}: missing; a lockfile needs its package.json to be fixed (restore it and run again)`);
    this.originals.set('package.json', rootText);
    for (const folder of this.workspaceFolders(rootText)) {
      const text = this.readRel(`${folder}/package.json`);
      if (text !== null) this.originals.set(`${folder}/package.json`, text);
    }
    for (const [k, v] of this.originals) this.finals.set(k, v);
  }

  /** A path relative to the lockfile's folder, as relative to the repository root. */
  rel(file: string): string {
    return posix.join(posix.dirname(this.lockfile), file);
  }

  readRel(file: string): string | null {
    try {
      return readFileSync(join(this.lockDir, file), 'utf8');
    } catch {
      return null;
    }
  }

  private workspaceFolders(rootText: string): string[] {
    const input: LockfileInput = {
      path: this.lockfile,
      text: '',
      read: (rel) => this.readRel(rel),
      list: (rel) => {
        try {
          return readdirNames(join(this.lockDir, rel));
        } catch {
          return [];
        }
      },
    };
    const globs = [...(readPackageJson(() => rootText)?.workspaces ?? [])];
    const pnpmWs = this.readRel('pnpm-workspace.yaml');
    if (pnpmWs !== null) {
      try {
        const doc = parseYaml(pnpmWs) as { packages?: unknown } | null;
        if (Array.isArray(doc?.packages)) globs.push(...doc.packages.filter((g): g is string => typeof g === 'string'));
      } catch {
        // an unreadable pnpm-workspace.yaml: pnpm itself will report it
      }
    }
    return expandWorkspaces(input, globs).filter((f) => f !== '.');
  }

  manifestOf(importer: string): string {
    return importer === '.' ? 'package.json' : `${importer}/package.json`;
  }

  /** The text this fix wants for a manifest (first use: as it is now, remembered for the restore). */
  final(file: string): string {
    const known = this.finals.get(file);
    if (known !== undefined) return known;
    const text = this.readRel(file);
    if (text === null) throw new StepFailure(`${this.rel(file)} is missing`);
    this.originals.set(file, text);
    this.finals.set(file, text);
    return text;
  }

  declared(importer: string, name: string): Declared | null {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(this.final(this.manifestOf(importer))) as Record<string, unknown>;
    } catch {
      return null;
    }
    const fields: string[] = [];
    let spec: string | null = null;
    for (const field of DEP_FIELDS) {
      const deps = json[field];
      const value = typeof deps === 'object' && deps !== null ? (deps as Record<string, unknown>)[name] : undefined;
      if (typeof value !== 'string') continue;
      fields.push(field);
      spec ??= value;
    }
    return spec === null ? null : { spec, fields };
  }

  /** Writes these manifests (only those that differ from the disk). */
  write(texts: ReadonlyMap<string, string>): void {
    for (const [file, text] of texts) if (this.readRel(file) !== text) writeFileSync(join(this.lockDir, file), text);
  }

  restore(): void {
    this.write(this.originals);
    if (readFileSync(this.lockAbs, 'utf8') !== this.originalLock) writeFileSync(this.lockAbs, this.originalLock);
    for (const [k, v] of this.originals) this.finals.set(k, v);
  }

  changedFiles(): string[] {
    const files: string[] = [];
    if (readFileSync(this.lockAbs, 'utf8') !== this.originalLock) files.push(this.lockfile);
    for (const [file, text] of this.originals) if (this.readRel(file) !== text) files.push(this.rel(file));
    return files.sort();
  }
}

function readdirNames(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
}

async function scanLockfile(root: string, lockfile: string, advisories: AdvisoryCache): Promise<Scanned> {
  const kind = lockfileKindOf(basename(lockfile));
  if (kind === null) throw new AppError('validation', `${lockfile}: not a lockfile Patchwarden knows; fix findings of package-lock.json, npm-shrinkwrap.json, yarn.lock or pnpm-lock.yaml`);
  const { parsed, errors } = readLockfiles(root, [{ path: lockfile, kind }]);
  if (errors.length > 0 || parsed.length === 0) throw new StepFailure(errors[0]?.message ?? `${lockfile} cannot be read`);
  const lock = parsed[0]!;
  await advisories.ensure(lock.packages.map((p) => p.name));
  return { parsed: lock, findings: matchLockfiles([lock], advisories.index) };
}

const pairsOf = (findings: readonly DepsFinding[]): Map<string, string> => {
  const out = new Map<string, string>();
  for (const f of findings) for (const a of f.advisories) out.set(`${f.package}\u0000${a.id}`, `${f.package}@${f.version} (${a.id})`);
  return out;
};

function vulnerableCopies(scanned: Scanned, name: string, ids: ReadonlySet<string>): LockedPackage[] {
  const versions = new Set(scanned.findings.filter((f) => f.package === name && f.advisories.some((a) => ids.has(a.id))).map((f) => f.version));
  return scanned.parsed.packages.filter((p) => p.name === name && versions.has(p.version));
}

function describeAction(a: Action): string {
  switch (a.kind) {
    case 'pin':
      return `${a.name} locked at ${a.target}`;
    case 'bump':
      return `${a.name} "${a.from}" → "${a.to}"`;
    case 'pin-transitive':
      return `${a.name} locked at ${a.target}${a.parent === null ? '' : ` under ${a.parent}`}`;
    case 'override':
      return `override ${a.parent === null ? '' : `${a.parent} > `}${a.name} → ${a.target}`;
  }
}

/** Applies one round's actions: manifest edits, then the package manager (pins through temporary edits or Berry's `set resolution`). */
async function applyActions(project: Project, pm: PackageManager, actions: readonly Action[], ctx: EngineContext): Promise<void> {
  const finals = new Map(project.finals);
  const edit = (file: string, path: readonly string[], value: string, into: Map<string, string>): void => {
    into.set(file, setJsonString(into.get(file) ?? project.final(file), path, value, project.rel(file)));
  };
  for (const a of actions) {
    if (a.kind === 'bump') for (const field of a.fields) edit(project.manifestOf(a.importer), [field, a.name], a.to, finals);
    if (a.kind === 'override') edit('package.json', scopedOverridePath(pm.kind, a.name, a.parent), a.target, finals);
  }
  const pins = actions.filter((a): a is Exclude<Action, { kind: 'override' }> => a.kind === 'pin' || a.kind === 'pin-transitive' || (a.kind === 'bump' && a.to !== a.target));
  if (pm.kind === 'yarn-berry') {
    // Descriptors this round adds resolve to the newest in range: those may move down to the target, the others only up.
    const known = new Set(berryDescriptors(readFileSync(project.lockAbs, 'utf8')).map((d) => d.descriptor));
    project.write(finals);
    await relock(pm, project.lockDir, ctx.run);
    for (const pin of pins) {
      const lock = readFileSync(project.lockAbs, 'utf8');
      for (const d of berryDescriptors(lock)) {
        if (d.name !== pin.name || !nodeSemver.valid(d.version) || !admits(d.range, pin.target) || d.version === pin.target) continue;
        if (known.has(d.descriptor) && !nodeSemver.lt(d.version, pin.target)) continue;
        await setBerryResolution(pm, project.lockDir, d.descriptor, pin.target, ctx.run);
      }
    }
  } else {
    const temp = new Map(finals);
    for (const pin of pins) {
      if (pin.kind === 'pin-transitive') {
        const path = scopedOverridePath(pm.kind, pin.name, pin.parent);
        if (getJsonString(finals.get('package.json')!, path) === undefined) edit('package.json', path, pin.target, temp);
        continue;
      }
      const file = project.manifestOf(pin.importer);
      const fields = pin.kind === 'bump' ? pin.fields : (project.declared(pin.importer, pin.name)?.fields ?? []);
      for (const field of fields) edit(file, [field, pin.name], pin.target, temp);
    }
    if ([...temp].some(([file, text]) => finals.get(file) !== text)) {
      project.write(temp);
      await relock(pm, project.lockDir, ctx.run);
    }
    project.write(finals);
    await relock(pm, project.lockDir, ctx.run);
  }
  project.write(finals); // package managers may reformat a manifest (Berry sorts dependencies)
  for (const [k, v] of finals) project.finals.set(k, v);
}

function strongestMethod(actions: readonly Action[], name: string, parent: boolean): FixMethod {
  if (actions.some((a) => a.kind === 'override')) return 'override';
  if (parent) return 'parent';
  if (actions.some((a) => a.kind === 'bump' && a.name === name)) return 'manifest';
  return 'lockfile';
}

export interface GroupInput {
  readonly lockfile: string;
  readonly name: string;
  readonly findings: readonly DepsFinding[];
}

/** Fixes one package in one lockfile; never throws for a failed fix (the update says why). */
export async function fixNpmGroup(root: string, group: GroupInput, ctx: EngineContext): Promise<PlannedUpdate> {
  const { name, lockfile } = group;
  const from = [...new Set(group.findings.map((f) => f.version))].sort((a, b) => (nodeSemver.valid(a) && nodeSemver.valid(b) ? nodeSemver.compare(a, b) : a < b ? -1 : 1));
  const advisories = [...new Map(group.findings.flatMap((f) => f.advisories).map((a): [string, FindingAdvisory] => [a.id, a])).values()];
  const severity = group.findings.reduce<SeverityRating>((best, f) => (severityRank(f.severity) > severityRank(best) ? f.severity : best), 'unknown');
  const ids = new Set(advisories.map((a) => a.id));
  const base = { ecosystem: 'npm' as const, package: name, from, lockfile, advisories, severity };
  const result = (fields: Pick<PlannedUpdate, 'to' | 'method' | 'files' | 'status' | 'reason' | 'releaseNotes'> & Partial<Pick<PlannedUpdate, 'parent' | 'range'>>): PlannedUpdate => ({ ...base, ...fields });

  let project: Project;
  let before: Scanned;
  try {
    project = new Project(root, lockfile);
    before = await scanLockfile(root, lockfile, ctx.advisories);
  } catch (err) {
    return result({ to: null, method: null, files: [], status: 'failed', reason: (err as Error).message, releaseNotes: null });
  }
  let vulnerable = vulnerableCopies(before, name, ids);
  if (vulnerable.length === 0) {
    const now = before.parsed.packages.filter((p) => p.name === name).map((p) => p.version).sort(nodeSemver.compare);
    return result({ to: now[now.length - 1] ?? null, method: null, files: [], status: 'fixed', reason: `no copy of ${name} in ${lockfile} is affected any more (an earlier update fixed it)`, releaseNotes: null });
  }
  const pm = detectPackageManager(before.parsed.kind, project.originalLock, project.originals.get('package.json') ?? null);
  ctx.progress(`${name} ${from.join(', ')}: fixing in ${lockfile} (${pm.label})`);
  const artifacts = snapshotArtifacts(project.lockDir);
  const applied: Action[] = [];
  let parent: PlannedUpdate['parent'] = undefined;
  try {
    const seen = new Set<string>();
    let after = before;
    for (let round = 0; round < MAX_ROUNDS && vulnerable.length > 0; round++) {
      const plan = await planRound({
        name,
        pm: pm.kind,
        vulnerable,
        packages: after.parsed.packages,
        advisoryIds: [...ids],
        registry: ctx.registry,
        ensureAdvisories: (names) => ctx.advisories.ensure(names),
        isClean: (n, v) => ctx.advisories.isClean(n, v),
        declared: (importer, n) => project.declared(importer, n),
        rootOverride: (n) => getJsonString(project.final('package.json'), overridePath(pm.kind, n)) ?? null,
      });
      if (plan.stop) {
        if (round === 0 && plan.stop.status === 'not-fixable') {
          ctx.progress(`${name} ${from.join(', ')}: not fixable in ${lockfile}: ${plan.stop.reason}`);
          return result({ to: null, method: null, files: [], status: 'not-fixable', reason: plan.stop.reason, releaseNotes: null });
        }
        throw new StepFailure(plan.stop.reason);
      }
      const signature = JSON.stringify(plan.actions);
      if (plan.actions.length === 0 || seen.has(signature)) {
        throw new StepFailure(`${name} is still locked at ${vulnerable.map((p) => p.version).join(', ')} after ${applied.map(describeAction).join('; ') || 'no change'}; the package manager did not take the fix`);
      }
      seen.add(signature);
      applied.push(...plan.actions);
      if (plan.parent && !parent) parent = plan.parent;
      await applyActions(project, pm, plan.actions, ctx);
      after = await scanLockfile(root, lockfile, ctx.advisories);
      vulnerable = vulnerableCopies(after, name, ids);
    }
    if (vulnerable.length > 0) {
      throw new StepFailure(`${name} ${vulnerable.map((p) => p.version).join(', ')} is still affected after ${applied.map(describeAction).join('; ')}`);
    }
    const beforePairs = pairsOf(before.findings);
    const introduced = [...pairsOf(after.findings)].filter(([k]) => !beforePairs.has(k)).map(([, label]) => label);
    if (introduced.length > 0) throw new StepFailure(`the change brings in ${introduced.join(', ')}, not affected before`);
    for (const [file, text] of project.finals) {
      if (project.readRel(file) !== text) throw new StepFailure(`${project.rel(file)} changed after the package manager ran; expected only the planned edits`);
    }
    artifacts.cleanup();
    const files = project.changedFiles();
    const lockedNow = new Set(after.parsed.packages.filter((p) => p.name === name).map((p) => p.version));
    const lockedBefore = new Set(before.parsed.packages.filter((p) => p.name === name).map((p) => p.version));
    const targets = applied.filter((a) => a.name === name && lockedNow.has(a.target)).map((a) => a.target);
    const fresh = [...lockedNow].filter((v) => !lockedBefore.has(v));
    const candidates = targets.length > 0 ? targets : fresh.length > 0 ? fresh : [];
    const to = candidates.sort(nodeSemver.compare).pop() ?? null;
    const method = strongestMethod(applied, name, parent !== undefined);
    const rangeAction = applied.find((a) => (method === 'override' ? a.kind === 'override' : a.kind === 'bump' && (method === 'parent' ? a.name === parent?.name : a.name === name)));
    const range =
      rangeAction?.kind === 'bump'
        ? { manifest: project.rel(project.manifestOf(rangeAction.importer)), from: rangeAction.from, to: rangeAction.to }
        : rangeAction?.kind === 'override'
          ? { manifest: project.rel('package.json'), from: rangeAction.from, to: rangeAction.target }
          : undefined;
    const releaseNotes = to === null ? null : await ctx.registry.releaseNotes(name, to);
    ctx.progress(`${name} ${from.join(', ')} → ${to ?? '(removed)'} (${method}) in ${lockfile}`);
    return result({
      to,
      method,
      files,
      status: 'fixed',
      reason: to === null ? `${name} is no longer locked in ${lockfile}` : null,
      releaseNotes,
      ...(parent ? { parent } : {}),
      ...(range ? { range } : {}),
    });
  } catch (err) {
    project.restore();
    artifacts.cleanup();
    if (!(err instanceof StepFailure) && !isAppError(err)) throw err;
    const reason = err.message;
    ctx.progress(`${name} ${from.join(', ')}: failed in ${lockfile}: ${reason}`);
    const method = applied.length > 0 ? strongestMethod(applied, name, parent !== undefined) : null;
    const planned = applied.filter((a) => a.name === name).map((a) => a.target).sort(nodeSemver.compare).pop() ?? null;
    return result({ to: planned, method, files: [], status: 'failed', reason, releaseNotes: null });
  }
}
