import type { Command } from 'commander';
import { endpoints, type Activation } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { collect, defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { accountIdOf } from '../resolve.js';

const COLUMNS: Column<Activation>[] = [
  { header: 'ID', value: (a) => a.id },
  { header: 'STATE', value: (a) => a.state },
  { header: 'USED', value: (a) => `${a.registrationsUsed}/${a.registrationLimit}` },
  { header: 'EXPIRES', value: (a) => formatTime(a.expiresAt) },
  { header: 'TAGS', value: (a) => Object.entries(a.defaultTags).map(([k, v]) => `${k}=${v}`).join(',') },
  { header: 'DESCRIPTION', value: (a) => a.description },
];

/** `key=value` pairs (repeated --tag options) as a tag map. */
export function tagsOf(pairs: readonly string[], option = '--tag'): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UsageError(`${option} "${pair}": expected key=value`);
    tags[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return tags;
}

/** `patchwarden activations …`: the codes agents enroll with. */
export function registerActivationsCommand(program: Command, cli: CliContext): void {
  const activations = program.command('activations').description('Manage activations: codes agents enroll with (account admin or org-admin)');

  withJson(activations.command('create').description('Create an activation; its code is shown only once'))
    .requiredOption('--account <account>', 'account id (acct_…) or name the nodes will belong to')
    .option('-d, --description <text>', 'what the activation is for')
    .option('--expires-in-hours <n>', 'lifetime in hours, 1-720 (default: 24)', intArg(1, 720))
    .option('--limit <n>', 'how many nodes may enroll with it, 1-1000 (default: 1)', intArg(1, 1000))
    .option('--tag <key=value>', 'a default tag of the enrolled nodes (repeatable)', collect, [])
    .addHelpText('after', '\nExamples:\n  patchwarden activations create --account production --limit 20 --tag env=prod --tag role=web\n  patchwarden activations create --account staging --expires-in-hours 2 --json')
    .action(async (opts: { account: string; description?: string; expiresInHours?: number; limit?: number; tag: string[]; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.createActivation, {
        params: { accountId },
        body: { ...defined({ description: opts.description, expiresInHours: opts.expiresInHours, registrationLimit: opts.limit }), ...(opts.tag.length > 0 ? { defaultTags: tagsOf(opts.tag) } : {}) },
      });
      if (opts.json === true) return cli.json(raw);
      const { url } = cli.server(cmd);
      cli.out(
        `Created activation ${data.id} for ${data.registrationLimit} node(s), expires ${formatTime(data.expiresAt)}.\n\n` +
          `  activation id:   ${data.id}\n  activation code: ${data.activationCode}\n\n` +
          `Enroll a host with:\n\n  patchwarden agent enroll --server ${url} --activation-id ${data.id} --activation-code ${data.activationCode}\n\n`,
      );
      cli.io.stderr.write('The code is shown only now: copy it to the hosts (or your provisioning secrets).\n');
    });

  withListOptions(activations.command('list').description('List the activations of an account'), endpoints.listActivations)
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .addHelpText('after', '\nExamples:\n  patchwarden activations list --account production')
    .action(async (opts: ListOptions & { account: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.listActivations, { params: { accountId: await accountIdOf(client, opts.account) }, query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, COLUMNS, 'activations');
    });

  withJson(activations.command('revoke').description('Revoke an activation (enrolled nodes stay registered)').argument('<activationId>', 'activation id (act_…)'))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .addHelpText('after', '\nExamples:\n  patchwarden activations revoke act_5n2k9q0w7c1d3f8g4h6j --account production')
    .action(async (activationId: string, opts: { account: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      await client.call(endpoints.revokeActivation, { params: { accountId: await accountIdOf(client, opts.account), activationId } });
      cli.done(opts.json, { revoked: true, activationId }, `Revoked activation ${activationId}.\n`);
    });
}
