/**
 * Finds lockfiles anywhere below a directory: the root project, nested packages and workspaces of
 * monorepos. Skips `node_modules`, VCS folders, virtualenvs (any folder with `pyvenv.cfg`, and
 * `venv`/`.venv`/`env`-like names), vendored trees, caches and build tool folders; never follows
 * symlinked folders. Sorted by path (byte order of `/`-joined relative paths), so the order and
 * every report built on it are deterministic.
 */
import { existsSync, readdirSync, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { lockfileKindOf } from './lockfiles/index.js';
import type { LockfileKind } from './lockfiles/types.js';

/** Folder names never entered. */
export const SKIPPED_FOLDERS: ReadonlySet<string> = new Set([
  'node_modules', 'bower_components', 'jspm_packages', '.git', '.hg', '.svn', '.yarn', '.pnpm-store', '.npm', '.cache',
  'vendor', 'third_party', '__pycache__', '.tox', '.nox', '.venv', 'venv', '.virtualenv', 'virtualenv', 'site-packages',
  '.mypy_cache', '.pytest_cache', '.idea', '.vscode', '.next', '.nuxt', '.turbo',
]);

export interface DiscoveredLockfile {
  /** Relative to the scanned directory, `/` separators. */
  readonly path: string;
  readonly kind: LockfileKind | 'yarn';
}

export interface DiscoverResult {
  readonly lockfiles: readonly DiscoveredLockfile[];
  /** Lockfiles found but not scanned, with why (a `package-lock.json` beside an `npm-shrinkwrap.json`). */
  readonly ignored: readonly { readonly path: string; readonly reason: string }[];
  /** Folders that could not be read (permissions), with the error. */
  readonly unreadable: readonly { readonly path: string; readonly reason: string }[];
}

const toPosix = (p: string): string => (sep === '/' ? p : p.split(sep).join('/'));

/**
 * @example
 *   discoverLockfiles('/src/monorepo').lockfiles
 *   // [{ path: 'package-lock.json', kind: 'npm-package-lock' }, { path: 'services/api/poetry.lock', kind: 'poetry' }]
 */
export function discoverLockfiles(root: string, options: { maxDepth?: number } = {}): DiscoverResult {
  const maxDepth = options.maxDepth ?? 25;
  const lockfiles: DiscoveredLockfile[] = [];
  const ignored: { path: string; reason: string }[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  const visit = (dir: string, depth: number, parentName: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      unreadable.push({ path: toPosix(relative(root, dir)) || '.', reason: (err as Error).message });
      return;
    }
    const names = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
    if (depth > 0 && names.has('pyvenv.cfg')) return; // a virtualenv
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      let kind = lockfileKindOf(entry.name);
      if (kind === null && parentName.toLowerCase() === 'requirements' && entry.name.endsWith('.txt')) kind = 'pip-requirements';
      if (kind === null) continue;
      const path = toPosix(relative(root, join(dir, entry.name)));
      if (kind === 'npm-package-lock' && names.has('npm-shrinkwrap.json')) {
        ignored.push({ path, reason: 'npm-shrinkwrap.json is in the same folder and npm uses it instead' });
        continue;
      }
      lockfiles.push({ path, kind });
    }
    if (depth >= maxDepth) return;
    for (const entry of entries) {
      if (!entry.isDirectory() || SKIPPED_FOLDERS.has(entry.name)) continue;
      const child = join(dir, entry.name);
      if (existsSync(join(child, 'pyvenv.cfg'))) continue;
      visit(child, depth + 1, entry.name);
    }
  };
  visit(root, 0, '');
  const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return { lockfiles: lockfiles.sort(byPath), ignored: ignored.sort(byPath), unreadable: unreadable.sort(byPath) };
}
