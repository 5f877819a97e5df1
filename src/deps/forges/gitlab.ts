/**
 * GitLab merge requests through the REST API v4, as documented at:
 *   https://docs.gitlab.com/api/merge_requests/ — list (`GET /projects/:id/merge_requests`,
 *     `source_branch`, `state` opened|closed|locked|merged|all, newest first), get, create (`POST`,
 *     {source_branch, target_branch, title, description, remove_source_branch, labels: "a,b"}),
 *     update (`PUT /merge_requests/:iid`, {title, description, state_event: "close"})
 *   https://docs.gitlab.com/api/notes/#create-new-merge-request-note — `POST /merge_requests/:iid/notes` {body}
 *   https://docs.gitlab.com/api/rest/#pagination — `page`, `per_page` ≤ 100, `X-Next-Page` (empty on the last page)
 *   https://docs.gitlab.com/api/rest/authentication/ — `PRIVATE-TOKEN` header
 *   https://docs.gitlab.com/security/rate_limits/ — 429 with `RateLimit-Reset` / `Retry-After`
 * `:id` is the URL-encoded project path (`group%2Fsub%2Fapp`); the PR number is the MR `iid`.
 * A `locked` merge request (being merged) counts as open.
 */
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { ForgeHttp, MAX_PAGES, tooManyPages } from './http.js';
import { pullNumber, sortNewestFirst } from './pull-requests.js';
import type { CreatePullRequestInput, Forge, PullRequest } from './types.js';

const MergeRequest = z.object({
  iid: z.number().int(),
  web_url: z.string(),
  state: z.enum(['opened', 'closed', 'locked', 'merged']),
  source_branch: z.string(),
  target_branch: z.string(),
  title: z.string(),
  description: z.string().nullable().optional(),
  source_project_id: z.number().int().optional(),
  target_project_id: z.number().int().optional(),
});
type MergeRequest = z.infer<typeof MergeRequest>;

export interface GitLabForgeOptions {
  readonly apiUrl: string;
  readonly project: string;
  readonly token: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
}

export const GITLAB_SCOPES = 'a personal, group or project access token with the `api` scope and at least the Developer role in the project';

const STATE: Record<MergeRequest['state'], PullRequest['state']> = { opened: 'open', locked: 'open', closed: 'closed', merged: 'merged' };

export class GitLabForge implements Forge {
  readonly kind = 'gitlab' as const;
  readonly #http: ForgeHttp;
  readonly #project: string;
  readonly #base: string;

  constructor(o: GitLabForgeOptions) {
    this.#project = o.project;
    this.#base = `/projects/${encodeURIComponent(o.project)}/merge_requests`;
    this.#http = new ForgeHttp({
      forge: 'GitLab',
      apiUrl: o.apiUrl,
      headers: { 'PRIVATE-TOKEN': o.token },
      token: o.token,
      fetch: o.fetch,
      timeoutMs: o.timeoutMs,
      subject: `project ${o.project}`,
      scopes: GITLAB_SCOPES,
    });
  }

  #mr(iid: number): string {
    return `merge request !${iid} does not exist in ${this.#project}, or the token cannot see it`;
  }

  #map(mr: MergeRequest): PullRequest {
    return { number: mr.iid, url: mr.web_url, state: STATE[mr.state], head: mr.source_branch, base: mr.target_branch, title: mr.title, body: mr.description ?? '' };
  }

  /** Merge requests from this project (not from forks), all pages. */
  async #list(query: Record<string, string | number>): Promise<MergeRequest[]> {
    const mrs: MergeRequest[] = [];
    for (let page = 1; ; ) {
      const res = await this.#http.request('GET', this.#base, z.array(MergeRequest), { query: { ...query, per_page: 100, page } });
      mrs.push(...res.data);
      const next = (res.headers.get('x-next-page') ?? '').trim();
      if (!/^\d+$/.test(next) || Number(next) <= page || res.data.length === 0) break;
      if (page >= MAX_PAGES) throw tooManyPages('GitLab', this.#base);
      page = Number(next);
    }
    return mrs.filter((mr) => mr.source_project_id === undefined || mr.target_project_id === undefined || mr.source_project_id === mr.target_project_id);
  }

  async findByBranch(branch: string): Promise<PullRequest[]> {
    const mrs = await this.#list({ source_branch: branch, state: 'all' });
    return sortNewestFirst(mrs.filter((mr) => mr.source_branch === branch).map((mr) => this.#map(mr)));
  }

  async listOpen(prefix: string): Promise<PullRequest[]> {
    const mrs = await this.#list({ state: 'opened' });
    return sortNewestFirst(mrs.filter((mr) => mr.source_branch.startsWith(prefix)).map((mr) => this.#map(mr)));
  }

  async create(input: CreatePullRequestInput): Promise<PullRequest> {
    const labels = [...new Set(input.labels ?? [])];
    const bad = labels.find((l) => l.includes(','));
    if (bad !== undefined) throw new AppError('validation', `GitLab label ${JSON.stringify(bad)} contains a comma, which GitLab reads as a list separator; rename the label`);
    const body: Record<string, unknown> = {
      source_branch: input.head,
      target_branch: input.base,
      title: input.title,
      description: input.body,
      remove_source_branch: true,
    };
    if (labels.length > 0) body.labels = labels.join(',');
    const res = await this.#http.request('POST', this.#base, MergeRequest, { body });
    return this.#map(res.data);
  }

  async update(number: number, input: { title?: string; body?: string }): Promise<PullRequest> {
    const iid = pullNumber(number);
    const body: Record<string, string> = {};
    if (input.title !== undefined) body.title = input.title;
    if (input.body !== undefined) body.description = input.body;
    const path = `${this.#base}/${iid}`;
    const res = Object.keys(body).length === 0 ? await this.#http.request('GET', path, MergeRequest, { notFound: this.#mr(iid) }) : await this.#http.request('PUT', path, MergeRequest, { body, notFound: this.#mr(iid) });
    return this.#map(res.data);
  }

  async close(number: number, comment?: string): Promise<void> {
    const iid = pullNumber(number);
    if (comment !== undefined && comment !== '') {
      await this.#http.request('POST', `${this.#base}/${iid}/notes`, z.object({ id: z.number() }), { body: { body: comment }, notFound: this.#mr(iid) });
    }
    await this.#http.request('PUT', `${this.#base}/${iid}`, MergeRequest, { body: { state_event: 'close' }, notFound: this.#mr(iid) });
  }
}
