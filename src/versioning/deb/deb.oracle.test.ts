/**
 * deb against dpkg itself on thousands of generated pairs: dpkg's C `dpkg --compare-versions` on a
 * sample that includes odd and invalid versions, and dpkg's Perl Dpkg::Version on many strictly
 * valid pairs. Agreement must be 100%, refusals included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { requireComponent } from '../../../test/helpers/components.js';
import {
  describeDisagreements,
  dpkgAvailable,
  dpkgCompareBatch,
  dpkgValidBatch,
  perlDpkgAvailable,
  perlDpkgCompareBatch,
  pick,
  seededRandom,
  type OracleResult,
  type Pair,
} from '../../../test/helpers/oracles.js';
import { isAppError } from '../../domain/errors.js';
import { deb, parseDeb } from './index.js';

const C_PAIRS = 1500;
const PERL_PAIRS = 10000;
const VALIDITY_SAMPLES = 400;

const EPOCHS = ['', '', '', '', '', '0:', '1:', '2:', '10:', '01:', '00:'];
const ODD_EPOCHS = ['2147483647:', '2147483648:', '+1:', '-0:', '-1:', '0000000001:', 'a:', ':'];
const NUMBERS = ['0', '1', '2', '3', '9', '10', '01', '001', '00', '100', '20240101', '123456789012345', '18446744073709551615'];
// Beyond 2^64 Dpkg::Version (Perl numbers) and dpkg (C) disagree: these go to the C sample only.
const HUGE_NUMBERS = ['18446744073709551616', '99999999999999999999999', '000000000000000000000001', '100000000000000000000001'];
const UPSTREAM_TEXT = ['.', '.', '.', '+', '~', '~~', 'a', 'b', 'z', 'A', 'Z', 'rc', 'beta', 'dfsg', '+dfsg', '~rc', '~beta', '+git', 'ubuntu', '.', '-', ':'];
const REVISION_TEXT = ['.', '+', '~', 'a', 'ubuntu', 'deb', 'build', '~bpo', '+b', 'Z', '.'];
// dpkg warns about these but accepts them; Dpkg::Version refuses them.
const ODD_TEXT = ['_', '!', '#', '%', '=', '@', ',', ';', '?', '/', '|', "'", '"', '$', '`', '\\', '(', '*', '&', '<', '>', '[', '{', '^'];

interface Shape {
  odd: boolean;
}

function run(rand: () => number, text: readonly string[], shape: Shape, tokens: number): string {
  let s = '';
  let digits = rand() < 0.5;
  for (let i = 0; i < tokens; i++) {
    if (digits) s += shape.odd && rand() < 0.1 ? pick(rand, HUGE_NUMBERS) : pick(rand, NUMBERS);
    else s += shape.odd && rand() < 0.2 ? pick(rand, ODD_TEXT) : pick(rand, text);
    digits = !digits;
  }
  return s;
}

function debVersion(rand: () => number, shape: Shape): string {
  const epoch = shape.odd && rand() < 0.15 ? pick(rand, ODD_EPOCHS) : pick(rand, EPOCHS);
  let upstream = pick(rand, NUMBERS) + run(rand, UPSTREAM_TEXT, shape, Math.floor(rand() * 6));
  if (shape.odd && rand() < 0.1) upstream = pick(rand, ['a', '~', 'Z', '+']) + upstream;
  if (epoch === '') upstream = upstream.replaceAll(':', '.');
  const revision = rand() < 0.55 || upstream.includes('-') ? '-' + run(rand, REVISION_TEXT, shape, 1 + Math.floor(rand() * 4)) : '';
  return epoch + upstream + revision;
}

/** A close variant of `v`, so that comparisons go deep instead of stopping at the first character. */
function mutate(rand: () => number, v: string, shape: Shape): string {
  const at = Math.floor(rand() * (v.length + 1));
  const fragment = pick(rand, rand() < 0.5 ? NUMBERS : [...UPSTREAM_TEXT, ...REVISION_TEXT, ...(shape.odd ? ODD_TEXT : [])]);
  switch (Math.floor(rand() * 6)) {
    case 0:
      return v.slice(0, at) + fragment + v.slice(at);
    case 1:
      return v.slice(0, at) + v.slice(at + 1) || v;
    case 2:
      return v + fragment;
    case 3:
      return v.slice(0, at) + fragment + v.slice(at + 1);
    case 4:
      return v.includes(':') ? v.slice(v.indexOf(':') + 1) : pick(rand, ['1:', '0:', '2:']) + v;
    default:
      return v.replace(/\d+/, (d) => String(Number(d.slice(0, 6) || '0') + pick(rand, [-1, 1, 10])).replace('-', ''));
  }
}

