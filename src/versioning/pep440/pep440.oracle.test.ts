/**
 * Oracle tests: thousands of seeded, generated versions and pairs, and every version of the PyPI
 * OSV sample, checked in batch against Python's `packaging.version.Version` (validity, normalised
 * form, comparisons, sort order) in one python3 process per batch. Agreement must be 100%.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireComponent } from '../../../test/helpers/components.js';
import { seededRandom } from '../../../test/helpers/oracles.js';
import { parsePep440, pep440 } from './index.js';

// ---- the oracle: one python3 process per batch ------------------------------------------------

const ORACLE = `
import json, sys
import packaging
from packaging.version import Version
request = json.load(sys.stdin)
parsed = []
for s in request["versions"]:
    try:
        parsed.append(Version(s))
    except ValueError:  # InvalidVersion (and int()'s digit limit, far beyond these tests)
        parsed.append(None)
compared = []
for i, j in request["pairs"]:
    a, b = parsed[i], parsed[j]
    compared.append(None if a is None or b is None else (a > b) - (a < b))
order = sorted((i for i, v in enumerate(parsed) if v is not None), key=lambda i: parsed[i])
json.dump({"packaging": packaging.__version__, "normalized": [None if v is None else str(v) for v in parsed],
           "compared": compared, "order": order}, sys.stdout)
`;

const ZIP_VERSIONS = `
import json, sys, zipfile
versions = []
with zipfile.ZipFile(sys.argv[1]) as archive:
    for name in sorted(archive.namelist()):
        if name.endswith(".json"):
            record = json.loads(archive.read(name))
            for affected in record.get("affected", []):
                if affected.get("package", {}).get("ecosystem") == "PyPI":
                    versions.extend(affected.get("versions", []))
json.dump(versions, sys.stdout)
`;

interface OracleAnswer {
  packaging: string;
  normalized: Array<string | null>;
  compared: Array<number | null>;
  order: number[];
}

/** The first of `python3`, `/usr/bin/python3` that can import packaging, or undefined. */
const python = ['python3', '/usr/bin/python3'].find((candidate) => spawnSync(candidate, ['-c', 'import packaging.version']).status === 0);
const havePython = requireComponent('Python packaging module', python !== undefined,
  'a python3 (or /usr/bin/python3) that can `import packaging`; install the Debian package python3-packaging');

