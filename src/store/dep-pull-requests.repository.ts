import { sql, type Kysely, type Selectable } from 'kysely';
import type { DepPullRequestsTable } from './dep-repositories.schema.js';
import { scopeCondition, type DepPullRequestRecord, type DepScope, type DepsSeverity } from './dep-repositories.repository.js';
import { fetchPage, type Page, type PageRequest } from './paging.js';
import type { Database } from './schema.js';

function toPullRequest(r: Selectable<DepPullRequestsTable>): DepPullRequestRecord {
  return {
    id: r.id,
    repositoryId: r.repository_id,
    accountId: r.account_id,
    branch: r.branch,
    number: r.number === null ? null : Number(r.number),
    url: r.url,
    state: r.state as DepPullRequestRecord['state'],
    title: r.title,
    packages: JSON.parse(r.packages) as DepPullRequestRecord['packages'],
    advisories: JSON.parse(r.advisories) as string[],
    severity: r.severity as DepsSeverity,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    closedAt: r.closed_at,
  };
}

/**
 * The pull requests Patchwarden opened (or branches it prepared) for vulnerable dependencies of a
 * watched repository: one record per branch and forge number (a branch prepared without a forge
 * has no number); they go with their repository.
 */
export class DepPullRequestsRepository {
  constructor(protected readonly db: Kysely<Database>) {}

  /** The record of a pull request (by branch and number), or of the branch prepared without one. */
  async find(repositoryId: string, branch: string, number: number | null): Promise<DepPullRequestRecord | undefined> {
    let q = this.db.selectFrom('dep_pull_requests').selectAll().where('repository_id', '=', repositoryId).where('branch', '=', branch);
    q = number === null ? q.where('number', 'is', null) : q.where('number', '=', number);
    const row = await q.orderBy('created_at', 'desc').executeTakeFirst();
    return row === undefined ? undefined : toPullRequest(row);
  }

  async insert(p: DepPullRequestRecord): Promise<void> {
    await this.db
      .insertInto('dep_pull_requests')
      .values({
        id: p.id,
        repository_id: p.repositoryId,
        account_id: p.accountId,
        branch: p.branch,
        number: p.number,
        url: p.url,
        state: p.state,
        title: p.title,
        packages: JSON.stringify(p.packages),
        advisories: JSON.stringify(p.advisories),
        severity: p.severity,
        created_at: p.createdAt,
        updated_at: p.updatedAt,
        closed_at: p.closedAt,
      })
      .execute();
  }

  async update(p: DepPullRequestRecord): Promise<void> {
    await this.db
      .updateTable('dep_pull_requests')
      .set({ number: p.number, url: p.url, state: p.state, title: p.title, packages: JSON.stringify(p.packages), advisories: JSON.stringify(p.advisories), severity: p.severity, updated_at: p.updatedAt, closed_at: p.closedAt })
      .where('id', '=', p.id)
      .execute();
  }

  async list(scope: DepScope & { state?: DepPullRequestRecord['state'] | undefined }, page: PageRequest): Promise<Page<DepPullRequestRecord & { repositoryName: string }>> {
    let q = this.db
      .selectFrom('dep_pull_requests')
      .innerJoin('dep_repositories', 'dep_repositories.id', 'dep_pull_requests.repository_id')
      .selectAll('dep_pull_requests')
      .select('dep_repositories.name as repository_name')
      .where(scopeCondition('dep_pull_requests.account_id', scope));
    if (scope.repositoryId !== undefined) q = q.where('dep_pull_requests.repository_id', '=', scope.repositoryId);
    if (scope.state !== undefined) q = q.where('dep_pull_requests.state', '=', scope.state);
    return fetchPage(q, page, { updatedAt: 'dep_pull_requests.updated_at', createdAt: 'dep_pull_requests.created_at' }, 'dep_pull_requests.id', (r) => ({ ...toPullRequest(r), repositoryName: r.repository_name }));
  }

  /** The open pull requests of these repositories. */
  async openOf(repositoryIds: readonly string[]): Promise<DepPullRequestRecord[]> {
    if (repositoryIds.length === 0) return [];
    const rows = await this.db.selectFrom('dep_pull_requests').selectAll().where('repository_id', 'in', [...repositoryIds]).where('state', '=', 'open').orderBy('updated_at', 'desc').execute();
    return rows.map(toPullRequest);
  }

  /** Open pull requests per repository, over a scope. */
  async openCounts(scope: DepScope): Promise<Map<string, number>> {
    let q = this.db.selectFrom('dep_pull_requests').select(['repository_id', sql<number>`count(*)`.as('n')]).where('state', '=', 'open').where(scopeCondition('dep_pull_requests.account_id', scope));
    if (scope.repositoryId !== undefined) q = q.where('repository_id', '=', scope.repositoryId);
    const rows = await q.groupBy('repository_id').execute();
    return new Map(rows.map((r) => [r.repository_id, Number(r.n)]));
  }
}
