/**
 * Helpers of the dependency-patching server tests: real git remotes (bare repositories served by
 * `git daemon`) holding real lockfiles written by npm, the advisory fixtures imported into the
 * store, and a dependency job on a test app's store with an injected clock.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { DepsJob, type ScanRunner } from '../../src/server/jobs/deps.job.js';
import { ServerConfig } from '../../src/server/config.js';
import { newId, type Store } from '../../src/store/index.js';
import type { TestApp } from '../helpers/app.js';
import { ADVISORIES } from '../deps/advisory-fixtures.js';
import { realProject } from '../deps/helpers.js';

const IDENTITY = { GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' };

/** Runs git in `cwd` (test repositories only) and returns its trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...IDENTITY, LC_ALL: 'C' } }).trim();
}

const manifest = (lodash: string) => `${JSON.stringify({ name: 'shop', version: '1.0.0', private: true, dependencies: { lodash } }, null, 2)}\n`;

/** npm's lockfile of a project depending on lodash 4.17.11 (three real advisories, critical). */
export const VULNERABLE = { 'package.json': manifest('4.17.11') };
/** The same project with the fixed lodash 4.17.21. */
export const FIXED = { 'package.json': manifest('4.17.21') };
/** A pinned requirement with a medium advisory (requests 2.28.2: CVE-2023-32681). */
export const REQUIREMENTS = { 'requirements.txt': 'requests==2.28.2\n' };

/**
 * A bare repository `<base>/<name>` whose `main` holds `files` plus the lockfile npm wrote for the
 * `package.json` among them; returns the work tree used to push to it and the head commit.
 */
export function makeRemote(base: string, name: string, project: Record<string, string>, extra: Record<string, string> = {}): { work: string; head: string } {
  const bare = join(base, name);
  mkdirSync(bare, { recursive: true });
  git(bare, 'init', '--quiet', '--bare', '--initial-branch=main');
  const work = join(base, `${name}-work`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'remote', 'add', 'origin', bare);
  return { work, head: commitProject(work, project, extra, 'initial') };
}

/** Replaces the project files of the work tree (real npm lockfile), commits and pushes to the bare remote; returns the commit. */
export function commitProject(work: string, project: Record<string, string>, extra: Record<string, string>, message: string): string {
  const generated = join(work, '..', `gen-${Math.random().toString(36).slice(2)}`);
  realProject('npm3', project, generated);
  cpSync(generated, work, { recursive: true });
  rmSync(generated, { recursive: true, force: true });
  for (const [path, text] of Object.entries(extra)) writeFileSync(join(work, path), text);
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', message);
  git(work, 'push', '--quiet', 'origin', 'main');
  return git(work, 'rev-parse', 'HEAD');
}

/** Imports the advisory fixtures (real GHSA records) into the store. */
export async function importAdvisories(store: Store): Promise<void> {
  await store.advisories.upsertMany(ADVISORIES.map((record) => ({ record, source: 'test' })));
}

/** A dependency job on `store` with the test's clock, data directory and environment (for `env:` credentials). */
export function depsJob(store: Store, holder: string, clock: () => Date, dataDir: string, options: { env?: NodeJS.ProcessEnv; runner?: ScanRunner } = {}): DepsJob {
  const config = ServerConfig.parse({ dataDir, logLevel: 'silent', depsIntervalSeconds: 30 });
  return new DepsJob({ store, clock, logger: pino({ level: 'silent' }), config, ...(options.env === undefined ? {} : { env: options.env }) }, holder, options.runner);
}

/** A valid repository body (no forge, scanned on demand). */
export function repositoryBody(gitUrl = 'https://git.example.com/acme/shop.git', name = `repo-${Math.random().toString(36).slice(2, 10)}`): Record<string, unknown> {
  return { name, gitUrl };
}

/** Creates a repository in the account through the API (as the bootstrap admin); returns its id. */
export async function repositoryIn(t: TestApp, accountId: string, body: Record<string, unknown> = repositoryBody()): Promise<string> {
  const res = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${accountId}/repositories`, body);
  if (res.statusCode !== 201) throw new Error(`repository: ${res.statusCode} ${res.body}`);
  return String(res.json().id);
}

/** Queues a scan of the repository through the API (as the bootstrap admin); returns its id. */
export async function scanIn(t: TestApp, repositoryId: string): Promise<string> {
  const res = await t.as(t.adminToken, 'POST', `/api/v1/repositories/${repositoryId}/scans`);
  if (res.statusCode !== 202) throw new Error(`scan: ${res.statusCode} ${res.body}`);
  return String(res.json().id);
}

/**
 * A repository with what a successful scan and pull request step leave (written through the store
 * as the job writes them): one critical lodash finding and an open pull request for it.
 */
export async function seededRepository(t: TestApp, accountId: string): Promise<{ id: string; pullRequestId: string }> {
  const id = await repositoryIn(t, accountId);
  const now = new Date().toISOString();
  const pullRequestId = newId('dpr');
  await t.db.store.transaction(async (tx) => {
    await tx.depFindings.replace(id, accountId, `rscan_seed_${id}`, [
      {
        ecosystem: 'npm',
        package: 'lodash',
        version: '4.17.11',
        lockfile: 'package-lock.json',
        line: 12,
        direct: true,
        dev: false,
        path: ['lodash@4.17.11'],
        severity: 'critical',
        advisories: [{ id: 'GHSA-jf85-cpcp-j695', aliases: ['CVE-2019-10744'], summary: 'Prototype Pollution in lodash', severity: 'critical', score: 9.8, fixedIn: '4.17.12' }],
        cves: ['CVE-2019-10744'],
        fixedIn: '4.17.12',
      },
    ], [], now);
    await tx.depPullRequests.insert({
      id: pullRequestId,
      repositoryId: id,
      accountId,
      branch: 'patchwarden/npm-lodash',
      number: 1,
      url: 'https://git.example.com/acme/shop/pull/1',
      state: 'open',
      title: 'Update lodash to 4.17.21 [security]',
      packages: [{ ecosystem: 'npm', name: 'lodash', from: ['4.17.11'], to: '4.17.21', method: 'manifest' }],
      advisories: ['GHSA-jf85-cpcp-j695'],
      severity: 'critical',
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    });
  });
  return { id, pullRequestId };
}

/** Path parameters of the repository routes for the robustness test (a repository with a queued scan). */
export async function robustParams(t: TestApp, accountId: string): Promise<{ repositoryId: string; scanId: string }> {
  const repositoryId = (await seededRepository(t, accountId)).id;
  return { repositoryId, scanId: await scanIn(t, repositoryId) };
}
