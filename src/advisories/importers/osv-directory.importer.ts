/**
 * Imports a directory of OSV records: every `*.json`, `*.yaml` and `*.yml` file below it, one record
 * per file (the layout of advisory repositories such as pypa/advisory-database or an unpacked
 * all.zip). Hidden files and directories (`.git`, `.github`) are skipped.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import { ImportRun, recordSyntaxOf, type ImportOptions, type ImportReport } from './import-run.js';

/** Files read at once. */
const CONCURRENCY = 32;

/** The record files below `dir`, sorted (depth-first, names in code-point order). */
export async function listRecordFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string): Promise<void> => {
    const entries = await readdir(at, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if ((entry.isFile() || entry.isSymbolicLink()) && recordSyntaxOf(entry.name) !== null) out.push(path);
    }
  };
  await walk(dir);
  return out;
}

/**
 * Imports every record file below `dir`. A file that is not valid JSON/YAML or not a valid OSV
 * record is reported (path and reason) and the rest is imported.
 *
 * @example
 *   await importOsvDirectory('advisory-database/vulns', { sink: store.advisories })
 *   // { kind: 'directory', read: 4012, inserted: 4012, bad: [], ... }
 */
export async function importOsvDirectory(dir: string, options: ImportOptions): Promise<ImportReport> {
  let files: string[];
  try {
    files = await listRecordFiles(dir);
  } catch (err) {
    throw new AppError('validation', `Cannot read the directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  if (files.length === 0) {
    throw new AppError('validation', `No *.json, *.yaml or *.yml files below ${dir}: give a directory of OSV records, an all.zip, or a mirror URL.`);
  }
  const run = new ImportRun(options);
  run.total = files.length;
  for (let i = 0; i < files.length; i += CONCURRENCY) {
    const window = files.slice(i, i + CONCURRENCY);
    const texts = await Promise.all(
      window.map((file) =>
        readFile(file, 'utf8').then(
          (text) => ({ text }),
          (err: Error) => ({ error: err.message }),
        ),
      ),
    );
    for (const [n, file] of window.entries()) {
      const read = texts[n]!;
      if ('error' in read) run.reject(file, `cannot read the file: ${read.error}`);
      else await run.addText(read.text, recordSyntaxOf(file)!, file);
    }
  }
  return run.finish(dir, 'directory', 'osv');
}
