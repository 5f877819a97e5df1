import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The os-release fields the agent uses (see os-release(5)). */
export interface OsRelease {
  id: string;
  idLike: string[];
  versionId: string;
  codename: string;
  prettyName: string;
}

/** Parses os-release text: `KEY=value` lines, values optionally quoted with shell-style escapes. */
export function parseOsRelease(text: string): OsRelease {
  const fields = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1);
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\(["\\`$])/g, '$1');
    }
    fields.set(line.slice(0, eq), value);
  }
  const get = (k: string) => fields.get(k) ?? '';
  return {
    id: get('ID') === '' ? 'linux' : get('ID').toLowerCase(),
    idLike: get('ID_LIKE').split(/\s+/).filter((s) => s !== ''),
    versionId: get('VERSION_ID'),
    codename: get('VERSION_CODENAME') || get('UBUNTU_CODENAME'),
    prettyName: get('PRETTY_NAME') || get('NAME') || 'Linux',
  };
}

/** Reads ROOT/etc/os-release, falling back to ROOT/usr/lib/os-release; null when neither exists. */
export async function readOsRelease(root: string): Promise<OsRelease | null> {
  for (const rel of ['etc/os-release', 'usr/lib/os-release']) {
    try {
      return parseOsRelease(await readFile(join(root, rel), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return null;
}

const major = (version: string) => version.split('.')[0] ?? version;

/**
 * The OSV ecosystem of the distribution's packages (the names osv.dev uses):
 * Debian → `Debian:<major>` (`Debian:12`); Ubuntu → `Ubuntu:<VERSION_ID>` plus `:LTS` for YY.04
 * releases with an even YY (`Ubuntu:22.04:LTS`); AlmaLinux → `AlmaLinux:<major>`; Rocky →
 * `Rocky Linux:<major>`; RHEL → `Red Hat` (osv.dev keys Red Hat by CPE, not by release, so no
 * version is attached); Fedora → `Fedora:<VERSION_ID>`; Amazon Linux → `Amazon Linux:<VERSION_ID>`
 * (`Amazon Linux:2023`); anything else → the os-release ID as is.
 */
export function osvEcosystem(os: OsRelease): string {
  const v = os.versionId;
  switch (os.id) {
    case 'debian':
      return v === '' ? 'Debian' : `Debian:${major(v)}`;
    case 'ubuntu': {
      const m = /^(\d\d)\.04$/.exec(v);
      const lts = m !== null && Number(m[1]) % 2 === 0;
      return `Ubuntu:${v}${lts ? ':LTS' : ''}`;
    }
    case 'almalinux':
      return `AlmaLinux:${major(v)}`;
    case 'rocky':
      return `Rocky Linux:${major(v)}`;
    case 'rhel':
      return 'Red Hat';
    case 'fedora':
      return `Fedora:${v}`;
    case 'amzn':
      return `Amazon Linux:${v}`;
    default:
      return os.id;
  }
}
