/**
 * PyPI fixes of poetry.lock and Pipfile.lock: when the pyproject.toml / Pipfile constraint does not
 * admit the target, it is raised minimally on its own line; then the real tool relocks. Without
 * the tool (or when it fails, or the relocked file still matches an advisory) the manifest and
 * the lockfile are restored: nothing is left half-done, and the reason says what to run.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { AdvisoryIndex } from '../../advisories/matcher.js';
import { normalizePyName } from '../lockfiles/manifests.js';
import { parseLockfile, type LockfileInput, type ParsedLockfile } from '../lockfiles/index.js';
import type { AdvisorySource } from '../scan.js';
import { pipfileConstraints, pyprojectConstraints, raiseConstraints, type ConstraintEdit } from './pypi-manifests.js';
import { relock, relockAdvice, type PythonTool, type RelockMode } from './pypi-relock.js';
import { admits } from './pypi-specifiers.js';
import type { FixContext, PlannedUpdate } from './types.js';

/** What applying one update did. */
export interface Outcome {
  readonly status: PlannedUpdate['status'];
  readonly files: readonly string[];
  readonly reason: string | null;
  /** The version now locked, when it differs from the target (a relock may pick a newer one). */
  readonly to?: string;
  readonly range?: { readonly manifest: string; readonly from: string; readonly to: string };
}

