/**
 * What every importer shares: turning file text into a valid OSV record (or a reason it is not one),
 * batching records into the sink, counting, reporting bad records and progress.
 */
import YAML from 'yaml';
import { parseOsvRecord, type OsvRecord } from '../osv.schema.js';
import { addCounts, type AdvisorySink, type SinkRecord, type UpsertCounts } from './sink.js';

/** A record that could not be imported: where it is and why. */
export interface BadRecord {
  /** File path, `archive.zip!/entry.json`, URL, or `file.json#package/CVE`. */
  readonly file: string;
  readonly reason: string;
}

export interface ImportProgress {
  /** Records looked at so far (good and bad). */
  readonly processed: number;
  /** How many there are, when known. */
  readonly total: number | null;
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly bad: number;
  /** True on the last call of an import. */
  readonly done: boolean;
}

export type SourceKind = 'directory' | 'zip' | 'file' | 'mirror';
export type ImportFormat = 'osv' | 'debian-tracker';

export interface ImportReport extends UpsertCounts {
  /** The source as given (path or URL). */
  readonly source: string;
  readonly kind: SourceKind;
  readonly format: ImportFormat;
  /** Valid records handed to the store. */
  readonly read: number;
  readonly bad: readonly BadRecord[];
  /** What else happened, one sentence each (skipped entries, mirror positions, conversion counts). */
  readonly notes: readonly string[];
  readonly seconds: number;
}

export interface ImportOptions {
  readonly sink: AdvisorySink;
  /** Called at most every `progressIntervalMs` (default 1000) while importing, and once at the end. */
  readonly onProgress?: ((progress: ImportProgress) => void) | undefined;
  readonly progressIntervalMs?: number | undefined;
  /** Records per write transaction (default 500). */
  readonly batchSize?: number | undefined;
}

export type ParsedText = { ok: true; record: OsvRecord } | { ok: false; reason: string };

/** `.json`, `.yaml` and `.yml` files hold OSV records. */
export function recordSyntaxOf(name: string): 'json' | 'yaml' | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  return null;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim().replace(/:$/, '');
}

/** Checks a parsed value as an OSV record whose instants are real dates. */
export function toRecord(value: unknown): ParsedText {
  const parsed = parseOsvRecord(value);
  if (!parsed.ok) return { ok: false, reason: `not a valid OSV record: ${parsed.reason}` };
  const { record } = parsed;
  for (const field of ['modified', 'published', 'withdrawn'] as const) {
    const instant = record[field];
    if (instant !== undefined && Number.isNaN(Date.parse(instant))) {
      return { ok: false, reason: `not a valid OSV record: ${record.id}: ${field} "${instant}" is not a real date` };
    }
  }
  return { ok: true, record };
}

/**
 * Parses one file's text as an OSV record (JSON, or YAML for `.yaml`/`.yml`). Never throws.
 *
 * @example
 *   parseRecordText('{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z"}', 'json') // { ok: true, record }
 *   parseRecordText('{"id":', 'json') // { ok: false, reason: 'not valid JSON: Unexpected end of JSON input' }
 */
export function parseRecordText(text: string, syntax: 'json' | 'yaml'): ParsedText {
  if (text.trim() === '') return { ok: false, reason: 'the file is empty' };
  let value: unknown;
  try {
    value = syntax === 'json' ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    return { ok: false, reason: `not valid ${syntax === 'json' ? 'JSON' : 'YAML'}: ${firstLine((err as Error).message)}` };
  }
  return toRecord(value);
}

/** One import: batches records into the sink, counts, keeps the bad records, reports progress. */
export class ImportRun {
  readonly counts: UpsertCounts = { inserted: 0, updated: 0, unchanged: 0 };
  readonly bad: BadRecord[] = [];
  readonly notes: string[] = [];
  read = 0;
  total: number | null = null;
  /** The latest `modified` (ISO) of the records read. */
  newestModified: string | null = null;
  private batch: SinkRecord[] = [];
  private lastProgress = 0;
  private readonly started = performance.now();
  private readonly batchSize: number;
  private readonly interval: number;

  constructor(private readonly options: ImportOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.interval = options.progressIntervalMs ?? 1000;
    this.lastProgress = performance.now();
  }

  get processed(): number {
    return this.read + this.bad.length;
  }

  async add(record: OsvRecord, source: string): Promise<void> {
    this.read += 1;
    const modified = new Date(Date.parse(record.modified)).toISOString();
    if (this.newestModified === null || modified > this.newestModified) this.newestModified = modified;
    this.batch.push({ record, source });
    if (this.batch.length >= this.batchSize) await this.flush();
    this.tick();
  }

  /** Parses text and adds the record, or reports the file as bad. */
  async addText(text: string, syntax: 'json' | 'yaml', file: string): Promise<void> {
    const parsed = parseRecordText(text, syntax);
    if (parsed.ok) await this.add(parsed.record, file);
    else this.reject(file, parsed.reason);
  }

  reject(file: string, reason: string): void {
    this.bad.push({ file, reason });
    this.tick();
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    addCounts(this.counts, await this.options.sink.upsertMany(batch));
  }

  private tick(): void {
    if (this.options.onProgress === undefined) return;
    const now = performance.now();
    if (now - this.lastProgress < this.interval) return;
    this.lastProgress = now;
    this.options.onProgress(this.progress(false));
  }

  private progress(done: boolean): ImportProgress {
    return { processed: this.processed, total: this.total, ...this.counts, bad: this.bad.length, done };
  }

  /** Writes what is left and returns the report. */
  async finish(source: string, kind: SourceKind, format: ImportFormat): Promise<ImportReport> {
    await this.flush();
    this.options.onProgress?.(this.progress(true));
    return {
      source,
      kind,
      format,
      read: this.read,
      ...this.counts,
      bad: this.bad,
      notes: this.notes,
      seconds: (performance.now() - this.started) / 1000,
    };
  }
}
