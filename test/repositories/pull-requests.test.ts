/**
 * The pull request step of a server scan, end to end: a repository on a real git remote (`git
 * daemon`, push enabled) with a real npm lockfile, a GitHub forge played by the contract server of
 * the forge tests (the only fake allowed; every request is checked against GitHub's REST contract),
 * the token read from the account's secrets folder. The scan stores the findings, runs the real fix
 * (npm rewrites the lockfile), pushes the branch, opens the pull request and records it; a rescan
 * leaves it unchanged; once the fix is on the base branch the pull request is closed; a forge that
 * fails never loses the scan's findings. (SQLite: the records' store paths run on both databases in
 * store.test.ts.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepositoryScan } from '../../src/contracts/api.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { ForgeContractServer } from '../deps/forge-contract-server.js';
import { startGitDaemon, type GitRemoteServer } from '../deps/git-daemon.js';
import { tempDir } from '../deps/helpers.js';
import { commitProject, depsJob, FIXED, git, importAdvisories, makeRemote, VULNERABLE } from './helpers.js';

const TOKEN = 'ghp_pull-request-test-token-0123456789';
const TIMEOUT = 300_000;

describe('[sqlite] dependency pull requests from a server scan', () => {
  const tmp = tempDir('pw-repos-prs-');
  const remotes = join(tmp.dir, 'remotes');
  const dataDir = join(tmp.dir, 'data');
  let t: TestApp;
  let daemon: GitRemoteServer;
  let forge: ForgeContractServer;
  let work: string;
  let id: string;
  const now = new Date('2026-04-01T08:00:00.000Z');
  const clock = () => now;
  const as = (method: string, url: string, body?: unknown) => t.as(t.adminToken, method, url, body);
  const scan = async () => {
    const queued = (await as('POST', `/api/v1/repositories/${id}/scans`)).json();
    await depsJob(t.db.store, 'prs-replica', clock, dataDir).runOnce(now);
    return (await as('GET', `/api/v1/repositories/${id}/scans/${queued.id}`)).json<RepositoryScan>();
  };

  beforeAll(async () => {
    mkdirSync(remotes, { recursive: true });
    ({ work } = makeRemote(remotes, 'shop.git', VULNERABLE));
    daemon = await startGitDaemon(remotes);
    forge = await ForgeContractServer.start('github', { repository: 'acme/shop', token: TOKEN });
    t = await createTestApp('sqlite', { clock, config: { dataDir } });
    const accountId = await t.createAccount('prs');
    await importAdvisories(t.db.store);
    mkdirSync(join(dataDir, 'secrets', accountId), { recursive: true });
    writeFileSync(join(dataDir, 'secrets', accountId, 'github-token'), `${TOKEN}\n`);
    const res = await as('POST', `/api/v1/accounts/${accountId}/repositories`, {
      name: 'shop',
      gitUrl: daemon.url('shop.git'),
      branch: 'main',
      forge: { kind: 'github', apiUrl: forge.apiUrl, repository: 'acme/shop' },
      credentialsRef: 'file:github-token',
      openPullRequests: true,
    });
    expect(res.statusCode, res.body).toBe(201);
    id = String(res.json().id);
  }, TIMEOUT);
  afterAll(async () => {
    await t?.close();
    await daemon?.stop();
    await forge?.stop();
    tmp.cleanup();
  });

  it('opens a pull request for the vulnerable package and records it', async () => {
    const s = await scan();
    expect(s, JSON.stringify(s)).toMatchObject({ status: 'SUCCESS', findings: 1, error: null, pullRequests: { opened: 1, updated: 0, closed: 0, failed: 0 } });
    expect(forge.violations).toEqual([]);
    expect(forge.pulls).toHaveLength(1);
    expect(forge.pulls[0]).toMatchObject({ head: 'patchwarden/npm-lodash', base: 'main', state: 'open' });
    expect(forge.pulls[0]!.title).toMatch(/lodash/);
    // The branch is on the remote, with the fixed lockfile.
    expect(git(join(remotes, 'shop.git'), 'show', 'patchwarden/npm-lodash:package-lock.json')).toMatch(/"node_modules\/lodash": {\s*"version": "4\.17\.21"/);
    const prs = (await as('GET', `/api/v1/dependencies/pull-requests?repositoryId=${id}`)).json();
    expect(prs.items).toHaveLength(1);
    expect(prs.items[0]).toMatchObject({ repositoryId: id, repositoryName: 'shop', branch: 'patchwarden/npm-lodash', number: forge.pulls[0]!.number, state: 'open', severity: 'critical', closedAt: null });
    expect(prs.items[0].url).toMatch(/^https?:\/\//);
    expect(prs.items[0].packages).toEqual([expect.objectContaining({ ecosystem: 'npm', name: 'lodash', from: ['4.17.11'], to: '4.17.21' })]);
    expect(prs.items[0].advisories).toEqual(['GHSA-35jh-r3h4-6jhm', 'GHSA-jf85-cpcp-j695', 'GHSA-p6mc-m468-83gw']);
    const finding = (await as('GET', `/api/v1/dependencies/findings?repositoryId=${id}`)).json().items[0];
    expect(finding).toMatchObject({ package: 'lodash', pullRequestUrl: prs.items[0].url });
    expect((await as('GET', `/api/v1/repositories/${id}`)).json()).toMatchObject({ complianceStatus: 'NON_COMPLIANT', openPullRequestCount: 1 });
    expect((await as('GET', '/api/v1/dependencies/compliance')).json().totals.openPullRequests).toBe(1);
    // The token went to the forge as its auth header, and nowhere the API shows.
    expect(forge.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect((await as('GET', '/api/v1/audit?limit=500')).body + (await as('GET', `/api/v1/repositories/${id}/scans`)).body).not.toContain(TOKEN);
  }, TIMEOUT);

  it('a rescan leaves the pull request as it is', async () => {
    const s = await scan();
    expect(s).toMatchObject({ status: 'SUCCESS', pullRequests: { opened: 0, updated: 0, closed: 0, failed: 0 } });
    expect(forge.pulls).toHaveLength(1);
    expect((await as('GET', `/api/v1/dependencies/pull-requests?repositoryId=${id}&state=open`)).json().total).toBe(1);
  }, TIMEOUT);

  it('a failing forge does not lose the findings', async () => {
    forge.failNext('unauthorized');
    const s = await scan();
    expect(s).toMatchObject({ status: 'SUCCESS', findings: 1, pullRequests: { failed: 1 } });
    expect(s.error).toMatch(/^pull requests: patchwarden\/npm-lodash: /);
    expect(s.error).not.toContain(TOKEN);
    expect((await as('GET', `/api/v1/dependencies/findings?repositoryId=${id}`)).json().total).toBe(1);
    expect((await as('GET', `/api/v1/dependencies/pull-requests?repositoryId=${id}&state=open`)).json().total).toBe(1);
  }, TIMEOUT);

  it('once the fix is on the base branch, the finding goes and the pull request is closed', async () => {
    commitProject(work, FIXED, {}, 'fix lodash by hand');
    const s = await scan();
    expect(s).toMatchObject({ status: 'SUCCESS', findings: 0, pullRequests: { opened: 0, closed: 1 } });
    expect(forge.violations).toEqual([]);
    expect(forge.pulls[0]!.state).toBe('closed');
    const pr = (await as('GET', `/api/v1/dependencies/pull-requests?repositoryId=${id}`)).json().items[0];
    expect(pr).toMatchObject({ state: 'closed', closedAt: now.toISOString() });
    expect((await as('GET', `/api/v1/repositories/${id}`)).json()).toMatchObject({ complianceStatus: 'COMPLIANT', openPullRequestCount: 0 });
  }, TIMEOUT);
});
