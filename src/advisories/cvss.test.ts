import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../test/helpers/components.js';
import { cvssRating, scoreCvss } from './cvss.js';
import { hasOsvData, loadAllOsv, OSV_DATA_DIR } from '../../test/helpers/osv-fixtures.js';

/**
 * An independent oracle for v3.0/v3.1 base scores: the formula of the FIRST specification
 * (CVSS v3.1 specification §7.1 and Appendix A "Roundup"; v3.0 rounds up with a plain ceiling).
 */
function specBaseScoreV3(vector: string): number {
  const version = vector.startsWith('CVSS:3.0/') ? '3.0' : '3.1';
  const m = Object.fromEntries(vector.split('/').slice(1).map((part) => part.split(':') as [string, string]));
  const changed = m.S === 'C';
  const cia = { H: 0.56, L: 0.22, N: 0 } as Record<string, number>;
  const iss = 1 - (1 - cia[m.C!]!) * (1 - cia[m.I!]!) * (1 - cia[m.A!]!);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const weight = (table: Record<string, number>, key: string | undefined): number => table[key ?? '']!;
  const av = weight({ N: 0.85, A: 0.62, L: 0.55, P: 0.2 }, m.AV);
  const ac = weight({ L: 0.77, H: 0.44 }, m.AC);
  const pr = weight({ N: 0.85, L: changed ? 0.68 : 0.62, H: changed ? 0.5 : 0.27 }, m.PR);
  const ui = weight({ N: 0.85, R: 0.62 }, m.UI);
  const exploitability = 8.22 * av * ac * pr * ui;
  const roundup = (x: number): number => {
    if (version === '3.0') return Math.ceil(x * 10) / 10;
    const int = Math.round(x * 100000);
    return int % 10000 === 0 ? int / 100000 : (Math.floor(int / 10000) + 1) / 10;
  };
  if (impact <= 0) return 0;
  return roundup(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
}

/** Every distinct CVSS vector in the real records (severity scores, RustSec `cvss`, Ubuntu `cves_map`). */
function realVectors(): string[] {
  const found = new Set<string>();
  for (const { json } of loadAllOsv()) {
    for (const match of JSON.stringify(json).matchAll(/"(CVSS:[0-9.]+\/[^"]*)"/g)) found.add(match[1]!);
  }
  return [...found].sort();
}

describe('scoreCvss', () => {
  // Published base scores (NVD / the CNA) of CVEs whose vectors appear in the records of
  // shared/data/osv; the records carry no scores, only vectors. The spec formula below agrees.
  it.each([
    ['CVE-2021-44228 log4shell (GHSA-jfh8-c2jp-5v3q)', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10, 'critical'],
    ['CVE-2023-38545 curl SOCKS5 (UBUNTU-CVE-2023-38545)', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'critical'],
    ['CVE-2024-6387 regreSSHion (UBUNTU-CVE-2024-6387)', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', 8.1, 'high'],
    ['CVE-2024-21626 runc (UBUNTU-CVE-2024-21626)', 'CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', 8.6, 'high'],
    ['CVE-2023-4911 Looney Tunables (UBUNTU-CVE-2023-4911)', 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8, 'high'],
    ['CVE-2023-48795 Terrapin (USN-6560-1)', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N', 5.9, 'medium'],
    ['CVE-2019-15551 smallvec, a v3.0 vector (RUSTSEC-2019-0009)', 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'critical'],
  ])('%s: %s → %s', (_cve, vector, score, rating) => {
    expect(scoreCvss(vector)).toMatchObject({ score, rating });
  });

  // v4.0: the vectors of the records (GHSA CVSS_V4), with the scores of two independent
  // implementations of FIRST's macro-vector tables that agree (ae-cvss-calculator and
  // @pandatix/js-cvss, compared during development), and FIRST's own example.
  it.each([
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, 'critical'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N', 8.7, 'high'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/S:N/AU:N/R:U/RE:L', 8.7, 'high'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', 6.9, 'medium'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', 6.9, 'medium'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N', 6.9, 'medium'],
    ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:L', 2.3, 'low'],
  ])('v4.0 %s → %s', (vector, score, rating) => {
    expect(scoreCvss(vector)).toMatchObject({ version: '4.0', score, rating });
  });

  it('scores the base metrics only (temporal, threat, environmental, supplemental dropped)', () => {
    expect(scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U/MAV:P')).toMatchObject({
      score: 9.8,
      baseVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    });
    expect(scoreCvss('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U')?.score).toBe(9.3);
  });

  it('scores v2 vectors (no prefix) with v2 ratings', () => {
    expect(scoreCvss('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toMatchObject({ version: '2.0', score: 7.5, rating: 'high' });
    expect(scoreCvss('AV:N/AC:L/Au:N/C:N/I:N/A:N')).toMatchObject({ score: 0, rating: 'low' });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['CVSS:3.1/', 'no metrics'],
    ['CVSS:3.1/AV:N', 'base metrics missing'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q', 'unknown value'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:L', 'duplicate metric'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y', 'unknown metric'],
    ['CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'unknown version'],
    ['CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'v4 without AT'],
    ['medium', 'a word'],
    ['9.8', 'a number'],
  ])('%j (%s) → null, never a throw', (vector) => {
    expect(scoreCvss(vector)).toBeNull();
  });

  it.each([[0, 'none'], [0.1, 'low'], [3.9, 'low'], [4, 'medium'], [6.9, 'medium'], [7, 'high'], [8.9, 'high'], [9, 'critical'], [10, 'critical']] as const)(
    'cvssRating(%s) → %s',
    (score, rating) => expect(cvssRating(score)).toBe(rating),
  );
});

describe('scoreCvss on every CVSS vector of shared/data/osv', () => {
  const available = requireComponent('OSV test data', hasOsvData(), `expected at ${OSV_DATA_DIR}`);

  it.runIf(available)('scores every vector, and every v3 score equals the specification formula', () => {
    const vectors = realVectors();
    const v3 = vectors.filter((v) => v.startsWith('CVSS:3.'));
    expect(vectors.filter((v) => scoreCvss(v) === null)).toEqual([]);
    expect(v3.map((v) => [v, scoreCvss(v)!.score])).toEqual(v3.map((v) => [v, specBaseScoreV3(v)]));
    expect({ vectors: vectors.length, v3: v3.length, v4: vectors.filter((v) => v.startsWith('CVSS:4.0')).length }).toEqual({ vectors: 70, v3: 64, v4: 6 });
  });
});
