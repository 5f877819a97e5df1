import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { ErrorResponse } from '../../src/contracts/api.js';
import type { AccountRole, OrgRole } from '../../src/domain/access.js';
import { hashPassword, randomSecret, sha256 } from '../../src/server/auth/secrets.js';
import { newNodeCredential, newNodeId } from '../../src/server/auth/node-credentials.js';
import { AuthService, SESSION_COOKIE } from '../../src/server/services/auth.service.js';
import { newId, type Repositories } from '../../src/store/index.js';
import type { TestApp } from '../helpers/app.js';

/** The callers the API tests walk: no credentials, the organization roles, the account roles, and a user with no role. */
export const ROLES = ['anonymous', 'org-admin', 'org-auditor', 'admin', 'operator', 'viewer', 'no-role'] as const;
export type Role = (typeof ROLES)[number];

/** The password of every fixture user (hashed once per process: scrypt is slow on purpose). */
export const KNOWN_PASSWORD = 'fixture-password-1234';
let knownHash: Promise<string> | undefined;
export function knownPasswordHash(): Promise<string> {
  knownHash ??= hashPassword(KNOWN_PASSWORD);
  return knownHash;
}

export interface Person {
  id: string;
  username: string;
  /** A bearer token of the user. */
  token: string;
  tokenId: string;
}

export interface Acct {
  id: string;
  name: string;
}

export interface Session {
  cookie: string;
  csrfToken: string;
}

/** Lowercase letters and digits, for unique names that fit account names and usernames. */
export function suffix(): string {
  return Math.random().toString(36).slice(2, 8).padEnd(6, '0');
}

/**
 * Fixtures written straight into the store (cheap: no password hashing per user), for tests that need
 * many fresh accounts, users, tokens and sessions.
 */
export class Fixtures {
  private counter = { n: 0 };

  /** `repos`: write through these (one transaction, see `within`) instead of the app's store. */
  constructor(
    readonly t: TestApp,
    private readonly repos?: Repositories,
  ) {}

  private get store(): Repositories {
    return this.repos ?? this.t.db.store;
  }

  /**
   * Runs `fn` with fixtures that write in one database transaction: the same rows, committed once
   * instead of once per row (on PostgreSQL each commit waits for its WAL flush). `tx` is for other
   * writes of the same batch; names stay unique across both.
   */
  within<T>(fn: (fx: Fixtures, tx: Repositories) => Promise<T>): Promise<T> {
    return this.t.db.store.transaction((tx) => {
      const fx = new Fixtures(this.t, tx);
      fx.counter = this.counter;
      return fn(fx, tx);
    });
  }

  unique(prefix: string): string {
    this.counter.n += 1;
    return `${prefix}-${this.counter.n}-${suffix()}`;
  }

  async account(prefix = 'acct'): Promise<Acct> {
    const name = this.unique(prefix);
    const id =
      this.repos === undefined
        ? await this.t.createAccount(name)
        : (await this.repos.accounts.insert({ organizationId: (await this.repos.organizations.get())?.id ?? 'org_main', name, description: '', now: new Date().toISOString() })).id;
    const account = await this.store.accounts.get(id);
    if (account === undefined) throw new Error('account vanished');
    return { id, name: account.name };
  }

  async user(opts: { prefix?: string; orgRole?: OrgRole | null; memberships?: [string, AccountRole][]; mustChangePassword?: boolean } = {}): Promise<Person> {
    const now = new Date().toISOString();
    const user = await this.store.users.insert({
      username: this.unique(opts.prefix ?? 'user'),
      displayName: 'Fixture user',
      email: null,
      passwordHash: await knownPasswordHash(),
      orgRole: opts.orgRole ?? null,
      mustChangePassword: opts.mustChangePassword ?? false,
      now,
    });
    for (const [accountId, role] of opts.memberships ?? []) await this.store.memberships.set(accountId, user.id, role, now);
    const token = await this.token(user.id);
    return { id: user.id, username: user.username, token: token.token, tokenId: token.id };
  }

  async token(userId: string, expiresAt = new Date(Date.now() + 86_400_000).toISOString()): Promise<{ id: string; token: string }> {
    const fresh = AuthService.newToken();
    await this.store.tokens.insert({
      id: fresh.id,
      userId,
      name: this.unique('token'),
      secretHash: fresh.secretHash,
      createdAt: new Date().toISOString(),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    });
    return { id: fresh.id, token: fresh.token };
  }

  async session(userId: string): Promise<Session> {
    const cookie = randomSecret(32);
    const csrfToken = randomSecret(24);
    const now = new Date();
    await this.store.sessions.insert({
      id: sha256(cookie),
      userId,
      csrfToken,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      lastSeenAt: now.toISOString(),
      ip: '127.0.0.1',
      userAgent: null,
    });
    return { cookie, csrfToken };
  }

