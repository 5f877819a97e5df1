import { AppError } from '../../../domain/errors.js';
import type { Severity } from '../../../contracts/inventory.contract.js';

/** One advisory as `dnf updateinfo info` prints it. */
export interface Advisory {
  id: string;
  /** `security`, `bugfix`, `enhancement`, `newpackage` or `unknown`. */
  type: string;
  /** Vendor severity as written (`Critical`, `Important`, `Moderate`, `Low`, `None`, or empty). */
  severity: string;
  /** The advisory's updated date (its issued date when it was never updated), ISO 8601 UTC, or null. */
  updated: string | null;
  cves: string[];
}

/** A package an advisory covers, from `dnf updateinfo list`. */
export interface AdvisoryPackage {
  advisoryId: string;
  name: string;
  /** `[epoch:]version-release` (epoch left out when 0). */
  evr: string;
  arch: string;
}

/** Splits `name-[epoch:]version-release.arch` as dnf prints it. */
export function parseNevra(nevra: string): { name: string; evr: string; arch: string } | null {
  const m = /^(.+)-((?:\d+:)?[^-:]+-[^-]+)\.([^.-]+)$/.exec(nevra);
  if (m === null) return null;
  const evr = m[2]!.startsWith('0:') ? m[2]!.slice(2) : m[2]!;
  return { name: m[1]!, evr, arch: m[3]! };
}

/**
 * Parses `dnf updateinfo list` (without `-v`): one `ID LABEL NEVRA` line per advisory and package.
 * Any other non-empty line is an error (the output is read with `-q`, so dnf prints nothing else).
 */
export function parseUpdateinfoList(stdout: string): AdvisoryPackage[] {
  const out: AdvisoryPackage[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const parts = line.trim().split(/\s+/);
    const nevra = parts.length === 3 ? parseNevra(parts[2]!) : null;
    if (nevra === null) throw new AppError('internal', `Unexpected line in \`dnf updateinfo list\` output: ${JSON.stringify(line.slice(0, 200))}`);
    out.push({ advisoryId: parts[0]!, ...nevra });
  }
  return out;
}

const RULE = '='.repeat(79);

/** `2026-11-02 00:00:00` (dnf run with TZ=UTC) → `2026-11-02T00:00:00Z`. */
function isoDate(text: string): string | null {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)$/.exec(text.trim());
  return m === null ? null : `${m[1]!}T${m[2]!}Z`;
}

/**
 * Parses `dnf updateinfo info`: blocks of a rule, the title, a rule, then `Label: value` lines
 * (continuations have an empty label). Blocks without an `Update ID` are an error.
 */
export function parseUpdateinfoInfo(stdout: string): Map<string, Advisory> {
  const out = new Map<string, Advisory>();
  const lines = stdout.split('\n');
  let fields: Map<string, string[]> | null = null;
  let label = '';
  const flush = () => {
    if (fields === null) return;
    const id = fields.get('Update ID')?.[0];
    if (id === undefined || id === '') throw new AppError('internal', 'An advisory in `dnf updateinfo info` output has no Update ID');
    out.set(id, {
      id,
      type: fields.get('Type')?.[0] ?? 'unknown',
      severity: fields.get('Severity')?.[0] ?? '',
      updated: isoDate(fields.get('Updated')?.[0] ?? ''),
      cves: (fields.get('CVEs') ?? []).filter((c) => c !== ''),
    });
    fields = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === RULE && lines[i + 2] === RULE) {
      flush();
      fields = new Map();
      label = '';
      i += 2;
      continue;
    }
    if (line.trim() === '' || fields === null) continue;
    const m = /^ *([A-Za-z][A-Za-z ]*?|): (.*)$/.exec(line);
    if (m === null) continue;
    if (m[1] !== '') label = m[1]!;
    const values = fields.get(label) ?? [];
    values.push(m[2]!.trim());
    fields.set(label, values);
  }
  flush();
  return out;
}

const SEVERITY: Record<string, Severity> = { critical: 'critical', important: 'high', moderate: 'medium', low: 'low', none: 'none' };
const SEVERITY_RANK: Record<Severity, number> = { critical: 5, high: 4, medium: 3, low: 2, none: 1, unknown: 0 };
const TYPE_RANK: Record<string, number> = { security: 4, bugfix: 3, enhancement: 2, newpackage: 1 };

/** updateinfo severity → our scale: Critical/Important/Moderate/Low → critical/high/medium/low; None → none. */
export function mapSeverity(s: string): Severity {
  return SEVERITY[s.trim().toLowerCase()] ?? 'unknown';
}

export interface Classification {
  security: boolean;
  classification: string;
  severity: Severity;
  advisoryIds: string[];
  cves: string[];
  releaseDate: string | null;
}

/**
 * Classifies one pending update from the advisories that cover it: those listing the same name and
 * arch at a version newer than the installed one and not newer than the candidate (the candidate
 * includes their fixes). Security when any of them is a security advisory; classification is the
 * most important type (security > bugfix > enhancement > newpackage); severity the highest; the
 * release date the newest advisory date. No advisory: classification `''`, severity `unknown`.
 */
export function classify(covering: readonly Advisory[]): Classification {
  let best: Advisory | undefined;
  let severity: Severity = 'unknown';
  let releaseDate: string | null = null;
  const cves = new Set<string>();
  for (const a of covering) {
    if (best === undefined || (TYPE_RANK[a.type] ?? 0) > (TYPE_RANK[best.type] ?? 0)) best = a;
    const s = mapSeverity(a.severity);
    if (SEVERITY_RANK[s] > SEVERITY_RANK[severity]) severity = s;
    if (a.updated !== null && (releaseDate === null || a.updated > releaseDate)) releaseDate = a.updated;
    for (const c of a.cves) cves.add(c);
  }
  return {
    security: covering.some((a) => a.type === 'security'),
    classification: best?.type ?? '',
    severity,
    advisoryIds: [...new Set(covering.map((a) => a.id))].sort(),
    cves: [...cves].sort(),
    releaseDate,
  };
}
