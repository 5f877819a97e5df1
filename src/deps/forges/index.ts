/**
 * The forges behind one interface: `createForge({ kind, repository, token, apiUrl? })` gives a
 * `Forge` that finds, lists, opens, updates and closes pull requests (GitLab: merge requests) of one
 * repository. Clients: `github.ts`, `gitlab.ts`, `gitea.ts`; HTTP, errors and pagination: `http.ts`.
 *
 * @example
 *   const forge = createForge({ kind: 'github', repository: 'octo/app', token: process.env.GITHUB_TOKEN! });
 *   const [existing] = await forge.findByBranch('patchwarden/npm-lodash');
 */
import { AppError } from '../../domain/errors.js';
import { GiteaForge } from './gitea.js';
import { GitHubForge } from './github.js';
import { GitLabForge } from './gitlab.js';
import type { Forge, ForgeKind, ForgeOptions } from './types.js';

export type { CreatePullRequestInput, Forge, ForgeKind, ForgeOptions, PullRequest } from './types.js';

export const FORGE_KINDS: readonly ForgeKind[] = ['github', 'gitlab', 'gitea'];
export const DEFAULT_API_URLS: Readonly<Record<ForgeKind, string | null>> = { github: 'https://api.github.com', gitlab: 'https://gitlab.com/api/v4', gitea: null };

/**
 * The user name sent with a forge token when git talks HTTP (Basic auth): GitHub documents
 * `x-access-token`, GitLab `oauth2`; Gitea takes the token as the password with any user name.
 */
export const GIT_USERS: Readonly<Record<ForgeKind, string>> = { github: 'x-access-token', gitlab: 'oauth2', gitea: 'patchwarden' };
const DEFAULT_TIMEOUT_MS = 30_000;

function apiUrlOf(kind: ForgeKind, apiUrl: string | undefined): string {
  const value = apiUrl ?? DEFAULT_API_URLS[kind];
  if (value === null || value.trim() === '') {
    throw new AppError('validation', 'Gitea needs the API URL of the instance; give apiUrl as https://<host>/api/v1');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('validation', `forge API URL ${JSON.stringify(value)} is not a URL; give one like ${DEFAULT_API_URLS[kind] ?? 'https://gitea.example.com/api/v1'}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AppError('validation', `forge API URL ${value} must use https (or http)`);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new AppError('validation', 'the forge API URL must not carry credentials, a query or a fragment; pass the token as `token`');
  }
  return url.toString().replace(/\/+$/, '');
}

function repositoryOf(kind: ForgeKind, repository: string): string[] {
  const parts = repository.split('/');
  const ok = parts.every((p) => p !== '' && p.trim() === p && p !== '.' && p !== '..') && (kind === 'gitlab' ? parts.length >= 2 : parts.length === 2);
  if (!ok) {
    const shape = kind === 'gitlab' ? "the project path 'group/name' (or 'group/subgroup/name')" : "'owner/name'";
    throw new AppError('validation', `repository ${JSON.stringify(repository)} is not valid for ${kind}; give ${shape}`);
  }
  return parts;
}

/** The client of one repository on one forge. Validates the options; makes no request. */
export function createForge(options: ForgeOptions): Forge {
  if (!FORGE_KINDS.includes(options.kind)) throw new AppError('validation', `forge ${JSON.stringify(options.kind)} is not supported; use one of ${FORGE_KINDS.join(', ')}`);
  if (options.token.trim() === '') throw new AppError('validation', `no token for ${options.kind}; give a token that may open pull requests on ${options.repository}`);
  if (/[\r\n]/.test(options.token)) throw new AppError('validation', 'the forge token contains a line break; copy it again without one');
  const apiUrl = apiUrlOf(options.kind, options.apiUrl);
  const parts = repositoryOf(options.kind, options.repository);
  const common = { apiUrl, token: options.token, fetch: options.fetch ?? fetch, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  const [owner = '', name = ''] = parts;
  switch (options.kind) {
    case 'github':
      return new GitHubForge({ ...common, owner, name });
    case 'gitlab':
      return new GitLabForge({ ...common, project: options.repository });
    case 'gitea':
      return new GiteaForge({ ...common, owner, name });
  }
}
