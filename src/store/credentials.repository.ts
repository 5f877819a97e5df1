import type { Kysely, Selectable } from 'kysely';
import type { ApiToken } from '../contracts/api.js';
import { containsIgnoreCase, fetchPage, type Page, type PageRequest } from './paging.js';
import type { ApiTokensTable, Database } from './schema.js';

export interface SessionRecord {
  id: string;
  userId: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
}

/** Browser sessions. The id is the SHA-256 of the cookie value; the cookie value itself is never stored. */
export class SessionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: SessionRecord & { ip: string | null; userAgent: string | null }): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: s.id,
        user_id: s.userId,
        csrf_token: s.csrfToken,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        last_seen_at: s.lastSeenAt,
        ip: s.ip,
        user_agent: s.userAgent,
      })
      .execute();
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      id: row.id,
      userId: row.user_id,
      csrfToken: row.csrf_token,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      lastSeenAt: row.last_seen_at,
    };
  }

  async touch(id: string, now: string): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Ends every session of a user, except `keep` when given. */
  async deleteForUser(userId: string, keep?: string): Promise<void> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keep !== undefined) q = q.where('id', '!=', keep);
    await q.execute();
  }

  async deleteExpired(now: string): Promise<number> {
    const res = await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

export interface TokenRecord {
  id: string;
  userId: string;
  name: string;
  secretHash: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function toTokenRecord(row: Selectable<ApiTokensTable>): TokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export interface TokenFilter {
  userId?: string | undefined;
  state?: 'active' | 'expired' | 'revoked' | undefined;
  q?: string | undefined;
  now: string;
}

/** API tokens. Only the SHA-256 of the secret part is stored. */
export class ApiTokensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(t: TokenRecord): Promise<void> {
    await this.db
      .insertInto('api_tokens')
      .values({
        id: t.id,
        user_id: t.userId,
        name: t.name,
        secret_hash: t.secretHash,
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        last_used_at: t.lastUsedAt,
        revoked_at: t.revokedAt,
      })
      .execute();
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toTokenRecord(row);
  }

  async list(filter: TokenFilter, page: PageRequest): Promise<Page<ApiToken>> {
    let q = this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('api_tokens')
      .select('users.username');
    if (filter.userId !== undefined) q = q.where('api_tokens.user_id', '=', filter.userId);
    if (filter.state === 'revoked') q = q.where('api_tokens.revoked_at', 'is not', null);
    if (filter.state === 'expired') q = q.where('api_tokens.revoked_at', 'is', null).where('api_tokens.expires_at', '<=', filter.now);
    if (filter.state === 'active') q = q.where('api_tokens.revoked_at', 'is', null).where('api_tokens.expires_at', '>', filter.now);
    if (filter.q !== undefined) q = q.where(containsIgnoreCase('api_tokens.name', filter.q));
    return fetchPage(
      q,
      page,
      {
        name: 'api_tokens.name',
        createdAt: 'api_tokens.created_at',
        expiresAt: 'api_tokens.expires_at',
        lastUsedAt: 'api_tokens.last_used_at',
      },
      'api_tokens.id',
      (row) => toApiToken(toTokenRecord(row), row.username),
    );
  }

  async markUsed(id: string, now: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  async revoke(id: string, now: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async revokeForUser(userId: string, now: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  }
}

export function toApiToken(t: TokenRecord, username: string): ApiToken {
  return {
    id: t.id,
    userId: t.userId,
    username,
    name: t.name,
    prefix: `pw_${t.id}`,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}

/** Sign-in attempts, for rate limiting per username and per client address. */
export class LoginAttemptsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(username: string, ip: string, succeeded: boolean, at: string): Promise<void> {
    await this.db.insertInto('login_attempts').values({ username, ip, succeeded: succeeded ? 1 : 0, at }).execute();
  }

  /** Failures since `since` for the username and for the address, and the oldest of them (for Retry-After). */
  async failuresSince(username: string, ip: string, since: string): Promise<{ byUser: number; byIp: number; oldestUser: string | null; oldestIp: string | null }> {
    const user = await this.db
      .selectFrom('login_attempts')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest')])
      .where('username', '=', username)
      .where('succeeded', '=', 0)
      .where('at', '>', since)
      .executeTakeFirst();
    const ipRow = await this.db
      .selectFrom('login_attempts')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('at').as('oldest')])
      .where('ip', '=', ip)
      .where('succeeded', '=', 0)
      .where('at', '>', since)
      .executeTakeFirst();
    return {
      byUser: Number(user?.n ?? 0),
      byIp: Number(ipRow?.n ?? 0),
      oldestUser: (user?.oldest as string | null | undefined) ?? null,
      oldestIp: (ipRow?.oldest as string | null | undefined) ?? null,
    };
  }

  /** Forgets a username's failures after a successful sign-in. */
  async clearFailures(username: string): Promise<void> {
    await this.db.deleteFrom('login_attempts').where('username', '=', username).where('succeeded', '=', 0).execute();
  }

  async deleteOlderThan(before: string): Promise<void> {
    await this.db.deleteFrom('login_attempts').where('at', '<', before).execute();
  }
}
