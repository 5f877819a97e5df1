/**
 * Where a package's version constraint is written in pyproject.toml (Poetry's dependency tables
 * and PEP 621 / PEP 735 requirement arrays) and in a Pipfile, found line by line so an edit
 * changes only the characters of that constraint: formatting, comments, order and the line
 * endings of the rest of the file stay as they are.
 */
import { normalizePyName } from '../lockfiles/manifests.js';
import { admits, bumpConstraint, type ConstraintFlavor } from './pypi-specifiers.js';

export interface ConstraintSite {
  /** 0-based physical line. */
  readonly line: number;
  /** Character range of the constraint inside that line (without quotes). */
  readonly start: number;
  readonly end: number;
  readonly spec: string;
  readonly flavor: ConstraintFlavor;
  /** Where it is: a table (`tool.poetry.dependencies`) or array (`project.dependencies`). */
  readonly where: string;
}

/** A site Patchwarden found but cannot edit (a multi-line inline table, a URL requirement). */
export interface UneditableSite {
  readonly line: number;
  readonly where: string;
  readonly why: string;
}

export interface ConstraintSites {
  readonly sites: ConstraintSite[];
  readonly uneditable: UneditableSite[];
}

/** Lines without their endings. */
const linesOf = (text: string): string[] => text.split('\n').map((l) => l.replace(/\r$/, ''));

const KEY = /"([^"\\]*)"|'([^']*)'|([A-Za-z0-9_-]+)/g;

/** The dotted key of a `[table]` / `[[array]]` header, or null when the line is not a header. */
function headerOf(line: string): string[] | null {
  const m = /^\s*\[\[?([^[\]]+)\]\]?\s*(#.*)?$/.exec(line);
  if (!m) return null;
  return [...m[1]!.matchAll(KEY)].map((k) => k[1] ?? k[2] ?? k[3]!);
}

/** `key = value` at the start of a line: the key (unquoted) and where the value starts. */
function keyValue(line: string): { key: string; valueAt: number } | null {
  const m = /^(\s*)("([^"\\]*)"|'([^']*)'|([A-Za-z0-9_.-]+))\s*=\s*/.exec(line);
  if (!m) return null;
  return { key: m[3] ?? m[4] ?? m[5]!, valueAt: m[0].length };
}

/** The string literal starting at `at` (`"..."` without escapes, or `'...'`): its content range. */
function stringAt(line: string, at: number): { start: number; end: number } | null {
  const quote = line[at];
  if (quote !== '"' && quote !== "'") return null;
  const close = line.indexOf(quote, at + 1);
  if (close === -1) return null;
  if (quote === '"' && line.slice(at + 1, close).includes('\\')) return null;
  return { start: at + 1, end: close };
}

/** `version = "..."` inside an inline table or a sub-table line. */
function versionKeys(line: string, from: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const re = /(?:^|[{,\s])version\s*=\s*/g;
  re.lastIndex = from;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const s = stringAt(line, m.index + m[0].length);
    if (s) out.push(s);
  }
  return out;
}

const isPoetryDepsTable = (path: readonly string[]): boolean =>
  path.length >= 3 &&
  path[0] === 'tool' &&
  path[1] === 'poetry' &&
  ((path.length === 3 && (path[2] === 'dependencies' || path[2] === 'dev-dependencies')) || (path.length === 5 && path[2] === 'group' && path[4] === 'dependencies'));

/** The requirement arrays of PEP 621 and PEP 735: `[project] dependencies`, `[project.optional-dependencies] *`, `[dependency-groups] *`. */
function isRequirementArray(path: readonly string[], key: string): boolean {
  const table = path.join('.');
  return (table === 'project' && key === 'dependencies') || table === 'project.optional-dependencies' || table === 'dependency-groups';
}

/**
 * A PEP 508 requirement's specifier: `requests (>=2.19,<3)`, `requests[socks]>=2.19; python_version>"3"`.
 * Offsets are relative to the requirement string; null for another package, a URL requirement or no specifier range.
 */
export function pep508Specifier(requirement: string, name: string): { start: number; end: number } | { uneditable: string } | null {
  const m = /^(\s*)([A-Za-z0-9][A-Za-z0-9._-]*)(\s*\[[^\]]*\])?(\s*)/.exec(requirement);
  if (!m || normalizePyName(m[2]!) !== normalizePyName(name)) return null;
  let at = m[0].length;
  const rest = requirement.slice(at);
  if (rest.startsWith('@')) return { uneditable: 'a direct URL requirement' };
  if (rest.startsWith('(')) {
    const close = rest.indexOf(')');
    if (close === -1) return { uneditable: 'an unclosed parenthesis' };
    return { start: at + 1, end: at + close };
  }
  const semi = rest.indexOf(';');
  let end = semi === -1 ? requirement.length : at + semi;
  while (end > at && /\s/.test(requirement[end - 1]!)) end -= 1;
  while (at < end && /\s/.test(requirement[at]!)) at += 1;
  return { start: at, end };
}

