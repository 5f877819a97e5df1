/**
 * `poetry.lock` (TOML, lock-version 1.x and 2.x): `[[package]]` entries with name, version,
 * `category` (1.x: main/dev) or `groups` (2.x), `optional`, and `[package.dependencies]`. Direct
 * dependencies and their groups come from pyproject.toml next to it; dev is what the lockfile's
 * category/groups say (not in `main`), else what only dev roots reach.
 */
import { parse as parseToml, TomlError } from 'smol-toml';
import { isObject, lineAt, lockfileError } from './errors.js';
import { GraphBuilder, packagesOf } from './graph.js';
import { normalizePyName, readPyprojectDependencies } from './manifests.js';
import type { LockfileInput, LockfileNote, ParsedLockfile } from './types.js';

const FIX = 'regenerate it with `poetry lock`';

/** Parses TOML, naming the file and line of a syntax error. */
export function parseTomlLockfile(path: string, text: string, fix: string): Record<string, unknown> {
  try {
    return parseToml(text);
  } catch (err) {
    const line = err instanceof TomlError ? err.line : null;
    throw lockfileError(path, line, `not valid TOML (${(err as Error).message.split('\n')[0]})`, fix);
  }
}

/** Lines of each `[[package]]` block, keyed `name@version` (normalised name). */
function packageLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = text.split('\n');
  let header = -1;
  let name: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('[[package]]')) {
      header = i + 1;
      name = null;
      continue;
    }
    const m = /^(name|version)\s*=\s*"([^"]*)"/.exec(line);
    if (!m || header === -1) continue;
    if (m[1] === 'name') name = normalizePyName(m[2]!);
    else if (name !== null && !out.has(`${name}@${m[2]}`)) out.set(`${name}@${m[2]}`, header);
  }
  return out;
}

export function parsePoetryLock(input: LockfileInput): ParsedLockfile {
  const toml = parseTomlLockfile(input.path, input.text, FIX);
  const list = toml.package;
  if (list !== undefined && !Array.isArray(list)) throw lockfileError(input.path, 1, '"package" is not an array of tables', FIX);
  const meta = isObject(toml.metadata) ? toml.metadata : {};
  const lockVersion = typeof meta['lock-version'] === 'string' ? meta['lock-version'] : null;
  if (lockVersion !== null && !/^[12]\./.test(lockVersion)) {
    const at = input.text.search(/^lock-version\s*=/m);
    throw lockfileError(input.path, at === -1 ? null : lineAt(input.text, at), `unknown lock-version "${lockVersion}" (Patchwarden reads 1.x and 2.x)`, 'regenerate it with Poetry 1.x or 2.x, or report the new format');
  }
  const lines = packageLines(input.text);
  const graph = new GraphBuilder('PyPI', input.path);
  const notes: LockfileNote[] = [];
  const byName = new Map<string, string[]>();
  const entries = (list ?? []) as unknown[];
  entries.forEach((raw, index) => {
    if (!isObject(raw) || typeof raw.name !== 'string' || typeof raw.version !== 'string') {
      throw lockfileError(input.path, null, `[[package]] number ${index + 1} has no name or version`, FIX);
    }
    const key = normalizePyName(raw.name);
    const id = `${key}@${raw.version}`;
    const groups = Array.isArray(raw.groups) ? raw.groups.filter((g): g is string => typeof g === 'string') : null;
    const dev = groups !== null ? !groups.includes('main') : typeof raw.category === 'string' ? raw.category !== 'main' : undefined;
    graph.node(id, { name: raw.name, version: raw.version, line: lines.get(id) ?? null, dev, optional: raw.optional === true ? true : undefined });
    byName.set(key, [...(byName.get(key) ?? []), id]);
  });
  entries.forEach((raw) => {
    const entry = raw as Record<string, unknown>;
    const id = `${normalizePyName(entry.name as string)}@${entry.version as string}`;
    if (!isObject(entry.dependencies)) return;
    for (const [dep, spec] of Object.entries(entry.dependencies)) {
      const optional = isObject(spec) && spec.optional === true;
      for (const target of byName.get(normalizePyName(dep)) ?? []) graph.edge(id, target, optional ? 'optional' : 'prod');
    }
  });
  const manifest = readPyprojectDependencies(input.read);
  if (manifest === null) notes.push({ lockfile: input.path, line: null, kind: 'ignored-file', message: 'no pyproject.toml next to the lockfile: packages no other package needs count as direct' });
  if (manifest === null) graph.rootUnneeded();
  for (const dep of manifest ?? []) for (const target of byName.get(dep.name) ?? []) graph.root('.', target, dep.type);
  return { path: input.path, kind: 'poetry', formatVersion: lockVersion, packages: packagesOf(graph.build()), notes };
}
