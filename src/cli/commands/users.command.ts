import { Option, type Command } from 'commander';
import { ACCOUNT_ROLES, ORG_ROLES, type AccountRole, type OrgRole } from '../../domain/access.js';
import { endpoints, type User } from '../../contracts/api.js';
import { generatePassword } from '../../server/auth/secrets.js';
import type { ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { collect, defined, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { confirmDestructive } from '../prompt.js';
import { accountIdOf, userIdOf } from '../resolve.js';
import { printUser, userStatus } from '../user-view.js';

const USER_COLUMNS: Column<User>[] = [
  { header: 'ID', value: (u) => u.id },
  { header: 'USERNAME', value: (u) => u.username },
  { header: 'DISPLAY NAME', value: (u) => u.displayName },
  { header: 'EMAIL', value: (u) => u.email },
  { header: 'ORG ROLE', value: (u) => u.orgRole },
  { header: 'ACCOUNTS', value: (u) => u.memberships.map((m) => `${m.accountName}:${m.role}`).join(',') },
  { header: 'STATUS', value: userStatus },
  { header: 'LAST LOGIN', value: (u) => formatTime(u.lastLoginAt) },
];

/** `--member production:operator` → account id and role. */
async function membershipsOf(client: ApiClient, specs: string[]): Promise<{ accountId: string; role: AccountRole }[]> {
  const out: { accountId: string; role: AccountRole }[] = [];
  for (const spec of specs) {
    const colon = spec.lastIndexOf(':');
    const role = spec.slice(colon + 1);
    if (colon <= 0 || !(ACCOUNT_ROLES as readonly string[]).includes(role)) {
      throw new UsageError(`--member "${spec}": expected <account>:<role> with role ${ACCOUNT_ROLES.join(', ')} (e.g. production:operator)`);
    }
    out.push({ accountId: await accountIdOf(client, spec.slice(0, colon)), role: role as AccountRole });
  }
  return out;
}

/** The password for create/set-password: from stdin, or generated (and then printed once). */
async function chosenPassword(cli: CliContext, fromStdin: boolean | undefined): Promise<{ password: string; generated: boolean }> {
  if (fromStdin === true) return { password: await cli.stdinLine(0, '--password-stdin'), generated: false };
  return { password: generatePassword(), generated: true };
}

function announcePassword(cli: CliContext, username: string, password: string, mustChange: boolean): void {
  cli.out(`Initial password of ${username} (shown only now): ${password}\n`);
  if (mustChange) cli.out(`${username} must choose a new password at first sign-in (\`patchwarden login --username ${username}\` asks for it).\n`);
}

const USER_ARG = 'user id (usr_…) or username';
const PASSWORD_HELP = `
Without --password-stdin a random password is generated and printed once; by default the user must
choose a new one at first sign-in (--no-must-change-password turns that off).`;

/** `patchwarden users …`: users, organization roles, passwords. */
export function registerUsersCommand(program: Command, cli: CliContext): void {
  const users = program
    .command('users')
    .description('Manage users, their organization roles and passwords (account roles: `patchwarden accounts grant`)')
    .addHelpText('after', '\nA user may be given by id (usr_…) or by username; an account by id (acct_…) or by name.');

  withListOptions(users.command('list').description('List users (org roles see all; account admins the members of their accounts)'), endpoints.listUsers)
    .option('-q, --search <text>', 'only users whose username, display name or email contains the text')
    .addOption(new Option('--org-role <role>', 'only users with this organization role').choices(ORG_ROLES))
    .option('--account <account>', 'only members of this account (id or name)')
    .addOption(new Option('--disabled', 'only disabled users').conflicts('enabled'))
    .option('--enabled', 'only enabled users')
    .addHelpText('after', '\nExamples:\n  patchwarden users list\n  patchwarden users list --account production --sort -lastLoginAt\n  patchwarden users list --org-role org-admin --json')
    .action(async (opts: ListOptions & { search?: string; orgRole?: OrgRole; account?: string; disabled?: boolean; enabled?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const disabled = opts.disabled === true ? 'true' : opts.enabled === true ? 'false' : undefined;
      const { data, raw } = await client.request(endpoints.listUsers, {
        query: { ...pageQuery(opts), ...defined({ q: opts.search, orgRole: opts.orgRole, accountId, disabled }) } as never,
      });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, USER_COLUMNS, 'users');
    });

  withJson(users.command('create').description('Create a user (org-admin; account admins for their own accounts)').argument('<username>', '2-64 letters, digits, ".", "_", "@", "-"'))
    .option('--display-name <name>', 'full name (default: the username)')
    .option('--email <email>', 'email address')
    .addOption(new Option('--org-role <role>', 'organization role (default: none)').choices(ORG_ROLES))
    .option('--member <account:role>', 'a role in an account, e.g. production:operator (repeatable)', collect, [])
    .option('--password-stdin', 'read the initial password from the first line of stdin')
    .option('--no-must-change-password', 'do not make the user choose a new password at first sign-in')
    .addHelpText(
      'after',
      `${PASSWORD_HELP} With --json the output is the API's user object, plus "generatedPassword"
when one was generated.

Examples:
  patchwarden users create alice --display-name "Alice Liddell" --member production:operator
  patchwarden users create auditor --org-role org-auditor
  printf '%s\\n' "$PW" | patchwarden users create ci-bot --password-stdin --no-must-change-password`,
    )
    .action(
      async (
        username: string,
        opts: { displayName?: string; email?: string; orgRole?: OrgRole; member: string[]; passwordStdin?: boolean; mustChangePassword: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const client = cli.client(cmd);
        const memberships = await membershipsOf(client, opts.member);
        const { password, generated } = await chosenPassword(cli, opts.passwordStdin);
        const body = {
          username,
          password,
          mustChangePassword: opts.mustChangePassword,
          ...defined({ displayName: opts.displayName, email: opts.email, orgRole: opts.orgRole }),
          ...(memberships.length === 0 ? {} : { memberships }),
        };
        const { data, raw } = await client.request(endpoints.createUser, { body });
        if (opts.json === true) return cli.json(generated ? { ...(raw as object), generatedPassword: password } : raw);
        cli.out(`Created user ${data.username} (${data.id}).\n`);
        if (generated) announcePassword(cli, data.username, password, data.mustChangePassword);
      },
    );

  withJson(users.command('show').description('Show one user with memberships').argument('<user>', USER_ARG))
    .addHelpText('after', '\nExamples:\n  patchwarden users show alice\n  patchwarden users show usr_5n2k9q0w7c1d3f8g4h6j --json')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.getUser, { params: { userId: await userIdOf(client, ref) } });
      if (opts.json === true) return cli.json(raw);
      printUser(cli, data);
    });

  withJson(users.command('update').description('Change display name, email, organization role, or disable/enable a user').argument('<user>', USER_ARG))
    .option('--display-name <name>', 'the new display name')
    .option('--email <email>', 'the new email address ("none" removes it)')
    .addOption(new Option('--org-role <role>', 'the new organization role ("none" removes it)').choices([...ORG_ROLES, 'none']))
    .addOption(new Option('--disable', 'disable the user (ends their sessions; tokens stop working)').conflicts('enable'))
    .option('--enable', 'enable the user again')
    .addHelpText('after', '\nExamples:\n  patchwarden users update alice --display-name "Alice L." --email alice@example.com\n  patchwarden users update bob --org-role none\n  patchwarden users update mallory --disable')
    .action(async (ref: string, opts: { displayName?: string; email?: string; orgRole?: OrgRole | 'none'; disable?: boolean; enable?: boolean; json?: boolean }, cmd: Command) => {
      const body = {
        ...defined({ displayName: opts.displayName }),
        ...(opts.email === undefined ? {} : { email: opts.email === 'none' ? null : opts.email }),
        ...(opts.orgRole === undefined ? {} : { orgRole: opts.orgRole === 'none' ? null : opts.orgRole }),
        ...(opts.disable === true ? { disabled: true } : opts.enable === true ? { disabled: false } : {}),
      };
      if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give --display-name, --email, --org-role, --disable or --enable');
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.updateUser, { params: { userId: await userIdOf(client, ref) }, body });
      if (opts.json === true) return cli.json(raw);
      printUser(cli, data);
    });

  withJson(
    users
      .command('set-password')
      .description("Reset a user's password (org-admin); ends their sessions")
      .argument('<user>', USER_ARG)
      .option('--password-stdin', 'read the new password from the first line of stdin')
      .option('--no-must-change-password', 'do not make the user choose a new password at next sign-in'),
  )
    .addHelpText('after', `${PASSWORD_HELP}\n\nExamples:\n  patchwarden users set-password alice\n  printf '%s\\n' "$PW" | patchwarden users set-password ci-bot --password-stdin --no-must-change-password`)
    .action(async (ref: string, opts: { passwordStdin?: boolean; mustChangePassword: boolean; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const userId = await userIdOf(client, ref);
      const { password, generated } = await chosenPassword(cli, opts.passwordStdin);
      await client.call(endpoints.setUserPassword, { params: { userId }, body: { password, mustChangePassword: opts.mustChangePassword } });
      if (opts.json === true) return cli.json({ userId, mustChangePassword: opts.mustChangePassword, ...(generated ? { generatedPassword: password } : {}) });
      cli.out(`Password of ${ref} reset.\n`);
      if (generated) announcePassword(cli, ref, password, opts.mustChangePassword);
    });

  withJson(
    users
      .command('delete')
      .description('Delete a user (org-admin); revokes their sessions and tokens; asks unless --yes')
      .argument('<user>', USER_ARG)
      .option('-y, --yes', 'do not ask; required when stdin is not a terminal'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden users delete mallory\n  patchwarden users delete mallory --yes')
    .action(async (ref: string, opts: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const userId = await userIdOf(client, ref);
      await confirmDestructive(cli.io, opts.yes, `Delete user ${ref} (${userId}) with their tokens?`);
      await client.call(endpoints.deleteUser, { params: { userId } });
      cli.done(opts.json, { deleted: true, userId }, `Deleted user ${ref} (${userId}).\n`);
    });
}
