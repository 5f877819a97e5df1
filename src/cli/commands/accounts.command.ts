import { Argument, Option, type Command } from 'commander';
import { ACCOUNT_ROLES, type AccountRole } from '../../domain/access.js';
import { endpoints, type Account, type Member } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { defined, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { confirmDestructive } from '../prompt.js';
import { accountIdOf, userIdOf } from '../resolve.js';

const ACCOUNT_COLUMNS: Column<Account>[] = [
  { header: 'ID', value: (a) => a.id },
  { header: 'NAME', value: (a) => a.name },
  { header: 'MANAGEMENT', value: (a) => (a.isManagement ? 'yes' : '') },
  { header: 'CREATED', value: (a) => formatTime(a.createdAt) },
  { header: 'DESCRIPTION', value: (a) => a.description },
];

const MEMBER_COLUMNS: Column<Member>[] = [
  { header: 'USER ID', value: (m) => m.userId },
  { header: 'USERNAME', value: (m) => m.username },
  { header: 'DISPLAY NAME', value: (m) => m.displayName },
  { header: 'ROLE', value: (m) => m.role },
  { header: 'SINCE', value: (m) => formatTime(m.createdAt) },
];

function showAccount(cli: CliContext, a: Account): void {
  cli.fields([
    ['id', a.id],
    ['name', a.name],
    ['description', a.description],
    ['management', a.isManagement],
    ['created', formatTime(a.createdAt)],
    ['updated', formatTime(a.updatedAt)],
  ]);
}

const ACCOUNT_ARG = 'account id (acct_…) or name';
const USER_ARG = 'user id (usr_…) or username';

/** `patchwarden accounts …`: the organization's accounts and who holds which role in them. */
export function registerAccountsCommand(program: Command, cli: CliContext): void {
  const accounts = program
    .command('accounts')
    .description('Manage accounts (tenant boundaries) and their members')
    .addHelpText('after', '\nAn account may be given by id (acct_…) or by name; a user by id (usr_…) or by username.');

  withListOptions(accounts.command('list').description('List the accounts you can see'), endpoints.listAccounts)
    .option('-q, --search <text>', 'only accounts whose name or description contains the text')
    .addHelpText('after', '\nExamples:\n  patchwarden accounts list\n  patchwarden accounts list --search prod --sort -createdAt --json')
    .action(async (opts: ListOptions & { search?: string }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.listAccounts, {
        query: { ...pageQuery(opts), ...defined({ q: opts.search }) },
      });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, ACCOUNT_COLUMNS, 'accounts');
    });

  withJson(accounts.command('create').description('Create an account (org-admin)').argument('<name>', '1-63 lowercase letters, digits and "-"'))
    .option('-d, --description <text>', 'what the account is for')
    .addHelpText('after', '\nExamples:\n  patchwarden accounts create production --description "Production fleet"')
    .action(async (name: string, opts: { description?: string; json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.createAccount, { body: { name, ...defined({ description: opts.description }) } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Created account ${data.name} (${data.id}).\n`);
    });

  withJson(accounts.command('show').description('Show one account').argument('<account>', ACCOUNT_ARG))
    .addHelpText('after', '\nExamples:\n  patchwarden accounts show production\n  patchwarden accounts show acct_5n2k9q0w7c1d3f8g4h6j --json')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.getAccount, { params: { accountId: await accountIdOf(client, ref) } });
      if (opts.json === true) return cli.json(raw);
      showAccount(cli, data);
    });

  withJson(accounts.command('update').description('Rename or describe an account (account admin or org-admin)').argument('<account>', ACCOUNT_ARG))
    .option('--name <name>', 'the new name')
    .option('-d, --description <text>', 'the new description ("" clears it)')
    .addHelpText('after', '\nExamples:\n  patchwarden accounts update staging --name preprod\n  patchwarden accounts update preprod --description "Pre-production"')
    .action(async (ref: string, opts: { name?: string; description?: string; json?: boolean }, cmd: Command) => {
      if (opts.name === undefined && opts.description === undefined) throw new UsageError('nothing to change: give --name and/or --description');
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.updateAccount, {
        params: { accountId: await accountIdOf(client, ref) },
        body: defined({ name: opts.name, description: opts.description }),
      });
      if (opts.json === true) return cli.json(raw);
      showAccount(cli, data);
    });

  withJson(
    accounts
      .command('delete')
      .description('Delete an account (org-admin); asks for confirmation unless --yes')
      .argument('<account>', ACCOUNT_ARG)
      .option('-y, --yes', 'do not ask; required when stdin is not a terminal'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden accounts delete old-lab\n  patchwarden accounts delete old-lab --yes')
    .action(async (ref: string, opts: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, ref);
      await confirmDestructive(cli.io, opts.yes, `Delete account ${ref} (${accountId}) and everything in it?`);
      await client.call(endpoints.deleteAccount, { params: { accountId } });
      cli.done(opts.json, { deleted: true, accountId }, `Deleted account ${ref} (${accountId}).\n`);
    });

  withListOptions(accounts.command('members').description('List the members of an account and their roles').argument('<account>', ACCOUNT_ARG), endpoints.listMembers)
    .addOption(new Option('--role <role>', 'only members with this role').choices(ACCOUNT_ROLES))
    .addHelpText('after', '\nExamples:\n  patchwarden accounts members production\n  patchwarden accounts members production --role admin --json')
    .action(async (ref: string, opts: ListOptions & { role?: AccountRole }, cmd: Command) => {
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.listMembers, {
        params: { accountId: await accountIdOf(client, ref) },
        query: { ...pageQuery(opts), ...defined({ role: opts.role }) },
      });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, MEMBER_COLUMNS, 'members');
    });

  withJson(
    accounts
      .command('grant')
      .description("Grant or change a user's role in an account (account admin or org-admin)")
      .argument('<account>', ACCOUNT_ARG)
      .argument('<user>', USER_ARG)
      .addArgument(new Argument('<role>', 'viewer reads, operator also runs operations, admin also manages the account').choices(ACCOUNT_ROLES)),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden accounts grant production alice operator\n  patchwarden accounts grant production bob admin')
    .action(async (accountRef: string, userRef: string, role: AccountRole, opts: { json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const params = { accountId: await accountIdOf(client, accountRef), userId: await userIdOf(client, userRef) };
      const { data, raw } = await client.request(endpoints.putMember, { params, body: { role } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`${data.username} is now ${data.role} in account ${accountRef}.\n`);
    });

  withJson(
    accounts
      .command('revoke')
      .description("Remove a user's role in an account (account admin or org-admin)")
      .argument('<account>', ACCOUNT_ARG)
      .argument('<user>', USER_ARG),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden accounts revoke production alice')
    .action(async (accountRef: string, userRef: string, opts: { json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const params = { accountId: await accountIdOf(client, accountRef), userId: await userIdOf(client, userRef) };
      await client.call(endpoints.deleteMember, { params });
      cli.done(opts.json, { removed: true, ...params }, `${userRef} has no role in account ${accountRef} any more.\n`);
    });
}
