/**
 * The scan end to end on real lockfiles (npm, yarn, pnpm via the real package managers; PyPI on
 * committed fixtures): findings with the lowest version fixing every advisory, withdrawn and
 * out-of-range advisories not matched, malformed lockfiles reported with file and line while the
 * rest of the tree is scanned, and discovery skipping node_modules, VCS and virtualenv folders.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverLockfiles } from '../../src/deps/discover.js';
import { scanDirectory, type ScanReport } from '../../src/deps/scan.js';
import { ADVISORIES } from './advisory-fixtures.js';
import { memorySource, realProject, SMALL_PROJECT, tempDir, writeFiles } from './helpers.js';

const PYTHON_FIXTURES = fileURLToPath(new URL('../fixtures/deps/python', import.meta.url));
const tmp = tempDir();
let report: ScanReport;

beforeAll(async () => {
  realProject('npm3', SMALL_PROJECT, join(tmp.dir, 'web'));
  realProject('pnpm9', SMALL_PROJECT, join(tmp.dir, 'tools/pnpm-app'));
  realProject('yarn1', SMALL_PROJECT, join(tmp.dir, 'tools/yarn-app'));
  cpSync(PYTHON_FIXTURES, join(tmp.dir, 'py'), { recursive: true });
  writeFiles(tmp.dir, {
    // Malformed and unknown lockfiles: reported, the rest still scanned.
    'broken/truncated/package-lock.json': '{\n  "name": "x",\n  "lockfileVersion": 3,\n  "packages": {\n    "": {\n',
    'broken/future/package-lock.json': '{\n  "name": "x",\n  "lockfileVersion": 7,\n  "packages": {}\n}\n',
    'broken/yaml/pnpm-lock.yaml': "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n      a: [unclosed\n",
    'broken/pnpm-future/pnpm-lock.yaml': "lockfileVersion: '42.0'\n",
    'broken/classic/yarn.lock': '# yarn lockfile v1\n\n\nlodash@^4.17.11:\n  version "4.17.11"\n    what is this\n',
    // Never scanned: dependencies' own trees, VCS data, virtualenvs.
    'web/node_modules/lodash/package-lock.json': '{"lockfileVersion": 99}',
    '.git/package-lock.json': '{"lockfileVersion": 99}',
    'py/.venv/pyvenv.cfg': 'home = /usr/bin\n',
    'py/.venv/lib/requirements.txt': 'django==1.0\n',
    'py/myenv/pyvenv.cfg': 'home = /usr/bin\n',
    'py/myenv/requirements.txt': 'django==1.0\n',
  });
  report = await scanDirectory(tmp.dir, { advisories: memorySource(ADVISORIES) });
}, 600_000);
afterAll(() => tmp.cleanup());

describe('discovery', () => {
  it('finds every lockfile of the tree in path order, skipping node_modules, .git and virtualenvs', () => {
    expect(discoverLockfiles(tmp.dir).lockfiles.map((l) => l.path)).toEqual([
      'broken/classic/yarn.lock',
      'broken/future/package-lock.json',
      'broken/pnpm-future/pnpm-lock.yaml',
      'broken/truncated/package-lock.json',
      'broken/yaml/pnpm-lock.yaml',
      'py/pip/requirements-dev.txt',
      'py/pip/requirements.txt',
      'py/pipenv/Pipfile.lock',
      'py/poetry/poetry.lock',
      'tools/pnpm-app/pnpm-lock.yaml',
      'tools/yarn-app/yarn.lock',
      'web/package-lock.json',
    ]);
  });

  it('prefers npm-shrinkwrap.json over package-lock.json in one folder, as npm does', () => {
    const t = tempDir();
    writeFiles(t.dir, { 'package-lock.json': '{}', 'npm-shrinkwrap.json': '{}', 'requirements/base.txt': 'a==1\n' });
    const found = discoverLockfiles(t.dir);
    expect(found.lockfiles.map((l) => l.path)).toEqual(['npm-shrinkwrap.json', 'requirements/base.txt']);
    expect(found.ignored).toEqual([{ path: 'package-lock.json', reason: expect.stringContaining('npm-shrinkwrap.json') as string }]);
    t.cleanup();
  });
});

describe('malformed and unknown lockfiles', () => {
  it('each is an error naming the file, the line and the fix; the scan is partial and goes on', () => {
    expect(report.partial).toBe(true);
    const errors = Object.fromEntries(report.errors.map((e) => [e.lockfile, [e.line, e.message]]));
    expect(Object.keys(errors)).toEqual(['broken/classic/yarn.lock', 'broken/future/package-lock.json', 'broken/pnpm-future/pnpm-lock.yaml', 'broken/truncated/package-lock.json', 'broken/yaml/pnpm-lock.yaml']);
    expect(errors['broken/truncated/package-lock.json']).toEqual([6, expect.stringMatching(/^broken\/truncated\/package-lock\.json:6: not valid JSON .*; regenerate it with `npm install --package-lock-only --ignore-scripts`$/)]);
    expect(errors['broken/future/package-lock.json']).toEqual([3, expect.stringContaining('unknown lockfileVersion 7 (Patchwarden reads 1, 2 and 3)')]);
    expect(errors['broken/yaml/pnpm-lock.yaml']![0]).toBe(7); // the unclosed flow sequence is found at the end of the file
    expect(errors['broken/yaml/pnpm-lock.yaml']![1]).toMatch(/^broken\/yaml\/pnpm-lock\.yaml:7: not valid YAML/);
    expect(errors['broken/pnpm-future/pnpm-lock.yaml']).toEqual([1, expect.stringContaining('unknown lockfileVersion "42.0"')]);
    expect(errors['broken/classic/yarn.lock']).toEqual([6, expect.stringContaining('unexpected indentation')]);
    expect(report.lockfiles.map((l) => l.path)).toEqual(['py/pip/requirements-dev.txt', 'py/pip/requirements.txt', 'py/pipenv/Pipfile.lock', 'py/poetry/poetry.lock', 'tools/pnpm-app/pnpm-lock.yaml', 'tools/yarn-app/yarn.lock', 'web/package-lock.json']);
  });
});

describe('findings', () => {
  const find = (lockfile: string, pkg: string) => report.findings.find((f) => f.lockfile === lockfile && f.package === pkg);

  it('lodash 4.17.11: three advisories, CVEs, highest severity, and 4.17.21 as the lowest version fixing all of them', () => {
    const f = find('web/package-lock.json', 'lodash')!;
    expect(f).toMatchObject({ version: '4.17.11', direct: true, dev: false, severity: 'critical', fixedIn: '4.17.21', fixedInAffectedBy: [], line: 39, paths: [['lodash@4.17.11']] });
    expect(f.advisories.map((a) => [a.id, a.aliases, a.severity.rating, a.fixedIn])).toEqual([
      ['GHSA-35jh-r3h4-6jhm', ['CVE-2021-23337'], 'high', '4.17.21'],
      ['GHSA-jf85-cpcp-j695', ['CVE-2019-10744'], 'critical', '4.17.12'],
      ['GHSA-p6mc-m468-83gw', ['CVE-2020-8203'], 'high', '4.17.19'],
    ]);
    expect(f.advisories[1]!.severity.score).toBe(9.8);
  });

  it('minimist: the dev copy 1.2.0 is fixed in 1.2.6, the transitive 0.0.8 in 0.2.4 (each branch of the ranges)', () => {
    const lockfile = 'tools/pnpm-app/pnpm-lock.yaml';
    const copies = report.findings.filter((f) => f.lockfile === lockfile && f.package === 'minimist');
    expect(copies.map((f) => [f.version, f.direct, f.dev, f.fixedIn, f.paths[0]!.join(' > ')])).toEqual([
      ['0.0.8', false, false, '0.2.4', 'mkdirp@0.5.1 > minimist@0.0.8'],
      ['1.2.0', true, true, '1.2.6', 'minimist@1.2.0'],
    ]);
  });

  it('withdrawn advisories and versions outside the ranges give no finding', () => {
    expect(report.findings.filter((f) => f.package === 'ms' || f.package === 'is-number' || f.package === 'debug')).toEqual([]);
  });

  it('the same package versions in npm, pnpm and yarn lockfiles give the same findings', () => {
    const summary = (lockfile: string): string[] => report.findings.filter((f) => f.lockfile === lockfile).map((f) => `${f.package}@${f.version} ${f.fixedIn} ${f.dev}`);
    expect(summary('tools/pnpm-app/pnpm-lock.yaml')).toEqual(summary('web/package-lock.json'));
    expect(summary('tools/yarn-app/yarn.lock')).toEqual(summary('web/package-lock.json'));
  });

  it('PyPI: PEP 440 matching, names normalised, the lowest common fix, pins from -r includes attributed to their file', () => {
    const py = report.findings.filter((f) => f.ecosystem === 'PyPI').map((f) => [f.lockfile, f.package, f.version, f.direct, f.dev, f.fixedIn, f.line]);
    expect(py).toEqual([
      ['py/pip/requirements.txt', 'jinja2', '2.10', false, false, '2.10.1', 27],
      ['py/pipenv/Pipfile.lock', 'jinja2', '2.10', true, false, '2.10.1', 19],
      ['py/pip/requirements.txt', 'requests', '2.19.1', true, false, '2.31.0', 34],
      ['py/poetry/poetry.lock', 'requests', '2.19.1', true, false, '2.31.0', 73],
      ['py/pipenv/Pipfile.lock', 'requests', '2.28.2', true, true, '2.31.0', 47],
    ]);
    expect(find('py/pip/requirements.txt', 'jinja2')!.paths).toEqual([['flask@1.0.2', 'jinja2@2.10']]);
    expect(report.notes.filter((n) => n.kind === 'not-pinned').map((n) => `${n.lockfile}:${n.line}`)).toEqual(['py/pip/requirements-dev.txt:5', 'py/pip/requirements-dev.txt:6', 'py/pip/requirements-dev.txt:7', 'py/pipenv/Pipfile.lock:43']);
  });

  it('findings are sorted by severity, then package', () => {
    const ranks = report.findings.map((f) => ['unknown', 'none', 'low', 'medium', 'high', 'critical'].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(report.stats).toMatchObject({ vulnerablePackages: report.findings.length, advisories: 8 });
  });
});

describe('the advisory source', () => {
  it('is asked once per ecosystem, for the names found only', async () => {
    const t = tempDir();
    mkdirSync(join(t.dir, 'a'));
    writeFileSync(join(t.dir, 'a/requirements.txt'), 'Jinja2==2.10\n');
    const source = memorySource(ADVISORIES);
    const r = await scanDirectory(t.dir, { advisories: source });
    expect(source.calls).toBe(1);
    expect(r.findings.map((f) => [f.package, f.fixedIn])).toEqual([['Jinja2', '2.10.1']]);
    expect(r.partial).toBe(false);
    t.cleanup();
  });
});
