/**
 * The one interface of the forges (GitHub, GitLab, Gitea) that dependency patching opens pull
 * requests through. In its own file so the clients and `index.ts` share it without an import cycle.
 */
export type ForgeKind = 'github' | 'gitlab' | 'gitea';

export interface PullRequest {
  /** GitHub/Gitea: number; GitLab: iid. */
  readonly number: number;
  /** Web URL. */
  readonly url: string;
  readonly state: 'open' | 'closed' | 'merged';
  /** Source branch. */
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
}

export interface CreatePullRequestInput {
  readonly head: string;
  readonly base: string;
  readonly title: string;
  readonly body: string;
  readonly labels?: readonly string[];
}

export interface Forge {
  readonly kind: ForgeKind;
  /** Every PR (any state) whose head is exactly `branch`, newest first. */
  findByBranch(branch: string): Promise<PullRequest[]>;
  /** Open PRs whose head branch starts with `prefix` (all pages). */
  listOpen(prefix: string): Promise<PullRequest[]>;
  create(input: CreatePullRequestInput): Promise<PullRequest>;
  update(number: number, input: { title?: string; body?: string }): Promise<PullRequest>;
  close(number: number, comment?: string): Promise<void>;
}

export interface ForgeOptions {
  readonly kind: ForgeKind;
  /** Default https://api.github.com, https://gitlab.com/api/v4; required for gitea (https://host/api/v1). */
  readonly apiUrl?: string;
  /** 'owner/name' (GitLab: the project path 'group/sub/name', URL-encoded as the id). */
  readonly repository: string;
  readonly token: string;
  readonly fetch?: typeof fetch;
  /** Per-request timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number;
}
