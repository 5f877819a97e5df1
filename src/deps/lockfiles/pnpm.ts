/**
 * `pnpm-lock.yaml`, lockfileVersion 5.x (pnpm 5-7: keys `/name/version_peers`), 6.x (pnpm 8:
 * `/name@version(peers)`) and 9.x (pnpm 9+: `name@version` in `packages`, the graph in
 * `snapshots`). Importers are the root project (top-level `dependencies` in single-project v5/v6
 * files) and every entry of `importers` (workspaces). v5/v6 record `dev`/`optional` per package;
 * for v9 they follow from which importer fields reach a package. Multi-document files (settings
 * embedded from pnpm-workspace.yaml) are read from the document holding the lockfile.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { semver } from '../../versioning/index.js';
import { isObject, lockfileError } from './errors.js';
import { GraphBuilder, packagesOf, type DependencyType } from './graph.js';
import type { LockfileInput, LockfileNote, ParsedLockfile } from './types.js';
import { parseYamlLockfile, topLevelKeyLines } from './yarn.js';

const FIX = 'regenerate it with `pnpm install --lockfile-only --ignore-scripts`';
type Layout = 5 | 6 | 9;

const IMPORTER_FIELDS: readonly (readonly [string, DependencyType])[] = [
  ['dependencies', 'prod'],
  ['optionalDependencies', 'optional'],
  ['devDependencies', 'dev'],
];
const EDGE_FIELDS: readonly (readonly [string, DependencyType])[] = [
  ['dependencies', 'prod'],
  ['optionalDependencies', 'optional'],
];

/** Name and version of a package key of any layout (peer suffixes removed). */
export function parsePnpmKey(key: string, layout: Layout): { name: string; version: string } | null {
  let k = key.startsWith('/') ? key.slice(1) : key;
  if (layout === 5) {
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return null;
    return { name: k.slice(0, slash), version: k.slice(slash + 1).split('_')[0]! };
  }
  const paren = k.indexOf('(');
  if (paren !== -1) k = k.slice(0, paren);
  const at = k.lastIndexOf('@');
  if (at <= 0) return null;
  return { name: k.slice(0, at), version: k.slice(at + 1) };
}

function layoutOf(path: string, version: unknown, line: number): Layout {
  const n = typeof version === 'number' ? version : typeof version === 'string' ? Number.parseFloat(version) : Number.NaN;
  if (n >= 5 && n < 6) return 5;
  if (n >= 6 && n < 7) return 6;
  if (n >= 9 && n < 10) return 9;
  throw lockfileError(
    path,
    line,
    `unknown lockfileVersion ${JSON.stringify(version ?? null)} (Patchwarden reads 5.x, 6.x and 9.x: pnpm 5 to 10)`,
    'regenerate it with pnpm 8 to 10 (`pnpm install --lockfile-only --ignore-scripts`), or report the new format',
  );
}

/** The document that holds the lockfile (the last one with `lockfileVersion`). */
function lockfileDocument(input: LockfileInput): ReturnType<typeof parseYamlLockfile> {
  if (!/^---\s*$/m.test(input.text)) return parseYamlLockfile(input.path, input.text, FIX);
  const counter = new LineCounter();
  const docs = parseAllDocuments(input.text, { lineCounter: counter, uniqueKeys: false });
  if (!Array.isArray(docs)) return parseYamlLockfile(input.path, input.text, FIX);
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) throw lockfileError(input.path, counter.linePos(error.pos[0]).line, `not valid YAML (${error.message.split('\n')[0]})`, FIX);
  }
  const doc = [...docs].reverse().find((d) => isObject(d.toJS()) && 'lockfileVersion' in (d.toJS() as object)) ?? docs[docs.length - 1]!;
  return { value: doc.toJS({ maxAliasCount: -1 }) as unknown, doc, counter };
}

export function parsePnpmLockfile(input: LockfileInput): ParsedLockfile {
  const { value, doc, counter } = lockfileDocument(input);
  if (!isObject(value)) throw lockfileError(input.path, 1, 'not a pnpm lockfile (expected a YAML mapping)', FIX);
  const versionLine = topLevelKeyLines(doc, counter).get('lockfileVersion') ?? 1;
  const layout = layoutOf(input.path, value.lockfileVersion, versionLine);
  const packages = isObject(value.packages) ? value.packages : {};
  const snapshots = layout === 9 && isObject(value.snapshots) ? value.snapshots : packages;
  const packageLines = topLevelKeyLines(doc, counter, 'packages');
  const snapshotLines = layout === 9 ? topLevelKeyLines(doc, counter, 'snapshots') : packageLines;
  const graph = new GraphBuilder('npm', input.path);
  const notes: LockfileNote[] = [];
  for (const [key, raw] of Object.entries(snapshots)) {
    const snap = isObject(raw) ? raw : {};
    const parsed = parsePnpmKey(key, layout);
    const base = layout === 9 && parsed ? `${parsed.name}@${parsed.version}` : key;
    const meta = layout === 9 ? (isObject(packages[base]) ? (packages[base]) : {}) : snap;
    const name = typeof meta.name === 'string' ? meta.name : parsed?.name;
    const version = typeof meta.version === 'string' ? meta.version : parsed?.version;
    const line = (layout === 9 ? packageLines.get(base) : undefined) ?? snapshotLines.get(key) ?? null;
    if (name === undefined || version === undefined || !semver.isValid(version)) {
      notes.push({ lockfile: input.path, line, kind: 'skipped', message: `${key}: no registry version; not matched` });
      continue;
    }
    graph.node(key, {
      name,
      version,
      line,
      dev: typeof snap.dev === 'boolean' ? snap.dev : undefined,
      optional: snap.optional === true ? true : undefined,
    });
  }
  /** The node a dependency reference points at: `1.2.3(peer@1)`, `/name@1.2.3`, `name@1.2.3`, `link:…` (none). */
  const target = (dep: string, ref: unknown): string | null => {
    const version = isObject(ref) ? ref.version : ref;
    if (typeof version !== 'string' && typeof version !== 'number') return null;
    const v = String(version);
    if (v.startsWith('link:') || v.startsWith('file:') && !graph.nodes.has(v)) return null;
    const candidates = layout === 5 ? [`/${dep}/${v}`, v] : layout === 6 ? [`/${dep}@${v}`, v] : [`${dep}@${v}`, v];
    return candidates.find((c) => graph.nodes.has(c)) ?? null;
  };
  for (const [key, raw] of Object.entries(snapshots)) {
    if (!isObject(raw) || !graph.nodes.has(key)) continue;
    for (const [field, type] of EDGE_FIELDS) {
      if (!isObject(raw[field])) continue;
      for (const [dep, ref] of Object.entries(raw[field])) {
        const t = target(dep, ref);
        if (t !== null) graph.edge(key, t, type);
      }
    }
  }
  const importers: [string, Record<string, unknown>][] = isObject(value.importers)
    ? Object.entries(value.importers).filter((e): e is [string, Record<string, unknown>] => isObject(e[1]))
    : [['.', value]];
  for (const [importer, fields] of importers) {
    for (const [field, type] of IMPORTER_FIELDS) {
      if (!isObject(fields[field])) continue;
      for (const [dep, ref] of Object.entries(fields[field])) {
        const t = target(dep, ref);
        if (t !== null) graph.root(importer === '' ? '.' : importer, t, type);
      }
    }
  }
  return { path: input.path, kind: 'pnpm', formatVersion: String(value.lockfileVersion), packages: packagesOf(graph.build()), notes };
}
