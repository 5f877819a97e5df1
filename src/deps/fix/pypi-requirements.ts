/**
 * Rewrites `name==version` / `name===version` pins in a pip requirements file in place: only the
 * version (and, when given, the `--hash` options) of the pinning lines change; extras, markers,
 * comments, `\` continuations, indentation and line endings (CRLF stays CRLF) are kept. Logical
 * lines are found exactly as the parser (`lockfiles/requirements.ts`) finds them.
 */
import { normalizePyName } from '../lockfiles/manifests.js';

export interface PinSite {
  /** 0-based physical lines of the logical requirement line (continuations included). */
  readonly first: number;
  readonly last: number;
  /** The name as written. */
  readonly name: string;
  readonly version: string;
  readonly hasHashes: boolean;
}

interface Physical {
  readonly body: string;
  readonly eol: string;
}

function physicalLines(text: string): Physical[] {
  return text.split(/(?<=\n)/).map((line) => {
    const body = line.replace(/\r?\n$/, '');
    return { body, eol: line.slice(body.length) };
  });
}

const REQUIREMENT = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;

/** The pins of `name` (any spelling) at one of `versions` in a requirements file's text. */
export function findPins(text: string, name: string, versions: readonly string[]): PinSite[] {
  const lines = physicalLines(text);
  const wanted = normalizePyName(name);
  const out: PinSite[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = i;
    let current = lines[i]!.body;
    while (/(^|[^\\])\\$/.test(current) && i + 1 < lines.length && !/\s#/.test(current)) current = current.slice(0, -1) + ' ' + lines[++i]!.body;
    const trimmed = current.trim();
    if (trimmed.startsWith('#') || trimmed.startsWith('-')) continue;
    const body = trimmed.replace(/(^|\s)#.*$/, '').trim();
    if (body === '') continue;
    const requirement = body.split(/\s+--/)[0]!;
    const semi = requirement.indexOf(';');
    const spec = (semi === -1 ? requirement : requirement.slice(0, semi)).trim();
    const m = REQUIREMENT.exec(spec);
    if (!m || normalizePyName(m[1]!) !== wanted) continue;
    const pin = /^===?\s*([^\s,;*]+)$/.exec(m[3]!.trim());
    if (!pin || !versions.includes(pin[1]!)) continue;
    out.push({ first, last: i, name: m[1]!, version: pin[1]!, hasHashes: /(^|\s)--hash[=\s]/.test(body) });
  }
  return out;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const HASH_ONLY = /^\s*(--hash[=\s]+[^\s\\]+\s*)+\\?\s*$/;
const INLINE_HASH = /\s+--hash[=\s]+[^\s\\]+/g;
const HAS_INLINE_HASH = /\s--hash[=\s]/;

export type RewriteResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };

/**
 * The text with every site's version replaced by `to`; with `hashes` (sha256 hex digests), the
 * `--hash` options of sites that have them replaced by `--hash=sha256:<digest>` for each, laid out
 * as they were (one per continuation line, or inline).
 */
export function rewritePins(text: string, sites: readonly PinSite[], to: string, hashes: readonly string[] | null): RewriteResult {
  if (hashes !== null && hashes.length === 0) return { ok: false, reason: 'no sha256 digests to write' };
  const lines = physicalLines(text);
  const fileEol = text.includes('\r\n') ? '\r\n' : '\n';
  for (const site of [...sites].sort((a, b) => b.first - a.first)) {
    const head = lines[site.first]!;
    const version = new RegExp(`^(\\s*${escape(site.name)}\\s*(?:\\[[^\\]]*\\])?\\s*===?\\s*)${escape(site.version)}(?=$|[\\s;,\\\\#])`);
    if (!version.test(head.body)) return { ok: false, reason: `line ${site.first + 1}: the pin of ${site.name} is split over lines; rewrite it by hand` };
    lines[site.first] = { ...head, body: head.body.replace(version, `$1${to}`) };
    if (hashes === null || !site.hasHashes) continue;
    const range = lines.slice(site.first, site.last + 1);
    const hashLines = range.map((l, k) => (k > 0 && HASH_ONLY.test(l.body) ? k : -1)).filter((k) => k !== -1);
    const fresh = hashes.map((h) => `--hash=sha256:${h}`);
    let replaced: Physical[];
    if (hashLines.length > 0) {
      const at = hashLines[0]!;
      const indent = /^\s*/.exec(range[at]!.body)![0];
      const lastIsHash = hashLines.includes(range.length - 1);
      const endEol = lastIsHash ? range[range.length - 1]!.eol : range[at]!.eol;
      const block = fresh.map((h, k): Physical => {
        const isLast = k === fresh.length - 1;
        return { body: `${indent}${h}${isLast && lastIsHash ? '' : ' \\'}`, eol: isLast ? endEol : fileEol };
      });
      replaced = [];
      range.forEach((l, k) => {
        if (k === at) replaced.push(...block);
        else if (!hashLines.includes(k)) replaced.push({ ...l, body: l.body.replace(INLINE_HASH, '') });
      });
    } else {
      let done = false;
      replaced = range.map((l) => {
        if (!HAS_INLINE_HASH.test(l.body)) return l;
        const body = l.body.replace(INLINE_HASH, (token) => {
          if (done) return '';
          done = true;
          return /^\s*/.exec(token)![0] + fresh.join(' ');
        });
        return { ...l, body };
      });
    }
    lines.splice(site.first, site.last - site.first + 1, ...replaced);
  }
  return { ok: true, text: lines.map((l) => l.body + l.eol).join('') };
}
