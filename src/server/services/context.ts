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

/** An enrolled node calling the agent routes with its own credential. */
export interface NodePrincipal {
  nodeId: string;
  accountId: string;
  hostname: string;
}

/** Who asks, from where: passed to every service call. */
export interface RequestContext {
  principal: Principal | null;
  /** Set instead of `principal` when a node credential authenticated the request. */
  node?: NodePrincipal | undefined;
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

/** The node of an agent route (only reached with a node credential). */
export function nodeOf(ctx: RequestContext): NodePrincipal {
  if (ctx.node === undefined) throw new AppError('unauthenticated', 'This route is for agents: send the node credential as `Authorization: Bearer pwn_<nodeId>.<secret>`.');
  return ctx.node;
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

/**
 * As requireAccountAccess, for an object of the account (a node, a command): when the caller may
 * not see the account, the answer is `hiddenMessage` (404), the same as for an object that does not exist.
 */
export function requireObjectAccess(ctx: RequestContext, accountId: string, action: AccountAction, hiddenMessage: string): Principal {
  const principal = principalOf(ctx);
  if (accountAccess(principal, accountId, action) === 'hidden') throw new AppError('not_found', hiddenMessage, { denied: true });
  return requireAccountAccess(ctx, accountId, action);
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
    /** The name of an anonymous actor (e.g. `activation act_…` for an enrollment). */
    actorName?: string;
  },
): NewAuditEntry {
  const p = ctx.principal;
  const node = ctx.node;
  return {
    at: at.toISOString(),
    actorType: p !== null ? 'user' : node !== undefined ? 'node' : 'anonymous',
    actorId: p?.userId ?? node?.nodeId ?? null,
    actorName: p?.username ?? (node === undefined ? (e.actorName ?? 'anonymous') : node.hostname),
    via: p?.via ?? (node === undefined ? null : 'node'),
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
