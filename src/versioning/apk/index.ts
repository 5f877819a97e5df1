/**
 * Alpine (apk-tools) package versions, `digits{.digits}[letter]{_suffix[digits]}[~hash][-rN]`,
 * ordered as apk-tools' current src/version.c orders them (`apk version -t`):
 *
 * - the first number and suffix/revision numbers compare numerically;
 * - a later `.number` compares numerically, unless either side starts with `0`: then the digit
 *   strings compare as strings (`1.01 < 1.1`, `1.0 < 1.00`, `1.010 < 1.09`), Gentoo's rule;
 * - one lower-case letter may follow the numbers (`1.2a`);
 * - suffixes `_alpha < _beta < _pre < _rc` < (none) < `_cvs < _svn < _git < _hg < _p`, each with
 *   an optional number, several allowed (`1.0_alpha_pre2`);
 * - `~hash` (lower-case hex) is a commit id, compared as a string; `-rN` is the package revision;
 * - when one version runs out first, the longer one is newer unless what follows is a pre-release
 *   suffix; otherwise the kind of what follows decides, in the order
 *   `.number` > letter > suffix > `~hash` > `-rN` > end.
 *
 * No apk binary exists on Debian, so apk.test.ts checks rows of apk-tools' own test data
 * (test/version.data) plus cases read from the algorithm. One deliberate difference: apk-tools
 * keeps numbers in a uint64 that wraps silently; we emulate that wrap so the order stays apk's.
 */
import { AppError } from '../../domain/errors.js';
import type { Comparison, VersionScheme } from '../scheme.js';

// Token kinds, in apk-tools' order: the order is the semantics (see the module comment).
const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const COMMIT_HASH = 5;
const REVISION_NO = 6;
const END = 7;
const INVALID = 8;

/** Suffix ranks; NONE (5) is the release itself. */
const SUFFIX_NONE = 5;
const SUFFIX_RANK: Readonly<Record<string, number>> = { alpha: 1, beta: 2, pre: 3, rc: 4, cvs: 6, svn: 7, git: 8, hg: 9, p: 10 };

const ZERO = 0x30;
const NINE = 0x39;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}
function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66);
}

/** One tokenizer over a version string; two instances are reused so comparing allocates nothing. */
class Tokens {
  s = '';
  pos = 0;
  token = INITIAL_DIGIT;
  suffix = 0;
  /** The token's text is s[start..end). */
  start = 0;
  end = 0;
  /** Why the token is INVALID. */
  problem = '';

  first(s: string): void {
    this.s = s;
    this.pos = 0;
    this.token = INITIAL_DIGIT;
    this.digits('it must start with a digit');
  }

  private fail(problem: string): void {
    this.token = INVALID;
    this.problem = problem;
  }

  private digits(problem: string): void {
    const s = this.s;
    this.start = this.pos;
    while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) this.pos++;
    this.end = this.pos;
    if (this.end === this.start) this.fail(problem);
  }

  next(): void {
    const s = this.s;
    if (this.pos >= s.length) {
      this.token = END;
      return;
    }
    const c = s.charCodeAt(this.pos);
    const at = this.pos + 1;
    if (isLower(c)) {
      if (this.token > DIGIT) return this.fail(`the letter at position ${at} must follow a number (one letter only)`);
      this.start = this.pos;
      this.end = ++this.pos;
      this.token = LETTER;
    } else if (c === 0x2e || isDigit(c)) {
      if (c === 0x2e) {
        if (this.token > DIGIT) return this.fail(`"." at position ${at} must follow a number`);
        this.pos++;
      }
      if (this.token === INITIAL_DIGIT || this.token === DIGIT) this.token = DIGIT;
      else if (this.token === SUFFIX) this.token = SUFFIX_NO;
      else return this.fail(`the digit at position ${at} is not allowed here`);
      this.digits(`"." at position ${at} must be followed by digits`);
    } else if (c === 0x5f) {
      if (this.token > SUFFIX_NO) return this.fail(`the suffix at position ${at} must come before "~hash" and "-rN"`);
      this.start = ++this.pos;
      while (this.pos < s.length && isLower(s.charCodeAt(this.pos))) this.pos++;
      this.end = this.pos;
      const name = s.slice(this.start, this.end);
      const rank = Object.hasOwn(SUFFIX_RANK, name) ? SUFFIX_RANK[name] : undefined;
      if (rank === undefined) return this.fail(`"_${name}" at position ${at} is not a suffix (alpha, beta, pre, rc, cvs, svn, git, hg, p)`);
      this.suffix = rank;
      this.token = SUFFIX;
    } else if (c === 0x7e) {
      if (this.token >= COMMIT_HASH) return this.fail(`"~" at position ${at} is not allowed here`);
      this.start = ++this.pos;
      while (this.pos < s.length && isHex(s.charCodeAt(this.pos))) this.pos++;
      this.end = this.pos;
      if (this.end === this.start) return this.fail(`"~" at position ${at} must be followed by a lower-case hex commit id`);
      this.token = COMMIT_HASH;
    } else if (c === 0x2d) {
      if (this.token >= REVISION_NO || s.charCodeAt(this.pos + 1) !== 0x72) return this.fail(`"-" at position ${at} must start the one revision "-rN"`);
      this.pos += 2;
      this.token = REVISION_NO;
      this.digits(`"-r" at position ${at} must be followed by digits`);
    } else {
      this.fail(`character ${JSON.stringify(s[this.pos])} at position ${at} is not allowed`);
    }
  }
}

