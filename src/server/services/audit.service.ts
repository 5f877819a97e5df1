import { accountsWithRole, canReadOrganization } from '../../domain/access.js';
import type { AuditEntry } from '../../contracts/api.js';
import type { Page, PageRequest } from '../../store/index.js';
import { forbid, principalOf, type RequestContext, type ServiceDeps } from './context.js';

export interface AuditListQuery extends PageRequest {
  accountId?: string | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  outcome?: 'success' | 'denied' | 'failure' | undefined;
  targetId?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  q?: string | undefined;
}

/** Reading the audit log: organization roles read all of it, account admins their accounts' part. */
export class AuditService {
  constructor(private readonly deps: ServiceDeps) {}

  async list(ctx: RequestContext, query: AuditListQuery): Promise<Page<AuditEntry>> {
    const principal = principalOf(ctx);
    let accounts: 'all' | string[];
    if (canReadOrganization(principal)) accounts = 'all';
    else {
      accounts = accountsWithRole(principal, 'admin');
      if (accounts.length === 0) forbid('Reading the audit log needs the org-admin or org-auditor role, or the admin role in an account.');
      if (query.accountId !== undefined && !accounts.includes(query.accountId)) forbid(`You are not admin of account "${query.accountId}".`);
    }
    return this.deps.store.audit.list({ accounts, ...query }, query);
  }
}
