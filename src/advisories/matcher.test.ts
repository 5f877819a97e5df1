import { describe, expect, it } from 'vitest';
import { isAppError } from '../domain/errors.js';
import type { VersionScheme } from '../versioning/index.js';
import { AdvisoryIndex, type SchemeSource } from './matcher.js';
import { parseOsvRecord, type OsvEvent, type OsvRecord } from './osv.schema.js';
import { hasOsvData, loadAllOsv, OSV_DATA_DIR, testSchemes } from '../../test/helpers/osv-fixtures.js';
import { requireComponent } from '../../test/helpers/components.js';

const available = requireComponent('OSV test data', hasOsvData(), `expected at ${OSV_DATA_DIR}`);

function realIndex(): { index: AdvisoryIndex; byId: Map<string, OsvRecord> } {
  const index = new AdvisoryIndex();
  const byId = new Map<string, OsvRecord>();
  for (const { file, json } of loadAllOsv()) {
    const parsed = parseOsvRecord(json);
    if (!parsed.ok) throw new Error(`${file}: ${parsed.reason}`);
    byId.set(parsed.record.id, parsed.record);
    index.add(parsed.record);
  }
  return { index, byId };
}

const record = (id: string, ecosystem: string, name: string, events: OsvEvent[], extra: Partial<OsvRecord> = {}): OsvRecord => ({
  id,
  modified: '2024-01-01T00:00:00Z',
  affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events }] }],
  ...extra,
});

