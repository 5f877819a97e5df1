import { z } from 'zod';

/** Parameters or query of an endpoint that takes none: unknown keys are refused. */
export const Empty = z.strictObject({});
/** The body of an endpoint that takes none. */
export const NoBody = z.undefined();
/** The response of an endpoint that answers 204 No Content. */
export const NoContent = z.undefined();

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One HTTP API operation: method, path, schemas and who may call it. The server registers routes
 * from these, the OpenAPI document is generated from them, and the CLI and the dashboard call
 * them. Paths use OpenAPI templates (`/api/v1/accounts/{accountId}`).
 */
export interface Endpoint<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  operationId: string;
  method: HttpMethod;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /**
   * `public`: no credentials needed. `authenticated`: a session or an API token of a user.
   * `node`: the credential of an enrolled node (`pwn_<nodeId>.<secret>`); only the agent routes.
   */
  auth: 'public' | 'authenticated' | 'node';
  /** Who may call it, in words (shown in the API documentation). */
  access: string;
  params: P;
  query: Q;
  body: B;
  response: R;
  successStatus: 200 | 201 | 202 | 204;
  /** For changes: the audit action every successful call appends to the audit log. */
  audit?: string;
  /**
   * An agent report stored as node data instead of being audited (heartbeats, inventories: one per
   * node every minute would drown the audit log). Only for `auth: 'node'` endpoints.
   */
  telemetry?: boolean;
  /**
   * A POST that changes nothing (a preview, a search with a large body): not audited, since it is
   * no change. Such an endpoint declares no `audit` action.
   */
  readOnly?: boolean;
  /**
   * Text media types the success response may come in besides JSON (e.g. `text/csv` for an export
   * with `format=csv`): the handler sets the content type and returns a string, which the response
   * schema must accept.
   */
  textFormats?: readonly string[];
  /** Callable by a user who must change their password first (login, logout, password change). */
  allowDuringPasswordChange?: boolean;
}

export type AnyEndpoint = Endpoint<z.ZodType, z.ZodType, z.ZodType, z.ZodType>;

type EndpointInput<P, Q, B, R> = Omit<
  Endpoint<z.ZodType, z.ZodType, z.ZodType, z.ZodType>,
  'params' | 'query' | 'body' | 'response' | 'successStatus'
> & {
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  successStatus?: 200 | 201 | 202 | 204;
};

/** Declares an endpoint; missing params/query default to none, a missing body to no body. */
export function defineEndpoint<
  P extends z.ZodType = typeof Empty,
  Q extends z.ZodType = typeof Empty,
  B extends z.ZodType = typeof NoBody,
  R extends z.ZodType = z.ZodType,
>(def: EndpointInput<P, Q, B, R>): Endpoint<P, Q, B, R> {
  return {
    ...def,
    params: (def.params ?? Empty) as P,
    query: (def.query ?? Empty) as Q,
    body: (def.body ?? NoBody) as B,
    successStatus: def.successStatus ?? (def.method === 'POST' ? 201 : 200),
  };
}

export type ParamsOf<E> = E extends Endpoint<infer P, z.ZodType, z.ZodType, z.ZodType> ? z.infer<P> : never;
export type QueryOf<E> = E extends Endpoint<z.ZodType, infer Q, z.ZodType, z.ZodType> ? z.input<Q> : never;
export type BodyOf<E> = E extends Endpoint<z.ZodType, z.ZodType, infer B, z.ZodType> ? z.input<B> : never;
export type ResponseOf<E> = E extends Endpoint<z.ZodType, z.ZodType, z.ZodType, infer R> ? z.output<R> : never;
