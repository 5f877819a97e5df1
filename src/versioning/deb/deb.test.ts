import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../../test/helpers/components.js';
import { dpkgAvailable, dpkgCompareBatch, dpkgValidBatch } from '../../../test/helpers/oracles.js';
import { isAppError } from '../../domain/errors.js';
import { compareDeb, deb, parseDeb } from './index.js';

// Every expected value below was produced by `dpkg --compare-versions` (dpkg 1.21.22), and the
// last describe asks dpkg about these same rows again at test time.
const DEB_COMPARE_TABLE: readonly (readonly [string, string, -1 | 0 | 1])[] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  // `~` sorts before everything, even the end of the string.
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~', '1.0', -1],
  ['1.0~~a', '1.0~~', 1],
  ['~', '~~', 1],
  ['~~a', '~', -1],
  ['~', 'a', -1],
  ['1.0+~', '1.0+', -1],
  ['1.0~+', '1.0~', 1],
  ['1.0~rc1+dfsg', '1.0~rc1', 1],
  // Letters sort before non-letters; the end sorts before letters.
  ['1.0', '1.0a', -1],
  ['1.0a', '1.0+', -1],
  ['1.0+dfsg', '1.0a', 1],
  ['1.0.1', '1.0+1', 1],
  ['1.0', '1.0.', -1],
  ['1:2:3-1', '1:2.3-1', 1],
  ['A', 'a', -1],
  ['Z', 'a', -1],
  ['a', 'b', -1],
  ['1a', '1A', 1],
  ['a', '1', 1],
  // Digit runs compare numerically, of any length.
  ['1.01', '1.1', 0],
  ['1.001', '1.1', 0],
  ['1.0010', '1.10', 0],
  ['9.10', '9.9', 1],
  ['1.0.0', '1.0', 1],
  ['1.0', '1.0.0~', -1],
  ['99999999999999999999', '99999999999999999998', 1],
  ['1.18446744073709551616', '1.18446744073709551615', 1],
  ['1.100000000000000000001', '1.100000000000000000000', 1],
  ['7.4.052+dfsg-1', '7.4.052-1', 1],
  // Epochs: numeric, missing = 0, they win over everything else.
  ['0:1.0', '1.0', 0],
  ['1:0.9', '2.0', 1],
  ['2:1.0', '10:0.1', -1],
  ['01:1.0', '1:1.0', 0],
  ['1:1.0', '1.0', 1],
  ['2147483647:1', '1', 1],
  // Revisions: split at the last hyphen; a missing revision equals "0".
  ['1.0', '1.0-0', 0],
  ['1.0', '1.0-1', -1],
  ['1.0-1', '1.0-1.1', -1],
  ['1.0-1', '1.0-1~', 1],
  ['1.0-1~bpo1', '1.0-1', -1],
  ['1.0-1ubuntu1', '1.0-1', 1],
  ['1.0-1ubuntu1', '1.0-1build1', 1],
  ['1.0-10', '1.0-9', 1],
  ['1.2.3-4', '1.2.3-4+deb12u1', -1],
  ['1.2.3-4+deb12u1', '1.2.3-4+deb12u2', -1],
  ['1.2.3-4+b1', '1.2.3-4', 1],
  ['2.30-1ubuntu4', '2.30-1ubuntu4.1', -1],
  ['2.30-1ubuntu4.1', '2.30-1ubuntu10', -1],
  ['1.2-3-4', '1.2-3-5', -1],
  ['1.2-3-4', '1.2-4-1', -1],
  ['1:2:3', '1:2:4', -1],
];

// Validity as `dpkg --compare-versions` decides it (dpkg 1.21.22): errors refuse, warnings accept.
const DEB_VALIDITY_TABLE: readonly (readonly [string, boolean])[] = [
  ['1.0', true],
  ['1:1.0-1', true],
  ['0:0', true],
  ['1.0--1', true],
  ['1.0-a-b', true],
  ['1:2:3', true],
  ['1.0-~', true],
  ['1..0', true],
  ['1.0-1+', true],
  ['2147483647:1', true],
  ['00000000002147483647:1', true],
  // Accepted by dpkg with a warning only.
  ['a1', true],
  ['abc', true],
  ['~', true],
  ['1.0_1', true],
  ['1.0-a_b', true],
  ['1.0!', true],
  ['+1:2', true],
  ['-0:1', true],
  // Refused by dpkg.
  ['1.0-', false],
  [':1.0', false],
  ['1:', false],
  ['-1', false],
  ['1:-1', false],
  ['-1:2', false],
  ['1a:2', false],
  ['a:1', false],
  ['1.0-1:2', false],
  ['2147483648:1', false],
];

