/**
 * The HTTP side shared by the forge clients: JSON requests with a timeout (AbortSignal.timeout),
 * responses checked with zod, pagination links, and one error shape: an AppError whose message says
 * which forge refused which call and what to do (token scope, repository name, rate-limit reset).
 * The token is only ever in a request header; it is removed from every message.
 */
import type { z } from 'zod';
import { AppError } from '../../domain/errors.js';

export interface ForgeHttpOptions {
  /** Display name: GitHub, GitLab, Gitea. */
  readonly forge: string;
  /** Base URL of the API, without a trailing slash. */
  readonly apiUrl: string;
  /** The auth header and any fixed headers of the forge. */
  readonly headers: Readonly<Record<string, string>>;
  readonly token: string;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  /** What the calls act on, for 404s: 'repository octo/app', 'project group/app'. */
  readonly subject: string;
  /** Which token scope or permission the calls need, for 401/403s. */
  readonly scopes: string;
}

export interface ForgeRequest {
  readonly query?: Readonly<Record<string, string | number>>;
  readonly body?: unknown;
  /** The 404 message when the call names a pull request (`subject` otherwise). */
  readonly notFound?: string;
}

export interface ForgeResponse<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly data: T;
}

export const USER_AGENT = 'patchwarden';

function redactToken(text: string, token: string): string {
  return token === '' ? text : text.split(token).join('***');
}

/** The forge's own words from an error body (GitHub `message` + `errors`, GitLab `message`/`error`, Gitea `message`). */
export function forgeMessage(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.replace(/\s+/g, ' ').trim().slice(0, 300);
  }
  const parts: string[] = [];
  const add = (value: unknown, prefix = ''): void => {
    if (typeof value === 'string' && value !== '') parts.push(prefix + value);
    else if (Array.isArray(value)) for (const v of value) add(v, prefix);
    else if (typeof value === 'object' && value !== null) {
      const o = value as Record<string, unknown>;
      if (typeof o.message === 'string') add(o.message, prefix);
      else if (typeof o.code === 'string') add(`${typeof o.field === 'string' ? `${o.field} ` : ''}${o.code}`, prefix);
      else for (const [k, v] of Object.entries(o)) add(v, `${prefix}${k} `);
    }
  };
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const o = parsed as Record<string, unknown>;
    add(o.message);
    add(o.errors);
    add(o.error_description ?? o.error);
    if (typeof o.scope === 'string') parts.push(`needed scope: ${o.scope}`);
  } else add(parsed);
  return parts.join('; ').slice(0, 500) || text.slice(0, 300);
}

/** When the limit resets: `x-ratelimit-reset`/`ratelimit-reset` (epoch seconds) or `retry-after` (seconds or a date). */
function resetTime(headers: Headers, now: number): Date | null {
  const epoch = headers.get('x-ratelimit-reset') ?? headers.get('ratelimit-reset');
  if (epoch !== null && /^\d+$/.test(epoch.trim())) return new Date(Number(epoch) * 1000);
  const retry = headers.get('retry-after');
  if (retry === null) return null;
  if (/^\d+$/.test(retry.trim())) return new Date(now + Number(retry) * 1000);
  const date = Date.parse(retry);
  return Number.isNaN(date) ? null : new Date(date);
}

export function isRateLimited(status: number, headers: Headers): boolean {
  if (status === 429) return true;
  return status === 403 && (headers.get('x-ratelimit-remaining') === '0' || headers.get('retry-after') !== null);
}

