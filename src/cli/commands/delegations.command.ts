import { InvalidArgumentError, type Command } from 'commander';
import { endpoints, type AutomationSettings, type Delegation } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { defined, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { accountIdOf } from '../resolve.js';

const COLUMNS: Column<Delegation>[] = [
  { header: 'ID', value: (d) => d.id },
  { header: 'ACCOUNT', value: (d) => d.accountName },
  { header: 'GRANTED TO', value: (d) => d.granteeAccountName },
  { header: 'RUNBOOKS', value: (d) => d.runbooks.join(',') },
  { header: 'ROLES', value: (d) => d.roles.join(',') },
  { header: 'STATUS', value: (d) => d.status },
  { header: 'EXPIRES', value: (d) => (d.expiresAt === null ? 'never' : formatTime(d.expiresAt)) },
];

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `--expires`: a duration from now (`90m`, `12h`, `30d`, `2w`) or an ISO 8601 instant. */
export function expiresAtOf(value: string, now: Date): string {
  const m = /^(\d{1,6})([mhdw])$/.exec(value.trim());
  if (m !== null) {
    const n = Number(m[1]);
    const unit = UNIT_MS[m[2] ?? 'd'] ?? 0;
    if (n < 1) throw new InvalidArgumentError('the duration must be at least 1 (e.g. 30d).');
    return new Date(now.getTime() + n * unit).toISOString();
  }
  const t = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(t)) return new Date(t).toISOString();
  throw new InvalidArgumentError('expected a duration like 90m, 12h, 30d, 2w or an ISO 8601 time like 2027-01-31T00:00:00Z.');
}

function listArg(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list.');
  return items;
}

function showDelegation(cli: CliContext, d: Delegation): void {
  cli.fields([
    ['id', d.id],
    ['account', `${d.accountName} (${d.accountId})`],
    ['granted to', `${d.granteeAccountName} (${d.granteeAccountId})`],
    ['runbooks', d.runbooks.join(', ')],
    ['roles', d.roles.join(', ')],
    ['status', d.status],
    ['expires', d.expiresAt === null ? 'never' : formatTime(d.expiresAt)],
    ['comment', d.comment],
    ['created', `${formatTime(d.createdAt)} by ${d.createdBy ?? 'unknown'}`],
    ['revoked', d.revokedAt === null ? '' : `${formatTime(d.revokedAt)} by ${d.revokedBy ?? 'unknown'}`],
  ]);
}

function showSettings(cli: CliContext, s: AutomationSettings): void {
  cli.fields([
    ['check allowed hosts', s.checkAllowedHosts.length === 0 ? '(none: HTTP checks are refused)' : s.checkAllowedHosts.join(', ')],
    ['updated', s.updatedAt === null ? 'never' : `${formatTime(s.updatedAt)} by ${s.updatedBy ?? 'unknown'}`],
  ]);
}

/**
 * `patchwarden delegations …` (accounts grant the management account the right to run runbooks in
 * them) and `patchwarden automation-settings …` (the hosts HTTP checks may call).
 */
