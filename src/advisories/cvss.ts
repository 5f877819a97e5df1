/**
 * CVSS vectors (v2, v3.0, v3.1, v4.0) → base score and qualitative rating. Pure.
 *
 * Vectors are validated strictly here (every mandatory base metric once, every value known, no
 * unknown metric) because the scoring library is lenient (it scores `CVSS:3.1/AV:N` as 0.0). The
 * base score is computed from the base metrics alone (threat, temporal, environmental and
 * supplemental metrics are dropped), by ae-cvss-calculator ({metæffekt}, Apache-2.0), which
 * implements FIRST's v4.0 macro-vector tables; the v3 results are cross-checked in the tests against
 * the spec's formula and NVD's published scores.
 */
import cvssCalculator from 'ae-cvss-calculator';

export type CvssVersion = '2.0' | '3.0' | '3.1' | '4.0';
export type CvssRating = 'none' | 'low' | 'medium' | 'high' | 'critical';

export interface CvssScore {
  readonly version: CvssVersion;
  /** Base score, 0.0–10.0, one decimal. */
  readonly score: number;
  readonly rating: CvssRating;
  /** The vector of the base metrics the score was computed from. */
  readonly baseVector: string;
}

type MetricTable = Readonly<Record<string, readonly string[]>>;

const V2_BASE: MetricTable = { AV: ['L', 'A', 'N'], AC: ['H', 'M', 'L'], Au: ['M', 'S', 'N'], C: ['N', 'P', 'C'], I: ['N', 'P', 'C'], A: ['N', 'P', 'C'] };
const V2_OTHER: MetricTable = {
  E: ['U', 'POC', 'F', 'H', 'ND'], RL: ['OF', 'TF', 'W', 'U', 'ND'], RC: ['UC', 'UR', 'C', 'ND'],
  CDP: ['N', 'L', 'LM', 'MH', 'H', 'ND'], TD: ['N', 'L', 'M', 'H', 'ND'], CR: ['L', 'M', 'H', 'ND'], IR: ['L', 'M', 'H', 'ND'], AR: ['L', 'M', 'H', 'ND'],
};
const V3_BASE: MetricTable = {
  AV: ['N', 'A', 'L', 'P'], AC: ['L', 'H'], PR: ['N', 'L', 'H'], UI: ['N', 'R'], S: ['U', 'C'], C: ['H', 'L', 'N'], I: ['H', 'L', 'N'], A: ['H', 'L', 'N'],
};
const V3_OTHER: MetricTable = {
  E: ['X', 'U', 'P', 'F', 'H'], RL: ['X', 'O', 'T', 'W', 'U'], RC: ['X', 'U', 'R', 'C'],
  CR: ['X', 'L', 'M', 'H'], IR: ['X', 'L', 'M', 'H'], AR: ['X', 'L', 'M', 'H'],
  MAV: ['X', 'N', 'A', 'L', 'P'], MAC: ['X', 'L', 'H'], MPR: ['X', 'N', 'L', 'H'], MUI: ['X', 'N', 'R'], MS: ['X', 'U', 'C'],
  MC: ['X', 'N', 'L', 'H'], MI: ['X', 'N', 'L', 'H'], MA: ['X', 'N', 'L', 'H'],
};
const V4_BASE: MetricTable = {
  AV: ['N', 'A', 'L', 'P'], AC: ['L', 'H'], AT: ['N', 'P'], PR: ['N', 'L', 'H'], UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'], VI: ['H', 'L', 'N'], VA: ['H', 'L', 'N'], SC: ['H', 'L', 'N'], SI: ['H', 'L', 'N'], SA: ['H', 'L', 'N'],
};
const V4_OTHER: MetricTable = {
  E: ['X', 'A', 'P', 'U'], CR: ['X', 'H', 'M', 'L'], IR: ['X', 'H', 'M', 'L'], AR: ['X', 'H', 'M', 'L'],
  MAV: ['X', 'N', 'A', 'L', 'P'], MAC: ['X', 'L', 'H'], MAT: ['X', 'N', 'P'], MPR: ['X', 'N', 'L', 'H'], MUI: ['X', 'N', 'P', 'A'],
  MVC: ['X', 'H', 'L', 'N'], MVI: ['X', 'H', 'L', 'N'], MVA: ['X', 'H', 'L', 'N'], MSC: ['X', 'H', 'L', 'N'], MSI: ['X', 'S', 'H', 'L', 'N'], MSA: ['X', 'S', 'H', 'L', 'N'],
  S: ['X', 'N', 'P'], AU: ['X', 'N', 'Y'], R: ['X', 'A', 'U', 'I'], V: ['X', 'D', 'C'], RE: ['X', 'L', 'M', 'H'], U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
};

