/**
 * The PyPI fix engine on committed fixtures (test/fixtures/deps/python-fix, copied into temp dirs)
 * with real advisories (PyPA PYSEC records and GitHub GHSA records), scanned with the real scanner,
 * fixed, then scanned again. PyPI itself is not reachable from these machines: the "PyPI reachable"
 * side runs against a local HTTP server answering the documented PyPI JSON API
 * (https://docs.pypi.org/api/json/: `GET /pypi/<project>/json`, `releases` of files with `yanked`
 * and `digests.sha256`); the unreachable side against an address that refuses connections.
 * poetry and pipenv are not installed here, so their relock is not run: what is tested is the
 * constraint bump (computed, written, and restored when the tool is missing) and the message.
 */
import { createHash } from 'node:crypto';
import { cpSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OsvRecord } from '../../src/advisories/osv.schema.js';
import { applyPypiFixes } from '../../src/deps/fix/pypi.js';
import { findOnPath } from '../../src/deps/fix/pypi-relock.js';
import type { FixContext, PlannedUpdate } from '../../src/deps/fix/types.js';
import { scanDirectory, type DepsFinding } from '../../src/deps/scan.js';
import { ADVISORIES } from './advisory-fixtures.js';
import { memorySource, tempDir } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/deps/python-fix', import.meta.url));
const RECORDS: OsvRecord[] = [
  ...ADVISORIES.filter((r) => r.affected?.some((a) => a.package?.ecosystem === 'PyPI')),
  ...(JSON.parse(readFileSync(join(FIXTURES, 'advisories.json'), 'utf8')) as OsvRecord[]),
];
const source = memorySource(RECORDS);
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

// ---- a local PyPI JSON API ----------------------------------------------------------------------

type Release = readonly [version: string, options?: { readonly yanked?: boolean; readonly files?: number }];
interface Project {
  readonly name: string;
  readonly releases: readonly Release[];
}

/** Release lists as on PyPI, trimmed (requests 2.32.0 and 2.32.1 are yanked there too). */
const PYPI: Record<string, Project> = {
  django: { name: 'Django', releases: [['2.1.5'], ['2.1.6'], ['2.1.7'], ['2.1.8'], ['2.2a1'], ['2.2']] },
  requests: { name: 'requests', releases: [['2.19.1'], ['2.20.0'], ['2.31.0'], ['2.32.0', { yanked: true }], ['2.32.1', { yanked: true }], ['2.32.2'], ['2.32.3']] },
  jinja2: { name: 'Jinja2', releases: [['2.10'], ['2.10.1'], ['2.10.3'], ['2.11.2'], ['2.11.3'], ['3.0.0a1'], ['3.0.0rc1'], ['3.0.0']] },
  urllib3: { name: 'urllib3', releases: [['1.23'], ['1.24'], ['1.26.17'], ['1.26.18'], ['2.0.0a1'], ['2.0.7']] },
  pyyaml: { name: 'PyYAML', releases: [['5.3'], ['5.3.1'], ['5.4b1'], ['5.4b2'], ['5.4'], ['5.4.1']] },
  certifi: { name: 'certifi', releases: [['2018.8.24'], ['2023.5.7'], ['2023.7.22']] },
  werkzeug: { name: 'Werkzeug', releases: [['0.14.1'], ['2.2.2'], ['2.2.3']] },
  idna: { name: 'idna', releases: [['2.7'], ['2.8']] },
};

const fileNames = (name: string, version: string, count: number): string[] => [`${name}-${version}-py3-none-any.whl`, `${name}-${version}.tar.gz`].slice(0, count);
/** The sha256 digests the index gives for a release, sorted. */
const digestsOf = (name: string, version: string): string[] => fileNames(name, version, 2).map(sha256).sort();