describe.runIf(available)('AdvisoryIndex on the real records', () => {
  const { index } = available ? realIndex() : { index: new AdvisoryIndex() };
  const ids = (findings: readonly { advisoryId: string }[]) => findings.map((f) => f.advisoryId);

  it('indexes every record, skipping (and counting) the entries of ecosystems without a scheme', () => {
    const stats = index.stats();
    expect(stats.records).toBe(575); // 577 less the 2 withdrawn PyPI records
    expect(stats.withdrawn).toBe(2);
    expect(stats.unknownEcosystems).toEqual({ Maven: 57, RubyGems: 4, NuGet: 1 });
    expect(stats.entries).toBe(860 - 2 - 62); // all affected entries, less the withdrawn records' and the unknown ecosystems'
  });

  it('Ubuntu: a binary package matches the USNs of its source package, by source version', () => {
    const findings = index.match({ ecosystem: 'Ubuntu:22.04:LTS', name: 'libssl3', version: '3.0.2-0ubuntu1.9', sourceName: 'openssl', sourceVersion: '3.0.2-0ubuntu1.9' });
    expect(ids(findings)).toEqual(['USN-6119-1', 'USN-6450-1', 'USN-6622-1', 'USN-6986-1']);
    expect(findings[0]).toMatchObject({
      advisoryId: 'USN-6119-1',
      cves: ['CVE-2023-1255', 'CVE-2023-2650'],
      ecosystem: 'Ubuntu:22.04:LTS',
      packageName: 'openssl',
      fixedVersions: ['3.0.2-0ubuntu1.10'],
      lowestFixed: '3.0.2-0ubuntu1.10',
      matchedVia: 'source',
    });
    // the binary name alone is not what Ubuntu publishes
    expect(index.match({ ecosystem: 'Ubuntu:22.04:LTS', name: 'libssl3', version: '3.0.2-0ubuntu1.9' })).toEqual([]);
    // fixed by the source version
    expect(index.match({ ecosystem: 'Ubuntu:22.04:LTS', name: 'libssl3', version: '3.0.2-0ubuntu1.18', sourceName: 'openssl' })).toEqual([]);
  });

  it('Ubuntu: a binary whose name is its source matches by name; the release counts', () => {
    const jammy = index.match({ ecosystem: 'Ubuntu:22.04:LTS', name: 'curl', version: '7.81.0-1ubuntu1.10' });
    expect(ids(jammy)).toContain('USN-6237-1');
    expect(jammy.every((f) => f.matchedVia === 'name' && f.ecosystem === 'Ubuntu:22.04:LTS')).toBe(true);
    const focalFix = index.match({ ecosystem: 'Ubuntu:20.04:LTS', name: 'curl', version: '7.68.0-1ubuntu2.23' });
    expect(ids(focalFix)).not.toContain('USN-6944-1');
  });

  it('Ubuntu Pro: a host on 18.04 sees the fixes published for Ubuntu:Pro:18.04:LTS (with or without ":LTS")', () => {
    for (const ecosystem of ['Ubuntu:18.04:LTS', 'Ubuntu:18.04', 'Ubuntu:Pro:18.04:LTS']) {
      const findings = index.match({ ecosystem, name: 'runc', version: '1.1.4-0ubuntu1~18.04.2' });
      const runc = findings.find((f) => f.advisoryId === 'UBUNTU-CVE-2024-21626');
      expect(runc).toMatchObject({ ecosystem: 'Ubuntu:Pro:18.04:LTS', lowestFixed: '1.1.4-0ubuntu1~18.04.2+esm1', severity: { rating: 'high', score: 8.6 } });
    }
  });

  it('AlmaLinux records name binary RPMs: an instance matches by its own name even with a source name', () => {
    const findings = index.match({ ecosystem: 'AlmaLinux:9', name: 'libcurl', version: '7.76.1-14.el9', sourceName: 'curl' });
    expect(findings.find((f) => f.advisoryId === 'ALSA-2022:6157')).toMatchObject({ matchedVia: 'name', packageName: 'libcurl', cves: ['CVE-2022-32206', 'CVE-2022-32207', 'CVE-2022-32208'] });
    expect(index.match({ ecosystem: 'AlmaLinux:8', name: 'libcurl', version: '7.76.1-14.el9' })).toEqual([]);
  });

  it('PyPI names are PEP 503-normalised on both sides', () => {
    const a = index.match({ ecosystem: 'PyPI', name: 'Django', version: '1.4.1' });
    const b = index.match({ ecosystem: 'PyPI', name: 'django', version: '1.4.1' });
    expect(a.length).toBeGreaterThan(0);
    expect(ids(a)).toEqual(ids(b));
    expect(index.match({ ecosystem: 'PyPI', name: 'Django_CMS', version: '3.0.0' }).map((f) => f.packageName)).toContain('django-cms');
  });

  it('one finding per advisory when a record has several entries for the package (GHSA-fg7r-2g4j-5cgr tokio)', () => {
    const at = (version: string) => index.match({ ecosystem: 'crates.io', name: 'tokio', version }).find((f) => f.advisoryId === 'GHSA-fg7r-2g4j-5cgr');
    expect(at('1.9.5')).toMatchObject({ fixedVersions: ['1.8.4', '1.13.1'], lowestFixed: '1.13.1' });
    expect(at('1.8.0')).toMatchObject({ lowestFixed: '1.8.4' });
    expect(at('1.8.4')).toBeUndefined();
    expect(index.match({ ecosystem: 'crates.io', name: 'tokio', version: '1.9.5' }).filter((f) => f.advisoryId === 'GHSA-fg7r-2g4j-5cgr')).toHaveLength(1);
  });

  it('the two-value fixed of protobufjs proposes a fix that is itself unaffected', () => {
    const finding = index.match({ ecosystem: 'npm', name: 'protobufjs', version: '6.10.1' })[0];
    expect(finding).toMatchObject({ advisoryId: 'GHSA-h755-8qp9-cq85', fixedVersions: ['7.2.4', '6.11.4'], lowestFixed: '7.2.4', severity: { rating: 'high' } });
  });

  it('an unfixed advisory has no lowestFixed (RUSTSEC-2023-0071 rsa)', () => {
    expect(index.match({ ecosystem: 'crates.io', name: 'rsa', version: '0.9.6' })[0]).toMatchObject({ fixedVersions: [], lowestFixed: null });
  });

  it('withdrawn records are never matched (PYSEC-2019-144)', () => {
    expect(index.get('PYSEC-2019-144')).toBeUndefined();
  });

  it('an instance of an ecosystem without a scheme gets a clear error; a distro instance needs its release', () => {
    const error = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      throw new Error('expected an error');
    };
    const maven = error(() => index.match({ ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1' }));
    expect(isAppError(maven, 'validation')).toBe(true);
    expect((maven as Error).message).toMatch(/^Unknown ecosystem "Maven": Patchwarden has no version scheme for it/);
    const ubuntu = error(() => index.match({ ecosystem: 'Ubuntu', name: 'curl', version: '7.81.0-1ubuntu1.10' }));
    expect((ubuntu as Error).message).toBe('Ecosystem "Ubuntu" names no release; Ubuntu advisories are published per release, so give it, e.g. "Ubuntu:22.04:LTS".');
  });
});

describe('AdvisoryIndex: lifecycle and memoisation', () => {
  it('a later modified replaces, an earlier one is ignored, withdrawn removes, remove removes', () => {
    const index = new AdvisoryIndex();
    const v1 = record('GHSA-1', 'npm', 'left-pad', [{ introduced: '0' }, { fixed: '1.0.0' }], { modified: '2024-01-01T00:00:00Z' });
    const v2 = record('GHSA-1', 'npm', 'left-pad', [{ introduced: '0' }, { fixed: '2.0.0' }], { modified: '2024-02-01T00:00:00Z' });
    const at = (version: string) => index.match({ ecosystem: 'npm', name: 'left-pad', version }).map((f) => f.lowestFixed);
    expect(index.add(v1).status).toBe('added');
    expect(at('1.5.0')).toEqual([]);
    expect(index.add(v2).status).toBe('replaced');
    expect(at('1.5.0')).toEqual(['2.0.0']); // the memo was cleared
    expect(index.add(v1).status).toBe('ignored');
    expect(at('1.5.0')).toEqual(['2.0.0']);
    expect(index.add({ ...v2, modified: '2024-03-01T00:00:00Z', withdrawn: '2024-03-01T00:00:00Z' }).status).toBe('withdrawn');
    expect(at('1.5.0')).toEqual([]);
    index.add(v2);
    expect(index.remove('GHSA-1')).toBe(true);
    expect(index.remove('GHSA-1')).toBe(false);
    expect(at('1.5.0')).toEqual([]);
  });

  it('a release-less distro record applies to every release', () => {
    const index = new AdvisoryIndex();
    index.add(record('ALSA-X', 'AlmaLinux', 'openssl', [{ introduced: '0' }, { fixed: '1:3.0.7-1.el9' }]));
    expect(index.match({ ecosystem: 'AlmaLinux:9', name: 'openssl', version: '1:3.0.1-1.el9' })).toHaveLength(1);
    expect(index.match({ ecosystem: 'AlmaLinux', name: 'openssl', version: '1:3.0.1-1.el9' })).toHaveLength(1);
  });

  it('Debian: a binNMU binary matches through its source version', () => {
    const index = new AdvisoryIndex();
    index.add(record('DSA-1', 'Debian:12', 'glib2.0', [{ introduced: '0' }, { fixed: '2.74.6-2+deb12u1' }]));
    const instance = { ecosystem: 'Debian:12', name: 'libglib2.0-0', version: '2.74.6-2+b1', sourceName: 'glib2.0', sourceVersion: '2.74.6-2' };
    expect(index.match(instance)).toMatchObject([{ advisoryId: 'DSA-1', matchedVia: 'source', lowestFixed: '2.74.6-2+deb12u1' }]);
    expect(index.match({ ...instance, ecosystem: 'Debian:11' })).toEqual([]);
  });

  it('a record entry whose ecosystem has no scheme is skipped at add, with a counted warning', () => {
    const index = new AdvisoryIndex();
    const result = index.add({
      id: 'GHSA-multi',
      modified: '2024-01-01T00:00:00Z',
      affected: [
        { package: { ecosystem: 'Maven', name: 'org.x:y' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] },
        { package: { ecosystem: 'npm', name: 'y' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] },
      ],
    });
    expect(result).toEqual({ status: 'added', entries: 1, skipped: 1, warnings: ['GHSA-multi affected[0]: ecosystem "Maven" has no version scheme; entry skipped'] });
    expect(index.stats().unknownEcosystems).toEqual({ Maven: 1 });
    expect(index.match({ ecosystem: 'npm', name: 'y', version: '1.0.0' })).toHaveLength(1);
  });

  it('unique (ecosystem, name, version) tuples are evaluated once, however many instances share them', () => {
    let compares = 0;
    const counting = (scheme: VersionScheme): VersionScheme => ({
      name: scheme.name,
      isValid: (v) => scheme.isValid(v),
      compare: (a, b) => {
        compares += 1;
        return scheme.compare(a, b);
      },
    });
    const npm = counting(testSchemes.forEcosystem('npm'));
    const schemes: SchemeSource = { forEcosystem: () => npm };
    const index = new AdvisoryIndex({ schemes });
    for (let i = 0; i < 50; i += 1) index.add(record(`GHSA-${i}`, 'npm', `pkg-${i % 10}`, [{ introduced: `${i}.0.0` }, { fixed: `${i}.5.0` }]));
    const instances = Array.from({ length: 10_000 }, (_, i) => ({ ecosystem: 'npm', name: `pkg-${i % 10}`, version: `${i % 20}.1.0` }));
    const first = index.matchMany(instances.slice(0, 20));
    const comparesForUniqueTuples = compares;
    const all = index.matchMany(instances);
    expect(compares).toBe(comparesForUniqueTuples); // 9,980 more instances, no more comparisons
    expect(index.stats().memoized).toBe(20);
    expect(all[20]).toBe(first[0]); // shared, read-only results
    expect(all[5]!.map((f) => f.advisoryId)).toEqual(['GHSA-5']);
  });
});
