import { Option, type Command } from 'commander';
import { endpoints, type ApiToken } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { userIdOf } from '../resolve.js';

function stateOf(t: ApiToken, now: string): string {
  if (t.revokedAt !== null) return 'revoked';
  return t.expiresAt <= now ? 'expired' : 'active';
}

/** `pw_tok_x.secret`, `pw_tok_x` or `tok_x` → `tok_x`. */
function tokenIdOf(ref: string): string {
  return ref.trim().replace(/^pw_/, '').replace(/\..*$/, '');
}

/** `patchwarden tokens …`: API tokens for the CLI, scripts and CI. */
export function registerTokensCommand(program: Command, cli: CliContext): void {
  const tokens = program.command('tokens').description('Manage API tokens (for scripts and CI; `patchwarden login` creates one for the CLI)');

  withListOptions(tokens.command('list').description('List your API tokens (with --all, everyone\'s: org-admin, org-auditor)'), endpoints.listTokens)
    .option('--all', "every user's tokens (org-admin, org-auditor)")
    .option('--user <user>', "one user's tokens (id or username; org-admin, org-auditor)")
    .addOption(new Option('--state <state>', 'only tokens in this state').choices(['active', 'expired', 'revoked']))
    .option('-q, --search <text>', 'only tokens whose name contains the text')
    .addHelpText('after', '\nThe token the CLI itself uses is marked with "*".\n\nExamples:\n  patchwarden tokens list\n  patchwarden tokens list --all --state active --sort -lastUsedAt')
    .action(async (opts: ListOptions & { all?: boolean; user?: string; state?: string; search?: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const userId = opts.user === undefined ? undefined : await userIdOf(client, opts.user);
      const { data, raw } = await client.request(endpoints.listTokens, {
        query: { ...pageQuery(opts), ...defined({ all: opts.all === true ? 'true' : undefined, userId, state: opts.state, q: opts.search }) } as never,
      });
      if (opts.json === true) return cli.json(raw);
      const now = new Date().toISOString();
      const own = cli.readConfig().tokenId;
      const columns: Column<ApiToken>[] = [
        { header: 'ID', value: (t) => `${t.id}${t.id === own ? ' *' : ''}` },
        { header: 'NAME', value: (t) => t.name },
        { header: 'USER', value: (t) => t.username },
        { header: 'STATE', value: (t) => stateOf(t, now) },
        { header: 'CREATED', value: (t) => formatTime(t.createdAt) },
        { header: 'EXPIRES', value: (t) => formatTime(t.expiresAt) },
        { header: 'LAST USED', value: (t) => formatTime(t.lastUsedAt) },
      ];
      cli.table(data, columns, 'tokens');
    });

  withJson(tokens.command('create').description('Create an API token for yourself; it is shown only once').argument('<name>', 'what the token is for, e.g. ci-deploy'))
    .option('--expires-in-days <n>', 'lifetime in days, 1-3650 (default: 90)', intArg(1, 3650))
    .addHelpText(
      'after',
      `
The token acts with your roles. Send it as "Authorization: Bearer <token>", or give it to the CLI
with PATCHWARDEN_TOKEN or --token.

Examples:
  patchwarden tokens create ci-deploy --expires-in-days 30
  TOKEN=$(patchwarden tokens create nightly-report --json | jq -r .token)`,
    )
    .action(async (name: string, opts: { expiresInDays?: number; json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.createToken, { body: { name, ...defined({ expiresInDays: opts.expiresInDays }) } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Created token ${data.id} "${data.name}", expires ${formatTime(data.expiresAt)}:\n\n  ${data.token}\n\n`);
      cli.io.stderr.write('This token is shown only now: store it safely (e.g. in your CI secret store).\n');
    });

  withJson(
    tokens
      .command('revoke')
      .description("Revoke an API token (yours; org-admin: anyone's)")
      .argument('<tokenId>', 'token id (tok_…), as shown by `tokens list`'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden tokens revoke tok_5n2k9q0w7c1d3f8g4h6j')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const tokenId = tokenIdOf(ref);
      await cli.client(cmd).call(endpoints.revokeToken, { params: { tokenId } });
      cli.done(opts.json, { revoked: true, tokenId }, `Revoked token ${tokenId}.\n`);
      if (cli.readConfig().tokenId === tokenId) cli.warn('that was the token of this CLI; run `patchwarden login` to sign in again');
    });
}
