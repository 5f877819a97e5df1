/**
 * rpm against rpm's own `rpm.vercmp` (rpm 4.18's rpmverCmp/rpmvercmp, run in rpm's Lua) on
 * thousands of generated pairs: full EVRs with epochs, tildes, carets, letters against digits,
 * leading zeros and missing releases, and bare strings with arbitrary separators for rpmvercmp.
 * Agreement must be 100%.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { requireComponent } from '../../../test/helpers/components.js';
import { describeDisagreements, pick, rpmAvailable, rpmCompareBatch, seededRandom, type OracleResult, type Pair } from '../../../test/helpers/oracles.js';
import { rpm, rpmvercmp } from './index.js';

const EVR_PAIRS = 12000;
const BARE_PAIRS = 4000;

const EPOCHS = ['', '', '', '', '0:', '1:', '2:', '01:', '10:', '00:', '99999999999999999999:'];
const NUMBERS = ['0', '1', '2', '3', '9', '10', '01', '001', '00', '100', '20160101', '123456789012345', '18446744073709551616', '0000000000000000000000001'];
const WORDS = ['a', 'b', 'z', 'A', 'Z', 'rc', 'git', 'pre', 'alpha', 'beta', 'el', 'fc', 'p', 'module', 'xyz'];
const SEPARATORS = ['.', '.', '.', '_', '+', '~', '^', '~~', '^^', '.~', '^~', '~^', '..', ''];
// Any non-alphanumeric character other than ~ and ^ separates; rpmvercmp sees no difference.
const ODD_SEPARATORS = ['#', '/', '!', '@', ',', '=', '%', '&', '*', '(', '[', '{', '|', ';', '?', '<', '"', "'", '\\', '`', '$'];

function segments(rand: () => number, count: number, separators: readonly string[]): string {
  let s = '';
  for (let i = 0; i < count; i++) {
    if (i > 0 || rand() < 0.15) s += pick(rand, separators);
    s += rand() < 0.65 ? pick(rand, NUMBERS) : pick(rand, WORDS);
  }
  if (rand() < 0.15) s += pick(rand, separators);
  return s;
}

function evr(rand: () => number): string {
  const release = rand() < 0.6 ? '-' + segments(rand, 1 + Math.floor(rand() * 4), SEPARATORS) : '';
  return pick(rand, EPOCHS) + segments(rand, 1 + Math.floor(rand() * 5), SEPARATORS) + release;
}

/** A close variant, so comparisons go past the first segment. */
function mutate(rand: () => number, v: string, fragments: readonly string[]): string {
  const at = Math.floor(rand() * (v.length + 1));
  const fragment = pick(rand, fragments);
  switch (Math.floor(rand() * 6)) {
    case 0:
      return v.slice(0, at) + fragment + v.slice(at);
    case 1:
      return v.slice(0, at) + v.slice(at + 1);
    case 2:
      return v + fragment;
    case 3:
      return v.slice(0, at) + fragment + v.slice(at + 1);
    case 4:
      return v.includes('-') ? v.slice(0, v.lastIndexOf('-')) : v + '-' + pick(rand, NUMBERS);
    default:
      return /^\d+:/.test(v) ? v.replace(/^\d+:/, '') : pick(rand, EPOCHS) + v;
  }
}

function pairs(seed: number, count: number, make: (rand: () => number) => string, fragments: readonly string[], keep: (v: string) => boolean): Pair[] {
  const rand = seededRandom(seed);
  const out: Pair[] = [];
  while (out.length < count) {
    const a = make(rand);
    const b = rand() < 0.25 ? make(rand) : rand() < 0.1 ? a : mutate(rand, a, fragments);
    if (keep(a) && keep(b)) out.push(rand() < 0.5 ? [a, b] : [b, a]);
  }
  return out;
}

function tally(results: readonly OracleResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[String(r)] = (counts[String(r)] ?? 0) + 1;
  return counts;
}

const withRpm = requireComponent('rpm', rpmAvailable, 'install the Debian package rpm');

describe.skipIf(!withRpm)('rpm agrees with rpm.vercmp (rpm 4.18)', () => {
  const evrPairs = pairs(0x5eed_0001, EVR_PAIRS, evr, [...NUMBERS, ...WORDS, ...SEPARATORS, '-', ':'], (v) => rpm.isValid(v));
  const barePairs = pairs(
    0x5eed_0002,
    BARE_PAIRS,
    (rand) => segments(rand, 1 + Math.floor(rand() * 5), [...SEPARATORS, ...ODD_SEPARATORS]),
    [...NUMBERS, ...WORDS, ...SEPARATORS, ...ODD_SEPARATORS],
    // rpm.vercmp splits EVRs at "-" and a leading "digits:", and refuses ""; bare strings avoid those.
    (v) => v !== '' && !v.includes('-') && !v.includes(':'),
  );
  let evrAnswers: OracleResult[] = [];
  let bareAnswers: OracleResult[] = [];
  beforeAll(async () => {
    [evrAnswers, bareAnswers] = await Promise.all([rpmCompareBatch(evrPairs), rpmCompareBatch(barePairs)]);
  }, 60_000);

  it(`on ${EVR_PAIRS} generated EVR pairs`, () => {
    const mine = evrPairs.map(([a, b]) => rpm.compare(a, b));
    expect(describeDisagreements(evrPairs, mine, evrAnswers, 'rpm.vercmp')).toEqual([]);
    const counts = tally(evrAnswers);
    for (const kind of ['-1', '0', '1']) expect(counts[kind]).toBeGreaterThan(500);
  });

  it(`rpmvercmp on ${BARE_PAIRS} generated bare pairs with any separators`, () => {
    const mine = barePairs.map(([a, b]) => rpmvercmp(a, b));
    expect(describeDisagreements(barePairs, mine, bareAnswers, 'rpm.vercmp')).toEqual([]);
    const counts = tally(bareAnswers);
    for (const kind of ['-1', '0', '1']) expect(counts[kind]).toBeGreaterThan(200);
  });
});
