/**
 * The forge clients (GitHub, GitLab, Gitea) against a local server that checks every request
 * against each forge's documented REST contract and answers like the real API
 * (forge-contract-server.ts). Every test ends with no contract violation recorded; one test per
 * forge breaks the contract on purpose and shows the refusal surfacing as the client's error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { createForge, type Forge, type ForgeKind, type ForgeOptions, type PullRequest } from '../../src/deps/forges/index.js';
import { ForgeContractServer, type Failure } from './forge-contract-server.js';

const TOKEN = 'pwtest_3c1b2a90f8e7d6';
const BRANCH = 'patchwarden/npm-lodash';
const TITLE = 'Update dependency lodash to v4.17.21 [SECURITY]';
const BODY = '### GHSA-35jh-r3h4-6jhm\n\nCommand injection in lodash (CVE-2021-23337), high.';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const appError = err as AppError;
  expect(JSON.stringify([appError.message, appError.details])).not.toContain(TOKEN);
  return appError;
}

/** A fetch that changes the request before it leaves (to break the contract on purpose). */
function tamperedFetch(change: (headers: Headers, body: string | undefined) => string | undefined): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    const body = change(headers, typeof init?.body === 'string' ? init.body : undefined);
    return fetch(input, { ...init, headers, ...(body === undefined ? {} : { body }) });
  };
}

interface Case {
  readonly kind: ForgeKind;
  readonly forge: string;
  readonly repository: string;
  readonly otherRepository: string;
  readonly pulls: string;
  /** What a created PR looks like on the web. */
  readonly webUrl: (origin: string, n: number) => string;
  readonly setup?: (server: ForgeContractServer) => void;
  readonly createCalls: readonly string[];
  readonly createBodies: readonly unknown[];
  readonly duplicate: { readonly code: string; readonly message: string };
  readonly findCalls: readonly string[];
  readonly listCalls: readonly string[];
  readonly update: (n: number) => { readonly call: string; readonly body: unknown; readonly get: string };
  readonly close: (n: number) => { readonly calls: readonly string[]; readonly bodies: readonly unknown[] };
  readonly errors: Readonly<Record<Failure | 'missing-pr' | 'other-repository', { readonly code: string; readonly message: RegExp }>>;
  readonly breakHeader: (headers: Headers) => void;
  readonly violation: string;
}