function projectJson(project: Project): unknown {
  const releases = Object.fromEntries(
    project.releases.map(([version, options]) => [
      version,
      fileNames(project.name, version, options?.files ?? 2).map((filename) => ({
        comment_text: '',
        digests: { blake2b_256: sha256(`b2:${filename}`), md5: sha256(filename).slice(0, 32), sha256: sha256(filename) },
        downloads: -1,
        filename,
        has_sig: false,
        packagetype: filename.endsWith('.whl') ? 'bdist_wheel' : 'sdist',
        python_version: filename.endsWith('.whl') ? 'py3' : 'source',
        requires_python: null,
        size: 1000,
        upload_time_iso_8601: '2024-01-01T00:00:00.000000Z',
        url: `https://files.pythonhosted.org/packages/${filename}`,
        yanked: options?.yanked ?? false,
        yanked_reason: options?.yanked ? 'conflicts with a security fix' : null,
      })),
    ]),
  );
  const latest = project.releases[project.releases.length - 1]![0];
  return {
    info: { name: project.name, version: latest, package_url: `https://pypi.org/project/${project.name}/`, project_url: `https://pypi.org/project/${project.name}/`, release_url: `https://pypi.org/project/${project.name}/${latest}/`, yanked: false, yanked_reason: null },
    last_serial: 1,
    releases,
    urls: [],
    vulnerabilities: [],
  };
}

