/**
 * GitHub pull requests through the REST API, version 2022-11-28, as documented at:
 *   https://docs.github.com/en/rest/pulls/pulls — list (`GET /repos/{owner}/{repo}/pulls`, `state`,
 *     `head=owner:branch`, `per_page` ≤ 100, newest first), get, create (`POST`, {title, head, base,
 *     body}), update (`PATCH /pulls/{n}`, {title, body, state}); merged = `merged_at` not null
 *   https://docs.github.com/en/rest/issues/comments#create-an-issue-comment — `POST /issues/{n}/comments` {body}
 *   https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue — `POST /issues/{n}/labels` {labels}
 *   https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api — `Link` rel="next"
 *   https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api — 403/429 with
 *     `x-ratelimit-remaining: 0` and `x-ratelimit-reset`, or `retry-after`
 * Headers: `Accept: application/vnd.github+json`, `Authorization: Bearer <token>`,
 * `X-GitHub-Api-Version: 2022-11-28`, `User-Agent`.
 */
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { ForgeHttp, MAX_PAGES, nextLink, tooManyPages } from './http.js';
import { pullNumber, sortNewestFirst } from './pull-requests.js';
import type { CreatePullRequestInput, Forge, PullRequest } from './types.js';

const Branch = z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }).nullable().optional() });
const Pull = z.object({
  number: z.number().int(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  merged_at: z.string().nullable().optional(),
  title: z.string(),
  body: z.string().nullable().optional(),
  head: Branch,
  base: Branch,
});
type Pull = z.infer<typeof Pull>;

export interface GitHubForgeOptions {
  readonly apiUrl: string;
  readonly owner: string;
  readonly name: string;
  readonly token: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
}

export const GITHUB_SCOPES =
  'a classic token with the `repo` scope (`public_repo` for a public repository) or a fine-grained token with "Pull requests: Read and write" and "Issues: Read and write" on the repository';

export class GitHubForge implements Forge {
  readonly kind = 'github' as const;
  readonly #http: ForgeHttp;
  readonly #owner: string;
  readonly #display: string;
  readonly #fullName: string;
  readonly #repo: string;

  constructor(o: GitHubForgeOptions) {
    this.#owner = o.owner;
    this.#display = `${o.owner}/${o.name}`;
    this.#fullName = `${o.owner}/${o.name}`.toLowerCase();
    this.#repo = `/repos/${encodeURIComponent(o.owner)}/${encodeURIComponent(o.name)}`;
    this.#http = new ForgeHttp({
      forge: 'GitHub',
      apiUrl: o.apiUrl,
      headers: { Accept: 'application/vnd.github+json', Authorization: `Bearer ${o.token}`, 'X-GitHub-Api-Version': '2022-11-28' },
      token: o.token,
      fetch: o.fetch,
      timeoutMs: o.timeoutMs,
      subject: `repository ${o.owner}/${o.name}`,
      scopes: GITHUB_SCOPES,
    });
  }

  #pr(n: number): string {
    return `pull request #${n} does not exist in ${this.#display}, or the token cannot see it`;
  }

  #map(pull: Pull): PullRequest {
    return {
      number: pull.number,
      url: pull.html_url,
      state: pull.merged_at !== null && pull.merged_at !== undefined ? 'merged' : pull.state,
      head: pull.head.ref,
      base: pull.base.ref,
      title: pull.title,
      body: pull.body ?? '',
    };
  }

  /** PRs from this repository (not from forks), all pages. */
  async #list(query: Record<string, string | number>): Promise<Pull[]> {
    const pulls: Pull[] = [];
    let page = await this.#http.request('GET', `${this.#repo}/pulls`, z.array(Pull), { query });
    for (let n = 1; ; n += 1) {
      pulls.push(...page.data);
      const next = nextLink(page.headers.get('link'));
      if (next === null) break;
      if (n >= MAX_PAGES) throw tooManyPages('GitHub', `${this.#repo}/pulls`);
      page = await this.#http.requestUrl('GET', new URL(next), z.array(Pull));
    }
    return pulls.filter((p) => p.head.repo?.full_name.toLowerCase() === this.#fullName);
  }

  async findByBranch(branch: string): Promise<PullRequest[]> {
    const pulls = await this.#list({ state: 'all', head: `${this.#owner}:${branch}`, per_page: 100 });
    return sortNewestFirst(pulls.filter((p) => p.head.ref === branch).map((p) => this.#map(p)));
  }

  async listOpen(prefix: string): Promise<PullRequest[]> {
    const pulls = await this.#list({ state: 'open', per_page: 100 });
    return sortNewestFirst(pulls.filter((p) => p.head.ref.startsWith(prefix)).map((p) => this.#map(p)));
  }

  async create(input: CreatePullRequestInput): Promise<PullRequest> {
    const created = await this.#http.request('POST', `${this.#repo}/pulls`, Pull, { body: { title: input.title, head: input.head, base: input.base, body: input.body } });
    const labels = [...new Set(input.labels ?? [])];
    if (labels.length > 0) {
      const n = created.data.number;
      try {
        await this.#http.request('POST', `${this.#repo}/issues/${n}/labels`, z.array(z.object({ name: z.string() })), { body: { labels }, notFound: this.#pr(n) });
      } catch (err) {
        // The pull request exists: say so, so a rerun finds and updates it instead of failing again.
        if (!(err instanceof AppError)) throw err;
        throw new AppError(err.code, `pull request #${n} was opened (${created.data.html_url}) but its labels were not added: ${err.message}`, { details: err.details, cause: err });
      }
    }
    return this.#map(created.data);
  }

  async update(number: number, input: { title?: string; body?: string }): Promise<PullRequest> {
    const n = pullNumber(number);
    const body: Record<string, string> = {};
    if (input.title !== undefined) body.title = input.title;
    if (input.body !== undefined) body.body = input.body;
    const path = `${this.#repo}/pulls/${n}`;
    const res = Object.keys(body).length === 0 ? await this.#http.request('GET', path, Pull, { notFound: this.#pr(n) }) : await this.#http.request('PATCH', path, Pull, { body, notFound: this.#pr(n) });
    return this.#map(res.data);
  }

  async close(number: number, comment?: string): Promise<void> {
    const n = pullNumber(number);
    if (comment !== undefined && comment !== '') {
      await this.#http.request('POST', `${this.#repo}/issues/${n}/comments`, z.object({ id: z.number() }), { body: { body: comment }, notFound: this.#pr(n) });
    }
    await this.#http.request('PATCH', `${this.#repo}/pulls/${n}`, Pull, { body: { state: 'closed' }, notFound: this.#pr(n) });
  }
}
