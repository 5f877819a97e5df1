/**
 * RPM versions, `[epoch:]version[-release]`, ordered exactly as rpm 4.18 orders them: rpmvercmp()
 * on each part (with `~` and `^`), and EVR comparison as rpmverCmp() (what `rpm.vercmp` in rpm's
 * Lua and `rpmdev-vercmp` use): a missing epoch is 0; a missing release is older than any release.
 * Checked against rpm's own `rpm.vercmp` in rpm.oracle.test.ts.
 *
 * rpm.vercmp accepts any non-empty string; we accept what rpmbuild can produce: an optional
 * numeric epoch, a non-empty version and an optional non-empty release after the only hyphen, both
 * of letters, digits and `._+~^`. Anything else is an explicit error, never a guess.
 *
 * Note: rpm's dependency matching (rpmdsCompare / rpmverOverlap) treats a missing release as "any
 * release"; that is a range rule, not the order. Callers that match ranges decide it themselves.
 */
import { AppError } from '../../domain/errors.js';
import type { Comparison, VersionScheme } from '../scheme.js';

/** A parsed RPM EVR. `epoch` is `undefined` when absent (compares as 0); `release` likewise (older than any release). */
export interface RpmEvr {
  readonly epoch: string | undefined;
  readonly version: string;
  readonly release: string | undefined;
}

const ZERO = 0x30;
const NINE = 0x39;
const TILDE = 0x7e;
const CARET = 0x5e;
const COLON = 0x3a;
const HYPHEN = 0x2d;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}
function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
/** Characters rpmbuild allows in Version and Release: letters, digits and `._+~^`. */
function isVersionChar(c: number): boolean {
  return isDigit(c) || isAlpha(c) || c === 0x2e || c === 0x5f || c === 0x2b || c === TILDE || c === CARET;
}

// Results of the last `locate` call (module scratch: compare must not allocate).
/** End of the epoch digits (the colon's index), or -1 when there is no epoch. */
let foundColon = -1;
/** Index of the release hyphen, or -1 when there is no release. */
let foundHyphen = -1;

/** Finds the parts of `v` into the scratch variables; returns why `v` is invalid, or undefined. */
function locate(v: string): string | undefined {
  const n = v.length;
  if (n === 0) return 'the version is empty';
  let i = 0;
  while (i < n && isDigit(v.charCodeAt(i))) i++;
  let colon = -1;
  let start = 0;
  if (i < n && v.charCodeAt(i) === COLON) {
    if (i === 0) return 'the epoch before ":" is empty';
    colon = i;
    start = i + 1;
  }
  let hyphen = -1;
  for (let j = start; j < n; j++) {
    const c = v.charCodeAt(j);
    if (c === HYPHEN) {
      if (hyphen >= 0) return 'it has more than one "-" (rpm versions and releases cannot contain "-")';
      hyphen = j;
    } else if (!isVersionChar(c)) {
      if (c === COLON) return 'a ":" may only follow a numeric epoch at the start';
      return `character ${JSON.stringify(v[j])} at position ${j + 1} is not allowed (letters, digits and ._+~^ only)`;
    }
  }
  if ((hyphen < 0 ? n : hyphen) === start) return 'the version part is empty';
  if (hyphen === n - 1) return 'the release after "-" is empty';
  foundColon = colon;
  foundHyphen = hyphen;
  return undefined;
}

function invalid(v: string, reason: string): AppError {
  return new AppError('validation', `Invalid rpm version ${JSON.stringify(v)}: ${reason} (scheme rpm)`, {
    details: { scheme: 'rpm', version: v },
  });
}

/**
 * rpmvercmp() over a[ai..ae) and b[bi..be): segments of digits or letters, separators skipped,
 * `~` before everything (even the end), `^` after the end but before any further segment, a
 * numeric segment newer than an alphabetic one, numbers compared without leading zeros.
 */
function vercmp(a: string, ai: number, ae: number, b: string, bi: number, be: number): Comparison {
  while (ai < ae || bi < be) {
    while (ai < ae) {
      const c = a.charCodeAt(ai);
      if (isDigit(c) || isAlpha(c) || c === TILDE || c === CARET) break;
      ai++;
    }
    while (bi < be) {
      const c = b.charCodeAt(bi);
      if (isDigit(c) || isAlpha(c) || c === TILDE || c === CARET) break;
      bi++;
    }
    const ac = ai < ae ? a.charCodeAt(ai) : -1;
    const bc = bi < be ? b.charCodeAt(bi) : -1;
    if (ac === TILDE || bc === TILDE) {
      if (ac !== TILDE) return 1;
      if (bc !== TILDE) return -1;
      ai++;
      bi++;
      continue;
    }
    if (ac === CARET || bc === CARET) {
      if (ac < 0) return -1;
      if (bc < 0) return 1;
      if (ac !== CARET) return 1;
      if (bc !== CARET) return -1;
      ai++;
      bi++;
      continue;
    }
    if (ac < 0 || bc < 0) break;
    const numeric = isDigit(ac);
    let aj = ai;
    let bj = bi;
    if (numeric) {
      while (aj < ae && isDigit(a.charCodeAt(aj))) aj++;
      while (bj < be && isDigit(b.charCodeAt(bj))) bj++;
    } else {
      while (aj < ae && isAlpha(a.charCodeAt(aj))) aj++;
      while (bj < be && isAlpha(b.charCodeAt(bj))) bj++;
    }
    // b has a segment of the other type here: numeric is newer than alphabetic.
    if (bj === bi) return numeric ? 1 : -1;
    if (numeric) {
      while (ai < aj && a.charCodeAt(ai) === ZERO) ai++;
      while (bi < bj && b.charCodeAt(bi) === ZERO) bi++;
      if (aj - ai !== bj - bi) return aj - ai > bj - bi ? 1 : -1;
    }
    // strcmp of the two segments (equal-length digit runs, or letter runs).
    while (ai < aj && bi < bj) {
      const d = a.charCodeAt(ai) - b.charCodeAt(bi);
      if (d !== 0) return d < 0 ? -1 : 1;
      ai++;
      bi++;
    }
    if (ai < aj) return 1;
    if (bi < bj) return -1;
  }
  if (ai >= ae && bi >= be) return 0;
  return ai >= ae ? -1 : 1;
}

