/**
 * Roles and the access rules of Patchwarden. Pure: no IO.
 *
 * Organization roles apply to every account: `org-admin` may do everything, `org-auditor` may read
 * everything (including the audit log) and change nothing. Account roles apply to one account:
 * `viewer` reads, `operator` also runs operations, `admin` also manages the account (members,
 * settings, activations).
 */
export const ACCOUNT_ROLES = ['viewer', 'operator', 'admin'] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export const ORG_ROLES = ['org-admin', 'org-auditor'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** What one may do in an account, from least to most. */
export type AccountAction = 'read' | 'operate' | 'manage';

/** The part of a principal the access rules look at. */
export interface AccessSubject {
  orgRole: OrgRole | null;
  /** accountId -> role */
  memberships: ReadonlyMap<string, AccountRole>;
}

/**
 * The decision on one account: `allow`; `forbidden` (the subject sees the account but lacks the
 * role: HTTP 403); `hidden` (the subject has no role there at all: HTTP 404, so that the existence
 * of a foreign account's objects is not revealed).
 */
export type AccessDecision = 'allow' | 'forbidden' | 'hidden';

const ACTION_RANK: Record<AccountAction, number> = { read: 0, operate: 1, manage: 2 };
const ROLE_RANK: Record<AccountRole, number> = { viewer: 0, operator: 1, admin: 2 };

/**
 * Decides whether `subject` may perform `action` in account `accountId`.
 *
 * @example
 *   accountAccess({ orgRole: null, memberships: new Map([['a1', 'viewer']]) }, 'a1', 'operate') // 'forbidden'
 */
export function accountAccess(subject: AccessSubject, accountId: string, action: AccountAction): AccessDecision {
  if (subject.orgRole === 'org-admin') return 'allow';
  const role = subject.memberships.get(accountId);
  if (role !== undefined && ROLE_RANK[role] >= ACTION_RANK[action]) return 'allow';
  if (subject.orgRole === 'org-auditor') return action === 'read' ? 'allow' : 'forbidden';
  return role === undefined ? 'hidden' : 'forbidden';
}

/** Organization-wide reads (all accounts, all users, the whole audit log): org-admin and org-auditor. */
export function canReadOrganization(subject: AccessSubject): boolean {
  return subject.orgRole === 'org-admin' || subject.orgRole === 'org-auditor';
}

/** Organization-wide changes (accounts, users, org roles): org-admin only. */
export function canManageOrganization(subject: AccessSubject): boolean {
  return subject.orgRole === 'org-admin';
}

/**
 * The accounts whose objects the subject may read: `'all'` for organization roles, else the ids
 * of its memberships.
 */
export function readableAccounts(subject: AccessSubject): 'all' | string[] {
  if (canReadOrganization(subject)) return 'all';
  return [...subject.memberships.keys()];
}

/** The accounts in which the subject holds at least `role` (organization roles excluded). */
export function accountsWithRole(subject: AccessSubject, role: AccountRole): string[] {
  const out: string[] = [];
  for (const [accountId, r] of subject.memberships) if (ROLE_RANK[r] >= ROLE_RANK[role]) out.push(accountId);
  return out;
}
