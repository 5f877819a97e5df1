/**
 * Sessions and tokens end to end through app.inject: the session cookie and CSRF, logout, the
 * forced password change, the sign-in rate limit, expiry (with an injected clock), revocation,
 * disabled users; secrets stored only as hashes; no secret in the server's logs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/app.js';
import { sha256 } from '../../src/server/auth/secrets.js';
import { SESSION_COOKIE } from '../../src/server/services/auth.service.js';
import { openDatabase } from '../../src/store/index.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { expectErrorShape, withSession, type Session } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function cookieOf(res: LightMyRequestResponse): string {
  const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
  if (cookie === undefined) throw new Error(`no session cookie in ${res.statusCode} ${res.body}`);
  return cookie.value;
}

async function login(t: TestApp, username: string, password: string, remoteAddress = '127.0.0.1'): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress });
}

async function signIn(t: TestApp, username: string, password: string): Promise<Session> {
  const res = await login(t, username, password);
  expect(res.statusCode, res.body).toBe(200);
  return { cookie: cookieOf(res), csrfToken: res.json().csrfToken };
}

function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  expectErrorShape(res);
  expect(res.json().error.code).toBe(code);
}

for (const dialect of testDialects()) {
  describe(`[${dialect}] sessions and tokens`, () => {
    let t: TestApp;
    let now = Date.parse('2026-11-27T12:00:00.000Z');
    const logLines: string[] = [];

    beforeAll(async () => {
      t = await createTestApp(dialect, {
        clock: () => new Date(now),
        config: { loginMaxFailuresPerUser: 3, loginMaxFailuresPerIp: 6, loginWindowMinutes: 15, sessionTtlHours: 12 },
        // The server's own logger (with its redaction), at the most verbose level, into memory.
        logger: createLogger('trace', { write: (line: string) => void logLines.push(line) }),
      });
    });
    afterAll(async () => {
      await t.close();
    });

    it('login sets an httpOnly, SameSite=Strict session cookie and returns the CSRF token', async () => {
      const res = await login(t, 'admin', ADMIN_PASSWORD);
      expect(res.statusCode).toBe(200);
      const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE);
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 12 * 3600 });
      expect(cookie?.value.length).toBeGreaterThanOrEqual(40);
      const body = res.json();
      expect(body.user.username).toBe('admin');
      expect(body.csrfToken.length).toBeGreaterThanOrEqual(30);
      expect(body.expiresAt).toBe(new Date(now + 12 * HOUR).toISOString());
      const session = await withSession(t.app, { cookie: cookie!.value, csrfToken: body.csrfToken }, 'GET', '/api/v1/auth/session');
      expect(session.json().csrfToken).toBe(body.csrfToken);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('refuses state changes made with the cookie without the right X-CSRF-Token; reads work', async () => {
      const session = await signIn(t, 'admin', ADMIN_PASSWORD);
      const other = await signIn(t, 'admin', ADMIN_PASSWORD);
      const accountId = await t.createAccount('csrf-target');
      const tokensBefore = (await withSession(t.app, session, 'GET', '/api/v1/tokens')).json().total;
      const me = (await withSession(t.app, session, 'GET', '/api/v1/me', undefined, false)).json();
      expect(me.username).toBe('admin');
      const changes: [string, string, unknown][] = [
        ['POST', '/api/v1/tokens', { name: 'csrf' }],
        ['PATCH', `/api/v1/accounts/${accountId}`, { description: 'changed by CSRF' }],
        ['PATCH', `/api/v1/users/${me.id}`, { displayName: 'Changed by CSRF' }],
        ['DELETE', `/api/v1/accounts/${accountId}`, undefined],
        ['PUT', `/api/v1/accounts/${accountId}/members/${me.id}`, { role: 'viewer' }],
        ['POST', '/api/v1/auth/logout', undefined],
      ];
      for (const [method, url, body] of changes) {
        for (const csrf of [false, '', 'wrong', other.csrfToken, `${session.csrfToken}x`] as const) {
          expectError(await withSession(t.app, session, method, url, body, csrf), 403, 'csrf');
        }
      }
      // Nothing changed, and the session still works.
      expect((await withSession(t.app, session, 'GET', '/api/v1/tokens', undefined, false)).json().total).toBe(tokensBefore);
      expect((await t.db.store.accounts.get(accountId))?.description).toBe('');
      expect((await t.db.store.users.get(me.id))?.displayName).toBe('Administrator');
      for (const url of ['/api/v1/me', '/api/v1/accounts', `/api/v1/accounts/${accountId}`, '/api/v1/auth/session', '/api/v1/audit']) {
        expect((await withSession(t.app, session, 'GET', url, undefined, false)).statusCode, url).toBe(200);
      }
      // With the right token the same change goes through.
      expect((await withSession(t.app, session, 'PATCH', `/api/v1/accounts/${accountId}`, { description: 'with CSRF' })).statusCode).toBe(200);
      // Bearer tokens need no CSRF token.
      expect((await t.as(t.adminToken, 'PATCH', `/api/v1/accounts/${accountId}`, { description: 'with a token' })).statusCode).toBe(200);
    });

    it('logout ends the session', async () => {
      const session = await signIn(t, 'admin', ADMIN_PASSWORD);
      expect((await withSession(t.app, session, 'GET', '/api/v1/me')).statusCode).toBe(200);
      const out = await withSession(t.app, session, 'POST', '/api/v1/auth/logout');
      expect(out.statusCode).toBe(204);
      expect(out.cookies.find((c) => c.name === SESSION_COOKIE)?.value).toBe('');
      expectError(await withSession(t.app, session, 'GET', '/api/v1/me'), 401, 'unauthenticated');
      expect(await t.db.store.sessions.get(sha256(session.cookie))).toBeUndefined();
    });

    it('a user who must change their password gets 403 password_change_required until POST /api/v1/me/password', async () => {
      const created = await t.as(t.adminToken, 'POST', '/api/v1/users', { username: 'newcomer', password: 'first-password-123' });
      expect(created.json().mustChangePassword).toBe(true);
      const session = await signIn(t, 'newcomer', 'first-password-123');
      for (const [method, url, body] of [
        ['GET', '/api/v1/accounts', undefined],
        ['GET', '/api/v1/organization', undefined],
        ['POST', '/api/v1/tokens', { name: 'sneaky' }],
        ['GET', '/api/v1/tokens', undefined],
      ] as const) {
        expectError(await withSession(t.app, session, method, url, body), 403, 'password_change_required');
      }
      expect((await withSession(t.app, session, 'GET', '/api/v1/me')).json().mustChangePassword).toBe(true);
      expect((await withSession(t.app, session, 'GET', '/api/v1/auth/session')).statusCode).toBe(200);
      expectError(await withSession(t.app, session, 'POST', '/api/v1/me/password', { currentPassword: 'first-password-123', newPassword: 'first-password-123' }), 400, 'validation');
      expect((await withSession(t.app, session, 'POST', '/api/v1/me/password', { currentPassword: 'first-password-123', newPassword: 'my-own-password-456' })).statusCode).toBe(204);
      expect((await withSession(t.app, session, 'GET', '/api/v1/accounts')).statusCode).toBe(200);
      expect((await withSession(t.app, session, 'POST', '/api/v1/tokens', { name: 'now allowed' })).statusCode).toBe(201);
      expect((await login(t, 'newcomer', 'first-password-123')).statusCode).toBe(401);
      expect((await login(t, 'newcomer', 'my-own-password-456')).statusCode).toBe(200);
    });

    it('after loginMaxFailuresPerUser failures even the right password is refused with 429 and Retry-After, until the window passes', async () => {
      await t.createUser('targeted', { password: 'targeted-password-123' });
      for (let i = 0; i < 3; i++) expectError(await login(t, 'targeted', `wrong-guess-${i}-xx`, '10.0.0.1'), 401, 'unauthenticated');
      now += 60_000;
      const limited = await login(t, 'targeted', 'targeted-password-123', '10.0.0.2');
      expectError(limited, 429, 'rate_limited');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(14 * 60);
      expect(limited.cookies).toEqual([]);
      // Other users are not affected.
      expect((await login(t, 'admin', ADMIN_PASSWORD, '10.0.0.2')).statusCode).toBe(200);
      now += retryAfter * 1000;
      expect((await login(t, 'targeted', 'targeted-password-123', '10.0.0.2')).statusCode).toBe(200);
    });

    it('after loginMaxFailuresPerIp failures from one address, sign-ins from it are refused with 429', async () => {
      for (let i = 0; i < 6; i++) expectError(await login(t, `someone-${i}`, 'a-wrong-password', '10.9.9.9'), 401, 'unauthenticated');
      const limited = await login(t, 'admin', ADMIN_PASSWORD, '10.9.9.9');
      expectError(limited, 429, 'rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await login(t, 'admin', ADMIN_PASSWORD, '10.9.9.10')).statusCode).toBe(200);
      now += 16 * 60_000;
    });

    it('expired tokens and sessions give 401', async () => {
      const created = await t.as(t.adminToken, 'POST', '/api/v1/tokens', { name: 'short-lived', expiresInDays: 1 });
      expect(created.statusCode).toBe(201);
      const token = created.json().token as string;
      const session = await signIn(t, 'admin', ADMIN_PASSWORD);
      expect((await t.as(token, 'GET', '/api/v1/me')).statusCode).toBe(200);
      now += 13 * HOUR;
      expectError(await withSession(t.app, session, 'GET', '/api/v1/me'), 401, 'unauthenticated');
      expect((await t.as(token, 'GET', '/api/v1/me')).statusCode).toBe(200);
      now += DAY;
      const expired = await t.as(token, 'GET', '/api/v1/me');
      expectError(expired, 401, 'unauthenticated');
      expect(expired.json().error.message).toMatch(/expired/);
      const listed = await t.as(t.adminToken, 'GET', `/api/v1/tokens?state=expired`);
      expect((listed.json().items as { id: string }[]).map((i) => i.id)).toContain(created.json().id);
    });

    it('revoked tokens give 401', async () => {
      const created = (await t.as(t.adminToken, 'POST', '/api/v1/tokens', { name: 'to revoke' })).json();
      expect((await t.as(created.token, 'GET', '/api/v1/me')).statusCode).toBe(200);
      expect((await t.as(t.adminToken, 'DELETE', `/api/v1/tokens/${created.id}`)).statusCode).toBe(204);
      const revoked = await t.as(created.token, 'GET', '/api/v1/me');
      expectError(revoked, 401, 'unauthenticated');
      expect(revoked.json().error.message).toMatch(/revoked/);
      expectError(await t.as(created.token, 'POST', '/api/v1/tokens', { name: 'from a revoked token' }), 401, 'unauthenticated');
      expectError(await t.as(t.adminToken, 'DELETE', `/api/v1/tokens/${created.id}`), 409, 'conflict');
    });

    it("a disabled user's tokens and sessions stop working, and they cannot sign in", async () => {
      const user = await t.createUser('to-disable', { password: 'disable-password-123' });
      const session = await signIn(t, 'to-disable', 'disable-password-123');
      expect((await t.as(user.token, 'GET', '/api/v1/me')).statusCode).toBe(200);
      expect((await withSession(t.app, session, 'GET', '/api/v1/me')).statusCode).toBe(200);
      expect((await t.as(t.adminToken, 'PATCH', `/api/v1/users/${user.id}`, { disabled: true })).statusCode).toBe(200);
      expectError(await t.as(user.token, 'GET', '/api/v1/me'), 401, 'unauthenticated');
      expectError(await withSession(t.app, session, 'GET', '/api/v1/me'), 401, 'unauthenticated');
      expectError(await t.as(user.token, 'POST', '/api/v1/tokens', { name: 'while disabled' }), 401, 'unauthenticated');
      expectError(await login(t, 'to-disable', 'disable-password-123'), 401, 'unauthenticated');
      // Enabled again, the token works again (it was not revoked); the session is gone for good.
      expect((await t.as(t.adminToken, 'PATCH', `/api/v1/users/${user.id}`, { disabled: false })).statusCode).toBe(200);
      expect((await t.as(user.token, 'GET', '/api/v1/me')).statusCode).toBe(200);
      expectError(await withSession(t.app, session, 'GET', '/api/v1/me'), 401, 'unauthenticated');
    });

    it("an admin's password reset ends the user's sessions and revokes their tokens; they may still revoke tokens before choosing a new password", async () => {
      const user = await t.createUser('to-reset', { password: 'reset-password-123' });
      const session = await signIn(t, 'to-reset', 'reset-password-123');
      const reset = await t.as(t.adminToken, 'POST', `/api/v1/users/${user.id}/password`, { password: 'temporary-password-1' });
      expect(reset.statusCode, reset.body).toBe(204);
      expectError(await t.as(user.token, 'GET', '/api/v1/me'), 401, 'unauthenticated');
      expectError(await withSession(t.app, session, 'GET', '/api/v1/me'), 401, 'unauthenticated');
      // Signed in with the temporary password, the user must change it, but may revoke a token meanwhile.
      const again = await signIn(t, 'to-reset', 'temporary-password-1');
      const own = await t.db.store.tokens.list({ userId: user.id, now: new Date().toISOString() }, { limit: 10, offset: 0, sort: 'name' });
      expect(own.items.every((tok) => tok.revokedAt !== null)).toBe(true);
      expectError(await withSession(t.app, again, 'GET', '/api/v1/accounts'), 403, 'password_change_required');
      const id = own.items[0]!.id;
      expectError(await withSession(t.app, again, 'DELETE', `/api/v1/tokens/${id}`), 409, 'conflict');
    });

    it('stores token secrets and session cookies only as SHA-256 hashes, and passwords as scrypt hashes', async () => {
      const password = 'stored-password-9876';
      const created = await t.as(t.adminToken, 'POST', '/api/v1/users', { username: 'stored', password, mustChangePassword: false });
      expect(created.statusCode).toBe(201);
      const session = await signIn(t, 'stored', password);
      const token = (await withSession(t.app, session, 'POST', '/api/v1/tokens', { name: 'stored token' })).json();
      const secret = (token.token as string).split('.')[1]!;
      expect(token.token).toBe(`pw_${token.id}.${secret}`);
      const secrets = [password, token.token, secret, session.cookie];

      const handle = openDatabase(t.db.options);
      try {
        const tables = (await handle.db.introspection.getTables()).map((x) => x.name).filter((n) => !n.startsWith('kysely_'));
        expect(tables).toEqual(expect.arrayContaining(['users', 'sessions', 'api_tokens', 'audit_log', 'login_attempts']));
        for (const table of tables) {
          const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(handle.db);
          const dump = JSON.stringify(rows.rows);
          for (const s of secrets) expect(dump.includes(s), `a secret in clear in table ${table}`).toBe(false);
        }
        const tokenRow = (await sql<{ secret_hash: string }>`select secret_hash from api_tokens where id = ${token.id}`.execute(handle.db)).rows[0];
        expect(tokenRow?.secret_hash).toBe(sha256(secret));
        const sessionRow = (await sql<{ id: string }>`select id from sessions where id = ${sha256(session.cookie)}`.execute(handle.db)).rows[0];
        expect(sessionRow).toBeDefined();
        const userRow = (await sql<{ password_hash: string }>`select password_hash from users where username = 'stored'`.execute(handle.db)).rows[0];
        expect(userRow?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
      } finally {
        await handle.close();
      }
      if (t.db.options.sqliteFile !== undefined) {
        // Nor anywhere in the database files (free pages and the write-ahead log included).
        const dir = dirname(t.db.options.sqliteFile);
        for (const file of readdirSync(dir)) {
          const bytes = readFileSync(`${dir}/${file}`).toString('latin1');
          for (const s of secrets) expect(bytes.includes(s), `a secret in clear in ${file}`).toBe(false);
        }
      }
    });

    it('no secret reaches the logs, even at level trace', async () => {
      const password = 'logged-password-5555';
      const created = await t.as(t.adminToken, 'POST', '/api/v1/users', { username: 'logged', password, mustChangePassword: false });
      expect(created.statusCode).toBe(201);
      const failed = await login(t, 'logged', 'a-wrong-password-for-logs');
      expect(failed.statusCode).toBe(401);
      const session = await signIn(t, 'logged', password);
      const token = (await withSession(t.app, session, 'POST', '/api/v1/tokens', { name: 'logged token' })).json().token as string;
      await t.as(token, 'GET', '/api/v1/me');
      await t.as(token, 'POST', '/api/v1/me/password', { currentPassword: password, newPassword: 'logged-password-6666' });
      await t.as(t.adminToken, 'POST', `/api/v1/users/${created.json().id}/password`, { password: 'logged-password-7777' });
      await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: `{"username":"logged","password":"logged-password-8888"` });
      await t.as(`${token}broken`, 'GET', '/api/v1/me');
      await withSession(t.app, session, 'POST', '/api/v1/tokens', { name: 'no csrf' }, false);
      await t.as(token, 'GET', '/metrics');
      const logs = logLines.join('');
      expect(logs).toContain('incoming request');
      const secrets = [
        ADMIN_PASSWORD, password, 'a-wrong-password-for-logs', 'logged-password-6666', 'logged-password-7777', 'logged-password-8888',
        token, token.split('.')[1]!, t.adminToken, t.adminToken.split('.')[1]!, session.cookie, session.csrfToken,
      ];
      for (const s of secrets) expect(logs.includes(s), `secret ${s.slice(0, 12)}… in the logs`).toBe(false);
    });
  });
}