const CASES: readonly Case[] = [
  {
    kind: 'github',
    forge: 'GitHub',
    repository: 'octo/app',
    otherRepository: 'octo/other',
    pulls: '/repos/octo/app/pulls',
    webUrl: (origin, n) => `${origin}/octo/app/pull/${n}`,
    createCalls: ['POST /repos/octo/app/pulls', 'POST /repos/octo/app/issues/1/labels'],
    createBodies: [{ title: TITLE, head: BRANCH, base: 'main', body: BODY }, { labels: ['security', 'dependencies'] }],
    duplicate: { code: 'validation', message: `GitHub refused POST /repos/octo/app/pulls (422): Validation Failed; A pull request already exists for octo:${BRANCH}.` },
    findCalls: [`GET /repos/octo/app/pulls?state=all&head=octo:${BRANCH}&per_page=100`],
    listCalls: ['GET /repos/octo/app/pulls?state=open&per_page=100', 'GET /repos/octo/app/pulls?state=open&per_page=100&page=2'],
    update: (n) => ({ call: `PATCH /repos/octo/app/pulls/${n}`, body: { title: `${TITLE} (2)`, body: `${BODY}\nupdated` }, get: `GET /repos/octo/app/pulls/${n}` }),
    close: (n) => ({ calls: [`POST /repos/octo/app/issues/${n}/comments`, `PATCH /repos/octo/app/pulls/${n}`], bodies: [{ body: 'Fixed on main; closing.' }, { state: 'closed' }] }),
    errors: {
      unauthorized: { code: 'unauthenticated', message: /^GitHub refused the token on GET \/repos\/octo\/app\/pulls \(401: Bad credentials\): it is missing, expired or revoked; use a classic token with the `repo` scope/ },
      forbidden: { code: 'forbidden', message: /^GitHub denied POST \/repos\/octo\/app\/pulls \(403: Resource not accessible by personal access token\): the token lacks the scope or permission \(the call needs: pull_requests=write\); use a classic token with the `repo` scope .*"Pull requests: Read and write"/ },
      'not-found': { code: 'not_found', message: /^GitHub answered 404 to GET \/repos\/octo\/app\/pulls: repository octo\/app was not found at http:\/\/127\.0\.0\.1:\d+, or the token cannot see it/ },
      'other-repository': { code: 'not_found', message: /^GitHub answered 404 to GET \/repos\/octo\/other\/pulls: repository octo\/other was not found/ },
      'missing-pr': { code: 'not_found', message: /^GitHub answered 404 to PATCH \/repos\/octo\/app\/pulls\/999: pull request #999 does not exist in octo\/app, or the token cannot see it/ },
      'rate-limit': { code: 'rate_limited', message: /^GitHub rate limit exceeded on GET \/repos\/octo\/app\/pulls \(403: API rate limit exceeded for user ID 1\.\); it resets at \d{4}-\d\d-\d\dT[\d:.]+Z \(in 1[78]\d\d s\); wait until then and run again$/ },
      'secondary-rate-limit': { code: 'rate_limited', message: /^GitHub rate limit exceeded on GET \/repos\/octo\/app\/pulls \(429: You have exceeded a secondary rate limit.*\); it resets at .*Z \(in 60 s\)/ },
      'server-error': { code: 'unavailable', message: /^GitHub failed on GET \/repos\/octo\/app\/pulls \(502: Server Error\); try again later$/ },
    },
    breakHeader: (h) => h.set('X-GitHub-Api-Version', '2021-01-01'),
    violation: 'contract violation: header x-github-api-version must be 2022-11-28, got "2021-01-01"',
  },
  {
    kind: 'gitlab',
    forge: 'GitLab',
    repository: 'group/sub/app',
    otherRepository: 'group/other',
    pulls: '/projects/group%2Fsub%2Fapp/merge_requests',
    webUrl: (origin, n) => `${origin}/group/sub/app/-/merge_requests/${n}`,
    createCalls: ['POST /projects/group%2Fsub%2Fapp/merge_requests'],
    createBodies: [{ source_branch: BRANCH, target_branch: 'main', title: TITLE, description: BODY, remove_source_branch: true, labels: 'security,dependencies' }],
    duplicate: { code: 'conflict', message: 'GitLab refused POST /projects/group%2Fsub%2Fapp/merge_requests (409): Another open merge request already exists for this source branch: !1' },
    findCalls: [`GET /projects/group%2Fsub%2Fapp/merge_requests?source_branch=${BRANCH}&state=all&per_page=100&page=1`],
    listCalls: ['GET /projects/group%2Fsub%2Fapp/merge_requests?state=opened&per_page=100&page=1', 'GET /projects/group%2Fsub%2Fapp/merge_requests?state=opened&per_page=100&page=2'],
    update: (n) => ({
      call: `PUT /projects/group%2Fsub%2Fapp/merge_requests/${n}`,
      body: { title: `${TITLE} (2)`, description: `${BODY}\nupdated` },
      get: `GET /projects/group%2Fsub%2Fapp/merge_requests/${n}`,
    }),
    close: (n) => ({
      calls: [`POST /projects/group%2Fsub%2Fapp/merge_requests/${n}/notes`, `PUT /projects/group%2Fsub%2Fapp/merge_requests/${n}`],
      bodies: [{ body: 'Fixed on main; closing.' }, { state_event: 'close' }],
    }),
    errors: {
      unauthorized: { code: 'unauthenticated', message: /^GitLab refused the token on GET \/projects\/group%2Fsub%2Fapp\/merge_requests \(401: 401 Unauthorized\): it is missing, expired or revoked; use a personal, group or project access token with the `api` scope/ },
      forbidden: { code: 'forbidden', message: /^GitLab denied POST \/projects\/group%2Fsub%2Fapp\/merge_requests \(403: The request requires higher privileges than provided by the access token\.; needed scope: api\): the token lacks the scope or permission; use .*`api` scope/ },
      'not-found': { code: 'not_found', message: /^GitLab answered 404 to GET \/projects\/group%2Fsub%2Fapp\/merge_requests: project group\/sub\/app was not found at http:\/\/127\.0\.0\.1:\d+\/api\/v4, or the token cannot see it/ },
      'other-repository': { code: 'not_found', message: /^GitLab answered 404 to GET \/projects\/group%2Fother\/merge_requests: project group\/other was not found/ },
      'missing-pr': { code: 'not_found', message: /^GitLab answered 404 to PUT \/projects\/group%2Fsub%2Fapp\/merge_requests\/999: merge request !999 does not exist in group\/sub\/app/ },
      'rate-limit': { code: 'rate_limited', message: /^GitLab rate limit exceeded on GET \/projects\/group%2Fsub%2Fapp\/merge_requests \(429: Retry later\); it resets at .*Z \(in 1[78]\d\d s\)/ },
      'secondary-rate-limit': { code: 'rate_limited', message: /^GitLab rate limit exceeded/ },
      'server-error': { code: 'unavailable', message: /^GitLab failed on GET \/projects\/group%2Fsub%2Fapp\/merge_requests \(500: 500 Internal Server Error\); try again later$/ },
    },
    breakHeader: (h) => {
      h.delete('PRIVATE-TOKEN');
      h.set('Authorization', `Bearer ${TOKEN}`);
    },
    violation: 'contract violation: header private-token must be the access token, got null',
  },
  {
    kind: 'gitea',
    forge: 'Gitea',
    repository: 'octo/app',
    otherRepository: 'octo/other',
    pulls: '/repos/octo/app/pulls',
    webUrl: (origin, n) => `${origin}/octo/app/pulls/${n}`,
    setup: (server) => server.labels.push({ id: 7, name: 'security', color: 'e11d48' }),
    createCalls: ['GET /repos/octo/app/labels?page=1&limit=50', 'POST /repos/octo/app/labels', 'POST /repos/octo/app/pulls'],
    createBodies: [null, { name: 'dependencies', color: '#e11d48' }, { head: BRANCH, base: 'main', title: TITLE, body: BODY, labels: [7, 21] }],
    duplicate: { code: 'conflict', message: `Gitea refused POST /repos/octo/app/pulls (409): pull request already exists for these targets [id: 3001, issue_id: 1, head_repo: 1, base_repo: 1, head_branch: ${BRANCH}, base_branch: main]` },
    findCalls: ['GET /repos/octo/app/pulls?state=all&page=1&limit=50'],
    listCalls: ['GET /repos/octo/app/pulls?state=open&page=1&limit=50', 'GET /repos/octo/app/pulls?state=open&page=2&limit=50', 'GET /repos/octo/app/pulls?state=open&page=3&limit=50'],
    update: (n) => ({ call: `PATCH /repos/octo/app/pulls/${n}`, body: { title: `${TITLE} (2)`, body: `${BODY}\nupdated` }, get: `GET /repos/octo/app/pulls/${n}` }),
    close: (n) => ({ calls: [`POST /repos/octo/app/issues/${n}/comments`, `PATCH /repos/octo/app/pulls/${n}`], bodies: [{ body: 'Fixed on main; closing.' }, { state: 'closed' }] }),
    errors: {
      unauthorized: { code: 'unauthenticated', message: /^Gitea refused the token on GET \/repos\/octo\/app\/pulls \(401: token is required\): it is missing, expired or revoked; use a token with the `write:repository` and `write:issue` scopes/ },
      forbidden: { code: 'forbidden', message: /^Gitea denied GET \/repos\/octo\/app\/labels \(403: token does not have at least one of required scope\(s\), required=\[write:repository\], token scope=read:repository\): the token lacks the scope or permission; use a token with the `write:repository`/ },
      'not-found': { code: 'not_found', message: /^Gitea answered 404 to GET \/repos\/octo\/app\/pulls: repository octo\/app was not found at http:\/\/127\.0\.0\.1:\d+\/api\/v1, or the token cannot see it/ },
      'other-repository': { code: 'not_found', message: /^Gitea answered 404 to GET \/repos\/octo\/other\/pulls: repository octo\/other was not found/ },
      'missing-pr': { code: 'not_found', message: /^Gitea answered 404 to PATCH \/repos\/octo\/app\/pulls\/999: pull request #999 does not exist in octo\/app/ },
      'rate-limit': { code: 'rate_limited', message: /^Gitea rate limit exceeded on GET \/repos\/octo\/app\/pulls \(429: too many requests\); it resets at .*Z \(in 120 s\)/ },
      'secondary-rate-limit': { code: 'rate_limited', message: /^Gitea rate limit exceeded/ },
      'server-error': { code: 'unavailable', message: /^Gitea failed on GET \/repos\/octo\/app\/pulls \(500: internal server error\); try again later$/ },
    },
    breakHeader: (h) => h.set('Authorization', `Bearer ${TOKEN}`),
    violation: 'contract violation: header authorization must be "token <token>", got "Bearer pwtest_3c1b2a90f8e7d6"',
  },
];

describe.each(CASES)('$forge client', (c) => {
  let server: ForgeContractServer;
  const forgeFor = (extra: Partial<ForgeOptions> = {}): Forge => createForge({ kind: c.kind, apiUrl: server.apiUrl, repository: c.repository, token: TOKEN, ...extra });
  const bodies = (): unknown[] => server.requests.map((r) => r.body);
  const pr = (n: number, fields: Partial<PullRequest> = {}): PullRequest => {
    const stored = server.pulls[n - 1]!;
    return { number: n, url: c.webUrl(server.origin, n), state: stored.state, head: stored.head, base: stored.base, title: stored.title, body: stored.body, ...fields };
  };

  beforeEach(async () => {
    server = await ForgeContractServer.start(c.kind, { repository: c.repository, token: TOKEN });
    c.setup?.(server);
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.stop();
  });

  it('creates a pull request with labels, and reports the duplicate the forge refuses', async () => {
    const forge = forgeFor();
    expect(forge.kind).toBe(c.kind);
    const created = await forge.create({ head: BRANCH, base: 'main', title: TITLE, body: BODY, labels: ['security', 'dependencies', 'security'] });
    expect(created).toEqual({ number: 1, url: c.webUrl(server.origin, 1), state: 'open', head: BRANCH, base: 'main', title: TITLE, body: BODY });
    expect(server.calls()).toEqual(c.createCalls);
    expect(bodies()).toEqual(c.createBodies);
    expect(server.pulls[0]).toMatchObject({ head: BRANCH, base: 'main', title: TITLE, body: BODY, state: 'open', labels: ['security', 'dependencies'] });

    server.clearRequests();
    const duplicate = await rejection(forge.create({ head: BRANCH, base: 'main', title: TITLE, body: BODY }));
    expect(duplicate.code).toBe(c.duplicate.code);
    expect(duplicate.message).toBe(c.duplicate.message);
    expect(server.pulls).toHaveLength(1);
  });

  it('finds every pull request of a branch (open, closed, merged), newest first, not other branches or forks', async () => {
    server.seed({ head: BRANCH, state: 'closed', title: 'closed by a person' });
    server.seed({ head: BRANCH, state: 'merged', title: 'merged' });
    server.seed({ head: 'patchwarden/npm-minimist', title: 'other branch' });
    server.seed({ head: BRANCH, title: 'open now', body: 'body' });
    server.seed({ head: BRANCH, fork: true, title: 'same branch name from a fork' });
    server.seed({ head: `${BRANCH}-extra`, title: 'longer branch name' });
    const forge = forgeFor();
    const found = await forge.findByBranch(BRANCH);
    expect(found).toEqual([pr(4), pr(2, { state: 'merged' }), pr(1, { state: 'closed' })]);
    expect(server.calls()).toEqual(c.findCalls);
    expect(await forge.findByBranch('patchwarden/none')).toEqual([]);
  });

  it('lists the open pull requests of a branch prefix across several pages', async () => {
    for (let i = 0; i < 170; i += 1) {
      if (i % 5 === 0) server.seed({ head: `patchwarden/npm-pkg-${i}`, state: 'closed' });
      else if (i % 7 === 0) server.seed({ head: `feature/work-${i}` });
      else if (i % 11 === 0) server.seed({ head: `patchwarden/npm-fork-${i}`, fork: true });
      else if (i % 13 === 0) server.seed({ head: `patchwarden/npm-merged-${i}`, state: 'merged' });
      else server.seed({ head: `patchwarden/npm-pkg-${i}` });
    }
    const expected = server.pulls
      .filter((p) => p.state === 'open' && !p.fork && p.head.startsWith('patchwarden/'))
      .map((p) => p.number)
      .sort((a, b) => b - a);
    expect(expected.length).toBeGreaterThan(60);
    // Open PRs (all branches, forks included): 2 pages of 100 (GitHub, GitLab), 3 of 50 (Gitea).
    const openCount = server.pulls.filter((p) => p.state === 'open').length;
    expect(openCount).toBeGreaterThan(100);
    expect(openCount).toBeLessThanOrEqual(150);
    const open = await forgeFor().listOpen('patchwarden/');
    expect(open.map((p) => p.number)).toEqual(expected);
    expect(open.every((p) => p.state === 'open' && p.head.startsWith('patchwarden/') && p.url === c.webUrl(server.origin, p.number))).toBe(true);
    expect(server.calls()).toEqual(c.listCalls);
  });

  it('updates the title and body, only what is given', async () => {
    server.seed({ head: BRANCH, title: TITLE, body: BODY });
    const forge = forgeFor();
    const u = c.update(1);
    const updated = await forge.update(1, { title: `${TITLE} (2)`, body: `${BODY}\nupdated` });
    expect(updated).toEqual(pr(1, { title: `${TITLE} (2)`, body: `${BODY}\nupdated` }));
    expect(server.calls()).toEqual([u.call]);
    expect(bodies()).toEqual([u.body]);
    server.clearRequests();
    await forge.update(1, { title: 'Only the title' });
    expect(Object.keys(server.requests[0]!.body as object)).toEqual(['title']);
    expect(server.pulls[0]!.body).toBe(`${BODY}\nupdated`);
    server.clearRequests();
    expect(await forge.update(1, {})).toEqual(pr(1, { title: 'Only the title' }));
    expect(server.calls()).toEqual([u.get]);
    expect((await rejection(forge.update(0, { title: 'x' }))).code).toBe('validation');
  });

  it('closes with a comment first, and without one', async () => {
    server.seed({ head: BRANCH });
    server.seed({ head: 'patchwarden/npm-minimist' });
    const forge = forgeFor();
    await forge.close(1, 'Fixed on main; closing.');
    const expected = c.close(1);
    expect(server.calls()).toEqual(expected.calls);
    expect(bodies()).toEqual(expected.bodies);
    expect(server.pulls[0]).toMatchObject({ state: 'closed', comments: ['Fixed on main; closing.'] });
    server.clearRequests();
    await forge.close(2);
    expect(server.calls()).toEqual([c.close(2).calls[1]]);
    expect(server.pulls[1]).toMatchObject({ state: 'closed', comments: [] });
    expect((await forgeFor().findByBranch(BRANCH))[0]?.state).toBe('closed');
  });

  it('explains a wrong token, a missing scope, an unknown repository or PR, rate limits and server errors, never showing the token', async () => {
    const wrong = await rejection(createForge({ kind: c.kind, apiUrl: server.apiUrl, repository: c.repository, token: 'not-the-token' }).listOpen('patchwarden/'));
    expect(wrong.code).toBe(c.errors.unauthorized.code);
    expect(wrong.message).toMatch(c.errors.unauthorized.message);
    expect(wrong.message).not.toContain('not-the-token');

    server.failNext('forbidden');
    const forbidden = await rejection(forgeFor().create({ head: BRANCH, base: 'main', title: TITLE, body: BODY, labels: ['security'] }));
    expect(forbidden.code).toBe(c.errors.forbidden.code);
    expect(forbidden.message).toMatch(c.errors.forbidden.message);

    if (c.kind === 'github') {
      // The labels call fails after the PR was opened: the error says the PR exists.
      server.clearRequests();
      let calls = 0;
      const failSecond: typeof fetch = (input, init) => {
        calls += 1;
        if (calls === 2) server.failNext('forbidden');
        return fetch(input, init);
      };
      const half = await rejection(forgeFor({ fetch: failSecond }).create({ head: 'patchwarden/npm-minimist', base: 'main', title: 'm', body: 'b', labels: ['security'] }));
      expect(half.code).toBe('forbidden');
      expect(half.message).toMatch(/^pull request #1 was opened \(http:\/\/127\.0\.0\.1:\d+\/octo\/app\/pull\/1\) but its labels were not added: GitHub denied POST \/repos\/octo\/app\/issues\/1\/labels \(403/);
      expect(server.calls()).toEqual(['POST /repos/octo/app/pulls', 'POST /repos/octo/app/issues/1/labels']);
    }

    const other = await rejection(forgeFor({ repository: c.otherRepository }).listOpen('patchwarden/'));
    expect(other.code).toBe('not_found');
    expect(other.message).toMatch(c.errors['other-repository'].message);

    for (const failure of ['not-found', 'rate-limit', 'secondary-rate-limit', 'server-error'] as const) {
      server.failNext(failure);
      const err = await rejection(forgeFor().listOpen('patchwarden/'));
      expect(err.code, failure).toBe(c.errors[failure].code);
      expect(err.message, failure).toMatch(c.errors[failure].message);
    }
    server.failNext('rate-limit');
    const limited = await rejection(forgeFor().listOpen('patchwarden/'));
    const resetAt = (limited.details as { resetAt: string }).resetAt;
    expect(Date.parse(resetAt)).toBeGreaterThan(Date.now() + 60_000);
    expect(limited.message).toContain(resetAt);

    const missing = await rejection(forgeFor().update(999, { title: 'x' }));
    expect(missing.message).toMatch(c.errors['missing-pr'].message);
  });

  it('surfaces the server refusing a request that breaks the documented contract (wrong header, unknown body field)', async () => {
    const header = await rejection(forgeFor({ fetch: tamperedFetch((h) => {
      c.breakHeader(h);
      return undefined;
    }) }).findByBranch(BRANCH));
    expect(header.code).toBe('bad_request');
    expect(header.message).toBe(`${c.forge} refused GET ${c.findCalls[0]!.split(' ')[1]!.split('?')[0]} (400): ${c.violation}`.replace(TOKEN, '***'));
    expect(server.violations).toEqual([c.violation]);
    server.violations.length = 0;

    server.seed({ head: BRANCH });
    const extraField = tamperedFetch((_h, body) => (body === undefined ? undefined : JSON.stringify({ ...(JSON.parse(body) as object), draft_mode: true })));
    const field = await rejection(forgeFor({ fetch: extraField }).update(1, { title: 'x' }));
    expect(field.message).toContain('(400): contract violation: unknown body field draft_mode');
    expect(server.violations).toEqual(['contract violation: unknown body field draft_mode']);
    server.violations.length = 0;
    expect(server.pulls[0]!.title).not.toBe('x');
  });
});

describe('Gitea client specifics', () => {
  let server: ForgeContractServer;
  beforeEach(async () => {
    server = await ForgeContractServer.start('gitea', { repository: 'octo/app', token: TOKEN });
  });
  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.stop();
  });

  it('reads all pull requests once per client and keeps them current with its own changes', async () => {
    for (let i = 0; i < 60; i += 1) server.seed({ head: `feature/${i}`, state: i % 2 === 0 ? 'closed' : 'open' });
    server.seed({ head: BRANCH, state: 'closed' });
    const forge = createForge({ kind: 'gitea', apiUrl: server.apiUrl, repository: 'octo/app', token: TOKEN });
    expect((await forge.findByBranch(BRANCH)).map((p) => [p.number, p.state])).toEqual([[61, 'closed']]);
    expect(server.calls()).toEqual(['GET /repos/octo/app/pulls?state=all&page=1&limit=50', 'GET /repos/octo/app/pulls?state=all&page=2&limit=50']);
    server.clearRequests();
    const created = await forge.create({ head: BRANCH, base: 'main', title: TITLE, body: BODY });
    expect((await forge.findByBranch(BRANCH)).map((p) => [p.number, p.state])).toEqual([[62, 'open'], [61, 'closed']]);
    await forge.close(created.number);
    expect((await forge.findByBranch(BRANCH)).map((p) => [p.number, p.state])).toEqual([[62, 'closed'], [61, 'closed']]);
    expect(server.calls()).toEqual(['POST /repos/octo/app/pulls', 'PATCH /repos/octo/app/pulls/62']);
  });
});

describe('createForge and the shared HTTP layer', () => {
  it('checks its options before any request', () => {
    const err = (o: ForgeOptions): string => {
      try {
        createForge(o);
      } catch (e) {
        expect(e).toBeInstanceOf(AppError);
        return (e as AppError).message;
      }
      throw new Error('no error');
    };
    expect(err({ kind: 'gitea', repository: 'octo/app', token: TOKEN })).toBe('Gitea needs the API URL of the instance; give apiUrl as https://<host>/api/v1');
    expect(err({ kind: 'github', repository: 'octo', token: TOKEN })).toBe(`repository "octo" is not valid for github; give 'owner/name'`);
    expect(err({ kind: 'gitea', apiUrl: 'https://gitea.example/api/v1', repository: 'a/b/c', token: TOKEN })).toContain("give 'owner/name'");
    expect(err({ kind: 'gitlab', repository: 'app', token: TOKEN })).toContain("the project path 'group/name'");
    expect(err({ kind: 'github', repository: 'octo/app', token: ' ' })).toBe('no token for github; give a token that may open pull requests on octo/app');
    expect(err({ kind: 'github', apiUrl: 'https://user:pw@ghe.example/api/v3', repository: 'octo/app', token: TOKEN })).toContain('must not carry credentials');
    expect(err({ kind: 'bitbucket' as ForgeKind, repository: 'octo/app', token: TOKEN })).toContain('is not supported');
    expect(createForge({ kind: 'gitlab', repository: 'group/sub/app', token: TOKEN }).kind).toBe('gitlab');
  });

  it('gives up on a forge that does not answer within the timeout', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const err = await rejection(createForge({ kind: 'github', apiUrl: `http://127.0.0.1:${port}`, repository: 'octo/app', token: TOKEN, timeoutMs: 300 }).listOpen('x'));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(err.code).toBe('unavailable');
      expect(err.message).toBe(`cannot reach GitHub at http://127.0.0.1:${port} (GET /repos/octo/app/pulls): no answer within 0.3 s; check the API URL and the network`);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('does not follow a pagination link to another host (the token would go with it)', async () => {
    const server = await ForgeContractServer.start('github', { repository: 'octo/app', token: TOKEN });
    try {
      for (let i = 0; i < 120; i += 1) server.seed({ head: `patchwarden/p-${i}` });
      const evilLinks: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        const headers = new Headers(res.headers);
        const link = headers.get('link');
        if (link !== null) headers.set('link', link.replaceAll('http://127.0.0.1', 'http://evil.example'));
        return new Response(await res.text(), { status: res.status, headers });
      };
      const err = await rejection(createForge({ kind: 'github', apiUrl: server.apiUrl, repository: 'octo/app', token: TOKEN, fetch: evilLinks }).listOpen('patchwarden/'));
      expect(err.message).toMatch(/^GitHub pointed to http:\/\/evil\.example:\d+\/repos\/octo\/app\/pulls, outside http:\/\/127\.0\.0\.1:\d+; not following it$/);
      expect(server.calls()).toHaveLength(1);
      expect(server.violations).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
