/**
 * `runDepsFix` end to end: a real git repository (created here) holding a real npm project whose
 * lockfile npm wrote, a real git remote (`git daemon` over git://) for the fix branches, the fix
 * engine with the real npm and the npm registry, and GitHub played by the contract-checking local
 * server (the only fake: every request is checked against GitHub's documented REST contract).
 * Proves: one deterministic branch per package, pushed; the pull request opened with the versions
 * and advisories; a rerun changes nothing; a stale Patchwarden PR is closed as fixed elsewhere; a PR
 * a person closed is not opened again; without a forge the branch and a patch file are the output;
 * and, on a monorepo of four npm projects in git, the four kinds of fix (lockfile only, range bump,
 * parent bump, override) on their package branches and on one `--group all` branch, each re-scanned clean.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForge } from '../../src/deps/forges/index.js';
import { runDepsFix } from '../../src/deps/fix-run.js';
import { scanDirectory } from '../../src/deps/scan.js';
import { ADVISORIES } from './advisory-fixtures.js';
import { FIX_ENV, manifest, stagedProject } from './fix-helpers.js';
import { ForgeContractServer } from './forge-contract-server.js';
import { startGitDaemon, type GitRemoteServer } from './git-daemon.js';
import { memorySource, realProject, tempDir } from './helpers.js';

const tmp = tempDir('pw-fix-run-');
const remotes = join(tmp.dir, 'remotes');
const work = join(tmp.dir, 'shop');
const TOKEN = 'ghp_test0123456789abcdefghijklmnopqrstuv';
let daemon: GitRemoteServer;
let forge: ForgeContractServer;

const PROJECT = {
  'package.json': `${JSON.stringify({ name: 'shop', version: '1.0.0', private: true, dependencies: { lodash: '4.17.11' } }, null, 2)}\n`,
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } }).trim();
}

beforeAll(async () => {
  mkdirSync(remotes, { recursive: true });
  realProject('npm3', PROJECT, work);
  git(work, 'init', '-q');
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', 'initial');
  git(remotes, 'init', '-q', '--bare', 'shop.git');
  daemon = await startGitDaemon(remotes);
  git(work, 'remote', 'add', 'origin', daemon.url('shop.git'));
  git(work, 'push', '-q', 'origin', 'main');
  forge = await ForgeContractServer.start('github', { repository: 'acme/shop', token: TOKEN });
}, 300_000);

afterAll(async () => {
  await forge?.stop();
  await daemon?.stop();
  tmp.cleanup();
});

const advisories = memorySource(ADVISORIES);
const github = () => createForge({ kind: 'github', apiUrl: forge.apiUrl, repository: 'acme/shop', token: TOKEN });

describe('deps fix with a forge', () => {
  it('fixes lodash on its own branch, pushes it, opens the pull request and closes a stale one', async () => {
    const stale = forge.seed({ head: 'patchwarden/npm-minimist', base: 'main', title: 'Update minimist to 1.2.6 [security]', body: 'old' });
    const human = forge.seed({ head: 'feature/x', base: 'main', title: 'A person\'s PR', body: '' });
    forge.clearRequests();
    const progress: string[] = [];
    const result = await runDepsFix({ dir: work, advisories, remote: 'origin', forge: github(), onProgress: (l) => progress.push(l) });

    expect(result.units).toHaveLength(1);
    const unit = result.units[0]!;
    expect(unit).toMatchObject({ branch: 'patchwarden/npm-lodash', title: 'Update lodash to 4.17.21 [security]', status: 'opened', pullRequest: { number: 3, state: 'open' } });
    expect(unit.updates.map((u) => [u.package, u.from, u.to, u.method, u.status])).toEqual([['lodash', ['4.17.11'], '4.17.21', 'manifest', 'fixed']]);
    // The work tree is back on main, unchanged.
    expect(git(work, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    expect(git(work, 'status', '--porcelain')).toBe('');
    expect(JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')).dependencies.lodash).toBe('4.17.11');

    // The branch on the real remote holds the fix, and it scans clean.
    const check = join(tmp.dir, 'check');
    git(tmp.dir, 'clone', '-q', '--branch', 'patchwarden/npm-lodash', daemon.url('shop.git'), check);
    expect(JSON.parse(readFileSync(join(check, 'package.json'), 'utf8')).dependencies.lodash).toBe('4.17.21');
    expect(JSON.parse(readFileSync(join(check, 'package-lock.json'), 'utf8')).packages['node_modules/lodash'].version).toBe('4.17.21');
    expect((await scanDirectory(check, { advisories })).findings).toEqual([]);
    expect(git(check, 'log', '-1', '--format=%an <%ae>%n%s')).toBe('Patchwarden <patchwarden@localhost>\nUpdate lodash to 4.17.21 [security]');

    // The pull request: exact calls, and a body with versions, advisories and links.
    const pr = forge.pulls.find((p) => p.head === 'patchwarden/npm-lodash')!;
    expect(pr).toMatchObject({ base: 'main', state: 'open', title: 'Update lodash to 4.17.21 [security]', labels: ['security', 'dependencies'] });
    expect(pr.body).toContain('| lodash (npm) | 4.17.11 | 4.17.21 | range bumped in the manifest | `package-lock.json` | critical |');
    for (const id of ['GHSA-jf85-cpcp-j695', 'CVE-2019-10744', 'GHSA-p6mc-m468-83gw', 'CVE-2020-8203', 'GHSA-35jh-r3h4-6jhm', 'CVE-2021-23337']) expect(pr.body).toContain(`[${id}](`);
    expect(pr.body).toMatch(/### Release notes\n\n- lodash@4\.17\.21: https:\/\/github\.com\/lodash\/lodash\/releases\/tag\/v?4\.17\.21|### Release notes\n\n- lodash@4\.17\.21: https:\/\/www\.npmjs\.com\/package\/lodash\/v\/4\.17\.21/);

    // The stale Patchwarden PR (minimist is not vulnerable on main) is closed; the person's PR is untouched.
    expect(stale.state).toBe('closed');
    expect(stale.title).toBe('Update minimist to 1.2.6 [security] - autoclosed');
    expect(stale.comments[0]).toMatch(/^Patchwarden closes this pull request: the vulnerable versions are no longer on main: fixed elsewhere/);
    expect(human.state).toBe('open');
    expect(result.closed).toEqual([{ branch: 'patchwarden/npm-minimist', number: stale.number, url: expect.stringContaining('/pull/1') as string, reason: 'the vulnerable versions are no longer on main: fixed elsewhere' }]);
    expect(forge.calls()).toEqual([
      'GET /repos/acme/shop/pulls?state=all&head=acme:patchwarden/npm-lodash&per_page=100',
      'POST /repos/acme/shop/pulls',
      'POST /repos/acme/shop/issues/3/labels',
      'GET /repos/acme/shop/pulls?state=open&per_page=100',
      'PATCH /repos/acme/shop/pulls/1',
      'POST /repos/acme/shop/issues/1/comments',
      'PATCH /repos/acme/shop/pulls/1',
    ]);
    expect(forge.violations).toEqual([]);
    expect(progress.join('\n')).toContain('lodash');
  }, 300_000);

  it('a rerun finds the same branch and pull request and changes nothing', async () => {
    const remoteBefore = git(work, 'ls-remote', 'origin', 'refs/heads/patchwarden/npm-lodash');
    forge.clearRequests();
    const result = await runDepsFix({ dir: work, advisories, remote: 'origin', forge: github() });
    expect(result.units.map((u) => [u.branch, u.status, u.pullRequest?.number])).toEqual([['patchwarden/npm-lodash', 'unchanged', 3]]);
    expect(result.closed).toEqual([]);
    expect(git(work, 'ls-remote', 'origin', 'refs/heads/patchwarden/npm-lodash')).toBe(remoteBefore);
    expect(forge.calls()).toEqual(['GET /repos/acme/shop/pulls?state=all&head=acme:patchwarden/npm-lodash&per_page=100', 'GET /repos/acme/shop/pulls?state=open&per_page=100']);
    expect(forge.pulls.filter((p) => p.state === 'open' && p.head.startsWith('patchwarden/'))).toHaveLength(1);
  }, 300_000);

  it('a pull request a person closed is not opened again for the same versions', async () => {
    const pr = forge.pulls.find((p) => p.head === 'patchwarden/npm-lodash')!;
    pr.state = 'closed';
    forge.clearRequests();
    const result = await runDepsFix({ dir: work, advisories, remote: 'origin', forge: github() });
    expect(result.units.map((u) => [u.branch, u.status, u.pullRequest?.number])).toEqual([['patchwarden/npm-lodash', 'skipped-closed', 3]]);
    expect(result.units[0]!.reason).toMatch(/pull request #3 for the same versions was closed without merging/);
    expect(forge.calls().filter((c) => !c.startsWith('GET '))).toEqual([]);
    expect(forge.pulls.filter((p) => p.head === 'patchwarden/npm-lodash')).toHaveLength(1);
    expect(forge.violations).toEqual([]);
  }, 300_000);
});

describe('deps fix without a forge', () => {
  it('leaves the branch and a patch file that applies to the base', async () => {
    const patchDir = join(tmp.dir, 'patches');
    const result = await runDepsFix({ dir: work, advisories, patchDir });
    expect(result.units.map((u) => [u.branch, u.status])).toEqual([['patchwarden/npm-lodash', 'committed']]);
    const patchFile = result.units[0]!.patchFile!;
    expect(patchFile).toBe(join(patchDir, 'patchwarden-npm-lodash.patch'));
    expect(existsSync(patchFile)).toBe(true);
    expect(readFileSync(patchFile, 'utf8')).toMatch(/^From [0-9a-f]{40} /);
    expect(git(work, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');
    // The patch applies to main and gives the same tree as the branch.
    const other = join(tmp.dir, 'apply');
    git(tmp.dir, 'clone', '-q', work, other);
    git(other, 'am', '-q', patchFile);
    expect(git(other, 'rev-parse', 'HEAD^{tree}')).toBe(git(work, 'rev-parse', 'patchwarden/npm-lodash^{tree}'));
  }, 300_000);

  it('refuses a dirty work tree and a forge without a remote, with the fix in the message', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(work, 'package.json'), `${readFileSync(join(work, 'package.json'), 'utf8')} `);
    await expect(runDepsFix({ dir: work, advisories })).rejects.toThrow(/uncommitted changes; commit or stash them first/);
    git(work, 'checkout', '--', 'package.json');
    await expect(runDepsFix({ dir: work, advisories, forge: github() })).rejects.toThrow(/need a remote to push the fix branches to/);
    await expect(runDepsFix({ dir: tmp.dir, advisories })).rejects.toThrow(/is not a git work tree/);
  });
});

describe('the four kinds of fix, on a real git repository', () => {
  // A monorepo of four npm projects, each lockfile written by the real npm from the registry:
  // lodash ^4.17.11 still locked at 4.17.11 (in range), lodash 4.17.11 exact (out of range),
  // mkdirp 0.5.1 pulling minimist 0.0.8 (parent bump), optimist 0.6.1 pulling minimist 0.0.10 (override).
  const mono = join(tmp.dir, 'mono');
  const source = memorySource(ADVISORIES);

  beforeAll(() => {
    stagedProject('npm', [{ files: { 'package.json': manifest({ dependencies: { lodash: '4.17.11' } }) } }, { files: { 'package.json': manifest({ dependencies: { lodash: '^4.17.11' } }) } }], join(mono, 'in-range'));
    stagedProject('npm', [{ files: { 'package.json': manifest({ dependencies: { lodash: '4.17.11' } }) } }], join(mono, 'out-of-range'));
    stagedProject('npm', [{ files: { 'package.json': manifest({ dependencies: { mkdirp: '0.5.1' } }) } }], join(mono, 'parent'));
    stagedProject('npm', [{ files: { 'package.json': manifest({ dependencies: { optimist: '0.6.1' } }) } }], join(mono, 'override'));
    git(mono, 'init', '-q');
    git(mono, 'add', '-A');
    git(mono, 'commit', '-qm', 'four projects');
  }, 300_000);

  /** The branch checked out into its own clone. */
  function branch(name: string): string {
    const into = join(tmp.dir, `check-${name.replace(/\//g, '-')}`);
    git(tmp.dir, 'clone', '-q', '--branch', name, mono, into);
    return into;
  }

  it('one branch per package: lockfile only, range bump, parent bump and override, each branch re-scanned clean', async () => {
    const before = await scanDirectory(mono, { advisories: source });
    expect(before.findings.map((f) => `${f.lockfile} ${f.package}@${f.version}`).sort()).toEqual([
      'in-range/package-lock.json lodash@4.17.11',
      'out-of-range/package-lock.json lodash@4.17.11',
      'override/package-lock.json minimist@0.0.10',
      'parent/package-lock.json minimist@0.0.8',
    ]);
    const result = await runDepsFix({ dir: mono, advisories: source, env: FIX_ENV });
    expect(result.units.map((u) => [u.branch, u.status])).toEqual([
      ['patchwarden/npm-lodash', 'committed'],
      ['patchwarden/npm-minimist', 'committed'],
    ]);
    const how = result.units.flatMap((u) => u.updates.map((x) => [x.lockfile, x.package, x.from.join(','), x.to, x.method, x.status]));
    expect(how.sort()).toEqual([
      ['in-range/package-lock.json', 'lodash', '4.17.11', '4.17.21', 'lockfile', 'fixed'],
      ['out-of-range/package-lock.json', 'lodash', '4.17.11', '4.17.21', 'manifest', 'fixed'],
      ['override/package-lock.json', 'minimist', '0.0.10', '0.2.4', 'override', 'fixed'],
      ['parent/package-lock.json', 'minimist', '0.0.8', '1.2.6', 'parent', 'fixed'],
    ]);

    const lodash = branch('patchwarden/npm-lodash');
    expect(readFileSync(join(lodash, 'in-range/package.json'), 'utf8')).toBe(manifest({ dependencies: { lodash: '^4.17.11' } }));
    expect(readFileSync(join(lodash, 'out-of-range/package.json'), 'utf8')).toBe(manifest({ dependencies: { lodash: '4.17.21' } }));
    expect(git(lodash, 'diff', '--name-only', 'origin/main', 'HEAD').split('\n').sort()).toEqual(['in-range/package-lock.json', 'out-of-range/package-lock.json', 'out-of-range/package.json']);
    const lodashScan = await scanDirectory(lodash, { advisories: source });
    expect(lodashScan.findings.filter((f) => f.package === 'lodash')).toEqual([]);
    expect(lodashScan.findings.map((f) => f.package).sort()).toEqual(['minimist', 'minimist']); // the other unit's, untouched here

    const minimist = branch('patchwarden/npm-minimist');
    expect(readFileSync(join(minimist, 'parent/package.json'), 'utf8')).toBe(manifest({ dependencies: { mkdirp: '0.5.2' } }));
    expect(readFileSync(join(minimist, 'override/package.json'), 'utf8')).toBe(manifest({ dependencies: { optimist: '0.6.1' }, overrides: { minimist: '0.2.4' } }));
    const minimistScan = await scanDirectory(minimist, { advisories: source });
    expect(minimistScan.findings.filter((f) => f.package === 'minimist')).toEqual([]);
    expect(git(mono, 'status', '--porcelain')).toBe('');
  }, 600_000);

  it('--group all: one branch with every fix, and the whole repository scans clean on it', async () => {
    const result = await runDepsFix({ dir: mono, advisories: source, env: FIX_ENV, grouping: 'all' });
    expect(result.units.map((u) => [u.branch, u.status, u.title])).toEqual([['patchwarden/security', 'committed', 'Update 2 vulnerable dependencies [security]']]);
    const all = branch('patchwarden/security');
    const after = await scanDirectory(all, { advisories: source });
    expect(after.errors).toEqual([]);
    expect(after.findings).toEqual([]);
  }, 600_000);
});
