/**
 * Syncs from an OSV mirror in the layout of OSV.dev's bucket (google/osv.dev docs/data.md):
 *
 *   <base>/<ecosystem>/all.zip           every record of the ecosystem (one JSON per entry)
 *   <base>/<ecosystem>/modified_id.csv   `<modified ISO>,<id>` per record, newest first
 *   <base>/<ecosystem>/<id>.json         one record
 *   <base>/all.zip, <base>/modified_id.csv (`<modified>,<ecosystem>/<id>`): the whole database
 *
 * The directory is the ecosystem's base name (`Debian` holds every `Debian:*`). The first sync reads
 * the newest line of modified_id.csv, then downloads all.zip (to a temporary file, read entry by
 * entry); later syncs stream modified_id.csv down to the remembered position and fetch only the
 * records whose `modified` is newer than the stored one. The position (per base URL and ecosystem
 * directory) is kept by the sink; it never moves past a record that failed to download.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bodyLines, downloadToFile, httpGet, httpText, type HttpOptions } from './http.js';
import { ImportRun, parseRecordText, type ImportOptions, type ImportReport } from './import-run.js';
import { importZipInto } from './osv-zip.importer.js';

export interface MirrorOptions extends ImportOptions, HttpOptions {
  /** OSV ecosystems to sync (`PyPI`, `Debian:12` → directory `Debian`); none: the whole database. */
  readonly ecosystems?: readonly string[] | undefined;
  /** Download all.zip even when a position is known. */
  readonly full?: boolean | undefined;
  /** More changed records than this since the last sync: download all.zip instead (default 5000). */
  readonly fullSyncThreshold?: number | undefined;
  /** Records fetched at once (default 8). */
  readonly concurrency?: number | undefined;
  /** Now, for the cursor (tests). */
  readonly now?: (() => Date) | undefined;
}

interface CsvRow {
  readonly modified: string;
  /** ISO 8601 UTC, for comparisons. */
  readonly instant: string;
  /** `<id>`, or `<ecosystem>/<id>` in the root file. */
  readonly path: string;
}

/** `2024-05-01T12:00:00Z,GHSA-xxxx` → row; null when the line is malformed. */
export function parseCsvRow(line: string): CsvRow | null {
  const comma = line.indexOf(',');
  if (comma <= 0) return null;
  const modified = line.slice(0, comma).trim();
  const path = line.slice(comma + 1).trim();
  const ms = Date.parse(modified);
  if (path === '' || Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(modified)) return null;
  return { modified, instant: new Date(ms).toISOString(), path };
}

/** The mirror directory of an OSV ecosystem: its base name (`Debian:12` → `Debian`). */
export function mirrorDirectory(ecosystem: string): string {
  return ecosystem.split(':')[0]!.trim();
}

function joinUrl(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts.map((p) => p.split('/').map(encodeURIComponent).join('/'))].join('/');
}

/**
 * Syncs the given ecosystems (or the whole database) from an OSV mirror.
 *
 * @example
 *   await syncOsvMirror('https://osv-vulnerabilities.storage.googleapis.com', { sink: store.advisories, ecosystems: ['PyPI'] })
 *   // first run: all.zip; later runs: only the records changed since
 */
export async function syncOsvMirror(baseUrl: string, options: MirrorOptions): Promise<ImportReport> {
  const base = baseUrl.replace(/\/+$/, '');
  const dirs = [...new Set((options.ecosystems ?? []).map(mirrorDirectory))];
  const run = new ImportRun(options);
  for (const dir of dirs.length === 0 ? [''] : dirs) await syncDirectory(base, dir, run, options);
  return run.finish(base, 'mirror', 'osv');
}