const ta = new Tokens();
const tb = new Tokens();

/** Returns why `v` is not a valid apk version, or undefined. */
function check(v: string, t: Tokens): string | undefined {
  if (v.length === 0) return 'the version is empty';
  for (t.first(v); t.token < END; t.next());
  return t.token === END ? undefined : t.problem;
}

function invalid(v: string, reason: string): AppError {
  return new AppError('validation', `Invalid apk version ${JSON.stringify(v)}: ${reason} (scheme apk)`, {
    details: { scheme: 'apk', version: v },
  });
}

const UINT64 = (1n << 64n) - 1n;

/** Compares two digit runs as apk's uint64 numbers (which wrap past 2^64 - 1). */
function compareNumbers(a: string, as: number, ae: number, b: string, bs: number, be: number): Comparison {
  while (as < ae && a.charCodeAt(as) === ZERO) as++;
  while (bs < be && b.charCodeAt(bs) === ZERO) bs++;
  if (ae - as >= 20 || be - bs >= 20) {
    const x = BigInt(a.slice(as, ae) || '0') & UINT64;
    const y = BigInt(b.slice(bs, be) || '0') & UINT64;
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (ae - as !== be - bs) return ae - as < be - bs ? -1 : 1;
  return compareStrings(a, as, ae, b, bs, be);
}

/** apk_blob_sort: byte order over the common length, then the shorter first. */
function compareStrings(a: string, as: number, ae: number, b: string, bs: number, be: number): Comparison {
  for (; as < ae && bs < be; as++, bs++) {
    const d = a.charCodeAt(as) - b.charCodeAt(bs);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  const la = ae - as;
  const lb = be - bs;
  return la === lb ? 0 : la < lb ? -1 : 1;
}

function compareTokens(x: Tokens, y: Tokens): Comparison {
  switch (x.token) {
    case DIGIT:
      if (x.s.charCodeAt(x.start) === ZERO || y.s.charCodeAt(y.start) === ZERO) return compareStrings(x.s, x.start, x.end, y.s, y.start, y.end);
      return compareNumbers(x.s, x.start, x.end, y.s, y.start, y.end);
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
      return compareNumbers(x.s, x.start, x.end, y.s, y.start, y.end);
    case SUFFIX:
      return x.suffix === y.suffix ? 0 : x.suffix < y.suffix ? -1 : 1;
    default: // LETTER (one character) and COMMIT_HASH
      return compareStrings(x.s, x.start, x.end, y.s, y.start, y.end);
  }
}

/**
 * Compares two Alpine package versions as apk-tools does (`apk version -t a b`). Throws
 * `AppError('validation')` naming the version when either is not a valid apk version.
 *
 * @example
 *   compareApk('1.2.3-r1', '1.2.3')     // 1
 *   compareApk('1.0_rc1', '1.0')        // -1
 *   compareApk('1.0_p1', '1.0a')        // -1
 */
export function compareApk(a: string, b: string): Comparison {
  let reason = check(a, ta);
  if (reason !== undefined) throw invalid(a, reason);
  reason = check(b, ta);
  if (reason !== undefined) throw invalid(b, reason);
  if (a === b) return 0;
  ta.first(a);
  tb.first(b);
  while (ta.token === tb.token && ta.token < END) {
    const r = compareTokens(ta, tb);
    if (r !== 0) return r;
    ta.next();
    tb.next();
  }
  if (ta.token === tb.token) return 0;
  // Equal so far and one side goes on: it is newer unless it goes on with a pre-release suffix.
  if (ta.token === SUFFIX && ta.suffix < SUFFIX_NONE) return -1;
  if (tb.token === SUFFIX && tb.suffix < SUFFIX_NONE) return 1;
  return ta.token > tb.token ? -1 : 1;
}

/**
 * True when `version` is a valid apk version (`apk version -c`).
 *
 * @example
 *   isValidApk('2.3.0b-r1')  // true
 *   isValidApk('1.0-1')      // false (the revision is "-rN")
 */
export function isValidApk(version: string): boolean {
  return check(version, ta) === undefined;
}

/** The apk version scheme (Alpine, Wolfi, Chainguard). */
export const apk: VersionScheme = {
  name: 'apk',
  isValid: isValidApk,
  compare: compareApk,
};
