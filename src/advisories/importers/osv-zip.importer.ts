/**
 * Imports an OSV zip in the layout of OSV's `all.zip` exports (one record per JSON entry, at the
 * root). Streams: entries are read one at a time from the file (yauzl reads the central directory
 * and then each entry on demand), so archives of hundreds of MB never sit in memory. Each entry is
 * checked against its CRC-32; a corrupt entry is reported and skipped.
 */
import { crc32 as nodeCrc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { AppError } from '../../domain/errors.js';
import { ImportRun, recordSyntaxOf, type ImportOptions, type ImportReport } from './import-run.js';

/** Larger entries are refused (a record is a few KB; the largest real ones are a few MB). */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

let table: Uint32Array | undefined;
/** CRC-32 (zip's polynomial); node:zlib's from Node 20.15, else a table. */
function crc32(data: Buffer): number {
  if (typeof nodeCrc32 === 'function') return nodeCrc32(data) >>> 0;
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  if (entry.uncompressedSize > MAX_ENTRY_BYTES) throw new Error(`the entry is ${entry.uncompressedSize} bytes, more than the ${MAX_ENTRY_BYTES} allowed`);
  const stream = await zip.openReadStreamPromise(entry);
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  const data = Buffer.concat(parts);
  if (crc32(data) !== entry.crc32 >>> 0) throw new Error('the entry is corrupt (CRC-32 mismatch)');
  return data;
}

export interface ZipImportOptions extends ImportOptions {
  /** How records name their origin: `<label>!/<entry>` (default: the path). */
  readonly label?: string | undefined;
}

/** Opens the archive, refusing what is not a zip with a clear message. */
async function openZip(path: string): Promise<yauzl.ZipFile> {
  try {
    return await yauzl.openPromise(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  } catch (err) {
    throw new AppError('validation', `Cannot read the zip file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Imports the entries of one zip into `run` (also used by the mirror). */
export async function importZipInto(path: string, run: ImportRun, label = path): Promise<void> {
  const zip = await openZip(path);
  run.total = (run.total ?? 0) + zip.entryCount;
  let skipped = 0;
  const entries = zip.eachEntry();
  try {
    for (;;) {
      let next: IteratorResult<yauzl.Entry>;
      try {
        next = await entries.next();
      } catch (err) {
        // The central directory itself is broken: what was read stays imported.
        run.reject(label, `the zip is corrupt after ${run.processed} entries, the rest could not be read: ${(err as Error).message}`);
        break;
      }
      if (next.done === true) break;
      const entry = next.value;
      const name = entry.fileName;
      const syntax = recordSyntaxOf(name);
      if (name.endsWith('/') || syntax === null) {
        skipped += 1;
        run.total -= 1;
        continue;
      }
      const where = `${label}!/${name}`;
      let data: Buffer;
      try {
        data = await readEntry(zip, entry);
      } catch (err) {
        run.reject(where, `cannot read the zip entry: ${(err as Error).message}`);
        continue;
      }
      await run.addText(data.toString('utf8'), syntax, where);
    }
  } finally {
    zip.close();
  }
  if (skipped > 0) run.notes.push(`${skipped} zip entries that are not .json/.yaml/.yml files (or directories) were skipped.`);
}

/**
 * Imports an OSV zip (all.zip layout). Corrupt entries and invalid records are reported; the rest
 * is imported.
 *
 * @example
 *   await importOsvZip('PyPI/all.zip', { sink: store.advisories })
 *   // { kind: 'zip', read: 402, inserted: 402, bad: [], ... }
 */
export async function importOsvZip(path: string, options: ZipImportOptions): Promise<ImportReport> {
  const run = new ImportRun(options);
  await importZipInto(path, run, options.label ?? path);
  return run.finish(options.label ?? path, 'zip', 'osv');
}
