/**
 * Hand-picked tables. Every expected value was checked with Python's `packaging.version.Version`
 * 26.2 and 23.0 (Debian bookworm); the two differ only where noted.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import type { Comparison } from '../scheme.js';
import { comparePep440, parsePep440, pep440 } from './index.js';

type Row = [a: string, b: string, expected: Comparison];

/** PEP 440's "summary of permitted suffixes and relative ordering", lowest first. */
const PEP_CHAIN = ['1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456',
  '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34', '1.0.post456', '1.0.15',
  '1.1.dev1', '1!0.1'];

const chain = (versions: string[]): Row[] => versions.slice(1).map((v, i) => [versions[i]!, v, -1]);

const COMPARE: Row[] = [
  ...chain(PEP_CHAIN),
  // release segments: any length, trailing zeros do not count, numbers not strings
  ['1.0', '1.0.0', 0], ['1.0.0.0.0', '1', 0], ['0.0', '0', 0], ['0.0.1', '0', 1], ['1.0', '1.0.1', -1], ['1.10', '1.9', 1], ['1.01', '1.1', 0],
  // epochs
  ['1!0.1', '2.0', 1], ['0!1.0', '1.0', 0], ['1!1.0', '1!1.0.0', 0], ['01!1', '1!1', 0],
  // spellings, separators, case, whitespace and the leading v are normalised away
  ['1.0alpha1', '1.0a1', 0], ['1.0-ALPHA.1', '1.0a1', 0], ['1.0beta', '1.0b0', 0], ['1.0c1', '1.0rc1', 0], ['1.0pre1', '1.0rc1', 0],
  ['1.0preview_2', '1.0rc2', 0], ['1.0-1', '1.0.post1', 0], ['1.0rev', '1.0.post0', 0], ['1.0r2', '1.0.post2', 0], ['1.0-post-3', '1.0.post3', 0],
  ['1.0dev', '1.0.dev0', 0], ['V1.0', '1.0', 0], [' 1.0\n', '1.0', 0], ['\u00a01.0\u3000', '1.0', 0], ['1.0+UBUNTU.1', '1.0+ubuntu.1', 0],
  ['1.0+ubuntu-1', '1.0+ubuntu_1', 0], ['1.0+01', '1.0+1', 0], ['1.0a-', '1.0a0', 0], ['1.0-a-1', '1.0a1', 0],
  // dev releases: a plain .devN sorts before every pre-release; a dev of a post release before that post release
  ['1.0.dev1', '1.0a1', -1], ['1.0.dev1', '1.0a0.dev0', -1], ['1.0.post1.dev1', '1.0.post1', -1], ['1.0.post1.dev1', '1.0', 1],
  ['1.0a1.dev1', '1.0a1', -1], ['1.0.dev1', '1.0.dev2', -1], ['1.0rc1.post1', '1.0', -1], ['1.0.post0', '1.0', 1], ['1.0.post0.dev0', '1.0', 1],
  ['1.0rc1.post1.dev1', '1.0rc1', 1], ['0.9.post1', '1.0.dev0', -1],
  // local versions: none first, numeric beats alphanumeric, numbers by value, longer wins
  ['1.0+1', '1.0+a', 1], ['1.0+1.0', '1.0+1', 1], ['1.0+10', '1.0+9', 1], ['1.0+abc', '1.0+abd', -1], ['1.0+a.1', '1.0+a', 1],
  ['1.0', '1.0+0', -1], ['1.0.post1', '1.0+999', 1], ['1.0+1a', '1.0+1', -1], ['1.0+ubuntu.10', '1.0+ubuntu.9', 1],
  // numbers of any size
  ['1.99999999999999999999', '1.99999999999999999998', 1], ['1.9007199254740993', '1.9007199254740992', 1],
  ['1.0a18446744073709551616', '1.0a18446744073709551615', 1], ['99999999999999999999!0', '1', 1], ['1.0+18446744073709551617', '1.0+18446744073709551616', 1],
];

