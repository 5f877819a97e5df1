/**
 * PEP 440 versions of the PyPI ecosystem, parsed and ordered exactly like Python's
 * `packaging.version.Version`. Pure: no IO. Numbers are digit strings of any length, never
 * JavaScript numbers, so `1.99999999999999999999` neither overflows nor loses precision.
 */
import { AppError } from '../../domain/errors.js';
import type { Comparison, VersionScheme } from '../scheme.js';

/** A parsed PEP 440 version; every number is a digit string without leading zeros. */
export interface Pep440Version {
  /** `0` unless written as `N!`. */
  readonly epoch: string;
  /** The release segment as written (trailing zeros kept; they do not count in comparisons). */
  readonly release: readonly string[];
  /** The pre-release, normalised: `alpha` → `a`, `beta` → `b`, `c`/`pre`/`preview` → `rc`. */
  readonly pre: { readonly label: 'a' | 'b' | 'rc'; readonly number: string } | null;
  /** The post-release number (`.post1`, `-1`, `rev1`, `r1`, `post` alone = 0). */
  readonly post: string | null;
  /** The development release number (`.dev1`, `dev` alone = 0). */
  readonly dev: string | null;
  /** The local segments, lower-cased, numeric ones without leading zeros (`+Ubuntu.01` → `ubuntu`, `1`). */
  readonly local: readonly string[] | null;
  /** The normalised form, as `str(packaging.version.Version(v))` prints it. */
  readonly normalized: string;
}

// Python's `\s` (str.isspace): packaging strips it around the version.
const SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const TRIM = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');

const NUM = '[0-9]+';
const SEP = '[-_.]?';
/**
 * PEP 440's grammar (Appendix B), ASCII letters matched case-insensitively (the `i` flag without
 * `u` does not fold non-ASCII letters such as `ſ` onto `s`, like packaging's `(?a:...)`).
 */
const GRAMMAR = new RegExp(
  '^v?' +
    `(?:(?<epoch>${NUM})!)?` +
    `(?<release>${NUM}(?:\\.${NUM})*)` +
    `(?:${SEP}(?<preLabel>alpha|a|beta|b|preview|pre|c|rc)${SEP}(?<preNumber>${NUM})?)?` +
    `(?:-(?<implicitPost>${NUM})|${SEP}(?<postLabel>post|rev|r)${SEP}(?<postNumber>${NUM})?)?` +
    `(?:${SEP}(?<devLabel>dev)${SEP}(?<devNumber>${NUM})?)?` +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  'i',
);

const PRE_LABELS: Record<string, 'a' | 'b' | 'rc'> = { a: 'a', alpha: 'a', b: 'b', beta: 'b', c: 'rc', rc: 'rc', pre: 'rc', preview: 'rc' };
const PRE_RANK = { a: 0, b: 1, rc: 2 } as const;
const DIGITS = /^[0-9]+$/;

const number = (digits: string): string => digits.replace(/^0+(?=[0-9])/, '');

function compareNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Parses a PEP 440 version as `packaging.version.Version` does: surrounding whitespace, a leading
 * `v` and letter case are ignored, spellings and separators are normalised. Returns null for
 * anything packaging rejects (`InvalidVersion`), including the LegacyVersion strings of old
 * setuptools such as `1.0-beta-x` or `foo`.
 *
 * @example
 *   parsePep440(' V1.0-ALPHA.2 ')?.normalized // '1.0a2'
 *   parsePep440('1!2.0.post3.dev4+Ubuntu-1')?.normalized // '1!2.0.post3.dev4+ubuntu.1'
 *   parsePep440('1.0-beta-x') // null
 */
export function parsePep440(version: string): Pep440Version | null {
  const groups = GRAMMAR.exec(version.replace(TRIM, ''))?.groups;
  if (groups === undefined) return null;
  const { epoch, release = '', preLabel, preNumber, implicitPost, postLabel, postNumber, devLabel, devNumber, local } = groups;
  const label = preLabel === undefined ? undefined : PRE_LABELS[preLabel.toLowerCase()];
  const parsed = {
    epoch: number(epoch ?? '0'),
    release: release.split('.').map(number),
    pre: label === undefined ? null : { label, number: number(preNumber ?? '0') },
    post: implicitPost !== undefined ? number(implicitPost) : postLabel === undefined ? null : number(postNumber ?? '0'),
    dev: devLabel === undefined ? null : number(devNumber ?? '0'),
    local: local === undefined ? null : local.toLowerCase().split(/[-_.]/).map((s) => (DIGITS.test(s) ? number(s) : s)),
  };
  let normalized = `${parsed.epoch === '0' ? '' : `${parsed.epoch}!`}${parsed.release.join('.')}`;
  if (parsed.pre !== null) normalized += `${parsed.pre.label}${parsed.pre.number}`;
  if (parsed.post !== null) normalized += `.post${parsed.post}`;
  if (parsed.dev !== null) normalized += `.dev${parsed.dev}`;
  if (parsed.local !== null) normalized += `+${parsed.local.join('.')}`;
  return { ...parsed, normalized };
}

