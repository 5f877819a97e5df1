import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One entry of the dnf versionlock list: a locked name at a version, or (`!` entries) an excluded one. */
export interface VersionLock {
  /** Package name (may hold the `*`/`?` globs the plugin accepts). */
  name: string;
  /** The locked `[epoch:]version-release` (epoch left out when 0), or null for `!` excludes. */
  evr: string | null;
}

/**
 * Parses a versionlock.list: `name-[epoch:]version-release.arch` lines (arch may be `*`), `!`
 * lines for excludes, `#` comments. Lines we cannot read still lock their best-guess name: when
 * in doubt, hold the package rather than update it.
 */
export function parseVersionlockList(text: string): VersionLock[] {
  const out: VersionLock[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const exclude = line.startsWith('!');
    const spec = exclude ? line.slice(1).trim() : line;
    const m = /^(?:(\d+):)?(.+)-(?:(\d+):)?([^-:]+)-([^-]+)\.([^.-]+)$/.exec(spec);
    if (m === null) {
      out.push({ name: spec, evr: null });
      continue;
    }
    const epoch = m[1] ?? m[3] ?? '0';
    const evr = `${epoch === '0' ? '' : `${epoch}:`}${m[4]!}-${m[5]!}`;
    out.push({ name: m[2]!, evr: exclude ? null : evr });
  }
  return out;
}

/** True when `name` matches the lock's name (with `*` and `?` globs). */
export function lockMatches(lock: VersionLock, name: string): boolean {
  if (!/[*?[]/.test(lock.name)) return lock.name === name;
  const re = new RegExp('^' + lock.name.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(name);
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Reads the root's versionlock list. The driver runs dnf with `--noplugins` on a root, so it
 * applies the locks itself: ROOT/etc/dnf/plugins/versionlock.list, or the `locklist` path named in
 * ROOT/etc/dnf/plugins/versionlock.conf (taken inside the root).
 */
export async function readVersionlocks(root: string): Promise<VersionLock[]> {
  let list = join(root, 'etc/dnf/plugins/versionlock.list');
  const conf = await readIfExists(join(root, 'etc/dnf/plugins/versionlock.conf'));
  const m = conf === null ? null : /^\s*locklist\s*=\s*(\S+)\s*$/m.exec(conf);
  if (m !== null) list = join(root, m[1]!);
  const text = await readIfExists(list);
  return text === null ? [] : parseVersionlockList(text);
}
