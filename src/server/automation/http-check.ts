import type { CheckStep } from '../../domain/automation/runbook.js';
import type { Repositories } from '../../store/index.js';

/**
 * HTTP health checks of runbook `check` steps, made by the server. Only hosts on the
 * organization's allow-list (automation settings, set by an org-admin) are called, so a runbook
 * author cannot use the server to reach arbitrary internal addresses:
 *
 * - `host`       that host on any port (`health.example.com`, `10.0.0.5`, `[::1]`);
 * - `host:port`  that host on that port only (the default port of the scheme counts: `example.com:443`
 *                matches `https://example.com/`);
 * - `*.domain`   any subdomain of `domain` (not `domain` itself), on any port; `*.domain:port` on that port.
 *
 * Only http and https; redirects are never followed (a 3xx is the answer); at most 64 KiB of the
 * body is read (for `bodyContains`); the whole check is bounded by `timeoutMs`.
 */

export type HttpCheckSpec = NonNullable<CheckStep['http']>;

export interface HttpCheckResult {
  ok: boolean;
  /** The response status, or null when no response was received (refused, unreachable, timed out). */
  status: number | null;
  detail: string;
}

/** Bytes of the body read at most. */
export const HTTP_CHECK_MAX_BODY = 64 * 1024;

interface HostPattern {
  /** Lowercase host (IPv6 in brackets); for wildcards the domain after `*.`. */
  host: string;
  wildcard: boolean;
  port: number | null;
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function validHostname(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) {
    try {
      return new URL(`http://${host}/`).hostname === host;
    } catch {
      return false;
    }
  }
  if (host.length === 0 || host.length > 253) return false;
  return host.split('.').every((l) => HOST_LABEL.test(l) || /^[a-z0-9_][a-z0-9_-]{0,62}$/.test(l));
}

/**
 * Parses an allow-list entry (`host`, `host:port`, `*.domain`, `*.domain:port`); returns the
 * normalized entry, or an error saying what is wrong with it.
 */
export function parseAllowedHost(entry: string): { ok: true; entry: string; pattern: HostPattern } | { ok: false; error: string } {
  const raw = entry.trim().toLowerCase();
  const bad = (why: string) => ({ ok: false as const, error: `"${entry}" is not a valid allowed host: ${why} (use host, host:port or *.domain, e.g. health.example.com:8080)` });
  if (raw.length === 0) return bad('it is empty');
  if (raw.includes('/') || raw.includes('@') || raw.includes('?') || raw.includes('#')) return bad('give a host, not a URL');
  let rest = raw;
  let wildcard = false;
  if (rest.startsWith('*.')) {
    wildcard = true;
    rest = rest.slice(2);
  }
  let host = rest;
  let port: number | null = null;
  const m = rest.startsWith('[') ? /^(\[[^\]]+\])(?::(\d+))?$/.exec(rest) : /^([^:]+)(?::(\d+))?$/.exec(rest);
  if (m === null) return bad('it has an unexpected colon (write IPv6 addresses in brackets: [::1]:8080)');
  host = m[1] ?? '';
  if (m[2] !== undefined) {
    port = Number(m[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return bad('the port must be 1-65535');
  }
  if (host.includes('*')) return bad('a wildcard is allowed only as the leading "*." of a domain');
  if (wildcard && host.startsWith('[')) return bad('a wildcard needs a domain name');
  if (!validHostname(host)) return bad('the host name is invalid');
  if (wildcard && (!host.includes('.') || isIpLiteral(host))) return bad('a wildcard needs a domain name with at least two labels, e.g. *.example.com');
  const normalized = `${wildcard ? '*.' : ''}${host}${port === null ? '' : `:${port}`}`;
  return { ok: true, entry: normalized, pattern: { host, wildcard, port } };
}

function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host) || /^[\d.]+$/.test(host);
}

function matches(p: HostPattern, host: string, port: number): boolean {
  if (p.port !== null && p.port !== port) return false;
  // Wildcards name domains: an IP address never matches one.
  if (p.wildcard) return !isIpLiteral(host) && host.endsWith(`.${p.host}`);
  return host === p.host;
}

