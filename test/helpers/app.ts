import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import type { Dialect } from '../../src/store/index.js';
import { buildApp, type App } from '../../src/server/app.js';
import { ServerConfig } from '../../src/server/config.js';
import { bootstrap } from '../../src/server/services/bootstrap.js';
import { systemContext, type Clock } from '../../src/server/services/context.js';
import { createTestDatabase, type TestDatabase } from './databases.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestApp extends App {
  db: TestDatabase;
  /** Bearer token of the bootstrap admin (org-admin). */
  adminToken: string;
  close(): Promise<void>;
  /** app.inject with a bearer token. */
  as(token: string | null, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Creates a user directly (with org role and memberships) and returns its id and a bearer token. */
  createUser(username: string, opts?: { orgRole?: 'org-admin' | 'org-auditor' | null; memberships?: { accountId: string; role: 'viewer' | 'operator' | 'admin' }[]; password?: string }): Promise<{ id: string; token: string }>;
  /** Creates an account directly and returns its id. */
  createAccount(name: string): Promise<string>;
}

/**
 * A real app (Fastify + services + a fresh migrated database of the given dialect), bootstrapped
 * with the admin user, for route tests through app.inject().
 */
export async function createTestApp(
  dialect: Dialect = 'sqlite',
  options: { config?: Partial<ServerConfig>; clock?: Clock; logger?: pino.Logger } = {},
): Promise<TestApp> {
  const db = await createTestDatabase(dialect);
  const config = ServerConfig.parse({ dataDir: '/nonexistent', logLevel: 'silent', ...options.config });
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? pino({ level: 'silent' });
  await bootstrap({ store: db.store, clock, config, logger }, ADMIN_PASSWORD);
  const built = await buildApp({ config, store: db.store, clock, logger });
  const app: FastifyInstance = built.app;
  await app.ready();
  const ctxFor = async (userId: string) => {
    const user = await db.store.users.get(userId);
    if (user === undefined) throw new Error('no such user');
    return {
      ...systemContext('test'),
      principal: {
        userId,
        username: user.username,
        orgRole: user.orgRole,
        memberships: await db.store.memberships.rolesOf(userId),
        via: 'token' as const,
        mustChangePassword: false,
      },
    };
  };
  const admin = await db.store.users.getByUsername('admin');
  if (admin === undefined) throw new Error('bootstrap did not create admin');
  const adminToken = (await built.services.tokens.create(await ctxFor(admin.id), { name: 'test-admin' })).token;
  const org = await db.store.organizations.get();

  const testApp: TestApp = {
    ...built,
    db,
    adminToken,
    async close() {
      await app.close();
      await db.drop();
    },
    as(token, method, url, body, headers = {}) {
      return app.inject({
        method: method as 'GET',
        url,
        headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
    },
    async createUser(username, opts = {}) {
      const now = new Date().toISOString();
      const { hashPassword } = await import('../../src/server/auth/secrets.js');
      const user = await db.store.users.insert({
        username,
        displayName: username,
        email: null,
        passwordHash: await hashPassword(opts.password ?? `${username}-password-123`),
        orgRole: opts.orgRole ?? null,
        mustChangePassword: false,
        now,
      });
      for (const m of opts.memberships ?? []) await db.store.memberships.set(m.accountId, user.id, m.role, now);
      const token = (await built.services.tokens.create(await ctxFor(user.id), { name: `test-${username}` })).token;
      return { id: user.id, token };
    },
    async createAccount(name) {
      const account = await db.store.accounts.insert({ organizationId: org?.id ?? 'org_main', name, description: '', now: new Date().toISOString() });
      return account.id;
    },
  };
  return testApp;
}
