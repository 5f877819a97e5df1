/**
 * Issue 6's end-to-end tests: a raw HTTP client for the API (the executions, delegations and
 * automation settings routes are called by path and method, exactly as the brief gives them), the
 * execution shapes the tests read, and the counting of what every node received.
 */
import { ApiClient, sessionCookieOf } from '../../src/cli/client.js';
import { endpoints } from '../../src/contracts/api.js';
import { ADMIN_PASSWORD } from './app.js';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  text: string;
}

/** Thrown by `RawApi.ok`: the request and the response, for the report. */
export class ApiCallError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly requestBody: unknown,
    readonly status: number,
    readonly responseText: string,
  ) {
    super(`${method} ${path} ${requestBody === undefined ? '' : JSON.stringify(requestBody)} -> ${status} ${responseText.slice(0, 2000)}`);
  }
}

/** Plain fetch with a bearer token: every route by its path. */
export class RawApi {
  constructor(
    public url: string,
    readonly token: string,
  ) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, 'user-agent': 'e2e-automation' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, text };
  }

  /** The request must answer 2xx; otherwise throws with the request and the response. */
  async ok<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.request<T>(method, path, body);
    if (r.status < 200 || r.status > 299) throw new ApiCallError(method, path, body, r.status, r.text);
    return r.body;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.ok<T>('GET', path);
  }
}

/** Signs in as the bootstrap admin (org-admin) and creates an API token: the typed client and a raw one. */
export async function signInAdmin(url: string, password = ADMIN_PASSWORD): Promise<{ client: ApiClient; api: RawApi; token: string }> {
  const anon = new ApiClient({ server: url, credentials: null, userAgent: 'e2e-automation' });
  const session = await anon.request(endpoints.login, { body: { username: 'admin', password } });
  const cookie = sessionCookieOf(session.headers, 'pw_session');
  if (cookie === undefined) throw new Error('login set no session cookie');
  const withSession = new ApiClient({ server: url, credentials: { sessionCookie: cookie, csrfToken: session.data.csrfToken }, userAgent: 'e2e-automation' });
  const created = await withSession.call(endpoints.createToken, { body: { name: `e2e-${Date.now()}` } });
  return { client: new ApiClient({ server: url, credentials: { token: created.token }, userAgent: 'e2e-automation' }), api: new RawApi(url, created.token), token: created.token };
}

// ---- The execution shapes of the brief (ExecutionDetail), as the tests read them. ----

export type ExecutionStatus = 'Pending' | 'Running' | 'Paused' | 'Waiting' | 'Success' | 'Failed' | 'Cancelled';
export const TERMINAL: readonly string[] = ['Success', 'Failed', 'Cancelled'];

export interface ExecutionAccount {
  accountId: string;
  status: 'Active' | 'Refused' | 'Failed' | 'Done';
  reason: string | null;
  nodeIds: string[];
  delegationId: string | null;
}

export interface ExecutionStep {
  id: string;
  stepName: string;
  kind: string;
  wave: number | null;
  accountId: string | null;
  status: string;
  attempt: number;
  commandId: string | null;
  startedAt: string | null;
  endedAt: string | null;
  output: string;
  outputs: Record<string, unknown>;
}

