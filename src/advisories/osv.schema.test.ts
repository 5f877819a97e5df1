import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../test/helpers/components.js';
import { parseOsvRecord } from './osv.schema.js';
import { hasOsvData, loadAllOsv, OSV_DATA_DIR } from '../../test/helpers/osv-fixtures.js';

const base = { id: 'TEST-1', modified: '2024-01-31T12:00:00Z' };
const withEvents = (events: unknown[]) => ({
  ...base,
  affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events }] }],
});

function reason(json: unknown): string {
  const result = parseOsvRecord(json);
  if (result.ok) throw new Error('expected a refusal');
  return result.reason;
}

describe('parseOsvRecord', () => {
  it('accepts the minimal record: id and modified', () => {
    const result = parseOsvRecord(base);
    expect(result).toEqual({ ok: true, record: base });
  });

  it('keeps unknown fields at every level (forward compatible)', () => {
    const json = {
      ...base,
      x_new_top: { a: 1 },
      affected: [{ package: { ecosystem: 'npm', name: 'x', x_pkg: true }, x_aff: 1, ranges: [{ type: 'SEMVER', events: [{ introduced: '0', x_ev: 1 }], x_range: 2 }] }],
      severity: [{ type: 'CVSS_V5', score: 'CVSS:5.0/…' }],
    };
    const result = parseOsvRecord(json);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.record).toMatchObject(json);
  });

  it('reads null in optional fields as absent (RustSec writes "schema_version": null)', () => {
    const result = parseOsvRecord({ ...base, schema_version: null, aliases: null, affected: [{ package: { ecosystem: 'npm', name: 'x' }, database_specific: null }] });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.record.schema_version).toBeUndefined();
  });

  it.each([
    ['an event with two keys', withEvents([{ introduced: '0', fixed: '1.0.2' }]), 'affected[0].ranges[0].events[0]: an event has exactly one key; it has introduced and fixed'],
    ['an event with no key', withEvents([{ introduced: '0' }, {}]), 'affected[0].ranges[0].events[1]: an event needs exactly one of introduced, fixed, last_affected, limit; it has none'],
    ['a range without events', withEvents([]), 'affected[0].ranges[0].events: a range needs at least one event'],
    ['a missing id', { modified: base.modified }, 'id: a record needs an "id" string'],
    ['a missing modified', { id: 'X-1' }, 'X-1: modified: a record needs "modified"'],
    ['a malformed modified', { id: 'X-1', modified: 'yesterday' }, 'X-1: modified: must be an RFC 3339 timestamp'],
    ['affected that is not an array', { ...base, affected: { package: { ecosystem: 'npm', name: 'x' } } }, 'TEST-1: affected: Invalid input: expected array'],
    ['a package without name', { ...base, affected: [{ package: { ecosystem: 'npm' } }] }, 'affected[0].package.name'],
    ['a GIT range without repo', { ...base, affected: [{ ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }] }] }, 'affected[0].ranges[0].repo: a GIT range needs the repository URL'],
    ['a version that is not a string', { ...base, affected: [{ versions: ['1.0', 2] }] }, 'affected[0].versions[1]: Invalid input: expected string'],
  ])('refuses %s with the path and the problem', (_what, json, expected) => {
    expect(reason(json)).toContain(expected);
  });

  it('refuses what is not an object', () => {
    expect(reason([base])).toBe('an OSV record is a JSON object, not an array');
    expect(reason(null)).toBe('an OSV record is a JSON object, not null');
    expect(reason('GHSA')).toBe('an OSV record is a JSON object, not string');
  });

  it('names at most three problems and counts the rest', () => {
    const broken = { id: 'X', modified: 'no', published: 'no', withdrawn: 'no', aliases: 'no', affected: 'no' };
    expect(reason(broken)).toMatch(/^X: modified: .*; published: .*; withdrawn: .* \(and 2 more\)$/);
  });
});

describe('parseOsvRecord on the real records of shared/data/osv', () => {
  const available = requireComponent('OSV test data', hasOsvData(), `expected at ${OSV_DATA_DIR}`);

  it.runIf(available)('accepts all 577 records, quirks included (malformed purl, "fixed": "", null fields)', () => {
    const records = loadAllOsv();
    const refused = records.map((r) => ({ file: r.file, result: parseOsvRecord(r.json) })).filter((r) => !r.result.ok);
    expect(refused).toEqual([]);
    expect(records).toHaveLength(577);
  });
});
