import { accountsWithRole, canManageOrganization, readableAccounts } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { Account, CreateAccountRequest, Member, Organization, UpdateAccountRequest } from '../../contracts/api.js';
import type { AccountRole } from '../../domain/access.js';
import { isUniqueViolation, type Page, type PageRequest } from '../../store/index.js';
import { auditEntry, forbid, principalOf, requireAccountAccess, type RequestContext, type ServiceDeps } from './context.js';

/** The organization and its accounts, and who holds which role in them. */
export class AccountsService {
  constructor(private readonly deps: ServiceDeps) {}

  async organization(ctx: RequestContext): Promise<Organization> {
    principalOf(ctx);
    const org = await this.deps.store.organizations.get();
    if (org === undefined) throw new AppError('unavailable', 'The organization is not set up yet; restart the server to finish the first start.');
    return org;
  }

  async renameOrganization(ctx: RequestContext, name: string): Promise<Organization> {
    if (!canManageOrganization(principalOf(ctx))) forbid('Renaming the organization needs the org-admin role.');
    const org = await this.organization(ctx);
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      await tx.organizations.rename(org.id, name, now.toISOString());
      await tx.audit.append(auditEntry(ctx, now, { action: 'organization.update', targetType: 'organization', targetId: org.id, details: { from: org.name, to: name } }));
    });
    return this.organization(ctx);
  }

  async list(ctx: RequestContext, query: PageRequest & { q?: string | undefined }): Promise<Page<Account>> {
    return this.deps.store.accounts.list({ ids: readableAccounts(principalOf(ctx)), q: query.q }, query);
  }

  async get(ctx: RequestContext, accountId: string): Promise<Account> {
    requireAccountAccess(ctx, accountId, 'read');
    return this.mustExist(accountId);
  }

  private async mustExist(accountId: string): Promise<Account> {
    const account = await this.deps.store.accounts.get(accountId);
    if (account === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    return account;
  }

  async create(ctx: RequestContext, input: CreateAccountRequest): Promise<Account> {
    if (!canManageOrganization(principalOf(ctx))) forbid('Creating accounts needs the org-admin role.');
    const org = await this.organization(ctx);
    const now = this.deps.clock();
    try {
      return await this.deps.store.transaction(async (tx) => {
        const account = await tx.accounts.insert({ organizationId: org.id, name: input.name, description: input.description ?? '', now: now.toISOString() });
        await tx.audit.append(
          auditEntry(ctx, now, { action: 'account.create', targetType: 'account', targetId: account.id, accountId: account.id, details: { name: input.name } }),
        );
        return account;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `An account named "${input.name}" exists already; choose another name.`, { cause: err });
      throw err;
    }
  }

  async update(ctx: RequestContext, accountId: string, patch: UpdateAccountRequest): Promise<Account> {
    requireAccountAccess(ctx, accountId, 'manage');
    const before = await this.mustExist(accountId);
    const now = this.deps.clock();
    try {
      await this.deps.store.transaction(async (tx) => {
        await tx.accounts.update(accountId, patch, now.toISOString());
        await tx.audit.append(
          auditEntry(ctx, now, {
            action: 'account.update',
            targetType: 'account',
            targetId: accountId,
            accountId,
            details: { before: { name: before.name, description: before.description }, changes: patch },
          }),
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `An account named "${patch.name ?? ''}" exists already; choose another name.`, { cause: err });
      throw err;
    }
    return this.mustExist(accountId);
  }

  async delete(ctx: RequestContext, accountId: string): Promise<void> {
    const principal = principalOf(ctx);
    if (!canManageOrganization(principal)) {
      requireAccountAccess(ctx, accountId, 'read'); // 404 for accounts the caller cannot see
      forbid('Deleting accounts needs the org-admin role.');
    }
    const account = await this.mustExist(accountId);
    if (account.isManagement) throw new AppError('conflict', `Account "${account.name}" is the organization's management account and cannot be deleted.`);
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      await tx.accounts.delete(accountId);
      await tx.audit.append(auditEntry(ctx, now, { action: 'account.delete', targetType: 'account', targetId: accountId, accountId, details: { name: account.name } }));
    });
  }

  async members(ctx: RequestContext, accountId: string, query: PageRequest & { role?: AccountRole | undefined }): Promise<Page<Member>> {
    requireAccountAccess(ctx, accountId, 'read');
    await this.mustExist(accountId);
    return this.deps.store.memberships.list(accountId, { role: query.role }, query);
  }

  async setMember(ctx: RequestContext, accountId: string, userId: string, role: AccountRole): Promise<Member> {
    const principal = requireAccountAccess(ctx, accountId, 'manage');
    await this.mustExist(accountId);
    const user = await this.deps.store.users.get(userId);
    if (user === undefined) throw new AppError('not_found', `User "${userId}" does not exist; create it first with \`patchwarden users create\`.`);
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      const current = await tx.memberships.get(accountId, userId);
      if (current?.role === 'admin' && role !== 'admin' && !canManageOrganization(principal) && (await tx.memberships.countAdmins(accountId)) <= 1) {
        throw new AppError('conflict', `${user.username} is the last admin of this account; make another member admin first.`);
      }
      const previous = await tx.memberships.set(accountId, userId, role, now.toISOString());
      await tx.audit.append(
        auditEntry(ctx, now, {
          action: 'account.member.set',
          targetType: 'user',
          targetId: userId,
          accountId,
          details: { username: user.username, role, previousRole: previous ?? null },
        }),
      );
    });
    const member = await this.deps.store.memberships.get(accountId, userId);
    if (member === undefined) throw new AppError('internal', 'The membership vanished right after it was written.');
    return member;
  }

  async removeMember(ctx: RequestContext, accountId: string, userId: string): Promise<void> {
    const principal = requireAccountAccess(ctx, accountId, 'manage');
    await this.mustExist(accountId);
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      const current = await tx.memberships.get(accountId, userId);
      if (current === undefined) throw new AppError('not_found', `User "${userId}" has no role in account "${accountId}".`);
      if (current.role === 'admin' && !canManageOrganization(principal) && (await tx.memberships.countAdmins(accountId)) <= 1) {
        throw new AppError('conflict', `${current.username} is the last admin of this account; make another member admin first.`);
      }
      await tx.memberships.remove(accountId, userId);
      await tx.audit.append(
        auditEntry(ctx, now, { action: 'account.member.remove', targetType: 'user', targetId: userId, accountId, details: { username: current.username, role: current.role } }),
      );
    });
  }

  /** Accounts where the principal is admin (used for user management by account admins). */
  static administered(ctx: RequestContext): string[] {
    return accountsWithRole(principalOf(ctx), 'admin');
  }
}
