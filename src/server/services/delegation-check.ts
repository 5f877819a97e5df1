import type { Repositories } from '../../store/index.js';
import type { DelegationRecord } from '../../store/delegations.repository.js';

/** The role of the user (or the system, for windows and policies) who starts an execution. */
export type StarterRole = 'org-admin' | 'admin' | 'operator';

export interface DelegationQuery {
  /** The account that owns the execution (where it was started). */
  ownerAccountId: string;
  /** The account the execution wants to act in. */
  targetAccountId: string;
  runbookName: string;
  starterRole: StarterRole;
}

export type DelegationDecision = { allowed: true; delegationId: string | null } | { allowed: false; reason: string };

/** Whether a delegation covers the runbook and the starter's role. */
export function delegationCovers(d: Pick<DelegationRecord, 'runbooks' | 'roles'>, runbookName: string, role: StarterRole): boolean {
  return (d.runbooks.includes('*') || d.runbooks.includes(runbookName)) && d.roles.includes(role);
}

async function accountLabel(repos: Repositories, id: string): Promise<string> {
  const a = await repos.accounts.get(id);
  return a === undefined ? id : a.name;
}

/**
 * May an execution owned by `q.ownerAccountId` act in `q.targetAccountId`?
 *
 * - Same account: allowed, no delegation needed (`delegationId` null).
 * - Otherwise the owner must be the organization's management account, and the target account
 *   must have granted it an active delegation (not revoked, not expired at `now`) whose runbooks
 *   contain `*` or the runbook's name and whose roles contain the starter's role. The oldest
 *   matching grant is used.
 *
 * A refusal's reason names what is missing and how to grant it.
 */
export async function checkDelegation(repos: Repositories, q: DelegationQuery, now: Date): Promise<DelegationDecision> {
  if (q.targetAccountId === q.ownerAccountId) return { allowed: true, delegationId: null };
  const org = await repos.organizations.get();
  if (org === undefined) return { allowed: false, reason: 'the organization is not set up yet; cross-account executions need a management account' };
  if (q.ownerAccountId !== org.managementAccountId) {
    const mgmt = await accountLabel(repos, org.managementAccountId);
    return { allowed: false, reason: `cross-account executions start from the management account ${mgmt}` };
  }
  const target = await repos.accounts.get(q.targetAccountId);
  if (target === undefined) return { allowed: false, reason: `account ${q.targetAccountId} does not exist` };
  const grants = await repos.delegations.activeGrants(q.targetAccountId, q.ownerAccountId, now.toISOString());
  const match = grants.find((d) => delegationCovers(d, q.runbookName, q.starterRole));
  if (match !== undefined) return { allowed: true, delegationId: match.id };
  const mgmt = await accountLabel(repos, org.managementAccountId);
  const fix = `an admin of ${target.name} can grant it: patchwarden delegations grant --account ${target.name} --runbooks ${q.runbookName} --roles ${q.starterRole}`;
  let missing: string;
  if (grants.length === 0) {
    missing = `account ${target.name} has no active delegation to the management account ${mgmt}`;
  } else if (!grants.some((d) => d.runbooks.includes('*') || d.runbooks.includes(q.runbookName))) {
    missing = `no active delegation of account ${target.name} covers runbook ${q.runbookName}`;
  } else {
    missing = `no active delegation of account ${target.name} for runbook ${q.runbookName} allows the role ${q.starterRole}`;
  }
  return { allowed: false, reason: `${missing}; ${fix}` };
}
