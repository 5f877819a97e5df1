import type { Command } from 'commander';
import { endpoints, type ResourceGroup, type TargetNode } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { collect, defined, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { accountIdOf } from '../resolve.js';
import { tagFilterOf } from './commands.command.js';

const filtersText = (g: ResourceGroup) => g.tagFilters.map((f) => `${f.key}=${f.values.join(',')}`).join(' AND ');

const GROUP_COLUMNS: Column<ResourceGroup>[] = [
  { header: 'ID', value: (g) => g.id },
  { header: 'NAME', value: (g) => g.name },
  { header: 'TAG FILTERS', value: filtersText },
  { header: 'DESCRIPTION', value: (g) => g.description },
  { header: 'UPDATED', value: (g) => formatTime(g.updatedAt) },
];

const NODE_COLUMNS: Column<TargetNode>[] = [
  { header: 'ID', value: (n) => n.id },
  { header: 'HOSTNAME', value: (n) => n.hostname },
  { header: 'OS', value: (n) => `${n.osId} ${n.osVersion}` },
  { header: 'TAGS', value: (n) => Object.entries(n.tags).map(([k, v]) => `${k}=${v}`).join(',') },
];

/** `patchwarden groups …`: resource groups, saved tag queries that commands and snapshots target. */
export function registerGroupsCommand(program: Command, cli: CliContext): void {
  const groups = program.command('groups').description('Resource groups: saved tag queries of an account, evaluated whenever a command or snapshot targets them');

  withListOptions(groups.command('list').description('List the resource groups of an account'), endpoints.listResourceGroups)
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .addHelpText('after', '\nExamples:\n  patchwarden groups list --account production')
    .action(async (opts: ListOptions & { account: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listResourceGroups, { params: { accountId }, query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, GROUP_COLUMNS, 'resource groups');
    });

  withJson(groups.command('create').description('Create a resource group (account admin or org-admin)'))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .requiredOption('--name <name>', 'a name unique in the account')
    .option('--tag <KEY=V1,V2>', 'nodes whose tag KEY has one of the values (* any value); repeatable: every --tag must match', collect, [])
    .option('--description <text>', 'what the group is for')
    .addHelpText('after', '\nExamples:\n  patchwarden groups create --account production --name web-prod --tag Env=prod --tag Role=web,api\n  patchwarden groups create --account production --name patched --tag PatchGroup=*')
    .action(async (opts: { account: string; name: string; tag: string[]; description?: string; json?: boolean }, cmd: Command) => {
      if (opts.tag.length === 0) throw new UsageError('a group needs at least one --tag KEY=V1,V2');
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.createResourceGroup, {
        params: { accountId },
        body: { name: opts.name, tagFilters: opts.tag.map(tagFilterOf), ...defined({ description: opts.description }) },
      });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Created resource group ${data.id} (${data.name}): ${filtersText(data)}; see its nodes with: patchwarden groups nodes ${data.id} --account ${opts.account}\n`);
    });

  withJson(groups.command('show').description('Show a resource group').argument('<groupId>', 'group id (rg_…)'))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .action(async (groupId: string, opts: { account: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.getResourceGroup, { params: { accountId, groupId } });
      if (opts.json === true) return cli.json(raw);
      cli.fields([
        ['id', data.id],
        ['name', data.name],
        ['account', data.accountId],
        ['tag filters', filtersText(data)],
        ['description', data.description],
        ['created', `${formatTime(data.createdAt)} by ${data.createdBy ?? 'unknown'}`],
        ['updated', formatTime(data.updatedAt)],
      ]);
    });

  withJson(groups.command('update').description('Change a resource group (account admin or org-admin); --tag replaces all its filters').argument('<groupId>', 'group id (rg_…)'))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .option('--name <name>', 'new name')
    .option('--tag <KEY=V1,V2>', 'new tag filters (repeatable; replace the old ones)', collect, [])
    .option('--description <text>', 'new description')
    .addHelpText('after', '\nExamples:\n  patchwarden groups update rg_5n2k9q0w7c1d3f8g4h6j --account production --tag Env=prod --tag Role=web')
    .action(async (groupId: string, opts: { account: string; name?: string; tag: string[]; description?: string; json?: boolean }, cmd: Command) => {
      const body = { ...defined({ name: opts.name, description: opts.description }), ...(opts.tag.length > 0 ? { tagFilters: opts.tag.map(tagFilterOf) } : {}) };
      if (Object.keys(body).length === 0) throw new UsageError('nothing to change: give --name, --tag or --description');
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.updateResourceGroup, { params: { accountId, groupId }, body });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Updated resource group ${data.id} (${data.name}): ${filtersText(data)}\n`);
    });

  groups
    .command('delete')
    .description('Delete a resource group (account admin or org-admin); commands sent with it keep their targets as given')
    .argument('<groupId>', 'group id (rg_…)')
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .action(async (groupId: string, opts: { account: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      await client.request(endpoints.deleteResourceGroup, { params: { accountId, groupId } });
      cli.out(`Deleted resource group ${groupId}.\n`);
    });

  withListOptions(groups.command('nodes').description('The registered nodes a resource group matches now').argument('<groupId>', 'group id (rg_…)'), endpoints.listResourceGroupNodes)
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .action(async (groupId: string, opts: ListOptions & { account: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listResourceGroupNodes, { params: { accountId, groupId }, query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, NODE_COLUMNS, 'nodes');
    });
}
