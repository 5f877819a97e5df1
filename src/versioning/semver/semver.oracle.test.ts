/**
 * Oracle tests: thousands of seeded, generated versions and pairs compared in batch with node-semver
 * (`semver.valid`, `semver.compare`, strict), plus every version of the OSV samples of npm, Go and
 * crates.io. Agreement must be 100%.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeSemver from 'semver';
import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../../test/helpers/components.js';
import { cargoSemver, goSemver, semver } from './index.js';
import { seededRandom } from '../../../test/helpers/oracles.js';


const random = seededRandom(0x5e3e7);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (p: number): boolean => random() < p;

// Fragments: mostly valid, with the edge cases of SemVer 2.0 and of node-semver's strict parser.
const CORE = ['0', '0', '1', '1', '2', '3', '9', '10', '11', '99', '100', '2024', '9007199254740991'];
const BAD_CORE = ['01', '00', '9007199254740992', '123456789012345678901', '', 'x', '1a'];
const PRE_ID = ['alpha', 'beta', 'rc', 'pre', '0', '1', '2', '9', '10', '11', 'alpha1', 'a1', '1a', '0a', '-', '--', 'x-y',
  'Alpha', 'RC', 'BETA', 'z', 'A', '20210101000000-abcdef123456', '9007199254740990', '9007199254740991'];
const BAD_PRE_ID = ['01', '00', '', 'a_b', 'é', '99999999999999999999'];
const BUILD = ['build', '001', 'exp', 'sha', '5114f85', '20130313144700', 'incompatible', 'x-y', '0'];

function core(): string {
  const n = (): string => (chance(0.03) ? pick(BAD_CORE) : pick(CORE));
  if (chance(0.03)) return n(); // Go shorthands `1`, `1.2`; invalid for npm and Cargo
  if (chance(0.03)) return `${n()}.${n()}`;
  if (chance(0.02)) return `${n()}.${n()}.${n()}.${n()}`;
  return `${n()}.${n()}.${n()}`;
}

function prerelease(): string {
  if (chance(0.45)) return '';
  const ids = Array.from({ length: 1 + Math.floor(random() * 3) }, () => (chance(0.03) ? pick(BAD_PRE_ID) : pick(PRE_ID)));
  return `-${ids.join('.')}`;
}

function build(): string {
  if (chance(0.7)) return '';
  if (chance(0.05)) return pick(['+', '+a..b', '+a+b']);
  return `+${Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(BUILD)).join('.')}`;
}

function wrap(body: string): string {
  const prefix = chance(0.9) ? '' : pick(['v', 'v', 'V', '=', ' ', 'vv', '\t']);
  const suffix = chance(0.97) ? '' : pick([' ', '\n', '-', '.']);
  return `${prefix}${body}${suffix}`;
}

function version(): string {
  return wrap(`${core()}${prerelease()}${build()}`);
}

/** A version near `v`: one part replaced, so pairs often share a core or a pre-release. */
function neighbour(v: string): string {
  const m = /^(\s*v?)([^-+]*)(-[^+]*)?(\+.*)?$/.exec(v);
  if (m === null) return version();
  const [, prefix = '', main = '', pre = '', plus = ''] = m;
  switch (Math.floor(random() * 4)) {
    case 0: return `${prefix}${main}${prerelease()}${plus}`;
    case 1: return `${prefix}${main}${pre}${build()}`;
    case 2: return `${prefix}${main}${pre ? `${pre}.${pick(PRE_ID)}` : prerelease()}`;
    default: return `${pick(['', 'v'])}${core()}${pre}${plus}`;
  }
}

const POOL = Array.from({ length: 2000 }, version);
const PAIRS: Array<[string, string]> = Array.from({ length: 8000 }, () => {
  const a = pick(POOL);
  return [a, chance(0.6) ? neighbour(a) : pick(POOL)];
});
const ALL = [...new Set([...POOL, ...PAIRS.flat()])];

/** node-semver's answer, or null when it rejects either version. */
function oracle(a: string, b: string): number | null {
  return nodeSemver.valid(a) === null || nodeSemver.valid(b) === null ? null : nodeSemver.compare(a, b);
}

/** A plain SemVer string, as OSV writes npm, Go and crates.io versions: no prefix, no whitespace. */
const plain = (v: string): boolean => /^[0-9]/.test(v) && v.trim() === v && nodeSemver.valid(v) !== null;
/** node-semver loses precision on numeric pre-release identifiers beyond 2^53; Go and Cargo do not. */
const smallIds = (v: string): boolean => (nodeSemver.parse(v)?.prerelease ?? []).every((id) => !/^[0-9]+$/.test(String(id)) || Number(id) < 2 ** 53);

