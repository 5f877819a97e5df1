import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PolicySource } from './apt-parse.js';

const FIELDS: Record<string, string> = { Origin: 'o', Label: 'l', Suite: 'a', Codename: 'n', Version: 'v' };

/** The release fields at the top of a Release or InRelease file (the checksums after them are not read). */
export function parseReleaseHeader(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (/^(MD5Sum|SHA1|SHA256|SHA512):/.test(line)) break;
    const m = /^([A-Za-z-]+): (.*)$/.exec(line);
    const key = m === null ? undefined : FIELDS[m[1] ?? ''];
    if (key !== undefined) out[key] = (m?.[2] ?? '').trim();
  }
  return out;
}

/**
 * The release files apt downloaded (`<lists>/*_Release`, `*_InRelease`) as package sources: the
 * same fields as `apt-cache policy`'s release lines, read from the files directly (no second
 * cache load). The site is the host at the start of the file name (`deb.debian.org_debian_…`),
 * `local` for file: repositories (their names start with `_`).
 */
export async function readReleaseFiles(listsDir: string): Promise<PolicySource[]> {
  let names: string[];
  try {
    names = (await readdir(listsDir)).filter((f) => f.endsWith('_InRelease') || f.endsWith('_Release'));
  } catch {
    return [];
  }
  const out: PolicySource[] = [];
  for (const name of names.sort()) {
    const fh = await open(join(listsDir, name), 'r');
    try {
      const buf = Buffer.alloc(8192);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      const release = parseReleaseHeader(buf.subarray(0, bytesRead).toString('utf8'));
      out.push({ source: name, release, site: name.startsWith('_') ? 'local' : (name.split('_')[0] ?? '') });
    } finally {
      await fh.close();
    }
  }
  return out;
}
