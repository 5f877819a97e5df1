/**
 * npm `package-lock.json` / `npm-shrinkwrap.json`, lockfileVersion 1 (npm 5-6: the nested
 * `dependencies` tree), 2 (npm 7-8: both) and 3 (npm 9+: `packages` only). v2 and v3 are read from
 * `packages`, whose keys are install locations (`node_modules/a/node_modules/b`), resolved as Node
 * resolves `require`: the nearest `node_modules` up the tree. Workspaces are the link targets.
 * `dev`, `optional` and `devOptional` come from the lockfile; direct dependencies from the root
 * entry (v2/v3) or the package.json next to it (v1).
 */
import { semver } from '../../versioning/index.js';
import { isObject, lineAt, lockfileError, parseJsonLockfile, stringMap } from './errors.js';
import { GraphBuilder, packagesOf, type DependencyType } from './graph.js';
import { readPackageJson } from './manifests.js';
import type { LockfileInput, LockfileNote, ParsedLockfile } from './types.js';

const FIX = 'regenerate it with `npm install --package-lock-only --ignore-scripts`';

const EDGE_FIELDS: readonly (readonly [string, DependencyType])[] = [
  ['dependencies', 'prod'],
  ['optionalDependencies', 'optional'],
  ['peerDependencies', 'peer'],
];

export function parseNpmLockfile(input: LockfileInput, kind: 'npm-package-lock' | 'npm-shrinkwrap'): ParsedLockfile {
  const json = parseJsonLockfile(input.path, input.text, FIX);
  if (!isObject(json)) throw lockfileError(input.path, 1, 'not an npm lockfile (expected a JSON object)', FIX);
  const version = json.lockfileVersion;
  if (version === 2 || version === 3) {
    if (!isObject(json.packages)) throw lockfileError(input.path, 1, `lockfileVersion ${version} without a "packages" object`, FIX);
    return parsePackages(input, kind, json.packages, version);
  }
  if (version === 1 || version === undefined) {
    if (json.dependencies !== undefined && !isObject(json.dependencies)) throw lockfileError(input.path, 1, '"dependencies" is not an object', FIX);
    return parseV1(input, kind, isObject(json.dependencies) ? json.dependencies : {}, version === undefined ? null : '1');
  }
  const line = lineAt(input.text, Math.max(0, input.text.indexOf('"lockfileVersion"')));
  throw lockfileError(
    input.path,
    line,
    `unknown lockfileVersion ${JSON.stringify(version)} (Patchwarden reads 1, 2 and 3)`,
    'regenerate it with npm 7 to 11 (`npm install --package-lock-only --ignore-scripts`), or report the new format',
  );
}

/** Lines of the keys of the `packages` object (4 spaces of indent as npm writes it). */
function packageKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const re = /^ {4}"((?:[^"\\]|\\.)*)": \{/gm;
  let line = 1;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    for (let i = text.indexOf('\n', last); i !== -1 && i < m.index; i = text.indexOf('\n', i + 1)) line += 1;
    last = m.index;
    if (!lines.has(m[1]!)) lines.set(m[1]!, line);
  }
  return lines;
}

