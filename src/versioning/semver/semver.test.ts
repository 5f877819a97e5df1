/**
 * Hand-picked tables. Expected values come from the real tools: node-semver 7.8 (`semver.valid`,
 * `semver.compare`) for npm, golang.org/x/mod/semver 0.7.0 (`IsValid`, `Compare`, with `v` added to
 * OSV's plain versions) for Go, and Rust's semver crate 1.0.14 (`Version::parse`, ordering by
 * major, minor, patch, pre) for crates.io.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import type { Comparison } from '../scheme.js';
import { cargoSemver, goSemver, semver } from './index.js';

type Row = [a: string, b: string, expected: Comparison];

/** SemVer 2.0 §11's example chain, each version lower than the next; the same in all three tools. */
const SPEC_CHAIN = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '2.0.0'];

/** Rows on which node-semver, Go and Cargo agree. */
const COMMON: Row[] = [
  ['1.0.0', '1.0.0', 0],
  ['10.0.0', '9.0.0', 1],
  ['1.10.0', '1.9.0', 1],
  ['1.0.0-alpha.10', '1.0.0-alpha.9', 1],
  ['1.0.0-1a', '1.0.0-1', 1], // alphanumeric identifiers sort after numeric ones
  ['1.0.0-0', '1.0.0--', -1],
  ['1.0.0-A', '1.0.0-a', -1], // ASCII order: upper case first
  ['1.0.0-x-y', '1.0.0-x', 1],
  ['1.0.0-alpha', '1.0.0-alpha.0', -1],
  ['1.0.0+build.1', '1.0.0+build.2', 0], // build metadata has no precedence
  ['1.0.0+build', '1.0.0', 0],
  ['1.0.0-rc.1+build.5', '1.0.0-rc.1', 0],
  ['0.2.1-0', '0.2.1', -1],
  ['0.0.0-0', '0.0.0', -1],
  ['9007199254740991.0.0', '9007199254740990.9.9', 1],
  ['0.0.0-20210101000000-abcdef123456', '0.0.0-20210102000000-abcdef123456', -1],
];

const chain = (versions: string[]): Row[] => versions.slice(1).map((v, i) => [versions[i]!, v, -1]);

describe('semver (npm, node-semver strict)', () => {
  it.each([...chain(SPEC_CHAIN), ...COMMON,
    ['v1.2.3', '1.2.3', 0], // node-semver accepts a leading v
    [' 1.2.3\n', '1.2.3', 0], // and trims whitespace
    // node-semver turns numeric identifiers into JavaScript numbers: beyond 2^53 they collide.
    ['1.0.0-9007199254740993', '1.0.0-9007199254740992', 0],
  ] satisfies Row[])('compare(%j, %j) = %i', (a, b, expected) => {
    expect(semver.compare(a, b)).toBe(expected);
    expect(semver.compare(b, a)).toBe(-expected || 0);
  });

  it.each(['1.2.3', 'v1.2.3', ' 1.2.3 ', '1.2.3-0', '1.2.3+001', '1.0.0-x-y.z--', '9007199254740991.0.0', '1.0.0-20210101000000-abcdef123456'])(
    'accepts %j', (v) => expect(semver.isValid(v)).toBe(true),
  );

  it.each(['', '1', '1.2', '1.2.3.4', '01.2.3', '1.02.3', '1.2.3-01', '1.2.3-', '1.2.3+', '1.2.3-a..b', '=1.2.3', 'V1.2.3', 'vv1.2.3',
    '1.2.3beta', '1.2.3-é', 'latest', '^1.2.3', '9007199254740992.0.0', `1.2.3-${'a'.repeat(251)}`])(
    'rejects %j', (v) => expect(semver.isValid(v)).toBe(false),
  );
});

describe('goSemver (Go modules, golang.org/x/mod/semver)', () => {
  it.each([...chain(SPEC_CHAIN), ...COMMON,
    ['v1.2.3', '1.2.3', 0],
    ['v1', '1.0.0', 0], // Go's shorthands
    ['1.2', 'v1.2.0', 0],
    ['v2.0.0+incompatible', 'v2.0.0', 0],
    ['1.2.4-0.20210101000000-abcdef123456', '1.2.4', -1], // pseudo-versions
    ['1.2.4-0.20210101000000-abcdef123456', '1.2.3', 1],
    ['1.2.3-pre.0.20210101000000-abcdef123456', '1.2.3-pre', 1],
    ['0.0.0-20210101000000-abcdef123456', 'v0', -1],
    ['1.0.0-9007199254740993', '1.0.0-9007199254740992', 1], // exact at any size
    ['1.0.0-99999999999999999999', '1.0.0-100000000000000000000', -1],
  ] satisfies Row[])('compare(%j, %j) = %i', (a, b, expected) => {
    expect(goSemver.compare(a, b)).toBe(expected);
    expect(goSemver.compare(b, a)).toBe(-expected || 0);
  });

  it.each(['1.2.3', 'v1.2.3', 'v1', '1', 'v1.2', '0', '0.0.0-20210101000000-abcdef123456', 'v1.2.4-0.20210101000000-abcdef123456', 'v2.0.0+incompatible'])(
    'accepts %j', (v) => expect(goSemver.isValid(v)).toBe(true),
  );

  it.each(['', 'V1.2.3', ' v1.2.3', '1.2.3 ', 'vv1.2.3', '19.03.0', 'v01', 'v1.2-pre', 'v1.2+build', 'v1.2.3.4', '1.0.0-01', '=1.0.0', 'go1.21'])(
    'rejects %j', (v) => expect(goSemver.isValid(v)).toBe(false),
  );
});

describe('cargoSemver (crates.io, Rust semver crate)', () => {
  it.each([...chain(SPEC_CHAIN), ...COMMON,
    ['1.0.0-9007199254740993', '1.0.0-9007199254740992', 1],
    ['1.0.0-99999999999999999999', '1.0.0-100000000000000000000', -1],
  ] satisfies Row[])('compare(%j, %j) = %i', (a, b, expected) => {
    expect(cargoSemver.compare(a, b)).toBe(expected);
    expect(cargoSemver.compare(b, a)).toBe(-expected || 0);
  });

  it.each(['1.2.3', '0.2.1-0', '1.0.0+build.001', '1.0.0-alpha.1', '0.0.0-0', '1.0.0-x-y'])(
    'accepts %j', (v) => expect(cargoSemver.isValid(v)).toBe(true),
  );

  it.each(['', 'v1.2.3', ' 1.2.3', '1.2.3 ', '1', '1.2', '01.0.0', '1.0.0-01', '=1.0.0', '1.0.0-', '1.0.0+', '1.0.0-a..b', '*'])(
    'rejects %j', (v) => expect(cargoSemver.isValid(v)).toBe(false),
  );
});

describe.each([
  { scheme: semver, ecosystem: 'npm' },
  { scheme: goSemver, ecosystem: 'Go' },
  { scheme: cargoSemver, ecosystem: 'crates.io' },
])('$ecosystem: invalid versions', ({ scheme, ecosystem }) => {
  it('is named semver', () => expect(scheme.name).toBe('semver'));

  it('throws a validation error naming the version and the scheme', () => {
    for (const [a, b] of [['1.2.3.4', '1.0.0'], ['1.0.0', 'not-a-version']] as const) {
      let error: unknown;
      try {
        scheme.compare(a, b);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('validation');
      const bad = a === '1.0.0' ? b : a;
      expect((error as AppError).message).toContain(`"${bad}"`);
      expect((error as AppError).message).toContain(`semver scheme (${ecosystem})`);
    }
  });
});
