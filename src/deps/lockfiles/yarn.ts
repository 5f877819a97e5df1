/**
 * `yarn.lock`: Yarn classic (v1, `# yarn lockfile v1`, its own indented format, parsed here line by
 * line) and Yarn Berry (2+, YAML with a `__metadata` block, parsed with `yaml`). Neither records dev
 * dependencies: the direct dependencies and their types come from the package.json of the root and
 * of each workspace (Berry lists workspaces as `name@workspace:<folder>`; classic through the root
 * manifest's `workspaces` globs).
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { lockfileError, isObject, stringMap } from './errors.js';
import { GraphBuilder, packagesOf } from './graph.js';
import { readPackageJson, type ManifestDependency } from './manifests.js';
import type { LockfileInput, LockfileNote, ParsedLockfile } from './types.js';
import { semver } from '../../versioning/index.js';
import { expandWorkspaces } from './workspaces.js';

const FIX_CLASSIC = 'regenerate it with `yarn install` (Yarn 1)';
const FIX_BERRY = 'regenerate it with `yarn install --mode=update-lockfile`';

/** `name@range` -> [name, range]; the name may be scoped (`@types/node@^20`). */
export function splitDescriptor(descriptor: string): [string, string] {
  const at = descriptor.indexOf('@', 1);
  return at === -1 ? [descriptor, ''] : [descriptor.slice(0, at), descriptor.slice(at + 1)];
}

function unquote(text: string): string {
  const t = text.trim();
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return t.slice(1, -1);
    }
  }
  return t;
}

interface ClassicEntry {
  descriptors: string[];
  line: number;
  fields: Record<string, string>;
  maps: Record<string, Record<string, string>>;
}

/** Splits `"a@^1", a@^1.1:` into its descriptors, respecting quotes. */
function splitKeys(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(unquote(current));
      current = '';
    } else current += ch;
  }
  out.push(unquote(current));
  return out.filter((d) => d !== '');
}

/** The Yarn 1 format: `key:` at column 0, `field value` at 2 spaces, `name range` at 4 under a `field:`. */
export function parseYarnClassicEntries(path: string, text: string): ClassicEntry[] {
  const entries: ClassicEntry[] = [];
  let entry: ClassicEntry | null = null;
  let map: Record<string, string> | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    const indent = raw.length - raw.trimStart().length;
    const body = raw.trim();
    const bad = (what: string): Error => lockfileError(path, i + 1, `${what}: ${JSON.stringify(body.slice(0, 80))}`, FIX_CLASSIC);
    if (indent === 0) {
      if (!body.endsWith(':')) throw bad('expected a package key ending with ":"');
      entry = { descriptors: splitKeys(body.slice(0, -1)), line: i + 1, fields: {}, maps: {} };
      entries.push(entry);
      map = null;
      continue;
    }
    if (entry === null) throw bad('indented line before any package key');
    if (indent === 2) {
      if (body.endsWith(':')) {
        map = {};
        entry.maps[unquote(body.slice(0, -1))] = map;
        continue;
      }
      const m = /^("(?:[^"\\]|\\.)*"|\S+)\s+(.+)$/.exec(body);
      if (!m) throw bad('expected `field value`');
      entry.fields[unquote(m[1]!)] = unquote(m[2]!);
      map = null;
      continue;
    }
    if (indent >= 4 && map !== null) {
      const m = /^("(?:[^"\\]|\\.)*"|\S+)\s+(.+)$/.exec(body);
      if (!m) throw bad('expected `name range`');
      map[unquote(m[1]!)] = unquote(m[2]!);
      continue;
    }
    throw bad(`unexpected indentation (${indent} spaces)`);
  }
  return entries;
}

/** Root and workspace manifests: importer folder (relative to the lockfile) -> its dependencies. */
function importerManifests(input: LockfileInput, folders?: readonly string[]): Map<string, readonly ManifestDependency[]> {
  const out = new Map<string, readonly ManifestDependency[]>();
  const root = readPackageJson(input.read);
  if (root) out.set('.', root.dependencies);
  const workspaces = folders ?? (root ? expandWorkspaces(input, root.workspaces) : []);
  for (const folder of workspaces) {
    if (folder === '.' || out.has(folder)) continue;
    const manifest = readPackageJson(input.read, `${folder}/package.json`);
    if (manifest) out.set(folder, manifest.dependencies);
  }
  return out;
}

