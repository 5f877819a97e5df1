/**
 * `patchwarden deps scan` in-process on a real SQLite store: advisories imported with
 * `advisories import`, then the table, --json, --sarif (validated against the SARIF 2.1.0 schema)
 * and the exit codes of --fail-on and of a partial scan.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import AjvDraft04 from 'ajv-draft-04';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ADVISORIES } from './advisory-fixtures.js';
import { realProject, SMALL_PROJECT, tempDir, writeFiles } from './helpers.js';

const tmp = tempDir();
const repo = join(tmp.dir, 'repo');
const dataDir = join(tmp.dir, 'data');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]): Writable => new Writable({ write: (chunk: Buffer, _e, cb) => (into.push(chunk.toString()), cb()) });
  const code = await main(['node', 'patchwarden', ...args], { stdout: sink(out), stderr: sink(err), stdin: new PassThrough(), env: {} });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

beforeAll(async () => {
  realProject('npm3', SMALL_PROJECT, repo);
  mkdirSync(join(tmp.dir, 'osv'));
  for (const record of ADVISORIES) writeFileSync(join(tmp.dir, 'osv', `${record.id}.json`), JSON.stringify(record));
  const imported = await cli('advisories', 'import', join(tmp.dir, 'osv'), '--data-dir', dataDir, '--quiet');
  expect(imported.code).toBe(0);
}, 300_000);
afterAll(() => tmp.cleanup());

describe('deps scan', () => {
  it('prints a table of findings and exits 8 (findings at or above --fail-on any)', async () => {
    const r = await cli('deps', 'scan', repo, '--data-dir', dataDir);
    expect(r.code).toBe(8);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^PACKAGE +VERSION +SEVERITY +ADVISORIES +FIXED IN +LOCKFILE +PATH$/);
    expect(lines.find((l) => l.startsWith('lodash'))).toMatch(/^lodash +4\.17\.11 +critical +GHSA-35jh-r3h4-6jhm \(CVE-2021-23337\), GHSA-jf85-cpcp-j695 \(CVE-2019-10744\), GHSA-p6mc-m468-83gw \(CVE-2020-8203\) +4\.17\.21 +package-lock\.json:39 +lodash@4\.17\.11$/);
    expect(lines.find((l) => l.startsWith('minimist') && l.includes('1.2.0'))).toMatch(/1\.2\.6 +package-lock\.json:44 +minimist@1\.2\.0 \(dev\)$/);
    expect(r.stdout).toMatch(/3 vulnerable package versions \(3 critical\), 5 advisories, in 7 packages of 1 lockfile\.\n$/);
  });

  it('--fail-on: below the threshold exits 0, none never fails', async () => {
    writeFiles(join(tmp.dir, 'py'), { 'requirements.txt': 'requests==2.28.2\n' });
    expect((await cli('deps', 'scan', join(tmp.dir, 'py'), '--data-dir', dataDir, '--fail-on', 'high')).code).toBe(0);
    expect((await cli('deps', 'scan', join(tmp.dir, 'py'), '--data-dir', dataDir, '--fail-on', 'medium')).code).toBe(8);
    expect((await cli('deps', 'scan', repo, '--data-dir', dataDir, '--fail-on', 'none')).code).toBe(0);
  });

  it('--json: the documented shape', async () => {
    const r = await cli('deps', 'scan', repo, '--data-dir', dataDir, '--json', '--fail-on', 'critical');
    expect(r.code).toBe(8);
    const json = JSON.parse(r.stdout) as Record<string, unknown> & { findings: Record<string, unknown>[] };
    expect(Object.keys(json)).toEqual(['reportVersion', 'root', 'lockfiles', 'findings', 'errors', 'notes', 'partial', 'stats']);
    expect(json.lockfiles).toEqual([{ path: 'package-lock.json', kind: 'npm-package-lock', formatVersion: '3', packages: 7 }]);
    const lodash = json.findings.find((f) => f.package === 'lodash')!;
    expect(Object.keys(lodash)).toEqual(['ecosystem', 'package', 'version', 'lockfile', 'line', 'direct', 'dev', 'optional', 'paths', 'severity', 'advisories', 'fixedIn', 'fixedInAffectedBy']);
    expect((lodash.advisories as Record<string, unknown>[])[1]).toEqual({
      id: 'GHSA-jf85-cpcp-j695',
      aliases: ['CVE-2019-10744'],
      cves: ['CVE-2019-10744'],
      summary: 'Prototype Pollution in lodash',
      severity: { rating: 'critical', score: 9.8, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
      fixedIn: '4.17.12',
    });
  });

  it('--sarif: valid SARIF 2.1.0, one rule per advisory, results located at the lockfile line', async () => {
    const r = await cli('deps', 'scan', repo, '--data-dir', dataDir, '--sarif');
    expect(r.code).toBe(8);
    const sarif = JSON.parse(r.stdout) as { runs: { tool: { driver: { rules: { id: string; properties: Record<string, unknown> }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    const schema = JSON.parse(readFileSync(new URL('../fixtures/deps/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8')) as object;
    // A CommonJS module with `exports.default`: Node's ESM import gives the exports object.
    type AjvClass = typeof AjvDraft04.default;
    const Ajv: AjvClass = (AjvDraft04 as unknown as { default?: AjvClass }).default ?? (AjvDraft04 as unknown as AjvClass);
    const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, validateFormats: false }).compile(schema);
    expect(validate(sarif), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(validate({ version: '2.1.0', runs: [{ tool: {}, results: [{ level: 'fatal' }] }] })).toBe(false); // the schema does check
    const run = sarif.runs[0]!;
    expect(run.tool.driver.rules.map((rule) => rule.id).sort()).toEqual(['GHSA-35jh-r3h4-6jhm', 'GHSA-jf85-cpcp-j695', 'GHSA-p6mc-m468-83gw', 'GHSA-vh95-rmgr-6w4m', 'GHSA-xvch-5gv4-984h']);
    expect(run.tool.driver.rules.find((rule) => rule.id === 'GHSA-jf85-cpcp-j695')!.properties['security-severity']).toBe('9.8');
    const lodash = run.results.filter((res) => res.ruleId === 'GHSA-jf85-cpcp-j695');
    expect(lodash.map((res) => [res.level, res.locations[0]!.physicalLocation.artifactLocation.uri, res.locations[0]!.physicalLocation.region?.startLine])).toEqual([['error', 'package-lock.json', 39]]);
    expect(run.results).toHaveLength(3 + 2 + 2);
  });

  it('a malformed lockfile: named with its line on stderr, the rest scanned, exit 9 when nothing reaches --fail-on', async () => {
    const dir = join(tmp.dir, 'partial');
    realProject('npm3', SMALL_PROJECT, join(dir, 'ok'));
    writeFiles(dir, { 'bad/package-lock.json': '{\n  "lockfileVersion": 3,\n  "packages": {\n' });
    const r = await cli('deps', 'scan', dir, '--data-dir', dataDir, '--fail-on', 'none');
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('patchwarden: bad/package-lock.json:4: not valid JSON');
    expect(r.stderr).toContain('the scan is partial: 1 lockfile(s) could not be read');
    expect(r.stdout).toContain('lodash');
    expect((await cli('deps', 'scan', dir, '--data-dir', dataDir)).code).toBe(8);
  });

  it('a missing directory is refused (exit 6), --json with --sarif is a usage error (exit 2)', async () => {
    expect((await cli('deps', 'scan', join(tmp.dir, 'nope'), '--data-dir', dataDir)).code).toBe(6);
    expect((await cli('deps', 'scan', repo, '--data-dir', dataDir, '--json', '--sarif')).code).toBe(2);
  });
});

describe('deps fix', () => {
  const shop = join(tmp.dir, 'shop');
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: shop, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } }).trim();

  beforeAll(() => {
    realProject('npm3', { 'package.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', private: true, dependencies: { lodash: '4.17.11' } }, null, 2)}\n` }, shop);
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'initial');
  }, 300_000);

  it('without a forge: a branch per package and a patch file in .git/patchwarden/patches, exit 0', async () => {
    const r = await cli('deps', 'fix', shop, '--data-dir', dataDir, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const patch = join(shop, '.git', 'patchwarden', 'patches', 'patchwarden-npm-lodash.patch');
    expect(r.stdout.split('\n')[0]).toMatch(/^BRANCH +STATUS +UPDATES +PULL REQUEST$/);
    expect(r.stdout).toContain(`patchwarden/npm-lodash  committed  lodash 4.17.11 → 4.17.21 (manifest)  ${patch}`);
    expect(r.stdout).toMatch(/1 of 1 fix branch\(es\) ready on main\.\n$/);
    expect(readFileSync(patch, 'utf8')).toContain('-    "lodash": "4.17.11"');
    expect(git('show', 'patchwarden/npm-lodash:package.json')).toContain('"lodash": "4.17.21"');
    expect(git('status', '--porcelain')).toBe('');
  }, 300_000);

  it('--json gives the result; --open-pr without a token or forge is a usage error naming the fix', async () => {
    const r = await cli('deps', 'fix', shop, '--data-dir', dataDir, '--quiet', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { base: string; units: { branch: string; status: string; updates: { package: string; to: string }[] }[] };
    expect(json.base).toBe('main');
    expect(json.units.map((u) => [u.branch, u.status, u.updates[0]?.to])).toEqual([['patchwarden/npm-lodash', 'committed', '4.17.21']]);
    const noForge = await cli('deps', 'fix', shop, '--data-dir', dataDir, '--open-pr');
    expect(noForge.code).toBe(2);
    expect(noForge.stderr).toMatch(/cannot tell the forge of origin; pass --forge github\|gitlab\|gitea/);
    const noToken = await cli('deps', 'fix', shop, '--data-dir', dataDir, '--open-pr', '--forge', 'github', '--repository', 'acme/shop');
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/--open-pr needs a token in the environment variable GITHUB_TOKEN/);
  }, 300_000);
});
