/**
 * A local HTTP server (node:http, 127.0.0.1) that plays GitHub, GitLab or Gitea for the forge
 * client tests — the only fake the dependency tests allow. It CHECKS every request against the
 * forge's documented REST contract before answering:
 *   - method and exact path (GitLab: the project id URL-encoded), query parameters (names, types,
 *     enums, ranges; unknown or repeated ones refused),
 *   - required headers and the auth scheme (GitHub `Authorization: Bearer`, `Accept:
 *     application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`, `User-Agent`; GitLab
 *     `PRIVATE-TOKEN`; Gitea `Authorization: token`), JSON content type,
 *   - JSON body field names and types (unknown fields refused, required ones present).
 * A request that breaks the contract gets 400 `{ message: "contract violation: ..." }` and is kept in
 * `violations` (tests assert it stays empty). Otherwise it answers like the real API: a wrong token
 * 401, another repository 404, a duplicate PR 422 (GitHub) / 409 (GitLab, Gitea), response bodies
 * with the real field names, pagination headers (`Link`, `X-Next-Page`, `X-Total-Count`), and the
 * errors queued with `failNext` (401, 403, 404, rate limits with their headers, 5xx).
 * State: pull requests (seeded or created), their comments and labels, Gitea's repository labels.
 * Every request is recorded (`calls()` gives `METHOD /path?decoded=query`) so tests assert sequences.
 * Contracts: https://docs.github.com/en/rest/pulls/pulls, https://docs.gitlab.com/api/merge_requests/,
 * https://gitea.com/api/swagger (the same pages the clients follow).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ContractForge = 'github' | 'gitlab' | 'gitea';
export type Failure = 'unauthorized' | 'forbidden' | 'not-found' | 'rate-limit' | 'secondary-rate-limit' | 'server-error';

export interface StoredPull {
  readonly number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed' | 'merged';
  labels: string[];
  comments: string[];
  /** Opened from a fork (another head repository). */
  readonly fork: boolean;
  removeSourceBranch: boolean | null;
  readonly createdAt: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Decoded `name=value` pairs joined with `&`, in the order sent. */
  readonly query: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  status: number;
}

type FieldType = 'string' | 'boolean' | 'integer' | 'string[]' | 'integer[]' | readonly string[] | RegExp;
interface Field {
  readonly type: FieldType;
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
}
type Fields = Readonly<Record<string, Field>>;
interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}
interface Ctx {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  readonly url: URL;
}
interface Route {
  readonly method: string;
  readonly path: RegExp;
  readonly query?: Fields;
  readonly body?: Fields;
  /** At least one body field must be present (GitLab's PUT). */
  readonly nonEmptyBody?: boolean;
  readonly handle: (ctx: Ctx) => Reply;
}

const req = (type: FieldType, extra: Omit<Field, 'type' | 'required'> = {}): Field => ({ type, required: true, ...extra });
const opt = (type: FieldType, extra: Omit<Field, 'type' | 'required'> = {}): Field => ({ type, ...extra });

