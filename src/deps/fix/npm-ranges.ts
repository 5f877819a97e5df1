/**
 * Manifest ranges: which specifiers are registry ranges the fix engine may rewrite, and the minimal
 * bump of a range to a target version keeping its style (`4.17.11` → `4.17.21`, `~1.2.0` →
 * `~1.2.5`, `^1.2.0` → `^2.0.1`, `>=1.0.0` → `>=1.4.0`). Pure (node-semver).
 */
import nodeSemver from 'semver';

/** True for a semver range a registry resolves (not a tag, alias, workspace, path, git or URL). */
export function isRegistryRange(spec: string): boolean {
  const s = spec.trim();
  if (s === '' || s === '*' || s === 'x') return true;
  if (/^[a-z][a-z0-9+.-]*:/i.test(s) || s.includes('/')) return false; // npm:, workspace:, file:, git+…, catalog:, github shorthand
  return nodeSemver.validRange(s) !== null;
}

/** Whether `version` satisfies `range` (pre-releases only when the range names one, as npm resolves). */
export function admits(range: string, version: string, includePrerelease = false): boolean {
  try {
    return nodeSemver.satisfies(version, range, { includePrerelease });
  } catch {
    return false;
  }
}

/**
 * The range `spec` moved to `target` in its own style. The result always admits `target` and no
 * version below it (except `<`/`<=` styles, which have no lower bound: they become `^target`).
 *
 * @example bumpRange('~1.2.0', '1.2.5') // '~1.2.5'
 * @example bumpRange('4.17.11', '4.17.21') // '4.17.21'
 * @example bumpRange('>=0.0.1 <0.1.0', '0.2.4') // '>=0.2.4 <0.3.0'
 */
export function bumpRange(spec: string, target: string): string {
  const alternatives = spec.split('||').map((s) => s.trim());
  const last = alternatives[alternatives.length - 1] ?? '';
  const t = nodeSemver.parse(target);
  if (!t) return target;
  let out: string;
  const exact = /^(=|v)?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/.exec(last);
  const op = /^(\^|~>?|>=|>)\s*v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+][0-9A-Za-z.+-]*)?$/.exec(last);
  const xrange = /^v?(\d+)(?:\.(\d+|[xX*]))?(?:\.([xX*]))?$/.exec(last);
  const bounded = /^>=?\s*v?\d+\S*\s+<=?\s*v?\d+\S*$/.exec(last);
  if (exact) out = `${exact[1] === '=' ? '=' : exact[1] === 'v' ? 'v' : ''}${target}`;
  else if (bounded) out = `>=${target} <${t.major === 0 ? `0.${t.minor + 1}.0` : `${t.major + 1}.0.0`}`;
  else if (op) out = `${op[1] === '>' ? '>=' : op[1] === '~>' ? '~' : op[1]!}${target}`;
  else if (xrange) out = xrange[2] === undefined || /[xX*]/.test(xrange[2]) ? `^${target}` : `~${target}`;
  else out = `^${target}`;
  return admits(out, target, t.prerelease.length > 0) ? out : target;
}
