import { describe, expect, it } from 'vitest';
import type { OsvAffected, OsvEvent } from './osv.schema.js';
import { affectedRanges, compileAffected, fixedVersions, isAffected, lowestFixedAbove } from './ranges.js';
import { testSchemes } from '../../test/helpers/osv-fixtures.js';

const npm = testSchemes.forEcosystem('npm');
const pypi = testSchemes.forEcosystem('PyPI');
const ubuntu = testSchemes.forEcosystem('Ubuntu:22.04:LTS');
const range = (events: OsvEvent[], type = 'ECOSYSTEM'): OsvAffected => ({ ranges: [{ type, events }] });
const affected = (entry: OsvAffected, version: string, scheme = npm) => isAffected(entry, version, scheme).affected;

describe('isAffected: the spec examples (docs/schema.md "Evaluation")', () => {
  const table: [string, OsvEvent[], [string, boolean][]][] = [
    ['introduced 0: every version', [{ introduced: '0' }], [['0.0.1', true], ['1.0.0', true], ['99.0.0', true], ['1.0.0-alpha', true]]],
    ['introduced 0, fixed 1.0.2: < 1.0.2', [{ introduced: '0' }, { fixed: '1.0.2' }], [['0.0.0', true], ['1.0.1', true], ['1.0.2-rc.1', true], ['1.0.2', false], ['1.0.3', false]]],
    ['two intervals [1.0.0,1.0.2) ∪ [3.0.0,3.2.5)', [{ introduced: '1.0.0' }, { fixed: '1.0.2' }, { introduced: '3.0.0' }, { fixed: '3.2.5' }],
      [['0.9.9', false], ['1.0.0', true], ['1.0.1', true], ['1.0.2', false], ['2.9.9', false], ['3.0.0', true], ['3.2.4', true], ['3.2.5', false], ['4.0.0', false]]],
    ['last_affected 2.1.214: <= 2.1.214', [{ introduced: '0' }, { last_affected: '2.1.214' }], [['2.1.213', true], ['2.1.214', true], ['2.1.215', false]]],
    ['introduced only (unfixed)', [{ introduced: '2.0.0' }], [['1.9.9', false], ['2.0.0', true], ['9.9.9', true]]],
    ['events out of order are sorted', [{ fixed: '3.2.5' }, { introduced: '3.0.0' }, { fixed: '1.0.2' }, { introduced: '1.0.0' }],
      [['1.0.1', true], ['1.0.2', false], ['3.1.0', true], ['3.2.5', false]]],
    ['introduced and fixed at one version: empty', [{ introduced: '1.0.0' }, { fixed: '1.0.0' }], [['1.0.0', false], ['0.9.0', false]]],
  ];
  describe.each(table)('%s', (_name, events, cases) => {
    it.each(cases)('%s → %s', (version, expected) => {
      expect(affected(range(events), version)).toBe(expected);
      expect(affected(range(events, 'SEMVER'), version)).toBe(expected);
    });
  });
});

describe('isAffected: limit', () => {
  const limited = range([{ introduced: '0' }, { limit: '2.0.0' }]);
  it.each([['1.9.9', true], ['2.0.0', false], ['2.5.0', false]])('introduced 0, limit 2.0.0: %s → %s', (version, expected) => {
    expect(affected(limited, version)).toBe(expected);
  });
  it('a range is considered when V is below any of several limits', () => {
    const two = range([{ introduced: '1.0.0' }, { limit: '1.5.0' }, { limit: '3.0.0' }]);
    expect(affected(two, '2.0.0')).toBe(true);
    expect(affected(two, '3.0.0')).toBe(false);
  });
  it('"*" is infinity; no limit means unlimited', () => {
    expect(affected(range([{ introduced: '1.0.0' }, { limit: '*' }]), '99.0.0')).toBe(true);
    expect(affected(range([{ introduced: '1.0.0' }, { limit: '2.0.0' }, { limit: '*' }]), '99.0.0')).toBe(true);
  });
  it('a limit does not end an interval by itself: fixed still does', () => {
    const entry = range([{ introduced: '1.0.0' }, { fixed: '1.2.0' }, { limit: '2.0.0' }]);
    expect(affected(entry, '1.1.0')).toBe(true);
    expect(affected(entry, '1.5.0')).toBe(false);
  });
});

