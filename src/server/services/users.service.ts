import { accountsWithRole, canManageOrganization, canReadOrganization, readableAccounts, type OrgRole } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { CreateUserRequest, UpdateUserRequest, User } from '../../contracts/api.js';
import { isUniqueViolation, toUser, type Page, type PageRequest, type UserRecord } from '../../store/index.js';
import { hashPassword } from '../auth/secrets.js';
import { auditEntry, forbid, principalOf, type Principal, type RequestContext, type ServiceDeps } from './context.js';

export interface UserListQuery extends PageRequest {
  q?: string | undefined;
  orgRole?: OrgRole | undefined;
  accountId?: string | undefined;
  disabled?: boolean | undefined;
}

/** Users, their organization roles and passwords. Account roles are set through AccountsService. */
export class UsersService {
  constructor(private readonly deps: ServiceDeps) {}

  /** The accounts whose members the principal may see: 'all' for organization roles. */
  private visibleScope(principal: Principal): 'all' | string[] {
    return canReadOrganization(principal) ? 'all' : accountsWithRole(principal, 'admin');
  }

  private async canSee(principal: Principal, userId: string): Promise<boolean> {
    if (principal.userId === userId) return true;
    const scope = this.visibleScope(principal);
    if (scope === 'all') return true;
    const theirs = await this.deps.store.memberships.rolesOf(userId);
    return scope.some((accountId) => theirs.has(accountId));
  }

  /** Users as `principal` may see them: memberships in accounts the principal has no role in are left out. */
  private async view(principal: Principal, records: UserRecord[]): Promise<User[]> {
    const memberships = await this.deps.store.memberships.ofUsers(records.map((r) => r.id));
    const readable = readableAccounts(principal);
    const visible = (m: { accountId: string }) => readable === 'all' || readable.includes(m.accountId);
    return records.map((r) => toUser(r, (memberships.get(r.id) ?? []).filter(visible)));
  }

  private async mustSee(ctx: RequestContext, userId: string): Promise<UserRecord> {
    const principal = principalOf(ctx);
    const record = (await this.canSee(principal, userId)) ? await this.deps.store.users.get(userId) : undefined;
    if (record === undefined) throw new AppError('not_found', `User "${userId}" does not exist or is not yours to see.`, { denied: true });
    return record;
  }

  async list(ctx: RequestContext, query: UserListQuery): Promise<Page<User>> {
    const principal = principalOf(ctx);
    const scope = this.visibleScope(principal);
    if (scope !== 'all' && scope.length === 0) forbid('Listing users needs an organization role or the admin role in an account.');
    const page = await this.deps.store.users.list(
      {
        inAccounts: scope,
        q: query.q,
        orgRole: query.orgRole,
        accountId: query.accountId,
        disabled: query.disabled,
      },
      query,
    );
    return { ...page, items: await this.view(principal, page.items) };
  }

  async get(ctx: RequestContext, userId: string): Promise<User> {
    const [user] = await this.view(principalOf(ctx), [await this.mustSee(ctx, userId)]);
    return user as User;
  }