export function parseYarnClassic(input: LockfileInput): ParsedLockfile {
  const entries = parseYarnClassicEntries(input.path, input.text);
  const graph = new GraphBuilder('npm', input.path);
  const notes: LockfileNote[] = [];
  const byDescriptor = new Map<string, string>();
  entries.forEach((entry, index) => {
    const id = String(index);
    const [first, range] = splitDescriptor(entry.descriptors[0] ?? '');
    const alias = /^npm:(.+)$/.exec(range);
    const name = alias ? splitDescriptor(alias[1]!)[0] : first;
    const version = entry.fields.version;
    if (version === undefined) throw lockfileError(input.path, entry.line, `entry ${JSON.stringify(entry.descriptors.join(', '))} has no version`, FIX_CLASSIC);
    if (!semver.isValid(version)) notes.push({ lockfile: input.path, line: entry.line, kind: 'skipped', message: `${name}: version ${JSON.stringify(version)} is not a registry version; not matched` });
    else graph.node(id, { name, version, line: entry.line });
    for (const descriptor of entry.descriptors) byDescriptor.set(descriptor, id);
  });
  entries.forEach((entry, index) => {
    for (const [field, type] of [['dependencies', 'prod'], ['optionalDependencies', 'optional']] as const) {
      for (const [dep, range] of Object.entries(entry.maps[field] ?? {})) {
        const target = byDescriptor.get(`${dep}@${range}`);
        if (target !== undefined) graph.edge(String(index), target, type);
      }
    }
  });
  const manifests = importerManifests(input);
  if (manifests.size === 0) graph.rootUnneeded();
  if (manifests.size === 0) notes.push({ lockfile: input.path, line: null, kind: 'ignored-file', message: 'no package.json next to the lockfile: direct and dev dependencies are unknown; packages no other package needs count as direct' });
  for (const [importer, deps] of manifests) {
    for (const dep of deps) {
      const target = byDescriptor.get(`${dep.name}@${dep.spec}`);
      if (target !== undefined) graph.root(importer, target, dep.type);
    }
  }
  return { path: input.path, kind: 'yarn-classic', formatVersion: '1', packages: packagesOf(graph.build()), notes };
}

/** Line of each top-level key of a YAML document (1-based). */
export function topLevelKeyLines(doc: Document.Parsed, counter: LineCounter, section?: string): Map<string, number> {
  const out = new Map<string, number>();
  let node: unknown = doc.contents;
  if (section !== undefined) node = isMap(node) ? node.get(section, true) : null;
  if (!isMap(node)) return out;
  for (const pair of node.items) {
    if (isScalar(pair.key) && pair.key.range) out.set(String(pair.key.value), counter.linePos(pair.key.range[0]).line);
  }
  return out;
}

/** Parses YAML text of a lockfile, naming the file and line of the first error. */
export function parseYamlLockfile(path: string, text: string, fix: string): { value: unknown; doc: Document.Parsed; counter: LineCounter } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line ?? counter.linePos(error.pos[0]).line;
    throw lockfileError(path, line, `not valid YAML (${error.message.split('\n')[0]})`, fix);
  }
  return { value: doc.toJS({ maxAliasCount: -1 }) as unknown, doc, counter };
}

export function parseYarnBerry(input: LockfileInput): ParsedLockfile {
  const { value, doc, counter } = parseYamlLockfile(input.path, input.text, FIX_BERRY);
  if (!isObject(value) || !isObject(value.__metadata)) throw lockfileError(input.path, 1, 'not a Yarn Berry lockfile (no __metadata)', FIX_BERRY);
  const lines = topLevelKeyLines(doc, counter);
  const graph = new GraphBuilder('npm', input.path);
  const notes: LockfileNote[] = [];
  const byDescriptor = new Map<string, string>();
  const workspaces = new Map<string, string>();
  for (const [key, entry] of Object.entries(value)) {
    if (key === '__metadata' || !isObject(entry)) continue;
    const resolution = typeof entry.resolution === 'string' ? entry.resolution : '';
    const [name, reference] = splitDescriptor(resolution);
    const line = lines.get(key) ?? null;
    if (reference.startsWith('workspace:')) {
      workspaces.set(key, reference.slice('workspace:'.length));
    } else {
      const version = typeof entry.version === 'string' || typeof entry.version === 'number' ? String(entry.version) : '';
      if (name === '' || !semver.isValid(version)) {
        notes.push({ lockfile: input.path, line, kind: 'skipped', message: `${key}: no registry version (${JSON.stringify(entry.version ?? null)}); not matched` });
      } else graph.node(key, { name, version, line });
    }
    for (const descriptor of splitKeys(key)) byDescriptor.set(descriptor, key);
  }
  for (const [key, entry] of Object.entries(value)) {
    if (key === '__metadata' || !isObject(entry) || workspaces.has(key)) continue;
    const meta = isObject(entry.dependenciesMeta) ? entry.dependenciesMeta : {};
    for (const [dep, range] of Object.entries(stringMap(entry.dependencies))) {
      const target = byDescriptor.get(`${dep}@${range}`);
      const optional = isObject(meta[dep]) && meta[dep].optional === true;
      if (target !== undefined && !workspaces.has(target)) graph.edge(key, target, optional ? 'optional' : 'prod');
    }
  }
  const folders = [...new Set(workspaces.values())];
  const manifests = importerManifests(input, folders.length > 0 ? folders : undefined);
  for (const [key, folder] of workspaces) {
    const entry = value[key] as Record<string, unknown>;
    const declared = manifests.get(folder) ?? [];
    for (const [dep, range] of Object.entries(stringMap(entry.dependencies))) {
      const target = byDescriptor.get(`${dep}@${range}`);
      if (target === undefined || workspaces.has(target)) continue;
      graph.root(folder, target, declared.find((d) => d.name === dep)?.type ?? 'prod');
    }
  }
  const version = value.__metadata.version;
  return { path: input.path, kind: 'yarn-berry', formatVersion: typeof version === 'number' || typeof version === 'string' ? String(version) : null, packages: packagesOf(graph.build()), notes };
}

/** Classic or Berry, told apart by `__metadata` as Renovate does. */
export function parseYarnLockfile(input: LockfileInput): ParsedLockfile {
  return /^__metadata:/m.test(input.text) ? parseYarnBerry(input) : parseYarnClassic(input);
}
