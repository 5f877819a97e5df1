import { AppError } from '../../../domain/errors.js';
import { compareEvr } from '../../../versioning/index.js';
import { formatEvr } from './rpm-packages.js';

const SEP = '\x1f';
const MARK = 'PW';

/** `dnf repoquery --qf` format: a marker, then name, epoch, version, release, arch, repo id, group. */
export const REPOQUERY_FORMAT = [MARK, '%{name}', '%{epoch}', '%{version}', '%{release}', '%{arch}', '%{repoid}', '%{group}'].join(SEP);

function newer(a: string, b: string): boolean {
  try {
    return compareEvr(a, b) > 0;
  } catch {
    return a > b;
  }
}

export interface Upgrade {
  name: string;
  arch: string;
  /** `[epoch:]version-release`, epoch left out when 0. */
  evr: string;
  repoId: string;
  group: string;
}

/**
 * Parses `dnf -q repoquery --upgrades --qf REPOQUERY_FORMAT` and keeps the newest candidate per
 * name and arch (repoquery lists every newer version; `dnf upgrade` takes the newest).
 */
export function parseUpgrades(stdout: string): Upgrade[] {
  const best = new Map<string, Upgrade>();
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.split(SEP);
    if (f[0] !== MARK || f.length !== 8) throw new AppError('internal', `Unexpected line in \`dnf repoquery\` output: ${JSON.stringify(line.slice(0, 200))}`);
    const [, name, epoch, version, release, arch, repoId, group] = f as [string, string, string, string, string, string, string, string];
    const u: Upgrade = { name, arch, evr: formatEvr(epoch, version, release), repoId, group };
    const key = `${name}.${arch}`;
    const prev = best.get(key);
    if (prev === undefined || newer(u.evr, prev.evr)) best.set(key, u);
  }
  return [...best.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : 1));
}

/** The host of a repository URL, or `local` for file:// (and paths). */
export function siteOf(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'file:' || u.hostname === '' ? 'local' : u.hostname;
  } catch {
    return url.startsWith('/') ? 'local' : '';
  }
}

/** Repo id → site from `dnf repoinfo` (`Repo-baseurl`, else `Repo-metalink`/`Repo-mirrors`, first URL). */
export function parseRepoSites(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let id: string | null = null;
  for (const line of stdout.split('\n')) {
    const m = /^Repo-([a-z-]+)\s*: (.*)$/.exec(line);
    if (m === null) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'id') id = value.trim();
    else if (id !== null && (key === 'baseurl' || key === 'metalink' || key === 'mirrors') && !out.has(id)) {
      const first = value.trim().split(/[\s,]+/)[0] ?? '';
      out.set(id, siteOf(first));
    }
  }
  return out;
}
