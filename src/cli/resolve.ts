import { AppError, isAppError } from '../domain/errors.js';
import { endpoints, type Account, type User } from '../contracts/api.js';
import type { ApiClient } from './client.js';

/** Ids the server hands out look like `acct_` + 20 base32 letters; names cannot look like that. */
const ACCOUNT_ID = /^acct_[0-9a-z]{20}$/;
const USER_ID = /^usr_[0-9a-z]{20}$/;

/** Pages through a list filtered by `q` until `match` finds the item (q is a substring match). */
async function findExact<T>(fetchPage: (offset: number) => Promise<{ items: T[]; total: number }>, match: (item: T) => boolean): Promise<T | undefined> {
  for (let offset = 0; ; ) {
    const page = await fetchPage(offset);
    const found = page.items.find(match);
    if (found !== undefined) return found;
    offset += page.items.length;
    if (page.items.length === 0 || offset >= page.total) return undefined;
  }
}

/**
 * The id of an account given by id (`acct_…`) or by exact name.
 *
 * @example
 *   await accountIdOf(client, 'production') // 'acct_5n2k9q0w7c1d3f8g4h6j'
 */
export async function accountIdOf(client: ApiClient, ref: string): Promise<string> {
  const wanted = ref.trim();
  if (ACCOUNT_ID.test(wanted)) return wanted;
  const found = await findExact<Account>(
    (offset) => client.call(endpoints.listAccounts, { query: { q: wanted, limit: 500, offset } }),
    (a) => a.name === wanted,
  );
  if (found === undefined) throw new AppError('not_found', `no account named "${wanted}" that you can see; list them with \`patchwarden accounts list\``);
  return found.id;
}

/**
 * The id of a user given by id (`usr_…`) or by username. Falls back to GET /me when the caller
 * may not list users (so everyone can name themselves).
 */
export async function userIdOf(client: ApiClient, ref: string): Promise<string> {
  const wanted = ref.trim().toLowerCase();
  if (USER_ID.test(wanted)) return wanted;
  try {
    const found = await findExact<User>(
      (offset) => client.call(endpoints.listUsers, { query: { q: wanted, limit: 500, offset } }),
      (u) => u.username === wanted,
    );
    if (found !== undefined) return found.id;
  } catch (err) {
    if (!isAppError(err, 'forbidden')) throw err;
  }
  const me = await client.call(endpoints.getMe);
  if (me.username === wanted) return me.id;
  throw new AppError('not_found', `no user named "${wanted}" that you can see; list them with \`patchwarden users list\``);
}
