/**
 * Dependency patching in the dashboard (issue 8): the repositories list and its register form, a
 * repository's page with "Scan now", its findings and its pull request, the findings list across
 * repositories, and the overview's repositories card — in Chromium against a real server that
 * clones real git repositories (a `git daemon` on 127.0.0.1) holding real npm lockfiles, matches
 * them against real GHSA records imported into its store, and opens its pull request on a local
 * fake of Gitea's REST API (the only fake: it checks each request against Gitea's documented API).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DependencyFinding, DependencyPullRequest, Repository, RepositoryScan } from '../../src/contracts/repositories.contract.js';
import { importAdvisories } from '../../src/advisories/importers/index.js';
import { ADVISORIES } from '../deps/advisory-fixtures.js';
import { startGitDaemon, type GitRemoteServer } from '../deps/git-daemon.js';
import { realProject, SMALL_PROJECT, tempDir } from '../deps/helpers.js';
import { ADMIN_PASSWORD } from '../helpers/app.js';
import { signInAdmin, type RawApi } from '../helpers/automation.js';
import { chromiumAvailable, launchBrowser, newContext, signIn, startDashboardServer, type DashboardServer } from '../helpers/browser.js';
import { requireComponent } from '../helpers/components.js';
import { until } from '../helpers/processes.js';

const available =
  requireComponent('Chromium', chromiumAvailable(), "install Debian's Chromium: apt-get install chromium") &&
  requireComponent('git daemon', existsSync('/usr/lib/git-core/git-daemon'), 'install git (Debian ships git daemon in the git package)');

const ACCOUNT = 'deps-web';
const FORGE_TOKEN = 'gitea-test-token-0123456789';
const FORGE_REPO = 'acme/shop';
const VIEWER_PASSWORD = 'viewer-password-for-deps';
/** No vulnerable version: the one advisory of is-number covers < 6.0.0 only. */
const CLEAN_PROJECT: Record<string, string> = {
  'package.json': `${JSON.stringify({ name: 'clean-lib', version: '1.0.0', private: true, dependencies: { 'is-number': '7.0.0' } }, null, 2)}\n`,
};

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com', LC_ALL: 'C' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A bare repository `<base>/<name>.git` holding `project` committed on main; its head commit. */
function publish(base: string, name: string, project: string): string {
  git(project, 'init', '-q', '-b', 'main');
  git(project, 'add', '-A');
  git(project, 'commit', '-q', '-m', 'initial');
  git(base, 'clone', '-q', '--bare', project, `${name}.git`);
  return git(project, 'rev-parse', 'HEAD');
}

// ---- A fake Gitea (REST API v1, as documented at https://gitea.com/api/swagger) ----

interface FakePull {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  body: string;
  head: string;
  base: string;
}

