import { Option, type Command } from 'commander';
import { AppError } from '../../domain/errors.js';
import { OPERATING_SYSTEMS } from '../../domain/baselines/model.js';
import { endpoints, type Baseline, type BaselinePreview, type DefaultBaseline, type NodeBaseline, type PatchGroupBaseline, type PreviewPatch } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { readObjectFile } from '../read-file.js';
import { UsageError } from '../io.js';
import { collect, defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTable, formatTime, type Column } from '../output.js';
import { confirmDestructive } from '../prompt.js';
import { accountIdOf } from '../resolve.js';

const BASELINE_COLUMNS: Column<Baseline>[] = [
  { header: 'ID', value: (b) => b.id },
  { header: 'NAME', value: (b) => b.name },
  { header: 'OS', value: (b) => b.operatingSystem },
  { header: 'ACCOUNT', value: (b) => (b.predefined ? '(predefined)' : b.accountId) },
  { header: 'RULES', value: (b) => b.approvalRules.length },
  { header: 'VERSION', value: (b) => b.version },
  { header: 'UPDATED', value: (b) => formatTime(b.updatedAt) },
];

const DEFAULT_COLUMNS: Column<DefaultBaseline>[] = [
  { header: 'OS', value: (d) => d.operatingSystem },
  { header: 'BASELINE', value: (d) => d.baselineId },
  { header: 'NAME', value: (d) => d.baselineName },
  { header: 'SOURCE', value: (d) => (d.registered ? 'registered' : 'predefined default') },
  { header: 'UPDATED', value: (d) => (d.updatedAt === null ? '' : `${formatTime(d.updatedAt)} by ${d.updatedBy ?? '?'}`) },
];

const GROUP_COLUMNS: Column<PatchGroupBaseline>[] = [
  { header: 'PATCH GROUP', value: (g) => g.patchGroup },
  { header: 'OS', value: (g) => g.operatingSystem },
  { header: 'BASELINE', value: (g) => g.baselineId },
  { header: 'NAME', value: (g) => g.baselineName },
  { header: 'UPDATED', value: (g) => `${formatTime(g.updatedAt)} by ${g.updatedBy ?? '?'}` },
];

const PATCH_COLUMNS: Column<PreviewPatch>[] = [
  { header: 'NAME', value: (p) => p.name },
  { header: 'ARCH', value: (p) => p.arch },
  { header: 'INSTALLED → CANDIDATE', value: (p) => `${p.installedVersion} → ${p.candidateVersion}` },
  { header: 'LEVEL', value: (p) => p.complianceLevel },
  { header: 'APPROVED', value: (p) => formatTime(p.approvedAt ?? p.pendingUntil) + (p.approvedAt === null && p.pendingUntil !== null ? ' (pending)' : '') },
  { header: 'WHY', value: (p) => p.reason },
];

