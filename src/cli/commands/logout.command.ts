import type { Command } from 'commander';
import { isAppError } from '../../domain/errors.js';
import { endpoints } from '../../contracts/api.js';
import { normalizeServerUrl, writeCliConfig } from '../cli-config.js';
import type { CliContext } from '../context.js';
import { withJson } from '../options.js';

interface LogoutOptions {
  localOnly?: boolean;
  json?: boolean;
}

/** The id of a token `pw_<id>.<secret>` when the config lacks tokenId. */
function tokenIdOf(token: string): string | undefined {
  return /^pw_([A-Za-z0-9_-]+)\./.exec(token)?.[1];
}

async function logout(cli: CliContext, opts: LogoutOptions): Promise<void> {
  const path = cli.configPath;
  const config = cli.readConfig();
  if (config.token === undefined) {
    if (opts.json === true) cli.json({ revoked: false, removed: false, configPath: path });
    else cli.out(`Not logged in: no token in ${path}.\n`);
    return;
  }
  const server = normalizeServerUrl(config.server ?? '');
  const tokenId = config.tokenId ?? tokenIdOf(config.token);
  let revoked = false;
  let note: string | undefined;
  if (opts.localOnly === true) note = 'not revoked on the server (--local-only); it stays valid until it expires';
  else if (server === undefined || tokenId === undefined) note = 'not revoked: the CLI config names no server or token id';
  else {
    try {
      await cli.clientFor(server, { token: config.token }).call(endpoints.revokeToken, { params: { tokenId } });
      revoked = true;
    } catch (err) {
      // Invalid, expired or revoked already: there is nothing left to revoke. Anything else (server
      // down) keeps the token, so that it can still be revoked later.
      if (!isAppError(err, 'unauthenticated', 'not_found', 'conflict')) throw err;
      note = `the server did not accept it any more (${err.message}), so there was nothing to revoke`;
    }
  }
  writeCliConfig(path, { server: config.server, username: config.username });
  if (opts.json === true) {
    cli.json({ server: server ?? config.server ?? null, tokenId: tokenId ?? null, revoked, removed: true, note: note ?? null, configPath: path });
    return;
  }
  if (revoked) cli.out(`Logged out of ${server ?? ''}: token pw_${tokenId ?? ''} revoked and removed from ${path}.\n`);
  else cli.out(`Logged out: token removed from ${path}; ${note ?? ''}.\n`);
}

/** `patchwarden logout`: revoke the stored token and forget it. */
export function registerLogoutCommand(program: Command, cli: CliContext): void {
  withJson(
    program
      .command('logout')
      .description("Revoke the CLI's stored API token on the server and remove it from the CLI config")
      .option('--local-only', 'only remove the token from the CLI config, without revoking it (e.g. the server is gone)'),
  )
    .addHelpText(
      'after',
      `
When the server cannot be reached, logout fails and keeps the token (exit code 7), so that it can
still be revoked; --local-only forgets it anyway. A token the server no longer accepts (revoked or
expired) is simply removed.

Examples:
  patchwarden logout
  patchwarden logout --local-only`,
    )
    .action((opts: LogoutOptions) => logout(cli, opts));
}
