import { AppError } from '../../domain/errors.js';
import type { SessionInfo, User } from '../../contracts/api.js';
import { newId, toUser, type UserRecord } from '../../store/index.js';
import { NODE_CREDENTIAL_PREFIX, parseNodeCredential } from '../auth/node-credentials.js';
import { dummyPasswordHash, hashPassword, randomSecret, safeEqual, sha256, verifyPassword } from '../auth/secrets.js';
import { auditEntry, principalOf, type NodePrincipal, type Principal, type RequestContext, type ServiceDeps } from './context.js';

export const SESSION_COOKIE = 'pw_session';
const TOKEN_PREFIX = 'pw_';

/** The outcome of reading a request's credentials: a principal, or none with the reason why. */
export type Authentication =
  | { principal: Principal; problem?: undefined; node?: undefined }
  | { principal: null; problem?: string; node?: NodePrincipal | undefined };

/** Sign-in, sessions, API token authentication and password changes. */
export class AuthService {
  constructor(private readonly deps: ServiceDeps) {}

  private now(): Date {
    return this.deps.clock();
  }

  /** Resolves the principal from an `Authorization: Bearer` token or the session cookie. */
  async authenticate(authorization: string | undefined, sessionCookie: string | undefined): Promise<Authentication> {
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (match?.[1] === undefined) return { principal: null, problem: 'The Authorization header must be "Bearer <API token>".' };
      if (match[1].startsWith(NODE_CREDENTIAL_PREFIX)) return this.authenticateNode(match[1]);
      return this.authenticateToken(match[1]);
    }
    if (sessionCookie !== undefined && sessionCookie !== '') return this.authenticateSession(sessionCookie);
    return { principal: null };
  }

  /**
   * A node credential: valid only while the node is registered. It authenticates the node (for the
   * agent routes) and never a user, so user routes answer 401 with the reason.
   */
  private async authenticateNode(credential: string): Promise<Authentication> {
    const invalid = { principal: null, problem: 'The node credential is not valid (the node may be deregistered); enroll the node again with `patchwarden agent enroll`.' } as const;
    const parsed = parseNodeCredential(credential);
    if (parsed === undefined) return invalid;
    const node = await this.deps.store.nodes.get(parsed.nodeId);
    if (node === undefined || node.deregisteredAt !== null || !safeEqual(node.secretHash, sha256(parsed.secret))) return invalid;
    return {
      principal: null,
      node: { nodeId: node.id, accountId: node.accountId, hostname: node.hostname },
      problem: 'Node credentials can call only the agent routes (/api/v1/agent/…); sign in as a user for this route.',
    };
  }

  private async authenticateToken(token: string): Promise<Authentication> {
    const invalid = { principal: null, problem: 'The API token is not valid; create a new one with `patchwarden tokens create` or `patchwarden login`.' } as const;
    const dot = token.indexOf('.');
    if (!token.startsWith(TOKEN_PREFIX) || dot < 0) return invalid;
    const id = token.slice(TOKEN_PREFIX.length, dot);
    const secret = token.slice(dot + 1);
    if (id.length > 64 || secret.length > 256) return invalid;
    const record = await this.deps.store.tokens.get(id);
    if (record === undefined || !safeEqual(record.secretHash, sha256(secret))) return invalid;
    const now = this.now();
    if (record.revokedAt !== null) return { principal: null, problem: `The API token ${TOKEN_PREFIX}${id} was revoked; create a new one.` };
    if (record.expiresAt <= now.toISOString()) return { principal: null, problem: `The API token ${TOKEN_PREFIX}${id} expired at ${record.expiresAt}; create a new one.` };
    const user = await this.deps.store.users.get(record.userId);
    if (user === undefined || user.disabled) return { principal: null, problem: 'The user of this API token is disabled or deleted.' };
    if (record.lastUsedAt === null || now.getTime() - Date.parse(record.lastUsedAt) > 60_000) {
      await this.deps.store.tokens.markUsed(id, now.toISOString());
    }
    return { principal: await this.principal(user, { via: 'token', tokenId: id }) };
  }

  private async authenticateSession(cookie: string): Promise<Authentication> {
    if (cookie.length > 256) return { principal: null, problem: 'Your session is not valid; sign in again.' };
    const session = await this.deps.store.sessions.get(sha256(cookie));
    const now = this.now();
    if (session === undefined) return { principal: null, problem: 'Your session has ended; sign in again.' };
    if (session.expiresAt <= now.toISOString()) {
      await this.deps.store.sessions.delete(session.id);
      return { principal: null, problem: 'Your session has expired; sign in again.' };
    }
    const user = await this.deps.store.users.get(session.userId);
    if (user === undefined || user.disabled) return { principal: null, problem: 'Your user is disabled or deleted.' };
    if (now.getTime() - Date.parse(session.lastSeenAt) > 60_000) await this.deps.store.sessions.touch(session.id, now.toISOString());
    return { principal: await this.principal(user, { via: 'session', sessionId: session.id, csrfToken: session.csrfToken }) };
  }

  private async principal(
    user: UserRecord,
    how: { via: 'session' | 'token'; sessionId?: string; tokenId?: string; csrfToken?: string },
  ): Promise<Principal> {
    return {
      userId: user.id,
      username: user.username,
      orgRole: user.orgRole,
      memberships: await this.deps.store.memberships.rolesOf(user.id),
      mustChangePassword: user.mustChangePassword,
      ...how,
    };
  }

  /** Checks the CSRF token of a state-changing request made with the session cookie. */
  checkCsrf(principal: Principal, header: string | undefined): void {
    if (principal.via !== 'session') return;
    if (header === undefined || principal.csrfToken === undefined || !safeEqual(header, principal.csrfToken)) {
      throw new AppError('csrf', 'Missing or wrong X-CSRF-Token header: send the csrfToken returned by POST /api/v1/auth/login or GET /api/v1/auth/session.');
    }
  }

  /** Signs in with a password; returns the new session's cookie value and its description. */
  async login(ctx: RequestContext, username: string, password: string): Promise<{ cookie: string; info: SessionInfo }> {
    const { store, config } = this.deps;
    const now = this.now();
    const since = new Date(now.getTime() - config.loginWindowMinutes * 60_000).toISOString();
    const failures = await store.loginAttempts.failuresSince(username, ctx.ip, since);
    const limitedUser = failures.byUser >= config.loginMaxFailuresPerUser;
    const limitedIp = failures.byIp >= config.loginMaxFailuresPerIp;
    if (limitedUser || limitedIp) {
      const oldest = (limitedUser ? failures.oldestUser : failures.oldestIp) ?? now.toISOString();
      const retryAfterSeconds = Math.max(1, Math.ceil((Date.parse(oldest) + config.loginWindowMinutes * 60_000 - now.getTime()) / 1000));
      await store.audit.append(
        auditEntry(ctx, now, { action: 'auth.login', outcome: 'denied', targetType: 'user', details: { username, reason: 'rate_limited' } }),
      );
      throw new AppError('rate_limited', `Too many failed sign-ins ${limitedUser ? `for "${username}"` : 'from your address'}; try again in ${retryAfterSeconds} s.`, {
        details: { retryAfterSeconds },
      });
    }
    const user = await store.users.getByUsername(username);
    const ok = user === undefined ? (await verifyPassword(password, await dummyPasswordHash()), false) : await verifyPassword(password, user.passwordHash);
    if (user === undefined || !ok || user.disabled) {
      await store.loginAttempts.record(username, ctx.ip, false, now.toISOString());
      await store.audit.append(
        auditEntry(ctx, now, {
          action: 'auth.login',
          outcome: 'failure',
          targetType: 'user',
          targetId: user?.id ?? null,
          details: { username, reason: user !== undefined && ok ? 'disabled' : 'bad_credentials' },
        }),
      );
      if (user !== undefined && ok) throw new AppError('unauthenticated', 'This user is disabled; ask an org-admin to enable it.');
      throw new AppError('unauthenticated', 'Wrong username or password.');
    }
    const cookie = randomSecret(32);
    const session = {
      id: sha256(cookie),
      userId: user.id,
      csrfToken: randomSecret(24),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + config.sessionTtlHours * 3_600_000).toISOString(),
      lastSeenAt: now.toISOString(),
    };
    const principal = await this.principal(user, { via: 'session', sessionId: session.id, csrfToken: session.csrfToken });
    await store.transaction(async (tx) => {
      await tx.sessions.insert({ ...session, ip: ctx.ip, userAgent: ctx.userAgent });
      await tx.users.update(user.id, { lastLoginAt: now.toISOString() }, now.toISOString());
      await tx.loginAttempts.clearFailures(username);
      await tx.audit.append(auditEntry({ ...ctx, principal }, now, { action: 'auth.login', targetType: 'user', targetId: user.id, details: { username } }));
    });
    return { cookie, info: { user: await this.userView(user.id), csrfToken: session.csrfToken, expiresAt: session.expiresAt } };
  }

  async logout(ctx: RequestContext): Promise<void> {
    const principal = principalOf(ctx);
    const now = this.now();
    await this.deps.store.transaction(async (tx) => {
      if (principal.sessionId !== undefined) await tx.sessions.delete(principal.sessionId);
      await tx.audit.append(auditEntry(ctx, now, { action: 'auth.logout', targetType: 'user', targetId: principal.userId }));
    });
  }

  async sessionInfo(ctx: RequestContext): Promise<SessionInfo> {
    const principal = principalOf(ctx);
    if (principal.via !== 'session' || principal.sessionId === undefined || principal.csrfToken === undefined) {
      throw new AppError('bad_request', 'This request uses an API token, not a session; use GET /api/v1/me.');
    }
    const session = await this.deps.store.sessions.get(principal.sessionId);
    if (session === undefined) throw new AppError('unauthenticated', 'Your session has ended; sign in again.');
    return { user: await this.userView(principal.userId), csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  }

  async me(ctx: RequestContext): Promise<User> {
    return this.userView(principalOf(ctx).userId);
  }

  async changePassword(ctx: RequestContext, currentPassword: string, newPassword: string): Promise<void> {
    const principal = principalOf(ctx);
    const user = await this.deps.store.users.get(principal.userId);
    if (user === undefined) throw new AppError('unauthenticated', 'Your user no longer exists.');
    if (!(await verifyPassword(currentPassword, user.passwordHash))) {
      await this.deps.store.audit.append(
        auditEntry(ctx, this.now(), { action: 'user.password.change', outcome: 'failure', targetType: 'user', targetId: user.id, details: { reason: 'wrong_current_password' } }),
      );
      throw new AppError('validation', 'The current password is wrong.', { details: [{ path: ['currentPassword'], message: 'wrong password' }] });
    }
    if (currentPassword === newPassword) throw new AppError('validation', 'The new password must differ from the current one.');
    const hash = await hashPassword(newPassword);
    const now = this.now();
    await this.deps.store.transaction(async (tx) => {
      await tx.users.update(user.id, { passwordHash: hash, mustChangePassword: false }, now.toISOString());
      await tx.sessions.deleteForUser(user.id, principal.sessionId);
      await tx.audit.append(auditEntry(ctx, now, { action: 'user.password.change', targetType: 'user', targetId: user.id }));
    });
  }

  private async userView(userId: string): Promise<User> {
    const user = await this.deps.store.users.get(userId);
    if (user === undefined) throw new AppError('unauthenticated', 'Your user no longer exists.');
    const memberships = await this.deps.store.memberships.ofUsers([userId]);
    return toUser(user, memberships.get(userId) ?? []);
  }

  /** Creates an API token for the principal; the secret is returned once. */
  static newToken(): { id: string; secret: string; token: string; secretHash: string } {
    const id = newId('tok');
    const secret = randomSecret(32);
    return { id, secret, token: `${TOKEN_PREFIX}${id}.${secret}`, secretHash: sha256(secret) };
  }
}
