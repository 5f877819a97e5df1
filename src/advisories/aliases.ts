/**
 * The CVE ids and other aliases of an OSV record. Pure.
 *
 * Feeds put CVEs in different places: GHSA and PyPA in `aliases`, AlmaLinux and Ubuntu CVE records in
 * `related`, Ubuntu CVE records and USNs in `upstream` (USNs only as `UBUNTU-CVE-…` ids). A distro's
 * CVE record id (`UBUNTU-CVE-2024-6387`, `DEBIAN-CVE-…`, `ALPINE-CVE-…`) names its CVE, so it counts
 * as that CVE, and so does the record's own id when it is one.
 */
import type { OsvRecord } from './osv.schema.js';

const CVE = /^CVE-\d{4}-\d{4,}$/;
/** `UBUNTU-CVE-2024-6387` → `CVE-2024-6387`. */
const DISTRO_CVE = /^[A-Z][A-Z0-9]*-(CVE-\d{4}-\d{4,})$/;

export interface RecordAliases {
  /** CVE ids, sorted, no duplicates. */
  readonly cves: readonly string[];
  /** The other ids of `aliases` (GHSA, PYSEC, GO, RUSTSEC, ...), in record order, no duplicates. */
  readonly aliases: readonly string[];
}

/**
 * The CVE id an id names: itself when it is a CVE id, the embedded CVE of a distro CVE record id,
 * otherwise null.
 *
 * @example
 *   cveOf('UBUNTU-CVE-2023-4911') // 'CVE-2023-4911'
 *   cveOf('GHSA-jfh8-c2jp-5v3q')  // null
 */
export function cveOf(id: string): string | null {
  const trimmed = id.trim();
  if (CVE.test(trimmed)) return trimmed;
  return DISTRO_CVE.exec(trimmed)?.[1] ?? null;
}

/**
 * The CVEs of a record (from its id, `aliases`, `related` and `upstream`) apart from its other
 * aliases (non-CVE ids of `aliases` only: `related` and `upstream` ids are other vulnerabilities).
 *
 * @example
 *   recordAliases({ id: 'ALSA-2024:4312', modified: '…', related: ['CVE-2024-6387'] })
 *   // { cves: ['CVE-2024-6387'], aliases: [] }
 */
export function recordAliases(record: Pick<OsvRecord, 'id' | 'aliases' | 'related' | 'upstream'>): RecordAliases {
  const cves = new Set<string>();
  const aliases: string[] = [];
  const ownCve = cveOf(record.id);
  if (ownCve !== null) cves.add(ownCve);
  for (const id of record.aliases ?? []) {
    const cve = cveOf(id);
    if (cve !== null) cves.add(cve);
    else if (id.trim() !== '' && id !== record.id && !aliases.includes(id)) aliases.push(id);
  }
  for (const id of [...(record.related ?? []), ...(record.upstream ?? [])]) {
    const cve = cveOf(id);
    if (cve !== null) cves.add(cve);
  }
  return { cves: [...cves].sort(compareCve), aliases };
}

/** CVE ids in numeric order (CVE-2021-9999 before CVE-2021-10000). */
function compareCve(a: string, b: string): number {
  const [, ay = '', an = ''] = a.split('-');
  const [, by = '', bn = ''] = b.split('-');
  return ay === by ? Number(an) - Number(bn) : ay < by ? -1 : 1;
}