function generatePairs(seed: number, count: number, shape: Shape, keep: (v: string) => boolean): Pair[] {
  const rand = seededRandom(seed);
  const pairs: Pair[] = [];
  while (pairs.length < count) {
    const a = debVersion(rand, shape);
    const b = rand() < 0.3 ? debVersion(rand, shape) : rand() < 0.1 ? a : mutate(rand, a, shape);
    if (keep(a) && keep(b) && !/\s/.test(a + b)) pairs.push(rand() < 0.5 ? [a, b] : [b, a]);
  }
  return pairs;
}

function ours([a, b]: Pair): OracleResult {
  try {
    return deb.compare(a, b);
  } catch (err) {
    if (isAppError(err, 'validation')) return 'error';
    throw err;
  }
}

/** What Dpkg::Version accepts: an upstream starting with a digit, dpkg's characters, numbers below 2^64. */
function perlAccepts(v: string): boolean {
  if (!deb.isValid(v) || /\d{20}/.test(v) || !/^[A-Za-z0-9.+~:-]+$/.test(v)) return false;
  const { upstream } = parseDeb(v);
  return /^\d/.test(upstream) && (!v.includes(':') || /^\d+:/.test(v));
}

const withDpkg = requireComponent('dpkg', dpkgAvailable, 'install the Debian package dpkg');
const withPerlDpkg = requireComponent('Dpkg::Version (Perl)', perlDpkgAvailable, 'install the Debian package libdpkg-perl');

describe.skipIf(!withDpkg)('deb agrees with dpkg --compare-versions (C)', () => {
  const pairs = generatePairs(0x5eed_deb1, C_PAIRS, { odd: true }, () => true);
  let answers: OracleResult[] = [];
  beforeAll(async () => {
    answers = await dpkgCompareBatch(pairs);
  }, 60_000);

  it(`on ${C_PAIRS} generated pairs (odd, huge and invalid versions included)`, () => {
    const mine = pairs.map(ours);
    expect(describeDisagreements(pairs, mine, answers, 'dpkg')).toEqual([]);
    // The sample really covers refusals, equalities and both orders.
    for (const kind of [-1, 0, 1, 'error'] as const) expect(answers.filter((r) => r === kind).length).toBeGreaterThan(20);
  });

  it(`accepts and refuses exactly what dpkg does on ${VALIDITY_SAMPLES} odd versions`, async () => {
    const rand = seededRandom(0x0dd_ba11);
    const versions: string[] = [];
    while (versions.length < VALIDITY_SAMPLES) {
      const v = mutate(rand, debVersion(rand, { odd: true }), { odd: true });
      if (v !== '' && !/\s/.test(v)) versions.push(v);
    }
    const accepted = await dpkgValidBatch(versions);
    const wrong = versions.filter((v, i) => deb.isValid(v) !== accepted[i]);
    expect(wrong).toEqual([]);
    expect(accepted.filter((x) => !x).length).toBeGreaterThan(20);
  }, 60_000);
});

describe.skipIf(!withPerlDpkg)('deb agrees with Dpkg::Version (dpkg’s Perl implementation)', () => {
  const pairs = generatePairs(0x5eed_deb2, PERL_PAIRS, { odd: false }, perlAccepts);
  let answers: OracleResult[] = [];
  beforeAll(async () => {
    answers = await perlDpkgCompareBatch(pairs);
  }, 60_000);

  it(`on ${PERL_PAIRS} generated strictly valid pairs`, () => {
    const mine = pairs.map(ours);
    expect(describeDisagreements(pairs, mine, answers, 'Dpkg::Version')).toEqual([]);
    for (const kind of [-1, 0, 1] as const) expect(answers.filter((r) => r === kind).length).toBeGreaterThan(200);
  });
});
