/**
 * Imports one file: an OSV record (JSON or YAML), a JSON array of OSV records, or the Debian
 * security tracker's JSON (detected by its shape, or forced with format `debian-tracker`).
 */
import { readFile, stat } from 'node:fs/promises';
import YAML from 'yaml';
import { AppError } from '../../domain/errors.js';
import { convertDebianTracker, isDebianTracker } from './debian-tracker.js';
import { ImportRun, recordSyntaxOf, toRecord, type ImportFormat, type ImportOptions, type ImportReport, type SourceKind } from './import-run.js';

export interface FileImportOptions extends ImportOptions {
  /** `osv` or `debian-tracker`; default: detected from the content. */
  readonly format?: ImportFormat | undefined;
  /** How records name their origin (default: the path); a URL when the file was downloaded. */
  readonly label?: string | undefined;
  /** The feed's timestamp (Debian tracker records' `modified`); default: the file's mtime. */
  readonly feedTime?: Date | undefined;
  readonly kind?: SourceKind | undefined;
}

/** Imports the records of one file. Throws AppError('validation') when the file cannot be read at all. */
export async function importFile(path: string, options: FileImportOptions): Promise<ImportReport> {
  const label = options.label ?? path;
  let text: string;
  let mtime: Date;
  try {
    text = await readFile(path, 'utf8');
    mtime = (await stat(path)).mtime;
  } catch (err) {
    throw new AppError('validation', `Cannot read ${label}: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  const syntax = recordSyntaxOf(path) ?? 'json';
  try {
    value = syntax === 'yaml' ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new AppError('validation', `${label} is not valid ${syntax === 'yaml' ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const run = new ImportRun(options);
  const debian = options.format === 'debian-tracker' || (options.format === undefined && isDebianTracker(value));
  if (debian) {
    // One timestamp for the snapshot: re-importing the same file changes nothing, and a newer
    // snapshot replaces only the records whose content changed (the store compares content).
    const modified = (options.feedTime ?? mtime).toISOString();
    const converted = convertDebianTracker(value, { modified, file: label });
    run.total = converted.records.length + converted.bad.length;
    for (const bad of converted.bad) run.reject(bad.file, bad.reason);
    for (const record of converted.records) await run.add(record, label);
    const s = converted.stats;
    run.notes.push(
      `Debian tracker: ${s.packages} source packages, ${s.issues} package issues → ${s.records} records with ${s.entries} affected entries (modified ${modified}).`,
    );
    const skipped = [
      s.undetermined > 0 ? `${s.undetermined} undetermined` : '',
      s.notAffected > 0 ? `${s.notAffected} not affected (fixed_version 0)` : '',
      s.unusable > 0 ? `${s.unusable} with an unknown status or no fixed version` : '',
      ...Object.entries(s.unknownReleases).map(([codename, n]) => `${n} of the unknown release "${codename}"`),
    ].filter((part) => part !== '');
    if (skipped.length > 0) run.notes.push(`Debian tracker: release entries skipped: ${skipped.join(', ')}.`);
    if (s.withoutAffected > 0) run.notes.push(`Debian tracker: ${s.withoutAffected} issue(s) affect no Debian release and were not imported.`);
    return run.finish(label, options.kind ?? 'file', 'debian-tracker');
  }
  const items = Array.isArray(value) ? value : [value];
  if (!Array.isArray(value) && options.format === undefined && (typeof value !== 'object' || value === null || !('id' in value))) {
    throw new AppError(
      'validation',
      `${label} is neither an OSV record, a JSON array of OSV records, nor the Debian security tracker's JSON; give --format debian-tracker if it is the tracker's.`,
    );
  }
  run.total = items.length;
  for (const [i, item] of items.entries()) {
    const checked = toRecord(item);
    if (checked.ok) await run.add(checked.record, Array.isArray(value) ? `${label}#${i}` : label);
    else run.reject(Array.isArray(value) ? `${label}#${i}` : label, checked.reason);
  }
  return run.finish(label, options.kind ?? 'file', 'osv');
}