  /** A node registered in the account (straight into the store), with its credential. */
  async node(accountId: string, hostname: string, tags: Record<string, string> = {}): Promise<{ nodeId: string; credential: string }> {
    const nodeId = newNodeId();
    const { credential, secretHash } = newNodeCredential(nodeId);
    const platform = { osId: 'debian', osIdLike: [], version: '12', codename: 'bookworm', prettyName: 'Debian 12', arch: 'amd64', packageManager: 'apt' as const, ecosystem: 'Debian:12' };
    await this.store.nodes.insert({ id: nodeId, accountId, activationId: null, secretHash, hostname, platform, agentVersion: '0.1.0', tags, now: new Date().toISOString() });
    return { nodeId, credential };
  }

  /** A pending Scan command of the account for the node; returns the command and invocation ids. */
  async command(accountId: string, nodeId: string): Promise<{ commandId: string; invocationId: string }> {
    const commandId = newId('cmd');
    const invocationId = newId('inv');
    await this.store.commands.insert(
      { id: commandId, accountId, document: 'Scan', parameters: { rebootOption: 'NoReboot', installOverrideList: [], items: [] }, targets: { nodeIds: [nodeId] }, timeoutSeconds: 600, createdBy: 'fixture', createdAt: new Date().toISOString(), cancelledAt: null, status: 'Pending', maxConcurrency: '50', maxErrors: '0', targetCount: 1, comment: '' },
      [{ id: invocationId, nodeId }],
    );
    // Released at once, as rate control would (one node, within maxConcurrency).
    await this.store.commands.releaseWaiting(commandId, 1, new Date().toISOString(), new Date(Date.now() + 600_000).toISOString());
    return { commandId, invocationId };
  }

  /** A resource group of the account (matching the tag `Env=prod`); returns its id. */
  async resourceGroup(accountId: string): Promise<string> {
    const id = newId('rg');
    const now = new Date().toISOString();
    await this.store.resourceGroups.insert({ id, accountId, name: this.unique('group'), description: '', tagFilters: [{ key: 'Env', values: ['prod'] }], createdAt: now, createdBy: 'fixture', updatedAt: now });
    return id;
  }

  /** A patch snapshot of the account with one item; returns its id. */
  async snapshot(accountId: string): Promise<string> {
    const id = newId('snap');
    await this.store.snapshots.insert(
      { id, accountId, description: 'fixture', createdAt: new Date().toISOString(), createdBy: 'fixture', commandId: null, baselines: [{ baselineId: 'pb-fixture', name: 'fixture', version: 1, rules: {} }], itemCount: 1 },
      [{ baselineId: 'pb-fixture', ecosystem: 'Debian:12', name: 'openssl', arch: 'amd64', version: '3.0.15-1~deb12u1', complianceLevel: 'HIGH', severity: 'high', classification: 'security', security: true, cves: [], advisoryIds: [] }],
    );
    return id;
  }

  /** A user holding `role`: the organization roles, or the account role in `own`; null for anonymous. */
  async caller(role: Role, own: string): Promise<Person | null> {
    switch (role) {
      case 'anonymous':
        return null;
      case 'org-admin':
      case 'org-auditor':
        return this.user({ prefix: role, orgRole: role });
      case 'admin':
      case 'operator':
      case 'viewer':
        return this.user({ prefix: role, memberships: [[own, role]] });
      case 'no-role':
        return this.user({ prefix: 'norole' });
    }
  }
}

/** Requests with a session cookie (and the CSRF header unless `csrf` is false or another value). */
export function withSession(app: FastifyInstance, session: Session, method: string, url: string, body?: unknown, csrf: string | false = session.csrfToken) {
  return app.inject({
    method: method as 'GET',
    url,
    cookies: { [SESSION_COOKIE]: session.cookie },
    headers: csrf === false ? {} : { 'x-csrf-token': csrf },
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
}

/** Asserts the one error shape of the API: `{ error: { code, message } }` with a documented code, as JSON. */
export function expectErrorShape(res: LightMyRequestResponse | { statusCode: number; headers: Record<string, unknown>; body: string }, context = ''): void {
  expect(String(res.headers['content-type']), `${context}: content-type of ${res.statusCode} ${res.body.slice(0, 200)}`).toMatch(/^application\/json/);
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    parsed = undefined;
  }
  const result = ErrorResponse.safeParse(parsed);
  expect(result.success, `${context}: not the error shape: ${res.statusCode} ${res.body.slice(0, 300)}`).toBe(true);
}

export function isErrorShape(res: { headers: Record<string, unknown>; body: string }): boolean {
  if (!/^application\/json/.test(String(res.headers['content-type']))) return false;
  try {
    return ErrorResponse.safeParse(JSON.parse(res.body)).success;
  } catch {
    return false;
  }
}

/**
 * Every route the Fastify app serves, as `METHOD /path` with OpenAPI-style `{param}` (HEAD routes,
 * which Fastify adds for every GET, left out). Parsed from `app.printRoutes()`.
 */
export function servedRoutes(app: FastifyInstance): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (m === null) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(m[2] ?? '');
    const path = stack.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of (m[3] ?? '').split(', ').filter((x) => x !== '' && x !== 'HEAD')) out.push({ method, path });
  }
  return out;
}
