import { describe, expect, it } from 'vitest';
import { pick, seededRandom } from '../../../test/helpers/oracles.js';
import { isAppError } from '../../domain/errors.js';
import { apk, compareApk, isValidApk } from './index.js';

type Row = readonly [string, '<' | '=' | '>', string];

// Rows of apk-tools' own test data (test/version.data, the expected results of `apk version -t`);
// no apk binary exists on Debian, so these are the tool's word for it.
const APK_TOOLS_ROWS: readonly Row[] = [
  ['2.34', '>', '0.1.0_alpha'],
  ['0.1.0_alpha', '=', '0.1.0_alpha'],
  ['0.1.0_alpha', '<', '0.1.3_alpha'],
  ['0.1.0_alpha2', '>', '0.1.0_alpha'],
  ['0.1.0_alpha', '<', '2.2.39-r1'],
  ['1.0.4-r3', '<', '1.0.4-r4'],
  ['1.1', '>', '1.1_alpha1'],
  ['1.2.1', '>', '1.2'],
  ['1.2', '<', '1.3_alpha'],
  ['1.3_alpha', '<', '1.3_alpha2'],
  ['0.7.0', '<', '0.8_beta1'],
  ['0.8_beta1', '<', '0.8_beta2'],
  ['3.10.18-r1', '>', '2.3.0b-r1'],
  ['2.3.0b-r1', '<', '2.3.0b-r2'],
  ['0.12.3', '>', '0.12'],
  ['0.12', '<', '0.13_beta1'],
  ['1.2.12.1', '<', '1.2.13'],
  ['3.1_p16', '<', '3.1_p17'],
  ['3.1_p17', '>', '1.06-r6'],
  ['1.06-r6', '<', '006'],
  ['006', '>', '1.0.0'],
  ['1.2.2-r1', '>', '1.2.2'],
  ['9.3.4-r2', '>', '9.3.4'],
  ['3.9.8-r5', '>', '2.01.01_alpha10'],
  ['2.01.01_alpha10', '>', '0.94'],
  ['1.0', '>', '0.99.3.20040818'],
  ['1.39', '>', '1.00_beta2'],
  ['1.00_beta2', '>', '0.9.2'],
  ['7.15.1-r1', '>', '1.02'],
  ['1.02', '<', '1.03-r1'],
  ['4.2.52_p2-r1', '<', '4.2.52_p4-r2'],
  ['4.2.52_p4-r2', '>', '1.02.07'],
  ['1.02.07', '<', '1.02.10-r1'],
  ['2.18.3-r10', '>', '1.05-r18'],
  ['1.05-r18', '<', '1.05-r19'],
  ['2.38', '<', '20050405'],
  ['20060720', '>', '3.0.20060720'],
  ['2.1.9.200602141850', '>', '1.6'],
  ['2.5.1-r8', '<', '2.5.1a-r1'],
  ['1.3.5-r10', '>', '1.3.5-r8'],
  ['20040401', '>', '2.0.0_rc3-r1'],
  ['3.0.0-r2', '<', '021109-r3'],
  ['0.9.16-r1', '<', '3.9_pre20060124'],
  ['3.9_pre20060124', '>', '0.01'],
  ['0.01', '<', '0.06'],
  ['1.1.7', '<', '6b-r7'],
  ['0.10.0-r1', '>', '0.10.0'],
  ['0.10.0', '<', '0.10.1_rc1'],
  ['1.1a', '<', '1.3a'],
  ['1.0-r1', '>', '0.15.1b'],
  ['0.15.1b-r2', '>', '0.15.1b'],
  ['22.7-r1', '<', '22.7.3-r1'],
  ['22.7.3-r1', '>', '22.7'],
  ['2.1_pre20', '<', '2.1_pre26'],
  ['2.10.1', '>', '02.08.01b'],
  ['2.02.06', '<', '2.02.10'],
  ['8.1.2.20040524-r1', '<', '8.1.2.20050715-r1'],
  ['3.81', '>', '1.6d'],
  ['1.6d', '>', '1.2.07.8'],
  ['1.2.07.8', '<', '1.2.12.04'],
  ['1.2.12.04', '<', '1.2.12.05'],
  ['1.07-r1', '<', '1.07.5'],
  ['1.07.5', '>', '1.07'],
  ['0.1_pre20060810', '<', '0.1_pre20060817'],
  ['0.59s-r11', '<', '0.65'],
  ['1.60-r12', '<', '110-r8'],
  ['4.01', '<', '4.20'],
  ['0.20070118', '<', '0.20070207_rc1'],
  ['0.20070207_rc1', '<', '1.0'],
  ['4.5_p1-r1', '>', '4.5_p1'],
  ['0.9.8c-r1', '<', '0.9.8d'],
  ['2.2.3-r2', '<', '013'],
  ['013', '<', '014-r1'],
  ['1.7', '<', '1.7b'],
  ['1.8.5', '<', '1.8.5_p2'],
  ['2.9.11_pre20051101-r3', '>', '2.9.11_pre20051101'],
  ['1.6.8_p12-r1', '>', '1.6.8_p9-r2'],
  ['0.9.28-r2', '<', '0.9.28.1'],
  ['0.9.28.1', '<', '087-r1'],
  ['104-r11', '>', '104-r9'],
  ['20040406-r1', '>', '2.12r-r4'],
  ['2.12r-r4', '<', '2.12r-r5'],
  ['7.0.17', '<', '7.0.174'],
  ['1.3-r0', '<', '1.3.1-r0'],
  ['1.3_pre1-r1', '<', '1.3.2'],
  ['1.0_p10-r0', '>', '1.0_p9-r0'],
  ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
  ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
  ['6.0_pre1', '<', '6.0'],
  ['6.0_p1', '>', '6.0'],
];