function parsePackages(input: LockfileInput, kind: ParsedLockfile['kind'], packages: Record<string, unknown>, version: 2 | 3): ParsedLockfile {
  const graph = new GraphBuilder('npm', input.path);
  const notes: LockfileNote[] = [];
  const lines = packageKeyLines(input.text);
  const entries = new Map<string, Record<string, unknown>>();
  for (const [key, value] of Object.entries(packages)) if (isObject(value)) entries.set(key, value);
  const importers = new Set<string>(['']);
  for (const entry of entries.values()) if (entry.link === true && typeof entry.resolved === 'string' && !entry.resolved.includes('node_modules/')) importers.add(entry.resolved);
  /** The location `dep` resolves to from `from`, following links. */
  const resolve = (from: string, dep: string): string | null => {
    let base = from;
    for (;;) {
      const candidate = `${base === '' ? '' : `${base}/`}node_modules/${dep}`;
      const entry = entries.get(candidate);
      if (entry) return entry.link === true && typeof entry.resolved === 'string' ? entry.resolved : candidate;
      if (base === '') return null;
      const i = base.lastIndexOf('/node_modules/');
      base = i === -1 ? '' : base.slice(0, i);
    }
  };
  const nameOf = (key: string, entry: Record<string, unknown>): string => {
    if (typeof entry.name === 'string') return entry.name;
    const i = key.lastIndexOf('node_modules/');
    return i === -1 ? key : key.slice(i + 'node_modules/'.length);
  };
  for (const [key, entry] of entries) {
    if (importers.has(key) || entry.link === true) continue;
    const name = nameOf(key, entry);
    const v = entry.version;
    if (typeof v !== 'string' || !semver.isValid(v)) {
      notes.push({ lockfile: input.path, line: lines.get(key) ?? null, kind: 'skipped', message: `${key}: no registry version (${JSON.stringify(v ?? null)}); not matched` });
      continue;
    }
    graph.node(key, {
      name,
      version: v,
      line: lines.get(key) ?? null,
      dev: entry.dev === true,
      optional: entry.optional === true || entry.devOptional === true,
    });
  }
  for (const [key, entry] of entries) {
    if (entry.link === true) continue;
    const isImporter = importers.has(key);
    const fields = isImporter ? [...EDGE_FIELDS, ['devDependencies', 'dev'] as const] : EDGE_FIELDS;
    for (const [field, type] of fields) {
      for (const dep of Object.keys(stringMap(entry[field]))) {
        const target = resolve(key, dep);
        if (target === null) continue; // an unmet optional or peer dependency
        if (importers.has(target)) {
          if (!isImporter) graph.edge(key, target, type);
          continue;
        }
        if (isImporter) graph.root(key === '' ? '.' : key, target, type);
        else graph.edge(key, target, type);
      }
    }
  }
  return { path: input.path, kind, formatVersion: String(version), packages: packagesOf(graph.build()), notes };
}

function parseV1(input: LockfileInput, kind: ParsedLockfile['kind'], dependencies: Record<string, unknown>, formatVersion: string | null): ParsedLockfile {
  const graph = new GraphBuilder('npm', input.path);
  const notes: LockfileNote[] = [];
  let cursor = 0;
  const lineOf = (name: string): number | null => {
    const at = input.text.indexOf(`"${name}": {`, cursor);
    if (at === -1) return null;
    cursor = at + 1;
    return lineAt(input.text, at);
  };
  /** Scopes: each node's id is its location (`a/b`); children resolve through their ancestors. */
  const children = new Map<string, Map<string, string>>([['', new Map()]]);
  const requires: [string, Record<string, string>][] = [];
  const visit = (parent: string, deps: Record<string, unknown>): void => {
    const scope = children.get(parent)!;
    for (const [name, value] of Object.entries(deps)) {
      if (!isObject(value)) continue;
      const id = parent === '' ? name : `${parent}>${name}`;
      const line = lineOf(name);
      const version = value.version;
      if (typeof version !== 'string' || !semver.isValid(version)) {
        notes.push({ lockfile: input.path, line, kind: 'skipped', message: `${name}: no registry version (${JSON.stringify(version ?? null)}); not matched` });
      } else {
        graph.node(id, { name, version, line, dev: value.dev === true, optional: value.optional === true });
        scope.set(name, id);
      }
      children.set(id, new Map());
      requires.push([id, stringMap(value.requires)]);
      if (isObject(value.dependencies)) visit(id, value.dependencies);
    }
  };
  visit('', dependencies);
  const resolve = (from: string, dep: string): string | null => {
    let scope: string | null = from;
    while (scope !== null) {
      const hit = children.get(scope)?.get(dep);
      if (hit) return hit;
      if (scope === '') return null;
      const i: number = scope.lastIndexOf('>');
      scope = i === -1 ? '' : scope.slice(0, i);
    }
    return null;
  };
  for (const [id, reqs] of requires) for (const dep of Object.keys(reqs)) {
    const target = resolve(id, dep);
    if (target !== null) graph.edge(id, target);
  }
  const manifest = readPackageJson(input.read);
  if (manifest) {
    for (const dep of manifest.dependencies) {
      const target = children.get('')!.get(dep.name);
      if (target) graph.root('.', target, dep.type);
    }
  } else {
    notes.push({ lockfile: input.path, line: null, kind: 'ignored-file', message: 'no package.json next to the lockfile: every top-level entry counts as direct' });
    graph.rootUnneeded();
  }
  return { path: input.path, kind, formatVersion, packages: packagesOf(graph.build()), notes };
}
