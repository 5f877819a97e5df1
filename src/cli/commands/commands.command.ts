import { InvalidArgumentError, Option, type Command } from 'commander';
import { endpoints, type CommandDetail, type CommandSummary, type InstallItem, type Invocation, type SendCommandRequest, type Targets } from '../../contracts/api.js';
import { parseRateLimit } from '../../domain/targets.js';
import type { ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { collect, defined, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { accountIdOf } from '../resolve.js';

const countsText = (counts: Record<string, number>) => Object.entries(counts).map(([s, n]) => `${s} ${n}`).join(', ');
const itemText = (i: InstallItem) => `${i.name}${i.arch === undefined ? '' : `:${i.arch}`}=${i.version}`;

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
  { header: 'STATUS', value: (i) => (i.status === 'Pending' && i.releasedAt === null ? 'Pending (waiting)' : i.status) },
  { header: 'DELIVERED', value: (i) => formatTime(i.deliveredAt) },
  { header: 'FINISHED', value: (i) => formatTime(i.finishedAt) },
  { header: 'ITEMS', value: (i) => String(i.items.length) },
  { header: 'PATCHES', value: (i) => i.outcomes.map((o) => `${o.name}:${o.state}`).join(', ') },
  { header: 'OUTPUT', value: (i) => (i.status === 'Cancelled' || i.status === 'Failed' ? (i.output.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 100) : '') },
];

/** `name=version` or `name:arch=version`. */
export function itemOf(text: string): InstallItem {
  const m = /^([^=:\s]+)(?::([^=\s]+))?=(\S+)$/.exec(text);
  if (m === null) throw new UsageError(`--item "${text}": expected name=version or name:arch=version`);
  return { name: m[1] ?? '', version: m[3] ?? '', ...(m[2] === undefined ? {} : { arch: m[2] }) };
}

/** `KEY=V1,V2` (values OR-ed; `*` any value). */
export function tagFilterOf(text: string): { key: string; values: string[] } {
  const i = text.indexOf('=');
  if (i <= 0) throw new UsageError(`--tag "${text}": expected KEY=VALUE or KEY=V1,V2 (values OR-ed, * any value)`);
  const values = text.slice(i + 1).split(',');
  return { key: text.slice(0, i), values };
}

/** A duration: `3600` (seconds), `90s`, `30m`, `1h`, `2d`. */
export function durationArg(min: number, max: number): (value: string) => number {
  return (value) => {
    const m = /^\s*(\d{1,9})\s*([smhd]?)\s*$/.exec(value);
    const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m?.[2] ?? ''] ?? 1;
    const seconds = m === null ? NaN : Number(m[1]) * unit;
    if (!Number.isFinite(seconds) || seconds < min || seconds > max) {
      throw new InvalidArgumentError(`expected a duration from ${min} s to ${max / 3600} h: seconds (3600) or with a unit (90s, 30m, 1h, 2d).`);
    }
    return seconds;
  };
}

/** Seconds between checks of `--wait`/`watch`: 0.05 to 3600. */
function intervalArg(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || n < 0.05 || n > 3600) throw new InvalidArgumentError('expected seconds from 0.05 to 3600.');
  return n;
}

/** A rate limit option: a whole number (`10`) or a percentage (`25%`). */
function rateArg(min: number): (value: string) => string {
  return (value) => {
    const r = parseRateLimit(value);
    if (r === null || r.value < min) throw new InvalidArgumentError(`expected a whole number${min > 0 ? ` of at least ${min}` : ''} (10) or a percentage (25%).`);
    return value.trim();
  };
}

export interface TargetOptions {
  node?: string[];
  tag: string[];
  group?: string[];
  all?: boolean;
}

/** Adds --node/--tag/--group/--all. */
export function withTargetOptions(cmd: Command): Command {
  return cmd
    .option('--node <nodeId...>', 'node ids (mi-…) in the account')
    .option('--tag <KEY=V1,V2>', 'nodes whose tag KEY has one of the values (* any value); repeatable: every --tag must match', collect, [])
    .option('--group <groupId...>', 'resource groups (rg_…) of the account, evaluated now')
    .option('--all', 'every registered node of the account');
}