  async create(ctx: RequestContext, input: CreateUserRequest): Promise<User> {
    const principal = principalOf(ctx);
    const memberships = input.memberships ?? [];
    if (!canManageOrganization(principal)) {
      const administered = new Set(accountsWithRole(principal, 'admin'));
      if (administered.size === 0) forbid('Creating users needs the org-admin role, or the admin role in an account.');
      if (input.orgRole !== undefined && input.orgRole !== null) forbid('Only an org-admin can give an organization role.');
      if (memberships.length === 0) throw new AppError('validation', 'As an account admin, give the new user a role in at least one of your accounts (memberships).');
      const foreign = memberships.filter((m) => !administered.has(m.accountId));
      if (foreign.length > 0) forbid(`You are not admin of account(s) ${foreign.map((m) => m.accountId).join(', ')}.`);
    }
    const accountNames = await this.deps.store.accounts.names(memberships.map((m) => m.accountId));
    const missing = memberships.filter((m) => !accountNames.has(m.accountId));
    if (missing.length > 0) throw new AppError('not_found', `Account(s) ${missing.map((m) => m.accountId).join(', ')} do not exist.`);
    const passwordHash = await hashPassword(input.password);
    const now = this.deps.clock();
    let created: UserRecord;
    try {
      created = await this.deps.store.transaction(async (tx) => {
        const user = await tx.users.insert({
          username: input.username,
          displayName: input.displayName ?? input.username,
          email: input.email ?? null,
          passwordHash,
          orgRole: input.orgRole ?? null,
          mustChangePassword: input.mustChangePassword ?? true,
          now: now.toISOString(),
        });
        await tx.audit.append(
          auditEntry(ctx, now, {
            action: 'user.create',
            targetType: 'user',
            targetId: user.id,
            details: { username: user.username, orgRole: user.orgRole, memberships },
          }),
        );
        for (const m of memberships) {
          await tx.memberships.set(m.accountId, user.id, m.role, now.toISOString());
          await tx.audit.append(
            auditEntry(ctx, now, {
              action: 'account.member.set',
              targetType: 'user',
              targetId: user.id,
              accountId: m.accountId,
              details: { username: user.username, role: m.role, previousRole: null },
            }),
          );
        }
        return user;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `A user named "${input.username}" exists already; choose another username.`, { cause: err });
      throw err;
    }
    return this.get(ctx, created.id);
  }

  async update(ctx: RequestContext, userId: string, patch: UpdateUserRequest): Promise<User> {
    const principal = principalOf(ctx);
    const before = await this.mustSee(ctx, userId);
    const isAdmin = canManageOrganization(principal);
    const self = principal.userId === userId;
    if (!isAdmin) {
      if (!self) forbid('Changing another user needs the org-admin role; account admins change roles with `patchwarden accounts grant`.');
      if (patch.orgRole !== undefined || patch.disabled !== undefined) forbid('Changing an organization role or disabling a user needs the org-admin role.');
    }
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      const losesAdmin =
        before.orgRole === 'org-admin' &&
        !before.disabled &&
        ((patch.orgRole !== undefined && patch.orgRole !== 'org-admin') || patch.disabled === true);
      if (losesAdmin && (await tx.users.countActiveOrgAdmins()) <= 1) {
        throw new AppError('conflict', `${before.username} is the last active org-admin; make another user org-admin first.`);
      }
      await tx.users.update(userId, patch, now.toISOString());
      if (patch.disabled === true) await tx.sessions.deleteForUser(userId);
      await tx.audit.append(
        auditEntry(ctx, now, {
          action: 'user.update',
          targetType: 'user',
          targetId: userId,
          details: {
            username: before.username,
            changes: patch,
            before: { displayName: before.displayName, email: before.email, orgRole: before.orgRole, disabled: before.disabled },
          },
        }),
      );
    });
    return this.get(ctx, userId);
  }

  async setPassword(ctx: RequestContext, userId: string, password: string, mustChangePassword: boolean | undefined): Promise<void> {
    const principal = principalOf(ctx);
    const user = await this.mustSee(ctx, userId);
    if (!canManageOrganization(principal)) forbid("Resetting another user's password needs the org-admin role; change your own with POST /api/v1/me/password.");
    const hash = await hashPassword(password);
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      await tx.users.update(userId, { passwordHash: hash, mustChangePassword: mustChangePassword ?? true }, now.toISOString());
      // A reset is often the answer to a compromise: end every session and revoke every token.
      await tx.sessions.deleteForUser(userId);
      await tx.tokens.revokeForUser(userId, now.toISOString());
      await tx.audit.append(auditEntry(ctx, now, { action: 'user.password.reset', targetType: 'user', targetId: userId, details: { username: user.username } }));
    });
  }

  async delete(ctx: RequestContext, userId: string): Promise<void> {
    const principal = principalOf(ctx);
    const user = await this.mustSee(ctx, userId);
    if (!canManageOrganization(principal)) forbid('Deleting users needs the org-admin role.');
    if (principal.userId === userId) throw new AppError('conflict', 'You cannot delete yourself; ask another org-admin.');
    const now = this.deps.clock();
    await this.deps.store.transaction(async (tx) => {
      if (user.orgRole === 'org-admin' && !user.disabled && (await tx.users.countActiveOrgAdmins()) <= 1) {
        throw new AppError('conflict', `${user.username} is the last active org-admin and cannot be deleted.`);
      }
      await tx.users.delete(userId);
      await tx.audit.append(
        auditEntry(ctx, now, { action: 'user.delete', targetType: 'user', targetId: userId, details: { username: user.username, orgRole: user.orgRole } }),
      );
    });
  }
}