function typeError(name: string, value: unknown, field: Field, fromQuery: boolean): string | null {
  const t = field.type;
  const show = JSON.stringify(value);
  if (Array.isArray(t)) return typeof value === 'string' && t.includes(value) ? null : `${name} must be one of ${t.join('|')}, got ${show}`;
  if (t instanceof RegExp) return typeof value === 'string' && t.test(value) ? null : `${name} must match ${String(t)}, got ${show}`;
  const integer = (v: unknown): boolean => (fromQuery ? typeof v === 'string' && /^\d+$/.test(v) : Number.isInteger(v));
  switch (t) {
    case 'string':
      return typeof value === 'string' ? null : `${name} must be a string, got ${show}`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${name} must be a boolean, got ${show}`;
    case 'integer': {
      if (!integer(value)) return `${name} must be an integer, got ${show}`;
      const n = Number(value);
      if (field.min !== undefined && n < field.min) return `${name} must be >= ${field.min}, got ${n}`;
      if (field.max !== undefined && n > field.max) return `${name} must be <= ${field.max}, got ${n}`;
      return null;
    }
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : `${name} must be an array of strings, got ${show}`;
    case 'integer[]':
      return Array.isArray(value) && value.every((v) => Number.isInteger(v)) ? null : `${name} must be an array of integers, got ${show}`;
    default:
      return `unknown type of ${name}`;
  }
}

function checkFields(what: string, values: Record<string, unknown>, spec: Fields, fromQuery: boolean): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const field = spec[name];
    if (field === undefined) problems.push(`unknown ${what} ${name}`);
    else {
      const error = typeError(`${what} ${name}`, value, field, fromQuery);
      if (error !== null) problems.push(error);
    }
  }
  for (const [name, field] of Object.entries(spec)) if (field.required === true && !(name in values)) problems.push(`missing ${what} ${name}`);
  return problems;
}

const BASE_TIME = Date.parse('2025-03-01T10:00:00Z');
const sha = (n: number, salt: string): string => (salt + n.toString(16)).padStart(40, '0').slice(-40).replace(/[^0-9a-f]/g, 'a');

export class ForgeContractServer {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly pulls: StoredPull[] = [];
  /** Gitea repository labels. */
  readonly labels: { id: number; name: string; color: string }[] = [];
  readonly #failures: Failure[] = [];
  readonly #server: Server;
  readonly #routes: Route[];
  #origin = '';

  private constructor(
    readonly kind: ContractForge,
    readonly repository: string,
    readonly token: string,
  ) {
    this.#server = createServer((rq, rs) => {
      this.#handle(rq, rs).catch((err: unknown) => {
        this.violations.push(`server error: ${String(err)}`);
        if (!rs.headersSent) rs.writeHead(500);
        rs.end();
      });
    });
    this.#routes = kind === 'github' ? this.#github() : kind === 'gitlab' ? this.#gitlab() : this.#gitea();
  }

  static async start(kind: ContractForge, options: { repository: string; token: string }): Promise<ForgeContractServer> {
    const server = new ForgeContractServer(kind, options.repository, options.token);
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    server.#origin = `http://127.0.0.1:${(server.#server.address() as AddressInfo).port}`;
    return server;
  }

  get origin(): string {
    return this.#origin;
  }

  /** The API URL a client is configured with (GitHub's is the origin, as api.github.com). */
  get apiUrl(): string {
    return this.#origin + this.#prefix;
  }

  get #prefix(): string {
    return this.kind === 'github' ? '' : this.kind === 'gitlab' ? '/api/v4' : '/api/v1';
  }

  /** `METHOD /path?query` of every request so far, the path below the API URL. */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}${r.query === '' ? '' : `?${r.query}`}`);
  }

  /** Forget recorded requests (state stays). */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** The next request(s) that pass the contract and auth get this error, shaped like the forge's. */
  failNext(failure: Failure, times = 1): void {
    for (let i = 0; i < times; i += 1) this.#failures.push(failure);
  }

  seed(input: { head: string; base?: string; title?: string; body?: string; state?: StoredPull['state']; fork?: boolean; labels?: string[] }): StoredPull {
    const number = this.pulls.length + 1;
    const pull: StoredPull = {
      number,
      head: input.head,
      base: input.base ?? 'main',
      title: input.title ?? `Update ${input.head}`,
      body: input.body ?? '',
      state: input.state ?? 'open',
      labels: input.labels ?? [],
      comments: [],
      fork: input.fork ?? false,
      removeSourceBranch: null,
      createdAt: new Date(BASE_TIME + number * 60_000).toISOString(),
    };
    this.pulls.push(pull);
    return pull;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }

  // ---- request handling -------------------------------------------------------------------

  async #handle(rq: IncomingMessage, rs: ServerResponse): Promise<void> {
    const url = new URL(rq.url ?? '/', this.#origin);
    const chunks: Buffer[] = [];
    for await (const chunk of rq) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const rawPath = (rq.url ?? '/').split('?')[0] ?? '/';
    const decoded = [...url.searchParams].map(([k, v]) => `${k}=${v}`).join('&');
    const record: RecordedRequest = { method: rq.method ?? 'GET', path: rawPath.slice(this.#prefix.length), query: decoded, headers: rq.headers, body: null, status: 0 };
    this.requests.push(record);
    const reply = this.#answer(rq, url, rawPath, text, record);
    record.status = reply.status;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    for (const [name, value] of Object.entries(reply.headers ?? {})) headers[name.toLowerCase()] = value;
    rs.writeHead(reply.status, headers);
    rs.end(reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
  }

  #answer(rq: IncomingMessage, url: URL, rawPath: string, text: string, record: RecordedRequest): Reply {
    const problems: string[] = [];
    const method = rq.method ?? 'GET';
    problems.push(...this.#headerProblems(rq.headers));
    let body: Record<string, unknown> = {};
    if (text !== '') {
      if (!/^application\/json\b/.test(rq.headers['content-type'] ?? '')) problems.push(`a JSON body needs Content-Type: application/json, got ${JSON.stringify(rq.headers['content-type'] ?? null)}`);
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
        else problems.push('the body must be a JSON object');
        (record as { body: unknown }).body = parsed;
      } catch {
        problems.push('the body is not JSON');
      }
    }
    const path = rawPath.startsWith(this.#prefix) ? rawPath.slice(this.#prefix.length) : null;
    const route = path === null ? undefined : this.#routes.find((r) => r.method === method && r.path.test(path));
    if (route === undefined || path === null) return this.#violation([...problems, `no documented ${this.kind} endpoint ${method} ${rawPath}`]);
    const query: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) {
      if (k in query) problems.push(`query ${k} given twice`);
      query[k] = v;
    }
    problems.push(...checkFields('query parameter', query, route.query ?? {}, true));
    if (route.body === undefined) {
      if (text !== '') problems.push(`${method} ${rawPath} takes no body`);
    } else {
      problems.push(...checkFields('body field', body, route.body, false));
      if (route.nonEmptyBody === true && Object.keys(body).length === 0) problems.push('at least one body field is required');
    }
    if (problems.length > 0) return this.#violation(problems);
    if (!this.#authorized(rq.headers)) return this.#failure('unauthorized');
    const failure = this.#failures.shift();
    if (failure !== undefined) return this.#failure(failure);
    const params = (route.path.exec(path)?.groups ?? {}) as Record<string, string>;
    if (!this.#isOurRepository(params)) return this.#failure('not-found');
    return route.handle({ params, query: url.searchParams, body, url });
  }

  #violation(problems: string[]): Reply {
    const message = `contract violation: ${problems.join('; ')}`;
    this.violations.push(message);
    return { status: 400, body: { message } };
  }

  #headerProblems(h: IncomingHttpHeaders): string[] {
    const problems: string[] = [];
    const expect = (name: string, test: (v: string) => boolean, wanted: string): void => {
      const value = h[name];
      if (typeof value !== 'string' || !test(value)) problems.push(`header ${name} must be ${wanted}, got ${JSON.stringify(value ?? null)}`);
    };
    if (this.kind === 'github') {
      expect('accept', (v) => v === 'application/vnd.github+json', 'application/vnd.github+json');
      expect('x-github-api-version', (v) => v === '2022-11-28', '2022-11-28');
      expect('authorization', (v) => /^Bearer \S+$/.test(v), '"Bearer <token>"');
      expect('user-agent', (v) => v.trim() !== '', 'present (GitHub refuses requests without one)');
    } else if (this.kind === 'gitlab') {
      expect('private-token', (v) => v.trim() !== '', 'the access token');
    } else {
      expect('authorization', (v) => /^token \S+$/.test(v), '"token <token>"');
    }
    return problems;
  }

  #authorized(h: IncomingHttpHeaders): boolean {
    if (this.kind === 'github') return h.authorization === `Bearer ${this.token}`;
    if (this.kind === 'gitlab') return h['private-token'] === this.token;
    return h.authorization === `token ${this.token}`;
  }

  #isOurRepository(params: Record<string, string>): boolean {
    if (this.kind === 'gitlab') return params.id === encodeURIComponent(this.repository);
    return `${decodeURIComponent(params.owner ?? '')}/${decodeURIComponent(params.repo ?? '')}` === this.repository;
  }

  #failure(failure: Failure): Reply {
    const reset = String(Math.floor(Date.now() / 1000) + 1800);
    if (this.kind === 'github') {
      const doc = 'https://docs.github.com/rest';
      switch (failure) {
        case 'unauthorized':
          return { status: 401, body: { message: 'Bad credentials', documentation_url: doc, status: '401' } };
        case 'forbidden':
          return { status: 403, body: { message: 'Resource not accessible by personal access token', documentation_url: `${doc}/pulls/pulls#create-a-pull-request`, status: '403' }, headers: { 'x-accepted-github-permissions': 'pull_requests=write' } };
        case 'not-found':
          return { status: 404, body: { message: 'Not Found', documentation_url: `${doc}/pulls/pulls#list-pull-requests`, status: '404' } };
        case 'rate-limit':
          return {
            status: 403,
            body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: `${doc}/overview/rate-limits-for-the-rest-api`, status: '403' },
            headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': reset, 'x-ratelimit-resource': 'core' },
          };
        case 'secondary-rate-limit':
          return { status: 429, body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: doc, status: '429' }, headers: { 'retry-after': '60' } };
        case 'server-error':
          return { status: 502, body: { message: 'Server Error' } };
      }
    }
    if (this.kind === 'gitlab') {
      switch (failure) {
        case 'unauthorized':
          return { status: 401, body: { message: '401 Unauthorized' } };
        case 'forbidden':
          return { status: 403, body: { error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token.', scope: 'api' } };
        case 'not-found':
          return { status: 404, body: { message: '404 Project Not Found' } };
        case 'rate-limit':
        case 'secondary-rate-limit':
          return { status: 429, body: 'Retry later', headers: { 'content-type': 'text/plain', 'ratelimit-limit': '2000', 'ratelimit-remaining': '0', 'ratelimit-reset': reset, 'retry-after': '1800' } };
        case 'server-error':
          return { status: 500, body: { message: '500 Internal Server Error' } };
      }
    }
    const swagger = `${this.#origin}/api/swagger`;
    switch (failure) {
      case 'unauthorized':
        return { status: 401, body: { message: 'token is required', url: swagger } };
      case 'forbidden':
        return { status: 403, body: { message: 'token does not have at least one of required scope(s), required=[write:repository], token scope=read:repository', url: swagger } };
      case 'not-found':
        return { status: 404, body: { errors: [], message: "The target couldn't be found.", url: swagger } };
      case 'rate-limit':
      case 'secondary-rate-limit':
        return { status: 429, body: { message: 'too many requests', url: swagger }, headers: { 'retry-after': '120' } };
      case 'server-error':
        return { status: 500, body: { message: 'internal server error', url: swagger } };
    }
  }

  #pull(n: string | undefined): StoredPull | undefined {
    return this.pulls.find((p) => String(p.number) === n);
  }

  /** One page of `items` with the forge's pagination headers. */
  #page<T>(items: T[], page: number, perPage: number, url: URL, pageParam: string): { items: T[]; headers: Record<string, string> } {
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const at = (n: number): string => {
      const u = new URL(url);
      u.searchParams.set(pageParam, String(n));
      return u.toString();
    };
    const links: string[] = [];
    if (page < pages) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(pages)}>; rel="last"`);
    if (page > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(page - 1)}>; rel="prev"`);
    const headers: Record<string, string> = links.length > 0 ? { link: links.join(', ') } : {};
    return { items: items.slice((page - 1) * perPage, page * perPage), headers };
  }

  // ---- GitHub ----------------------------------------------------------------------------

  #githubPull(p: StoredPull): Record<string, unknown> {
    const [owner = '', name = ''] = this.repository.split('/');
    const api = `${this.#origin}/repos/${this.repository}`;
    const headOwner = p.fork ? 'a-contributor' : owner;
    const repo = (o: string, id: number) => ({ id, node_id: `R_${id}`, name, full_name: `${o}/${name}`, private: false, owner: { login: o, id, type: 'User' }, html_url: `${this.#origin}/${o}/${name}` });
    const closed = p.state !== 'open';
    return {
      url: `${api}/pulls/${p.number}`,
      id: 1_000_000 + p.number,
      node_id: `PR_kwDO${p.number}`,
      html_url: `${this.#origin}/${this.repository}/pull/${p.number}`,
      diff_url: `${this.#origin}/${this.repository}/pull/${p.number}.diff`,
      patch_url: `${this.#origin}/${this.repository}/pull/${p.number}.patch`,
      issue_url: `${api}/issues/${p.number}`,
      number: p.number,
      state: closed ? 'closed' : 'open',
      locked: false,
      title: p.title,
      user: { login: 'patchwarden-bot', id: 7, type: 'Bot' },
      body: p.body === '' ? null : p.body,
      labels: p.labels.map((l, i) => ({ id: 100 + i, node_id: `LA_${i}`, name: l, color: 'ededed', default: false, description: null })),
      milestone: null,
      draft: false,
      created_at: p.createdAt,
      updated_at: p.createdAt,
      closed_at: closed ? p.createdAt : null,
      merged_at: p.state === 'merged' ? p.createdAt : null,
      merge_commit_sha: p.state === 'merged' ? sha(p.number, 'm') : null,
      head: { label: `${headOwner}:${p.head}`, ref: p.head, sha: sha(p.number, 'h'), user: { login: headOwner }, repo: repo(headOwner, p.fork ? 99 : 1) },
      base: { label: `${owner}:${p.base}`, ref: p.base, sha: sha(p.number, 'b'), user: { login: owner }, repo: repo(owner, 1) },
      author_association: 'CONTRIBUTOR',
      auto_merge: null,
    };
  }

  #github(): Route[] {
    const repo = '^/repos/(?<owner>[^/]+)/(?<repo>[^/]+)';
    const notFound = (): Reply => this.#failure('not-found');
    return [
      {
        method: 'GET',
        path: new RegExp(`${repo}/pulls$`),
        query: {
          state: opt(['open', 'closed', 'all']),
          head: opt(/^[^:]+:.+$/),
          base: opt('string'),
          sort: opt(['created', 'updated', 'popularity', 'long-running']),
          direction: opt(['asc', 'desc']),
          per_page: opt('integer', { min: 1, max: 100 }),
          page: opt('integer', { min: 1 }),
        },
        handle: ({ query, url }) => {
          const state = query.get('state') ?? 'open';
          const head = query.get('head');
          const [owner] = this.repository.split('/');
          let items = this.pulls.filter((p) => (state === 'all' ? true : state === 'open' ? p.state === 'open' : p.state !== 'open'));
          if (head !== null) {
            const [who, ...ref] = head.split(':');
            items = items.filter((p) => (p.fork ? 'a-contributor' : owner) === who && p.head === ref.join(':'));
          }
          items = [...items].sort((a, b) => b.number - a.number);
          const page = this.#page(items, Number(query.get('page') ?? 1), Number(query.get('per_page') ?? 30), url, 'page');
          return { status: 200, body: page.items.map((p) => this.#githubPull(p)), headers: page.headers };
        },
      },
      {
        method: 'GET',
        path: new RegExp(`${repo}/pulls/(?<n>\\d+)$`),
        handle: ({ params }) => {
          const p = this.#pull(params.n);
          return p === undefined ? notFound() : { status: 200, body: this.#githubPull(p) };
        },
      },
      {
        method: 'POST',
        path: new RegExp(`${repo}/pulls$`),
        body: { title: req('string'), head: req('string'), base: req('string'), body: opt('string'), maintainer_can_modify: opt('boolean'), draft: opt('boolean'), head_repo: opt('string'), issue: opt('integer') },
        handle: ({ body }) => {
          const head = String(body.head).replace(/^[^:]*:/, '');
          const [owner] = this.repository.split('/');
          if (this.pulls.some((p) => !p.fork && p.state === 'open' && p.head === head && p.base === body.base)) {
            return {
              status: 422,
              body: {
                message: 'Validation Failed',
                errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${head}.` }],
                documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
                status: '422',
              },
            };
          }
          const p = this.seed({ head, base: String(body.base), title: String(body.title), body: typeof body.body === 'string' ? body.body : '' });
          return { status: 201, body: this.#githubPull(p), headers: { location: `${this.#origin}/repos/${this.repository}/pulls/${p.number}` } };
        },
      },
      {
        method: 'PATCH',
        path: new RegExp(`${repo}/pulls/(?<n>\\d+)$`),
        body: { title: opt('string'), body: opt('string'), state: opt(['open', 'closed']), base: opt('string'), maintainer_can_modify: opt('boolean') },
        handle: ({ params, body }) => {
          const p = this.#pull(params.n);
          if (p === undefined) return notFound();
          if (typeof body.title === 'string') p.title = body.title;
          if (typeof body.body === 'string') p.body = body.body;
          if (body.state !== undefined && p.state !== 'merged') p.state = body.state === 'closed' ? 'closed' : 'open';
          return { status: 200, body: this.#githubPull(p) };
        },
      },
      {
        method: 'POST',
        path: new RegExp(`${repo}/issues/(?<n>\\d+)/comments$`),
        body: { body: req('string') },
        handle: ({ params, body }) => {
          const p = this.#pull(params.n);
          if (p === undefined) return notFound();
          p.comments.push(String(body.body));
          const id = 5000 + p.comments.length;
          const now = new Date().toISOString();
          return {
            status: 201,
            body: { id, node_id: `IC_${id}`, url: `${this.#origin}/repos/${this.repository}/issues/comments/${id}`, html_url: `${this.#origin}/${this.repository}/pull/${p.number}#issuecomment-${id}`, body: body.body, user: { login: 'patchwarden-bot', id: 7, type: 'Bot' }, created_at: now, updated_at: now, issue_url: `${this.#origin}/repos/${this.repository}/issues/${p.number}`, author_association: 'CONTRIBUTOR' },
          };
        },
      },
      {
        method: 'POST',
        path: new RegExp(`${repo}/issues/(?<n>\\d+)/labels$`),
        body: { labels: req('string[]') },
        handle: ({ params, body }) => {
          const p = this.#pull(params.n);
          if (p === undefined) return notFound();
          for (const l of body.labels as string[]) if (!p.labels.includes(l)) p.labels.push(l);
          return { status: 200, body: p.labels.map((name, i) => ({ id: 100 + i, node_id: `LA_${i}`, url: `${this.#origin}/repos/${this.repository}/labels/${encodeURIComponent(name)}`, name, description: null, color: 'ededed', default: false })) };
        },
      },
    ];
  }

  // ---- GitLab ----------------------------------------------------------------------------

  #gitlabMr(p: StoredPull): Record<string, unknown> {
    const state = p.state === 'open' ? 'opened' : p.state;
    const author = { id: 7, username: 'patchwarden-bot', name: 'Patchwarden', state: 'active', web_url: `${this.#origin}/patchwarden-bot` };
    return {
      id: 50_000 + p.number,
      iid: p.number,
      project_id: 42,
      title: p.title,
      description: p.body === '' ? null : p.body,
      state,
      created_at: p.createdAt,
      updated_at: p.createdAt,
      merged_by: null,
      merge_user: null,
      merged_at: p.state === 'merged' ? p.createdAt : null,
      closed_by: p.state === 'closed' ? author : null,
      closed_at: p.state === 'closed' ? p.createdAt : null,
      target_branch: p.base,
      source_branch: p.head,
      user_notes_count: p.comments.length,
      upvotes: 0,
      downvotes: 0,
      author,
      assignees: [],
      assignee: null,
      reviewers: [],
      source_project_id: p.fork ? 77 : 42,
      target_project_id: 42,
      labels: p.labels,
      draft: false,
      work_in_progress: false,
      milestone: null,
      merge_when_pipeline_succeeds: false,
      merge_status: 'can_be_merged',
      detailed_merge_status: p.state === 'open' ? 'mergeable' : 'not_open',
      sha: sha(p.number, 'h'),
      merge_commit_sha: p.state === 'merged' ? sha(p.number, 'm') : null,
      squash_commit_sha: null,
      discussion_locked: null,
      should_remove_source_branch: null,
      force_remove_source_branch: p.removeSourceBranch,
      reference: `!${p.number}`,
      references: { short: `!${p.number}`, relative: `!${p.number}`, full: `${this.repository}!${p.number}` },
      web_url: `${this.#origin}/${this.repository}/-/merge_requests/${p.number}`,
      time_stats: { time_estimate: 0, total_time_spent: 0, human_time_estimate: null, human_total_time_spent: null },
      squash: false,
      task_completion_status: { count: 0, completed_count: 0 },
      has_conflicts: false,
      blocking_discussions_resolved: true,
    };
  }

  #gitlab(): Route[] {
    const mrs = '^/projects/(?<id>[^/]+)/merge_requests';
    const notFound = (): Reply => ({ status: 404, body: { message: '404 Not found' } });
    return [
      {
        method: 'GET',
        path: new RegExp(`${mrs}$`),
        query: {
          state: opt(['opened', 'closed', 'locked', 'merged', 'all']),
          source_branch: opt('string'),
          target_branch: opt('string'),
          order_by: opt(['created_at', 'updated_at', 'title']),
          sort: opt(['asc', 'desc']),
          labels: opt('string'),
          view: opt(['simple']),
          per_page: opt('integer', { min: 1, max: 100 }),
          page: opt('integer', { min: 1 }),
        },
        handle: ({ query, url }) => {
          const state = query.get('state') ?? 'all';
          const source = query.get('source_branch');
          const items = this.pulls
            .filter((p) => state === 'all' || (p.state === 'open' ? 'opened' : p.state) === state)
            .filter((p) => source === null || p.head === source)
            .sort((a, b) => b.number - a.number);
          const perPage = Number(query.get('per_page') ?? 20);
          const page = Number(query.get('page') ?? 1);
          const pages = Math.max(1, Math.ceil(items.length / perPage));
          const slice = this.#page(items, page, perPage, url, 'page');
          return {
            status: 200,
            body: slice.items.map((p) => this.#gitlabMr(p)),
            headers: {
              ...slice.headers,
              'x-page': String(page),
              'x-per-page': String(perPage),
              'x-next-page': page < pages ? String(page + 1) : '',
              'x-prev-page': page > 1 ? String(page - 1) : '',
              'x-total': String(items.length),
              'x-total-pages': String(pages),
            },
          };
        },
      },
      {
        method: 'GET',
        path: new RegExp(`${mrs}/(?<n>\\d+)$`),
        handle: ({ params }) => {
          const p = this.#pull(params.n);
          return p === undefined ? notFound() : { status: 200, body: this.#gitlabMr(p) };
        },
      },
      {
        method: 'POST',
        path: new RegExp(`${mrs}$`),
        body: {
          source_branch: req('string'),
          target_branch: req('string'),
          title: req('string'),
          description: opt('string'),
          remove_source_branch: opt('boolean'),
          labels: opt('string'),
          assignee_id: opt('integer'),
          assignee_ids: opt('integer[]'),
          reviewer_ids: opt('integer[]'),
          milestone_id: opt('integer'),
          squash: opt('boolean'),
          allow_collaboration: opt('boolean'),
          target_project_id: opt('integer'),
        },
        handle: ({ body }) => {
          const existing = this.pulls.find((p) => !p.fork && p.state === 'open' && p.head === body.source_branch && p.base === body.target_branch);
          if (existing !== undefined) return { status: 409, body: { message: [`Another open merge request already exists for this source branch: !${existing.number}`] } };
          const p = this.seed({
            head: String(body.source_branch),
            base: String(body.target_branch),
            title: String(body.title),
            body: typeof body.description === 'string' ? body.description : '',
            labels: typeof body.labels === 'string' && body.labels !== '' ? body.labels.split(',') : [],
          });
          p.removeSourceBranch = typeof body.remove_source_branch === 'boolean' ? body.remove_source_branch : null;
          return { status: 201, body: this.#gitlabMr(p) };
        },
      },
      {
        method: 'PUT',
        path: new RegExp(`${mrs}/(?<n>\\d+)$`),
        nonEmptyBody: true,
        body: {
          title: opt('string'),
          description: opt('string'),
          state_event: opt(['close', 'reopen']),
          target_branch: opt('string'),
          labels: opt('string'),
          add_labels: opt('string'),
          remove_labels: opt('string'),
          remove_source_branch: opt('boolean'),
          assignee_id: opt('integer'),
          squash: opt('boolean'),
          discussion_locked: opt('boolean'),
        },
        handle: ({ params, body }) => {
          const p = this.#pull(params.n);
          if (p === undefined) return notFound();
          if (typeof body.title === 'string') p.title = body.title;
          if (typeof body.description === 'string') p.body = body.description;
          if (body.state_event !== undefined && p.state !== 'merged') p.state = body.state_event === 'close' ? 'closed' : 'open';
          return { status: 200, body: this.#gitlabMr(p) };
        },
      },
      {
        method: 'POST',
        path: new RegExp(`${mrs}/(?<n>\\d+)/notes$`),
        body: { body: req('string'), internal: opt('boolean'), created_at: opt('string'), merge_request_diff_head_sha: opt('string') },
        handle: ({ params, body }) => {
          const p = this.#pull(params.n);
          if (p === undefined) return notFound();
          p.comments.push(String(body.body));
          const now = new Date().toISOString();
          return {
            status: 201,
            body: { id: 9000 + p.comments.length, type: null, body: body.body, author: { id: 7, username: 'patchwarden-bot', name: 'Patchwarden' }, created_at: now, updated_at: now, system: false, noteable_id: 50_000 + p.number, noteable_type: 'MergeRequest', noteable_iid: p.number, resolvable: false, confidential: false, internal: false },
          };
        },
      },
    ];
  }

  // ---- Gitea -----------------------------------------------------------------------------

  #giteaLabel(l: { id: number; name: string; color: string }): Record<string, unknown> {
    return { id: l.id, name: l.name, exclusive: false, is_archived: false, color: l.color, description: '', url: `${this.apiUrl}/repos/${this.repository}/labels/${l.id}` };
  }

  #giteaPull(p: StoredPull): Record<string, unknown> {
    const [owner = '', name = ''] = this.repository.split('/');
    const repo = (o: string, id: number) => ({ id, name, full_name: `${o}/${name}`, owner: { id, login: o }, html_url: `${this.#origin}/${o}/${name}` });
    const closed = p.state !== 'open';
    const labels = p.labels.map((n) => this.labels.find((l) => l.name === n) ?? { id: 0, name: n, color: 'ededed' });
    const web = `${this.#origin}/${this.repository}/pulls/${p.number}`;
    return {
      id: 3000 + p.number,
      url: web,
      number: p.number,
      user: { id: 7, login: 'patchwarden-bot', full_name: 'Patchwarden', email: 'patchwarden@localhost' },
      title: p.title,
      body: p.body,
      labels: labels.map((l) => this.#giteaLabel(l)),
      milestone: null,
      assignee: null,
      assignees: null,
      requested_reviewers: null,
      state: closed ? 'closed' : 'open',
      draft: false,
      is_locked: false,
      comments: p.comments.length,
      html_url: web,
      diff_url: `${web}.diff`,
      patch_url: `${web}.patch`,
      mergeable: !closed,
      merged: p.state === 'merged',
      merged_at: p.state === 'merged' ? p.createdAt : null,
      merge_commit_sha: p.state === 'merged' ? sha(p.number, 'm') : null,
      merged_by: null,
      allow_maintainer_edit: false,
      base: { label: p.base, ref: p.base, sha: sha(p.number, 'b'), repo_id: 1, repo: repo(owner, 1) },
      head: { label: p.head, ref: p.head, sha: sha(p.number, 'h'), repo_id: p.fork ? 9 : 1, repo: repo(p.fork ? 'a-contributor' : owner, p.fork ? 9 : 1) },
      merge_base: sha(p.number, 'b'),
      due_date: null,
      created_at: p.createdAt,
      updated_at: p.createdAt,
      closed_at: closed ? p.createdAt : null,
      pin_order: 0,
    };
  }

  /** Gitea cuts `limit` to MAX_RESPONSE_ITEMS (50) and sends X-Total-Count and Link. */
  #giteaList<T>(items: T[], query: URLSearchParams, url: URL, render: (item: T) => unknown): Reply {
    const limit = Math.min(Number(query.get('limit') ?? 30), 50);
    const page = this.#page(items, Number(query.get('page') ?? 1), limit, url, 'page');
    return { status: 200, body: page.items.map(render), headers: { ...page.headers, 'x-total-count': String(items.length) } };
  }

  #gitea(): Route[] {
    const repo = '^/repos/(?<owner>[^/]+)/(?<repo>[^/]+)';
    const notFound = (): Reply => this.#failure('not-found');
    const pageQuery: Fields = { page: opt('integer', { min: 1 }), limit: opt('integer', { min: 1 }) };
    return [
      {
        method: 'GET',
        path: new RegExp(`${repo}/pulls$`),
        query: {
          state: opt(['open', 'closed', 'all']),
          sort: opt(['oldest', 'recentupdate', 'recentclose', 'leastupdate', 'mostcomment', 'leastcomment', 'priority']),
          milestone: opt('integer'),
          labels: opt('integer'),
          poster: opt('string'),
          ...pageQuery,
        },
        handle: ({ query, url }) => {
          const state = query.get('state') ?? 'open';
          const items = this.pulls.filter((p) => state === 'all' || (state === 'open' ? p.state === 'open' : p.state !== 'open')).sort((a, b) => b.number - a.number);
          return this.#giteaList(items, query, url, (p) => this.#giteaPull(p));
        },
      },
      {
        method: 'GET',
        path: new RegExp(`${repo}/pulls/(?<n>\\d+)$`),
        handle: ({ params }) => {
          const p = this.#pull(params.n);
          return p === undefined ? notFound() : { status: 200, body: this.#giteaPull(p) };
        },
      },
      {
        method: 'POST',
        path: new RegExp(`${repo}/pulls$`),
        body: {
          head: req('string'),
          base: req('string'),
          title: req('string'),
          body: opt('string'),
          assignee: opt('string'),
          assignees: opt('string[]'),
          labels: opt('integer[]'),
          milestone: opt('integer'),
          due_date: opt('string'),
          reviewers: opt('string[]'),
          team_reviewers: opt('string[]'),
        },
        handle: ({ body }) => {
          const swagger = `${this.#origin}/api/swagger`;
          const ids = (body.labels as number[] | undefined) ?? [];
          const unknown = ids.find((id) => !this.labels.some((l) => l.id === id));
          if (unknown !== undefined) return { status: 422, body: { message: `label does not exist [id: ${unknown}]`, url: swagger } };
          const existing = this.pulls.find((p) => !p.fork && p.state === 'open' && p.head === body.head && p.base === body.base);
          if (existing !== undefined) {
            return { status: 409, body: { message: `pull request already exists for these targets [id: ${3000 + existing.number}, issue_id: ${existing.number}, head_repo: 1, base_repo: 1, head_branch: ${existing.head}, base_branch: ${existing.base}]`, url: swagger } };
          }
          const p = this.seed({
            head: String(body.head),
            base: String(body.base),
            title: String(body.title),
            body: typeof body.body === 'string' ? body.body : '',
            labels: ids.map((id) => this.labels.find((l) => l.id === id)?.name ?? ''),
          });
          return { status: 201, body: this.#giteaPull(p) };
        },
      },
      {
        method: 'PATCH',
        path: new RegExp(`${repo}/pulls/(?<n>\\d+)$`),
        body: {
          title: opt('string'),
          body: opt('string'),
          state: opt(['open', 'closed']),
          base: opt('string'),
          assignee: opt('string'),
          assignees: opt('string[]'),
          labels: opt('integer[]'),
          milestone: opt('integer'),
          due_date: opt('string'),
          unset_due_date: opt('boolean'),
          allow_maintainer_edit: opt('boolean'),
        },
        handle: ({ params, body }) => {
          const p = this.#pull(params.n);
          if (p === undefined) return notFound();
          if (typeof body.title === 'string') p.title = body.title;
          if (typeof body.body === 'string') p.body = body.body;
          if (body.state !== undefined && p.state !== 'merged') p.state = body.state === 'closed' ? 'closed' : 'open';
          // Gitea answers an edit with 201 Created.
          return { status: 201, body: this.#giteaPull(p) };
        },
      },
      {
        method: 'POST',
        path: new RegExp(`${repo}/issues/(?<n>\\d+)/comments$`),
        body: { body: req('string') },
        handle: ({ params, body }) => {
          const p = this.#pull(params.n);
          if (p === undefined) return notFound();
          p.comments.push(String(body.body));
          const id = 7000 + p.comments.length;
          const now = new Date().toISOString();
          const web = `${this.#origin}/${this.repository}/pulls/${p.number}`;
          return { status: 201, body: { id, html_url: `${web}#issuecomment-${id}`, pull_request_url: web, issue_url: '', user: { id: 7, login: 'patchwarden-bot' }, original_author: '', original_author_id: 0, body: body.body, assets: [], created_at: now, updated_at: now } };
        },
      },
      {
        method: 'GET',
        path: new RegExp(`${repo}/labels$`),
        query: pageQuery,
        handle: ({ query, url }) => this.#giteaList(this.labels, query, url, (l) => this.#giteaLabel(l)),
      },
      {
        method: 'POST',
        path: new RegExp(`${repo}/labels$`),
        body: { name: req('string'), color: req(/^#?[0-9a-fA-F]{6}$/), description: opt('string'), exclusive: opt('boolean'), is_archived: opt('boolean') },
        handle: ({ body }) => {
          const label = { id: 20 + this.labels.length, name: String(body.name), color: String(body.color).replace(/^#/, '') };
          this.labels.push(label);
          return { status: 201, body: this.#giteaLabel(label) };
        },
      },
    ];
  }
}
