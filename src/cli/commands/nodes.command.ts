import { Option, type Command } from 'commander';
import { endpoints, type NodeDetail, type NodeSummary } from '../../contracts/api.js';
import type { InstalledPackage, PendingUpdate } from '../../contracts/inventory.contract.js';
import type { CliContext } from '../context.js';
import { collect, defined, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { confirmDestructive } from '../prompt.js';
import { accountIdOf } from '../resolve.js';
import { tagsOf } from './activations.command.js';

const tagText = (tags: Record<string, string>) => Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(',');

const NODE_COLUMNS: Column<NodeSummary>[] = [
  { header: 'ID', value: (n) => n.id },
  { header: 'HOSTNAME', value: (n) => n.hostname },
  { header: 'PING', value: (n) => n.pingStatus },
  { header: 'OS', value: (n) => `${n.osId} ${n.osVersion}`.trim() },
  { header: 'AGENT', value: (n) => n.agentVersion },
  { header: 'UPDATES', value: (n) => `${n.updateCount} (${n.securityUpdateCount} sec)` },
  { header: 'REBOOT', value: (n) => (n.rebootRequired ? 'needed' : '') },
  { header: 'LAST SEEN', value: (n) => formatTime(n.lastSeenAt) },
  { header: 'TAGS', value: (n) => tagText(n.tags) },
];

const PACKAGE_COLUMNS: Column<InstalledPackage>[] = [
  { header: 'NAME', value: (p) => p.name },
  { header: 'ARCH', value: (p) => p.arch },
  { header: 'VERSION', value: (p) => p.version },
  { header: 'SOURCE', value: (p) => (p.sourceName === p.name && p.sourceVersion === p.version ? '' : `${p.sourceName} ${p.sourceVersion}`) },
];

const UPDATE_COLUMNS: Column<PendingUpdate>[] = [
  { header: 'NAME', value: (u) => u.name },
  { header: 'ARCH', value: (u) => u.arch },
  { header: 'INSTALLED', value: (u) => u.installedVersion },
  { header: 'CANDIDATE', value: (u) => u.candidateVersion },
  { header: 'SECURITY', value: (u) => (u.security ? 'yes' : '') },
  { header: 'SEVERITY', value: (u) => u.severity },
  { header: 'ORIGIN', value: (u) => u.origin.label },
  { header: 'CVES', value: (u) => u.cves.slice(0, 3).join(',') + (u.cves.length > 3 ? ',…' : '') },
];

function showNode(cli: CliContext, n: NodeDetail): void {
  cli.fields([
    ['id', n.id],
    ['account', n.accountId],
    ['hostname', n.hostname],
    ['ping status', n.pingStatus],
    ['platform', `${n.prettyName} (${n.osId} ${n.osVersion}${n.codename === '' ? '' : ` ${n.codename}`}, ${n.arch}, ${n.packageManager})`],
    ['kernel', n.kernel.running],
    ['addresses', n.addresses.join(', ')],
    ['agent version', n.agentVersion],
    ['tags', tagText(n.tags)],
    ['registered', formatTime(n.registeredAt)],
    ['last seen', formatTime(n.lastSeenAt)],
    ['deregistered', formatTime(n.deregisteredAt)],
    ['inventory', `revision ${n.inventoryRevision}, ${n.packageCount} packages, ${n.updateCount} updates (${n.securityUpdateCount} security), at ${formatTime(n.inventoryAt)}`],
    ['reboot', n.reboot.required ? `needed (${n.reboot.reasons.join(', ')})` : 'not needed'],
  ]);
}

const NODE_ARG = 'node id (mi-…)';

/** `patchwarden nodes …`: managed nodes, their inventory and tags. */
export function registerNodesCommand(program: Command, cli: CliContext): void {
  const nodes = program.command('nodes').description('List, inspect, tag and deregister managed nodes');

  withListOptions(nodes.command('list').description('List the nodes of the accounts you can see'), endpoints.listNodes)
    .option('--account <account>', 'only nodes of this account (id or name)')
    .option('-q, --search <text>', 'only nodes whose hostname or id contains the text')
    .option('--tag <key=value>', 'only nodes with this tag (repeatable: all must match)', collect, [])
    .option('--os <osId>', 'only nodes of this OS (os-release ID, e.g. debian)')
    .addOption(new Option('--ping <status>', 'only nodes with this ping status').choices(['Online', 'ConnectionLost', 'Inactive']))
    .addHelpText('after', '\nExamples:\n  patchwarden nodes list --account production --tag env=prod --tag role=web\n  patchwarden nodes list --ping ConnectionLost --json')
    .action(async (opts: ListOptions & { account?: string; search?: string; tag: string[]; os?: string; ping?: 'Online' | 'ConnectionLost' | 'Inactive' }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listNodes, {
        query: { ...pageQuery(opts), ...defined({ accountId, q: opts.search, osId: opts.os, pingStatus: opts.ping }), ...(opts.tag.length > 0 ? { tag: opts.tag } : {}) },
      });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, NODE_COLUMNS, 'nodes');
    });

  withJson(nodes.command('show').description('Show a node: platform, kernel, agent, tags, ping status, inventory').argument('<nodeId>', NODE_ARG))
    .addHelpText('after', '\nExamples:\n  patchwarden nodes show mi-0123456789abcdef0')
    .action(async (nodeId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getNode, { params: { nodeId } });
      if (opts.json === true) return cli.json(raw);
      showNode(cli, data);
    });

  withListOptions(nodes.command('packages').description('List the installed packages of a node').argument('<nodeId>', NODE_ARG), endpoints.listNodePackages)
    .option('-q, --search <text>', 'only packages whose name contains the text')
    .addHelpText('after', '\nExamples:\n  patchwarden nodes packages mi-0123456789abcdef0 --search ssl')
    .action(async (nodeId: string, opts: ListOptions & { search?: string }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.listNodePackages, { params: { nodeId }, query: { ...pageQuery(opts), ...defined({ q: opts.search }) } });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, PACKAGE_COLUMNS, 'packages');
    });

  withListOptions(nodes.command('updates').description('List the pending updates of a node').argument('<nodeId>', NODE_ARG), endpoints.listNodeUpdates)
    .option('-q, --search <text>', 'only updates whose package name contains the text')
    .option('--security', 'only security updates')
    .addHelpText('after', '\nExamples:\n  patchwarden nodes updates mi-0123456789abcdef0 --security')
    .action(async (nodeId: string, opts: ListOptions & { search?: string; security?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.listNodeUpdates, {
        params: { nodeId },
        query: { ...pageQuery(opts), ...defined({ q: opts.search, security: opts.security === true ? 'true' : undefined }) } as never,
      });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, UPDATE_COLUMNS, 'updates');
    });

  withJson(nodes.command('tag').description('Set tags of a node (account admin or org-admin: tags choose command targets)').argument('<nodeId>', NODE_ARG).argument('<key=value...>', 'tags to set'))
    .option('--replace', 'replace all tags of the node with these')
    .addHelpText('after', '\nExamples:\n  patchwarden nodes tag mi-0123456789abcdef0 env=prod PatchGroup=web\n  patchwarden nodes tag mi-0123456789abcdef0 env=stage --replace')
    .action(async (nodeId: string, pairs: string[], opts: { replace?: boolean; json?: boolean }, cmd: Command) => {
      const tags = tagsOf(pairs, 'tag');
      const client = cli.client(cmd);
      const { data, raw } =
        opts.replace === true
          ? await client.request(endpoints.putNodeTags, { params: { nodeId }, body: { tags } })
          : await client.request(endpoints.patchNodeTags, { params: { nodeId }, body: { set: tags } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Tags of ${nodeId}: ${tagText(data.tags) || '(none)'}\n`);
    });

  withJson(nodes.command('untag').description('Remove tags of a node (account admin or org-admin)').argument('<nodeId>', NODE_ARG).argument('<key...>', 'tag keys to remove'))
    .addHelpText('after', '\nExamples:\n  patchwarden nodes untag mi-0123456789abcdef0 PatchGroup')
    .action(async (nodeId: string, keys: string[], opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.patchNodeTags, { params: { nodeId }, body: { remove: keys } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Tags of ${nodeId}: ${tagText(data.tags) || '(none)'}\n`);
    });

  withJson(
    nodes
      .command('deregister')
      .description('Deregister a node: its credential stops working at once (account admin or org-admin); asks unless --yes')
      .argument('<nodeId>', NODE_ARG)
      .option('-y, --yes', 'do not ask; required when stdin is not a terminal'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden nodes deregister mi-0123456789abcdef0 --yes')
    .action(async (nodeId: string, opts: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      await confirmDestructive(cli.io, opts.yes, `Deregister node ${nodeId}? Its agent will need a new activation`);
      await client.call(endpoints.deregisterNode, { params: { nodeId } });
      cli.done(opts.json, { deregistered: true, nodeId }, `Deregistered node ${nodeId}.\n`);
    });
}
