import { z } from 'zod';
import { FreeText, Id, QueryBoolean, SearchTerm, Timestamp, listQuery, page } from './common.js';
import type { AnyEndpoint } from './endpoint.js';
import { defineEndpoint } from './endpoint.js';
import { ScheduleExpression, TimeZone } from './windows.contract.js';

/**
 * Source repositories watched for vulnerable open-source dependencies (issue 8): registered per
 * account, cloned and scanned on schedule and on demand; their findings and the pull requests
 * Patchwarden opened are listed here and counted in compliance with the SLA of OS patches.
 */

const RepositoryName = FreeText(1, 128).refine((n) => /^[A-Za-z0-9_.\-/ ]+$/.test(n), { message: 'repository names use letters, digits, spaces, "_", ".", "-" and "/"' });

/** A git URL: https://, http://, ssh://, git:// or scp-like `git@host:owner/repo.git`; never with a password in it (no file:// URLs: the server would read its own disk). */
export const GitUrl = FreeText(1, 2000).superRefine((url, ctx) => {
  const scpLike = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/.test(url);
  if (scpLike) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a git URL; write e.g. "https://github.com/acme/shop.git", "ssh://git@host/acme/shop.git" or "git@github.com:acme/shop.git"' });
    return;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol)) ctx.addIssue({ code: 'custom', message: `git URLs use https, http, ssh or git, not "${parsed.protocol.replace(':', '')}"` });
  if (parsed.password !== '') ctx.addIssue({ code: 'custom', message: 'the URL holds a password or token; remove it and name the secret in "credentialsRef" instead (e.g. "file:github-token")' });
});

const BranchName = FreeText(1, 255).refine((b) => /^[A-Za-z0-9._\-/]+$/.test(b) && !b.includes('..') && !b.startsWith('-') && !b.endsWith('/'), { message: 'not a valid branch name (letters, digits, ".", "_", "-", "/"; no "..")' });

/**
 * Where the server finds a secret (a forge token), never the secret itself: `file:NAME`, a file
 * in the account's own folder of the server's secrets directory (`<secretsDir>/<accountId>/NAME`),
 * or `env:PATCHWARDEN_SECRET_…`, an environment variable of the server process (server-wide, so
 * only organization admins may name one).
 */
export const CredentialsRef = FreeText(1, 200).refine((r) => /^env:PATCHWARDEN_SECRET_[A-Z0-9_]+$/.test(r) || /^file:[A-Za-z0-9][A-Za-z0-9._-]*$/.test(r), {
  message: 'a credentials reference is "file:NAME" (a file in the account\'s folder of the secrets directory) or "env:PATCHWARDEN_SECRET_NAME"; the secret itself is never stored',
});

export const ForgeKindName = z.enum(['none', 'github', 'gitlab', 'gitea']);
export const GroupingName = z.enum(['package', 'ecosystem', 'all']);
export const SeverityThreshold = z.enum(['critical', 'high', 'medium', 'low', 'any']);

export const RepositoryForge = z.strictObject({
  kind: ForgeKindName,
  /** The API base: default https://api.github.com or https://gitlab.com/api/v4; required for gitea (`https://host/api/v1`) and self-hosted servers. */
  apiUrl: z.url({ protocol: /^https?$/ }).max(2000).nullable().optional(),
  /** `owner/name` (GitLab: the project path `group/sub/name`). */
  repository: FreeText(1, 500).nullable().optional(),
});

const repositoryFields = {
  name: RepositoryName,
  gitUrl: GitUrl,
  /** The branch scanned and targeted by pull requests; default: the remote's default branch. */
  branch: BranchName.nullable().optional(),
  forge: RepositoryForge.default({ kind: 'none' }),
  credentialsRef: CredentialsRef.nullable().optional(),
  /** When to scan (cron, SSM cron or rate); null: on demand only. */
  schedule: ScheduleExpression.nullable().optional(),
  timezone: TimeZone.default('UTC'),
  /** One pull request per vulnerable package, per ecosystem, or one for all. */
  grouping: GroupingName.default('package'),
  /** Findings below this severity do not count against compliance and get no pull request. */
  severityThreshold: SeverityThreshold.default('any'),
  /** Open (and update, and close) pull requests after each scan; needs a forge and credentials. */
  openPullRequests: z.boolean().default(false),
  enabled: z.boolean().default(true),
};

