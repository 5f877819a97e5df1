/**
 * The severity of an OSV record (for one affected package), from whatever the feed provides. Pure;
 * never throws: an empty, null or malformed score gives no severity from that source.
 *
 * Sources, first usable wins (CVSS before the feeds' own words):
 * 1. CVSS vectors in `affected[].severity`, then in the record's `severity` (CVSS_V4, then CVSS_V3,
 *    then CVSS_V2; several vectors of one type: the highest score);
 * 2. a CVSS vector in `database_specific.cvss` (RustSec; `null` when RustSec has none);
 * 3. the CVSS vectors of the CVEs in `affected[].database_specific.cves_map` (Ubuntu USNs), highest;
 * 4. the Ubuntu priority (`"type": "Ubuntu"`): negligible/low/medium/high/critical;
 * 5. `database_specific.severity` (GHSA: LOW/MODERATE/HIGH/CRITICAL), affected entry first;
 * 6. the Ubuntu priorities of the CVEs in `cves_map`, highest;
 * 7. the Red Hat severity word that starts AlmaLinux/Rocky summaries ("Important: openssh security update").
 */
import { scoreCvss, type CvssScore } from './cvss.js';
import type { OsvAffected, OsvRecord, OsvSeverity } from './osv.schema.js';

export type SeverityRating = 'none' | 'low' | 'medium' | 'high' | 'critical' | 'unknown';

export interface RecordSeverity {
  /** The CVSS base score, or null when the rating comes from a word (or nothing). */
  readonly score: number | null;
  readonly rating: SeverityRating;
  /** Where it came from, e.g. `CVSS_V3`, `affected.CVSS_V4`, `Ubuntu`, `database_specific.severity`; `none`. */
  readonly source: string;
  /** The CVSS vector scored, when there is one. */
  readonly vector?: string;
}

const UNKNOWN: RecordSeverity = { score: null, rating: 'unknown', source: 'none' };
const RANK: Record<SeverityRating, number> = { unknown: -1, none: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Words of the feeds (Ubuntu priorities, GHSA levels, Red Hat severities) → rating. */
const WORDS: Readonly<Record<string, SeverityRating>> = {
  negligible: 'low', low: 'low', medium: 'medium', moderate: 'medium', high: 'high', important: 'high', critical: 'critical',
};

/**
 * The severity of `record`, as it applies to `affected` when given (per-package severity first).
 *
 * @example
 *   recordSeverity({ id: 'GHSA-x', modified: '…', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] })
 *   // { score: 9.8, rating: 'critical', source: 'CVSS_V3', vector: 'CVSS:3.1/…' }
 *   recordSeverity({ id: 'GHSA-y', modified: '…', database_specific: { severity: 'MODERATE' } })
 *   // { score: null, rating: 'medium', source: 'database_specific.severity' }
 */
export function recordSeverity(record: OsvRecord, affected?: OsvAffected): RecordSeverity {
  return (
    fromCvssList(affected?.severity, 'affected.') ??
    fromCvssList(record.severity, '') ??
    fromVector(field(affected?.database_specific, 'cvss'), 'affected.database_specific.cvss') ??
    fromVector(field(record.database_specific, 'cvss'), 'database_specific.cvss') ??
    highest(cvesMap(affected).map((severity) => fromCvssList(severity, 'database_specific.cves_map.'))) ??
    fromWordList(affected?.severity, 'affected.Ubuntu') ??
    fromWordList(record.severity, 'Ubuntu') ??
    fromWord(field(affected?.database_specific, 'severity'), 'affected.database_specific.severity') ??
    fromWord(field(record.database_specific, 'severity'), 'database_specific.severity') ??
    highest(cvesMap(affected).map((severity) => fromWordList(severity, 'database_specific.cves_map.Ubuntu'))) ??
    fromWord(/^(Critical|Important|Moderate|Low):/.exec(record.summary ?? '')?.[1], 'summary') ??
    UNKNOWN
  );
}

/** The highest-scored CVSS vector of the preferred type present (V4, then V3, then V2). */
function fromCvssList(list: readonly OsvSeverity[] | undefined, prefix: string): RecordSeverity | null {
  if (!list) return null;
  for (const type of ['CVSS_V4', 'CVSS_V3', 'CVSS_V2']) {
    const found = highest(list.filter((entry) => entry.type === type).map((entry) => fromVector(entry.score, `${prefix}${type}`)));
    if (found) return found;
  }
  return null;
}

function fromVector(vector: unknown, source: string): RecordSeverity | null {
  if (typeof vector !== 'string') return null;
  const scored: CvssScore | null = scoreCvss(vector);
  return scored ? { score: scored.score, rating: scored.rating, source, vector: vector.trim() } : null;
}

function fromWordList(list: readonly OsvSeverity[] | undefined, source: string): RecordSeverity | null {
  if (!list) return null;
  return highest(list.filter((entry) => entry.type === 'Ubuntu').map((entry) => fromWord(entry.score, source)));
}

function fromWord(word: unknown, source: string): RecordSeverity | null {
  if (typeof word !== 'string') return null;
  const rating = WORDS[word.trim().toLowerCase()];
  return rating ? { score: null, rating, source } : null;
}

/** The entry with the highest rating, then score; null when there is none. */
function highest(candidates: ReadonlyArray<RecordSeverity | null>): RecordSeverity | null {
  let best: RecordSeverity | null = null;
  for (const candidate of candidates) {
    if (!candidate) continue;
    if (!best || RANK[candidate.rating] > RANK[best.rating] || (candidate.rating === best.rating && (candidate.score ?? -1) > (best.score ?? -1))) {
      best = candidate;
    }
  }
  return best;
}

function field(object: Readonly<Record<string, unknown>> | undefined, key: string): unknown {
  return object?.[key];
}

/** Ubuntu USNs: `database_specific.cves_map.cves[].severity[]` of an affected entry. */
function cvesMap(affected: OsvAffected | undefined): OsvSeverity[][] {
  const map = field(affected?.database_specific, 'cves_map');
  const cves = typeof map === 'object' && map !== null ? (map as { cves?: unknown }).cves : undefined;
  if (!Array.isArray(cves)) return [];
  const out: OsvSeverity[][] = [];
  for (const cve of cves as unknown[]) {
    const severity = typeof cve === 'object' && cve !== null ? (cve as { severity?: unknown }).severity : undefined;
    if (!Array.isArray(severity)) continue;
    out.push(
      (severity as unknown[]).filter(
        (entry): entry is OsvSeverity =>
          typeof entry === 'object' && entry !== null && typeof (entry as OsvSeverity).type === 'string' && typeof (entry as OsvSeverity).score === 'string',
      ),
    );
  }
  return out;
}
