/**
 * pip requirements files (`requirements*.txt`, `requirements/*.txt`): `name[extras]==version`
 * pins (also `===`), `--hash` options, comments, line continuations, environment markers, and
 * `-r`/`--requirement` includes (followed, relative to the including file; each package keeps the
 * file that pins it). Anything not pinned to one version (`>=`, `~=`, `==1.*`, URLs, paths, `-e`)
 * is a "not pinned" note, never a finding. pip-compile's `# via` comments give the graph: a
 * package whose `via` names a `-r` file is direct, others are transitive under the packages named.
 * Without them every pin is direct. A file whose name says dev/test/lint/docs holds dev packages.
 */
import { posix } from 'node:path';
import { lockfileError } from './errors.js';
import { GraphBuilder, packagesOf } from './graph.js';
import { normalizePyName } from './manifests.js';
import type { LockfileInput, LockfileNote, ParsedLockfile } from './types.js';

const FIX = 'fix the line (pip accepts `name==version`, `name[extra]==version ; marker`, `-r other.txt`)';
const DEV_FILE = /(^|[-_.])(dev|develop|development|test|tests|testing|lint|docs?|ci)([-_.]|$)/i;
const IGNORED_OPTIONS = /^(-i|--index-url|--extra-index-url|-f|--find-links|--no-index|--no-binary|--only-binary|--pre|--trusted-host|--prefer-binary|--require-hashes|--use-feature|--config-settings|--global-option|--hash)\b/;
const REQUIREMENT = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;

interface Pin {
  name: string;
  version: string;
  line: number;
  file: string;
  markers: string | undefined;
  via: string[];
  viaFile: boolean;
}

/** Logical lines: continuations joined, with the 1-based line where each starts. */
function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let current = lines[i]!;
    while (/(^|[^\\])\\$/.test(current) && i + 1 < lines.length && !/\s#/.test(current)) current = current.slice(0, -1) + ' ' + lines[++i]!;
    out.push({ text: current, line: start });
  }
  return out;
}

function isDevFile(file: string): boolean {
  return DEV_FILE.test(posix.basename(file).replace(/\.txt$/, ''));
}

export function parseRequirements(input: LockfileInput): ParsedLockfile {
  const notes: LockfileNote[] = [];
  const pins: Pin[] = [];
  let sawVia = false;
  const visited = new Set<string>();
  /** `file` is relative to the lockfile's folder ('' = the lockfile itself); `shown` is its path for reports. */
  const readFile = (relative: string, shown: string, text: string): void => {
    visited.add(relative);
    let last: Pin | null = null;
    let inVia = false;
    for (const { text: raw, line } of logicalLines(text)) {
      const trimmed = raw.trim();
      if (trimmed.startsWith('#')) {
        const via = /^#\s*via\b\s*(.*)$/.exec(trimmed);
        if (via && last) {
          sawVia = true;
          inVia = true;
          addVia(last, via[1]!);
        } else if (inVia && last && /^#\s{2,}\S/.test(trimmed)) addVia(last, trimmed.slice(1));
        else inVia = false;
        continue;
      }
      inVia = false;
      const body = trimmed.replace(/(^|\s)#.*$/, '').trim();
      if (body === '') continue;
      const include = /^(?:-r|--requirement)(?:\s+|=)(\S+)$/.exec(body);
      if (include) {
        const target = posix.normalize(posix.join(posix.dirname(relative === '' ? '.' : relative), include[1]!));
        const targetShown = posix.normalize(posix.join(posix.dirname(input.path), target));
        if (visited.has(target)) continue;
        const included = input.read(target);
        if (included === null) throw lockfileError(shown, line, `the included requirements file ${include[1]} does not exist`, 'fix the -r path or add the file');
        readFile(target, targetShown, included);
        last = null;
        continue;
      }
      if (/^(-c|--constraint)\b/.test(body)) {
        notes.push({ lockfile: shown, line, kind: 'ignored-file', message: `${body}: constraints files are not scanned (they pin nothing by themselves)` });
        continue;
      }
      if (/^(-e|--editable)\b/.test(body) || /^[./]/.test(body) || /^[a-z+]+:\/\//i.test(body)) {
        notes.push({ lockfile: shown, line, kind: 'not-pinned', message: `${body}: a path, URL or editable install is not pinned to a version; not matched` });
        continue;
      }
      if (body.startsWith('-')) {
        if (IGNORED_OPTIONS.test(body)) continue;
        throw lockfileError(shown, line, `unknown pip option ${JSON.stringify(body.split(/\s/)[0])}`, FIX);
      }
      const requirement = body.split(/\s+--/)[0]!;
      const semi = requirement.indexOf(';');
      const spec = (semi === -1 ? requirement : requirement.slice(0, semi)).trim();
      const markers = semi === -1 ? undefined : requirement.slice(semi + 1).trim();
      const m = REQUIREMENT.exec(spec);
      if (!m) throw lockfileError(shown, line, `not a requirement: ${JSON.stringify(body.slice(0, 80))}`, FIX);
      const name = m[1]!;
      const constraint = m[3]!.trim();
      const pin = /^===?\s*([^\s,;*]+)$/.exec(constraint);
      if (!pin) {
        const why = constraint === '' ? 'no version given' : constraint.startsWith('@') ? 'a direct URL reference' : `"${constraint}" is a range, not one version`;
        notes.push({ lockfile: shown, line, kind: 'not-pinned', message: `${name}: not pinned (${why}); pin it with ==version (e.g. pip-compile) to have it checked` });
        last = null;
        continue;
      }
      last = { name, version: pin[1]!, line, file: shown, markers, via: [], viaFile: false };
      pins.push(last);
    }
  };
  const addVia = (pin: Pin, text: string): void => {
    const t = text.trim();
    if (t === '') return;
    if (/^-r\b|^--requirement\b|\.(in|txt|toml|cfg)\b|^pyproject|^setup/.test(t)) pin.viaFile = true;
    else if (!t.startsWith('-c')) for (const part of t.split(/[\s,]+/)) if (/^[A-Za-z0-9]/.test(part)) pin.via.push(normalizePyName(part.replace(/\[.*$/, '')));
  };
  readFile('', input.path, input.text);
  const graph = new GraphBuilder('PyPI', input.path);
  const ids = new Map<string, string[]>();
  for (const pin of pins) {
    const id = `${pin.file}\u0000${normalizePyName(pin.name)}\u0000${pin.version}\u0000${pin.markers ?? ''}`;
    graph.node(id, { name: pin.name, version: pin.version, line: pin.line, markers: pin.markers, lockfile: pin.file });
    const key = normalizePyName(pin.name);
    ids.set(key, [...(ids.get(key) ?? []), id]);
  }
  for (const pin of pins) {
    const id = `${pin.file}\u0000${normalizePyName(pin.name)}\u0000${pin.version}\u0000${pin.markers ?? ''}`;
    const type = isDevFile(pin.file) ? 'dev' : 'prod';
    if (!sawVia || pin.viaFile || pin.via.length === 0) graph.root('.', id, type);
    for (const parent of pin.via) for (const parentId of ids.get(parent) ?? []) graph.edge(parentId, id);
  }
  return { path: input.path, kind: 'pip-requirements', formatVersion: null, packages: packagesOf(graph.build()), notes };
}
