/**
 * SemVer 2.0 version schemes of the npm, Go and crates.io ecosystems, parsed by node-semver (the
 * `semver` package npm itself uses). Pure: no IO.
 *
 * Parsing is strict (`loose: false`): npm normalises every version it publishes (`semver.clean`),
 * so registry, lockfile and OSV versions are canonical, and loose parsing would only let through
 * strings such as `=1.2.3`, `01.2.3` or `1.2.3beta` whose meaning is a guess. Precedence is SemVer
 * 2.0's: build metadata (`+...`) is ignored, a pre-release sorts before its release, pre-release
 * identifiers compare numerically when both are digits and in ASCII order otherwise, and numeric
 * ones sort before alphanumeric ones.
 */
import nodeSemver, { type SemVer } from 'semver';
import { AppError } from '../../domain/errors.js';
import type { Comparison, VersionScheme } from '../scheme.js';

/** The characters of a SemVer string; anything else (whitespace, `=`, `v` inside) is invalid. */
const SEMVER_CHARS = /^[0-9][0-9A-Za-z.+-]*$/;
/** Go's shorthands `v1` and `v1.2` (golang.org/x/mod/semver) for `v1.0.0` and `v1.2.0`. */
const GO_SHORTHAND = /^(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?$/;
const DIGITS = /^[0-9]+$/;

interface Flavor {
  /** The OSV ecosystem, named in error messages. */
  readonly ecosystem: 'npm' | 'Go' | 'crates.io';
  /** The string handed to node-semver, or null when this ecosystem rejects `version` outright. */
  readonly prepare: (version: string) => string | null;
  /**
   * Compare numeric pre-release identifiers exactly at any size, as Go and Cargo do; node-semver
   * (and so npm) turns them into JavaScript numbers, which loses precision beyond 2^53.
   */
  readonly exactPrerelease: boolean;
  readonly example: string;
}

function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SemVer 2.0 §11 pre-release precedence on identifiers of any size. */
function comparePrerelease(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length; // no pre-release sorts last
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xs = String(x);
    const ys = String(y);
    const xNumeric = DIGITS.test(xs);
    const yNumeric = DIGITS.test(ys);
    let order: number;
    if (xNumeric && yNumeric) order = compareDigits(xs, ys);
    else if (xNumeric !== yNumeric) order = xNumeric ? -1 : 1;
    else order = xs < ys ? -1 : xs > ys ? 1 : 0;
    if (order !== 0) return order;
  }
  return 0;
}

function sign(n: number): Comparison {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function makeScheme(flavor: Flavor): VersionScheme {
  const parse = (version: string): SemVer | null => {
    const prepared = flavor.prepare(version);
    return prepared === null ? null : nodeSemver.parse(prepared, { loose: false });
  };
  const parseOrThrow = (version: string): SemVer => {
    const parsed = parse(version);
    if (parsed !== null) return parsed;
    throw new AppError(
      'validation',
      `"${version}" is not a valid version of the semver scheme (${flavor.ecosystem}): expected ` +
        `MAJOR.MINOR.PATCH with an optional -PRERELEASE and +BUILD, for example ${flavor.example}.`,
      { details: { version, scheme: 'semver', ecosystem: flavor.ecosystem } },
    );
  };
  return {
    name: 'semver',
    isValid: (version) => parse(version) !== null,
    compare(a, b) {
      const x = parseOrThrow(a);
      const y = parseOrThrow(b);
      if (!flavor.exactPrerelease) return sign(x.compare(y));
      return sign(x.compareMain(y) || comparePrerelease(x.prerelease, y.prerelease));
    },
  };
}

/**
 * npm's versions: exactly node-semver's strict `semver.compare` (a leading `v` and surrounding
 * whitespace are accepted, as node-semver accepts them; build metadata is ignored).
 *
 * @example
 *   semver.compare('1.0.0-rc.1', '1.0.0') // -1
 *   semver.compare('1.0.0+build.2', '1.0.0') // 0
 *   semver.isValid('1.2') // false
 */
export const semver: VersionScheme = makeScheme({
  ecosystem: 'npm',
  prepare: (version) => version,
  exactPrerelease: false,
  example: '1.2.3 or 1.2.3-rc.1',
});

/**
 * Go module versions as OSV writes them (with or without the leading `v`), ordered like
 * golang.org/x/mod/semver: pseudo-versions such as `0.0.0-20210101000000-abcdef123456` are
 * pre-releases, `+incompatible` is build metadata, and the shorthands `v1` and `v1.2` stand for
 * `v1.0.0` and `v1.2.0`. Whitespace and an upper-case `V` are invalid, as in Go.
 *
 * @example
 *   goSemver.compare('v1.2.3', '1.2.3') // 0
 *   goSemver.compare('0.0.0-20210101000000-abcdef123456', '0.0.1') // -1
 */
export const goSemver: VersionScheme = makeScheme({
  ecosystem: 'Go',
  prepare: (version) => {
    const body = version.startsWith('v') ? version.slice(1) : version;
    if (!SEMVER_CHARS.test(body)) return null;
    const short = GO_SHORTHAND.exec(body);
    if (short === null) return body;
    return `${short[1]}.${short[2] ?? '0'}.0`;
  },
  exactPrerelease: true,
  example: '1.2.3, v1.2.3 or 0.0.0-20210101000000-abcdef123456',
});

/**
 * crates.io versions as Cargo's `semver` crate parses them: plain `MAJOR.MINOR.PATCH[-PRE][+BUILD]`,
 * no `v` prefix, no whitespace; ordered by SemVer 2.0 precedence (build metadata ignored, as in
 * version requirements and OSV ranges).
 *
 * @example
 *   cargoSemver.compare('0.2.1-0', '0.2.1') // -1
 *   cargoSemver.isValid('v1.0.0') // false
 */
export const cargoSemver: VersionScheme = makeScheme({
  ecosystem: 'crates.io',
  prepare: (version) => (SEMVER_CHARS.test(version) ? version : null),
  exactPrerelease: true,
  example: '1.2.3 or 0.2.1-0',
});