/** The constraints of `name` in a pyproject.toml (Poetry tables, PEP 621 and PEP 735 arrays). */
export function pyprojectConstraints(text: string, name: string): ConstraintSites {
  const wanted = normalizePyName(name);
  const sites: ConstraintSite[] = [];
  const uneditable: UneditableSite[] = [];
  let path: string[] = [];
  let inArray: string | null = null;
  linesOf(text).forEach((line, index) => {
    if (inArray === null) {
      const header = headerOf(line);
      if (header) {
        path = header;
        return;
      }
    }
    let scanFrom = 0;
    if (inArray === null) {
      const kv = keyValue(line);
      if (!kv) return;
      const value = line.slice(kv.valueAt);
      // Poetry: `name = "^1.2"`, `name = { version = "^1.2", ... }`, `name = [ {version = ...}, ... ]`.
      if (isPoetryDepsTable(path) && normalizePyName(kv.key) === wanted) {
        const where = path.join('.');
        const direct = stringAt(line, kv.valueAt);
        const found = direct ? [direct] : versionKeys(line, kv.valueAt);
        if (found.length === 0) uneditable.push({ line: index, where, why: value.startsWith('{') || value.startsWith('[') ? 'no version on this line (a multi-line table?)' : 'not a version string' });
        for (const s of found) sites.push({ line: index, ...s, spec: line.slice(s.start, s.end), flavor: 'poetry', where });
        return;
      }
      // Poetry sub-table: [tool.poetry.dependencies.name] version = "..."
      if (isPoetryDepsTable(path.slice(0, -1)) && normalizePyName(path[path.length - 1]!) === wanted && kv.key === 'version') {
        const s = stringAt(line, kv.valueAt);
        if (s) sites.push({ line: index, ...s, spec: line.slice(s.start, s.end), flavor: 'poetry', where: path.join('.') });
        return;
      }
      if (!isRequirementArray(path, kv.key) || !value.startsWith('[')) return;
      inArray = `${path.join('.')}.${kv.key}`;
      scanFrom = kv.valueAt + 1;
    }
    // Inside a requirement array: every string literal until the closing bracket.
    for (let i = scanFrom; i < line.length; i++) {
      const ch = line[i]!;
      if (ch === '#') break;
      if (ch === ']') {
        inArray = null;
        break;
      }
      if (ch !== '"' && ch !== "'") continue;
      const s = stringAt(line, i);
      if (!s) break;
      const spec = pep508Specifier(line.slice(s.start, s.end), wanted);
      if (spec && 'uneditable' in spec) uneditable.push({ line: index, where: inArray, why: spec.uneditable });
      else if (spec) sites.push({ line: index, start: s.start + spec.start, end: s.start + spec.end, spec: line.slice(s.start + spec.start, s.start + spec.end), flavor: 'pep440', where: inArray });
      i = s.end;
    }
  });
  return { sites, uneditable };
}

const PIPFILE_NOT_PACKAGES = new Set(['source', 'requires', 'pipenv', 'scripts']);

/** The constraints of `name` in a Pipfile (`[packages]`, `[dev-packages]` and other categories). */
export function pipfileConstraints(text: string, name: string): ConstraintSites {
  const wanted = normalizePyName(name);
  const sites: ConstraintSite[] = [];
  const uneditable: UneditableSite[] = [];
  let path: string[] = [];
  linesOf(text).forEach((line, index) => {
    const header = headerOf(line);
    if (header) {
      path = header;
      return;
    }
    if (path.length !== 1 || PIPFILE_NOT_PACKAGES.has(path[0]!)) return;
    const kv = keyValue(line);
    if (!kv || normalizePyName(kv.key) !== wanted) return;
    const direct = stringAt(line, kv.valueAt);
    const found = direct ? [direct] : versionKeys(line, kv.valueAt);
    if (found.length === 0) uneditable.push({ line: index, where: path[0]!, why: 'no version string on this line (a git, path or multi-line entry?)' });
    for (const s of found) sites.push({ line: index, ...s, spec: line.slice(s.start, s.end), flavor: 'pep440', where: path[0]! });
  });
  return { sites, uneditable };
}

export type ConstraintEdit =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'edited'; readonly text: string; readonly from: string; readonly to: string; readonly where: string }
  | { readonly kind: 'impossible'; readonly reason: string };

/**
 * The manifest text with every constraint of the package that excludes `target` raised minimally
 * (only the characters of those constraints change), or 'unchanged' when all admit it.
 */
export function raiseConstraints(text: string, found: ConstraintSites, target: string, file: string): ConstraintEdit {
  const excluding = found.sites.filter((s) => !admits(s.spec, target, s.flavor));
  if (excluding.length === 0) return { kind: 'unchanged' };
  const lines = text.split('\n');
  let first: { from: string; to: string; where: string } | null = null;
  for (const site of [...excluding].sort((a, b) => b.line - a.line || b.start - a.start)) {
    const bump = bumpConstraint(site.spec, target, site.flavor);
    if (!bump.ok) return { kind: 'impossible', reason: `${file}:${site.line + 1}: ${bump.reason}` };
    const line = lines[site.line]!;
    lines[site.line] = line.slice(0, site.start) + bump.spec + line.slice(site.end);
    first = { from: site.spec, to: bump.spec, where: site.where };
  }
  return { kind: 'edited', text: lines.join('\n'), ...first! };
}