describe('semver (npm) against node-semver', () => {
  it(`agrees on the validity of ${ALL.length} generated strings`, () => {
    const disagreements = ALL.filter((v) => semver.isValid(v) !== (nodeSemver.valid(v) !== null));
    expect(disagreements).toEqual([]);
    expect(ALL.filter((v) => semver.isValid(v)).length).toBeGreaterThan(ALL.length / 2);
  });

  it(`agrees on ${PAIRS.length} generated pairs`, () => {
    const compared = PAIRS.filter(([a, b]) => oracle(a, b) !== null);
    expect(compared.length).toBeGreaterThan(5000);
    const disagreements = compared.filter(([a, b]) => semver.compare(a, b) !== oracle(a, b));
    expect(disagreements).toEqual([]);
    const outcomes = new Set(compared.map(([a, b]) => semver.compare(a, b)));
    expect([...outcomes].sort()).toEqual([-1, 0, 1]);
  });

  it('sorts the generated pool exactly as node-semver does', () => {
    const valid = POOL.filter((v) => nodeSemver.valid(v) !== null);
    expect([...valid].sort((a, b) => semver.compare(a, b))).toEqual([...valid].sort((a, b) => nodeSemver.compare(a, b)));
  });
});

describe.each([
  { scheme: goSemver, ecosystem: 'Go', acceptsV: true },
  { scheme: cargoSemver, ecosystem: 'crates.io', acceptsV: false },
])('$ecosystem variant against node-semver', ({ scheme, acceptsV }) => {
  const plainPairs = PAIRS.filter(([a, b]) => plain(a) && plain(b) && smallIds(a) && smallIds(b));

  it('accepts every plain SemVer string node-semver accepts, and `v` only for Go', () => {
    const valid = ALL.filter(plain);
    expect(valid.filter((v) => !scheme.isValid(v))).toEqual([]);
    expect(valid.filter((v) => scheme.isValid(`v${v}`) !== acceptsV)).toEqual([]);
    expect(valid.filter((v) => scheme.isValid(` ${v}`) || scheme.isValid(`${v}\n`))).toEqual([]);
  });

  it('rejects every string node-semver rejects (except the Go shorthands)', () => {
    const shorthand = /^v?(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$/;
    const accepted = ALL.filter((v) => nodeSemver.valid(v) === null && scheme.isValid(v) && !(acceptsV && shorthand.test(v)));
    expect(accepted).toEqual([]);
  });

  it('agrees with node-semver on the generated plain pairs, with and without `v`', () => {
    expect(plainPairs.length).toBeGreaterThan(3000);
    const disagreements = plainPairs.filter(([a, b]) => scheme.compare(a, b) !== oracle(a, b));
    expect(disagreements).toEqual([]);
    if (acceptsV) expect(plainPairs.filter(([a, b]) => scheme.compare(`v${a}`, b) !== oracle(a, b))).toEqual([]);
  });
});

const here = dirname(fileURLToPath(import.meta.url));
const osvDir = resolve(here, '../../../../shared/data/osv');
const haveOsv = requireComponent('OSV sample data', existsSync(osvDir), `expected at ${osvDir}, the shared/ folder beside the repository`);

/** The version strings of one ecosystem's OSV sample: `versions` and range events (but not `0`). */
function osvVersions(ecosystem: string): string[] {
  const found = new Set<string>();
  for (const file of readdirSync(join(osvDir, ecosystem)).filter((f) => f.endsWith('.json'))) {
    const record = JSON.parse(readFileSync(join(osvDir, ecosystem, file), 'utf8'));
    for (const affected of record.affected ?? []) {
      if (affected.package?.ecosystem !== ecosystem) continue;
      for (const v of affected.versions ?? []) found.add(v);
      for (const range of affected.ranges ?? []) {
        if (range.type === 'GIT') continue;
        for (const event of range.events ?? []) for (const v of Object.values<string>(event)) found.add(v);
      }
    }
  }
  // `introduced: "0"` means "before every version" and is the range evaluator's business.
  found.delete('0');
  return [...found];
}

/** Data errors of the samples: no ecosystem tool accepts these, and neither do the schemes. */
const OSV_INVALID: Record<string, string[]> = {
  npm: ['', '7.2.4, 6.11.4'], // an empty `fixed`; two versions in one `fixed`
  Go: ['19.03.0'], // a Docker release in a GHSA Go record: Go rejects the leading zero too
  'crates.io': [],
};

describe.skipIf(!haveOsv).each([
  { scheme: semver, ecosystem: 'npm' },
  { scheme: goSemver, ecosystem: 'Go' },
  { scheme: cargoSemver, ecosystem: 'crates.io' },
])('OSV $ecosystem sample', ({ scheme, ecosystem }) => {
  const versions = haveOsv ? osvVersions(ecosystem) : [];

  it('accepts every version but the known data errors, as node-semver does', () => {
    expect(versions.length).toBeGreaterThan(20);
    expect(versions.filter((v) => !scheme.isValid(v)).sort()).toEqual(OSV_INVALID[ecosystem]);
    expect(versions.filter((v) => scheme.isValid(v) !== (nodeSemver.valid(v) !== null))).toEqual([]);
  });

  it('sorts them as node-semver does', () => {
    const valid = versions.filter((v) => scheme.isValid(v));
    expect([...valid].sort((a, b) => scheme.compare(a, b))).toEqual([...valid].sort((a, b) => nodeSemver.compare(a, b)));
  });
});