describe('isAffected: several ranges, versions, GIT', () => {
  it('ranges are OR-ed', () => {
    const entry: OsvAffected = { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }, { type: 'ECOSYSTEM', events: [{ introduced: '2.0.0' }, { fixed: '2.1.0' }] }] };
    expect(['0.5.0', '1.5.0', '2.0.5', '2.1.0'].map((v) => affected(entry, v))).toEqual([true, false, true, false]);
  });

  it('versions: exact membership by the scheme\'s equality (PEP 440: 1.0 == 1.0.0 == 1.0.0.0)', () => {
    const entry: OsvAffected = { versions: ['1.0', '2.0.post1'] };
    expect(isAffected(entry, '1.0.0', pypi)).toMatchObject({ affected: true, via: 'versions' });
    expect(isAffected(entry, '1.0.0.0', pypi).affected).toBe(true);
    expect(isAffected(entry, '2.0-1', pypi).affected).toBe(true); // 2.0-1 is 2.0.post1
    expect(isAffected(entry, '1.0.1', pypi).affected).toBe(false);
  });

  it('versions: string equality for listed versions that do not parse (and for instance versions that do not)', () => {
    const entry: OsvAffected = { versions: ['a3', '1.0'] };
    expect(isAffected(entry, 'a3', pypi)).toMatchObject({ affected: true, via: 'versions' });
    expect(isAffected(entry, 'A3', pypi).affected).toBe(false);
  });

  it('GIT ranges count only through versions', () => {
    const entry: OsvAffected = {
      ranges: [{ type: 'GIT', repo: 'https://github.com/x/y', events: [{ introduced: '0' }, { fixed: '4e334d9cf2a1daff685893e35e72398437df3dcb' }] }],
      versions: ['1.2.0'],
    };
    expect(affected(entry, '1.2.0')).toBe(true);
    expect(affected(entry, '1.1.0')).toBe(false);
    expect(affected(entry, '0.0.1')).toBe(false);
    expect(compileAffected(entry, { ecosystem: npm }).warnings).toEqual([]);
  });

  it('useVersions: false evaluates the ranges alone', () => {
    const entry: OsvAffected = { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0.0' }] }], versions: ['1.0.0'] };
    expect(isAffected(entry, '1.0.0', npm, { useVersions: false }).affected).toBe(false);
    expect(isAffected(entry, '1.0.0', npm).affected).toBe(true);
  });

  it('an entry with neither ranges nor versions matches nothing', () => {
    expect(affected({}, '1.0.0')).toBe(false);
  });

  it('SEMVER ranges use SemVer even in a non-SemVer ecosystem (the registry\'s semver by default)', () => {
    const entry = range([{ introduced: '1.0.0' }, { fixed: '1.10.0' }], 'SEMVER');
    expect(isAffected(entry, '1.9.0', ubuntu)).toEqual({ affected: true, via: 'ranges', warnings: [] });
    expect(isAffected(entry, '1.10.0', { ecosystem: ubuntu, semver: testSchemes.semver }).affected).toBe(false);
    // a Debian-only version form is no SemVer version: the SEMVER range cannot contain it
    expect(isAffected(entry, '1:1.5.0-1', ubuntu).affected).toBe(false);
  });

  it('SEMVER ranges in Go use Go\'s flavour (the "v" prefix)', () => {
    const go = testSchemes.forEcosystem('Go');
    expect(isAffected(range([{ introduced: '0' }, { fixed: '1.6.0' }], 'SEMVER'), 'v1.5.0', go).affected).toBe(true);
  });

  it('an instance version that does not parse lies in no range', () => {
    expect(isAffected(range([{ introduced: '0' }]), 'not a version', npm).affected).toBe(false);
  });
});

