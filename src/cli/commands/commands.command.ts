import { Option, type Command } from 'commander';
import { endpoints, type CommandDetail, type CommandSummary, type InstallItem, type Invocation } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { collect, defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { accountIdOf } from '../resolve.js';

const countsText = (counts: Record<string, number>) => Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(', ');

const COMMAND_COLUMNS: Column<CommandSummary>[] = [
  { header: 'ID', value: (c) => c.id },
  { header: 'DOCUMENT', value: (c) => c.document },
  { header: 'STATUS', value: (c) => c.status },
  { header: 'INVOCATIONS', value: (c) => countsText(c.counts) },
  { header: 'CREATED', value: (c) => formatTime(c.createdAt) },
  { header: 'BY', value: (c) => c.createdBy ?? '' },
];

const INVOCATION_COLUMNS: Column<Invocation>[] = [
  { header: 'NODE', value: (i) => i.nodeId },
  { header: 'STATUS', value: (i) => i.status },
  { header: 'DELIVERED', value: (i) => formatTime(i.deliveredAt) },
  { header: 'FINISHED', value: (i) => formatTime(i.finishedAt) },
  { header: 'PATCHES', value: (i) => i.outcomes.map((o) => `${o.name}:${o.state}`).join(', ') },
];

/** `name=version` or `name:arch=version`. */
export function itemOf(text: string): InstallItem {
  const m = /^([^=:\s]+)(?::([^=\s]+))?=(\S+)$/.exec(text);
  if (m === null) throw new UsageError(`--item "${text}": expected name=version or name:arch=version`);
  return { name: m[1] ?? '', version: m[3] ?? '', ...(m[2] === undefined ? {} : { arch: m[2] }) };
}

function showCommand(cli: CliContext, c: CommandDetail): void {
  cli.fields([
    ['id', c.id],
    ['account', c.accountId],
    ['document', c.document],
    ['status', c.status],
    ['reboot option', c.parameters.rebootOption],
    ['items', c.parameters.installOverrideList.map((i) => `${i.name}${i.arch === undefined ? '' : `:${i.arch}`}=${i.version}`).join(', ')],
    ['timeout', `${c.timeoutSeconds} s`],
    ['created', `${formatTime(c.createdAt)} by ${c.createdBy ?? 'unknown'}`],
    ['cancelled', formatTime(c.cancelledAt)],
    ['invocations', countsText(c.counts)],
  ]);
  cli.out('\n');
  cli.table({ items: c.invocations, total: c.invocations.length, limit: c.invocations.length, offset: 0 }, INVOCATION_COLUMNS, 'invocations');
}

/** `patchwarden commands …`: Scan and Install operations sent to nodes. */
export function registerCommandsCommand(program: Command, cli: CliContext): void {
  const commands = program.command('commands').description('Send Scan and Install commands to nodes and follow them');

  withJson(commands.command('send').description('Send a Scan or Install to nodes of an account (operator, admin or org-admin)'))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .addOption(new Option('--document <document>', 'the operation').choices(['Scan', 'Install']).makeOptionMandatory())
    .requiredOption('--node <nodeId...>', 'node ids (mi-…) in the account')
    .option('--item <name=version>', 'Install: an exact package version (name=version or name:arch=version; repeatable)', collect, [])
    .addOption(new Option('--reboot-option <option>', 'when the node may reboot').choices(['RebootIfNeeded', 'NoReboot', 'Always']))
    .option('--timeout <seconds>', 'time an invocation may take, 60-172800 (default: 3600)', intArg(60, 172_800))
    .addHelpText('after', '\nExamples:\n  patchwarden commands send --account production --document Scan --node mi-0123456789abcdef0 mi-0fedcba98765432100\n  patchwarden commands send --account production --document Install --node mi-0123456789abcdef0 --item openssl=3.0.15-1~deb12u1 --reboot-option NoReboot')
    .action(async (opts: { account: string; document: 'Scan' | 'Install'; node: string[]; item: string[]; rebootOption?: 'RebootIfNeeded' | 'NoReboot' | 'Always'; timeout?: number; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.sendCommand, {
        params: { accountId },
        body: {
          document: opts.document,
          nodeIds: opts.node,
          parameters: { installOverrideList: opts.item.map(itemOf), ...defined({ rebootOption: opts.rebootOption }) },
          ...defined({ timeoutSeconds: opts.timeout }),
        },
      });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Sent ${data.document} ${data.id} to ${data.invocations.length} node(s); follow it with: patchwarden commands show ${data.id}\n`);
    });

  withListOptions(commands.command('list').description('List commands of the accounts you can see'), endpoints.listCommands)
    .option('--account <account>', 'only commands of this account (id or name)')
    .addOption(new Option('--document <document>', 'only this operation').choices(['Scan', 'Install']))
    .addHelpText('after', '\nExamples:\n  patchwarden commands list --account production --document Install')
    .action(async (opts: ListOptions & { account?: string; document?: 'Scan' | 'Install' }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listCommands, { query: { ...pageQuery(opts), ...defined({ accountId, document: opts.document }) } });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, COMMAND_COLUMNS, 'commands');
    });

  withJson(commands.command('show').description('Show a command and its invocations').argument('<commandId>', 'command id (cmd_…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden commands show cmd_5n2k9q0w7c1d3f8g4h6j')
    .action(async (commandId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getCommand, { params: { commandId } });
      if (opts.json === true) return cli.json(raw);
      showCommand(cli, data);
    });

  withJson(commands.command('cancel').description('Cancel a command: invocations not yet delivered end Cancelled').argument('<commandId>', 'command id (cmd_…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden commands cancel cmd_5n2k9q0w7c1d3f8g4h6j')
    .action(async (commandId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.cancelCommand, { params: { commandId } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Cancelled command ${data.id}: ${countsText(data.counts)}.\n`);
    });
}
