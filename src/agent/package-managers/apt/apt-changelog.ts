import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { compareDeb } from '../../../versioning/index.js';
import type { AptEnvironment } from './apt-environment.js';

/** One changelog entry: its version and the CVE ids its text names. */
export interface ChangelogEntry {
  version: string;
  cves: string[];
}

const HEADER = /^[a-z0-9][a-z0-9+.-]* \(([^)\s]+)\) /;
const CVE = /CVE-\d{4}-\d{4,}/g;

/** Splits a Debian changelog into entries (newest first, as written) with the CVE ids of each. */
export function parseChangelog(text: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  let cur: { version: string; cves: Set<string> } | null = null;
  const flush = () => {
    if (cur !== null) entries.push({ version: cur.version, cves: [...cur.cves].sort() });
  };
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    if (h !== null) {
      flush();
      cur = { version: h[1] ?? '', cves: new Set() };
      continue;
    }
    if (cur === null) continue;
    for (const m of line.matchAll(CVE)) cur.cves.add(m[0]);
  }
  flush();
  return entries;
}

/** CVE ids of the entries newer than `installed` and not newer than `candidate`. */
export function cvesSince(entries: readonly ChangelogEntry[], installed: string, candidate: string): string[] {
  const out = new Set<string>();
  for (const e of entries) {
    try {
      if (compareDeb(e.version, installed) > 0 && compareDeb(e.version, candidate) <= 0) for (const c of e.cves) out.add(c);
    } catch {
      // an unparsable version in an old entry: skip the entry
    }
  }
  return [...out].sort();
}

/** Runs `dpkg-deb --fsys-tarfile DEB | tar -xO MEMBERS…` without a shell; resolves with tar's stdout. */
function extractMembers(deb: string, members: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, LANG: 'C', LC_ALL: 'C' };
    const deb2tar = spawn('dpkg-deb', ['--fsys-tarfile', deb], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const tar = spawn('tar', ['-xO', '--wildcards', '--no-anchored', ...members], { env, stdio: ['pipe', 'pipe', 'ignore'] });
    deb2tar.stdout.pipe(tar.stdin);
    tar.stdin.on('error', () => undefined);
    const out: Buffer[] = [];
    tar.stdout.on('data', (c: Buffer) => out.push(c));
    deb2tar.on('error', reject);
    tar.on('error', reject);
    tar.on('close', () => resolve(Buffer.concat(out)));
  });
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9.+~_-]/g, '_');

/**
 * Changelog entries of a candidate package, from its .deb (downloaded with `apt-get download`
 * into the cache directory; `apt-get changelog` would need the network), cached per
 * (package, version) as JSON so a later scan does not download again. Empty when the package has
 * no changelog of its own (e.g. its doc directory is a symlink to another package's).
 */
export async function changelogEntries(env: AptEnvironment, cacheDir: string, name: string, version: string, arch: string): Promise<ChangelogEntry[]> {
  const cacheFile = join(cacheDir, `${safe(name)}_${safe(version)}_${safe(arch)}.json`);
  try {
    return JSON.parse(await readFile(cacheFile, 'utf8')) as ChangelogEntry[];
  } catch {
    // not cached yet
  }
  const work = join(cacheDir, `dl-${process.pid}-${safe(name)}`);
  await mkdir(work, { recursive: true });
  try {
    const spec = arch === '' || arch === 'all' ? `${name}=${version}` : `${name}:${arch}=${version}`;
    const dl = await env.apt('apt-get', ['download', '-q', spec], { cwd: work, timeoutMs: 300_000 });
    const deb = (await readdir(work)).find((f) => f.endsWith('.deb'));
    if (dl.code !== 0 || deb === undefined) return [];
    const data = await extractMembers(join(work, deb), [`usr/share/doc/${name}/changelog.Debian.gz`]);
    let entries: ChangelogEntry[] = [];
    if (data.length > 0) entries = parseChangelog(gunzipSync(data).toString('utf8'));
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(entries));
    await rename(tmp, cacheFile);
    return entries;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
