import { hostname } from 'node:os';
import type { Command } from 'commander';
import { AppError } from '../../domain/errors.js';
import { endpoints } from '../../contracts/api.js';
import { normalizeServerUrl, writeCliConfig, type CliConfig } from '../cli-config.js';
import { sessionCookieOf, type ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { intArg, withJson } from '../options.js';
import { ask, askNewPassword, isInteractive } from '../prompt.js';

/** The server's session cookie (see the login endpoint). */
const SESSION_COOKIE = 'pw_session';
const MIN_PASSWORD = 12;

interface LoginOptions {
  username?: string;
  passwordStdin?: boolean;
  newPasswordStdin?: boolean;
  expiresInDays: number;
  json?: boolean;
}

async function username(cli: CliContext, opts: LoginOptions, server: string): Promise<string> {
  if (opts.username !== undefined) return opts.username;
  if (!isInteractive(cli.io)) throw new UsageError('no username: give --username when stdin is not a terminal');
  const stored = cli.readConfig();
  const previous = stored.username !== undefined && stored.server !== undefined && normalizeServerUrl(stored.server) === server ? stored.username : undefined;
  const answer = (await ask(cli.io, `Username${previous === undefined ? '' : ` [${previous}]`}: `)).trim();
  if (answer !== '') return answer;
  if (previous !== undefined) return previous;
  throw new UsageError('no username given');
}

async function password(cli: CliContext, opts: LoginOptions, user: string): Promise<string> {
  if (opts.passwordStdin === true) return cli.stdinLine(0, '--password-stdin');
  if (!isInteractive(cli.io)) throw new UsageError('no password: give --password-stdin (and pipe the password in) when stdin is not a terminal');
  return ask(cli.io, `Password for ${user}: `, { secret: true });
}

/** The new password the server demands: from stdin, PATCHWARDEN_NEW_PASSWORD or the terminal. */
async function newPassword(cli: CliContext, opts: LoginOptions, user: string): Promise<string> {
  if (opts.newPasswordStdin === true) return cli.stdinLine(opts.passwordStdin === true ? 1 : 0, '--new-password-stdin');
  const fromEnv = cli.io.env.PATCHWARDEN_NEW_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (isInteractive(cli.io)) {
    cli.io.stderr.write(`The server requires ${user} to choose a new password now.\n`);
    return askNewPassword(cli.io, 'New password', MIN_PASSWORD);
  }
  throw new AppError(
    'password_change_required',
    `the server requires ${user} to choose a new password first; run \`patchwarden login\` on a terminal, or set PATCHWARDEN_NEW_PASSWORD, or pass --new-password-stdin`,
  );
}

/** Best effort: ends the session the login used (the token lives on). */
async function endSession(session: ApiClient): Promise<void> {
  try {
    await session.call(endpoints.logout);
  } catch {
    // The session expires on its own.
  }
}

async function login(cli: CliContext, cmd: Command, opts: LoginOptions): Promise<void> {
  const { url: server } = cli.server(cmd);
  const user = await username(cli, opts, server);
  const secret = await password(cli, opts, user);
  const anonymous = cli.clientFor(server, null);
  const signedIn = await anonymous.request(endpoints.login, { body: { username: user, password: secret } });
  const cookie = sessionCookieOf(signedIn.headers, SESSION_COOKIE);
  if (cookie === undefined) throw new AppError('internal', `${server} accepted the sign-in but set no ${SESSION_COOKIE} cookie; is --server the Patchwarden server?`);
  const session = cli.clientFor(server, { sessionCookie: cookie, csrfToken: signedIn.data.csrfToken });
  const name = signedIn.data.user.username;
  let changedPassword = false;
  let created;
  try {
    if (signedIn.data.user.mustChangePassword) {
      await session.call(endpoints.changeMyPassword, { body: { currentPassword: secret, newPassword: await newPassword(cli, opts, name) } });
      changedPassword = true;
    }
    created = await session.call(endpoints.createToken, { body: { name: `cli@${hostname()}`, expiresInDays: opts.expiresInDays } });
  } finally {
    await endSession(session);
  }

  const path = cli.configPath;
  const previous = cli.readConfig();
  writeCliConfig(path, { server, token: created.token, tokenId: created.id, username: name });
  const replaced = await revokePrevious(cli, previous, server, created.id);

  if (opts.json === true) {
    cli.json({ server, username: name, tokenId: created.id, expiresAt: created.expiresAt, configPath: path, passwordChanged: changedPassword, previousTokenRevoked: replaced });
    return;
  }
  if (changedPassword) cli.out(`Password of ${name} changed.\n`);
  cli.out(`Logged in to ${server} as ${name}; token ${created.prefix}… stored in ${path}\n`);
  cli.out(`The token expires at ${created.expiresAt}; \`patchwarden logout\` revokes it.\n`);
}

/**
 * A login replaces the CLI's previous token for the same server: revoke it with itself, so old
 * tokens do not pile up. Failure (already revoked, expired) only means there is nothing to revoke.
 */
async function revokePrevious(cli: CliContext, previous: CliConfig, server: string, newId: string): Promise<boolean> {
  if (previous.token === undefined || previous.tokenId === undefined || previous.tokenId === newId) return false;
  if (previous.server === undefined || normalizeServerUrl(previous.server) !== server) return false;
  try {
    await cli.clientFor(server, { token: previous.token }).call(endpoints.revokeToken, { params: { tokenId: previous.tokenId } });
    return true;
  } catch {
    return false;
  }
}

/** `patchwarden login`: sign in and store an API token in the CLI config. */
export function registerLoginCommand(program: Command, cli: CliContext): void {
  withJson(
    program
      .command('login')
      .description('Sign in to a server and store an API token (named cli@<hostname>) for the other commands')
      .option('-u, --username <name>', 'who signs in (asked for on a terminal when not given)')
      .option('--password-stdin', 'read the password from the first line of stdin (for scripts)')
      .option('--new-password-stdin', 'if the server demands a new password, read it from the next line of stdin')
      .option('--expires-in-days <n>', 'lifetime of the API token in days, 1-3650', intArg(1, 3650), 90),
  )
    .addHelpText(
      'after',
      `
The password is used once, for a session that creates the API token; then the session ends. The
token, the server and the username are stored in the CLI config with mode 0600 (a previous token of
the CLI for the same server is revoked).

If the server requires a new password (first sign-in of a new user, or after a reset), login asks
for one on a terminal; otherwise it takes --new-password-stdin or PATCHWARDEN_NEW_PASSWORD.

Examples:
  patchwarden login --server http://127.0.0.1:8420
  printf '%s\\n' "$PASSWORD" | patchwarden login --server https://pw.example.com -u alice --password-stdin
  printf '%s\\n%s\\n' "$OLD" "$NEW" | patchwarden login -u bob --password-stdin --new-password-stdin`,
    )
    .action((opts: LoginOptions, cmd: Command) => login(cli, cmd, opts));
}