async function syncDirectory(base: string, dir: string, run: ImportRun, options: MirrorOptions): Promise<void> {
  const { sink } = options;
  const label = dir === '' ? 'the whole database' : dir;
  const csvUrl = dir === '' ? joinUrl(base, 'modified_id.csv') : joinUrl(base, dir, 'modified_id.csv');
  const cursor = options.full === true ? null : await sink.getCursor(base, dir);
  const now = (options.now ?? (() => new Date()))().toISOString();

  if (cursor?.lastModified) {
    const incremental = await syncIncremental(base, dir, csvUrl, cursor.lastModified, run, options);
    if (incremental !== 'too-many') {
      await sink.setCursor({ baseUrl: base, ecosystem: dir, lastModified: incremental.position, lastId: incremental.lastId ?? cursor.lastId, syncedAt: now });
      return;
    }
    run.notes.push(`${label}: more records changed than the threshold; downloading all.zip instead.`);
  }

  // Full sync: remember the newest position *before* the download, so that anything changed while
  // all.zip is built and downloaded is fetched by the next sync.
  const head = await firstCsvRow(csvUrl, options);
  const zipUrl = dir === '' ? joinUrl(base, 'all.zip') : joinUrl(base, dir, 'all.zip');
  const tmp = await mkdtemp(join(tmpdir(), 'patchwarden-osv-'));
  try {
    const file = join(tmp, 'all.zip');
    const { bytes } = await downloadToFile(zipUrl, file, options);
    const before = run.read;
    await importZipInto(file, run, zipUrl);
    run.notes.push(`${label}: full sync from ${zipUrl} (${(bytes / 1024 / 1024).toFixed(1)} MiB, ${run.read - before} records).`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const position = head?.instant ?? run.newestModified;
  await sink.setCursor({ baseUrl: base, ecosystem: dir, lastModified: position, lastId: head?.path ?? null, syncedAt: now });
}

async function firstCsvRow(csvUrl: string, options: HttpOptions): Promise<CsvRow | null> {
  const body = await httpGet(csvUrl, { ...options, allowMissing: true });
  if (body === null) return null;
  for await (const line of bodyLines(body)) {
    if (line.trim() === '') continue;
    return parseCsvRow(line);
  }
  return null;
}

async function syncIncremental(
  base: string,
  dir: string,
  csvUrl: string,
  lastModified: string,
  run: ImportRun,
  options: MirrorOptions,
): Promise<{ position: string; lastId: string | null } | 'too-many'> {
  const label = dir === '' ? 'the whole database' : dir;
  const body = await httpGet(csvUrl, options);
  const candidates: CsvRow[] = [];
  let lineNo = 0;
  for await (const line of bodyLines(body!)) {
    lineNo += 1;
    if (line.trim() === '') continue;
    const row = parseCsvRow(line);
    if (row === null) {
      run.reject(`${csvUrl}:${lineNo}`, `not a "<modified>,<id>" line: ${JSON.stringify(line.slice(0, 200))}`);
      continue;
    }
    // Newest first: stop at the first record older than the position. Records at the position
    // itself are looked at again (the store says whether they are already there).
    if (row.instant < lastModified) break;
    candidates.push(row);
  }
  const newest = candidates[0];
  if (newest === undefined) return { position: lastModified, lastId: null };
  const stored = await options.sink.modifiedOf(candidates.map((row) => idOf(row.path)));
  const wanted = candidates.filter((row) => {
    const known = stored.get(idOf(row.path));
    return known === undefined || known < row.instant;
  });
  if (wanted.length === 0) {
    run.notes.push(`${label}: up to date (no record modified after ${lastModified}).`);
    return { position: newest.instant, lastId: newest.path };
  }
  if (wanted.length > (options.fullSyncThreshold ?? 5000)) return 'too-many';
  run.total = (run.total ?? 0) + wanted.length;

  let oldestFailure: string | null = null;
  const concurrency = options.concurrency ?? 8;
  for (let i = 0; i < wanted.length; i += concurrency) {
    const window = wanted.slice(i, i + concurrency);
    const results = await Promise.all(
      window.map(async (row) => {
        const url = dir === '' ? joinUrl(base, `${row.path}.json`) : joinUrl(base, dir, `${row.path}.json`);
        try {
          return { row, url, text: (await httpText(url, options))! };
        } catch (err) {
          return { row, url, error: (err as Error).message };
        }
      }),
    );
    for (const result of results) {
      if ('error' in result) {
        run.reject(result.url, result.error ?? 'download failed');
        if (oldestFailure === null || result.row.instant < oldestFailure) oldestFailure = result.row.instant;
      } else {
        const parsed = parseRecordText(result.text, 'json');
        if (parsed.ok) await run.add(parsed.record, result.url);
        else run.reject(result.url, parsed.reason);
      }
    }
  }
  run.notes.push(`${label}: ${wanted.length} record(s) modified after ${lastModified} fetched from ${base}.`);
  if (oldestFailure !== null) {
    run.notes.push(`${label}: the position stays at ${oldestFailure} so that the records that failed are fetched again next time.`);
    return { position: oldestFailure, lastId: null };
  }
  return { position: newest.instant, lastId: newest.path };
}

function idOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}