// Cases read from apk-tools' src/version.c (token kinds, suffix ranks, the leading-zero rule).
const ALGORITHM_ROWS: readonly Row[] = [
  // After a ".", a number with a leading zero compares as a string.
  ['1.0', '<', '1.00'],
  ['1.01', '<', '1.1'],
  ['1.010', '<', '1.09'],
  ['1.006', '<', '1.6'],
  // The first number is always numeric.
  ['006', '=', '6'],
  // Suffix ranks around the release.
  ['1.0_alpha', '<', '1.0_beta'],
  ['1.0_beta', '<', '1.0_pre'],
  ['1.0_pre', '<', '1.0_rc'],
  ['1.0_rc', '<', '1.0'],
  ['1.0', '<', '1.0_cvs'],
  ['1.0_cvs', '<', '1.0_svn'],
  ['1.0_svn', '<', '1.0_git'],
  ['1.0_git', '<', '1.0_hg'],
  ['1.0_hg', '<', '1.0_p'],
  ['1.0_rc', '<', '1.0_rc1'],
  ['1.0_rc1', '=', '1.0_rc01'],
  ['1.0_rc1', '<', '1.0-r1'],
  // What follows equal prefixes: end < -rN < ~hash < _suffix < letter < .number.
  ['1.0', '<', '1.0-r0'],
  ['1.0-r0', '<', '1.0~abc'],
  ['1.0~abc', '<', '1.0_p1'],
  ['1.0_p1', '<', '1.0a'],
  ['1.0a', '<', '1.0.1'],
  ['1.0', '<', '1.0.0'],
  ['1.0-r1', '=', '1.0-r01'],
  // Commit hashes compare as strings.
  ['1.0~abc', '<', '1.0~abd'],
  ['1.0~abc', '<', '1.0~abc0'],
  ['1.0~abc', '<', '1.0~abc-r1'],
  ['1.0_git20240101~0a1b-r2', '>', '1.0_git20240101~0a1b-r1'],
  // apk keeps numbers in a wrapping uint64: 2^64 is 0 and 2^64 + 1 is 1 to apk.
  ['18446744073709551615', '>', '18446744073709551614'],
  ['18446744073709551616', '=', '0'],
  ['1.0-r18446744073709551617', '=', '1.0-r1'],
];

const sign = { '<': -1, '=': 0, '>': 1 } as const;

