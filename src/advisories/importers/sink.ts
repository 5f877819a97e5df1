/**
 * Where importers hand their records: an interface, so that importers stay free of the store
 * (src/store implements it in advisories.repository.ts; tests can use an in-memory one).
 */
import type { OsvRecord } from '../osv.schema.js';

/** One valid record and where it was read (file path, `zip!/entry`, URL). */
export interface SinkRecord {
  readonly record: OsvRecord;
  readonly source: string;
}

/** What one `upsertMany` did. Every record given is counted exactly once. */
export interface UpsertCounts {
  /** New ids. */
  inserted: number;
  /** Known ids whose incoming `modified` is later and whose content differs: replaced. */
  updated: number;
  /**
   * Known ids left as stored: the incoming `modified` is the same or older, or it is later but the
   * content (everything except `modified`) is identical.
   */
  unchanged: number;
}

/** A mirror's position: everything modified up to `lastModified` has been imported. */
export interface MirrorCursor {
  readonly baseUrl: string;
  /** The mirror's ecosystem directory (`PyPI`), or '' for the whole database. */
  readonly ecosystem: string;
  readonly lastModified: string | null;
  readonly lastId: string | null;
  readonly syncedAt: string;
}

export interface AdvisorySink {
  /**
   * Stores the records: a record replaces the stored one with its id only when its `modified` is
   * later (and its content differs); re-importing the same data changes nothing.
   */
  upsertMany(records: readonly SinkRecord[]): Promise<UpsertCounts>;
  /** The stored `modified` of those ids that are stored (ISO 8601 UTC). */
  modifiedOf(ids: readonly string[]): Promise<Map<string, string>>;
  getCursor(baseUrl: string, ecosystem: string): Promise<MirrorCursor | null>;
  setCursor(cursor: MirrorCursor): Promise<void>;
}

/** Adds `b` into `a`. */
export function addCounts(a: UpsertCounts, b: UpsertCounts): void {
  a.inserted += b.inserted;
  a.updated += b.updated;
  a.unchanged += b.unchanged;
}