/** The AppError of a refused call. */
export function forgeError(o: ForgeHttpOptions, method: string, path: string, response: { status: number; headers: Headers }, text: string, notFound?: string): AppError {
  const said = redactToken(forgeMessage(text), o.token);
  const call = `${method} ${path}`;
  const { status, headers } = response;
  const details = { forge: o.forge, method, path, status, message: said };
  if (isRateLimited(status, headers)) {
    const now = Date.now();
    const reset = resetTime(headers, now);
    const when = reset === null ? 'wait a few minutes' : `it resets at ${reset.toISOString()} (in ${Math.max(0, Math.ceil((reset.getTime() - now) / 1000))} s); wait until then`;
    return new AppError('rate_limited', `${o.forge} rate limit exceeded on ${call} (${status}${said === '' ? '' : `: ${said}`}); ${when} and run again`, {
      details: { ...details, resetAt: reset?.toISOString() ?? null },
    });
  }
  if (status === 401) {
    return new AppError('unauthenticated', `${o.forge} refused the token on ${call} (401${said === '' ? '' : `: ${said}`}): it is missing, expired or revoked; use ${o.scopes}`, { details });
  }
  if (status === 403) {
    const accepted = headers.get('x-accepted-github-permissions') ?? headers.get('x-accepted-oauth-scopes');
    const needs = accepted === null || accepted === '' ? '' : ` (the call needs: ${accepted})`;
    return new AppError('forbidden', `${o.forge} denied ${call} (403${said === '' ? '' : `: ${said}`}): the token lacks the scope or permission${needs}; use ${o.scopes}`, { details });
  }
  if (status === 404) {
    const what = notFound ?? `${o.subject} was not found at ${o.apiUrl}, or the token cannot see it`;
    return new AppError('not_found', `${o.forge} answered 404 to ${call}: ${what}; check the name and that the token has access to it`, { details });
  }
  if (status === 409 || status === 422) {
    return new AppError(status === 409 ? 'conflict' : 'validation', `${o.forge} refused ${call} (${status}): ${said || 'no message'}`, { details });
  }
  if (status >= 300 && status < 400) {
    const location = headers.get('location');
    return new AppError('validation', `${o.forge} answered ${call} with a redirect (${status}${location === null ? '' : ` to ${redactToken(location, o.token)}`}): ${o.subject} has probably been renamed or moved; update the repository name or the API URL`, { details });
  }
  if (status >= 500) return new AppError('unavailable', `${o.forge} failed on ${call} (${status}${said === '' ? '' : `: ${said}`}); try again later`, { details });
  return new AppError('bad_request', `${o.forge} refused ${call} (${status}): ${said || 'no message'}`, { details });
}

export class ForgeHttp {
  constructor(readonly o: ForgeHttpOptions) {}

  /** A call on a path below the API URL. */
  request<T>(method: string, path: string, schema: z.ZodType<T>, req: ForgeRequest = {}): Promise<ForgeResponse<T>> {
    const url = new URL(this.o.apiUrl + path);
    for (const [key, value] of Object.entries(req.query ?? {})) url.searchParams.append(key, String(value));
    return this.requestUrl(method, url, schema, req);
  }

  /** A call on a full URL (a pagination link), refused unless it is below the API URL: the token goes nowhere else. */
  async requestUrl<T>(method: string, url: URL, schema: z.ZodType<T>, req: ForgeRequest = {}): Promise<ForgeResponse<T>> {
    const api = new URL(this.o.apiUrl);
    if (url.origin !== api.origin || !url.pathname.startsWith(api.pathname.replace(/\/$/, ''))) {
      throw new AppError('internal', `${this.o.forge} pointed to ${url.origin}${url.pathname}, outside ${this.o.apiUrl}; not following it`);
    }
    const path = url.pathname.slice(api.pathname.replace(/\/$/, '').length) || '/';
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': USER_AGENT, ...this.o.headers };
    let body: string | undefined;
    if (req.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    let response: Response;
    try {
      response = await this.o.fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(this.o.timeoutMs), redirect: 'manual' });
    } catch (err) {
      const reason = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') ? `no answer within ${this.o.timeoutMs / 1000} s` : networkReason(err);
      throw new AppError('unavailable', `cannot reach ${this.o.forge} at ${this.o.apiUrl} (${method} ${path}): ${reason}; check the API URL and the network`, { cause: err });
    }
    const text = await response.text();
    if (!response.ok) throw forgeError(this.o, method, path, response, text, req.notFound);
    let raw: unknown = null;
    if (text.trim() !== '') {
      try {
        raw = JSON.parse(text);
      } catch {
        throw new AppError('internal', `${this.o.forge} answered ${method} ${path} with something that is not JSON; is ${this.o.apiUrl} the ${this.o.forge} API URL?`);
      }
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError(
        'internal',
        `${this.o.forge}'s answer to ${method} ${path} does not have the documented shape (${issue === undefined ? '' : `${issue.path.join('.')}: ${issue.message}`}); is ${this.o.apiUrl} the ${this.o.forge} API URL?`,
        { details: parsed.error.issues },
      );
    }
    return { status: response.status, headers: response.headers, data: parsed.data };
  }
}

function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: string }).code;
    return code === undefined ? cause.message : `${code} (${cause.message})`;
  }
  return err.message;
}

/** The `rel="next"` URL of an RFC 8288 `Link` header (GitHub, GitLab, Gitea send one). */
export function nextLink(header: string | null): string | null {
  if (header === null) return null;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (match !== null && /\brel="?([^";]*\s)?next(\s[^";]*)?"?/.test(match[2] ?? '')) return match[1] ?? null;
  }
  return null;
}

/** Guards against a forge that keeps answering "next page". */
export const MAX_PAGES = 500;

export function tooManyPages(forge: string, path: string): AppError {
  return new AppError('internal', `${forge} kept returning pages for ${path} after ${MAX_PAGES} pages; stopping`);
}