/** Whether `url`'s host (and port) is on the allow-list; invalid entries never match. */
export function isHostAllowed(url: URL, allowedHosts: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  for (const entry of allowedHosts) {
    const parsed = parseAllowedHost(entry);
    if (parsed.ok && matches(parsed.pattern, host, port)) return true;
  }
  return false;
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: string }).code;
      return code === undefined ? cause.message : `${code}: ${cause.message}`;
    }
    return err.message;
  }
  return String(err);
}

async function readBody(res: Response, signal: AbortSignal): Promise<{ text: string; truncated: boolean }> {
  if (res.body === null) return { text: '', truncated: false };
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    while (size < HTTP_CHECK_MAX_BODY) {
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      const { done, value } = await reader.read();
      if (done) break;
      const room = HTTP_CHECK_MAX_BODY - size;
      const part = value.byteLength > room ? value.subarray(0, room) : value;
      chunks.push(part);
      size += part.byteLength;
      if (value.byteLength > room) truncated = true;
    }
    if (size >= HTTP_CHECK_MAX_BODY) truncated = true;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}

/**
 * Runs one HTTP check. Never throws: every failure (refused host, bad URL, network error, timeout,
 * unexpected status or body) is `ok: false` with a detail saying what happened.
 */
export async function runHttpCheck(spec: HttpCheckSpec, allowedHosts: readonly string[], timeoutMs: number): Promise<HttpCheckResult> {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return { ok: false, status: null, detail: `"${spec.url}" is not a valid URL; give an absolute http:// or https:// URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, status: null, detail: `only http and https URLs can be checked, not ${url.protocol.replace(/:$/, '')} (${spec.url})` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, status: null, detail: `the check URL must not contain credentials (${url.host})` };
  }
  if (!isHostAllowed(url, allowedHosts)) {
    return {
      ok: false,
      status: null,
      detail: `host ${url.host} is not on the HTTP check allow-list; an org-admin can allow it: patchwarden automation-settings set --check-hosts ${[...allowedHosts, url.host].join(',')}`,
    };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: spec.method,
      redirect: 'manual',
      signal: controller.signal,
      headers: { 'user-agent': 'patchwarden-check/1', accept: '*/*' },
    });
    const expect = spec.expectStatus.length === 0 ? [200] : spec.expectStatus;
    const statusOk = expect.includes(res.status);
    const location = res.headers.get('location');
    if (!statusOk) {
      await res.body?.cancel().catch(() => undefined);
      const redirect = res.status >= 300 && res.status < 400 && location !== null ? ` (redirect to ${location} not followed)` : '';
      return { ok: false, status: res.status, detail: `${spec.method} ${spec.url} answered ${res.status}, expected ${expect.join(' or ')}${redirect}` };
    }
    if (spec.bodyContains !== null && spec.bodyContains !== '') {
      if (spec.method === 'HEAD') {
        return { ok: false, status: res.status, detail: `a HEAD response has no body to search for "${spec.bodyContains}"; use method GET` };
      }
      const body = await readBody(res, controller.signal);
      if (!body.text.includes(spec.bodyContains)) {
        const scope = body.truncated ? `the first ${HTTP_CHECK_MAX_BODY} bytes of the body` : 'the body';
        return { ok: false, status: res.status, detail: `${spec.method} ${spec.url} answered ${res.status} but ${scope} does not contain "${spec.bodyContains}"` };
      }
    } else {
      await res.body?.cancel().catch(() => undefined);
    }
    return { ok: true, status: res.status, detail: `${spec.method} ${spec.url} answered ${res.status} in ${Date.now() - started} ms` };
  } catch (err) {
    if (controller.signal.aborted) {
      return { ok: false, status: null, detail: `${spec.method} ${spec.url} timed out after ${timeoutMs} ms` };
    }
    return { ok: false, status: null, detail: `${spec.method} ${spec.url} failed: ${describeError(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** The hosts HTTP checks may call (the organization's automation settings; empty before any is set). */
export async function getCheckAllowedHosts(repos: Repositories): Promise<string[]> {
  const org = await repos.organizations.get();
  if (org === undefined) return [];
  return (await repos.delegations.getSettings(org.id)).checkAllowedHosts;
}
