import type { Command } from 'commander';
import { endpoints } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { withJson } from '../options.js';
import { printUser } from '../user-view.js';

/** `patchwarden whoami`: the user behind the credentials, with roles. */
export function registerWhoamiCommand(program: Command, cli: CliContext): void {
  withJson(program.command('whoami').description('Show who the CLI is signed in as: user, organization role and account memberships'))
    .addHelpText(
      'after',
      `
Examples:
  patchwarden whoami
  patchwarden whoami --json | jq -r .username
  PATCHWARDEN_TOKEN=pw_tok_… patchwarden whoami --server https://pw.example.com`,
    )
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const { data: me, raw } = await client.request(endpoints.getMe);
      if (opts.json === true) return cli.json(raw);
      printUser(cli, me, [['server', client.server]]);
    });
}