/** The metrics of a vector (`K:V` pairs after the optional `CVSS:x.y/` prefix), or an error. */
function parseMetrics(body: string, base: MetricTable, other: MetricTable): Map<string, string> | string {
  const metrics = new Map<string, string>();
  for (const part of body.split('/')) {
    const colon = part.indexOf(':');
    const key = colon === -1 ? part : part.slice(0, colon);
    const value = colon === -1 ? '' : part.slice(colon + 1);
    const allowed = base[key] ?? other[key];
    if (allowed === undefined) return `unknown metric "${part}"`;
    if (!allowed.includes(value)) return `metric ${key} has no value "${value}"`;
    if (metrics.has(key)) return `metric ${key} is given twice`;
    metrics.set(key, value);
  }
  const missing = Object.keys(base).filter((key) => !metrics.has(key));
  if (missing.length > 0) return `base metric${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`;
  return metrics;
}

/**
 * The qualitative rating of a CVSS score: v3/v4 none 0.0, low 0.1–3.9, medium 4.0–6.9, high
 * 7.0–8.9, critical 9.0–10.0; v2 (NVD) low 0.0–3.9, medium 4.0–6.9, high 7.0–10.0.
 *
 * @example
 *   cvssRating(8.1) // 'high'
 *   cvssRating(9.3, '2.0') // 'high'
 */
export function cvssRating(score: number, version: CvssVersion = '3.1'): CvssRating {
  if (version === '2.0') return score >= 7 ? 'high' : score >= 4 ? 'medium' : 'low';
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/**
 * Scores one CVSS vector. Returns null for anything malformed (empty, unknown version, missing base
 * metric, unknown value, duplicates) — never throws. v2 vectors have no prefix
 * (`AV:N/AC:L/Au:N/C:P/I:P/A:P`).
 *
 * @example
 *   scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H') // { version: '3.1', score: 10, rating: 'critical', ... }
 *   scoreCvss('CVSS:3.1/AV:N') // null
 */
export function scoreCvss(vector: string): CvssScore | null {
  const trimmed = vector.trim();
  const prefix = /^CVSS:(3\.0|3\.1|4\.0)\//.exec(trimmed);
  const version: CvssVersion = prefix ? (prefix[1] as CvssVersion) : '2.0';
  const body = prefix ? trimmed.slice(prefix[0].length) : trimmed;
  if (body === '' || (!prefix && trimmed.startsWith('CVSS:'))) return null;
  const [base, other] = version === '2.0' ? [V2_BASE, V2_OTHER] : version === '4.0' ? [V4_BASE, V4_OTHER] : [V3_BASE, V3_OTHER];
  const metrics = parseMetrics(body, base, other);
  if (typeof metrics === 'string') return null;
  const baseBody = Object.keys(base).map((key) => `${key}:${metrics.get(key)}`).join('/');
  const baseVector = version === '2.0' ? baseBody : `CVSS:${version}/${baseBody}`;
  const score = compute(version, baseVector);
  if (score === null) return null;
  return { version, score, rating: cvssRating(score, version), baseVector };
}

function compute(version: CvssVersion, baseVector: string): number | null {
  try {
    const instance =
      version === '2.0' ? new cvssCalculator.Cvss2(baseVector)
        : version === '3.0' ? new cvssCalculator.Cvss3P0(baseVector)
          : version === '3.1' ? new cvssCalculator.Cvss3P1(baseVector)
            : new cvssCalculator.Cvss4P0(baseVector);
    const result = instance.calculateScores();
    const score = 'base' in result && typeof result.base === 'number' ? result.base : result.overall;
    return Number.isFinite(score) && score >= 0 && score <= 10 ? Math.round(score * 10) / 10 : null;
  } catch {
    return null;
  }
}
