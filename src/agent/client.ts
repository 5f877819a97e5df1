import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import type { AnyEndpoint } from '../contracts/endpoint.js';
import { AGENT_VERSION } from './version.js';

/** The server answered with an HTTP error (4xx/5xx); `retryable` for 5xx and 429. */
export class AgentHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
    this.name = 'AgentHttpError';
  }

  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

/** The server could not be reached (refused, reset, timed out, TLS failure): always retryable. */
export class AgentNetworkError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentNetworkError';
  }
}

/** True for errors worth retrying with backoff (network errors, 5xx, 429). */
export function isRetryable(err: unknown): boolean {
  return err instanceof AgentNetworkError || (err instanceof AgentHttpError && err.retryable);
}

export interface AgentClientOptions {
  /** Base URL of the server, `http://…` or `https://…`. */
  server: string;
  /** The node credential (`pwn_<nodeId>.<secret>`); absent only for enrollment. */
  credential?: string;
  /** PEM of the CA to trust for https (pinned: only this CA is trusted then). */
  ca?: string | null;
  /** Per-request timeout beyond any long-poll wait (default 30 s). */
  timeoutMs?: number;
}

export interface CallOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  /** Extra time this call may take (long-poll wait). */
  extraTimeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The agent's own small HTTP client of the agent protocol (node:http/https only, so the bundle stays
 * small and the CA can be pinned). Responses are parsed with the endpoint's zod schema.
 */
export class AgentClient {
  readonly server: string;

  constructor(private readonly options: AgentClientOptions) {
    this.server = options.server.replace(/\/+$/, '');
  }

  async call<E extends AnyEndpoint>(endpoint: E, input: CallOptions = {}): Promise<z.output<E['response']>> {
    const raw = await this.raw(endpoint.method, endpoint.path, input);
    const parsed = endpoint.response.safeParse(raw);
    if (!parsed.success) throw new AgentHttpError(502, 'internal', `the answer to ${endpoint.operationId} does not match the agent protocol: ${parsed.error.issues[0]?.message ?? ''}`, parsed.error.issues);
    return parsed.data as z.output<E['response']>;
  }

  /** Sends one request and returns the parsed JSON (null for 204). */
  raw(method: string, path: string, input: CallOptions = {}): Promise<unknown> {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(input.query ?? {})) search.append(k, String(v));
    const url = new URL(`${this.server}${path}${search.size > 0 ? `?${search.toString()}` : ''}`);
    const body = input.body === undefined ? undefined : Buffer.from(JSON.stringify(input.body));
    const headers: Record<string, string | number> = { accept: 'application/json', 'user-agent': `patchwarden-agent/${AGENT_VERSION}` };
    if (this.options.credential !== undefined) headers.authorization = `Bearer ${this.options.credential}`;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = body.length;
    }
    const timeoutMs = (this.options.timeoutMs ?? 30_000) + (input.extraTimeoutMs ?? 0);
    const https = url.protocol === 'https:';
    if (!https && url.protocol !== 'http:') return Promise.reject(new Error(`the server URL must be http:// or https://, not ${this.server}`));
    return new Promise((resolve, reject) => {
      const options = { method, headers, timeout: timeoutMs, ...(https && this.options.ca !== undefined && this.options.ca !== null ? { ca: this.options.ca } : {}), ...(input.signal === undefined ? {} : { signal: input.signal }) };
      const req = (https ? httpsRequest : httpRequest)(url, options, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new AgentNetworkError(`reading the answer of ${this.server} failed: ${e.message}`, { cause: e })));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let json: unknown = null;
          try {
            json = text === '' ? null : JSON.parse(text);
          } catch {
            json = undefined;
          }
          if (status >= 200 && status < 300) {
            if (json === undefined) reject(new AgentHttpError(502, 'internal', `${this.server} answered ${method} ${path} with something that is not JSON`, null));
            else resolve(json);
            return;
          }
          const error = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null | undefined)?.error;
          const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
          reject(new AgentHttpError(status, typeof error?.code === 'string' ? error.code : `http_${status}`, `${method} ${path}: ${message}`, error?.details));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      req.on('error', (e: Error & { code?: string }) => {
        if (e.name === 'AbortError') reject(e);
        else reject(new AgentNetworkError(`cannot reach ${this.server}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' '), { cause: e }));
      });
      req.end(body);
    });
  }
}
