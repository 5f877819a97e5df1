/**
 * `Pipfile.lock` (JSON, pipfile-spec 6): `default` (runtime) and `develop` (dev) sections of
 * `name -> { version: "==1.2.3", hashes, markers, index }`. The file is flat (no graph): packages
 * the Pipfile names are direct, the others transitive with an unknown parent (their path is just
 * themselves). Without a Pipfile, every package is direct.
 */
import { isObject, lineAt, lockfileError, parseJsonLockfile } from './errors.js';
import { normalizePyName, readPipfileDependencies } from './manifests.js';
import type { LockedPackage, LockfileInput, LockfileNote, ParsedLockfile } from './types.js';

const FIX = 'regenerate it with `pipenv lock`';

export function parsePipfileLock(input: LockfileInput): ParsedLockfile {
  const json = parseJsonLockfile(input.path, input.text, FIX);
  if (!isObject(json) || !isObject(json._meta)) throw lockfileError(input.path, 1, 'not a Pipfile.lock (no "_meta" object)', FIX);
  const spec = json._meta['pipfile-spec'];
  if (spec !== undefined && spec !== 6) throw lockfileError(input.path, null, `unknown pipfile-spec ${JSON.stringify(spec)} (Patchwarden reads 6)`, 'regenerate it with a current pipenv (`pipenv lock`)');
  const declared = readPipfileDependencies(input.read);
  const notes: LockfileNote[] = [];
  const packages: LockedPackage[] = [];
  let cursor = 0;
  let cursorLine = 1;
  /** Line of an offset at or after the cursor, counted from the cursor. */
  const lineFrom = (at: number): number => {
    cursorLine += lineAt(input.text.slice(cursor, at), at - cursor) - 1;
    cursor = at;
    return cursorLine;
  };
  for (const [section, dev] of [['default', false], ['develop', true]] as const) {
    const table = json[section];
    if (table === undefined) continue;
    if (!isObject(table)) throw lockfileError(input.path, null, `"${section}" is not an object`, FIX);
    const sectionAt = input.text.indexOf(`"${section}"`, cursor);
    if (sectionAt > cursor) lineFrom(sectionAt);
    for (const [name, raw] of Object.entries(table)) {
      const at = input.text.indexOf(`"${name}": {`, cursor);
      const line = at === -1 ? null : lineFrom(at);
      const entry = isObject(raw) ? raw : {};
      const version = typeof entry.version === 'string' ? /^===?(.+)$/.exec(entry.version)?.[1] : undefined;
      if (version === undefined) {
        notes.push({ lockfile: input.path, line, kind: 'not-pinned', message: `${name}: no ==version (a VCS, path or URL requirement); not matched` });
        continue;
      }
      const direct = declared === null || declared.some((d) => d.name === normalizePyName(name));
      const existing = packages.findIndex((p) => p.name === name && p.version === version);
      if (existing !== -1) {
        if (!dev) packages[existing] = { ...packages[existing]!, dev: false };
        continue;
      }
      packages.push({
        ecosystem: 'PyPI',
        name,
        version,
        direct,
        dev,
        optional: false,
        peer: false,
        paths: [[`${name}@${version}`]],
        lockfile: input.path,
        line,
        ...(typeof entry.markers === 'string' ? { markers: entry.markers } : {}),
      });
    }
  }
  return { path: input.path, kind: 'pipenv', formatVersion: spec === undefined ? null : String(spec), packages: packages.sort((a, b) => a.name.localeCompare(b.name)), notes };
}
