import type pino from 'pino';
import { accountAccess, type AccessSubject, type AccountAction } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { NewAuditEntry, Store } from '../../store/index.js';
import type { ServerConfig } from '../config.js';

/** The user behind a request, with the roles the access rules look at. */
export interface Principal extends AccessSubject {
  userId: string;
  username: string;
  via: 'session' | 'token';
  sessionId?: string;
  tokenId?: string;
  csrfToken?: string;
  mustChangePassword: boolean;
}

/** Who asks, from where: passed to every service call. */
export interface RequestContext {
  principal: Principal | null;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export type Clock = () => Date;

/** What services need: the store, the clock, the configuration and a logger. */
export interface ServiceDeps {
  store: Store;
  clock: Clock;
  config: ServerConfig;
  logger: pino.Logger;
}

/** The authenticated principal of a request (routes that need one are only reached with one). */
export function principalOf(ctx: RequestContext): Principal {
  if (ctx.principal === null) throw new AppError('unauthenticated', 'Sign in first: `patchwarden login`, or send an API token as `Authorization: Bearer <token>`.');
  return ctx.principal;
}

/**
 * Throws unless the principal may do `action` in the account: 404 when the account is not theirs
 * to see (its existence is not revealed), 403 when they see it but lack the role.
 */
export function requireAccountAccess(ctx: RequestContext, accountId: string, action: AccountAction): Principal {
  const principal = principalOf(ctx);
  const decision = accountAccess(principal, accountId, action);
  if (decision === 'allow') return principal;
  if (decision === 'hidden') throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`, { denied: true });
  const needed = action === 'read' ? 'viewer' : action === 'operate' ? 'operator' : 'admin';
  throw new AppError('forbidden', `This needs the ${needed} role in account "${accountId}" (or org-admin); ask an admin of the account to grant it.`, { denied: true });
}

/** Throws 403 naming the needed role. */
export function forbid(message: string): never {
  throw new AppError('forbidden', message, { denied: true });
}

/** An audit entry for a change made in this request context. */
export function auditEntry(
  ctx: RequestContext,
  at: Date,
  e: {
    action: string;
    outcome?: NewAuditEntry['outcome'];
    targetType?: string | null;
    targetId?: string | null;
    accountId?: string | null;
    details?: Record<string, unknown>;
  },
): NewAuditEntry {
  const p = ctx.principal;
  return {
    at: at.toISOString(),
    actorType: p === null ? 'anonymous' : 'user',
    actorId: p?.userId ?? null,
    actorName: p?.username ?? 'anonymous',
    via: p?.via ?? null,
    action: e.action,
    outcome: e.outcome ?? 'success',
    targetType: e.targetType ?? null,
    targetId: e.targetId ?? null,
    accountId: e.accountId ?? null,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
    details: e.details ?? {},
  };
}

/** The context of work the server does on its own (first start, scheduled jobs). */
export function systemContext(requestId: string): RequestContext {
  return { principal: null, ip: 'local', userAgent: null, requestId };
}
