import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { AnyEndpoint, Endpoint } from '../../contracts/api.js';
import type { AuthService } from '../services/auth.service.js';
import { SESSION_COOKIE } from '../services/auth.service.js';
import { auditEntry, type RequestContext, type ServiceDeps } from '../services/context.js';

export interface HandlerInput<E extends AnyEndpoint> {
  ctx: RequestContext;
  params: z.output<E['params']>;
  query: z.output<E['query']>;
  body: z.output<E['body']>;
  request: FastifyRequest;
  reply: FastifyReply;
}

export type Handler<E extends AnyEndpoint> = (input: HandlerInput<E>) => Promise<z.input<E['response']> | void>;

function fastifyPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({
    in: where,
    path: i.path.map(String).join('.'),
    message: i.message,
    ...(i.code === 'unrecognized_keys' ? { keys: i.keys } : {}),
  }));
  const first = details[0];
  const summary = first === undefined ? '' : `${first.path === '' ? '' : `${first.path}: `}${first.message}`;
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  throw new AppError('validation', `Invalid request ${where}: ${summary}${more}.`, { details });
}

/** The registry the HTTP layer builds routes from; the OpenAPI document lists the same endpoints. */
export class Router {
  readonly registered: AnyEndpoint[] = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly auth: AuthService,
    private readonly deps: ServiceDeps,
  ) {}

  /**
   * Registers one endpoint: authenticates, enforces CSRF for session changes, validates params,
   * query and body with the contract's zod schemas (unknown fields refused), calls the handler and
   * serialises its result through the response schema (so nothing undeclared leaves the server).
   */
  route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
    endpoint: Endpoint<P, Q, B, R>,
    handler: Handler<Endpoint<P, Q, B, R>>,
  ): void {
    const ep = endpoint as unknown as AnyEndpoint;
    this.registered.push(ep);
    const isChange = ep.method !== 'GET';
    this.app.route({
      method: ep.method,
      url: fastifyPath(ep.path),
      handler: async (request, reply) => {
        const ctx: RequestContext = {
          principal: null,
          ip: request.ip,
          userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 300) : null,
          requestId: request.id,
        };
        const cookie = request.cookies[SESSION_COOKIE];
        const authn = await this.auth.authenticate(request.headers.authorization, cookie);
        ctx.principal = authn.principal;
        if (ep.auth === 'node') ctx.node = authn.node;
        try {
          if (ep.auth === 'node' && ctx.node === undefined) {
            throw new AppError(
              'unauthenticated',
              authn.principal !== null
                ? 'This route is for agents: it accepts only a node credential (`Authorization: Bearer pwn_<nodeId>.<secret>`), not a user\'s.'
                : (authn.node === undefined ? authn.problem : undefined) ?? 'This route is for agents: send the node credential as `Authorization: Bearer pwn_<nodeId>.<secret>`.',
            );
          }
          if (ep.auth === 'authenticated') {
            if (authn.principal === null) {
              throw new AppError(
                'unauthenticated',
                authn.problem ?? 'Sign in first: `patchwarden login`, or send an API token as `Authorization: Bearer <token>`.',
              );
            }
            if (authn.principal.mustChangePassword && ep.allowDuringPasswordChange !== true) {
              throw new AppError(
                'password_change_required',
                'Choose a new password first: POST /api/v1/me/password (or `patchwarden login`, which asks for one).',
              );
            }
            if (isChange) this.auth.checkCsrf(authn.principal, headerValue(request.headers['x-csrf-token']));
          }
          const params = parseOrThrow(ep.params, request.params ?? {}, 'path');
          const query = parseOrThrow(ep.query, request.query ?? {}, 'query');
          const body = parseOrThrow(ep.body, request.body ?? undefined, 'body');
          const result = await handler({ ctx, params, query, body, request, reply } as never);
          if (ep.successStatus === 204) return reply.status(204).send();
          const out = ep.response.safeParse(result);
          if (!out.success) {
            request.log.error({ operationId: ep.operationId, issues: out.error.issues }, 'response does not match its contract');
            throw new AppError('internal', `The server produced an invalid response for ${ep.operationId}.`);
          }
          return reply.status(ep.successStatus).send(out.data);
        } catch (err) {
          if (isChange && err instanceof AppError && err.denied && ep.audit !== undefined) await this.auditDenied(ctx, ep, request, err);
          throw err;
        }
      },
    });
  }

  /**
   * Changes refused by the access rules are audited too (outcome `denied`), with the object they
   * were aimed at: the user, token or account of the path, as successful changes record it.
   */
  private async auditDenied(ctx: RequestContext, ep: AnyEndpoint, request: FastifyRequest, err: AppError): Promise<void> {
    const params = (request.params ?? {}) as Record<string, unknown>;
    const param = (name: string) => (typeof params[name] === 'string' ? params[name].slice(0, 64) : null);
    let accountId = param('accountId');
    const { store } = this.deps;
    // The object a path names, most specific first, and how to find the account it belongs to.
    const objects: [string, string, ((id: string) => Promise<{ accountId: string | null } | undefined>) | null][] = [
      ['userId', 'user', null],
      ['tokenId', 'token', null],
      ['nodeId', 'node', (id) => store.nodes.get(id)],
      ['commandId', 'command', (id) => store.commands.get(id)],
      ['activationId', 'activation', null],
      ['baselineId', 'baseline', (id) => store.baselines.get(id)],
      ['runbookId', 'runbook', (id) => store.runbooks.get(id)],
      ['executionId', 'execution', (id) => store.executions.get(id)],
      ['delegationId', 'delegation', (id) => store.delegations.get(id)],
      ['windowId', 'window', (id) => store.windows.get(id)],
      ['repositoryId', 'repository', (id) => store.depRepositories.get(id)],
      ['policyId', 'policy', null],
    ];
    const found = objects.find(([name]) => param(name) !== null);
    const targetType = found?.[1] ?? (accountId !== null ? 'account' : null);
    const targetId = found === undefined ? accountId : param(found[0]);
    try {
      // Objects addressed without their account in the path: the entry names the account they belong to.
      const lookup = found?.[2];
      if (accountId === null && lookup !== undefined && lookup !== null && targetId !== null) accountId = (await lookup(targetId))?.accountId ?? null;
      await this.deps.store.audit.append(
        auditEntry(ctx, this.deps.clock(), {
          action: ep.audit ?? ep.operationId,
          outcome: 'denied',
          accountId,
          targetType,
          targetId,
          details: { operation: ep.operationId, reason: err.message },
        }),
      );
    } catch (auditErr) {
      request.log.error({ err: auditErr }, 'could not audit a denied request');
    }
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
