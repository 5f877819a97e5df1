/**
 * Version constraints of Python manifests: PEP 440 specifiers (`>=1.2,<2`, `~=1.2`, `==1.2.*`,
 * `===1.0`; Pipfile and PEP 621 `[project]` dependencies) and Poetry's (`^1.2`, `~1.2`, a bare
 * `1.2.3`, `*`, `>= 1.2, < 1.5`, alternatives with `||`). Pure: whether a constraint admits a
 * version, and the smallest edit of a constraint that admits a target version while keeping its
 * style (`^1.2` stays a caret, `>=1.2,<2` keeps both bounds and their precision).
 */
import { comparePep440, parsePep440, type Pep440Version } from '../../versioning/pep440/index.js';

export type ConstraintFlavor = 'pep440' | 'poetry';

interface Clause {
  readonly start: number;
  readonly end: number;
  /** '' for a bare version (Poetry: exact). */
  readonly op: string;
  /** The text between the operator and the version, kept on rewrite. */
  readonly gap: string;
  readonly version: string;
}

const CLAUSE = /(===|==|!=|~=|>=|<=|\^|~|>|<|=)?(\s*)(\*|[0-9][0-9A-Za-z.*+!_-]*)/g;

/** The clauses of one alternative (AND-ed), or null when the text is not a constraint we read. */
function clausesOf(spec: string): Clause[] | null {
  const out: Clause[] = [];
  let rest = '';
  let last = 0;
  for (const m of spec.matchAll(CLAUSE)) {
    rest += spec.slice(last, m.index);
    out.push({ start: m.index, end: m.index + m[0].length, op: m[1] ?? '', gap: m[2] ?? '', version: m[3]! });
    last = m.index + m[0].length;
  }
  rest += spec.slice(last);
  if (!/^[\s,]*$/.test(rest)) return null;
  return out;
}

const parse = (v: string): Pep440Version | null => parsePep440(v);
const cmp = (a: Pep440Version, b: Pep440Version): number => comparePep440(a, b);
const inc = (digits: string): string => (BigInt(digits) + 1n).toString();

/** A version from release numbers (`['1', '3']` -> `1.3`). */
function release(parts: readonly string[]): Pep440Version {
  return parse(parts.join('.'))!;
}

/** Release numbers of `v`, padded with zeros to at least `n`. */
function padded(v: Pep440Version, n: number): string[] {
  const out = [...v.release];
  while (out.length < n) out.push('0');
  return out;
}

function caretUpper(v: Pep440Version): Pep440Version {
  const r = v.release;
  const first = r.findIndex((d) => d !== '0');
  if (first === -1) return release([...r.slice(0, -1), inc(r[r.length - 1]!)]);
  return release([...r.slice(0, first), inc(r[first]!)]);
}

function tildeUpper(v: Pep440Version): Pep440Version {
  const r = v.release;
  return r.length >= 2 ? release([r[0]!, inc(r[1]!)]) : release([inc(r[0]!)]);
}

/** `~=1.4.2` -> `1.5`, `~=2.2` -> `3`. */
function compatibleUpper(v: Pep440Version): Pep440Version {
  const prefix = v.release.slice(0, -1);
  return release([...prefix.slice(0, -1), inc(prefix[prefix.length - 1]!)]);
}

/** True when `t` matches `==prefix.*`. */
function prefixMatches(prefix: string, t: Pep440Version): boolean {
  const p = parse(prefix);
  if (p === null) return false;
  if (p.epoch !== t.epoch) return false;
  const tr = padded(t, p.release.length);
  return p.release.every((d, i) => d === tr[i]);
}

function admitsClause(c: Clause, t: Pep440Version, target: string, flavor: ConstraintFlavor): boolean {
  if (c.version === '*') return c.op === '' || c.op === '==' || c.op === '=';
  if (c.op === '===') return c.version === target;
  if (c.version.endsWith('.*')) {
    const matches = prefixMatches(c.version.slice(0, -2), t);
    if (c.op === '!=') return !matches;
    return c.op === '==' || ((c.op === '' || c.op === '=') && flavor === 'poetry') ? matches : false;
  }
  const v = parse(c.version);
  if (v === null) return false;
  const order = cmp(t, v);
  switch (c.op) {
    case '':
    case '=':
    case '==':
      return order === 0;
    case '!=':
      return order !== 0;
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    case '~=':
      return v.release.length >= 2 && order >= 0 && cmp(t, compatibleUpper(v)) < 0;
    case '^':
      return order >= 0 && cmp(t, caretUpper(v)) < 0;
    case '~':
      return order >= 0 && cmp(t, tildeUpper(v)) < 0;
    default:
      return false;
  }
}

function alternatives(spec: string, flavor: ConstraintFlavor): string[] {
  return flavor === 'poetry' ? spec.split(/\|\|?/) : [spec];
}

/**
 * True when `spec` admits `target` (a final release). An empty spec or `*` admits anything;
 * a spec that cannot be read admits nothing.
 *
 * @example
 *   admits('^2.19', '2.31.0', 'poetry') // true
 *   admits('>=1.21.1,<1.24', '1.26.18', 'pep440') // false
 */
