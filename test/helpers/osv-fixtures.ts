/**
 * Test support only (imported by the advisories tests, never by production code): reads the real
 * OSV records of `../shared/data/osv/` (see shared/data/README.md) — the per-ecosystem folders and
 * the PyPI sample zip — and re-exports the real version schemes (the registry) as `testSchemes`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

/** `../shared/data/osv` beside the project root. */
export const OSV_DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/data/osv');

export const hasOsvData = (): boolean => existsSync(join(OSV_DATA_DIR, 'PyPI-sample.zip'));

export interface RawRecord {
  /** `npm/GHSA-….json`, `PyPI/PYSEC-….json`. */
  readonly file: string;
  readonly json: unknown;
}

/** The records of one folder (`npm`, `Go`, `crates.io`, `Maven`, `Ubuntu`, `AlmaLinux`), by file name. */
export function loadOsvFolder(folder: string): RawRecord[] {
  const dir = join(OSV_DATA_DIR, folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file: `${folder}/${file}`, json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as unknown }));
}

/** The 402 records of `PyPI-sample.zip`. */
export function loadPyPiSample(): RawRecord[] {
  return readZip(readFileSync(join(OSV_DATA_DIR, 'PyPI-sample.zip')))
    .filter((entry) => entry.name.endsWith('.json'))
    .map((entry) => ({ file: `PyPI/${entry.name}`, json: JSON.parse(entry.data.toString('utf8')) as unknown }));
}

/** Every record of the data set: the folders, then the PyPI sample. */
export function loadAllOsv(): RawRecord[] {
  const folders = readdirSync(OSV_DATA_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  return [...folders.flatMap(loadOsvFolder), ...loadPyPiSample()];
}

/** A minimal zip reader (stored and deflated entries), enough for OSV `all.zip`-style archives. */
export function readZip(zip: Buffer): { name: string; data: Buffer }[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i -= 1) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd === -1) throw new Error('not a zip file: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out: { name: string; data: Buffer }[] = [];
  for (let n = 0; n < count; n += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip central directory is corrupt at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressed);
    if (method !== 0 && method !== 8) throw new Error(`zip entry ${name} uses compression method ${method}`);
    out.push({ name, data: method === 0 ? Buffer.from(raw) : inflateRawSync(raw) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;
}

/** The real version schemes (the versioning registry), as the matcher uses them. */
export { registrySchemes as testSchemes } from '../../src/advisories/matcher.js';
