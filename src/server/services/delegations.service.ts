import { accountAccess, canManageOrganization, readableAccounts } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { AutomationSettings, CreateDelegationRequest, Delegation, UpdateAutomationSettingsRequest } from '../../contracts/api.js';
import { delegationState, newId, type DelegationRecord, type Page, type PageRequest } from '../../store/index.js';
import { parseAllowedHost } from '../automation/http-check.js';
import { auditEntry, forbid, principalOf, requireAccountAccess, type RequestContext, type ServiceDeps } from './context.js';

/** At most this many active delegations per granting account (a sanity bound). */
const MAX_ACTIVE = 200;

/**
 * Delegations: a target account grants the organization's management account the right to run
 * runbooks in it (see delegation-check.ts for how executions use them), and the organization's
 * automation settings. Readers of the granting account, and of the management account that
 * receives the grant, see a delegation; admins of the granting account (or org-admins) grant and
 * revoke; only org-admins change the automation settings.
 */
export class DelegationsService {
  constructor(protected readonly deps: ServiceDeps) {}

  private async view(d: DelegationRecord, names?: Map<string, string>): Promise<Delegation> {
    const n = names ?? (await this.deps.store.accounts.names([d.accountId, d.granteeAccountId]));
    return {
      ...d,
      accountName: n.get(d.accountId) ?? d.accountId,
      granteeAccountName: n.get(d.granteeAccountId) ?? d.granteeAccountId,
      status: delegationState(d, this.deps.clock().toISOString()),
    };
  }

  private notFound(id: string): AppError {
    return new AppError('not_found', `Delegation "${id}" does not exist or is not yours to see; list them with \`patchwarden delegations list\`.`, { denied: true });
  }

  /** The delegation, when the caller may read the granting or the receiving account. */
  private async readable(ctx: RequestContext, id: string): Promise<DelegationRecord> {
    const principal = principalOf(ctx);
    const d = await this.deps.store.delegations.get(id);
    if (d === undefined) throw new AppError('not_found', `Delegation "${id}" does not exist; list them with \`patchwarden delegations list\`.`);
    if (accountAccess(principal, d.accountId, 'read') !== 'allow' && accountAccess(principal, d.granteeAccountId, 'read') !== 'allow') throw this.notFound(id);
    return d;
  }

  async list(ctx: RequestContext, query: PageRequest & { accountId?: string | undefined; active?: boolean | undefined }): Promise<Page<Delegation>> {
    const principal = principalOf(ctx);
    const readable = readableAccounts(principal);
    let accountIds: 'all' | string[] = readable;
    if (query.accountId !== undefined) {
      requireAccountAccess(ctx, query.accountId, 'read');
      accountIds = [query.accountId];
    }
    const page = await this.deps.store.delegations.list({ accountIds, active: query.active, now: this.deps.clock().toISOString() }, query);
    const ids = [...new Set(page.items.flatMap((d) => [d.accountId, d.granteeAccountId]))];
    const names = await this.deps.store.accounts.names(ids);
    return { ...page, items: await Promise.all(page.items.map((d) => this.view(d, names))) };
  }

  async get(ctx: RequestContext, id: string): Promise<Delegation> {
    return this.view(await this.readable(ctx, id));
  }

