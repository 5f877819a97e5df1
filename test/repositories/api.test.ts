/**
 * Dependency patching through the API on both databases, against real git remotes (`git daemon`,
 * and git's smart HTTP behind a Basic-auth check) holding real npm lockfiles, with the real GHSA
 * fixtures imported: register, validation that says what to fix, scan on demand (202, run by the
 * job's tick) → findings with severity, threshold, SLA due date and overdue; compliance per
 * account and per repository; a rescan keeps the first sighting; the fix pushed to the remote →
 * the finding goes and the repository is COMPLIANT; clone failures (no secret in the error);
 * credentials (`file:` in the account's folder, `env:` only by organization admins); access;
 * a scheduled scan run by the job with a fixed clock (once across replicas); interrupted scans.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepositoryScan } from '../../src/contracts/api.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { startGitDaemon, startGitHttpServer, type GitRemoteServer } from '../deps/git-daemon.js';
import { tempDir } from '../deps/helpers.js';
import { commitProject, depsJob, FIXED, importAdvisories, makeRemote, REQUIREMENTS, VULNERABLE } from './helpers.js';

const TOKEN = 'tok-Sup3r-S3cret-value-42';
const DAY = 86_400_000;

for (const dialect of testDialects()) {
  describe(`[${dialect}] dependency patching API`, () => {
    const tmp = tempDir('pw-repos-api-');
    const remotes = join(tmp.dir, 'remotes');
    const dataDir = join(tmp.dir, 'data');
    let t: TestApp;
    let daemon: GitRemoteServer;
    let http: Awaited<ReturnType<typeof startGitHttpServer>>;
    let accountId: string;
    let otherId: string;
    let work: string;
    let firstHead: string;
    let repoId: string;
    let now = new Date('2026-03-02T10:00:00.000Z');
    const clock = () => now;
    const job = () => depsJob(t.db.store, 'test-replica-1', clock, dataDir, { env: { PATCHWARDEN_SECRET_GIT_TOKEN: TOKEN } });
    const as = (method: string, url: string, body?: unknown) => t.as(t.adminToken, method, url, body);

    beforeAll(async () => {
      mkdirSync(remotes, { recursive: true });
      ({ work, head: firstHead } = makeRemote(remotes, 'shop.git', VULNERABLE, REQUIREMENTS));
      makeRemote(remotes, 'private.git', FIXED);
      daemon = await startGitDaemon(remotes);
      http = await startGitHttpServer(remotes, { username: 'x-access-token', token: TOKEN });
      t = await createTestApp(dialect, { clock, config: { dataDir } });
      accountId = await t.createAccount('deps-main');
      otherId = await t.createAccount('deps-other');
      await importAdvisories(t.db.store);
      expect((await as('PUT', '/api/v1/compliance/settings', { slaDays: { critical: 7, high: 14, medium: 30, low: null } })).statusCode).toBe(200);
    }, 300_000);
    afterAll(async () => {
      await t?.close();
      await daemon?.stop();
      await http?.stop();
      tmp.cleanup();
    });

    it('registers a repository: defaults, unknown compliance, audited', async () => {
      const res = await as('POST', `/api/v1/accounts/${accountId}/repositories`, { name: 'shop', gitUrl: daemon.url('shop.git'), severityThreshold: 'high' });
      expect(res.statusCode, res.body).toBe(201);
      const r = res.json();
      repoId = String(r.id);
      expect(r).toMatchObject({
        accountId,
        name: 'shop',
        gitUrl: daemon.url('shop.git'),
        branch: null,
        forge: { kind: 'none', apiUrl: null, repository: null },
        credentialsRef: null,
        schedule: null,
        timezone: 'UTC',
        grouping: 'package',
        severityThreshold: 'high',
        openPullRequests: false,
        enabled: true,
        complianceStatus: 'UNKNOWN',
        findings: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 },
        overdue: 0,
        openPullRequestCount: 0,
        lastScan: null,
        nextScanAt: null,
        createdBy: 'admin',
      });
      expect(repoId).toMatch(/^repo_/);
      expect((await as('GET', `/api/v1/repositories/${repoId}`)).json()).toEqual(r);
      const audit = (await as('GET', '/api/v1/audit?action=repository.create')).json();
      expect(audit.items[0]).toMatchObject({ action: 'repository.create', targetType: 'repository', targetId: repoId, accountId, outcome: 'success', details: { name: 'shop', severityThreshold: 'high' } });
      expect((await as('POST', `/api/v1/accounts/${accountId}/repositories`, { name: 'shop', gitUrl: daemon.url('shop.git') })).json().error.message).toMatch(/has a repository named "shop" already/);
    });

    it.each([
      [{ gitUrl: 'file:///etc/passwd' }, /git URLs use https, http, ssh or git, not "file"/],
      [{ gitUrl: 'https://user:hunter2@git.example.com/a/b.git' }, /holds a password or token; remove it and name the secret in "credentialsRef"/],
      [{ gitUrl: 'https://git.example.com/a.git', openPullRequests: true }, /pull requests need a forge/],
      [{ gitUrl: 'https://git.example.com/a.git', forge: { kind: 'gitea', repository: 'a/b' } }, /a Gitea forge needs "apiUrl"/],
      [{ gitUrl: 'https://git.example.com/a.git', credentialsRef: 'file:../../etc/shadow' }, /a credentials reference is "file:NAME"/],
      [{ gitUrl: 'https://git.example.com/a.git', schedule: 'every day' }, /needs 5 fields/],
      [{ gitUrl: 'https://git.example.com/a.git', branch: '--upload-pack=x' }, /not a valid branch name/],
    ])('refuses %j with a message saying what to fix', async (patch, message) => {
      const res = await as('POST', `/api/v1/accounts/${accountId}/repositories`, { name: 'invalid', ...patch });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.message).toMatch(message);
    });

    it('scans on demand: 202 with a queued scan (a second request returns it), run by the job', async () => {
      const res = await as('POST', `/api/v1/repositories/${repoId}/scans`);
      expect(res.statusCode, res.body).toBe(202);
      const queued = res.json();
      expect(queued).toMatchObject({ repositoryId: repoId, accountId, trigger: 'manual', status: 'PENDING', requestedBy: 'admin', startedAt: null, endedAt: null, commit: null, pullRequests: null });
      expect((await as('POST', `/api/v1/repositories/${repoId}/scans`)).json().id).toBe(queued.id);
      const tick = await job().runOnce(now);
      expect(tick.ran).toEqual([{ scanId: queued.id, status: 'SUCCESS' }]);
      const scan = (await as('GET', `/api/v1/repositories/${repoId}/scans/${queued.id}`)).json();
      expect(scan).toMatchObject({ status: 'SUCCESS', commit: firstHead, lockfiles: 2, packages: 2, findings: 2, errors: [], error: null, pullRequests: null, startedAt: now.toISOString(), endedAt: now.toISOString() });
      expect(existsSync(join(dataDir, 'repositories', repoId, 'package-lock.json'))).toBe(true);
    });

    it('findings: severity, advisories, threshold, SLA due date; the repository is NON_COMPLIANT', async () => {
      const list = (await as('GET', `/api/v1/dependencies/findings?repositoryId=${repoId}`)).json();
      expect(list.items.map((f: { package: string }) => f.package)).toEqual(['lodash']);
      const lodash = list.items[0];
      expect(lodash).toMatchObject({
        repositoryId: repoId,
        repositoryName: 'shop',
        accountId,
        ecosystem: 'npm',
        version: '4.17.11',
        lockfile: 'package-lock.json',
        direct: true,
        dev: false,
        path: ['lodash@4.17.11'],
        severity: 'critical',
        fixedIn: '4.17.21',
        belowThreshold: false,
        firstSeenAt: now.toISOString(),
        lastSeenAt: now.toISOString(),
        dueAt: new Date(now.getTime() + 7 * DAY).toISOString(),
        overdue: false,
        pullRequestUrl: null,
      });
      expect(lodash.line).toBeGreaterThan(1);
      expect(lodash.cves).toEqual(['CVE-2019-10744', 'CVE-2020-8203', 'CVE-2021-23337']);
      expect(lodash.advisories.map((a: { id: string }) => a.id).sort()).toEqual(['GHSA-35jh-r3h4-6jhm', 'GHSA-jf85-cpcp-j695', 'GHSA-p6mc-m468-83gw']);
      expect(lodash.advisories.find((a: { id: string }) => a.id === 'GHSA-jf85-cpcp-j695')).toEqual({ id: 'GHSA-jf85-cpcp-j695', aliases: ['CVE-2019-10744'], summary: 'Prototype Pollution in lodash', severity: 'critical', score: 9.8, fixedIn: '4.17.12' });
      // Below the "high" threshold: listed with all=true, not counted.
      const all = (await as('GET', `/api/v1/dependencies/findings?repositoryId=${repoId}&all=true&sort=package`)).json();
      expect(all.items.map((f: { package: string; severity: string; belowThreshold: boolean; lockfile: string }) => [f.package, f.severity, f.belowThreshold, f.lockfile])).toEqual([
        ['lodash', 'critical', false, 'package-lock.json'],
        ['requests', 'medium', true, 'requirements.txt'],
      ]);
      expect((await as('GET', `/api/v1/dependencies/findings?cve=CVE-2023-32681&all=true`)).json().items.map((f: { package: string }) => f.package)).toEqual(['requests']);
      const repo = (await as('GET', `/api/v1/repositories/${repoId}`)).json();
      expect(repo).toMatchObject({ complianceStatus: 'NON_COMPLIANT', findings: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0 }, overdue: 0, lastScan: { status: 'SUCCESS', commit: firstHead, error: null } });
      expect((await as('GET', `/api/v1/repositories?complianceStatus=NON_COMPLIANT&accountId=${accountId}`)).json().items.map((r: { id: string }) => r.id)).toEqual([repoId]);
    });

    it('overdue after the SLA days; compliance per account and per repository with totals', async () => {
      now = new Date(now.getTime() + 8 * DAY);
      const overdue = (await as('GET', `/api/v1/dependencies/findings?overdue=true&accountId=${accountId}`)).json();
      expect(overdue.items.map((f: { package: string; overdue: boolean }) => [f.package, f.overdue])).toEqual([['lodash', true]]);
      expect((await as('GET', `/api/v1/repositories/${repoId}`)).json()).toMatchObject({ overdue: 1 });
      const byAccount = (await as('GET', `/api/v1/dependencies/compliance?accountId=${accountId}`)).json();
      expect(byAccount).toEqual({
        groupBy: 'account',
        groups: [{ key: accountId, label: 'deps-main', repositories: 1, compliant: 0, nonCompliant: 1, unknown: 0, findings: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0 }, overdueFindings: 1, overdueRepositories: 1, openPullRequests: 0 }],
        totals: { key: 'total', label: 'All repositories', repositories: 1, compliant: 0, nonCompliant: 1, unknown: 0, findings: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0 }, overdueFindings: 1, overdueRepositories: 1, openPullRequests: 0 },
      });
      const byRepo = (await as('GET', `/api/v1/dependencies/compliance?groupBy=repository&accountId=${accountId}`)).json();
      expect(byRepo.groups).toEqual([expect.objectContaining({ key: repoId, label: 'shop', nonCompliant: 1, overdueFindings: 1 })]);
    });

    it('a rescan of the same commit keeps the first sighting (the SLA counts from it)', async () => {
      const first = (await as('GET', `/api/v1/dependencies/findings?repositoryId=${repoId}`)).json().items[0];
      expect((await as('POST', `/api/v1/repositories/${repoId}/scans`)).statusCode).toBe(202);
      expect((await job().runOnce(now)).ran.map((r) => r.status)).toEqual(['SUCCESS']);
      const again = (await as('GET', `/api/v1/dependencies/findings?repositoryId=${repoId}`)).json().items[0];
      expect(again).toMatchObject({ id: first.id, firstSeenAt: first.firstSeenAt, lastSeenAt: now.toISOString(), overdue: true });
    });

    it('after the fix is pushed, a scan finds nothing at the threshold: the finding is gone, the repository COMPLIANT', async () => {
      const fixed = commitProject(work, FIXED, REQUIREMENTS, 'fix lodash');
      now = new Date(now.getTime() + DAY);
      const queued = (await as('POST', `/api/v1/repositories/${repoId}/scans`)).json();
      expect((await job().runOnce(now)).ran).toEqual([{ scanId: queued.id, status: 'SUCCESS' }]);
      expect((await as('GET', `/api/v1/repositories/${repoId}/scans/${queued.id}`)).json()).toMatchObject({ commit: fixed, findings: 1 });
      expect((await as('GET', `/api/v1/dependencies/findings?repositoryId=${repoId}`)).json().items).toEqual([]);
      expect((await as('GET', `/api/v1/dependencies/findings?repositoryId=${repoId}&all=true`)).json().items.map((f: { package: string }) => f.package)).toEqual(['requests']);
      expect((await as('GET', `/api/v1/repositories/${repoId}`)).json()).toMatchObject({ complianceStatus: 'COMPLIANT', findings: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }, overdue: 0, lastScan: { id: queued.id, commit: fixed } });
      const totals = (await as('GET', `/api/v1/dependencies/compliance?accountId=${accountId}`)).json().totals;
      expect(totals).toMatchObject({ repositories: 1, compliant: 1, nonCompliant: 0, overdueFindings: 0 });
      const scans = (await as('GET', `/api/v1/repositories/${repoId}/scans`)).json();
      expect(scans.items.map((s: { id: string }) => s.id)[0]).toBe(queued.id);
      expect(scans.total).toBe(3);
      // Lowering the threshold to "any" counts the medium finding again.
      const current = (await as('GET', `/api/v1/repositories/${repoId}`)).json();
      const put = await as('PUT', `/api/v1/repositories/${repoId}`, { name: current.name, gitUrl: current.gitUrl, severityThreshold: 'any' });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ complianceStatus: 'NON_COMPLIANT', findings: { medium: 1 } });
    });

    it('a clone failure ends FAILED with the URL and git\'s message; the repository stays UNKNOWN', async () => {
      const r = (await as('POST', `/api/v1/accounts/${accountId}/repositories`, { name: 'missing', gitUrl: daemon.url('missing.git') })).json();
      const queued = (await as('POST', `/api/v1/repositories/${r.id}/scans`)).json();
      expect((await job().runOnce(now)).ran).toEqual([{ scanId: queued.id, status: 'FAILED' }]);
      const scan = (await as('GET', `/api/v1/repositories/${r.id}/scans/${queued.id}`)).json();
      expect(scan.error).toContain(`cannot clone ${daemon.url('missing.git')}`);
      expect(scan.error).toMatch(/not found|does not appear to be a git repository|no such repository|access denied/i);
      expect(scan.error).not.toContain(dataDir);
      expect((await as('GET', `/api/v1/repositories/${r.id}`)).json()).toMatchObject({ complianceStatus: 'UNKNOWN', lastScan: { id: queued.id, status: 'FAILED' } });
    });

    it('file: credentials come from the account\'s folder of the secrets directory; a wrong token fails without showing it', async () => {
      const create = await as('POST', `/api/v1/accounts/${accountId}/repositories`, { name: 'private', gitUrl: http.url('private.git'), credentialsRef: 'file:git-token' });
      expect(create.statusCode, create.body).toBe(201);
      const id = String(create.json().id);
      const scanOnce = async () => {
        const queued = (await as('POST', `/api/v1/repositories/${id}/scans`)).json();
        await job().runOnce(now);
        return (await as('GET', `/api/v1/repositories/${id}/scans/${queued.id}`)).json<RepositoryScan>();
      };
      const missing = await scanOnce();
      expect(missing).toMatchObject({ status: 'FAILED' });
      expect(missing.error).toContain(`credentials: credentials "file:git-token": the file "${accountId}/git-token" of the server's secrets directory (secretsDir) does not exist`);
      // The other account's folder does not count.
      mkdirSync(join(dataDir, 'secrets', otherId), { recursive: true });
      writeFileSync(join(dataDir, 'secrets', otherId, 'git-token'), TOKEN);
      expect((await scanOnce()).status).toBe('FAILED');
      mkdirSync(join(dataDir, 'secrets', accountId), { recursive: true });
      writeFileSync(join(dataDir, 'secrets', accountId, 'git-token'), 'tok-wrong-secret-value\n');
      const wrong = await scanOnce();
      expect(wrong.status).toBe('FAILED');
      expect(wrong.error).toContain(`cannot clone ${http.url('private.git')}`);
      expect(wrong.error).toMatch(/credentials \(credentialsRef\)/);
      expect(wrong.error).not.toContain('tok-wrong-secret-value');
      expect(wrong.error).not.toContain(Buffer.from('x-access-token:tok-wrong-secret-value').toString('base64'));
      writeFileSync(join(dataDir, 'secrets', accountId, 'git-token'), `${TOKEN}\n`);
      const ok = await scanOnce();
      expect(ok).toMatchObject({ status: 'SUCCESS', findings: 0, lockfiles: 1 });
      expect((await as('GET', `/api/v1/repositories/${id}`)).json()).toMatchObject({ complianceStatus: 'COMPLIANT', credentialsRef: 'file:git-token' });
      expect(http.authorized()).toBeGreaterThan(0);
      // The token is nowhere in what the API shows, the audit log included.
      const everything = [
        (await as('GET', `/api/v1/repositories/${id}/scans?limit=500`)).body,
        (await as('GET', `/api/v1/repositories?limit=500`)).body,
        (await as('GET', '/api/v1/audit?limit=500')).body,
      ].join('\n');
      expect(everything).not.toContain(TOKEN);
    });

    it('env: credentials: only organization admins set them (or change such a repository); the job reads the variable', async () => {
      const accountAdmin = await t.createUser(`deps-admin-${dialect}`, { memberships: [{ accountId, role: 'admin' }] });
      const body = { name: 'org-secret', gitUrl: http.url('private.git'), credentialsRef: 'env:PATCHWARDEN_SECRET_GIT_TOKEN' };
      const refused = await t.as(accountAdmin.token, 'POST', `/api/v1/accounts/${accountId}/repositories`, body);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.message).toMatch(/names an environment variable of the server, a server-wide secret: only organization admins may set it.*"file:NAME"/);
      const denied = (await as('GET', '/api/v1/audit?action=repository.create&outcome=denied')).json();
      expect(denied.items[0]).toMatchObject({ actorId: accountAdmin.id, accountId, outcome: 'denied' });
      const created = await as('POST', `/api/v1/accounts/${accountId}/repositories`, body);
      expect(created.statusCode, created.body).toBe(201);
      const id = String(created.json().id);
      const change = await t.as(accountAdmin.token, 'PUT', `/api/v1/repositories/${id}`, { ...body, gitUrl: 'https://attacker.example.com/x.git' });
      expect(change.statusCode).toBe(403);
      expect(change.json().error.message).toMatch(/only organization admins may set it or change a repository that uses it/);
      expect((await t.db.store.depRepositories.get(id))?.gitUrl).toBe(http.url('private.git'));
      // The account admin may move it to a file of the account instead.
      expect((await t.as(accountAdmin.token, 'PUT', `/api/v1/repositories/${id}`, { ...body, credentialsRef: 'file:git-token' })).statusCode).toBe(200);
      expect((await as('PUT', `/api/v1/repositories/${id}`, body)).statusCode).toBe(200);
      const queued = (await as('POST', `/api/v1/repositories/${id}/scans`)).json();
      expect((await job().runOnce(now)).ran).toEqual([{ scanId: queued.id, status: 'SUCCESS' }]);
      const unset = depsJob(t.db.store, 'test-replica-1', clock, dataDir, { env: {} });
      const second = (await as('POST', `/api/v1/repositories/${id}/scans`)).json();
      await unset.runOnce(now);
      expect((await as('GET', `/api/v1/repositories/${id}/scans/${second.id}`)).json().error).toMatch(/the server has no environment variable PATCHWARDEN_SECRET_GIT_TOKEN \(or it is empty\)/);
    });

    it('access: viewers read, operators scan, admins change; other accounts see nothing', async () => {
      const viewer = await t.createUser(`deps-viewer-${dialect}`, { memberships: [{ accountId, role: 'viewer' }] });
      const operator = await t.createUser(`deps-operator-${dialect}`, { memberships: [{ accountId, role: 'operator' }] });
      const stranger = await t.createUser(`deps-stranger-${dialect}`, { memberships: [{ accountId: otherId, role: 'admin' }] });
      expect((await t.as(viewer.token, 'GET', `/api/v1/repositories/${repoId}`)).statusCode).toBe(200);
      expect((await t.as(viewer.token, 'POST', `/api/v1/repositories/${repoId}/scans`)).statusCode).toBe(403);
      expect((await t.as(operator.token, 'POST', `/api/v1/repositories/${repoId}/scans`)).statusCode).toBe(202);
      expect((await t.as(operator.token, 'PUT', `/api/v1/repositories/${repoId}`, { name: 'shop', gitUrl: daemon.url('shop.git') })).statusCode).toBe(403);
      expect((await t.as(stranger.token, 'GET', `/api/v1/repositories/${repoId}`)).statusCode).toBe(404);
      expect((await t.as(stranger.token, 'GET', '/api/v1/repositories')).json().items).toEqual([]);
      expect((await t.as(stranger.token, 'GET', '/api/v1/dependencies/findings?all=true')).json().items).toEqual([]);
      expect((await t.as(stranger.token, 'GET', '/api/v1/dependencies/compliance')).json().totals.repositories).toBe(0);
      expect((await t.as(stranger.token, 'GET', `/api/v1/dependencies/compliance?accountId=${accountId}`)).statusCode).toBe(404);
      await job().runOnce(now);
    });

    it('a scheduled scan: the job runs it when due in the repository\'s time zone, once across replicas, and moves nextScanAt on', async () => {
      now = new Date('2026-03-20T12:00:00.000Z');
      const created = await as('POST', `/api/v1/accounts/${accountId}/repositories`, { name: 'nightly', gitUrl: daemon.url('shop.git'), schedule: '0 3 * * *', timezone: 'Europe/Berlin' });
      expect(created.statusCode, created.body).toBe(201);
      const id = String(created.json().id);
      // 03:00 in Berlin is 02:00 UTC before the DST change, 01:00 UTC after it (2026-03-29).
      expect(created.json().nextScanAt).toBe('2026-03-21T02:00:00.000Z');
      const replica1 = job();
      const replica2 = depsJob(t.db.store, 'test-replica-2', clock, dataDir);
      expect((await replica1.runOnce(new Date('2026-03-21T01:59:00.000Z'))).scheduled).toEqual([]);
      now = new Date('2026-03-21T02:00:30.000Z');
      const tick = await replica1.runOnce(now);
      expect(tick.scheduled).toHaveLength(1);
      expect(tick.ran).toEqual([{ scanId: tick.scheduled[0], status: 'SUCCESS' }]);
      expect((await as('GET', `/api/v1/repositories/${id}/scans/${tick.scheduled[0]}`)).json()).toMatchObject({ trigger: 'schedule', requestedBy: null, status: 'SUCCESS' });
      expect((await as('GET', `/api/v1/repositories/${id}`)).json()).toMatchObject({ nextScanAt: '2026-03-22T02:00:00.000Z', complianceStatus: 'NON_COMPLIANT', findings: { medium: 1 } });
      // The other replica: no lease while replica 1 holds it; after it expired, nothing is due.
      expect(await replica2.runOnce(now)).toMatchObject({ leased: false, scheduled: [] });
      expect(await replica2.runOnce(new Date(now.getTime() + 5 * 60_000))).toMatchObject({ leased: true, scheduled: [], ran: [] });
      now = new Date('2026-03-29T01:00:00.000Z');
      const afterDst = await replica2.runOnce(now);
      expect(afterDst.scheduled).toHaveLength(1);
      expect((await as('GET', `/api/v1/repositories/${id}`)).json().nextScanAt).toBe('2026-03-30T01:00:00.000Z');
      // Disabled: no next scan.
      const disabled = await as('PUT', `/api/v1/repositories/${id}`, { name: 'nightly', gitUrl: daemon.url('shop.git'), schedule: '0 3 * * *', timezone: 'Europe/Berlin', enabled: false });
      expect(disabled.json().nextScanAt).toBeNull();
    });

    it('a scan whose server stopped ends FAILED when its claim expires', async () => {
      const queued = (await as('POST', `/api/v1/repositories/${repoId}/scans`)).json();
      expect(await t.db.store.depRepositories.claimScan(queued.id, 'dead-server', now.toISOString(), new Date(now.getTime() + 60_000).toISOString())).toBe(true);
      expect((await job().runOnce(new Date(now.getTime() + 30_000))).expired).toEqual([]);
      const later = new Date(now.getTime() + 10 * 60_000);
      expect((await depsJob(t.db.store, 'test-replica-3', clock, dataDir).runOnce(later)).expired).toEqual([queued.id]);
      expect((await as('GET', `/api/v1/repositories/${repoId}/scans/${queued.id}`)).json()).toMatchObject({ status: 'FAILED', error: 'interrupted: the server running the scan stopped; scan again' });
    });

    it('deletes a repository with its scans and findings and its clone', async () => {
      expect(existsSync(join(dataDir, 'repositories', repoId))).toBe(true);
      expect((await as('DELETE', `/api/v1/repositories/${repoId}`)).statusCode).toBe(204);
      expect((await as('GET', `/api/v1/repositories/${repoId}`)).statusCode).toBe(404);
      expect((await as('GET', `/api/v1/dependencies/findings?repositoryId=${repoId}&all=true`)).json().total).toBe(0);
      expect(existsSync(join(dataDir, 'repositories', repoId))).toBe(false);
    });
  });
}