interface Index {
  readonly url: string;
  /** `METHOD path` of every request. */
  readonly requests: string[];
  /** The Authorization header of every request (undefined: none). */
  readonly authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/** A local server answering `GET /pypi/<name>/json` for `projects` (404 for others), checking the documented request. */
async function startIndex(projects: Record<string, Project>): Promise<Index> {
  const requests: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    authorizations.push(req.headers.authorization);
    const m = /^\/pypi\/([^/]+)\/json$/.exec(req.url ?? '');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset="UTF-8"' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || !m) return send(405, { message: 'only GET /pypi/<project>/json' });
    if (!(req.headers.accept ?? '').includes('application/json')) return send(406, { message: 'Accept: application/json expected' });
    const project = projects[decodeURIComponent(m[1]!).toLowerCase().replace(/[-_.]+/g, '-')];
    return project ? send(200, projectJson(project)) : send(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, authorizations, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** An address where nothing listens: connections are refused at once. */
async function refusedUrl(): Promise<string> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

// ---- helpers ---------------------------------------------------------------------------------------

const temps: { cleanup(): void }[] = [];
let index: Index;
let refused: string;

beforeAll(async () => {
  index = await startIndex(PYPI);
  refused = await refusedUrl();
});
afterAll(async () => {
  await index.close();
  for (const t of temps) t.cleanup();
});

/** A fixture copied into a temp dir, and its scan's findings. */
async function fixture(name: string): Promise<{ dir: string; findings: readonly DepsFinding[] }> {
  const t = tempDir('pw-pypi-fix-');
  temps.push(t);
  cpSync(join(FIXTURES, name), t.dir, { recursive: true });
  const report = await scanDirectory(t.dir, { advisories: source });
  expect(report.errors).toEqual([]);
  return { dir: t.dir, findings: report.findings };
}

const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');
const original = (name: string, file: string): string => readFileSync(join(FIXTURES, name, file), 'utf8');
const byKey = (updates: readonly PlannedUpdate[]): Record<string, PlannedUpdate> => Object.fromEntries(updates.map((u) => [`${u.lockfile} ${u.package}`, u]));
/** `lockfile package@version` of what a new scan still finds. */
async function rescan(dir: string): Promise<string[]> {
  return (await scanDirectory(dir, { advisories: source })).findings.map((f) => `${f.lockfile} ${f.package}@${f.version}`).sort();
}
const fix = (dir: string, findings: readonly DepsFinding[], pypiUrl: string, progress?: string[]): Promise<PlannedUpdate[]> => {
  const ctx: FixContext = { advisories: source, pypiUrl, ...(progress ? { onProgress: (line: string) => progress.push(line) } : {}) };
  return applyPypiFixes(dir, findings, ctx);
};

// ---- requirements files ------------------------------------------------------------------------------

describe('requirements pins, PyPI unreachable', () => {
  it('rewrites each pin to the lowest fix version the advisories name, keeping extras, markers, comments and indentation; says it was not checked', async () => {
    const { dir, findings } = await fixture('plain');
    const progress: string[] = [];
    const updates = await fix(dir, findings, refused, progress);
    expect(updates.map((u) => [u.package, u.from, u.to, u.method, u.status, u.files])).toEqual([
      ['Django', ['2.1.5'], '2.1.7', 'pin', 'fixed', ['requirements.txt']],
      ['Jinja2', ['2.10'], '2.11.3', 'pin', 'fixed', ['requirements.txt']],
      ['PyYAML', ['5.3'], '5.4', 'pin', 'fixed', ['requirements.txt']],
      ['requests', ['2.19.1'], '2.32.0', 'pin', 'fixed', ['requirements.txt']],
      ['urllib3', ['1.23'], '1.26.18', 'pin', 'fixed', ['requirements.txt']],
    ]);
    expect(read(dir, 'requirements.txt')).toBe(
      original('plain', 'requirements.txt')
        .replace('Django==2.1.5 ', 'Django==2.1.7 ')
        .replace('requests[socks]==2.19.1 ;', 'requests[socks]==2.32.0 ;')
        .replace('    Jinja2==2.10\n', '    Jinja2==2.11.3\n')
        .replace('urllib3 == 1.23\n', 'urllib3 == 1.26.18\n')
        .replace('PyYAML===5.3 ', 'PyYAML===5.4 '),
    );
    const requests = byKey(updates)['requirements.txt requests']!;
    expect(requests.reason).toMatch(new RegExp(`^2\\.32\\.0 is the lowest fix version the advisories name, not checked against PyPI \\(${refused.replace(/[.:/]/g, '\\$&')} is not reachable \\(ECONNREFUSED\\)\\)$`));
    expect(requests.advisories.map((a) => a.id).sort()).toEqual(['GHSA-9wx4-h78v-vm56', 'GHSA-j8r2-6x86-q33q', 'GHSA-x84v-xcm2-53pg']);
    expect(requests.severity).toBe('high');
    expect(requests.releaseNotes).toBe('https://pypi.org/project/requests/2.32.0/');
    expect(progress.filter((l) => l.includes('not checked against PyPI'))).toHaveLength(5);
    expect(await rescan(dir)).toEqual([]);
  });

  it('sends the credentials of an index URL as Basic auth and never shows them in reasons or progress', async () => {
    const progress: string[] = [];
    const down = await fixture('include');
    const downUpdates = await fix(down.dir, down.findings, refused.replace('http://', 'http://ci:s3cr3t-token@'), progress);
    expect(downUpdates.map((u) => u.status)).toEqual(['fixed', 'fixed']);
    expect(downUpdates[0]!.reason).toContain(`(${refused.replace('http://', 'http://***@')} is not reachable (ECONNREFUSED))`);
    const up = await fixture('include');
    index.authorizations.length = 0;
    const upUpdates = await fix(up.dir, up.findings, index.url.replace('http://', 'http://ci:s3cr3t-token@'), progress);
    expect(upUpdates.map((u) => [u.to, u.reason])).toEqual([
      ['2.1.7', null],
      ['2.32.2', null],
    ]);
    expect(index.authorizations).toEqual([`Basic ${Buffer.from('ci:s3cr3t-token').toString('base64')}`, `Basic ${Buffer.from('ci:s3cr3t-token').toString('base64')}`]);
    expect(JSON.stringify([downUpdates, upUpdates, progress])).not.toContain('s3cr3t');
  });

  it('changes only the file that pins the package when files include each other with -r', async () => {
    const { dir, findings } = await fixture('include');
    expect(findings.map((f) => `${f.lockfile} ${f.package}`).sort()).toEqual(['requirements/base.txt Django', 'requirements/base.txt requests']);
    const updates = await fix(dir, findings, refused);
    expect(updates.map((u) => [u.lockfile, u.package, u.to, u.status, u.files])).toEqual([
      ['requirements/base.txt', 'Django', '2.1.7', 'fixed', ['requirements/base.txt']],
      ['requirements/base.txt', 'requests', '2.32.0', 'fixed', ['requirements/base.txt']],
    ]);
    expect(read(dir, 'requirements/base.txt')).toBe('Django==2.1.7\nrequests==2.32.0\npytz==2018.9\n');
    expect(read(dir, 'requirements.txt')).toBe(original('include', 'requirements.txt'));
    expect(read(dir, 'requirements-dev.txt')).toBe(original('include', 'requirements-dev.txt'));
    expect(await rescan(dir)).toEqual([]);
  });

  it('keeps CRLF line endings and continuation lines; a pin with --hash options fails with what to run, its file untouched', async () => {
    const { dir, findings } = await fixture('crlf');
    const updates = byKey(await fix(dir, findings, refused));
    expect(updates['requirements.txt Jinja2']).toMatchObject({ to: '2.11.3', status: 'fixed' });
    expect(updates['requirements.txt requests']).toMatchObject({ to: '2.32.0', status: 'fixed' });
    expect(read(dir, 'requirements.txt')).toBe('# Edited on Windows: CRLF line endings.\r\nJinja2==2.11.3 \\\r\n    ; python_version >= "3.6"\r\nrequests==2.32.0  # HTTP\r\nidna==2.7\r\n');
    const hashed = updates['requirements-hashed.txt requests']!;
    expect(hashed).toMatchObject({ to: '2.32.0', status: 'failed', files: [] });
    expect(hashed.reason).toContain("run `pip-compile --generate-hashes --upgrade-package 'requests==2.32.0'`");
    expect(hashed.reason).toContain('not reachable (ECONNREFUSED)');
    expect(read(dir, 'requirements-hashed.txt')).toBe(original('crlf', 'requirements-hashed.txt'));
    expect(await rescan(dir)).toEqual(['requirements-hashed.txt requests@2.19.1']);
  });

  it('pip-compile output: rewrites transitive pins in place and says to re-run pip-compile to confirm the parents accept them', async () => {
    const { dir, findings } = await fixture('pip-compile');
    const updates = byKey(await fix(dir, findings, refused));
    expect(Object.values(updates).map((u) => [u.package, u.to, u.status])).toEqual([
      ['certifi', '2023.7.22', 'fixed'],
      ['jinja2', '2.11.3', 'fixed'],
      ['requests', '2.32.0', 'fixed'],
      ['urllib3', '1.26.18', 'fixed'],
      ['werkzeug', '2.2.3', 'fixed'],
    ]);
    expect(updates['requirements.txt jinja2']!.reason).toMatch(/^jinja2 is a transitive pin of pip-compile output \(via flask\): re-run pip-compile \(e\.g\. `pip-compile --upgrade-package 'jinja2==2\.11\.3'`\) to confirm its parents accept 2\.11\.3; 2\.11\.3 is the lowest fix version/);
    expect(updates['requirements.txt urllib3']!.reason).toContain('(via requests)');
    expect(updates['requirements.txt requests']!.reason).toMatch(/^pip-compile output: make sure its input \(requirements\.in\) admits 2\.32\.0/);
    const text = read(dir, 'requirements.txt');
    expect(text).toBe(
      original('pip-compile', 'requirements.txt')
        .replace('certifi==2018.8.24\n', 'certifi==2023.7.22\n')
        .replace('jinja2==2.10\n', 'jinja2==2.11.3\n')
        .replace('requests==2.19.1\n', 'requests==2.32.0\n')
        .replace('urllib3==1.23 ;', 'urllib3==1.26.18 ;')
        .replace('werkzeug==0.14.1\n', 'werkzeug==2.2.3\n'),
    );
    expect(await rescan(dir)).toEqual([]);
  });

  it('pip-compile --generate-hashes output: every vulnerable pin fails (hashes need PyPI) and the file stays byte for byte', async () => {
    const { dir, findings } = await fixture('hashes');
    const updates = await fix(dir, findings, refused);
    expect(updates.map((u) => [u.package, u.status])).toEqual([
      ['certifi', 'failed'],
      ['jinja2', 'failed'],
      ['requests', 'failed'],
      ['urllib3', 'failed'],
      ['werkzeug', 'failed'],
    ]);
    for (const u of updates) expect(u.reason).toMatch(/pins \S+ with --hash options .* run `pip-compile --generate-hashes --upgrade-package '\S+==\S+'` to update the pin and its hashes; nothing was changed/);
    expect(read(dir, 'requirements.txt')).toBe(original('hashes', 'requirements.txt'));
  });
});

describe('requirements pins, PyPI reachable (local JSON API)', () => {
  it('picks the smallest release no advisory affects, skipping yanked releases and pre-releases', async () => {
    const { dir, findings } = await fixture('plain');
    index.requests.length = 0;
    const updates = await fix(dir, findings, index.url);
    expect(updates.map((u) => [u.package, u.to, u.status, u.reason, u.releaseNotes])).toEqual([
      ['Django', '2.1.7', 'fixed', null, 'https://pypi.org/project/Django/2.1.7/'],
      ['Jinja2', '2.11.3', 'fixed', null, 'https://pypi.org/project/Jinja2/2.11.3/'],
      ['PyYAML', '5.4', 'fixed', null, 'https://pypi.org/project/PyYAML/5.4/'],
      // 2.32.0 (the advisories' fix) and 2.32.1 are yanked
      ['requests', '2.32.2', 'fixed', null, 'https://pypi.org/project/requests/2.32.2/'],
      ['urllib3', '1.26.18', 'fixed', null, 'https://pypi.org/project/urllib3/1.26.18/'],
    ]);
    expect(index.requests.sort()).toEqual(['GET /pypi/django/json', 'GET /pypi/jinja2/json', 'GET /pypi/pyyaml/json', 'GET /pypi/requests/json', 'GET /pypi/urllib3/json']);
    expect(read(dir, 'requirements.txt')).toContain('requests[socks]==2.32.2 ; python_version >= "3.6"  # HTTP client, with SOCKS proxies\n');
    expect(await rescan(dir)).toEqual([]);
  });

  it('an index without a release, with only pre-releases above, without the package, or with every release affected', async () => {
    const mirror = await startIndex({
      // 2.11.3 has no files on this mirror; 3.0.0a1 and 3.0.0rc1 are pre-releases
      jinja2: { name: 'Jinja2', releases: [['2.10'], ['2.11.2'], ['2.11.3', { files: 0 }], ['3.0.0a1'], ['3.0.0rc1'], ['3.0.0']] },
      // nothing above 5.3 is free of PYSEC-2021-142 here
      pyyaml: { name: 'PyYAML', releases: [['5.3'], ['5.3.1'], ['5.4b1']] },
      requests: PYPI.requests!,
      urllib3: PYPI.urllib3!,
      // no django: HTTP 404
    });
    try {
      const { dir, findings } = await fixture('plain');
      const updates = byKey(await fix(dir, findings, mirror.url));
      expect(updates['requirements.txt Jinja2']).toMatchObject({ to: '3.0.0', status: 'fixed', reason: null });
      expect(updates['requirements.txt PyYAML']).toMatchObject({
        to: null,
        method: null,
        status: 'not-fixable',
        reason: `every release of PyYAML above 5.3 on ${mirror.url} is affected by a known advisory (the latest, 5.3.1, by PYSEC-2021-142)`,
      });
      expect(updates['requirements.txt Django']).toMatchObject({ to: '2.1.7', status: 'fixed', reason: `2.1.7 is the lowest fix version the advisories name, not checked against PyPI (${mirror.url} does not know django (HTTP 404))` });
      expect(read(dir, 'requirements.txt')).toContain('\nPyYAML===5.3  # an exact (===) pin\n');
      expect(await rescan(dir)).toEqual(['requirements.txt PyYAML@5.3']);
    } finally {
      await mirror.close();
    }
  });

  it('replaces --hash options with the sha256 digests of the new release, keeping markers, layout and # via comments', async () => {
    const { dir, findings } = await fixture('hashes');
    const updates = await fix(dir, findings, index.url);
    expect(updates.map((u) => [u.package, u.to, u.status])).toEqual([
      ['certifi', '2023.7.22', 'fixed'],
      ['jinja2', '2.11.3', 'fixed'],
      ['requests', '2.32.2', 'fixed'],
      ['urllib3', '1.26.18', 'fixed'],
      ['werkzeug', '2.2.3', 'fixed'],
    ]);
    const block = (head: string, name: string, version: string, via: string): string =>
      `${head} \\\n${digestsOf(name, version).map((d) => `    --hash=sha256:${d}`).join(' \\\n')}\n    # via ${via}\n`;
    const before = original('hashes', 'requirements.txt');
    const oldBlock = (start: string): string => before.slice(before.indexOf(start), before.indexOf('\n    # via', before.indexOf(start))) + before.slice(before.indexOf('\n    # via', before.indexOf(start))).split('\n').slice(0, 2).join('\n') + '\n';
    const expected = before
      .replace(oldBlock('certifi=='), block('certifi==2023.7.22', 'certifi', '2023.7.22', 'requests'))
      .replace(oldBlock('jinja2=='), block('jinja2==2.11.3', 'Jinja2', '2.11.3', 'flask'))
      .replace(oldBlock('requests=='), block('requests==2.32.2', 'requests', '2.32.2', '-r requirements.in'))
      .replace(oldBlock('urllib3=='), block('urllib3==1.26.18 ; python_version >= "2.7"', 'urllib3', '1.26.18', 'requests'))
      .replace(oldBlock('werkzeug=='), block('werkzeug==2.2.3', 'Werkzeug', '2.2.3', 'flask'));
    expect(read(dir, 'requirements.txt')).toBe(expected);
    expect(await rescan(dir)).toEqual([]);
  });

  it('CRLF hash blocks stay CRLF', async () => {
    const { dir, findings } = await fixture('crlf');
    const updates = byKey(await fix(dir, findings, index.url));
    expect(updates['requirements-hashed.txt requests']).toMatchObject({ to: '2.32.2', status: 'fixed', files: ['requirements-hashed.txt'] });
    const [a, b] = digestsOf('requests', '2.32.2');
    expect(read(dir, 'requirements-hashed.txt')).toBe(
      `requests==2.32.2 \\\r\n    --hash=sha256:${a} \\\r\n    --hash=sha256:${b}\r\n    # via -r requirements.in\r\n` + original('crlf', 'requirements-hashed.txt').split('\r\n').slice(4).join('\r\n'),
    );
    expect(read(dir, 'requirements-hashed.txt').replace(/\r\n/g, '')).not.toContain('\n');
    expect(await rescan(dir)).toEqual([]);
  });

  it('uses PATCHWARDEN_PYPI_URL when the context names no index', async () => {
    const { dir, findings } = await fixture('include');
    const saved = process.env.PATCHWARDEN_PYPI_URL;
    process.env.PATCHWARDEN_PYPI_URL = `${index.url}/`;
    index.requests.length = 0;
    try {
      const updates = await applyPypiFixes(dir, findings, { advisories: source });
      expect(updates.map((u) => [u.package, u.to, u.status])).toEqual([
        ['Django', '2.1.7', 'fixed'],
        ['requests', '2.32.2', 'fixed'],
      ]);
      expect(index.requests.sort()).toEqual(['GET /pypi/django/json', 'GET /pypi/requests/json']);
    } finally {
      if (saved === undefined) delete process.env.PATCHWARDEN_PYPI_URL;
      else process.env.PATCHWARDEN_PYPI_URL = saved;
    }
  });
});

// ---- poetry.lock and Pipfile.lock: the relock tools are not installed here ------------------------

if (findOnPath('poetry') === null) {
  describe('poetry.lock without poetry installed', () => {
    it('raises the pyproject.toml constraints minimally, then restores them and says to run poetry; poetry.lock is never edited', async () => {
      const { dir, findings } = await fixture('poetry');
      const progress: string[] = [];
      const seen: Record<string, string> = {};
      const updates = byKey(
        await applyPypiFixes(dir, findings, {
          advisories: source,
          pypiUrl: refused,
          onProgress: (line) => {
            progress.push(line);
            // Just before relocking: the edited manifest is on disk.
            const m = /^PyPI (\S+): relocking/.exec(line);
            if (m) seen[m[1]!] = read(dir, 'pyproject.toml');
          },
        }),
      );
      expect(Object.values(updates).map((u) => [u.package, u.to, u.status, u.range ?? null])).toEqual([
        ['certifi', '2023.7.22', 'failed', null],
        ['django', '2.1.7', 'failed', { manifest: 'pyproject.toml', from: '==2.1.5', to: '==2.1.7' }],
        ['jinja2', '2.11.3', 'failed', { manifest: 'pyproject.toml', from: '~2.10', to: '~2.11.3' }],
        ['requests', '2.32.0', 'failed', null],
        ['urllib3', '1.26.18', 'failed', { manifest: 'pyproject.toml', from: '>=1.21.1,<1.24', to: '>=1.26.18,<1.27' }],
      ]);
      const pyproject = original('poetry', 'pyproject.toml');
      expect(seen.django).toBe(pyproject.replace('Django = "==2.1.5"', 'Django = "==2.1.7"'));
      expect(seen.jinja2).toBe(pyproject.replace('{ version = "~2.10", python', '{ version = "~2.11.3", python'));
      expect(seen.urllib3).toBe(pyproject.replace('urllib3 = ">=1.21.1,<1.24"', 'urllib3 = ">=1.26.18,<1.27"'));
      expect(seen.requests).toBe(pyproject); // ^2.19 admits 2.32.0: no edit
      expect(updates['poetry.lock django']!.reason).toMatch(
        /^poetry is not installed: run `poetry lock` \(Poetry 2\) or `poetry lock --no-update` \(Poetry 1\) in the repository root after changing django in pyproject\.toml from "==2\.1\.5" to "==2\.1\.7" \(Patchwarden does not edit poetry\.lock by hand; pyproject\.toml is left as it was\); 2\.1\.7 is the lowest fix version the advisories name, not checked against PyPI/,
      );
      expect(updates['poetry.lock requests']!.reason).toMatch(/^poetry is not installed: run `poetry update --lock requests` in the repository root \(Patchwarden does not edit poetry\.lock by hand; nothing was changed\)/);
      expect(updates['poetry.lock certifi']!.reason).toMatch(/^poetry is not installed: run `poetry update --lock certifi`/);
      expect(Object.values(updates).every((u) => u.files.length === 0)).toBe(true);
      expect(read(dir, 'pyproject.toml')).toBe(pyproject);
      expect(read(dir, 'poetry.lock')).toBe(original('poetry', 'poetry.lock'));
    });

    it('PEP 621 [project] dependencies: the requirement string is raised inside its parentheses', async () => {
      const { dir, findings } = await fixture('poetry-pep621');
      const seen: string[] = [];
      const updates = byKey(await applyPypiFixes(dir, findings, { advisories: source, pypiUrl: index.url, onProgress: (line) => line.startsWith('PyPI pyyaml: relocking') && seen.push(read(dir, 'pyproject.toml')) }));
      expect(updates['poetry.lock pyyaml']).toMatchObject({ to: '5.4', status: 'failed', range: { manifest: 'pyproject.toml', from: '>=5.1,<5.4', to: '>=5.4,<5.5' } });
      expect(seen).toEqual([original('poetry-pep621', 'pyproject.toml').replace('"PyYAML (>=5.1,<5.4)"', '"PyYAML (>=5.4,<5.5)"')]);
      expect(updates['poetry.lock requests']).toMatchObject({ to: '2.32.2', status: 'failed', reason: 'poetry is not installed: run `poetry update --lock requests` in the repository root (Patchwarden does not edit poetry.lock by hand; nothing was changed)' });
      expect(updates['poetry.lock urllib3']).toMatchObject({ to: '1.26.18', status: 'failed' });
      expect(read(dir, 'pyproject.toml')).toBe(original('poetry-pep621', 'pyproject.toml'));
      expect(read(dir, 'poetry.lock')).toBe(original('poetry-pep621', 'poetry.lock'));
    });
  });
}

if (findOnPath('pipenv') === null) {
  describe('Pipfile.lock without pipenv installed', () => {
    it('raises the Pipfile constraints minimally, restores them and says to run pipenv lock', async () => {
      const { dir, findings } = await fixture('pipenv');
      const updates = byKey(await fix(dir, findings, refused));
      expect(Object.values(updates).map((u) => [u.package, u.to, u.status, u.range ?? null])).toEqual([
        ['certifi', '2023.7.22', 'failed', null],
        ['django', '2.1.7', 'failed', null], // ~=2.1.0 admits 2.1.7
        ['jinja2', '2.11.3', 'failed', { manifest: 'Pipfile', from: '==2.10', to: '==2.11.3' }],
        ['pyyaml', '5.4', 'failed', { manifest: 'Pipfile', from: '~=5.3.0', to: '~=5.4.0' }],
        ['requests', '2.32.0', 'failed', null], // "*"
        ['urllib3', '1.26.18', 'failed', null],
      ]);
      expect(updates['Pipfile.lock jinja2']!.reason).toMatch(/^pipenv is not installed: run `pipenv lock` in the repository root after changing jinja2 in Pipfile from "==2\.10" to "==2\.11\.3" \(Patchwarden does not edit Pipfile\.lock by hand; Pipfile is left as it was\)/);
      expect(read(dir, 'Pipfile')).toBe(original('pipenv', 'Pipfile'));
      expect(read(dir, 'Pipfile.lock')).toBe(original('pipenv', 'Pipfile.lock'));
    });
  });
}