/** The targets of the options; a usage error when none is given. */
export function targetsOf(opts: TargetOptions): Targets {
  const targets: Targets = {
    ...(opts.node !== undefined && opts.node.length > 0 ? { nodeIds: opts.node } : {}),
    ...(opts.tag.length > 0 ? { tags: opts.tag.map(tagFilterOf) } : {}),
    ...(opts.group !== undefined && opts.group.length > 0 ? { resourceGroupIds: opts.group } : {}),
    ...(opts.all === true ? { allNodes: true } : {}),
  };
  if (Object.keys(targets).length === 0) throw new UsageError('choose the targets: --node ID…, --tag KEY=V1,V2, --group ID… or --all');
  return targets;
}

function withRateOptions(cmd: Command): Command {
  return cmd
    .option('--max-concurrency <n|n%>', 'at most this many invocations run at once: a number (10) or a percentage of the targets (25%) (default: 50)', rateArg(1))
    .option('--max-errors <n|n%>', 'stop starting new invocations once more than this many failed: a number or a percentage (default: 0)', rateArg(0))
    .option('--timeout <duration>', 'time an invocation may take from its release: 3600, 90s, 30m, 1h, 2d (60 s – 48 h; default: 1h)', durationArg(60, 172_800))
    .option('--comment <text>', 'a note kept with the command')
    .option('--wait', 'follow the command until it ends (as `commands watch`); exit code 1 when it Failed')
    .option('--interval <seconds>', 'with --wait: seconds between checks (default: 2)', intervalArg);
}

interface RateOptions {
  maxConcurrency?: string;
  maxErrors?: string;
  timeout?: number;
  comment?: string;
  wait?: boolean;
  interval?: number;
  json?: boolean;
}

function showCommand(cli: CliContext, c: CommandDetail): void {
  cli.fields([
    ['id', c.id],
    ['account', c.accountId],
    ['document', c.document],
    ['status', c.status],
    ['targets', targetsText(c.targets)],
    ['nodes', c.targetCount],
    ['max concurrency', c.maxConcurrency],
    ['max errors', c.maxErrors],
    ['reboot option', c.parameters.rebootOption],
    ['items', c.parameters.installOverrideList.map(itemText).join(', ')],
    ['snapshot', c.parameters.snapshotId ?? ''],
    ['baseline', c.parameters.baselineId ?? ''],
    ['timeout', `${c.timeoutSeconds} s`],
    ['comment', c.comment],
    ['created', `${formatTime(c.createdAt)} by ${c.createdBy ?? 'unknown'}`],
    ['cancelled', formatTime(c.cancelledAt)],
    ['invocations', countsText(c.counts)],
  ]);
  cli.out('\n');
  cli.table({ items: c.invocations, total: c.invocations.length, limit: c.invocations.length, offset: 0 }, INVOCATION_COLUMNS, 'invocations');
}

export function targetsText(t: Targets): string {
  const parts: string[] = [];
  if (t.nodeIds !== undefined) parts.push(`nodes ${t.nodeIds.join(' ')}`);
  if (t.tags !== undefined) parts.push(`tags ${t.tags.map((f) => `${f.key}=${f.values.join(',')}`).join(' AND ')}`);
  if (t.resourceGroupIds !== undefined) parts.push(`groups ${t.resourceGroupIds.join(' ')}`);
  if (t.allNodes === true) parts.push('all nodes');
  return parts.join('; ');
}