/**
 * The pre-release rank of packaging's `_cmpkey`: a dev release with neither pre nor post release
 * sorts before any `a`; no pre-release sorts after `rc`.
 */
function preRank(v: Pep440Version): number {
  return v.pre !== null ? PRE_RANK[v.pre.label] : v.post === null && v.dev !== null ? -1 : 3;
}

/** The release without its trailing zeros (`1.0.0` and `1` are the same release). */
function significantLength(release: readonly string[]): number {
  let end = release.length;
  while (end > 0 && release[end - 1] === '0') end -= 1;
  return end;
}

function compareLocal(a: readonly string[] | null, b: readonly string[] | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1; // no local segment first
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    const x = a[i]!;
    const y = b[i]!;
    const xNumeric = DIGITS.test(x);
    const yNumeric = DIGITS.test(y);
    const order = xNumeric && yNumeric ? compareNumbers(x, y) : xNumeric !== yNumeric ? (xNumeric ? 1 : -1) : x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/**
 * Orders two parsed versions exactly as packaging does: epoch, release (trailing zeros ignored:
 * `1.0 == 1.0.0`), pre/post/dev suffix, then local segments (numeric beats alphanumeric, longer
 * wins on a common prefix).
 *
 * @example
 *   comparePep440(parsePep440('1.0.dev1')!, parsePep440('1.0a1')!) // -1
 */
export function comparePep440(a: Pep440Version, b: Pep440Version): Comparison {
  // Allocation-free: matching compares the same parsed versions millions of times.
  let order = compareNumbers(a.epoch, b.epoch);
  if (order !== 0) return order < 0 ? -1 : 1;
  const la = significantLength(a.release);
  const lb = significantLength(b.release);
  for (let i = 0; i < la && i < lb; i += 1) {
    order = compareNumbers(a.release[i]!, b.release[i]!);
    if (order !== 0) return order < 0 ? -1 : 1;
  }
  if (la !== lb) return la < lb ? -1 : 1;
  // Then the suffix key: pre-release rank and number, post-release (none first), dev release (none last).
  order = preRank(a) - preRank(b);
  if (order === 0) order = compareNumbers(a.pre?.number ?? '0', b.pre?.number ?? '0');
  if (order === 0) order = (a.post === null ? 0 : 1) - (b.post === null ? 0 : 1);
  if (order === 0) order = compareNumbers(a.post ?? '0', b.post ?? '0');
  if (order === 0) order = (a.dev === null ? 1 : 0) - (b.dev === null ? 1 : 0);
  if (order === 0) order = compareNumbers(a.dev ?? '0', b.dev ?? '0');
  if (order === 0) order = compareLocal(a.local, b.local);
  return order < 0 ? -1 : order > 0 ? 1 : 0;
}

/**
 * Parsed versions by string: advisory matching compares the same few versions millions of times,
 * and parsing (a regex and normalisation) costs far more than comparing. Bounded: cleared when full.
 */
const CACHE_LIMIT = 50_000;
const cache = new Map<string, Pep440Version | null>();

function parseCached(version: string): Pep440Version | null {
  let parsed = cache.get(version);
  if (parsed === undefined) {
    parsed = parsePep440(version);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(version, parsed);
  }
  return parsed;
}

function parseOrThrow(version: string): Pep440Version {
  const parsed = parseCached(version);
  if (parsed !== null) return parsed;
  throw new AppError(
    'validation',
    `"${version}" is not a valid version of the pep440 scheme (PyPI): expected a PEP 440 version ` +
      'such as 1.0, 2!1.0rc1, 1.0.post1.dev2 or 1.0+ubuntu.1.',
    { details: { version, scheme: 'pep440' } },
  );
}

/**
 * PyPI's versions, ordered exactly like Python's `packaging.version.Version`.
 *
 * @example
 *   pep440.compare('1.0', '1.0.0') // 0
 *   pep440.compare('1.0.post1.dev1', '1.0.post1') // -1
 *   pep440.compare('1!0.1', '2.0') // 1
 *   pep440.isValid('1.0-beta-x') // false
 */
export const pep440: VersionScheme = {
  name: 'pep440',
  isValid: (version) => parseCached(version) !== null,
  compare: (a, b) => comparePep440(parseOrThrow(a), parseOrThrow(b)),
};
