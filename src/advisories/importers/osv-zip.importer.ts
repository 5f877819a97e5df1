/**
 * Imports an OSV zip in the layout of OSV's `all.zip` exports (one record per JSON entry, at the
 * root). Streams: yauzl walks the central directory (zip64 included) and each entry is read and
 * inflated on its own through a few 1 MiB windows of the file, so archives of hundreds of MB never
 * sit in memory. Each entry is checked against its size and CRC-32; a corrupt entry is reported
 * and skipped, and the rest is imported.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { crc32 as nodeCrc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { AppError } from '../../domain/errors.js';
import { ImportRun, recordSyntaxOf, type ImportOptions, type ImportReport } from './import-run.js';

/** Larger entries are refused (a record is a few KB; the largest real ones are a few MB). */
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;
/** Bytes read from the file at once; a few windows are kept (the central directory and the entries). */
const WINDOW = 1024 * 1024;
const WINDOWS = 4;

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

/**
 * yauzl's random access over the file through a few 1 MiB windows: yauzl reads the central
 * directory in small pieces and entries lie one after the other, so nearly every read is served
 * from memory instead of one system call (and one stream) per piece. Memory stays at a few MiB.
 */
class WindowedReader extends yauzl.RandomAccessReader {
  private windows: { start: number; data: Buffer }[] = [];

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {
    super();
  }

  /** `length` bytes at `position` (a view into a window when it fits one). */
  async readAt(position: number, length: number): Promise<Buffer> {
    if (position < 0 || position + length > this.size) throw new Error(`a read at ${position}+${length} runs past the end of the file (${this.size} bytes)`);
    for (const [i, w] of this.windows.entries()) {
      if (position >= w.start && position + length <= w.start + w.data.length) {
        if (i > 0) this.windows.unshift(...this.windows.splice(i, 1));
        return w.data.subarray(position - w.start, position - w.start + length);
      }
    }
    const size = Math.max(length, Math.min(WINDOW, this.size - position));
    const data = Buffer.allocUnsafe(size);
    const { bytesRead } = await this.handle.read(data, 0, size, position);
    if (bytesRead < length) throw new Error(`unexpected end of file at ${position + bytesRead}`);
    if (size <= WINDOW) {
      this.windows.unshift({ start: position, data: data.subarray(0, bytesRead) });
      this.windows.length = Math.min(this.windows.length, WINDOWS);
    }
    return data.subarray(0, length);
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    this.readAt(position, length).then(
      (data) => {
        data.copy(buffer, offset);
        callback(null);
      },
      (err: Error) => callback(err),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return createReadStream('', { fd: this.handle.fd, start, end: end - 1, autoClose: false });
  }

  override close(callback: (err: Error | null) => void): void {
    this.handle.close().then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }
}

/** The uncompressed bytes of one entry, checked against its size and CRC-32. */
async function readEntry(reader: WindowedReader, entry: yauzl.Entry): Promise<Buffer> {
  if (entry.isEncrypted()) throw new Error('the entry is encrypted');
  if (entry.uncompressedSize > MAX_ENTRY_BYTES) throw new Error(`the entry is ${entry.uncompressedSize} bytes, more than the ${MAX_ENTRY_BYTES} allowed`);
  const header = await reader.readAt(entry.relativeOffsetOfLocalHeader, 30);
  if (header.readUInt32LE(0) !== 0x04034b50) throw new Error('the entry is corrupt (no local file header where the directory says)');
  const start = entry.relativeOffsetOfLocalHeader + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const raw = await reader.readAt(start, entry.compressedSize);
  let data: Buffer;
  if (entry.compressionMethod === 0) data = raw;
  else if (entry.compressionMethod === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: MAX_ENTRY_BYTES });
    } catch (err) {
      throw new Error(`the entry is corrupt (${(err as Error).message})`);
    }
  } else throw new Error(`the entry uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are supported`);
  if (data.length !== entry.uncompressedSize) throw new Error(`the entry is corrupt (${data.length} bytes instead of ${entry.uncompressedSize})`);
  if (crc32(data) !== entry.crc32 >>> 0) throw new Error('the entry is corrupt (CRC-32 mismatch)');
  return data;
}

export interface ZipImportOptions extends ImportOptions {
  /** How records name their origin: `<label>!/<entry>` (default: the path). */
  readonly label?: string | undefined;
}

/** Opens the archive, refusing what is not a zip with a clear message. */
async function openZip(path: string): Promise<{ zip: yauzl.ZipFile; reader: WindowedReader }> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const reader = new WindowedReader(handle, (await handle.stat()).size);
    const zip = await yauzl.fromRandomAccessReaderPromise(reader, reader.size, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
    return { zip, reader };
  } catch (err) {
    await handle?.close().catch(() => undefined);
    throw new AppError('validation', `Cannot read the zip file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Imports the entries of one zip into `run` (also used by the mirror). */
export async function importZipInto(path: string, run: ImportRun, label = path): Promise<void> {
  const { zip, reader } = await openZip(path);
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
        data = await readEntry(reader, entry);
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