describe('apk compare', () => {
  it.each([...APK_TOOLS_ROWS, ...ALGORITHM_ROWS])('%s %s %s', (a, op, b) => {
    expect(apk.compare(a, b)).toBe(sign[op]);
    expect(apk.compare(b, a)).toBe(op === '=' ? 0 : -sign[op]);
  });
});

describe('apk validity', () => {
  it.each(['0', '1.2.3', '1.2.3a', '1.0_alpha_pre2', '1.0_p1~abc-r2', '1.0~0123456789abcdef', '1.0-r0', '2.12r-r4', '1a_rc1'])('accepts %s', (v) => {
    expect(isValidApk(v)).toBe(true);
  });

  it.each([
    ['', 'the version is empty'],
    ['v1.0', 'it must start with a digit'],
    ['.1', 'it must start with a digit'],
    ['1..0', '"." at position 2 must be followed by digits'],
    ['1.0.', '"." at position 4 must be followed by digits'],
    ['1.0bc', 'the letter at position 5 must follow a number (one letter only)'],
    ['1.0a1', 'the digit at position 5 is not allowed here'],
    ['1.0A', 'character "A" at position 4 is not allowed'],
    ['1.0_rc1.2', '"." at position 8 must follow a number'],
    ['1.0_foo', '"_foo" at position 4 is not a suffix (alpha, beta, pre, rc, cvs, svn, git, hg, p)'],
    ['1.0_', '"_" at position 4 is not a suffix (alpha, beta, pre, rc, cvs, svn, git, hg, p)'],
    ['1.0_RC1', '"_" at position 4 is not a suffix (alpha, beta, pre, rc, cvs, svn, git, hg, p)'],
    ['1.0-r1_p1', 'the suffix at position 7 must come before "~hash" and "-rN"'],
    ['1.0~ABC', '"~" at position 4 must be followed by a lower-case hex commit id'],
    ['1.0~abc~def', '"~" at position 8 is not allowed here'],
    ['1.0-1', '"-" at position 4 must start the one revision "-rN"'],
    ['1.0-r1-r2', '"-" at position 7 must start the one revision "-rN"'],
    ['1.0-r', '"-r" at position 4 must be followed by digits'],
    ['1.0 ', 'character " " at position 4 is not allowed'],
  ])('rejects %j: %s', (v, reason) => {
    const message = `Invalid apk version ${JSON.stringify(v)}: ${reason} (scheme apk)`;
    expect(apk.isValid(v)).toBe(false);
    expect(() => apk.compare(v, '1.0')).toThrow(message);
    expect(() => compareApk('1.0', v)).toThrow(message);
  });

  it('throws a validation AppError', () => {
    try {
      apk.compare('1.0', '1.0-1');
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'validation')).toBe(true);
    }
  });
});

describe('apk order properties on generated versions', () => {
  const rand = seededRandom(0xa1b2);
  const version = (): string => {
    let v = pick(rand, ['0', '1', '2', '10', '006']);
    for (let i = Math.floor(rand() * 3); i > 0; i--) v += '.' + pick(rand, ['0', '1', '01', '00', '10', '9', '010']);
    if (rand() < 0.2) v += pick(rand, ['a', 'b', 'z']);
    for (let i = Math.floor(rand() * 2.5); i > 0; i--) v += '_' + pick(rand, ['alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p']) + pick(rand, ['', '1', '2', '01']);
    if (rand() < 0.15) v += '~' + pick(rand, ['a', 'ab', '0f', 'abc']);
    if (rand() < 0.5) v += '-r' + pick(rand, ['0', '1', '2', '10']);
    return v;
  };
  const versions = Array.from({ length: 400 }, version);

  it('generates only valid versions', () => {
    expect(versions.filter((v) => !apk.isValid(v))).toEqual([]);
  });

  it('is a total preorder: antisymmetric, and consistent with a sort (transitive)', () => {
    const sorted = [...versions].sort(apk.compare);
    const violations: string[] = [];
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i; j < sorted.length; j++) {
        const a = sorted[i]!;
        const b = sorted[j]!;
        const ab = apk.compare(a, b);
        if (ab === 1 || apk.compare(b, a) !== (ab === 0 ? 0 : -ab)) violations.push(`${a} vs ${b}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
