/**
 * One entry for every advisory source: a directory of OSV records, an OSV zip (all.zip layout), one
 * JSON/YAML file (an OSV record, an array of them, or the Debian security tracker's JSON), an OSV
 * mirror URL, or the URL of a zip or JSON file.
 */
import { open, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import { importFile } from './file.importer.js';
import { downloadToFile, type HttpOptions } from './http.js';
import type { ImportFormat, ImportOptions, ImportReport } from './import-run.js';
import { importOsvDirectory } from './osv-directory.importer.js';
import { syncOsvMirror } from './osv-mirror.importer.js';
import { importOsvZip } from './osv-zip.importer.js';

export { convertDebianTracker, DEBIAN_RELEASES, isDebianTracker, type DebianConversion, type DebianConversionStats } from './debian-tracker.js';
export { importFile, type FileImportOptions } from './file.importer.js';
export { parseRecordText, type BadRecord, type ImportFormat, type ImportOptions, type ImportProgress, type ImportReport, type SourceKind } from './import-run.js';
export { importOsvDirectory, listRecordFiles } from './osv-directory.importer.js';
export { mirrorDirectory, parseCsvRow, syncOsvMirror, type MirrorOptions } from './osv-mirror.importer.js';
export { importOsvZip } from './osv-zip.importer.js';
export type { AdvisorySink, MirrorCursor, SinkRecord, UpsertCounts } from './sink.js';

export interface AdvisoryImportOptions extends ImportOptions, HttpOptions {
  /** Default: detected (a directory or zip holds OSV records; a JSON file is detected by content). */
  readonly format?: ImportFormat | undefined;
  /** Mirror URLs only: the ecosystems to sync (none: the whole database). */
  readonly ecosystems?: readonly string[] | undefined;
  /** Mirror URLs only: download all.zip even when a position is known. */
  readonly full?: boolean | undefined;
}

const isUrl = (source: string): boolean => /^https?:\/\//i.test(source);

async function isZipFile(path: string): Promise<boolean> {
  if (path.toLowerCase().endsWith('.zip')) return true;
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    return head.readUInt32LE(0) === 0x04034b50;
  } finally {
    await handle.close();
  }
}

async function withDownload<T>(url: string, name: string, options: HttpOptions, fn: (file: string, lastModified: string | null) => Promise<T>): Promise<T> {
  const tmp = await mkdtemp(join(tmpdir(), 'patchwarden-import-'));
  try {
    const file = join(tmp, name);
    const { lastModified } = await downloadToFile(url, file, options);
    return await fn(file, lastModified);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Imports advisories from `source` into `options.sink`, choosing the importer by what the source is.
 * Throws AppError when the source cannot be read at all ('validation' for paths and content,
 * 'unavailable' for URLs); bad records inside a readable source are reported in the result.
 *
 * @example
 *   await importAdvisories('../osv/PyPI-sample.zip', { sink: store.advisories })
 *   await importAdvisories('https://osv-vulnerabilities.storage.googleapis.com', { sink, ecosystems: ['PyPI', 'npm'] })
 *   await importAdvisories('debian-tracker.json', { sink }) // format detected
 */
export async function importAdvisories(source: string, options: AdvisoryImportOptions): Promise<ImportReport> {
  if (isUrl(source)) {
    const path = new URL(source).pathname.toLowerCase();
    if (path.endsWith('.zip')) {
      refuseEcosystems(options, source);
      return withDownload(source, 'all.zip', options, (file) => importOsvZip(file, { ...options, label: source }));
    }
    if (options.format === 'debian-tracker' || path.endsWith('.json') || path.endsWith('/json') || path.endsWith('.yaml') || path.endsWith('.yml')) {
      refuseEcosystems(options, source);
      const name = path.endsWith('.yaml') || path.endsWith('.yml') ? 'feed.yaml' : 'feed.json';
      return withDownload(source, name, options, (file, lastModified) => {
        const stamp = lastModified === null ? NaN : Date.parse(lastModified);
        return importFile(file, { ...options, label: source, feedTime: Number.isNaN(stamp) ? new Date() : new Date(stamp) });
      });
    }
    return syncOsvMirror(source, options);
  }
  let info;
  try {
    info = await stat(source);
  } catch {
    throw new AppError('validation', `${source} does not exist: give a directory of OSV records, an OSV zip, a JSON file, or an http(s) URL of a mirror.`);
  }
  refuseEcosystems(options, source);
  if (info.isDirectory()) {
    if (options.format === 'debian-tracker') throw new AppError('validation', `${source} is a directory; the Debian tracker format is one JSON file.`);
    return importOsvDirectory(source, options);
  }
  if (await isZipFile(source)) return importOsvZip(source, options);
  return importFile(source, options);
}

function refuseEcosystems(options: AdvisoryImportOptions, source: string): void {
  if (options.ecosystems !== undefined && options.ecosystems.length > 0) {
    throw new AppError('validation', `--ecosystem selects directories of an OSV mirror URL; ${source} is not one (it is imported whole).`);
  }
}
