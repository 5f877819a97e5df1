/**
 * Range evaluation on the real records of shared/data/osv (see shared/data/README.md): the PyPI
 * acceptance oracle, and the quirks of the npm, Go, crates.io, Ubuntu and AlmaLinux files.
 */
import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../test/helpers/components.js';
import { parseOsvRecord, type OsvRecord } from './osv.schema.js';
import { affectedRanges, compileAffected, fixedVersions, isAffected } from './ranges.js';
import { hasOsvData, loadOsvFolder, loadPyPiSample, OSV_DATA_DIR, testSchemes } from '../../test/helpers/osv-fixtures.js';

const available = requireComponent('OSV test data', hasOsvData(), `expected at ${OSV_DATA_DIR}`);

function records(load: () => { file: string; json: unknown }[]): Map<string, OsvRecord> {
  const out = new Map<string, OsvRecord>();
  for (const { file, json } of load()) {
    const parsed = parseOsvRecord(json);
    if (!parsed.ok) throw new Error(`${file}: ${parsed.reason}`);
    out.set(parsed.record.id, parsed.record);
  }
  return out;
}
const folder = (name: string) => records(() => loadOsvFolder(name));
const schemesOf = (ecosystem: string) => ({ ecosystem: testSchemes.forEcosystem(ecosystem), semver: testSchemes.semver });

/**
 * Real-data inconsistencies excluded from the acceptance check, by record and version, each with the
 * reason. Nothing else may fail.
 */
const PYPI_EXCLUSIONS: Readonly<Record<string, { versions: readonly string[]; reason: string }>> = {
  'PYSEC-2019-126': {
    versions: ['a3'],
    reason: 'supervisor "a3" is a pre-PEP 440 release: it has no PEP 440 order, so no range can contain it; it is matched through the versions list by string equality (asserted below)',
  },
};

describe.runIf(available)('PyPI acceptance: every listed version lies in the ranges, no fixed version does', () => {
  it('holds for all 402 records of PyPI-sample.zip (ranges alone, versions list ignored)', () => {
    const pypi = records(loadPyPiSample);
    expect(pypi.size).toBe(402);
    const failures: string[] = [];
    const excluded: string[] = [];
    let listed = 0;
    let fixed = 0;
    let recordsWithVersions = 0;
    const warnings: string[] = [];
    for (const record of pypi.values()) {
      let counted = false;
      (record.affected ?? []).forEach((affected, index) => {
        const entry = compileAffected(affected, schemesOf('PyPI'), `${record.id} affected[${index}]`);
        warnings.push(...entry.warnings);
        for (const version of affected.versions ?? []) {
          counted = true;
          if (entry.evaluate(version, { useVersions: false }).affected) listed += 1;
          else if (PYPI_EXCLUSIONS[record.id]?.versions.includes(version)) excluded.push(`${record.id} ${version}`);
          else failures.push(`${record.id} ${affected.package?.name}: listed ${version} is not in the ranges`);
        }
        for (const version of fixedVersions(affected)) {
          fixed += 1;
          if (entry.evaluate(version, { useVersions: false }).affected) failures.push(`${record.id}: fixed ${version} is in the ranges`);
          if (entry.evaluate(version).affected) failures.push(`${record.id}: fixed ${version} is listed in versions`);
        }
      });
      if (counted) recordsWithVersions += 1;
    }
    expect(failures).toEqual([]);
    expect(excluded).toEqual(['PYSEC-2019-126 a3']);
    expect(warnings).toEqual([]);
    // The figures this covers (reported in README.md):
    expect({ recordsWithVersions, listed, fixed }).toEqual({ recordsWithVersions: 393, listed: 22504, fixed: 763 });
  });

  it('the excluded "a3" of PYSEC-2019-126 still matches through the versions list', () => {
    const record = records(loadPyPiSample).get('PYSEC-2019-126')!;
    const affected = record.affected![0]!;
    expect(isAffected(affected, 'a3', schemesOf('PyPI'))).toMatchObject({ affected: true, via: 'versions' });
    expect(isAffected(affected, '4.0.3', schemesOf('PyPI')).affected).toBe(false);
  });

  it('events out of order and several intervals (PYSEC-2018-60 ansible, PYSEC-2023-212 urllib3)', () => {
    const pypi = records(loadPyPiSample);
    const ansible = pypi.get('PYSEC-2018-60')!.affected![0]!;
    expect(['2.5.12', '2.5.13', '2.6.9', '2.6.10', '2.7.3', '2.7.4', '2.7.5', '2.8.0', '2.8.1'].map((v) => isAffected(ansible, v, schemesOf('PyPI')).affected))
      .toEqual([true, false, true, false, true, false, true, true, false]);
    const urllib3 = pypi.get('PYSEC-2023-212')!.affected![0]!;
    expect(['1.26.17', '1.26.18', '2.0.6', '2.0.7'].map((v) => isAffected(urllib3, v, schemesOf('PyPI')).affected)).toEqual([true, false, true, false]);
  });
});