const VALID: Array<[string, string]> = [
  ['1.0', '1.0'], ['1!1.0', '1!1.0'], ['0!1.0', '1.0'], ['v1.0', '1.0'], ['V1.0', '1.0'], ['  1.0\t', '1.0'], ['00.01', '0.1'],
  ['1.0a', '1.0a0'], ['1.0.post', '1.0.post0'], ['1.0-1', '1.0.post1'], ['1.0.dev', '1.0.dev0'], ['1.0r', '1.0.post0'], ['1.0-r', '1.0.post0'],
  ['1.0c', '1.0rc0'], ['1.0PREVIEW3', '1.0rc3'], ['1.0+Ubuntu-01.Deb_1', '1.0+ubuntu.1.deb.1'],
  ['1!2.0.post3.dev4+Ubuntu-1', '1!2.0.post3.dev4+ubuntu.1'], ['1.0a1.post2.dev3+local.7', '1.0a1.post2.dev3+local.7'], ['1.0_a_1-r-2_dev_3', '1.0a1.post2.dev3'], ['0.1.0-beta.1', '0.1.0b1'],
];

/** Strings packaging rejects (`InvalidVersion`), among them LegacyVersion-only strings. */
const INVALID = ['', ' ', 'foo', 'v', 'dev', 'latest', '1.0-beta-x', '2.3.4-SNAPSHOT', '1.0.', '.1', '1..0', '1,0', '1.0.x', '1.0*', '1.0 1',
  '1.0+', '1.0+a..b', '1.0+a+b', '1.0+ubuntu~1', '1.0+é', '1.0-', '1.0_1', '1.0.-1', '1!', '!1', 'vv1.0', '1.0dev1a1', '1.0a1a2',
  '1.0.post1.post2', '1.0.dev1.dev2', '1.0.dev1.post1', '1.0-1-1', '1.0\ufeff'];

describe('pep440', () => {
  it('is named pep440', () => expect(pep440.name).toBe('pep440'));

  it.each(COMPARE)('compare(%j, %j) = %i', (a, b, expected) => {
    expect(pep440.compare(a, b)).toBe(expected);
    expect(pep440.compare(b, a)).toBe(-expected || 0);
  });

  it.each(VALID)('accepts %j, normalised to %j', (v, normalized) => {
    expect(pep440.isValid(v)).toBe(true);
    expect(parsePep440(v)?.normalized).toBe(normalized);
  });

  it.each(INVALID)('rejects %j', (v) => {
    expect(pep440.isValid(v)).toBe(false);
    expect(parsePep440(v)).toBeNull();
  });

  // packaging >= 26 matches ASCII letters only; 23.0 (Debian bookworm) also folds `ſ` onto `s`, `ı` onto `i`.
  it.each(['1.0poſt1', '1.0prevıew'])('rejects %j, as packaging 26 does', (v) => expect(pep440.isValid(v)).toBe(false));

  it('parses into normalised parts', () => {
    expect(parsePep440(' V2!01.02.0-Alpha_3.POST-4.DEV5+Ubuntu.007 ')).toEqual({
      epoch: '2',
      release: ['1', '2', '0'],
      pre: { label: 'a', number: '3' },
      post: '4',
      dev: '5',
      local: ['ubuntu', '7'],
      normalized: '2!1.2.0a3.post4.dev5+ubuntu.7',
    });
    expect(parsePep440('1.0')).toEqual({ epoch: '0', release: ['1', '0'], pre: null, post: null, dev: null, local: null, normalized: '1.0' });
  });

  it('compares parsed versions', () => {
    expect(comparePep440(parsePep440('1.0.dev1')!, parsePep440('1.0a1')!)).toBe(-1);
  });

  it('throws a validation error naming the version and the scheme', () => {
    for (const [a, b] of [['1.0-beta-x', '1.0'], ['1.0', 'foo']] as const) {
      let error: unknown;
      try {
        pep440.compare(a, b);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('validation');
      expect((error as AppError).message).toContain(`"${a === '1.0' ? b : a}"`);
      expect((error as AppError).message).toContain('pep440 scheme');
    }
  });
});
