import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../test/helpers/components.js';
import { cveOf, recordAliases } from './aliases.js';
import { parseOsvRecord, type OsvRecord } from './osv.schema.js';
import { hasOsvData, loadOsvFolder, OSV_DATA_DIR } from '../../test/helpers/osv-fixtures.js';

const record = (fields: Partial<OsvRecord>): OsvRecord => ({ id: 'GHSA-aaaa-bbbb-cccc', modified: '2024-01-01T00:00:00Z', ...fields });

describe('cveOf', () => {
  it.each([
    ['CVE-2024-6387', 'CVE-2024-6387'],
    ['UBUNTU-CVE-2023-4911', 'CVE-2023-4911'],
    ['DEBIAN-CVE-2024-12345', 'CVE-2024-12345'],
    [' CVE-2021-44228 ', 'CVE-2021-44228'],
    ['GHSA-jfh8-c2jp-5v3q', null],
    ['USN-6560-1', null],
    ['CVE-24-1', null],
    ['cve-2024-6387', null],
  ])('%j → %j', (id, expected) => expect(cveOf(id)).toBe(expected));
});

describe('recordAliases', () => {
  it('splits aliases into CVEs and the others', () => {
    expect(recordAliases(record({ aliases: ['CVE-2019-15551', 'GHSA-mm7v-vpv8-xfc3', 'PYSEC-2019-1'] })))
      .toEqual({ cves: ['CVE-2019-15551'], aliases: ['GHSA-mm7v-vpv8-xfc3', 'PYSEC-2019-1'] });
  });

  it('takes CVEs from related and upstream, but not their other ids', () => {
    expect(recordAliases(record({ related: ['CVE-2024-2398', 'USN-6718-1'], upstream: ['UBUNTU-CVE-2024-2004'] })))
      .toEqual({ cves: ['CVE-2024-2004', 'CVE-2024-2398'], aliases: [] });
  });

  it('the record\'s own id counts when it names a CVE; CVEs are distinct and in numeric order', () => {
    expect(recordAliases(record({ id: 'UBUNTU-CVE-2023-38545', related: ['CVE-2023-38545', 'CVE-2023-9999', 'CVE-2023-10000'] })).cves)
      .toEqual(['CVE-2023-9999', 'CVE-2023-10000', 'CVE-2023-38545']);
  });

  it('no duplicates, no empty ids, not the record itself', () => {
    expect(recordAliases(record({ aliases: ['GHSA-x', 'GHSA-x', '', 'GHSA-aaaa-bbbb-cccc'] })).aliases).toEqual(['GHSA-x']);
  });
});

describe('recordAliases on the real records', () => {
  const available = requireComponent('OSV test data', hasOsvData(), `expected at ${OSV_DATA_DIR}`);
  const load = (folder: string, id: string): OsvRecord => {
    const found = loadOsvFolder(folder).map((r) => parseOsvRecord(r.json)).find((p) => p.ok && p.record.id === id);
    if (!found?.ok) throw new Error(`${id} not found`);
    return found.record;
  };

  it.runIf(available)('AlmaLinux puts CVEs in related (ALSA-2022:6157)', () => {
    expect(recordAliases(load('AlmaLinux', 'ALSA-2022:6157')).cves).toEqual(['CVE-2022-32206', 'CVE-2022-32207', 'CVE-2022-32208']);
  });

  it.runIf(available)('a USN has its CVEs only as UBUNTU-CVE ids in upstream (USN-6560-1)', () => {
    expect(recordAliases(load('Ubuntu', 'USN-6560-1'))).toEqual({ cves: ['CVE-2023-28531', 'CVE-2023-48795'], aliases: [] });
  });

  it.runIf(available)('an Ubuntu CVE record: its own id, related and upstream (UBUNTU-CVE-2024-21626)', () => {
    expect(recordAliases(load('Ubuntu', 'UBUNTU-CVE-2024-21626')).cves).toEqual(['CVE-2024-21626']);
  });

  it.runIf(available)('GHSA: CVE and other aliases (RUSTSEC-2019-0009)', () => {
    expect(recordAliases(load('crates.io', 'RUSTSEC-2019-0009'))).toEqual({ cves: ['CVE-2019-15551'], aliases: ['GHSA-mm7v-vpv8-xfc3'] });
  });
});