function repositoryRules(r: { forge: { kind: string; apiUrl?: string | null | undefined; repository?: string | null | undefined }; openPullRequests: boolean; credentialsRef?: string | null | undefined }, ctx: z.RefinementCtx): void {
  if (r.forge.kind === 'gitea' && (r.forge.apiUrl ?? null) === null) ctx.addIssue({ code: 'custom', path: ['forge', 'apiUrl'], message: 'a Gitea forge needs "apiUrl" (e.g. "https://gitea.example.com/api/v1")' });
  if (r.forge.kind !== 'none' && (r.forge.repository ?? null) === null) ctx.addIssue({ code: 'custom', path: ['forge', 'repository'], message: 'name the repository on the forge ("owner/name"; GitLab: "group/project")' });
  if (r.openPullRequests && r.forge.kind === 'none') ctx.addIssue({ code: 'custom', path: ['openPullRequests'], message: 'pull requests need a forge: set "forge.kind" to github, gitlab or gitea' });
  if (r.openPullRequests && (r.credentialsRef ?? null) === null) ctx.addIssue({ code: 'custom', path: ['credentialsRef'], message: 'pull requests need a token: set "credentialsRef" (e.g. "file:github-token")' });
}

export const CreateRepositoryRequest = z.strictObject(repositoryFields).superRefine(repositoryRules);
export type CreateRepositoryRequest = z.input<typeof CreateRepositoryRequest>;
/** PUT replaces every field. */
export const UpdateRepositoryRequest = CreateRepositoryRequest;
export type UpdateRepositoryRequest = z.input<typeof UpdateRepositoryRequest>;

export const DepsSeverityName = z.enum(['critical', 'high', 'medium', 'low', 'unknown']);
export const RepositoryComplianceStatus = z.enum(['COMPLIANT', 'NON_COMPLIANT', 'UNKNOWN']);
export const ScanStatusName = z.enum(['PENDING', 'IN_PROGRESS', 'SUCCESS', 'PARTIAL', 'FAILED']);

export const SeverityCounts = z.object({ critical: z.number().int(), high: z.number().int(), medium: z.number().int(), low: z.number().int(), unknown: z.number().int() });

export const Repository = z.object({
  id: Id,
  accountId: Id,
  name: z.string(),
  gitUrl: z.string(),
  branch: z.string().nullable(),
  forge: z.object({ kind: ForgeKindName, apiUrl: z.string().nullable(), repository: z.string().nullable() }),
  credentialsRef: z.string().nullable(),
  schedule: z.string().nullable(),
  timezone: z.string(),
  grouping: GroupingName,
  severityThreshold: SeverityThreshold,
  openPullRequests: z.boolean(),
  enabled: z.boolean(),
  /** UNKNOWN until the first successful scan. */
  complianceStatus: RepositoryComplianceStatus,
  /** Open findings at or above the threshold, by severity. */
  findings: SeverityCounts,
  /** Open findings past their SLA (days per severity from the compliance settings, counted from first seen). */
  overdue: z.number().int(),
  openPullRequestCount: z.number().int(),
  lastScan: z.object({ id: Id, status: ScanStatusName, startedAt: Timestamp.nullable(), endedAt: Timestamp.nullable(), commit: z.string().nullable(), error: z.string().nullable() }).nullable(),
  nextScanAt: Timestamp.nullable(),
  createdAt: Timestamp,
  createdBy: z.string().nullable(),
  updatedAt: Timestamp,
});
export type Repository = z.infer<typeof Repository>;

