import { join } from 'node:path';
import { nextStarts, parseSchedule } from '../../domain/schedules.js';
import type { DependencyComplianceGroup, DependencyPullRequest, Repository, RepositoryScan } from '../../contracts/api.js';
import type { DepFindingCount, DepFindingRecord, DepPullRequestRecord, DepRepositoryRecord, DepScanRecord, DepSlaDays, DepsSeverity } from '../../store/index.js';
import { dataDirOf } from '../config.js';
import type { ServiceDeps } from './context.js';
import { isEnvRef } from './repository-credentials.js';

/** How watched repositories, their scans, pull requests and compliance groups are shown (pure helpers of the repositories service). */

const SEVERITIES: readonly DepsSeverity[] = ['critical', 'high', 'medium', 'low', 'unknown'];

/** Where the server keeps the clone of a repository. */
export function cloneDirOf(deps: Pick<ServiceDeps, 'config'>, repositoryId: string): string {
  return join(dataDirOf(deps.config), 'repositories', repositoryId);
}

/** The next scheduled scan of a repository after `after` (null: disabled or on demand only). */
export function nextScanOf(r: Pick<DepRepositoryRecord, 'enabled' | 'schedule' | 'timezone' | 'createdAt'>, after: Date): string | null {
  if (!r.enabled || r.schedule === null) return null;
  const parsed = parseSchedule(r.schedule);
  if (!parsed.ok) return null;
  return nextStarts(parsed.schedule, r.timezone, after, 1, { anchor: new Date(r.createdAt) })[0]?.toISOString() ?? null;
}

export function scanView(s: DepScanRecord): RepositoryScan {
  return {
    id: s.id,
    repositoryId: s.repositoryId,
    accountId: s.accountId,
    trigger: s.trigger,
    status: s.status,
    requestedBy: s.requestedBy,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    commit: s.commit,
    lockfiles: s.lockfiles,
    packages: s.packages,
    findings: s.findings,
    errors: s.errors,
    error: s.error,
    pullRequests: s.pullRequests,
  };
}

export function emptySeverityCounts(): Record<DepsSeverity, number> {
  return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
}

export function pullRequestView(p: DepPullRequestRecord & { repositoryName: string }): DependencyPullRequest {
  return {
    id: p.id,
    repositoryId: p.repositoryId,
    repositoryName: p.repositoryName,
    accountId: p.accountId,
    branch: p.branch,
    number: p.number,
    url: p.url,
    state: p.state,
    title: p.title,
    packages: p.packages,
    advisories: p.advisories,
    severity: p.severity,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    closedAt: p.closedAt,
  };
}

/** firstSeenAt + the SLA days of the severity (null without one; `unknown` has none). */
export function dueAtOf(f: Pick<DepFindingRecord, 'severity' | 'firstSeenAt'>, sla: DepSlaDays): string | null {
  if (f.severity === 'unknown') return null;
  const days = sla[f.severity];
  return days === undefined ? null : new Date(Date.parse(f.firstSeenAt) + days * 86_400_000).toISOString();
}

export function emptyGroup(key: string, label: string): DependencyComplianceGroup {
  return { key, label, repositories: 0, compliant: 0, nonCompliant: 0, unknown: 0, findings: emptySeverityCounts(), overdueFindings: 0, overdueRepositories: 0, openPullRequests: 0 };
}

export function addRepository(g: DependencyComplianceGroup, status: Repository['complianceStatus'], counts: readonly DepFindingCount[], openPullRequests: number): void {
  g.repositories += 1;
  if (status === 'COMPLIANT') g.compliant += 1;
  else if (status === 'NON_COMPLIANT') g.nonCompliant += 1;
  else g.unknown += 1;
  let overdue = 0;
  for (const c of counts) {
    if (SEVERITIES.includes(c.severity)) g.findings[c.severity] += c.findings;
    overdue += c.overdue;
  }
  g.overdueFindings += overdue;
  if (overdue > 0) g.overdueRepositories += 1;
  g.openPullRequests += openPullRequests;
}

/** What the audit log keeps of a repository's settings: never a secret (the credentials reference only names where it is). */
export function settingsAudit(r: DepRepositoryRecord): Record<string, unknown> {
  return {
    name: r.name,
    gitUrl: r.gitUrl,
    branch: r.branch,
    forge: r.forge.kind,
    credentialsRef: r.credentialsRef,
    serverWideCredentials: isEnvRef(r.credentialsRef),
    schedule: r.schedule,
    timezone: r.timezone,
    grouping: r.grouping,
    severityThreshold: r.severityThreshold,
    openPullRequests: r.openPullRequests,
    enabled: r.enabled,
  };
}