export function registerDelegationsCommand(program: Command, cli: CliContext): void {
  const delegations = program
    .command('delegations')
    .description('Delegations: an account lets executions started in the management account run named runbooks in it');

  withListOptions(delegations.command('list').description('List delegations granted by (or to) the accounts you can see'), endpoints.listDelegations)
    .option('--account <account>', 'only delegations this account granted (or, for the management account, received)')
    .option('--active', 'only delegations in force now (not revoked, not expired)')
    .addHelpText('after', '\nExamples:\n  patchwarden delegations list\n  patchwarden delegations list --account production --active')
    .action(async (opts: ListOptions & { account?: string; active?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listDelegations, {
        query: { ...pageQuery(opts), ...defined({ accountId, active: opts.active === true ? 'true' : undefined }) },
      });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, COLUMNS, 'delegations');
    });

  withJson(delegations.command('show').description('Show a delegation').argument('<delegationId>', 'delegation id (dlg_…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden delegations show dlg_5n2k9q0w7c1d3f8g4h6j')
    .action(async (delegationId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getDelegation, { params: { delegationId } });
      if (opts.json === true) return cli.json(raw);
      showDelegation(cli, data);
    });

  withJson(delegations.command('grant').description('Let the management account run runbooks in an account (admin of the account or org-admin)'))
    .requiredOption('--account <account>', 'the granting account: id (acct_…) or name')
    .option('--runbooks <names>', 'comma-separated runbook names, or * for any runbook', listArg, ['*'])
    .option('--roles <roles>', 'comma-separated roles the execution starter must hold: operator, admin, org-admin', listArg, ['operator', 'admin', 'org-admin'])
    .option('--expires <when>', 'expiry: a duration (90m, 12h, 30d, 2w) or an ISO 8601 time (default: never)')
    .option('--comment <text>', 'why the delegation exists')
    .addHelpText(
      'after',
      `
The management account itself needs no delegation. An execution started in the management account
runs in another account only while that account has an active delegation covering the runbook and
the starter's role.

Examples:
  patchwarden delegations grant --account production --runbooks patch-fleet --roles operator,admin --expires 30d
  patchwarden delegations grant --account staging --runbooks '*' --comment "central patching"`,
    )
    .action(async (opts: { account: string; runbooks: string[]; roles: string[]; expires?: string; comment?: string; json?: boolean }, cmd: Command) => {
      let expiresAt: string | undefined;
      if (opts.expires !== undefined) {
        try {
          expiresAt = expiresAtOf(opts.expires, new Date());
        } catch (err) {
          throw new UsageError(`--expires "${opts.expires}": ${(err as Error).message}`);
        }
      }
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.createDelegation, {
        params: { accountId },
        body: { runbooks: opts.runbooks, roles: opts.roles as Delegation['roles'], ...defined({ expiresAt, comment: opts.comment }) },
      });
      if (opts.json === true) return cli.json(raw);
      cli.out(
        `Granted delegation ${data.id}: ${data.granteeAccountName} may run ${data.runbooks.join(', ')} in ${data.accountName} for ${data.roles.join(', ')}` +
          `${data.expiresAt === null ? '' : ` until ${formatTime(data.expiresAt)}`}.\n`,
      );
    });

  withJson(delegations.command('revoke').description('Revoke a delegation (admin of the granting account or org-admin)').argument('<delegationId>', 'delegation id (dlg_…)'))
    .addHelpText('after', '\nRunning executions stop starting new steps in the account.\n\nExamples:\n  patchwarden delegations revoke dlg_5n2k9q0w7c1d3f8g4h6j')
    .action(async (delegationId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.revokeDelegation, { params: { delegationId } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Revoked delegation ${data.id} of ${data.accountName}.\n`);
    });

  const settings = program.command('automation-settings').description('Organization automation settings: the hosts runbook HTTP checks may call');

  withJson(settings.command('show').description('Show the automation settings'))
    .addHelpText('after', '\nExamples:\n  patchwarden automation-settings show')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getAutomationSettings, {});
      if (opts.json === true) return cli.json(raw);
      showSettings(cli, data);
    });

  withJson(settings.command('set').description('Change the automation settings (org-admin)'))
    .option('--check-hosts <hosts>', 'comma-separated hosts HTTP checks may call: host, host:port, *.domain (replaces the list; "" for none)')
    .addHelpText(
      'after',
      `
Entries: "host" (any port), "host:port" (that port only), "*.domain" (any subdomain, any port).
Redirects are never followed, so allow the host that answers.

Examples:
  patchwarden automation-settings set --check-hosts health.internal,*.svc.example.com,10.0.0.5:8080
  patchwarden automation-settings set --check-hosts ""`,
    )
    .action(async (opts: { checkHosts?: string; json?: boolean }, cmd: Command) => {
      if (opts.checkHosts === undefined) throw new UsageError('nothing to change: give --check-hosts h1,h2 (or "" for none)');
      const hosts = opts.checkHosts
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const { data, raw } = await cli.client(cmd).request(endpoints.updateAutomationSettings, { body: { checkAllowedHosts: hosts } });
      if (opts.json === true) return cli.json(raw);
      showSettings(cli, data);
    });
}
