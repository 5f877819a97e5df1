import type { User } from '../contracts/api.js';
import type { CliContext } from './context.js';
import { formatTable, formatTime } from './output.js';

/** A user's state in one word or three: disabled, must change password, or active. */
export function userStatus(u: User): string {
  if (u.disabled) return 'disabled';
  return u.mustChangePassword ? 'must change password' : 'active';
}

/** Prints one user as `key: value` lines (after `leading` ones) and a table of memberships. */
export function printUser(cli: CliContext, u: User, leading: readonly (readonly [string, string])[] = []): void {
  cli.fields([
    ...leading,
    ['user', u.username],
    ['id', u.id],
    ['display name', u.displayName],
    ['email', u.email],
    ['org role', u.orgRole ?? 'none'],
    ['status', userStatus(u)],
    ['created', formatTime(u.createdAt)],
    ['last login', formatTime(u.lastLoginAt)],
  ]);
  if (u.memberships.length === 0) return cli.out('memberships: none\n');
  cli.out(`\nmemberships:\n${formatTable(u.memberships, [
    { header: 'ACCOUNT', value: (m) => m.accountName },
    { header: 'ACCOUNT ID', value: (m) => m.accountId },
    { header: 'ROLE', value: (m) => m.role },
  ])}`);
}