export const RepositoryScan = z.object({
  id: Id,
  repositoryId: Id,
  accountId: Id,
  trigger: z.enum(['schedule', 'manual']),
  status: ScanStatusName,
  requestedBy: z.string().nullable(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  /** The commit scanned. */
  commit: z.string().nullable(),
  lockfiles: z.number().int(),
  packages: z.number().int(),
  findings: z.number().int(),
  /** Lockfiles that could not be read (file, line, message), when PARTIAL. */
  errors: z.array(z.object({ lockfile: z.string(), line: z.number().int().nullable(), message: z.string() })),
  /** Why the scan failed (clone, auth, ...), in words. */
  error: z.string().nullable(),
  pullRequests: z.object({ opened: z.number().int(), updated: z.number().int(), closed: z.number().int(), failed: z.number().int() }).nullable(),
});
export type RepositoryScan = z.infer<typeof RepositoryScan>;

export const DependencyFinding = z.object({
  id: Id,
  repositoryId: Id,
  repositoryName: z.string(),
  accountId: Id,
  ecosystem: z.enum(['npm', 'PyPI']),
  package: z.string(),
  version: z.string(),
  lockfile: z.string(),
  line: z.number().int().nullable(),
  direct: z.boolean(),
  dev: z.boolean(),
  /** The shortest dependency path, `name@version` each. */
  path: z.array(z.string()),
  severity: DepsSeverityName,
  advisories: z.array(z.object({ id: z.string(), aliases: z.array(z.string()), summary: z.string().nullable(), severity: z.string(), score: z.number().nullable(), fixedIn: z.string().nullable() })),
  cves: z.array(z.string()),
  fixedIn: z.string().nullable(),
  /** Below the repository's severity threshold: listed, not counted. */
  belowThreshold: z.boolean(),
  firstSeenAt: Timestamp,
  lastSeenAt: Timestamp,
  /** firstSeenAt + the SLA days of its severity; null when that severity has no SLA. */
  dueAt: Timestamp.nullable(),
  overdue: z.boolean(),
  /** The open pull request that fixes it, when one exists. */
  pullRequestUrl: z.string().nullable(),
});
export type DependencyFinding = z.infer<typeof DependencyFinding>;

export const DependencyPullRequest = z.object({
  id: Id,
  repositoryId: Id,
  repositoryName: z.string(),
  accountId: Id,
  branch: z.string(),
  number: z.number().int().nullable(),
  url: z.string().nullable(),
  state: z.enum(['open', 'closed', 'merged', 'local']),
  title: z.string(),
  packages: z.array(z.object({ ecosystem: z.string(), name: z.string(), from: z.array(z.string()), to: z.string().nullable(), method: z.string().nullable() })),
  advisories: z.array(z.string()),
  severity: DepsSeverityName,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  closedAt: Timestamp.nullable(),
});
export type DependencyPullRequest = z.infer<typeof DependencyPullRequest>;

export const DependencyComplianceGroup = z.object({
  key: z.string(),
  label: z.string(),
  repositories: z.number().int(),
  compliant: z.number().int(),
  nonCompliant: z.number().int(),
  unknown: z.number().int(),
  findings: SeverityCounts,
  overdueFindings: z.number().int(),
  overdueRepositories: z.number().int(),
  openPullRequests: z.number().int(),
});
export type DependencyComplianceGroup = z.infer<typeof DependencyComplianceGroup>;

export const DependencyComplianceSummary = z.object({
  groupBy: z.enum(['account', 'repository']),
  groups: z.array(DependencyComplianceGroup),
  totals: DependencyComplianceGroup,
});
export type DependencyComplianceSummary = z.infer<typeof DependencyComplianceSummary>;

const RepositoryParams = z.strictObject({ repositoryId: Id });
const TAG = 'Dependency patching';

export const listRepositories = defineEndpoint({
  operationId: 'listRepositories',
  method: 'GET',
  path: '/api/v1/repositories',
  tag: TAG,
  summary: 'List the source repositories watched for vulnerable dependencies, with their compliance',
  auth: 'authenticated',
  access: 'any user (own accounts); organization roles see all',
  query: listQuery(['name', 'createdAt', 'complianceStatus'], 'name').extend({ accountId: Id.optional(), complianceStatus: RepositoryComplianceStatus.optional(), q: SearchTerm.optional() }),
  response: page(Repository),
});

export const createRepository = defineEndpoint({
  operationId: 'createRepository',
  method: 'POST',
  path: '/api/v1/accounts/{accountId}/repositories',
  tag: TAG,
  summary: 'Register a repository: git URL, branch, forge, credentials reference, schedule, grouping, severity threshold',
  description: 'The credentials reference names where the server reads the token (`file:NAME` in the account\'s folder of the secrets directory, or `env:PATCHWARDEN_SECRET_NAME` for organization admins); the token itself is never stored or returned.',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: z.strictObject({ accountId: Id }),
  body: CreateRepositoryRequest,
  response: Repository,
  successStatus: 201,
  audit: 'repository.create',
});

export const getRepository = defineEndpoint({
  operationId: 'getRepository',
  method: 'GET',
  path: '/api/v1/repositories/{repositoryId}',
  tag: TAG,
  summary: 'Show a repository, its compliance and its last scan',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: RepositoryParams,
  response: Repository,
});

export const updateRepository = defineEndpoint({
  operationId: 'updateRepository',
  method: 'PUT',
  path: '/api/v1/repositories/{repositoryId}',
  tag: TAG,
  summary: 'Replace a repository\'s settings (all fields)',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: RepositoryParams,
  body: UpdateRepositoryRequest,
  response: Repository,
  audit: 'repository.update',
});

export const deleteRepository = defineEndpoint({
  operationId: 'deleteRepository',
  method: 'DELETE',
  path: '/api/v1/repositories/{repositoryId}',
  tag: TAG,
  summary: 'Stop watching a repository: its scans, findings and pull request records are deleted (pull requests on the forge stay)',
  auth: 'authenticated',
  access: 'admin of the account; org-admin',
  params: RepositoryParams,
  response: z.undefined(),
  successStatus: 204,
  audit: 'repository.delete',
});

export const scanRepository = defineEndpoint({
  operationId: 'scanRepository',
  method: 'POST',
  path: '/api/v1/repositories/{repositoryId}/scans',
  tag: TAG,
  summary: 'Scan a repository now (clone, scan, and open pull requests when enabled); answers at once with the queued scan',
  auth: 'authenticated',
  access: 'operator or admin of the account; org-admin',
  params: RepositoryParams,
  response: RepositoryScan,
  successStatus: 202,
  audit: 'repository.scan',
});

export const listRepositoryScans = defineEndpoint({
  operationId: 'listRepositoryScans',
  method: 'GET',
  path: '/api/v1/repositories/{repositoryId}/scans',
  tag: TAG,
  summary: 'The scan history of a repository, newest first',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: RepositoryParams,
  query: listQuery(['createdAt'], '-createdAt'),
  response: page(RepositoryScan),
});

export const getRepositoryScan = defineEndpoint({
  operationId: 'getRepositoryScan',
  method: 'GET',
  path: '/api/v1/repositories/{repositoryId}/scans/{scanId}',
  tag: TAG,
  summary: 'One scan of a repository (poll it after scanRepository)',
  auth: 'authenticated',
  access: 'viewer of the account; organization roles',
  params: z.strictObject({ repositoryId: Id, scanId: Id }),
  response: RepositoryScan,
});

export const listDependencyFindings = defineEndpoint({
  operationId: 'listDependencyFindings',
  method: 'GET',
  path: '/api/v1/dependencies/findings',
  tag: TAG,
  summary: 'Open vulnerable-dependency findings of the repositories you can see (from each repository\'s last successful scan)',
  auth: 'authenticated',
  access: 'any user: only the accounts they can see (organization roles: all)',
  query: listQuery(['severity', 'package', 'firstSeenAt', 'dueAt'], '-severity').extend({
    accountId: Id.optional(),
    repositoryId: Id.optional(),
    severity: DepsSeverityName.optional(),
    package: FreeText(1, 256).optional(),
    cve: FreeText(3, 64).optional(),
    overdue: QueryBoolean.optional(),
    /** Include findings below the repository's threshold (default false). */
    all: QueryBoolean.optional(),
  }),
  response: page(DependencyFinding),
});

export const listDependencyPullRequests = defineEndpoint({
  operationId: 'listDependencyPullRequests',
  method: 'GET',
  path: '/api/v1/dependencies/pull-requests',
  tag: TAG,
  summary: 'Pull requests Patchwarden opened (or branches it prepared) for vulnerable dependencies',
  auth: 'authenticated',
  access: 'any user: only the accounts they can see (organization roles: all)',
  query: listQuery(['updatedAt', 'createdAt'], '-updatedAt').extend({ accountId: Id.optional(), repositoryId: Id.optional(), state: z.enum(['open', 'closed', 'merged', 'local']).optional() }),
  response: page(DependencyPullRequest),
});

export const getDependencyCompliance = defineEndpoint({
  operationId: 'getDependencyCompliance',
  method: 'GET',
  path: '/api/v1/dependencies/compliance',
  tag: TAG,
  summary: 'Dependency compliance per account or per repository: compliant repositories, findings by severity, overdue findings (SLA)',
  description: 'A repository is compliant when its last successful scan found nothing at or above its severity threshold; unknown before its first successful scan. Overdue: open longer than the SLA days of its severity (compliance settings), counted from when it was first seen.',
  auth: 'authenticated',
  access: 'any user: only the accounts they can see (organization roles: all)',
  query: z.strictObject({ groupBy: z.enum(['account', 'repository']).default('account'), accountId: Id.optional() }),
  response: DependencyComplianceSummary,
});

/** The dependency-patching endpoints (issue 8), spread into api.ts `endpoints`. */
export const repositoriesEndpoints = {
  listRepositories,
  createRepository,
  getRepository,
  updateRepository,
  deleteRepository,
  scanRepository,
  listRepositoryScans,
  getRepositoryScan,
  listDependencyFindings,
  listDependencyPullRequests,
  getDependencyCompliance,
} satisfies Record<string, AnyEndpoint>;
