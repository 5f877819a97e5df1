import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../test/helpers/components.js';
import { parseOsvRecord, type OsvRecord } from './osv.schema.js';
import { recordSeverity } from './severity.js';
import { hasOsvData, loadAllOsv, OSV_DATA_DIR } from '../../test/helpers/osv-fixtures.js';

const base: OsvRecord = { id: 'TEST-1', modified: '2024-01-01T00:00:00Z' };
const V31_CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const V40_HIGH = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N';

describe('recordSeverity', () => {
  it('a CVSS_V3 vector gives its base score and rating', () => {
    expect(recordSeverity({ ...base, severity: [{ type: 'CVSS_V3', score: V31_CRITICAL }] }))
      .toEqual({ score: 9.8, rating: 'critical', source: 'CVSS_V3', vector: V31_CRITICAL });
  });

  it('prefers CVSS_V4 to CVSS_V3, and the affected entry\'s severity to the record\'s', () => {
    const record: OsvRecord = { ...base, severity: [{ type: 'CVSS_V3', score: V31_CRITICAL }, { type: 'CVSS_V4', score: V40_HIGH }] };
    expect(recordSeverity(record)).toMatchObject({ score: 8.7, source: 'CVSS_V4' });
    const affected = { severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N' }] };
    expect(recordSeverity(record, affected)).toMatchObject({ score: 5.9, rating: 'medium', source: 'affected.CVSS_V3' });
  });

  it('several vectors of one type: the highest', () => {
    expect(recordSeverity({ ...base, severity: [
      { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N' },
      { type: 'CVSS_V3', score: V31_CRITICAL },
    ] })).toMatchObject({ score: 9.8 });
  });

  it.each([
    ['an empty score', [{ type: 'CVSS_V3', score: '' }]],
    ['a malformed vector', [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }]],
    ['an unknown type', [{ type: 'CVSS_V9', score: 'x' }]],
    ['an empty list', []],
  ])('%s gives no severity, never a crash', (_what, severity) => {
    expect(recordSeverity({ ...base, severity })).toEqual({ score: null, rating: 'unknown', source: 'none' });
  });

  it('a malformed vector falls through to the next source', () => {
    expect(recordSeverity({ ...base, severity: [{ type: 'CVSS_V3', score: 'garbage' }], database_specific: { severity: 'HIGH' } }))
      .toEqual({ score: null, rating: 'high', source: 'database_specific.severity' });
  });

  it.each([
    ['negligible', 'low'], ['low', 'low'], ['medium', 'medium'], ['high', 'high'], ['critical', 'critical'], ['untriaged', 'unknown'],
  ])('the Ubuntu priority %s → %s', (word, rating) => {
    expect(recordSeverity({ ...base, severity: [{ type: 'Ubuntu', score: word }] }).rating).toBe(rating);
  });

  it.each([['LOW', 'low'], ['MODERATE', 'medium'], ['HIGH', 'high'], ['CRITICAL', 'critical']])('GHSA database_specific.severity %s → %s', (word, rating) => {
    expect(recordSeverity({ ...base, database_specific: { severity: word } })).toEqual({ score: null, rating, source: 'database_specific.severity' });
  });

  it('RustSec: database_specific.cvss, and "cvss": null gives nothing from it', () => {
    expect(recordSeverity(base, { database_specific: { cvss: V31_CRITICAL } })).toMatchObject({ score: 9.8, source: 'affected.database_specific.cvss' });
    expect(recordSeverity(base, { database_specific: { cvss: null, informational: 'unsound' } }).rating).toBe('unknown');
  });

  it('Red Hat words of AlmaLinux summaries', () => {
    expect(recordSeverity({ ...base, summary: 'Important: openssh security update' })).toEqual({ score: null, rating: 'high', source: 'summary' });
  });
});

describe('recordSeverity on the real records', () => {
  const available = requireComponent('OSV test data', hasOsvData(), `expected at ${OSV_DATA_DIR}`);
  const byId = new Map<string, OsvRecord>();
  if (available) {
    for (const { json } of loadAllOsv()) {
      const parsed = parseOsvRecord(json);
      if (parsed.ok) byId.set(parsed.record.id, parsed.record);
    }
  }
  const severityOf = (id: string, affectedIndex?: number) => {
    const record = byId.get(id)!;
    return recordSeverity(record, affectedIndex === undefined ? undefined : record.affected![affectedIndex]);
  };

  it.runIf(available)('never throws on any of the 577 records, and rates most of them', () => {
    const ratings = [...byId.values()].map((record) => recordSeverity(record, record.affected?.[0]).rating);
    expect(ratings).toHaveLength(577);
    expect(ratings.filter((r) => r === 'unknown').length).toBeLessThan(400);
  });

  it.runIf(available)('GHSA with CVSS_V3 (GHSA-jfh8-c2jp-5v3q, log4shell): 10.0 critical', () => {
    expect(severityOf('GHSA-jfh8-c2jp-5v3q')).toMatchObject({ score: 10, rating: 'critical', source: 'CVSS_V3' });
  });

  it.runIf(available)('GHSA with CVSS_V4 (GHSA-9cwx-2883-4wfx, vite)', () => {
    expect(severityOf('GHSA-9cwx-2883-4wfx').source).toBe('CVSS_V4');
  });

  it.runIf(available)('a GHSA record without vector falls back to database_specific.severity (GHSA-h755-8qp9-cq85: HIGH)', () => {
    expect(severityOf('GHSA-h755-8qp9-cq85', 0)).toEqual({ score: null, rating: 'high', source: 'database_specific.severity' });
    expect(severityOf('GHSA-8r3f-844c-mc37', 0)).toEqual({ score: null, rating: 'medium', source: 'database_specific.severity' });
  });

  it.runIf(available)('a USN without top-level severity uses the CVEs of cves_map (USN-6560-1: Terrapin 5.9)', () => {
    expect(severityOf('USN-6560-1', 0)).toMatchObject({ score: 5.9, rating: 'medium', source: 'database_specific.cves_map.CVSS_V3' });
  });

  it.runIf(available)('RustSec "cvss": null with an empty severity list gives no rating (RUSTSEC-2021-0145 atty)', () => {
    expect(severityOf('RUSTSEC-2021-0145', 0)).toEqual({ score: null, rating: 'unknown', source: 'none' });
  });

  it.runIf(available)('an AlmaLinux erratum is rated from its summary (ALSA-2024:4312 "Important: openssh")', () => {
    expect(severityOf('ALSA-2024:4312', 0)).toMatchObject({ rating: 'high', source: 'summary' });
  });

  it.runIf(available)('an Ubuntu CVE record prefers its CVSS vector to its Ubuntu priority (UBUNTU-CVE-2024-21626)', () => {
    expect(severityOf('UBUNTU-CVE-2024-21626', 0)).toMatchObject({ score: 8.6, rating: 'high', source: 'CVSS_V3' });
  });
});
