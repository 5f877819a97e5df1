/**
 * `runDepsFix` end to end: a real git repository (created here) holding a real npm project whose
 * lockfile npm wrote, a real git remote (`git daemon` over git://) for the fix branches, the fix
 * engine with the real npm and the npm registry, and GitHub played by the contract-checking local
 * server (the only fake: every request is checked against GitHub's documented REST contract).
 * Proves: one deterministic branch per package, pushed; the pull request opened with the versions
 * and advisories; a rerun changes nothing; a stale Patchwarden PR is closed as fixed elsewhere; a PR
 * a person closed is not opened again; without a forge the branch and a patch file are the output.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForge } from '../../src/deps/forges/index.js';
import { runDepsFix } from '../../src/deps/fix-run.js';
import { scanDirectory } from '../../src/deps/scan.js';
import { ADVISORIES } from './advisory-fixtures.js';
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