  async grant(ctx: RequestContext, accountId: string, input: CreateDelegationRequest): Promise<Delegation> {
    const principal = requireAccountAccess(ctx, accountId, 'manage');
    const account = await this.deps.store.accounts.get(accountId);
    if (account === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    const org = await this.deps.store.organizations.get();
    if (org === undefined) throw new AppError('unavailable', 'The organization is not set up yet; restart the server to finish the first start.');
    if (accountId === org.managementAccountId) {
      throw new AppError(
        'validation',
        `Account "${account.name}" is the management account: its own executions need no delegation. Grant delegations from the other accounts (patchwarden delegations grant --account <account>).`,
      );
    }
    const now = this.deps.clock();
    if (input.expiresAt !== undefined && Date.parse(input.expiresAt) <= now.getTime()) {
      throw new AppError('validation', `expiresAt ${input.expiresAt} is not in the future; give a later time (or leave it out for a delegation without expiry).`);
    }
    const active = await this.deps.store.delegations.list({ accountIds: [accountId], active: true, now: now.toISOString() }, { limit: 1, offset: 0, sort: 'createdAt' });
    if (active.total >= MAX_ACTIVE) throw new AppError('conflict', `Account "${account.name}" has ${MAX_ACTIVE} active delegations, the most it may have; revoke unused ones first.`);
    const runbooks = input.runbooks.includes('*') ? ['*'] : input.runbooks;
    const d: DelegationRecord = {
      id: newId('dlg'),
      accountId,
      granteeAccountId: org.managementAccountId,
      runbooks,
      roles: input.roles,
      comment: input.comment ?? '',
      expiresAt: input.expiresAt === undefined ? null : new Date(input.expiresAt).toISOString(),
      createdAt: now.toISOString(),
      createdBy: principal.username,
      revokedAt: null,
      revokedBy: null,
    };
    await this.deps.store.transaction(async (tx) => {
      await tx.delegations.insert(d);
      await tx.audit.append(
        auditEntry(ctx, now, {
          action: 'delegation.grant',
          targetType: 'delegation',
          targetId: d.id,
          accountId,
          details: { granteeAccountId: d.granteeAccountId, runbooks: d.runbooks, roles: d.roles, expiresAt: d.expiresAt, comment: d.comment },
        }),
      );
    });
    return this.view(d);
  }

  async revoke(ctx: RequestContext, id: string): Promise<Delegation> {
    const d = await this.readable(ctx, id);
    requireAccountAccess(ctx, d.accountId, 'manage');
    const principal = principalOf(ctx);
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.delegations.revoke(id, principal.username, now.toISOString()))) {
        throw new AppError('conflict', `Delegation "${id}" was revoked already (${d.revokedAt ?? 'just now'}); grant a new one if needed.`);
      }
      await tx.audit.append(
        auditEntry(ctx, now, { action: 'delegation.revoke', targetType: 'delegation', targetId: id, accountId: d.accountId, details: { granteeAccountId: d.granteeAccountId, runbooks: d.runbooks, roles: d.roles } }),
      );
    });
    const after = await this.deps.store.delegations.get(id);
    return this.view(after ?? d);
  }

  private async orgId(): Promise<string> {
    const org = await this.deps.store.organizations.get();
    if (org === undefined) throw new AppError('unavailable', 'The organization is not set up yet; restart the server to finish the first start.');
    return org.id;
  }

  async settings(ctx: RequestContext): Promise<AutomationSettings> {
    principalOf(ctx);
    const s = await this.deps.store.delegations.getSettings(await this.orgId());
    return { checkAllowedHosts: s.checkAllowedHosts, updatedAt: s.updatedAt, updatedBy: s.updatedBy };
  }

  async updateSettings(ctx: RequestContext, input: UpdateAutomationSettingsRequest): Promise<AutomationSettings> {
    const principal = principalOf(ctx);
    if (!canManageOrganization(principal)) forbid('Changing the automation settings needs the org-admin role.');
    const hosts: string[] = [];
    const errors: { path: string; message: string }[] = [];
    input.checkAllowedHosts.forEach((entry, i) => {
      const p = parseAllowedHost(entry);
      if (!p.ok) errors.push({ path: `checkAllowedHosts.${i}`, message: p.error });
      else if (!hosts.includes(p.entry)) hosts.push(p.entry);
    });
    if (errors.length > 0) {
      throw new AppError('validation', `Invalid allowed host${errors.length > 1 ? 's' : ''}: ${errors.map((e) => e.message).join('; ')}.`, { details: errors });
    }
    const orgId = await this.orgId();
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      const before = await tx.delegations.getSettings(orgId);
      await tx.delegations.putSettings({ organizationId: orgId, checkAllowedHosts: hosts, updatedAt: now.toISOString(), updatedBy: principal.username });
      await tx.audit.append(
        auditEntry(ctx, now, { action: 'automation.settings.update', targetType: 'organization', targetId: orgId, details: { from: { checkAllowedHosts: before.checkAllowedHosts }, to: { checkAllowedHosts: hosts } } }),
      );
    });
    return this.settings(ctx);
  }
}