describe.runIf(available)('quirks of the npm records', () => {
  const npm = available ? folder('npm') : new Map<string, OsvRecord>();
  const entry = (id: string, index = 0) => npm.get(id)!.affected![index]!;

  it('"fixed": "" (GHSA-2p99-6f47-8x9j, malware "asnc"): ignored, every version affected', () => {
    const result = isAffected(entry('GHSA-2p99-6f47-8x9j'), '1.0.0', schemesOf('npm'));
    expect(result.affected).toBe(true);
    expect(result.warnings).toEqual(['affected.ranges[0].events[1]: fixed is empty; ignored (the range stays open)']);
    expect(fixedVersions(entry('GHSA-2p99-6f47-8x9j'))).toEqual([]);
  });

  it('the two-value fixed "7.2.4, 6.11.4" (GHSA-h755-8qp9-cq85, protobufjs): closed at 7.2.4, both reported', () => {
    const protobuf = entry('GHSA-h755-8qp9-cq85');
    const evaluate = (v: string) => isAffected(protobuf, v, schemesOf('npm')).affected;
    expect(['6.9.0', '6.10.0', '6.11.3', '7.0.0', '7.2.3', '7.2.4', '7.3.0'].map(evaluate)).toEqual([false, true, true, true, true, false, false]);
    expect(fixedVersions(protobuf)).toEqual(['7.2.4', '6.11.4']);
    expect(affectedRanges(protobuf, schemesOf('npm')).intervals).toEqual([{ type: 'ECOSYSTEM', introduced: '6.10.0', fixed: '7.2.4' }]);
  });

  it('last_affected (GHSA-cchq-frgv-rjh5, vm2 <= 3.9.19)', () => {
    const vm2 = entry('GHSA-cchq-frgv-rjh5');
    expect(['3.9.19', '3.9.20'].map((v) => isAffected(vm2, v, schemesOf('npm')).affected)).toEqual([true, false]);
  });

  it('only introduced (GHSA-67hx-6x53-jw92, babel-traverse: never fixed)', () => {
    const record = npm.get('GHSA-67hx-6x53-jw92')!;
    const traverse = record.affected!.find((a) => a.package?.name === 'babel-traverse')!;
    expect(isAffected(traverse, '6.26.0', schemesOf('npm')).affected).toBe(true);
  });

  it('versions without ranges (GHSA-2q6w-rxf3-4wc9, codify 0.3.1)', () => {
    const codify = entry('GHSA-2q6w-rxf3-4wc9');
    expect(codify.ranges).toBeUndefined();
    expect(isAffected(codify, '0.3.1', schemesOf('npm'))).toMatchObject({ affected: true, via: 'versions' });
    expect(isAffected(codify, '0.3.2', schemesOf('npm')).affected).toBe(false);
  });

  it('several affected entries for one package, out of order (GHSA-pfrx-2q88-qq97, got)', () => {
    const got = npm.get('GHSA-pfrx-2q88-qq97')!.affected!.filter((a) => a.package?.name === 'got');
    expect(got.length).toBeGreaterThan(1);
    const anyAffected = (v: string) => got.some((a) => isAffected(a, v, schemesOf('npm')).affected);
    expect(['11.8.4', '11.8.5', '12.0.0', '12.0.9', '12.1.0'].map(anyAffected)).toEqual([true, false, true, true, false]);
  });

  it('npm pre-releases sort before their release', () => {
    const record = npm.get('GHSA-h755-8qp9-cq85')!;
    expect(isAffected(record.affected![0]!, '7.2.4-beta.1', schemesOf('npm')).affected).toBe(true);
  });
});