describe('isAffected: dirty data', () => {
  it('an event that does not parse is skipped with a warning', () => {
    const result = isAffected(range([{ introduced: '1.0.0' }, { fixed: 'banana' }]), '5.0.0', npm);
    expect(result.affected).toBe(true);
    expect(result.warnings).toEqual(['affected.ranges[0].events[1]: fixed "banana" is not a valid semver version; skipped (the range may stay open past it)']);
  });

  it('a skipped introduced leaves a range that matches nothing, and says so', () => {
    const result = isAffected(range([{ introduced: '19.03.0' }, { fixed: '23.0.15' }]), '20.10.0', npm);
    expect(result.affected).toBe(false);
    expect(result.warnings).toEqual([
      'affected.ranges[0].events[0]: introduced "19.03.0" is not a valid semver version; skipped (affected versions from it on may be missed)',
      'affected.ranges[0]: no usable introduced event; the range matches no version',
    ]);
  });

  it('"fixed": "" is ignored: the range stays open', () => {
    const result = isAffected(range([{ introduced: '0' }, { fixed: '' }]), '99.0.0', npm);
    expect(result).toMatchObject({ affected: true, warnings: ['affected.ranges[0].events[1]: fixed is empty; ignored (the range stays open)'] });
  });

  it('a two-value fixed "7.2.4, 6.11.4" closes the range at the highest value and reports both as fixes', () => {
    const entry = range([{ introduced: '6.10.0' }, { fixed: '7.2.4, 6.11.4' }]);
    expect(['6.9.0', '6.10.0', '6.11.3', '7.0.0', '7.2.3', '7.2.4'].map((v) => affected(entry, v))).toEqual([false, true, true, true, true, false]);
    expect(affected(entry, '6.11.4')).toBe(true); // the price of not missing 7.0.0–7.2.3
    expect(fixedVersions(entry)).toEqual(['7.2.4', '6.11.4']);
    expect(compileAffected(entry, { ecosystem: npm }).fixed.map((f) => f.version)).toEqual(['7.2.4', '6.11.4']);
    expect(lowestFixedAbove(entry, '6.10.1', npm)).toBe('7.2.4');
  });

  it('a fixed lower than its introduced is NOT a no-op under the spec\'s sorting: it opens the range at introduced', () => {
    // sorted: fixed 3.0.0, introduced 5.0.0 → fixed clears nothing, introduced sets vulnerable for V >= 5.0.0
    const entry = range([{ introduced: '5.0.0' }, { fixed: '3.0.0' }]);
    expect(['2.0.0', '3.0.0', '4.0.0', '5.0.0', '9.0.0'].map((v) => affected(entry, v))).toEqual([false, false, false, true, true]);
    expect(isAffected(entry, '5.0.0', npm).warnings).toEqual([
      'affected.ranges[0]: fixed 3.0.0 is lower than its introduced 5.0.0; by the spec\'s sorting every version from 5.0.0 on is affected',
    ]);
    expect(affectedRanges(entry, npm).intervals).toEqual([{ type: 'ECOSYSTEM', introduced: '5.0.0' }]);
  });

  it('an unknown range type is skipped with a warning', () => {
    const result = isAffected(range([{ introduced: '0' }], 'CALVER'), '1.0.0', npm);
    expect(result).toMatchObject({ affected: false, warnings: ['affected.ranges[0]: range type "CALVER" is not one of SEMVER, ECOSYSTEM, GIT; skipped'] });
  });

  it('Debian epochs, ~ and +esm order as dpkg does', () => {
    const entry = range([{ introduced: '0' }, { fixed: '1:8.9p1-3ubuntu0.5' }]);
    expect(affected(entry, '1:8.9p1-3ubuntu0.4', ubuntu)).toBe(true);
    expect(affected(entry, '8.9p1-9', ubuntu)).toBe(true); // no epoch: epoch 0 < 1
    expect(affected(entry, '1:8.9p1-3ubuntu0.5', ubuntu)).toBe(false);
    const esm = range([{ introduced: '0' }, { fixed: '1.1.4-0ubuntu1~18.04.2+esm1' }]);
    expect(affected(esm, '1.1.4-0ubuntu1~18.04.2', ubuntu)).toBe(true);
    expect(affected(esm, '1.1.4-0ubuntu1', ubuntu)).toBe(false); // ~18.04 sorts before the plain revision
  });
});

describe('affectedRanges, fixedVersions, lowestFixedAbove', () => {
  const twoBranches = range([{ introduced: '0' }, { fixed: '1.0.2' }, { introduced: '2.0.0' }, { last_affected: '2.3.0' }, { introduced: '3.0.0' }, { limit: '4.0.0' }]);

  it('affectedRanges reads the intervals off the sorted events', () => {
    expect(affectedRanges(twoBranches, npm).intervals).toEqual([
      { type: 'ECOSYSTEM', introduced: '0', fixed: '1.0.2', limits: ['4.0.0'] },
      { type: 'ECOSYSTEM', introduced: '2.0.0', lastAffected: '2.3.0', limits: ['4.0.0'] },
      { type: 'ECOSYSTEM', introduced: '3.0.0', limits: ['4.0.0'] },
    ]);
  });

  it('fixedVersions: the fixed events of SEMVER/ECOSYSTEM ranges, no GIT commits, no empties', () => {
    expect(fixedVersions({ ranges: [
      { type: 'GIT', repo: 'r', events: [{ introduced: '0' }, { fixed: 'abc123' }] },
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '' }, { fixed: '1.0.2' }, { last_affected: '2.0.0' }, { fixed: '1.0.2' }] },
    ] })).toEqual(['1.0.2']);
  });

  it.each([
    ['0.5.0', '1.0.2'],
    ['1.0.1', '1.0.2'],
    ['2.1.0', null], // last_affected: no known fix
    ['1.0.3', null],
  ])('lowestFixedAbove(%s) → %s', (version, expected) => {
    expect(lowestFixedAbove(twoBranches, version, npm)).toBe(expected);
  });

  it('lowestFixedAbove skips a fix that another branch still marks affected', () => {
    const overlapping: OsvAffected = { ranges: [
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.5.0' }] },
      { type: 'ECOSYSTEM', events: [{ introduced: '1.2.0' }, { fixed: '2.0.0' }] },
    ] };
    expect(lowestFixedAbove(overlapping, '1.0.0', npm)).toBe('2.0.0');
  });
});
