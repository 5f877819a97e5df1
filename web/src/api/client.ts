/**
 * The dashboard's only way to the server: the documented HTTP API, with the session cookie and the
 * CSRF token (sent on every change). Types come from src/contracts, so a changed contract breaks
 * the dashboard's build instead of its users.
 */
import type { z } from 'zod';
import type { endpoints } from '../../../src/contracts/api';
import type { AnyEndpoint } from '../../../src/contracts/endpoint';
import type { ErrorCode } from '../../../src/contracts/errors';

/** What a successful call of endpoint E returns (parsed JSON). */
export type ResponseOf<E extends AnyEndpoint> = z.output<E['response']>;
/** The body endpoint E takes (before defaults are applied). */
export type BodyOf<E extends AnyEndpoint> = z.input<E['body']>;
/** The query endpoint E takes (values as the server accepts them). */
export type QueryOf<E extends AnyEndpoint> = Partial<Record<keyof z.input<E['query']> & string, string | number | boolean | undefined | null>>;

/** An error answered by the API (its one error shape), or a network failure (`code: 'network'`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

/** Set after sign-in (and cleared at sign-out): sent as X-CSRF-Token on every change. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the session has ended (401): the app shows the sign-in page. */
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

/** `/api/v1/nodes/{nodeId}` + `{ nodeId: 'nd_1' }` → `/api/v1/nodes/nd_1`, with the query appended. */
type QueryValue = string | number | boolean | undefined | null | readonly (string | number | boolean)[];

export function pathOf(template: string, params: Record<string, string> = {}, query: Record<string, QueryValue> = {}): string {
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'object') for (const v of value) qs.append(key, String(v));
    else qs.append(key, String(value));
  }
  const s = qs.toString();
  return s === '' ? path : `${path}?${s}`;
}

/** Plain words for an error, for the error banner: the server's message, or what went wrong on the way. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The field problems of a validation error (`details`: `{ path, message }` items), as "path: message" lines. */
export function fieldProblems(err: unknown): string[] {
  if (!(err instanceof ApiError) || !Array.isArray(err.details)) return [];
  return err.details.map((d: unknown) => {
    const item = d as { path?: unknown; message?: unknown };
    const path = typeof item.path === 'string' ? item.path : '';
    return path === '' ? String(item.message) : `${path}: ${String(item.message)}`;
  });
}

/**
 * Calls the API. `method` and `path` are the endpoint's (use `pathOf` for parameters); the body is
 * sent as JSON. Resolves with the parsed JSON (undefined for 204), rejects with an ApiError.
 */
export async function request<T>(method: string, path: string, body?: unknown, init: { signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(init.signal === undefined ? {} : { signal: init.signal }),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The server cannot be reached. Check that it is running and your network connection, then try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: ErrorCode; message?: string; details?: unknown } } | undefined)?.error;
    const apiError = new ApiError(
      response.status,
      error?.code ?? 'internal',
      error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
      error?.details,
    );
    if (response.status === 401 && !path.startsWith('/api/v1/auth/login')) onUnauthenticated?.();
    throw apiError;
  }
  return json as T;
}

/** Typed shorthands: `api.get<ResponseOf<typeof listNodes>>(pathOf(listNodes.path, {}, query))`. */
export const api = {
  get: <T>(path: string, init?: { signal?: AbortSignal }) => request<T>('GET', path, undefined, init),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** Every endpoint of the API by name (types only: nothing of the contracts is bundled). */
export type Endpoints = typeof endpoints;
/** The response of the endpoint named N: `Res<'listNodes'>`. */
export type Res<N extends keyof Endpoints> = ResponseOf<Endpoints[N]>;
/** The body of the endpoint named N: `Body<'createBaseline'>`. */
export type Body<N extends keyof Endpoints> = BodyOf<Endpoints[N]>;
/** The query of the endpoint named N. */
export type Query<N extends keyof Endpoints> = QueryOf<Endpoints[N]>;