export interface Execution {
  id: string;
  accountId: string;
  runbookId: string;
  runbookName: string;
  runbookVersion: number;
  status: ExecutionStatus;
  reason: string | null;
  currentStep: string | null;
  accounts: ExecutionAccount[];
  steps: ExecutionStep[];
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface CommandInvocation {
  id: string;
  nodeId: string;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  deliveredAt: string | null;
  output: string;
}

export interface Command {
  id: string;
  accountId: string;
  document: string;
  createdAt: string;
  status: string;
  invocations: CommandInvocation[];
}

export const getExecution = (api: RawApi, id: string): Promise<Execution> => api.get<Execution>(`/api/v1/executions/${id}`);

/** Polls the execution until `probe` holds (every 250 ms); fails with the last detail seen. */
export async function waitExecution(api: RawApi, id: string, probe: (e: Execution) => boolean, what: string, timeoutMs = 60_000): Promise<Execution> {
  const end = Date.now() + timeoutMs;
  let last: Execution | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await getExecution(api, id);
      if (probe(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for execution ${id}: ${what}; last detail: ${last === undefined ? String(lastError) : describeExecution(last)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const waitEnded = (api: RawApi, id: string, timeoutMs = 60_000): Promise<Execution> => waitExecution(api, id, (e) => TERMINAL.includes(e.status), 'a terminal status', timeoutMs);

/** One line per step run: for failure messages. */
export function describeExecution(e: Execution): string {
  const steps = e.steps.map((s) => `  ${s.stepName}${s.wave === null ? '' : `[w${s.wave}]`}${s.accountId === null ? '' : `@${s.accountId}`} ${s.status} a${s.attempt} cmd=${s.commandId ?? '-'} ${s.startedAt ?? '-'}..${s.endedAt ?? '-'} ${s.output.slice(0, 200).replace(/\n/g, ' ')}`);
  const accounts = e.accounts.map((a) => `  account ${a.accountId} ${a.status} nodes=${a.nodeIds.join(',')} ${a.reason ?? ''}`);
  return `${e.id} ${e.status} reason=${e.reason ?? '-'} current=${e.currentStep ?? '-'}\n${accounts.join('\n')}\n${steps.join('\n')}`;
}

export const getCommand = (api: RawApi, id: string): Promise<Command> => api.get<Command>(`/api/v1/commands/${id}`);

/** Every command of the account created at or after `since` (with invocations). */
export async function commandsSince(api: RawApi, accountId: string, since: string): Promise<Command[]> {
  const page = await api.get<{ items: { id: string; createdAt: string }[] }>(`/api/v1/commands?accountId=${accountId}&limit=500`);
  const ids = page.items.filter((c) => c.createdAt >= since).map((c) => c.id);
  return Promise.all(ids.map((id) => getCommand(api, id)));
}

/** `document -> nodeId -> invocations` over the commands. */
export function invocationsByNode(commands: readonly Command[]): Map<string, Map<string, CommandInvocation[]>> {
  const out = new Map<string, Map<string, CommandInvocation[]>>();
  for (const c of commands) {
    const perNode = out.get(c.document) ?? new Map<string, CommandInvocation[]>();
    out.set(c.document, perNode);
    for (const i of c.invocations) perNode.set(i.nodeId, [...(perNode.get(i.nodeId) ?? []), i]);
  }
  return out;
}

/** `stepName -> nodeId -> count` over the commands of the execution's step runs. */
export async function stepInvocationCounts(api: RawApi, e: Execution): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  for (const s of e.steps) {
    if (s.commandId === null) continue;
    const c = await getCommand(api, s.commandId);
    const perNode = out.get(s.stepName) ?? new Map<string, number>();
    out.set(s.stepName, perNode);
    for (const i of c.invocations) perNode.set(i.nodeId, (perNode.get(i.nodeId) ?? 0) + 1);
  }
  return out;
}

/** Step runs keyed like the UNIQUE constraint (step, wave, account): duplicates found. */
export function duplicateStepRuns(e: Execution): string[] {
  const seen = new Map<string, number>();
  for (const s of e.steps) {
    const key = `${s.stepName}|${s.wave ?? '-'}|${s.accountId ?? '-'}|${s.attempt}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} x${n}`);
}

export interface AuditRow {
  id: number;
  at: string;
  action: string;
  outcome: string;
  accountId: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

export async function auditEntries(api: RawApi, query: Record<string, string>): Promise<AuditRow[]> {
  const q = new URLSearchParams({ limit: '500', ...query }).toString();
  return (await api.get<{ items: AuditRow[] }>(`/api/v1/audit?${q}`)).items;
}