describe.runIf(available)('quirks of the Go and crates.io records', () => {
  const go = available ? folder('Go') : new Map<string, OsvRecord>();
  const crates = available ? folder('crates.io') : new Map<string, OsvRecord>();

  it('Go pseudo-versions (GO-2022-0493 golang.org/x/sys fixed at a pseudo-version)', () => {
    const sys = go.get('GO-2022-0493')!.affected!.find((a) => a.package?.name === 'golang.org/x/sys')!;
    expect(isAffected(sys, '0.0.0-20220412000000-aaaaaaaaaaaa', schemesOf('Go')).affected).toBe(true);
    expect(isAffected(sys, '0.0.0-20220412211240-33da011f77ad', schemesOf('Go')).affected).toBe(false);
    expect(isAffected(sys, '0.1.0', schemesOf('Go')).affected).toBe(false);
  });

  it('a pseudo-version introduced with last_affected (GHSA-w73w-5m7g-f7qc jwt-go)', () => {
    const jwt = go.get('GHSA-w73w-5m7g-f7qc')!.affected![0]!;
    expect(['0.0.0-20150101000000-000000000000', '1.0.0', '3.2.0', '3.2.1'].map((v) => isAffected(jwt, v, schemesOf('Go')).affected))
      .toEqual([false, true, true, false]);
  });

  it('the stdlib with two intervals, "1.18.0-0" pre-release bound (GO-2022-0493)', () => {
    const stdlib = go.get('GO-2022-0493')!.affected!.find((a) => a.package?.name === 'stdlib')!;
    expect(['1.17.9', '1.17.10', '1.18.0', '1.18.1', '1.18.2'].map((v) => isAffected(stdlib, v, schemesOf('Go')).affected))
      .toEqual([true, false, true, true, false]);
  });

  it('GHSA-v23v-6jw2-98fq (docker) "introduced": "19.03.0" is not SemVer: the range is dropped with warnings', () => {
    const docker = go.get('GHSA-v23v-6jw2-98fq')!.affected![0]!;
    const result = isAffected(docker, '20.10.24+incompatible', schemesOf('Go'));
    expect(result.affected).toBe(false); // a known false negative of skipping unparseable events (see README)
    expect(result.warnings).toHaveLength(2);
  });

  it('crates.io: empty "versions": [], several intervals with "-0" pre-release bounds (RUSTSEC-2020-0071 time)', () => {
    const time = crates.get('RUSTSEC-2020-0071')!.affected![0]!;
    expect(time.versions).toEqual([]);
    expect(['0.1.44', '0.2.0', '0.2.1-alpha', '0.2.1', '0.2.22', '0.2.23', '0.3.0'].map((v) => isAffected(time, v, schemesOf('crates.io')).affected))
      .toEqual([true, false, true, false, true, false, false]);
  });

  it('an unfixed crate (RUSTSEC-2023-0071 rsa, introduced "0.0.0-0")', () => {
    const rsa = crates.get('RUSTSEC-2023-0071')!.affected![0]!;
    expect(isAffected(rsa, '0.9.6', schemesOf('crates.io')).affected).toBe(true);
  });
});

describe.runIf(available)('quirks of the Ubuntu and AlmaLinux records', () => {
  const ubuntu = available ? folder('Ubuntu') : new Map<string, OsvRecord>();
  const alma = available ? folder('AlmaLinux') : new Map<string, OsvRecord>();

  it('every listed Ubuntu version lies in its ranges and no fixed version does (1,203 versions)', () => {
    let listed = 0;
    const failures: string[] = [];
    for (const record of ubuntu.values()) {
      for (const affected of record.affected ?? []) {
        const entry = compileAffected(affected, schemesOf(affected.package!.ecosystem));
        for (const version of affected.versions ?? []) {
          listed += 1;
          if (!entry.evaluate(version, { useVersions: false }).affected) failures.push(`${record.id} ${version}`);
        }
        for (const fixed of fixedVersions(affected)) if (entry.evaluate(fixed).affected) failures.push(`${record.id} fixed ${fixed}`);
      }
    }
    expect(failures).toEqual([]);
    expect(listed).toBe(1203);
  });

  it('epochs and ~ in Ubuntu fixes (USN-6560-1 openssh 1:8.9p1-3ubuntu0.5; UBUNTU-CVE-2024-21626 runc ~18.04.2+esm1)', () => {
    const openssh = ubuntu.get('USN-6560-1')!.affected!.find((a) => a.package?.ecosystem === 'Ubuntu:22.04:LTS')!;
    const deb = schemesOf('Ubuntu:22.04:LTS');
    expect(['1:8.9p1-3ubuntu0.4', '1:8.9p1-3ubuntu0.5', '1:8.9p1-3ubuntu0.10'].map((v) => isAffected(openssh, v, deb).affected)).toEqual([true, false, false]);
    const runc = ubuntu.get('UBUNTU-CVE-2024-21626')!.affected!.find((a) => a.package?.ecosystem === 'Ubuntu:Pro:18.04:LTS')!;
    expect(['1.1.4-0ubuntu1~18.04.2', '1.1.4-0ubuntu1~18.04.2+esm1'].map((v) => isAffected(runc, v, deb).affected)).toEqual([true, false]);
  });

  it('an Ubuntu entry with "versions": [] still matches through its range (UBUNTU-CVE-2023-4911 glibc on 24.04)', () => {
    const glibc = ubuntu.get('UBUNTU-CVE-2023-4911')!.affected!.find((a) => a.package?.ecosystem === 'Ubuntu:24.04:LTS')!;
    expect(glibc.versions).toEqual([]);
    expect(isAffected(glibc, '2.38-1ubuntu5', schemesOf('Ubuntu:24.04:LTS')).affected).toBe(true);
    expect(isAffected(glibc, '2.38-1ubuntu6', schemesOf('Ubuntu:24.04:LTS')).affected).toBe(false);
  });

  it('rpm epochs in AlmaLinux fixes (ALSA-2022:5099 grub2 1:2.06-27.el9_0.7.alma)', () => {
    const grub = alma.get('ALSA-2022:5099')!.affected!.find((a) => fixedVersions(a)[0]?.startsWith('1:'))!;
    const rpm = schemesOf('AlmaLinux:9');
    expect(['1:2.06-27.el9_0.6', '2.99-1.el9', '1:2.06-27.el9_0.7.alma', '1:2.06-28.el9'].map((v) => isAffected(grub, v, rpm).affected))
      .toEqual([true, true, false, false]);
  });
});