interface FakeGitea {
  readonly apiUrl: string;
  readonly pulls: FakePull[];
  /** Requests the fake does not know or that break the documented contract, in words. */
  readonly problems: string[];
  htmlUrl(n: number): string;
  stop(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

const str = (value: unknown, otherwise = ''): string => (typeof value === 'string' ? value : otherwise);

async function startFakeGitea(): Promise<FakeGitea> {
  const pulls: FakePull[] = [];
  const problems: string[] = [];
  const labels: { id: number; name: string; color: string }[] = [];
  let origin = '';
  const prefix = `/api/v1/repos/${FORGE_REPO}`;
  const htmlUrl = (n: number) => `${origin}/${FORGE_REPO}/pulls/${n}`;
  const json = (p: FakePull) => ({
    id: 1000 + p.number,
    number: p.number,
    url: `${origin}${prefix}/pulls/${p.number}`,
    html_url: htmlUrl(p.number),
    state: p.state,
    merged: p.merged,
    title: p.title,
    body: p.body,
    head: { ref: p.head, label: p.head, repo_id: 1 },
    base: { ref: p.base, label: p.base, repo_id: 1 },
    labels: [],
  });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (status: number, value: unknown, total?: number) => {
        res.writeHead(status, { 'content-type': 'application/json', ...(total === undefined ? {} : { 'x-total-count': String(total) }) });
        res.end(JSON.stringify(value));
      };
      const auth = req.headers.authorization ?? '';
      if (auth !== `token ${FORGE_TOKEN}` && auth !== `Bearer ${FORGE_TOKEN}`) {
        problems.push(`${req.method} ${url.pathname} without the token (Authorization: "token …" or "Bearer …")`);
        send(401, { message: 'token is required' });
        return;
      }
      const input = await body(req);
      const path = url.pathname;
      const pull = /^\/pulls\/(\d+)$/.exec(path.slice(prefix.length));
      const issue = /^\/issues\/(\d+)(\/comments|\/labels)?$/.exec(path.slice(prefix.length));
      if (!path.startsWith(prefix)) {
        problems.push(`${req.method} ${path}: not this repository's API`);
        send(404, { message: 'not found' });
      } else if (req.method === 'GET' && path === prefix) {
        send(200, { id: 1, full_name: FORGE_REPO, default_branch: 'main', html_url: `${origin}/${FORGE_REPO}` });
      } else if (req.method === 'GET' && path === `${prefix}/pulls`) {
        const state = url.searchParams.get('state') ?? 'open';
        const page = Number(url.searchParams.get('page') ?? '1');
        const limit = Number(url.searchParams.get('limit') ?? '30');
        const all = pulls.filter((p) => state === 'all' || p.state === state).sort((a, b) => b.number - a.number);
        send(200, all.slice((page - 1) * limit, page * limit).map(json), all.length);
      } else if (req.method === 'POST' && path === `${prefix}/pulls`) {
        for (const field of ['head', 'base', 'title']) if (typeof input?.[field] !== 'string' || input[field] === '') problems.push(`POST pulls without "${field}"`);
        const asked = input?.labels;
        if (asked !== undefined && !(Array.isArray(asked) && asked.every((id) => labels.some((l) => l.id === id)))) problems.push(`POST pulls with labels ${JSON.stringify(asked)}: Gitea takes the IDs of existing labels`);
        const p: FakePull = { number: pulls.length + 1, state: 'open', merged: false, title: str(input?.title), body: str(input?.body), head: str(input?.head), base: str(input?.base) };
        pulls.push(p);
        send(201, json(p));
      } else if (pull !== null && (req.method === 'GET' || req.method === 'PATCH')) {
        const p = pulls.find((x) => x.number === Number(pull[1]));
        if (p === undefined) send(404, { message: 'pull request not found' });
        else {
          if (req.method === 'PATCH') {
            if (typeof input?.title === 'string') p.title = input.title;
            if (typeof input?.body === 'string') p.body = input.body;
            if (input?.state === 'closed' || input?.state === 'open') p.state = input.state;
          }
          send(req.method === 'PATCH' ? 201 : 200, json(p));
        }
      } else if (issue !== null) {
        const p = pulls.find((x) => x.number === Number(issue[1]));
        if (p === undefined) send(404, { message: 'issue not found' });
        else if (issue[2] === '/comments' && req.method === 'POST') send(201, { id: 1, body: input?.body });
        else if (issue[2] === '/labels' && req.method === 'POST') send(200, []);
        else if (issue[2] === undefined && req.method === 'PATCH') {
          if (input?.state === 'closed') p.state = 'closed';
          send(201, { number: p.number, state: p.state });
        } else {
          problems.push(`${req.method} ${path}: not in the fake's part of the Gitea API`);
          send(404, { message: 'not found' });
        }
      } else if (path === `${prefix}/labels` && req.method === 'GET') {
        send(200, labels, labels.length);
      } else if (path === `${prefix}/labels` && req.method === 'POST') {
        const label = { id: labels.length + 1, name: str(input?.name), color: str(input?.color, '#e11d21') };
        labels.push(label);
        send(201, label);
      } else {
        problems.push(`${req.method} ${path}${url.search}: not in the fake's part of the Gitea API`);
        send(404, { message: 'not found' });
      }
    })().catch((err: unknown) => {
      problems.push(`the fake failed: ${String(err)}`);
      res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${origin}/api/v1`,
    pulls,
    problems,
    htmlUrl,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** DEPS_SHOTS=dir: screenshots of each page (to look at the layout). */
const shot = async (page: Page, name: string) => {
  if (process.env.DEPS_SHOTS !== undefined) await page.screenshot({ path: join(process.env.DEPS_SHOTS, `${name}.png`), fullPage: true });
};

/** The text of the table row holding `text` (waits for it). */
async function rowText(page: Page, tableTestId: string, text: string): Promise<string> {
  const row = page.getByTestId(tableTestId).locator('tbody tr', { hasText: text }).first();
  await row.waitFor({ timeout: 15_000 });
  return ((await row.textContent()) ?? '').replace(/\s+/g, ' ');
}

if (available)
  describe('dashboard: repositories, vulnerable dependencies and their pull requests', () => {
    const work = tempDir('pw-web-deps-');
    let server: DashboardServer;
    let browser: Browser;
    let api: RawApi;
    let daemon: GitRemoteServer;
    let forge: FakeGitea;
    let accountId: string;
    let shopCommit: string;
    let shopId: string;
    let cleanId: string;

    beforeAll(async () => {
      // Two real npm projects (lockfiles written by npm from the registry) as bare repositories.
      const base = join(work.dir, 'remotes');
      mkdirSync(base, { recursive: true });
      shopCommit = publish(base, 'shop', realProject('npm3', SMALL_PROJECT, join(work.dir, 'shop')));
      publish(base, 'clean-lib', realProject('npm3', CLEAN_PROJECT, join(work.dir, 'clean-lib')));
      daemon = await startGitDaemon(base);
      forge = await startFakeGitea();

      const dataDir = join(work.dir, 'data');
      server = await startDashboardServer({ dataDir, env: { PATCHWARDEN_DEPS_INTERVAL_SECONDS: '1' } });
      const advisories = join(work.dir, 'advisories');
      mkdirSync(advisories, { recursive: true });
      for (const record of ADVISORIES) writeFileSync(join(advisories, `${record.id}.json`), JSON.stringify(record));
      await importAdvisories(advisories, { sink: server.proc.server.store.advisories });
      ({ api } = await signInAdmin(server.url));
      accountId = (await api.ok<{ id: string }>('POST', '/api/v1/accounts', { name: ACCOUNT, description: 'dependency patching in the browser' })).id;
      // The forge token, where `file:gitea-token` points: the account's folder of the secrets directory (default <dataDir>/secrets).
      mkdirSync(join(dataDir, 'secrets', accountId), { recursive: true, mode: 0o700 });
      writeFileSync(join(dataDir, 'secrets', accountId, 'gitea-token'), `${FORGE_TOKEN}\n`, { mode: 0o600 });
      // Critical findings are due the day they are first seen: every finding here is overdue at once.
      await api.ok('PUT', '/api/v1/compliance/settings', { slaDays: { critical: 0 } });

      // Seeded through the API: a repository without vulnerable dependencies, scanned.
      cleanId = (await api.ok<Repository>('POST', `/api/v1/accounts/${accountId}/repositories`, { name: 'clean-lib', gitUrl: daemon.url('clean-lib.git'), branch: 'main' })).id;
      const queued = await api.ok<RepositoryScan>('POST', `/api/v1/repositories/${cleanId}/scans`);
      const ended = await until(
        'the scan of clean-lib to end',
        async () => {
          const s = await api.get<RepositoryScan>(`/api/v1/repositories/${cleanId}/scans/${queued.id}`);
          return ['SUCCESS', 'PARTIAL', 'FAILED'].includes(s.status) ? s : undefined;
        },
        60_000,
      );
      expect(ended).toMatchObject({ status: 'SUCCESS', findings: 0, lockfiles: 1 });
      browser = await launchBrowser();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await server?.stop();
      await daemon?.stop();
      await forge?.stop();
      work.cleanup();
    });

    it('registers a repository from the form: a bad git URL is refused at its field, a good one is listed as not scanned yet', async () => {
      const { context, page, errors } = await newContext(browser, server.url);
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Repositories', exact: true }).click();
      await page.locator('[data-testid=repositories-page][aria-busy=false]').waitFor();
      expect(await rowText(page, 'repositories-table', 'clean-lib')).toContain('COMPLIANT');

      await page.getByRole('button', { name: 'Register repository' }).click();
      const form = page.getByTestId('repository-form');
      await form.getByLabel('Account', { exact: true }).selectOption({ label: ACCOUNT });
      await form.getByLabel('Name', { exact: true }).fill('shop');
      await form.getByLabel('Git URL').fill('file:///srv/git/shop.git');
      // The credentials field explains the reference and never asks for the token.
      const credentialsHint = (await form.locator('.field', { has: page.getByLabel('Credentials reference') }).locator('.hint').textContent()) ?? '';
      expect(credentialsHint).toContain('file:NAME');
      expect(credentialsHint).toContain('env:PATCHWARDEN_SECRET_');
      expect(credentialsHint).toContain(`secrets/${accountId}/NAME`);
      await form.getByRole('button', { name: 'Register repository' }).click();
      const gitUrlField = form.locator('.field', { has: page.getByLabel('Git URL') });
      await gitUrlField.locator('.field-error').waitFor();
      expect(await gitUrlField.locator('.field-error').textContent()).toBe('git URLs use https, http, ssh or git, not "file"');
      expect(await form.locator('.field-error').count()).toBe(1);
      await shot(page, 'register-error');
      expect((await api.get<{ total: number }>(`/api/v1/repositories?accountId=${accountId}`)).total).toBe(1);

      await form.getByLabel('Git URL').fill(daemon.url('shop.git'));
      await form.getByLabel('Branch').fill('main');
      await form.getByLabel('Forge', { exact: true }).selectOption('gitea');
      await form.getByLabel('Forge API URL').fill(forge.apiUrl);
      await form.getByLabel('Repository on the forge').fill(FORGE_REPO);
      await form.getByLabel('Credentials reference').fill('file:gitea-token');
      await form.getByLabel('Grouping').selectOption('all');
      await form.getByLabel('Open pull requests after each scan (and update or close them)').check();
      await form.getByRole('button', { name: 'Register repository' }).click();
      await page.getByText('The repository shop was registered.').waitFor();
      await form.waitFor({ state: 'detached' });
      const row = await rowText(page, 'repositories-table', 'shop');
      expect(row).toContain('UNKNOWN');
      expect(row).toContain('never scanned');
      expect(row).toContain('on demand only');
      const listed = await api.get<{ items: Repository[] }>(`/api/v1/repositories?accountId=${accountId}&q=shop`);
      expect(listed.items.map((r) => r.name)).toEqual(['shop']);
      expect(listed.items[0]).toMatchObject({ gitUrl: daemon.url('shop.git'), branch: 'main', forge: { kind: 'gitea', apiUrl: forge.apiUrl, repository: FORGE_REPO }, credentialsRef: 'file:gitea-token', grouping: 'all', openPullRequests: true });
      shopId = listed.items[0]!.id;
      await shot(page, 'repositories-registered');
      expect(errors).toEqual([]);
      await context.close();
    });

    it('"Scan now" follows the queued scan until it ends; the page then shows the findings and the pull request', async () => {
      const { context, page, errors } = await newContext(browser, server.url);
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.goto(`/repositories/${shopId}`);
      await page.locator('[data-testid=repository-page][aria-busy=false]').waitFor();
      await page.getByTestId('repository-findings').getByText('Not scanned yet').waitFor();

      await page.getByRole('button', { name: 'Scan now' }).click();
      const progress = page.getByTestId('scan-progress');
      await progress.waitFor();
      const first = await progress.getAttribute('data-status');
      const final = await until(
        'the scan to end in the page',
        async () => {
          const status = (await progress.getAttribute('data-status')) ?? '';
          return ['SUCCESS', 'PARTIAL', 'FAILED'].includes(status) ? status : undefined;
        },
        150_000,
      );
      const scans = await api.get<{ items: RepositoryScan[] }>(`/api/v1/repositories/${shopId}/scans`);
      expect(scans.items).toHaveLength(1);
      const scan = scans.items[0]!;
      expect(final, `scan ${JSON.stringify(scan)}`).toBe('SUCCESS');
      expect(first).toMatch(/^(PENDING|IN_PROGRESS)$/); // the queued scan was shown before it ended
      expect(scan).toMatchObject({ trigger: 'manual', commit: shopCommit, lockfiles: 1, findings: 3 });
      expect((await progress.textContent())?.replace(/\s+/g, ' ')).toContain(`SUCCESS 3 findings in 1 lockfile (${scan.packages} packages) at ${shopCommit.slice(0, 10)}`);

      // The findings, as the API has them, each in a row: package, version, severity, advisories and CVEs, fix, lockfile:line, path, dev, overdue, PR.
      const findings = (await api.get<{ items: DependencyFinding[] }>(`/api/v1/dependencies/findings?repositoryId=${shopId}`)).items;
      expect(findings.map((f) => `${f.package}@${f.version}`).sort()).toEqual(['lodash@4.17.11', 'minimist@0.0.8', 'minimist@1.2.0']);
      const pulls = (await api.get<{ items: DependencyPullRequest[] }>(`/api/v1/dependencies/pull-requests?repositoryId=${shopId}`)).items;
      expect(pulls).toHaveLength(1);
      const pr = pulls[0]!;
      expect(pr).toMatchObject({ state: 'open', number: 1, url: forge.htmlUrl(1) });
      expect(forge.pulls).toHaveLength(1);
      expect(forge.pulls[0]).toMatchObject({ head: pr.branch, base: 'main', state: 'open' });
      // The pull request's branch was really pushed to the remote.
      expect(git(join(work.dir, 'remotes', 'shop.git'), 'rev-parse', '--verify', `refs/heads/${pr.branch}`)).toMatch(/^[0-9a-f]{40}$/);

      await page.locator('[data-testid=findings-table] tbody tr', { hasText: 'lodash' }).waitFor();
      for (const f of findings) {
        const row = page.getByTestId('findings-table').locator('tbody tr').filter({ hasText: f.package }).filter({ hasText: f.version });
        const text = ((await row.textContent()) ?? '').replace(/\s+/g, ' ');
        expect(text).toContain(`${f.lockfile}:${f.line}`);
        expect(text).toContain(f.path.join(' → '));
        expect(text).toContain(f.direct ? 'direct' : 'transitive');
        expect(text).toContain(f.dev ? 'dev' : 'runtime');
        expect(text).toContain(f.severity);
        expect(text).toContain('overdue');
        for (const a of f.advisories) expect(text).toContain(a.id);
        for (const c of f.cves) expect(text).toContain(c);
        if (f.fixedIn !== null) expect(text).toContain(f.fixedIn);
        if (f.pullRequestUrl !== null) expect(await row.getByRole('link', { name: `Pull request fixing ${f.package}` }).getAttribute('href')).toBe(f.pullRequestUrl);
      }
      const lodash = await rowText(page, 'findings-table', 'lodash');
      expect(lodash).toContain('critical');
      expect(lodash).toContain('GHSA-jf85-cpcp-j695');
      expect(lodash).toContain('CVE-2021-23337');
      expect(lodash).toContain('4.17.21');
      expect(await rowText(page, 'findings-table', 'mkdirp@0.5.1 → minimist@0.0.8')).toContain('transitive');

      const prRow = page.getByTestId('prs-table').locator('tbody tr').first();
      const prText = ((await prRow.textContent()) ?? '').replace(/\s+/g, ' ');
      expect(prText).toContain('open');
      expect(prText).toContain(pr.branch);
      expect(prText).toContain(pr.title);
      const link = prRow.getByRole('link', { name: 'Pull request #1 on the forge' });
      expect(await link.getAttribute('href')).toBe(forge.htmlUrl(1));
      expect(await link.getAttribute('rel')).toBe('noreferrer noopener');

      const status = ((await page.getByTestId('repository-status').textContent()) ?? '').replace(/\s+/g, ' ');
      expect(status).toContain('NON COMPLIANT');
      expect(status).toContain('3 critical');
      expect(status).toContain('Overdue (SLA)3');
      expect(status).toContain('Open pull requests1');
      expect(await rowText(page, 'scans-table', 'SUCCESS')).toContain(shopCommit.slice(0, 10));
      await shot(page, 'repository');
      expect(forge.problems).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    }, 200_000);

    it('the list, the findings across repositories and the overview card count both repositories', async () => {
      const { context, page, errors } = await newContext(browser, server.url);
      await signIn(page, 'admin', ADMIN_PASSWORD);

      // The overview: repositories compliant vs non-compliant per account, in words, and the overdue findings.
      await page.locator('[data-testid=overview][aria-busy=false]').waitFor({ timeout: 15_000 });
      const card = page.getByTestId('section-repositories');
      const chart = card.getByTestId('chart-repositories');
      await chart.waitFor();
      expect(await chart.getAttribute('aria-label')).toBe(`Compliant vs non-compliant repositories per account: ${ACCOUNT}: 2 repositories, 1 compliant, 1 non-compliant, 0 unknown.`);
      expect(await card.getByTestId('stat-repositories').textContent()).toBe('2');
      expect(await card.getByTestId('stat-repositories-non-compliant').textContent()).toBe('1');
      expect(await card.getByTestId('stat-deps-overdue').textContent()).toBe('3');
      expect(await card.getByTestId('stat-deps-prs').textContent()).toBe('1');
      await shot(page, 'overview');
      const compliance = await api.get<{ totals: { overdueFindings: number; nonCompliant: number } }>('/api/v1/dependencies/compliance');
      expect(compliance.totals).toMatchObject({ overdueFindings: 3, nonCompliant: 1 });

      // Clicking through: the overdue findings across repositories…
      await card.getByTestId('stat-deps-overdue').click();
      await page.waitForURL((u) => u.pathname === '/dependencies' && u.searchParams.get('overdue') === 'true');
      await page.getByTestId('findings-count').getByText('3 findings match these filters').waitFor();
      await shot(page, 'findings-overdue');
      expect(await rowText(page, 'findings-table', 'lodash')).toContain('shop');
      await page.getByLabel('Package').fill('minimist');
      await page.getByLabel('Package').press('Enter');
      await page.getByTestId('findings-count').getByText('2 findings match these filters').waitFor();
      expect(new URL(page.url()).searchParams.get('package')).toBe('minimist');
      await page.getByRole('tab', { name: 'Pull requests' }).click();
      expect(await rowText(page, 'prs-table', 'shop')).toContain('#1');
      await shot(page, 'pull-requests');

      // …and the account's non-compliant repositories, from the card's link.
      await page.goto('/');
      await page.getByTestId('section-repositories').getByRole('link', { name: ACCOUNT }).click();
      await page.waitForURL((u) => u.pathname === '/repositories' && u.searchParams.get('accountId') === accountId && u.searchParams.get('complianceStatus') === 'NON_COMPLIANT');
      await page.locator('[data-testid=repositories-page][aria-busy=false]').waitFor();
      expect(await page.getByTestId('repositories-table').locator('tbody tr').count()).toBe(1);
      // Columns: repository, account, compliance, findings, overdue, open PRs, last scan, next scan, actions.
      const cells = (await page.getByTestId('repositories-table').locator('tbody tr', { hasText: 'shop' }).locator('td').allTextContents()).map((c) => c.replace(/\s+/g, ' ').trim());
      expect(cells.slice(1, 6)).toEqual([ACCOUNT, 'NON COMPLIANT', '3 critical', '3', '1']);
      expect(cells[6]).toContain('SUCCESS');
      expect(cells[6]).toContain(shopCommit.slice(0, 10));
      expect(cells[7]).toBe('on demand only');
      await shot(page, 'repositories-non-compliant');
      await page.getByLabel('Compliance').selectOption('COMPLIANT');
      await page.getByTestId('repositories-table').locator('tbody tr', { hasText: 'clean-lib' }).waitFor();
      expect(await page.getByTestId('repositories-table').locator('tbody tr').count()).toBe(1);
      expect(errors).toEqual([]);
      await context.close();
    });

    it('shows a viewer of the account the repositories and findings, and none of the changes it may not make', async () => {
      await api.ok('POST', '/api/v1/users', { username: 'vic.viewer', password: VIEWER_PASSWORD, mustChangePassword: false, memberships: [{ accountId, role: 'viewer' }] });
      const { context, page, errors } = await newContext(browser, server.url);
      await signIn(page, 'vic.viewer', VIEWER_PASSWORD);
      await page.goto('/repositories');
      await page.locator('[data-testid=repositories-page][aria-busy=false]').waitFor();
      expect(await rowText(page, 'repositories-table', 'shop')).toContain('3 critical');
      expect(await page.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Register repository' }).count()).toBe(0);
      await page.getByRole('link', { name: 'shop', exact: true }).click();
      await page.locator('[data-testid=findings-table] tbody tr', { hasText: 'lodash' }).waitFor();
      for (const name of ['Scan now', 'Edit repository', 'Delete repository']) expect(await page.getByRole('button', { name }).count()).toBe(0);
      expect(errors).toEqual([]);
      await context.close();
    });
  });
