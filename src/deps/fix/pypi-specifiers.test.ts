/**
 * Version constraints: whether a constraint admits a version (PEP 440 rows checked against Python's
 * `packaging.specifiers.SpecifierSet` in one python3 process; Poetry rows from Poetry's documented
 * caret/tilde/wildcard rules) and the minimal style-keeping bump (every PEP 440 result checked by
 * packaging to admit the target).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../../test/helpers/components.js';
import { admits, bumpConstraint, type ConstraintFlavor } from './pypi-specifiers.js';

const PEP440_ADMITS: readonly [string, string, boolean][] = [
  ['>=2.19,<3', '2.31.0', true],
  ['>=1.21.1,<1.24', '1.26.18', false],
  ['>= 1.2, < 1.5', '1.4', true],
  ['~=1.2', '1.9.0', true],
  ['~=1.2', '2.0', false],
  ['~=1.4.2', '1.4.5', true],
  ['~=1.4.2', '1.5.0', false],
  ['~=5.3.0', '5.4', false],
  ['~=5.4.0', '5.4', true],
  ['==1.2.*', '1.2.9', true],
  ['==1.2.*', '1.3', false],
  ['!=1.2.*', '1.3', true],
  ['!=1.2.*', '1.2.0', false],
  ['==2.1.5', '2.1.7', false],
  ['==2.1', '2.1.0', true],
  ['!=2.1.7', '2.1.7', false],
  ['<=2.1.7', '2.1.7', true],
  ['>2.1.7', '2.1.7', false],
  ['>2.1.7', '2.1.8', true],
  ['<2.32', '2.31.0', true],
  ['===5.3', '5.3', true],
  ['===5.3', '5.3.0', false],
  ['', '1.0', true],
];

const POETRY_ADMITS: readonly [string, string, boolean][] = [
  ['^1.2.3', '1.9.9', true],
  ['^1.2.3', '2.0.0', false],
  ['^1.2.3', '1.2.2', false],
  ['^0.2.3', '0.2.9', true],
  ['^0.2.3', '0.3.0', false],
  ['^0.0.3', '0.0.4', false],
  ['^0.0', '0.0.9', true],
  ['^0.0', '0.1.0', false],
  ['^0', '0.9', true],
  ['^0', '1.0', false],
  ['~1.2.3', '1.2.9', true],
  ['~1.2.3', '1.3.0', false],
  ['~1.2', '1.2.9', true],
  ['~1', '1.9', true],
  ['~1', '2.0', false],
  ['1.2.3', '1.2.3', true],
  ['1.2.3', '1.2.4', false],
  ['*', '9.9', true],
  ['1.2.*', '1.2.5', true],
  ['>= 1.2, < 1.5', '1.4.9', true],
  ['^1.0 || ^2.0', '2.5', true],
  ['^1.0 || ^2.0', '3.0', false],
  ['latest', '1.0', false],
];

/** [spec, target, flavor, expected] — expected null: no automatic bump. */
const BUMPS: readonly [string, string, ConstraintFlavor, string | null][] = [
  ['^1.2', '2.0.1', 'poetry', '^2.0.1'],
  ['^1.2', '2.1.0', 'poetry', '^2.1'],
  ['^2.19', '2.32.0', 'poetry', '^2.19'],
  ['~2.10', '2.11.3', 'poetry', '~2.11.3'],
  ['2.1.5', '2.1.7', 'poetry', '2.1.7'],
  ['>= 1.2, < 2', '2.0.1', 'poetry', '>= 2.0.1, < 3'],
  ['^1.0 || ^2.0', '3.0.1', 'poetry', null],
  ['~=1.2', '2.1.0', 'pep440', '~=2.1'],
  ['~=1.2', '2.0.1', 'pep440', '~=2.0.1'],
  ['~=5.3.0', '5.4', 'pep440', '~=5.4.0'],
  ['>=1.21.1,<1.24', '1.26.18', 'pep440', '>=1.26.18,<1.27'],
  ['>=1.2,<2', '2.31.0', 'pep440', '>=2.31,<3'],
  ['>=5.1,<5.4', '5.4', 'pep440', '>=5.4,<5.5'],
  ['==2.1.5', '2.1.7', 'pep440', '==2.1.7'],
  ['==1.2.*', '1.3.4', 'pep440', '==1.3.*'],
  ['===5.3', '5.4', 'pep440', '===5.4'],
  ['<1.24', '1.26.18', 'pep440', '>=1.26.18,<1.27'],
  ['>=1.0,!=2.1.7', '2.1.7', 'pep440', null],
  ['latest', '1.0', 'pep440', null],
];

describe('admits', () => {
  it.each(PEP440_ADMITS)('PEP 440 %j admits %s: %s', (spec, version, expected) => {
    expect(admits(spec, version, 'pep440')).toBe(expected);
  });
  it.each(POETRY_ADMITS)('Poetry %j admits %s: %s', (spec, version, expected) => {
    expect(admits(spec, version, 'poetry')).toBe(expected);
  });
});

describe('bumpConstraint', () => {
  it.each(BUMPS)('%j to admit %s (%s) -> %j', (spec, target, flavor, expected) => {
    const result = bumpConstraint(spec, target, flavor);
    if (expected === null) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(/by hand|cannot|not a version constraint/);
    } else {
      expect(result).toEqual({ ok: true, spec: expected });
      expect(admits(expected, target, flavor)).toBe(true);
    }
  });
});

// ---- packaging as the oracle of the PEP 440 rows ----------------------------------------------

const ORACLE = `
import json, sys
from packaging.specifiers import SpecifierSet
rows = json.load(sys.stdin)
json.dump([SpecifierSet(spec).contains(version, prereleases=True) for spec, version in rows], sys.stdout)
`;
const probe = spawnSync('python3', ['-c', 'import packaging.specifiers'], { stdio: 'ignore' });
const hasPackaging = requireComponent('python3 with packaging', probe.status === 0 && probe.error === undefined, 'pip install packaging');

if (hasPackaging) {
  describe('PEP 440 rows agree with packaging.specifiers', () => {
    it('admits and every PEP 440 bump', () => {
      const bumped = BUMPS.filter(([, , flavor, expected]) => flavor === 'pep440' && expected !== null);
      const rows: [string, string][] = [
        ...PEP440_ADMITS.map(([spec, version]): [string, string] => [spec, version]),
        ...bumped.map(([, target, , expected]): [string, string] => [expected!, target]),
      ];
      const run = spawnSync('python3', ['-c', ORACLE], { input: JSON.stringify(rows), encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(0);
      const answers = JSON.parse(run.stdout) as boolean[];
      const ours = [...PEP440_ADMITS.map(([spec, version]) => admits(spec, version, 'pep440')), ...bumped.map(() => true)];
      expect(ours).toEqual(answers);
    });
  });
}
