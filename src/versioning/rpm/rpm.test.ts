import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../../test/helpers/components.js';
import { rpmAvailable, rpmCompareBatch } from '../../../test/helpers/oracles.js';
import { isAppError } from '../../domain/errors.js';
import { compareEvr, parseEvr, rpm, rpmvercmp } from './index.js';

// Every expected value below was produced by rpm 4.18's `rpm.vercmp` (rpm --eval '%{lua: ...}'),
// and the last describe asks rpm about these same rows again at test time. The first rows are
// rpm's own test vectors (tests/rpmvercmp.at).
const RPM_COMPARE_TABLE: readonly (readonly [string, string, -1 | 0 | 1])[] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0', '2.0.1', -1],
  ['2.0.1a', '2.0.1', 1],
  ['5.5p1', '5.5p10', -1],
  ['10xyz', '10.1xyz', -1],
  // A numeric segment is newer than an alphabetic one; unlike dpkg, `.rc1` makes a version newer.
  ['xyz.4', '8', -1],
  ['6.0.rc1', '6.0', 1],
  ['a1', '1', -1],
  ['1a', '1', 1],
  // Leading zeros are ignored; separators only separate.
  ['10.0001', '10.1', 0],
  ['18446744073709551616', '18446744073709551615', 1],
  ['2_0', '2.0', 0],
  ['1+0', '1_0', 0],
  ['1.a', '1a', 0],
  ['1.0.', '1.0', 0],
  ['.1.0', '1.0', 0],
  ['a', 'b', -1],
  ['A', 'a', -1],
  ['abc', 'abd', -1],
  // `~` sorts before everything, even the end.
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~rc1~git123', '1.0~rc1', -1],
  // `^` sorts after the end but before any further segment.
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.01', -1],
  ['1.0^20160101', '1.0.1', -1],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0^git1~pre', '1.0^git1', -1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^', '1.0~', 1],
  ['1.0^^', '1.0^', 1],
  // EVR: a missing epoch is 0; a missing release is older than any release, even "0".
  ['0:1.0', '1.0', 0],
  ['1:1.0', '2.0', 1],
  ['01:1.0', '1:1.0', 0],
  ['2:1', '10:0', -1],
  ['1.0', '1.0-1', -1],
  ['1.0-0', '1.0', 1],
  ['1.0-1', '1.0-2', -1],
  ['1.0-1', '1.0-1.el8', -1],
  ['1.0-1.el8', '1.0-1.el8_5', -1],
  ['1.0-1.el8_5', '1.0-1.el8_10', -1],
  ['1.0-1~', '1.0-1', -1],
  ['2.4.37-62.module+el8.9.0+19699+7a7a2044', '2.4.37-62.module+el8.9.0+19699+7a7a2043', 1],
  ['1:2.4.37-62.el8', '2.4.38-1.el8', 1],
  ['1.2.3-150400.3.6.1', '1.2.3-150400.3.10.1', -1],
];

describe('rpm compare (table verified with rpm.vercmp)', () => {
  it.each(RPM_COMPARE_TABLE)('%s vs %s → %i', (a, b, expected) => {
    expect(rpm.compare(a, b)).toBe(expected);
    expect(rpm.compare(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it('rpmvercmp compares bare strings with any separators', () => {
    expect(rpmvercmp('1.0^git1', '1.01')).toBe(-1);
    expect(rpmvercmp('1#0', '1/0')).toBe(0);
    expect(rpmvercmp('1-2', '1.2')).toBe(0);
    expect(rpmvercmp('', '')).toBe(0);
    expect(rpmvercmp('', '~')).toBe(1);
  });
});

describe('rpm validity', () => {
  it.each(['1.0', '0:1.0-1', '1.0-1.el8_5', '1.0~rc1^git1+abc', '~1', '^', 'A_b.C', '00:1'])('accepts %s', (v) => {
    expect(rpm.isValid(v)).toBe(true);
  });

  it.each([
    ['', 'the version is empty'],
    [':1.0', 'the epoch before ":" is empty'],
    ['1:', 'the version part is empty'],
    ['1:-1', 'the version part is empty'],
    ['-1', 'the version part is empty'],
    ['1.0-', 'the release after "-" is empty'],
    ['1-2-3', 'it has more than one "-" (rpm versions and releases cannot contain "-")'],
    ['x:1', 'a ":" may only follow a numeric epoch at the start'],
    ['1:2:3', 'a ":" may only follow a numeric epoch at the start'],
    ['1.0 1', 'character " " at position 4 is not allowed (letters, digits and ._+~^ only)'],
    ['1.0%{x}', 'character "%" at position 4 is not allowed (letters, digits and ._+~^ only)'],
  ])('rejects %j: %s', (v, reason) => {
    const message = `Invalid rpm version ${JSON.stringify(v)}: ${reason} (scheme rpm)`;
    expect(rpm.isValid(v)).toBe(false);
    expect(() => rpm.compare(v, '1.0')).toThrow(message);
    expect(() => compareEvr('1.0', v)).toThrow(message);
    expect(() => parseEvr(v)).toThrow(message);
  });

  it('throws a validation AppError', () => {
    expect(() => rpm.compare('1.0', '1-')).toThrow(expect.objectContaining({ code: 'validation' }) as Error);
    try {
      rpm.compare('', '1');
    } catch (err) {
      expect(isAppError(err, 'validation')).toBe(true);
    }
  });
});

describe('parseEvr', () => {
  it.each([
    ['1.0', { epoch: undefined, version: '1.0', release: undefined }],
    ['1:2.4.37-62.el8', { epoch: '1', version: '2.4.37', release: '62.el8' }],
    ['0:1-0', { epoch: '0', version: '1', release: '0' }],
    ['1.0~rc1^git1-3', { epoch: undefined, version: '1.0~rc1^git1', release: '3' }],
  ])('%s', (v, parts) => {
    expect(parseEvr(v)).toEqual(parts);
  });
});

const withRpm = requireComponent('rpm', rpmAvailable, 'install the Debian package rpm');

describe.skipIf(!withRpm)('rpm table against rpm at test time', () => {
  it('rpm.vercmp still gives every expected comparison', async () => {
    const answers = await rpmCompareBatch(RPM_COMPARE_TABLE.map(([a, b]) => [a, b] as const));
    expect(answers).toEqual(RPM_COMPARE_TABLE.map(([, , expected]) => expected));
  });
});