function runPython(script: string, args: string[], input: string): string {
  const result = spawnSync(python!, ['-c', script, ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
  return result.stdout;
}

/** packaging's major version: before 26 it matched letters with Unicode case folding. */
const packagingMajor = havePython ? Number(runPython('import packaging; print(packaging.__version__)', [], '').split('.')[0]) : 0;

function askPackaging(versions: string[], pairs: Array<[number, number]> = []): OracleAnswer {
  return JSON.parse(runPython(ORACLE, [], JSON.stringify({ versions, pairs }))) as OracleAnswer;
}

// ---- seeded generation -------------------------------------------------------------------------


const random = seededRandom(0x440);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (p: number): boolean => random() < p;

const NUMBERS = ['0', '0', '1', '1', '2', '3', '9', '10', '00', '01', '010', '9007199254740993', '18446744073709551616', '99999999999999999999'];
const SEPS = ['', '', '.', '-', '_'];
const PRE = ['a', 'b', 'rc', 'alpha', 'beta', 'c', 'pre', 'preview', 'A', 'RC', 'Alpha', 'BETA', 'Pre', 'PREVIEW', 'C'];
const POST = ['post', 'rev', 'r', 'POST', 'Rev', 'R'];
const DEV = ['dev', 'DEV', 'Dev'];
const LOCAL = ['ubuntu', '1', '01', '0', '00', '2', '10', 'abc', 'ABC', 'a1', '1a', 'deb10u1', 'z', 'post1', 'dev'];
const SPACE = [' ', '\t', '\n', '\u00a0', '\u3000', '\u2009', '\x1c', '\u0085', '\ufeff' /* not Python whitespace */];
const INVALID = ['', 'foo', '1.0-beta-x', '1.0.', '.1', '1..0', '1.0+', '1.0+a..b', '1.0+a+b', '!1', '1!', '1.0a1a2', '1.0.post1.post2',
  '1.0.dev1.dev2', '1.0dev1a1', '1.0.dev1.post1', 'v', 'vv1.0', '1.0-', '1.0-1-1', '1.0_1', '1.0a-b', '1.0+ubuntu~1', '1.0+é', '1.0poſt1',
  '1.0prevıew', '1,0', '1.0.x', '1.0*', '1.0 1', 'dev', 'alpha', '2.3.4-SNAPSHOT', '0.1.0-beta.1', 'latest', '1.0-r', '1.0.-1'];

interface Parts { prefix: string; epoch: string; release: string[]; pre: string; post: string; dev: string; local: string }

const num = (): string => pick(NUMBERS);
const release = (): string[] => Array.from({ length: 1 + Math.floor(random() * (chance(0.2) ? 6 : 3)) }, num);
const pre = (): string => (chance(0.4) ? `${pick(SEPS)}${pick(PRE)}${pick(SEPS)}${chance(0.2) ? '' : num()}` : '');
const post = (): string => (chance(0.3) ? (chance(0.25) ? `-${num()}` : `${pick(SEPS)}${pick(POST)}${pick(SEPS)}${chance(0.2) ? '' : num()}`) : '');
const dev = (): string => (chance(0.3) ? `${pick(SEPS)}${pick(DEV)}${pick(SEPS)}${chance(0.2) ? '' : num()}` : '');
const local = (): string => (chance(0.25) ? `+${Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(LOCAL)).join(pick(['.', '-', '_']))}` : '');

function parts(): Parts {
  return { prefix: chance(0.08) ? pick(['v', 'V']) : '', epoch: chance(0.2) ? `${pick(NUMBERS)}!` : '', release: release(), pre: pre(), post: post(), dev: dev(), local: local() };
}

function render(p: Parts): string {
  return `${p.prefix}${p.epoch}${p.release.join('.')}${p.pre}${p.post}${p.dev}${p.local}`;
}

/** A damaged version: one character inserted, removed or replaced; mostly invalid. */
function damage(v: string): string {
  const at = Math.floor(random() * (v.length + 1));
  const c = pick(['-', '.', '_', '+', '!', 'a', 'x', ' ', '*', '0']);
  return pick([v.slice(0, at) + c + v.slice(at), v.slice(0, at) + v.slice(at + 1), v.slice(0, at) + c + v.slice(at + 1)]);
}

function generate(p: Parts): string {
  const v = render(p);
  if (chance(0.05)) return pick(INVALID);
  if (chance(0.06)) return damage(v);
  if (chance(0.05)) return `${pick(SPACE)}${v}${chance(0.5) ? pick(SPACE) : ''}`;
  return v;
}

/** A version near `p`: one part regenerated (often to an equal value in another spelling). */
function neighbour(p: Parts): Parts {
  const q = { ...p, release: [...p.release] };
  switch (Math.floor(random() * 7)) {
    case 0: q.pre = pre(); break;
    case 1: q.post = post(); break;
    case 2: q.dev = dev(); break;
    case 3: q.local = local(); break;
    case 4: q.release.push(...Array.from({ length: 1 + Math.floor(random() * 2) }, () => pick(['0', '00', num()]))); break;
    case 5: q.release[q.release.length - 1] = num(); break;
    default: q.epoch = chance(0.5) ? '' : pick(['0!', '1!', '01!']);
  }
  return q;
}

const pool = Array.from({ length: 3000 }, parts);
const POOL = pool.map(generate);
const GENERATED_PAIRS: Array<[string, string]> = Array.from({ length: 12000 }, () => {
  const p = pick(pool);
  return [generate(p), chance(0.65) ? generate(neighbour(p)) : pick(POOL)];
});
/**
 * packaging < 26 (Debian bookworm has 23.0) matched the letters of the grammar with Unicode case
 * folding, so it accepts `ſ` for `s` and `ı` for `i`; 26 matches ASCII only, as pep440 does.
 */
const UNICODE_FOLDED = new Set(['1.0poſt1', '1.0prevıew']);
const checked = (v: string): boolean => packagingMajor >= 26 || !UNICODE_FOLDED.has(v);
const PAIRS = GENERATED_PAIRS.filter(([a, b]) => checked(a) && checked(b));
const ALL = [...new Set([...POOL, ...PAIRS.flat()])].filter(checked);
const INDEX = new Map(ALL.map((v, i) => [v, i]));

// ---- the tests -----------------------------------------------------------------------------------

describe.skipIf(!havePython)('pep440 against Python packaging', () => {
  const answer = havePython ? askPackaging(ALL, PAIRS.map(([a, b]) => [INDEX.get(a)!, INDEX.get(b)!])) : undefined;

  it(`agrees on the validity and normal form of ${ALL.length} generated strings`, () => {
    const ours = ALL.map((v) => parsePep440(v)?.normalized ?? null);
    const disagreements = ALL.filter((_, i) => ours[i] !== answer!.normalized[i]).map((v) => [v, parsePep440(v)?.normalized, answer!.normalized[INDEX.get(v)!]]);
    expect(disagreements).toEqual([]);
    const valid = ours.filter((n) => n !== null).length;
    expect(valid).toBeGreaterThan(ALL.length * 0.6);
    expect(valid).toBeLessThan(ALL.length * 0.95);
  });

  it(`agrees on ${PAIRS.length} generated pairs`, () => {
    const compared = PAIRS.filter((_, k) => answer!.compared[k] !== null);
    expect(compared.length).toBeGreaterThan(8000);
    const disagreements = PAIRS.map(([a, b], k) => [a, b, answer!.compared[k]] as const)
      .filter(([a, b, theirs]) => theirs !== null && pep440.compare(a, b) !== theirs);
    expect(disagreements).toEqual([]);
    const equal = compared.filter(([a, b]) => pep440.compare(a, b) === 0).length;
    expect(equal).toBeGreaterThan(300); // many pairs differ only in spelling
  });

  it('sorts every valid generated version exactly as packaging does', () => {
    const valid = ALL.map((_, i) => i).filter((i) => answer!.normalized[i] !== null);
    expect(valid.sort((i, j) => pep440.compare(ALL[i]!, ALL[j]!))).toEqual(answer!.order);
  });
});

const here = dirname(fileURLToPath(import.meta.url));
const sampleZip = resolve(here, '../../../../shared/data/osv/PyPI-sample.zip');
const haveSample = requireComponent('OSV PyPI sample', existsSync(sampleZip), `expected at ${sampleZip}, the shared/ folder beside the repository`);

describe.skipIf(!havePython || !haveSample)('pep440 on the versions of the OSV PyPI sample', () => {
  const versions = havePython && haveSample ? [...new Set(JSON.parse(runPython(ZIP_VERSIONS, [sampleZip], '')) as string[])] : [];
  const answer = havePython && haveSample ? askPackaging(versions) : undefined;

  it('accepts exactly the versions packaging accepts, in the same normal form', () => {
    expect(versions.length).toBeGreaterThan(1000);
    const disagreements = versions.filter((v, i) => (parsePep440(v)?.normalized ?? null) !== answer!.normalized[i]);
    expect(disagreements).toEqual([]);
  });

  it('sorts them exactly as packaging does', () => {
    const valid = versions.map((_, i) => i).filter((i) => answer!.normalized[i] !== null);
    expect(valid.sort((i, j) => pep440.compare(versions[i]!, versions[j]!))).toEqual(answer!.order);
  });
});
