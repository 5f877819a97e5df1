import type { Repositories } from '../../store/index.js';

/**
 * Marks the compliance of nodes as stale after something it depends on changed (a baseline was
 * updated or deleted, an account default or a patch-group registration changed, SLA settings or
 * advisories changed); the compliance job re-evaluates stale nodes in the background. Call it in the
 * same transaction as the change. Owned by the compliance slice (issue 5).
 */
export async function markComplianceStale(repos: Repositories, scope: { accountIds: readonly string[] } | 'all'): Promise<void> {
  if (scope !== 'all' && scope.accountIds.length === 0) return;
  await repos.compliance.markStale(scope);
}
