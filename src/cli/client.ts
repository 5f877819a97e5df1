import { z } from 'zod';
import { ERROR_CODES, AppError, type ErrorCode } from '../domain/errors.js';
import type { AnyEndpoint } from '../contracts/api.js';
import { errorCodeForStatus } from '../contracts/errors.js';

/** The API's error shape, read leniently: a code this CLI does not know still keeps its message. */
const ServerError = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });

/** What one call sends: path parameters, query and JSON body, typed by the endpoint's schemas. */
export interface CallInput<E extends AnyEndpoint> {
  params?: z.input<E['params']>;
  query?: z.input<E['query']>;
  body?: z.input<E['body']>;
}

/** A call's parsed response, the JSON exactly as the server sent it (for `--json`), and the headers. */
export interface CallResult<E extends AnyEndpoint> {
  data: z.output<E['response']>;
  raw: unknown;
  headers: Headers;
}

/** How the client signs its requests: an API token, or a session cookie with its CSRF token. */
export type Credentials = { token: string } | { sessionCookie: string; csrfToken: string } | null;

export interface ClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8420`. */
  server: string;
  credentials: Credentials;
  userAgent: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate is signed by an unknown authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate cannot be verified',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server certificate does not name this host',
  EPROTO: 'TLS handshake failed (is it plain http?)',
};

/** The reason of a fetch failure in words: undici hides the system error in `cause`. */
function networkReason(err: unknown): string {
  let cause: unknown = err;
  for (let i = 0; i < 4 && cause instanceof Error; i++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return NETWORK_REASONS[code] ?? `${cause.message} (${code})`;
    const inner = (cause as { errors?: unknown[] }).errors?.[0] ?? cause.cause;
    if (inner === undefined) return cause.message;
    cause = inner;
  }
  return String(cause);
}

/** Fills `{param}` templates of a contract path, each value URL-encoded. */
export function expandPath(template: string, params: Readonly<Record<string, string | number | undefined>>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new Error(`path parameter "${name}" of ${template} is missing`);
    return encodeURIComponent(String(value));
  });
}

/** A query string from an object: undefined values left out, arrays repeated. */
export function queryString(query: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const v of Array.isArray(value) ? (value as unknown[]) : [value]) search.append(key, String(v));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * A typed client of the HTTP API, driven by the contract endpoints: it fills the path, encodes the
 * query, sends the JSON body with the credentials (and the CSRF header for session changes), and
 * parses the response with the endpoint's schema. API errors become AppError with the server's code
 * and message; network failures become AppError `unavailable` naming the server URL.
 */
export class ApiClient {
  readonly server: string;

  constructor(private readonly options: ClientOptions) {
    this.server = options.server.replace(/\/+$/, '');
  }

  /** Calls an endpoint and returns its parsed response. */
  async call<E extends AnyEndpoint>(endpoint: E, input: CallInput<E> = {}): Promise<z.output<E['response']>> {
    return (await this.request(endpoint, input)).data;
  }

  /** Calls an endpoint and returns the parsed response, the raw JSON and the response headers. */
  async request<E extends AnyEndpoint>(endpoint: E, input: CallInput<E> = {}): Promise<CallResult<E>> {
    const path = expandPath(endpoint.path, (input.params ?? {}));
    const url = `${this.server}${path}${queryString((input.query ?? {}))}`;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.options.userAgent };
    const creds = this.options.credentials;
    if (creds !== null && 'token' in creds) headers.authorization = `Bearer ${creds.token}`;
    if (creds !== null && 'sessionCookie' in creds) {
      headers.cookie = creds.sessionCookie;
      if (endpoint.method !== 'GET') headers['x-csrf-token'] = creds.csrfToken;
    }
    let body: string | undefined;
    if (input.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(input.body);
    }
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    let response: Response;
    try {
      response = await fetch(url, { method: endpoint.method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : networkReason(err);
      throw new AppError('unavailable', `cannot reach ${this.server}: ${reason}; is the server running? set --server or PATCHWARDEN_SERVER`, { cause: err });
    }
    const text = await response.text();
    if (!response.ok) throw this.errorOf(endpoint, response, text);
    if (response.status === 204) return { data: undefined as z.output<E['response']>, raw: null, headers: response.headers };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new AppError('internal', `${this.server} answered ${endpoint.method} ${path} with something that is not JSON; is --server the Patchwarden server?`, { cause: err });
    }
    const parsed = endpoint.response.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError(
        'internal',
        `The answer of ${this.server} to ${endpoint.operationId} does not match this CLI's contract (${issue === undefined ? '' : `${issue.path.join('.')}: ${issue.message}`}); are the CLI and the server the same version?`,
        { details: parsed.error.issues },
      );
    }
    return { data: parsed.data as z.output<E['response']>, raw, headers: response.headers };
  }

  /** Calls a GET endpoint that answers text (e.g. a CSV export): the body as it came, and its content type. */
  async requestText<E extends AnyEndpoint>(endpoint: E, input: CallInput<E> = {}): Promise<{ text: string; contentType: string }> {
    const path = expandPath(endpoint.path, input.params ?? {});
    const url = `${this.server}${path}${queryString(input.query ?? {})}`;
    const headers: Record<string, string> = { accept: [...(endpoint.textFormats ?? []), 'application/json'].join(', '), 'user-agent': this.options.userAgent };
    const creds = this.options.credentials;
    if (creds !== null && 'token' in creds) headers.authorization = `Bearer ${creds.token}`;
    if (creds !== null && 'sessionCookie' in creds) headers.cookie = creds.sessionCookie;
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    let response: Response;
    try {
      response = await fetch(url, { method: endpoint.method, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    } catch (err) {
      const reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : networkReason(err);
      throw new AppError('unavailable', `cannot reach ${this.server}: ${reason}; is the server running? set --server or PATCHWARDEN_SERVER`, { cause: err });
    }
    const text = await response.text();
    if (!response.ok) throw this.errorOf(endpoint, response, text);
    return { text, contentType: response.headers.get('content-type') ?? '' };
  }

  private errorOf(endpoint: AnyEndpoint, response: Response, text: string): AppError {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = ServerError.safeParse(json);
    if (parsed.success) {
      const { code, message, details } = parsed.data.error;
      const known = (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : errorCodeForStatus(response.status);
      return new AppError(known, message, { details });
    }
    const location = response.headers.get('location');
    const what = location === null ? '' : ` (redirect to ${location}; is --server the right URL?)`;
    return new AppError(errorCodeForStatus(response.status), `${this.server} answered ${endpoint.method} ${endpoint.path} with HTTP ${response.status} ${response.statusText}${what}.`);
  }
}

/** The session cookie (`name=value`) from a login response's Set-Cookie headers. */
export function sessionCookieOf(headers: Headers, name: string): string | undefined {
  for (const line of headers.getSetCookie()) {
    const first = line.split(';', 1)[0] ?? '';
    const eq = first.indexOf('=');
    if (eq > 0 && first.slice(0, eq).trim() === name) return first.trim();
  }
  return undefined;
}