export function admits(spec: string, target: string, flavor: ConstraintFlavor): boolean {
  const t = parse(target);
  if (t === null) return false;
  if (spec.trim() === '') return true;
  return alternatives(spec, flavor).some((alt) => {
    const clauses = clausesOf(alt);
    return clauses !== null && clauses.every((c) => admitsClause(c, t, target, flavor));
  });
}

/**
 * `target` written with `n` release numbers when the numbers after the n-th are zeros
 * (`2.31.0` with n = 2 -> `2.31`), else in full: the precision of the constraint it replaces.
 */
function withPrecision(target: string, t: Pep440Version, n: number): string {
  const simple = t.pre === null && t.post === null && t.dev === null && t.local === null && t.epoch === '0';
  if (!simple || t.release.slice(n).some((d) => d !== '0')) return target;
  return padded(t, n).slice(0, Math.max(n, 1)).join('.');
}

/** The smallest bound of `n` release numbers above `t` (`<2` for 2.31.0 -> `3`; `<1.24` for 1.26.18 -> `1.27`). */
function upperOfPrecision(t: Pep440Version, n: number): string {
  const parts = padded(t, n).slice(0, n);
  parts[n - 1] = inc(parts[n - 1]!);
  return parts.join('.');
}

const countOf = (version: string): number => parse(version.replace(/\.\*$/, ''))?.release.length ?? 1;

export type BumpResult = { readonly ok: true; readonly spec: string } | { readonly ok: false; readonly reason: string };

/**
 * The smallest edit of `spec` that admits `target`, keeping its style; `spec` itself when it
 * already admits it. A bound that excludes the target is moved just enough (its precision kept),
 * and the lower bound is raised to the target so a relock cannot keep a vulnerable version.
 *
 * @example
 *   bumpConstraint('^1.2', '2.0.1', 'poetry') // { ok: true, spec: '^2.0.1' }
 *   bumpConstraint('>=1.21.1,<1.24', '1.26.18', 'pep440') // { ok: true, spec: '>=1.26.18,<1.27' }
 *   bumpConstraint('~=1.2', '2.1.0', 'pep440') // { ok: true, spec: '~=2.1' }
 */
export function bumpConstraint(spec: string, target: string, flavor: ConstraintFlavor): BumpResult {
  if (admits(spec, target, flavor)) return { ok: true, spec };
  const t = parse(target);
  if (t === null) return { ok: false, reason: `${target} is not a PEP 440 version` };
  if (flavor === 'poetry' && /\|/.test(spec)) return { ok: false, reason: `"${spec}" has alternatives (||); change it by hand` };
  const clauses = clausesOf(spec);
  if (clauses === null || clauses.length === 0) return { ok: false, reason: `"${spec}" is not a version constraint Patchwarden can edit` };
  const replaced = new Map<Clause, string>();
  for (const c of clauses) {
    const n = countOf(c.version);
    if (c.op === '!=') {
      if (!admitsClause(c, t, target, flavor)) return { ok: false, reason: `"${spec}" excludes ${target} with ${c.op}${c.version}; change it by hand` };
      continue;
    }
    switch (c.op) {
      case '^':
      case '~':
        replaced.set(c, `${c.op}${c.gap}${withPrecision(target, t, n)}`);
        break;
      case '~=':
        replaced.set(c, `${c.op}${c.gap}${withPrecision(target, t, Math.max(n, 2))}`);
        break;
      case '===':
        replaced.set(c, `${c.op}${c.gap}${target}`);
        break;
      case '':
      case '=':
      case '==':
        if (c.version === '*') break;
        replaced.set(c, `${c.op}${c.gap}${c.version.endsWith('.*') ? `${padded(t, n).slice(0, n).join('.')}.*` : target}`);
        break;
      case '>=':
      case '>':
        replaced.set(c, `>=${c.gap}${withPrecision(target, t, n)}`);
        break;
      case '<':
        if (!admitsClause(c, t, target, flavor)) replaced.set(c, `${c.op}${c.gap}${upperOfPrecision(t, n)}`);
        break;
      case '<=':
        if (!admitsClause(c, t, target, flavor)) replaced.set(c, `${c.op}${c.gap}${target}`);
        break;
    }
  }
  let out = spec;
  for (const c of [...clauses].reverse()) {
    const text = replaced.get(c);
    if (text !== undefined) out = out.slice(0, c.start) + text + out.slice(c.end);
  }
  const hasLower = clauses.some((c) => c.op !== '<' && c.op !== '<=' && c.op !== '!=');
  if (!hasLower) {
    const lead = /^\s*/.exec(out)![0];
    const separator = /,\s/.test(spec) ? ', ' : ',';
    out = `${lead}>=${withPrecision(target, t, countOf(clauses[0]!.version))}${separator}${out.slice(lead.length)}`;
  }
  return admits(out, target, flavor) ? { ok: true, spec: out } : { ok: false, reason: `"${spec}" cannot be raised to admit ${target} automatically; change it by hand` };
}