describe('deb compare (table verified with dpkg --compare-versions)', () => {
  it.each(DEB_COMPARE_TABLE)('%s vs %s → %i', (a, b, expected) => {
    expect(deb.compare(a, b)).toBe(expected);
    expect(deb.compare(b, a)).toBe(expected === 0 ? 0 : -expected);
  });
});

describe('deb validity (table verified with dpkg --compare-versions)', () => {
  it.each(DEB_VALIDITY_TABLE)('%s valid: %s', (v, valid) => {
    expect(deb.isValid(v)).toBe(valid);
  });

  it.each([
    ['', 'the version is empty'],
    ['1:', 'the upstream part is empty'],
    ['1:-1', 'the upstream part is empty'],
    [':1', 'the epoch before ":" is empty'],
    ['1a:2', 'the epoch "1a" is not a number'],
    ['-1:2', 'the epoch "-1" is negative'],
    ['2147483648:1', 'the epoch "2147483648" is larger than 2147483647'],
    ['1.0-', 'the revision after the last "-" is empty'],
    ['1.0 1', 'character " " at position 4 is not allowed (printable ASCII without spaces only)'],
    ['1.0é', 'character "é" at position 4 is not allowed (printable ASCII without spaces only)'],
  ])('rejects %j: %s', (v, reason) => {
    expect(deb.isValid(v)).toBe(false);
    expect(() => deb.compare(v, '1.0')).toThrow(`Invalid deb version ${JSON.stringify(v)}: ${reason} (scheme deb)`);
    expect(() => compareDeb('1.0', v)).toThrow(`Invalid deb version ${JSON.stringify(v)}: ${reason} (scheme deb)`);
    expect(() => parseDeb(v)).toThrow(`(scheme deb)`);
  });

  it('throws a validation AppError naming version and scheme', () => {
    try {
      deb.compare('1:', '1');
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'validation')).toBe(true);
      expect((err as Error).message).toBe('Invalid deb version "1:": the upstream part is empty (scheme deb)');
    }
  });
});

describe('parseDeb', () => {
  it.each([
    ['1.0', { epoch: 0, upstream: '1.0', revision: '' }],
    ['1:2.30-1ubuntu4', { epoch: 1, upstream: '2.30', revision: '1ubuntu4' }],
    ['1.2-3-4', { epoch: 0, upstream: '1.2-3', revision: '4' }],
    ['1:2:3-1', { epoch: 1, upstream: '2:3', revision: '1' }],
    ['01:1.0', { epoch: 1, upstream: '1.0', revision: '' }],
    ['+1:2', { epoch: 1, upstream: '2', revision: '' }],
    ['-0:1-2', { epoch: 0, upstream: '1', revision: '2' }],
    ['1.0-~', { epoch: 0, upstream: '1.0', revision: '~' }],
  ])('%s', (v, parts) => {
    expect(parseDeb(v)).toEqual(parts);
  });
});

describe('deb order properties', () => {
  const versions = ['1.0~rc1', '1.0', '1.0-0.1', '1.0-1', '1.0-1ubuntu1', '1.0a', '1.0+dfsg', '1.0.1', '1:0.1', '~', '0', 'a'];
  it('is a total order consistent with the table (antisymmetric, transitive on a sort)', () => {
    const sorted = [...versions].sort(deb.compare);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) {
        const expected = i === j ? 0 : i < j ? -1 : 1;
        expect(deb.compare(sorted[i]!, sorted[j]!)).toBe(expected);
      }
    }
    expect(sorted).toEqual(['~', '0', '1.0~rc1', '1.0', '1.0-0.1', '1.0-1', '1.0-1ubuntu1', '1.0a', '1.0+dfsg', '1.0.1', 'a', '1:0.1']);
  });
});

const withDpkg = requireComponent('dpkg', dpkgAvailable, 'install the Debian package dpkg');

describe.skipIf(!withDpkg)('deb tables against dpkg at test time', () => {
  it('dpkg --compare-versions still gives every expected comparison', async () => {
    const answers = await dpkgCompareBatch(DEB_COMPARE_TABLE.map(([a, b]) => [a, b] as const));
    expect(answers).toEqual(DEB_COMPARE_TABLE.map(([, , expected]) => expected));
  });

  it('dpkg --compare-versions still accepts and refuses the same versions', async () => {
    const answers = await dpkgValidBatch(DEB_VALIDITY_TABLE.map(([v]) => v));
    expect(answers).toEqual(DEB_VALIDITY_TABLE.map(([, valid]) => valid));
  });
});
