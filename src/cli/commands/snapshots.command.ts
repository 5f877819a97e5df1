import type { Command } from 'commander';
import { endpoints, type SnapshotItem, type SnapshotSummary } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { accountIdOf } from '../resolve.js';
import { targetsOf, withTargetOptions, type TargetOptions } from './commands.command.js';

const SNAPSHOT_COLUMNS: Column<SnapshotSummary>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'ACCOUNT', value: (s) => s.accountId },
  { header: 'BASELINES', value: (s) => s.baselines.map((b) => `${b.name} v${b.version}`).join(', ') },
  { header: 'ITEMS', value: (s) => String(s.itemCount) },
  { header: 'COMMAND', value: (s) => s.commandId ?? '' },
  { header: 'CREATED', value: (s) => formatTime(s.createdAt) },
  { header: 'DESCRIPTION', value: (s) => s.description },
];

const ITEM_COLUMNS: Column<SnapshotItem>[] = [
  { header: 'BASELINE', value: (i) => i.baselineId },
  { header: 'ECOSYSTEM', value: (i) => i.ecosystem },
  { header: 'PACKAGE', value: (i) => i.name },
  { header: 'ARCH', value: (i) => i.arch },
  { header: 'VERSION', value: (i) => i.version },
  { header: 'LEVEL', value: (i) => i.complianceLevel },
  { header: 'SEVERITY', value: (i) => i.severity },
  { header: 'SECURITY', value: (i) => (i.security ? 'yes' : '') },
  { header: 'CVES', value: (i) => i.cves.join(' ') },
];

/** `patchwarden snapshots …`: the approved versions of baselines, frozen so Installs and later waves install the same. */
export function registerSnapshotsCommand(program: Command, cli: CliContext): void {
  const snapshots = program.command('snapshots').description('Patch snapshots: approved versions frozen with an id (Installs make one; reuse it with install --snapshot)');

  withListOptions(snapshots.command('list').description('List snapshots of the accounts you can see'), endpoints.listSnapshots)
    .option('--account <account>', 'only snapshots of this account (id or name)')
    .action(async (opts: ListOptions & { account?: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listSnapshots, { query: { ...pageQuery(opts), ...defined({ accountId }) } });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, SNAPSHOT_COLUMNS, 'snapshots');
    });

  withJson(snapshots.command('show').description('Show a snapshot and its approved versions').argument('<snapshotId>', 'snapshot id (snap_…)'))
    .option('--limit <n>', 'items per page (1-500, default 100)', intArg(1, 500))
    .option('--offset <n>', 'skip this many items', intArg(0, 1_000_000_000))
    .option('--all', 'every item')
    .addHelpText('after', '\nExamples:\n  patchwarden snapshots show snap_0h3k5n2k9q0w7c1d3f8g --all')
    .action(async (snapshotId: string, opts: { limit?: number; offset?: number; all?: boolean; json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getSnapshot, {
        params: { snapshotId },
        query: { ...defined({ limit: opts.limit, offset: opts.offset }), ...(opts.all === true ? { all: 'true' as const } : {}) },
      });
      if (opts.json === true) return cli.json(raw);
      cli.fields([
        ['id', data.id],
        ['account', data.accountId],
        ['description', data.description],
        ['created', `${formatTime(data.createdAt)} by ${data.createdBy ?? 'unknown'}`],
        ['command', data.commandId ?? ''],
        ['baselines', data.baselines.map((b) => `${b.baselineId} (${b.name} v${b.version})`).join(', ')],
        ['items', data.itemCount],
      ]);
      cli.out('\n');
      cli.table(data.items, ITEM_COLUMNS, 'items');
    });

  withJson(withTargetOptions(snapshots.command('create').description('Freeze the approved updates of targets now (operator, admin or org-admin)')))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .option('--baseline <baselineId>', 'use this baseline for nodes of its OS instead of their effective one')
    .option('--description <text>', 'what the snapshot is for')
    .addHelpText('after', '\nExamples:\n  patchwarden snapshots create --account production --tag Env=staging --description "November wave"\n  patchwarden install --account production --tag Env=prod --snapshot snap_…   (promote it)')
    .action(async (opts: TargetOptions & { account: string; baseline?: string; description?: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.createSnapshot, {
        params: { accountId },
        body: { targets: targetsOf(opts), ...defined({ baselineId: opts.baseline, description: opts.description }) },
      });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Created snapshot ${data.id}: ${data.itemCount} approved version(s) from ${data.baselines.map((b) => b.name).join(', ') || 'no baseline'}; install it with: patchwarden install --account ${opts.account} … --snapshot ${data.id}\n`);
    });
}