/**
 * rpm's rpmvercmp() on two bare version (or release) strings, without EVR splitting: useful to
 * order releases alone. Any characters are accepted here, as rpm does; separators are skipped.
 *
 * @example
 *   rpmvercmp('1.0^git1', '1.01') // -1
 *   rpmvercmp('6.0.rc1', '6.0')   // 1
 */
export function rpmvercmp(a: string, b: string): Comparison {
  return vercmp(a, 0, a.length, b, 0, b.length);
}

/**
 * Parses an RPM EVR `[epoch:]version[-release]` (the release starts after the hyphen). Throws
 * `AppError('validation')` naming the version when it is not a version rpmbuild could produce.
 *
 * @example
 *   parseEvr('1:2.4.37-62.el8') // { epoch: '1', version: '2.4.37', release: '62.el8' }
 *   parseEvr('2.0')             // { epoch: undefined, version: '2.0', release: undefined }
 */
export function parseEvr(evr: string): RpmEvr {
  const reason = locate(evr);
  if (reason !== undefined) throw invalid(evr, reason);
  const start = foundColon + 1;
  return {
    epoch: foundColon >= 0 ? evr.slice(0, foundColon) : undefined,
    version: evr.slice(start, foundHyphen >= 0 ? foundHyphen : evr.length),
    release: foundHyphen >= 0 ? evr.slice(foundHyphen + 1) : undefined,
  };
}

/** Compares epoch digit strings a[0..ae) and b[0..be); an absent epoch (end 0) is "0". */
function compareEpochs(a: string, ae: number, b: string, be: number): Comparison {
  let ai = 0;
  let bi = 0;
  while (ai < ae && a.charCodeAt(ai) === ZERO) ai++;
  while (bi < be && b.charCodeAt(bi) === ZERO) bi++;
  if (ae - ai !== be - bi) return ae - ai > be - bi ? 1 : -1;
  for (; ai < ae; ai++, bi++) {
    const d = a.charCodeAt(ai) - b.charCodeAt(bi);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/**
 * Compares two RPM EVRs as rpm 4.18's rpmverCmp() (`rpm.vercmp`): epoch (missing = 0), then
 * version, then release with rpmvercmp(); when only one side has a release, that side is newer.
 *
 * @example
 *   compareEvr('1:1.0-1', '2.0-1')     // 1
 *   compareEvr('1.0~rc1-1', '1.0-1')   // -1
 *   compareEvr('1.0', '1.0-1')         // -1
 */
export function compareEvr(a: string, b: string): Comparison {
  let reason = locate(a);
  if (reason !== undefined) throw invalid(a, reason);
  const aColon = foundColon;
  const aHyphen = foundHyphen;
  reason = locate(b);
  if (reason !== undefined) throw invalid(b, reason);
  const bColon = foundColon;
  const bHyphen = foundHyphen;
  if (a === b) return 0;
  const epoch = compareEpochs(a, aColon < 0 ? 0 : aColon, b, bColon < 0 ? 0 : bColon);
  if (epoch !== 0) return epoch;
  const aVersionEnd = aHyphen < 0 ? a.length : aHyphen;
  const bVersionEnd = bHyphen < 0 ? b.length : bHyphen;
  const version = vercmp(a, aColon + 1, aVersionEnd, b, bColon + 1, bVersionEnd);
  if (version !== 0) return version;
  if (aHyphen < 0 || bHyphen < 0) return aHyphen < 0 ? (bHyphen < 0 ? 0 : -1) : 1;
  return vercmp(a, aHyphen + 1, a.length, b, bHyphen + 1, b.length);
}

/** The rpm version scheme (Red Hat, AlmaLinux, Rocky Linux, SUSE, openSUSE, ...). */
export const rpm: VersionScheme = {
  name: 'rpm',
  isValid: (version) => locate(version) === undefined,
  compare: compareEvr,
};
