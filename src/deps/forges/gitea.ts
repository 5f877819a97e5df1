/**
 * Gitea (and Forgejo) pull requests through the REST API v1, as documented in the API reference
 * (https://gitea.com/api/swagger, served by every instance at /api/swagger):
 *   `GET /repos/{owner}/{repo}/pulls` (repoListPullRequests: `state` open|closed|all, `page`, `limit`;
 *     `X-Total-Count` and `Link` headers), `GET /pulls/{index}`,
 *   `POST /repos/{owner}/{repo}/pulls` (CreatePullRequestOption: head, base, title, body, labels = label IDs),
 *   `PATCH /repos/{owner}/{repo}/pulls/{index}` (EditPullRequestOption: title, body, state "closed"),
 *   `POST /repos/{owner}/{repo}/issues/{index}/comments` (CreateIssueCommentOption: body),
 *   `GET|POST /repos/{owner}/{repo}/labels` (CreateLabelOption: name, color) — names become IDs;
 *   a label the repository does not have yet is created, as GitHub and GitLab do.
 * Auth: `Authorization: token <token>`; merged = the `merged` boolean. The list has no branch filter,
 * so `findByBranch` reads all PRs of the repository once per client and keeps that list up to date
 * with its own create/update/close (a client serves one run).
 */
import { z } from 'zod';
import { ForgeHttp, MAX_PAGES, tooManyPages } from './http.js';
import { pullNumber, sortNewestFirst } from './pull-requests.js';
import type { CreatePullRequestInput, Forge, PullRequest } from './types.js';

const Branch = z.object({ ref: z.string(), repo_id: z.number().int().optional() });
const Pull = z.object({
  number: z.number().int(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  merged: z.boolean().optional(),
  title: z.string(),
  body: z.string().nullable().optional(),
  head: Branch,
  base: Branch,
});
type Pull = z.infer<typeof Pull>;
const Label = z.object({ id: z.number().int(), name: z.string() });

export interface GiteaForgeOptions {
  readonly apiUrl: string;
  readonly owner: string;
  readonly name: string;
  readonly token: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
}

export const GITEA_SCOPES = 'a token with the `write:repository` and `write:issue` scopes, from a user who may write to the repository';
/** Gitea's default MAX_RESPONSE_ITEMS: a larger `limit` is cut to it. */
const PAGE_SIZE = 50;
export const GITEA_LABEL_COLOR = '#e11d48';

export class GiteaForge implements Forge {
  readonly kind = 'gitea' as const;
  readonly #http: ForgeHttp;
  readonly #display: string;
  readonly #repo: string;
  #all: Promise<Pull[]> | null = null;

  constructor(o: GiteaForgeOptions) {
    this.#display = `${o.owner}/${o.name}`;
    this.#repo = `/repos/${encodeURIComponent(o.owner)}/${encodeURIComponent(o.name)}`;
    this.#http = new ForgeHttp({
      forge: 'Gitea',
      apiUrl: o.apiUrl,
      headers: { Authorization: `token ${o.token}` },
      token: o.token,
      fetch: o.fetch,
      timeoutMs: o.timeoutMs,
      subject: `repository ${o.owner}/${o.name}`,
      scopes: GITEA_SCOPES,
    });
  }

  #pr(n: number): string {
    return `pull request #${n} does not exist in ${this.#display}, or the token cannot see it`;
  }

  #map(pull: Pull): PullRequest {
    return { number: pull.number, url: pull.html_url, state: pull.merged === true ? 'merged' : pull.state, head: pull.head.ref, base: pull.base.ref, title: pull.title, body: pull.body ?? '' };
  }

  /** Every item of a `page`/`limit` list: stops at `X-Total-Count`, or at a short page when there is none. */
  async #pages<T>(path: string, schema: z.ZodType<T>, query: Record<string, string> = {}): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page += 1) {
      const res = await this.#http.request('GET', path, z.array(schema), { query: { ...query, page, limit: PAGE_SIZE } });
      items.push(...res.data);
      const total = res.headers.get('x-total-count');
      const more = total !== null && /^\d+$/.test(total) ? items.length < Number(total) : res.data.length >= PAGE_SIZE;
      if (!more || res.data.length === 0) break;
      if (page >= MAX_PAGES) throw tooManyPages('Gitea', path);
    }
    return items;
  }

  /** PRs from this repository's own branches (not from forks). */
  async #list(state: 'all' | 'open'): Promise<Pull[]> {
    const pulls = await this.#pages(`${this.#repo}/pulls`, Pull, { state });
    return pulls.filter((p) => p.head.repo_id === undefined || p.base.repo_id === undefined || p.head.repo_id === p.base.repo_id);
  }

  #remember(pull: Pull): void {
    if (this.#all === null) return;
    this.#all = this.#all.then((pulls) => [pull, ...pulls.filter((p) => p.number !== pull.number)]);
  }

  async findByBranch(branch: string): Promise<PullRequest[]> {
    if (this.#all === null) {
      this.#all = this.#list('all');
      this.#all.catch(() => (this.#all = null));
    }
    const pulls = await this.#all;
    return sortNewestFirst(pulls.filter((p) => p.head.ref === branch).map((p) => this.#map(p)));
  }

  async listOpen(prefix: string): Promise<PullRequest[]> {
    const pulls = await this.#list('open');
    return sortNewestFirst(pulls.filter((p) => p.head.ref.startsWith(prefix)).map((p) => this.#map(p)));
  }

  /** Label IDs for names, creating the labels the repository lacks. */
  async #labelIds(names: readonly string[]): Promise<number[]> {
    const existing = await this.#pages(`${this.#repo}/labels`, Label);
    const ids: number[] = [];
    for (const name of names) {
      const found = existing.find((l) => l.name === name) ?? existing.find((l) => l.name.toLowerCase() === name.toLowerCase());
      if (found !== undefined) ids.push(found.id);
      else ids.push((await this.#http.request('POST', `${this.#repo}/labels`, Label, { body: { name, color: GITEA_LABEL_COLOR } })).data.id);
    }
    return ids;
  }

  async create(input: CreatePullRequestInput): Promise<PullRequest> {
    const labels = [...new Set(input.labels ?? [])];
    const body: Record<string, unknown> = { head: input.head, base: input.base, title: input.title, body: input.body };
    if (labels.length > 0) body.labels = await this.#labelIds(labels);
    const res = await this.#http.request('POST', `${this.#repo}/pulls`, Pull, { body });
    this.#remember(res.data);
    return this.#map(res.data);
  }

  async update(number: number, input: { title?: string; body?: string }): Promise<PullRequest> {
    const n = pullNumber(number);
    const body: Record<string, string> = {};
    if (input.title !== undefined) body.title = input.title;
    if (input.body !== undefined) body.body = input.body;
    const path = `${this.#repo}/pulls/${n}`;
    const res = Object.keys(body).length === 0 ? await this.#http.request('GET', path, Pull, { notFound: this.#pr(n) }) : await this.#http.request('PATCH', path, Pull, { body, notFound: this.#pr(n) });
    this.#remember(res.data);
    return this.#map(res.data);
  }

  async close(number: number, comment?: string): Promise<void> {
    const n = pullNumber(number);
    if (comment !== undefined && comment !== '') {
      await this.#http.request('POST', `${this.#repo}/issues/${n}/comments`, z.object({ id: z.number() }), { body: { body: comment }, notFound: this.#pr(n) });
    }
    const res = await this.#http.request('PATCH', `${this.#repo}/pulls/${n}`, Pull, { body: { state: 'closed' }, notFound: this.#pr(n) });
    this.#remember(res.data);
  }
}
