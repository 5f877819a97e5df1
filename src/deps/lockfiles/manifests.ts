/**
 * The manifests next to lockfiles, read for what the lockfile does not record: which dependencies
 * are direct and which are dev (package.json, pyproject.toml, Pipfile). A manifest that is missing
 * or unreadable yields nothing (the lockfile alone is then used); it never fails a scan.
 */
import { parse as parseToml } from 'smol-toml';
import type { DependencyType } from './graph.js';
import { isObject, stringMap } from './errors.js';
import type { ReadSibling } from './types.js';

export interface ManifestDependency {
  readonly name: string;
  /** The range or specifier the manifest gives. */
  readonly spec: string;
  readonly type: DependencyType;
}

export interface PackageJson {
  readonly name: string | null;
  readonly dependencies: readonly ManifestDependency[];
  /** `workspaces` (array form or `{ packages }`), as globs. */
  readonly workspaces: readonly string[];
}

const NPM_FIELDS: readonly (readonly [string, DependencyType])[] = [
  ['dependencies', 'prod'],
  ['optionalDependencies', 'optional'],
  ['devDependencies', 'dev'],
  ['peerDependencies', 'peer'],
];

/** package.json at `relativePath` (relative to the lockfile's folder), or null. */
export function readPackageJson(read: ReadSibling, relativePath = 'package.json'): PackageJson | null {
  const text = read(relativePath);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(json)) return null;
  return {
    name: typeof json.name === 'string' ? json.name : null,
    dependencies: npmDependencies(json),
    workspaces: Array.isArray(json.workspaces)
      ? json.workspaces.filter((w): w is string => typeof w === 'string')
      : isObject(json.workspaces) && Array.isArray(json.workspaces.packages)
        ? json.workspaces.packages.filter((w): w is string => typeof w === 'string')
        : [],
  };
}

/** The dependencies of a package.json-shaped object; a name in several fields keeps the first type (prod, optional, dev, peer). */
export function npmDependencies(json: Record<string, unknown>): ManifestDependency[] {
  const out: ManifestDependency[] = [];
  for (const [field, type] of NPM_FIELDS) {
    for (const [name, spec] of Object.entries(stringMap(json[field]))) {
      if (!out.some((d) => d.name === name)) out.push({ name, spec, type });
    }
  }
  return out;
}

/** PEP 503 normalised name: lower case, runs of `-`, `_`, `.` as one `-`. */
export function normalizePyName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The project name of a PEP 508 requirement string (`requests[socks]>=2; python_version>"3"` -> `requests`). */
export function pep508Name(requirement: string): string | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement);
  return m ? m[1]! : null;
}

function tomlOf(read: ReadSibling, file: string): Record<string, unknown> | null {
  const text = read(file);
  if (text === null) return null;
  try {
    return parseToml(text);
  } catch {
    return null;
  }
}

/**
 * The direct dependencies of pyproject.toml: Poetry's `[tool.poetry.dependencies]` (runtime, minus
 * `python`), `[tool.poetry.dev-dependencies]` and `[tool.poetry.group.<g>.dependencies]` (dev),
 * PEP 621 `[project] dependencies` (runtime) and `optional-dependencies` (optional), PEP 735
 * `[dependency-groups]` (dev). Names PEP 503-normalised. Null without a pyproject.toml.
 */
export function readPyprojectDependencies(read: ReadSibling): ManifestDependency[] | null {
  const toml = tomlOf(read, 'pyproject.toml');
  if (toml === null) return null;
  const out: ManifestDependency[] = [];
  const add = (name: string | null, spec: string, type: DependencyType): void => {
    if (name === null || normalizePyName(name) === 'python') return;
    const n = normalizePyName(name);
    if (!out.some((d) => d.name === n)) out.push({ name: n, spec, type });
  };
  const tool = isObject(toml.tool) ? toml.tool : {};
  const poetry = isObject(tool.poetry) ? tool.poetry : {};
  const table = (value: unknown, type: DependencyType): void => {
    if (!isObject(value)) return;
    for (const [name, spec] of Object.entries(value)) add(name, typeof spec === 'string' ? spec : JSON.stringify(spec), type);
  };
  const list = (value: unknown, type: DependencyType): void => {
    if (!Array.isArray(value)) return;
    for (const item of value) if (typeof item === 'string') add(pep508Name(item), item, type);
  };
  table(poetry.dependencies, 'prod');
  const project = isObject(toml.project) ? toml.project : {};
  list(project.dependencies, 'prod');
  if (isObject(project['optional-dependencies'])) for (const deps of Object.values(project['optional-dependencies'])) list(deps, 'optional');
  table(poetry['dev-dependencies'], 'dev');
  if (isObject(poetry.group)) for (const group of Object.values(poetry.group)) if (isObject(group)) table(group.dependencies, 'dev');
  if (isObject(toml['dependency-groups'])) for (const deps of Object.values(toml['dependency-groups'])) list(deps, 'dev');
  return out;
}

/** The Pipfile's `[packages]` (runtime) and `[dev-packages]` (dev), names normalised; null without a Pipfile. */
export function readPipfileDependencies(read: ReadSibling): ManifestDependency[] | null {
  const toml = tomlOf(read, 'Pipfile');
  if (toml === null) return null;
  const out: ManifestDependency[] = [];
  for (const [field, type] of [['packages', 'prod'], ['dev-packages', 'dev']] as const) {
    const table = toml[field];
    if (!isObject(table)) continue;
    for (const [name, spec] of Object.entries(table)) {
      const n = normalizePyName(name);
      if (!out.some((d) => d.name === n)) out.push({ name: n, spec: typeof spec === 'string' ? spec : JSON.stringify(spec), type });
    }
  }
  return out;
}