const ACTIVE = new Set(['Pending', 'InProgress']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a command until it ends: a line whenever the counts change, a line per invocation that
 * ends (node and status, and the first line of its output when it did not succeed), then a
 * summary. Throws (exit code 1) when the command ended Failed.
 */
export async function watchCommand(out: (text: string) => void, client: ApiClient, commandId: string, intervalSeconds = 2): Promise<CommandDetail> {
  const seen = new Map<string, string>();
  let lastCounts = '';
  for (;;) {
    const c = await client.call(endpoints.getCommand, { params: { commandId } });
    for (const i of c.invocations) {
      if (ACTIVE.has(i.status) || seen.get(i.id) === i.status) continue;
      seen.set(i.id, i.status);
      const note = i.status === 'Success' ? '' : `: ${(i.output.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 200)}`;
      out(`${formatTime(i.finishedAt ?? new Date().toISOString())}  ${i.nodeId} ${i.status}${note}\n`);
    }
    const waiting = c.invocations.filter((i) => i.status === 'Pending' && i.releasedAt === null).length;
    const counts = `${countsText(c.counts)}${waiting > 0 ? ` (${waiting} waiting)` : ''}`;
    if (counts !== lastCounts) {
      out(`${formatTime(new Date().toISOString())}  ${c.id} ${c.status}: ${counts}\n`);
      lastCounts = counts;
    }
    if (!ACTIVE.has(c.status)) {
      out(`Command ${c.id} (${c.document}) ended ${c.status} on ${c.targetCount} node(s): ${countsText(c.counts)}.\n`);
      if (c.status === 'Failed') throw new Error(`command ${c.id} Failed (${countsText(c.counts)}); see \`patchwarden commands show ${c.id}\``);
      return c;
    }
    await sleep(Math.max(50, intervalSeconds * 1000));
  }
}

async function sendAndReport(cli: CliContext, cmd: Command, accountRef: string, body: SendCommandRequest, opts: RateOptions): Promise<void> {
  const client = cli.client(cmd);
  const accountId = await accountIdOf(client, accountRef);
  const { data, raw } = await client.request(endpoints.sendCommand, { params: { accountId }, body });
  if (opts.json === true && opts.wait !== true) return cli.json(raw);
  if (opts.json !== true) {
    const failed = data.invocations.filter((i) => i.status === 'Failed').length;
    cli.out(
      `Sent ${data.document} ${data.id} to ${data.invocations.length} node(s)` +
        ` (max concurrency ${data.maxConcurrency}, max errors ${data.maxErrors})` +
        `${data.parameters.snapshotId === undefined ? '' : `, snapshot ${data.parameters.snapshotId}`}` +
        `${failed > 0 ? `; ${failed} could not start` : ''}` +
        `${opts.wait === true ? '' : `; follow it with: patchwarden commands watch ${data.id}`}\n`,
    );
  }
  if (opts.wait === true) {
    const done = await watchCommand(opts.json === true ? () => undefined : (text) => cli.out(text), client, data.id, opts.interval);
    if (opts.json === true) cli.json(done);
  }
}

function rateBody(opts: RateOptions): Pick<SendCommandRequest, 'maxConcurrency' | 'maxErrors' | 'timeoutSeconds' | 'comment'> {
  return defined({ maxConcurrency: opts.maxConcurrency, maxErrors: opts.maxErrors, timeoutSeconds: opts.timeout, comment: opts.comment });
}

const TARGET_EXAMPLES = '--node mi-0123456789abcdef0 | --tag Env=prod --tag Role=web,db | --group rg_5n2k9q0w7c1d3f8g4h6j | --all';

/** `patchwarden scan`, `patchwarden install` and `patchwarden commands …`: operations sent to nodes. */
export function registerCommandsCommand(program: Command, cli: CliContext): void {
  withJson(withRateOptions(withTargetOptions(program.command('scan').description('Scan targets of an account: each node refreshes its package lists and reports its inventory (operator, admin or org-admin)'))))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .option('--baseline <baselineId>', 'evaluate with this baseline instead of the effective one, for nodes of its OS')
    .addHelpText(
      'after',
      `\nTargets: ${TARGET_EXAMPLES}\n\nExamples:\n  patchwarden scan --account production --all --max-concurrency 25% --wait\n  patchwarden scan --account production --tag Env=prod --max-concurrency 10 --max-errors 2 --timeout 30m`,
    )
    .action(async (opts: TargetOptions & RateOptions & { account: string; baseline?: string }, cmd: Command) => {
      await sendAndReport(cli, cmd, opts.account, { document: 'Scan', targets: targetsOf(opts), parameters: defined({ baselineId: opts.baseline }), ...rateBody(opts) }, opts);
    });

  withJson(withRateOptions(withTargetOptions(program.command('install').description('Install patches on targets of an account (operator, admin or org-admin)'))))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .option('--snapshot <snapshotId>', 'install the versions of this snapshot (promote it to more nodes)')
    .option('--baseline <baselineId>', 'freeze the snapshot with this baseline for nodes of its OS instead of their effective one')
    .option('--item <name=version>', 'install exactly these versions on every node, skipping baselines (name=version or name:arch=version; repeatable)', collect, [])
    .addOption(new Option('--reboot-option <option>', 'when the node may reboot (default: RebootIfNeeded)').choices(['RebootIfNeeded', 'NoReboot', 'Always']))
    .addHelpText(
      'after',
      `\nTargets: ${TARGET_EXAMPLES}

Without --item, the server freezes a snapshot now (the approved updates of each node's effective
baseline, or --baseline) and each node installs its own list from it; --snapshot reuses one.

Examples:
  patchwarden install --account production --tag PatchGroup=web --max-concurrency 10% --max-errors 1 --wait
  patchwarden install --account production --group rg_5n2k9q0w7c1d3f8g4h6j --snapshot snap_0h3k5n2k9q0w7c1d3f8g --reboot-option NoReboot
  patchwarden install --account production --node mi-0123456789abcdef0 --item openssl=3.0.15-1~deb12u1`,
    )
    .action(
      async (
        opts: TargetOptions & RateOptions & { account: string; snapshot?: string; baseline?: string; item: string[]; rebootOption?: 'RebootIfNeeded' | 'NoReboot' | 'Always' },
        cmd: Command,
      ) => {
        if (opts.item.length > 0 && (opts.snapshot !== undefined || opts.baseline !== undefined)) throw new UsageError('--item installs exactly its list: leave out --snapshot and --baseline');
        if (opts.snapshot !== undefined && opts.baseline !== undefined) throw new UsageError('--snapshot was frozen from its own baselines: give --snapshot or --baseline, not both');
        const parameters = {
          ...(opts.item.length > 0 ? { installOverrideList: opts.item.map(itemOf) } : {}),
          ...defined({ snapshotId: opts.snapshot, baselineId: opts.baseline, rebootOption: opts.rebootOption }),
        };
        await sendAndReport(cli, cmd, opts.account, { document: 'Install', targets: targetsOf(opts), parameters, ...rateBody(opts) }, opts);
      },
    );

  const commands = program.command('commands').description('Follow, list and cancel Scan and Install commands (send them with `patchwarden scan` and `patchwarden install`)');

  withJson(withRateOptions(withTargetOptions(commands.command('send').description('Send a Scan or Install (as `patchwarden scan` / `patchwarden install`; operator, admin or org-admin)'))))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .addOption(new Option('--document <document>', 'the operation').choices(['Scan', 'Install']).makeOptionMandatory())
    .option('--item <name=version>', 'Install: exactly these versions (name=version or name:arch=version; repeatable); without it a snapshot is frozen', collect, [])
    .option('--snapshot <snapshotId>', 'Install: the versions of this snapshot')
    .addOption(new Option('--reboot-option <option>', 'when the node may reboot').choices(['RebootIfNeeded', 'NoReboot', 'Always']))
    .addHelpText(
      'after',
      '\nExamples:\n  patchwarden commands send --account production --document Scan --node mi-0123456789abcdef0 mi-0fedcba98765432100\n  patchwarden commands send --account production --document Install --node mi-0123456789abcdef0 --item openssl=3.0.15-1~deb12u1 --reboot-option NoReboot',
    )
    .action(
      async (
        opts: TargetOptions & RateOptions & { account: string; document: 'Scan' | 'Install'; item: string[]; snapshot?: string; rebootOption?: 'RebootIfNeeded' | 'NoReboot' | 'Always' },
        cmd: Command,
      ) => {
        const parameters = {
          ...(opts.item.length > 0 ? { installOverrideList: opts.item.map(itemOf) } : {}),
          ...defined({ snapshotId: opts.snapshot, rebootOption: opts.rebootOption }),
        };
        await sendAndReport(cli, cmd, opts.account, { document: opts.document, targets: targetsOf(opts), parameters, ...rateBody(opts) }, opts);
      },
    );

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

  commands
    .command('watch')
    .description('Follow a command live until it ends: counts per status, each invocation as it ends, a summary (exit code 1 when it Failed)')
    .argument('<commandId>', 'command id (cmd_…)')
    .option('--interval <seconds>', 'seconds between checks (default: 2)', intervalArg)
    .addHelpText('after', '\nExamples:\n  patchwarden commands watch cmd_5n2k9q0w7c1d3f8g4h6j')
    .action(async (commandId: string, opts: { interval?: number }, cmd: Command) => {
      await watchCommand((text) => cli.out(text), cli.client(cmd), commandId, opts.interval);
    });

  withJson(commands.command('cancel').description('Cancel a command: invocations waiting or not yet delivered end Cancelled; running ones finish').argument('<commandId>', 'command id (cmd_…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden commands cancel cmd_5n2k9q0w7c1d3f8g4h6j')
    .action(async (commandId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.cancelCommand, { params: { commandId } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Cancelled command ${data.id}: ${countsText(data.counts)}.\n`);
    });
}