/** Fields of `baselines show --json` that a file may carry but the server sets itself. */
const SERVER_FIELDS = ['id', 'accountId', 'predefined', 'version', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy'];

/** A baseline file (YAML or JSON; `-` reads stdin) as an object, without the fields the server sets. */
function readBaselineFile(cli: CliContext, path: string): Promise<Record<string, unknown>> {
  return readObjectFile(cli, path, 'baseline', SERVER_FIELDS, ' (name, operatingSystem, approvalRules, …); see docs/baselines.md');
}

function showBaseline(cli: CliContext, b: Baseline): void {
  cli.fields([
    ['id', b.id],
    ['name', b.name],
    ['operating system', b.operatingSystem],
    ['account', b.predefined ? '(predefined: cannot change; copy it with `baselines create --from`)' : b.accountId],
    ['description', b.description],
    ['version', b.version],
    ['global filters', b.globalFilters.map((f) => `${f.key}=${f.values.join('|')}`).join(', ')],
    ['approved patches', `${b.approvedPatches.join(', ')}${b.approvedPatches.length === 0 ? '' : ` (${b.approvedPatchesComplianceLevel}${b.approvedPatchesEnableNonSecurity ? ', non-security too' : ''})`}`],
    ['rejected patches', `${b.rejectedPatches.join(', ')}${b.rejectedPatches.length === 0 ? '' : ` (${b.rejectedPatchesAction})`}`],
    ['security updates not approved', b.availableSecurityUpdatesComplianceStatus],
    ['sources', b.sources.map((s) => s.name).join(', ')],
    ['updated', b.updatedAt === null ? '' : `${formatTime(b.updatedAt)} by ${b.updatedBy ?? '?'}`],
  ]);
  b.approvalRules.forEach((r, i) => {
    const when = r.approveUntilDate !== undefined ? `released on or before ${r.approveUntilDate}` : `${r.approveAfterDays ?? 0} day(s) after release`;
    const filters = r.filters.length === 0 ? 'every update' : r.filters.map((f) => `${f.key}=${f.values.join('|')}`).join(' and ');
    const extra = [r.enableNonSecurity ? 'non-security too' : 'security only', r.approveUndated ? 'undated: from first seen' : 'undated: never'].join(', ');
    cli.out(`rule ${i + 1}: ${filters}; ${when}; ${r.complianceLevel}; ${extra}\n`);
  });
}

function showEffective(cli: CliContext, e: NodeBaseline): void {
  cli.fields([
    ['node', `${e.nodeId} (${e.hostname})`],
    ['operating system', e.operatingSystem ?? 'not supported'],
    ['products', e.products.join(', ')],
    ['patch group', e.patchGroup],
    ['baseline', e.baseline === null ? 'none' : `${e.baseline.id} ${e.baseline.name} (version ${e.baseline.version}${e.baseline.predefined ? ', predefined' : ''})`],
    ['source', e.source],
    ['why', e.reason],
  ]);
  cli.out('\nPrecedence, highest first:\n');
  cli.out(
    formatTable(e.chain, [
      { header: 'LEVEL', value: (l) => l.level },
      { header: 'STATUS', value: (l) => l.status },
      { header: 'BASELINE', value: (l) => l.baselineId },
      { header: 'WHY', value: (l) => l.reason },
    ]),
  );
}

function showPreview(cli: CliContext, p: BaselinePreview): void {
  const b = p.baseline;
  cli.out(`Baseline ${b.id ?? '(draft)'} ${b.name} for ${b.operatingSystem}, evaluated at ${formatTime(p.at)}\n`);
  const t = p.totals;
  cli.out(
    `${t.nodes} node(s): ${t.evaluated} evaluated, ${t.notApplicable} not applicable; ${t.updates} update(s): ${t.approved} approved, ${t.pendingApproval} waiting for a delay, ${t.notApprovedSecurity} security update(s) not approved, ${t.rejected} rejected\n`,
  );
  for (const n of p.nodes.items) {
    cli.out(`\n${n.nodeId} ${n.hostname}${n.applicable ? '' : `: ${n.reason}`}\n`);
    if (!n.applicable) continue;
    cli.out(`  ${n.counts.approved} approved, ${n.counts.notApprovedSecurity} security not approved, ${n.counts.updates} update(s)\n`);
    if (n.approved.length > 0) cli.out(indent(formatTable(n.approved, PATCH_COLUMNS)));
    if (n.notApprovedSecurity.length > 0) {
      cli.out('  Security updates not approved:\n');
      cli.out(indent(formatTable(n.notApprovedSecurity, PATCH_COLUMNS)));
    }
  }
  const shown = p.nodes.offset + p.nodes.items.length;
  if (shown < p.nodes.total) cli.io.stderr.write(`(nodes ${p.nodes.offset + 1}-${shown} of ${p.nodes.total}; next page: --offset ${shown})\n`);
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}

/** `--tag key=value` (values OR-ed with commas: `env=prod,stage`); several --tag are AND-ed. */
function tagFiltersOf(pairs: readonly string[]): { key: string; values: string[] }[] {
  return pairs.map((pair) => {
    const i = pair.indexOf('=');
    if (i <= 0) throw new UsageError(`--tag "${pair}": expected key=value (values OR-ed with commas, e.g. env=prod,stage)`);
    return { key: pair.slice(0, i), values: pair.slice(i + 1).split(',') };
  });
}

const osOption = () => new Option('--os <os>', 'operating system').choices(OPERATING_SYSTEMS);

/** `patchwarden baselines …`: patch baselines, account defaults, patch groups, effective baselines and previews. */
export function registerBaselinesCommand(program: Command, cli: CliContext): void {
  const baselines = program
    .command('baselines')
    .description('Patch baselines: which updates are approved; account defaults, patch groups, which baseline applies to a node, previews')
    .addHelpText('after', '\nThe model and the file format: docs/baselines.md.');

  withListOptions(baselines.command('list').description('List the predefined baselines and those of the accounts you can see'), endpoints.listBaselines)
    .option('--account <account>', "only this account's baselines (id or name)")
    .addOption(osOption())
    .option('-q, --search <text>', 'only baselines whose name or description contains the text')
    .option('--no-predefined', 'leave out the predefined baselines')
    .addHelpText('after', '\nExamples:\n  patchwarden baselines list --os DEBIAN\n  patchwarden baselines list --account production --no-predefined --json')
    .action(async (opts: ListOptions & { account?: string; os?: string; search?: string; predefined: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listBaselines, {
        query: { ...pageQuery(opts), ...defined({ accountId, operatingSystem: opts.os, q: opts.search }), ...(opts.predefined ? {} : { predefined: 'false' }) } as never,
      });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, BASELINE_COLUMNS, 'baselines');
    });

  withJson(baselines.command('show').description('Show a baseline and its rules').argument('<baselineId>', 'baseline id (pb_… or pb-predefined-…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden baselines show pb-predefined-debian\n  patchwarden baselines show pb_0123456789abcdefghjk --json > baseline.json')
    .action(async (baselineId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getBaseline, { params: { baselineId } });
      if (opts.json === true) return cli.json(raw);
      showBaseline(cli, data);
    });

  withJson(
    baselines
      .command('create')
      .description('Create a baseline in an account from a YAML or JSON file (account admin or org-admin)')
      .requiredOption('--account <account>', 'the account (id or name)')
      .option('--file <path>', 'the baseline: YAML or JSON (`-`: stdin); see docs/baselines.md')
      .option('--from <baselineId>', 'copy this baseline (e.g. pb-predefined-debian); the file\'s fields replace the copied ones')
      .option('--name <name>', 'the name (instead of the file\'s)'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  patchwarden baselines create --account production --file debian-prod.yaml\n  patchwarden baselines create --account production --from pb-predefined-debian --name debian-strict --file stricter.yaml',
    )
    .action(async (opts: { account: string; file?: string; from?: string; name?: string; json?: boolean }, cmd: Command) => {
      if (opts.file === undefined && opts.from === undefined) throw new UsageError('give --file with the baseline, or --from with a baseline to copy (or both)');
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const fileFields = opts.file === undefined ? {} : await readBaselineFile(cli, opts.file);
      if (opts.from !== undefined && opts.name === undefined && !('name' in fileFields)) throw new UsageError('a copy needs its own name: give --name (or a name in the file)');
      let body: Record<string, unknown> = {};
      if (opts.from !== undefined) {
        const source = await client.call(endpoints.getBaseline, { params: { baselineId: opts.from } });
        body = Object.fromEntries(Object.entries(source).filter(([k]) => !SERVER_FIELDS.includes(k)));
        body.description = `Copy of ${source.name} (${source.id}). ${source.description}`.slice(0, 1024);
      }
      body = { ...body, ...fileFields, ...(opts.name === undefined ? {} : { name: opts.name }) };
      const { data, raw } = await client.request(endpoints.createBaseline, { params: { accountId }, body: body as never });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Created baseline ${data.id} "${data.name}" for ${data.operatingSystem} in account ${accountId}.\n`);
      cli.io.stderr.write(`It applies to no node yet: make it the account's default (\`patchwarden baselines default set --account ${opts.account} --os ${data.operatingSystem} --baseline ${data.id}\`) or register it for a patch group.\n`);
    });

  withJson(
    baselines
      .command('update')
      .description('Change a baseline: the fields in the file replace the stored ones, the others stay (account admin or org-admin)')
      .argument('<baselineId>', 'baseline id (pb_…)')
      .requiredOption('--file <path>', 'the fields to change: YAML or JSON (`-`: stdin); `baselines show --json` output works too'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden baselines update pb_0123456789abcdefghjk --file changes.yaml')
    .action(async (baselineId: string, opts: { file: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const body = await readBaselineFile(cli, opts.file);
      if ('operatingSystem' in body) {
        const current = await client.call(endpoints.getBaseline, { params: { baselineId } });
        if (body.operatingSystem !== current.operatingSystem) {
          throw new AppError('validation', `${opts.file} says operatingSystem ${String(body.operatingSystem)}, the baseline is for ${current.operatingSystem}; the OS of a baseline cannot change: create another one`);
        }
        delete body.operatingSystem;
      }
      const { data, raw } = await client.request(endpoints.updateBaseline, { params: { baselineId }, body });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Updated baseline ${data.id} "${data.name}" to version ${data.version}; the nodes using it are re-evaluated.\n`);
    });

  withJson(
    baselines
      .command('delete')
      .description('Delete a baseline no account default and no patch group uses (account admin or org-admin); asks unless --yes')
      .argument('<baselineId>', 'baseline id (pb_…)')
      .option('-y, --yes', 'do not ask; required when stdin is not a terminal'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden baselines delete pb_0123456789abcdefghjk --yes')
    .action(async (baselineId: string, opts: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      await confirmDestructive(cli.io, opts.yes, `Delete baseline ${baselineId}?`);
      await client.call(endpoints.deleteBaseline, { params: { baselineId } });
      cli.done(opts.json, { deleted: true, baselineId }, `Deleted baseline ${baselineId}.\n`);
    });

  withJson(
    baselines
      .command('preview')
      .description('What a baseline approves on nodes now, before saving it or making it apply (changes nothing)')
      .requiredOption('--account <account>', 'the account of the nodes (id or name)')
      .option('--baseline <baselineId>', 'a saved baseline of the account, or a predefined one')
      .option('--file <path>', 'a draft baseline (YAML or JSON, `-`: stdin) instead of a saved one: needs the operator role')
      .option('--node <nodeId>', 'this node (repeatable)', collect, [])
      .option('--tag <key=value>', 'nodes with this tag; values OR-ed with commas (repeatable: all must match)', collect, [])
      .option('--patch-group <group>', 'the nodes of this patch group (PatchGroup tag)')
      .option('--at <instant>', 'evaluate as of this instant (ISO 8601), e.g. when a delay rule will have approved more')
      .option('--limit <n>', 'nodes to show in detail, 1-500 (default: 50)', intArg(1, 500))
      .option('--offset <n>', 'nodes to skip, for the next page (default: 0)', intArg(0, 1000)),
  )
    .addHelpText(
      'after',
      '\nWithout --node, --tag or --patch-group: every node of the account (at most 1,000).\n\nExamples:\n  patchwarden baselines preview --account production --baseline pb-predefined-debian --patch-group web\n  patchwarden baselines preview --account production --file draft.yaml --tag env=prod',
    )
    .action(
      async (
        opts: { account: string; baseline?: string; file?: string; node: string[]; tag: string[]; patchGroup?: string; at?: string; limit?: number; offset?: number; json?: boolean },
        cmd: Command,
      ) => {
        if ((opts.baseline === undefined) === (opts.file === undefined)) throw new UsageError('give exactly one of --baseline (a saved baseline) or --file (a draft)');
        const selectors = [opts.node.length > 0, opts.tag.length > 0, opts.patchGroup !== undefined].filter(Boolean).length;
        if (selectors > 1) throw new UsageError('choose the nodes with one of --node, --tag or --patch-group');
        const client = cli.client(cmd);
        const accountId = await accountIdOf(client, opts.account);
        let rules: Record<string, unknown> | undefined;
        if (opts.file !== undefined) {
          const { name: _name, description: _description, ...rest } = await readBaselineFile(cli, opts.file);
          rules = rest;
        }
        const body = {
          ...defined({ baselineId: opts.baseline, rules, patchGroup: opts.patchGroup, at: opts.at, limit: opts.limit, offset: opts.offset }),
          ...(opts.node.length > 0 ? { nodeIds: opts.node } : {}),
          ...(opts.tag.length > 0 ? { tags: tagFiltersOf(opts.tag) } : {}),
        };
        const { data, raw } = await client.request(endpoints.previewBaseline, { params: { accountId }, body: body as never });
        if (opts.json === true) return cli.json(raw);
        showPreview(cli, data);
      },
    );

  const defaults = baselines.command('default').description("The account's default baseline per operating system (else the predefined one)");
  withJson(defaults.command('list').description("Show the account's default baseline for every operating system").requiredOption('--account <account>', 'the account (id or name)'))
    .addHelpText('after', '\nExamples:\n  patchwarden baselines default list --account production')
    .action(async (opts: { account: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listDefaultBaselines, { params: { accountId } });
      if (opts.json === true) return cli.json(raw);
      cli.out(formatTable(data.items, DEFAULT_COLUMNS));
    });
  withJson(
    defaults
      .command('set')
      .description("Register the account's default baseline for an operating system (account admin or org-admin)")
      .requiredOption('--account <account>', 'the account (id or name)')
      .addOption(osOption().makeOptionMandatory())
      .requiredOption('--baseline <baselineId>', 'a baseline of the account for that OS, or a predefined one'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden baselines default set --account production --os DEBIAN --baseline pb_0123456789abcdefghjk')
    .action(async (opts: { account: string; os: string; baseline: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.setDefaultBaseline, { params: { accountId, operatingSystem: opts.os as never }, body: { baselineId: opts.baseline } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`The default baseline for ${data.operatingSystem} in account ${accountId} is now ${data.baselineId} (${data.baselineName}).\n`);
    });
  withJson(
    defaults
      .command('clear')
      .description('Go back to the predefined baseline as the default for an operating system (account admin or org-admin)')
      .requiredOption('--account <account>', 'the account (id or name)')
      .addOption(osOption().makeOptionMandatory()),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden baselines default clear --account production --os DEBIAN')
    .action(async (opts: { account: string; os: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.clearDefaultBaseline, { params: { accountId, operatingSystem: opts.os as never } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`The default baseline for ${data.operatingSystem} in account ${accountId} is the predefined ${data.baselineId} again.\n`);
    });

  const groups = baselines.command('groups').description('Patch groups: the baseline per OS for nodes tagged PatchGroup=<group>');
  withJson(groups.command('list').description('List the patch groups of an account and their baselines').requiredOption('--account <account>', 'the account (id or name)').option('--group <group>', 'only this patch group'))
    .addHelpText('after', '\nExamples:\n  patchwarden baselines groups list --account production')
    .action(async (opts: { account: string; group?: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listPatchGroups, { params: { accountId }, query: defined({ patchGroup: opts.group }) });
      if (opts.json === true) return cli.json(raw);
      if (data.items.length === 0) cli.out('No patch groups with a registered baseline.\n');
      else cli.out(formatTable(data.items, GROUP_COLUMNS));
    });
  withJson(
    groups
      .command('register')
      .description('Register the baseline of a patch group for an operating system; replaces the previous one (account admin or org-admin)')
      .requiredOption('--account <account>', 'the account (id or name)')
      .requiredOption('--group <group>', 'the patch group (the value of the nodes\' PatchGroup tag)')
      .addOption(osOption().makeOptionMandatory())
      .requiredOption('--baseline <baselineId>', 'a baseline of the account for that OS, or a predefined one'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden baselines groups register --account production --group web --os UBUNTU --baseline pb_0123456789abcdefghjk')
    .action(async (opts: { account: string; group: string; os: string; baseline: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.registerPatchGroup, { params: { accountId, patchGroup: opts.group, operatingSystem: opts.os as never }, body: { baselineId: opts.baseline } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Patch group "${data.patchGroup}" uses ${data.baselineId} (${data.baselineName}) for ${data.operatingSystem}.\n`);
    });
  withJson(
    groups
      .command('deregister')
      .description('Remove the baseline of a patch group for an operating system; its nodes fall back to the account default (account admin or org-admin)')
      .requiredOption('--account <account>', 'the account (id or name)')
      .requiredOption('--group <group>', 'the patch group')
      .addOption(osOption().makeOptionMandatory()),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden baselines groups deregister --account production --group web --os UBUNTU')
    .action(async (opts: { account: string; group: string; os: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      await client.call(endpoints.deregisterPatchGroup, { params: { accountId, patchGroup: opts.group, operatingSystem: opts.os as never } });
      cli.done(opts.json, { deregistered: true, patchGroup: opts.group, operatingSystem: opts.os }, `Patch group "${opts.group}" has no baseline for ${opts.os} any more; its nodes use the account default.\n`);
    });

  withJson(baselines.command('effective').description('Which baseline applies to a node, and why (every level of the precedence)').argument('<nodeId>', 'node id (mi-…)'))
    .addHelpText('after', '\nPrecedence: explicit override > patch policy > patch group > account default > predefined.\n\nExamples:\n  patchwarden baselines effective mi-0123456789abcdef0')
    .action(async (nodeId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getNodeBaseline, { params: { nodeId } });
      if (opts.json === true) return cli.json(raw);
      showEffective(cli, data);
    });
}