/** The parser input of a file below `root` (`rel` with '/' separators), reading its neighbours from disk. */
export function lockfileInput(root: string, rel: string, text: string): LockfileInput {
  const folder = dirname(join(root, rel));
  return {
    path: rel,
    text,
    read: (p) => {
      try {
        return readFileSync(join(folder, p), 'utf8');
      } catch {
        return null;
      }
    },
    list: (p) => {
      try {
        return readdirSync(join(folder, p), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
      } catch {
        return [];
      }
    },
  };
}

/** (name, advisory) pairs matching the packages of a parsed lockfile. */
async function matchedPairs(source: AdvisorySource, parsed: ParsedLockfile): Promise<Set<string>> {
  const index = new AdvisoryIndex();
  const names = [...new Set(parsed.packages.map((p) => p.name))].sort();
  if (names.length > 0) for await (const batch of source.loadRecords({ ecosystems: ['PyPI'], names })) for (const r of batch) index.add(r);
  const out = new Set<string>();
  for (const p of parsed.packages) for (const f of index.match({ ecosystem: 'PyPI', name: p.name, version: p.version })) out.add(`${normalizePyName(p.name)} ${f.advisoryId}`);
  return out;
}

interface LockGroup {
  readonly lockfile: string;
  readonly name: string;
  readonly from: readonly string[];
}

/** Raises the constraint if needed, relocks with the real tool, verifies; restores everything on failure. */
export async function fixPythonLockfile(root: string, group: LockGroup, tool: PythonTool, target: string, ctx: FixContext): Promise<Outcome> {
  const kind = tool === 'poetry' ? 'poetry' : 'pipenv';
  const lockPath = join(root, group.lockfile);
  const dirRel = posix.dirname(group.lockfile);
  const manifestRel = posix.join(dirRel, tool === 'poetry' ? 'pyproject.toml' : 'Pipfile');
  const manifestPath = join(root, manifestRel);
  const lockBefore = readFileSync(lockPath, 'utf8');
  let manifestBefore: string | null;
  try {
    manifestBefore = readFileSync(manifestPath, 'utf8');
  } catch {
    manifestBefore = null;
  }
  let edit: ConstraintEdit = { kind: 'unchanged' };
  if (manifestBefore !== null) {
    const find = tool === 'poetry' ? pyprojectConstraints : pipfileConstraints;
    const found = find(manifestBefore, group.name);
    if (found.sites.length === 0 && found.uneditable.length > 0) {
      const u = found.uneditable[0]!;
      return { status: 'failed', files: [], reason: `${manifestRel}:${u.line + 1}: the constraint of ${group.name} cannot be edited (${u.why}); make it admit ${target} by hand and relock` };
    }
    edit = raiseConstraints(manifestBefore, found, target, manifestRel);
    if (edit.kind === 'impossible') return { status: 'failed', files: [], reason: edit.reason };
    if (edit.kind === 'edited') {
      const again = find(edit.text, group.name);
      if (!again.sites.every((s) => admits(s.spec, target, s.flavor))) return { status: 'failed', files: [], reason: `${manifestRel}: the raised constraint of ${group.name} does not admit ${target}; change it by hand` };
      writeFileSync(manifestPath, edit.text);
    }
  }
  const range = edit.kind === 'edited' ? { range: { manifest: manifestRel, from: edit.from, to: edit.to } } : {};
  const restore = (): void => {
    if (manifestBefore !== null && edit.kind === 'edited') writeFileSync(manifestPath, manifestBefore);
    writeFileSync(lockPath, lockBefore);
  };
  const mode: RelockMode = edit.kind === 'edited' ? { kind: 'manifest-changed' } : { kind: 'update', name: group.name };
  const where = dirRel === '.' ? 'in the repository root' : `in ${dirRel}/`;
  const change = edit.kind === 'edited' ? ` after changing ${group.name} in ${manifestRel} from "${edit.from}" to "${edit.to}"` : '';
  ctx.onProgress?.(`PyPI ${group.name}: relocking ${group.lockfile} with ${tool}`);
  const result = await relock(tool, dirname(lockPath), mode, { ...(ctx.env ? { env: ctx.env } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  if (!result.ok) {
    restore();
    const untouched = `Patchwarden does not edit ${posix.basename(group.lockfile)} by hand; ${edit.kind === 'edited' ? `${manifestRel} is left as it was` : 'nothing was changed'}`;
    if (result.missing) return { status: 'failed', files: [], reason: `${tool} is not installed: run ${relockAdvice(tool, mode)} ${where}${change} (${untouched})`, ...range };
    return { status: 'failed', files: [], reason: `${result.reason} (${untouched})`, ...range };
  }
  // Verify the relocked file: the package at a version no advisory affects, no advisory added.
  let after: ParsedLockfile;
  let before: ParsedLockfile;
  try {
    after = parseLockfile(kind, lockfileInput(root, group.lockfile, readFileSync(lockPath, 'utf8')));
    before = parseLockfile(kind, lockfileInput(root, group.lockfile, lockBefore));
  } catch (err) {
    restore();
    return { status: 'failed', files: [], reason: `${result.command} wrote a lockfile Patchwarden cannot read (${(err as Error).message}); restored`, ...range };
  }
  const key = normalizePyName(group.name);
  const [pairsBefore, pairsAfter] = await Promise.all([matchedPairs(ctx.advisories, before), matchedPairs(ctx.advisories, after)]);
  const still = [...pairsAfter].filter((p) => p.startsWith(`${key} `));
  const added = [...pairsAfter].filter((p) => !pairsBefore.has(p) && !p.startsWith(`${key} `));
  if (still.length > 0 || added.length > 0) {
    restore();
    const why = still.length > 0 ? `${group.name} still matches ${still.map((p) => p.split(' ')[1]).join(', ')}` : `it brings new advisories (${added.join(', ')})`;
    return { status: 'failed', files: [], reason: `after ${result.command}, ${why}; restored (raise the parents' constraints or pin ${group.name}>=${target} by hand)`, ...range };
  }
  const locked = [...new Set(after.packages.filter((p) => normalizePyName(p.name) === key).map((p) => p.version))];
  const files = [group.lockfile, ...(edit.kind === 'edited' ? [manifestRel] : [])].sort();
  return { status: 'fixed', files, reason: null, ...(locked.length === 1 && locked[0] !== target ? { to: locked[0]! } : {}), ...range };
}
