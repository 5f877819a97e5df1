import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { PATCH_STATES } from '../../domain/compliance/model.js';
import { endpoints, type ComplianceHistoryEntry, type ComplianceSummaryGroup, type NodeCompliance, type PatchComplianceState, type PatchRow, type PatchSummaryItem } from '../../contracts/api.js';
import { AppError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';
import { defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTable, formatTime, type Column } from '../output.js';
import { accountIdOf } from '../resolve.js';

const SHORT: Record<string, string> = {
  INSTALLED: 'INST',
  INSTALLED_OTHER: 'OTHER',
  INSTALLED_PENDING_REBOOT: 'REBOOT',
  INSTALLED_REJECTED: 'REJ',
  MISSING: 'MISS',
  FAILED: 'FAIL',
  NOT_APPLICABLE: 'N/A',
  AVAILABLE_SECURITY_UPDATE: 'AVAIL-SEC',
};

const GROUP_COLUMNS: Column<ComplianceSummaryGroup>[] = [
  { header: 'GROUP', value: (g) => (g.label !== null && g.label !== g.key ? `${g.label} (${g.key ?? '-'})` : (g.key ?? '(none)')) },
  { header: 'NODES', value: (g) => String(g.nodes) },
  { header: 'COMPLIANT', value: (g) => String(g.compliant) },
  { header: 'NON-COMPLIANT', value: (g) => String(g.nonCompliant) },
  { header: 'UNKNOWN', value: (g) => String(g.unknown) },
  { header: 'CRITICAL', value: (g) => String(g.nonCompliantByLevel['CRITICAL'] ?? 0) },
  { header: 'HIGH', value: (g) => String(g.nonCompliantByLevel['HIGH'] ?? 0) },
  { header: 'MISSING', value: (g) => String(g.patches.MISSING) },
  { header: 'FAILED', value: (g) => String(g.patches.FAILED) },
  { header: 'OVERDUE', value: (g) => `${g.overduePatches} (${g.overdueNodes} nodes)` },
];

const NODE_COLUMNS: Column<NodeCompliance>[] = [
  { header: 'NODE', value: (n) => n.nodeId },
  { header: 'HOSTNAME', value: (n) => n.hostname },
  { header: 'STATUS', value: (n) => n.status + (n.stale ? '*' : '') },
  { header: 'LEVEL', value: (n) => n.complianceLevel ?? '' },
  { header: 'SEVERITY', value: (n) => n.severity ?? '' },
  { header: 'MISSING', value: (n) => String(n.counts.MISSING) },
  { header: 'FAILED', value: (n) => String(n.counts.FAILED) },
  { header: 'OVERDUE', value: (n) => String(n.overdue) },
  { header: 'BASELINE', value: (n) => n.baselineId ?? n.reason ?? '' },
  { header: 'EVALUATED', value: (n) => formatTime(n.evaluatedAt) },
];

const STATE_COLUMNS: Column<PatchComplianceState>[] = [
  { header: 'PACKAGE', value: (p) => `${p.name}:${p.arch}` },
  { header: 'STATE', value: (p) => p.state },
  { header: 'INSTALLED', value: (p) => p.installedVersion ?? '' },
  { header: 'APPROVED', value: (p) => p.approvedVersion ?? p.candidateVersion ?? '' },
  { header: 'SEVERITY', value: (p) => p.severity },
  { header: 'DUE', value: (p) => (p.dueAt === null ? '' : `${p.dueAt.slice(0, 10)}${p.overdue ? ' OVERDUE' : ''}`) },
  { header: 'CVES', value: (p) => p.cves.slice(0, 3).join(',') + (p.cves.length > 3 ? ',…' : '') },
];

const PATCH_COLUMNS: Column<PatchRow>[] = [
  { header: 'NODE', value: (r) => r.nodeId },
  { header: 'HOSTNAME', value: (r) => r.hostname },
  { header: 'PACKAGE', value: (r) => `${r.name}:${r.arch}` },
  { header: 'STATE', value: (r) => r.state },
  { header: 'INSTALLED', value: (r) => r.installedVersion ?? '' },
  { header: 'CANDIDATE', value: (r) => r.candidateVersion ?? '' },
  { header: 'SEVERITY', value: (r) => r.severity },
  { header: 'CVES', value: (r) => r.cves.slice(0, 3).join(',') + (r.cves.length > 3 ? ',…' : '') },
];

const PATCH_SUMMARY_COLUMNS: Column<PatchSummaryItem>[] = [
  { header: 'PACKAGE', value: (p) => p.name },
  { header: 'NODES', value: (p) => String(p.nodes) },
  { header: 'MISSING', value: (p) => String(p.byState.MISSING) },
  { header: 'FAILED', value: (p) => String(p.byState.FAILED) },
  { header: 'SEVERITY', value: (p) => p.highestSeverity },
  { header: 'OVERDUE', value: (p) => String(p.overdue) },
  { header: 'CVES', value: (p) => p.cves.slice(0, 4).join(',') + (p.cves.length > 4 ? ',…' : '') },
];

const HISTORY_COLUMNS: Column<ComplianceHistoryEntry>[] = [
  { header: 'AT', value: (h) => formatTime(h.at) },
  { header: 'OPERATION', value: (h) => h.operation },
  { header: 'STATUS', value: (h) => h.status },
  { header: 'BASELINE', value: (h) => `${h.baselineId ?? ''}${h.baselineSource === 'override' ? ' (override)' : ''}` },
  { header: 'COUNTS', value: (h) => PATCH_STATES.filter((s) => h.counts[s] > 0 && s !== 'INSTALLED_OTHER').map((s) => `${SHORT[s]} ${h.counts[s]}`).join(', ') },
  { header: 'COMMAND', value: (h) => h.commandId ?? '' },
];

const STATUS = ['COMPLIANT', 'NON_COMPLIANT', 'UNKNOWN'] as const;
const LEVELS = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNSPECIFIED'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'none', 'unknown'] as const;

interface NodeFilters {
  account?: string;
  status?: string;
  level?: string;
  severity?: string;
  os?: string;
  patchGroup?: string;
  overdue?: boolean;
  search?: string;
}

function nodeFilterOptions(cmd: Command): Command {
  return cmd
    .option('--account <account>', 'only this account (id or name)')
    .addOption(new Option('--status <status>', 'only nodes with this status').choices(STATUS))
    .addOption(new Option('--level <level>', 'only nodes whose highest non-compliant level is this').choices(LEVELS))
    .addOption(new Option('--severity <severity>', 'only nodes whose highest non-compliant severity is this').choices(SEVERITIES))
    .option('--os <os>', 'only this OS (DEBIAN, UBUNTU, … or os id debian, ubuntu, …)')
    .option('--patch-group <group>', 'only nodes of this patch group (PatchGroup tag)')
    .option('--overdue', 'only nodes with patches past their SLA due date')
    .option('-q, --search <text>', 'only nodes whose hostname contains the text');
}

async function nodeQuery(cli: CliContext, cmd: Command, o: NodeFilters) {
  const accountId = o.account === undefined ? undefined : await accountIdOf(cli.client(cmd), o.account);
  return defined({ accountId, status: o.status, complianceLevel: o.level, severity: o.severity, os: o.os, patchGroup: o.patchGroup, overdue: o.overdue === true ? 'true' : undefined, q: o.search });
}

const CVE = /^(CVE-\d{4}-\d{4,}|[A-Z]+-[\w:.-]+)$/i;

/** `patchwarden compliance …`: where the fleet stands, per node, per patch and over time. */
export function registerComplianceCommand(program: Command, cli: CliContext): void {
  const compliance = program.command('compliance').description('Compliance: fleet summary, nodes, patches, history, trend, exports and SLA days');

  withJson(compliance.command('summary').description('Fleet summary: nodes compliant / non-compliant / unknown, missing and overdue patches, per group'))
    .option('--account <account>', 'only this account (id or name)')
    .addOption(new Option('--by <group>', 'group by').choices(['account', 'os', 'severity', 'patch-group', 'status']).default('account'))
    .option('--policy <policyId>', 'only the nodes this patch policy governs')
    .addHelpText('after', '\nExamples:\n  patchwarden compliance summary\n  patchwarden compliance summary --by patch-group --account production\n  patchwarden compliance summary --by account --policy pol_…')
    .action(async (opts: { account?: string; by: string; policy?: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const groupBy = (opts.by === 'patch-group' ? 'patchGroup' : opts.by) as 'account' | 'os' | 'severity' | 'patchGroup' | 'status';
      const { data, raw } = await client.request(endpoints.getComplianceSummary, { query: defined({ accountId, groupBy, policyId: opts.policy }) });
      if (opts.json === true) return cli.json(raw);
      cli.out(`${formatTable([...data.groups, { ...data.totals, key: 'TOTAL', label: null }], GROUP_COLUMNS)}`);
    });

  nodeFilterOptions(withListOptions(compliance.command('nodes').description('Node compliance: status, level, severity, missing, failed and overdue patches'), endpoints.listComplianceNodes))
    .option('--policy <policyId>', 'only the nodes this patch policy governs')
    .addHelpText('after', '\nA status with * is stale: it is re-evaluated shortly.\n\nExamples:\n  patchwarden compliance nodes --status NON_COMPLIANT --sort -missing\n  patchwarden compliance nodes --overdue --account production --json\n  patchwarden compliance nodes --policy pol_…')
    .action(async (opts: ListOptions & NodeFilters & { policy?: string }, cmd: Command) => {
      const query = { ...pageQuery(opts), ...(await nodeQuery(cli, cmd, opts)), ...defined({ policyId: opts.policy }) };
      const { data, raw } = await cli.client(cmd).request(endpoints.listComplianceNodes, { query: query as never });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, NODE_COLUMNS, 'nodes');
    });

  withJson(compliance.command('node').description("A node's compliance, its baseline and why, and its per-patch states").argument('<nodeId>', 'node id (mi-…)'))
    .addOption(new Option('--state <state>', 'only patches in this state').choices(PATCH_STATES))
    .addHelpText('after', '\nExamples:\n  patchwarden compliance node mi-0123456789abcdef0\n  patchwarden compliance node mi-0123456789abcdef0 --state MISSING')
    .action(async (nodeId: string, opts: { state?: string; json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getNodeCompliance, { params: { nodeId }, query: defined({ state: opts.state }) as never });
      if (opts.json === true) return cli.json(raw);
      const n = data.node;
      cli.fields([
        ['node', `${n.nodeId} (${n.hostname})`],
        ['status', `${n.status}${n.stale ? ' (stale: re-evaluated shortly)' : ''}${n.reason === null ? '' : ` — ${n.reason}`}`],
        ['compliance level', n.complianceLevel ?? ''],
        ['severity', n.severity ?? ''],
        ['baseline', data.baseline === null ? '(none)' : `${data.baseline.id} v${data.baseline.version ?? '?'} (${data.baseline.source ?? '?'}: ${data.baseline.reason ?? ''})`],
        ['counts', PATCH_STATES.map((s) => `${s} ${n.counts[s]}`).join(', ')],
        ['overdue', `${n.overdue}${n.nextDueAt === null ? '' : `, next due ${formatTime(n.nextDueAt)}`}`],
        ['evaluated', `${formatTime(n.evaluatedAt)} by ${n.operation}${n.commandId === null ? '' : ` ${n.commandId}`}${n.snapshotId === null ? '' : `, snapshot ${n.snapshotId}`}`],
      ]);
      if (data.patches.length > 0) cli.out(`\n${formatTable(data.patches, STATE_COLUMNS)}`);
    });

  withListOptions(compliance.command('patch').description('Which nodes miss a patch or are exposed to a CVE: one row per node and patch'), endpoints.listCompliancePatches)
    .option('--name <package>', 'the package name')
    .option('--cve <id>', 'a CVE or advisory id (CVE-2024-1234, DSA-5678-1, …)')
    .addOption(new Option('--state <state>', 'only patches in this state').choices(PATCH_STATES))
    .option('--account <account>', 'only this account (id or name)')
    .option('--overdue', 'only patches past their SLA due date')
    .option('--summary', 'one row per package instead: nodes by state, highest severity, CVEs (most missing first)')
    .addHelpText('after', '\nExamples:\n  patchwarden compliance patch --name openssl --state MISSING\n  patchwarden compliance patch --cve CVE-2024-6119\n  patchwarden compliance patch --summary --state MISSING')
    .action(async (opts: ListOptions & { name?: string; cve?: string; state?: string; account?: string; overdue?: boolean; summary?: boolean }, cmd: Command) => {
      if (opts.cve !== undefined && !CVE.test(opts.cve)) throw new InvalidArgumentError(`"${opts.cve}" is not a CVE or advisory id; write e.g. CVE-2024-1234 or DSA-5678-1.`);
      if (opts.summary !== true && opts.name === undefined && opts.cve === undefined) {
        throw new AppError('validation', 'Name the patch: --name PACKAGE or --cve CVE-…  (or --summary for every package).');
      }
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const filters = defined({ name: opts.name, cve: opts.cve, state: opts.state, accountId, overdue: opts.overdue === true ? 'true' : undefined });
      if (opts.summary === true) {
        const sort = opts.sort === undefined || !/^-?(name|nodes|missing|severity|overdue)$/.test(opts.sort) ? undefined : opts.sort;
        const { data, raw } = await client.request(endpoints.getCompliancePatchSummary, { query: { ...pageQuery({ ...defined({ limit: opts.limit, offset: opts.offset, sort }) }), ...filters } as never });
        if (opts.json === true) return cli.json(raw);
        return cli.table(data, PATCH_SUMMARY_COLUMNS, 'packages');
      }
      const { data, raw } = await client.request(endpoints.listCompliancePatches, { query: { ...pageQuery(opts), ...filters } as never });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, PATCH_COLUMNS, 'rows');
    });

  withListOptions(compliance.command('history').description("A node's compliance history: every scan and install result, and every change").argument('<nodeId>', 'node id (mi-…)'), endpoints.getNodeComplianceHistory)
    .addHelpText('after', '\nExamples:\n  patchwarden compliance history mi-0123456789abcdef0 --limit 20')
    .action(async (nodeId: string, opts: ListOptions, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getNodeComplianceHistory, { params: { nodeId }, query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, HISTORY_COLUMNS, 'entries');
    });

  withJson(compliance.command('trend').description('Compliance over time: nodes compliant / non-compliant / unknown / overdue per day'))
    .option('--days <n>', 'how many days back', intArg(1, 3660), 30)
    .option('--account <account>', 'only this account (id or name)')
    .addHelpText('after', '\nExamples:\n  patchwarden compliance trend --days 90')
    .action(async (opts: { days: number; account?: string; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.getComplianceTrend, { query: defined({ days: opts.days, accountId }) });
      if (opts.json === true) return cli.json(raw);
      if (data.points.length === 0) return cli.out(`No evaluations in the last ${data.days} days.\n`);
      cli.out(
        formatTable(data.points, [
          { header: 'DAY', value: (p) => p.day },
          { header: 'COMPLIANT', value: (p) => String(p.compliant) },
          { header: 'NON-COMPLIANT', value: (p) => String(p.nonCompliant) },
          { header: 'UNKNOWN', value: (p) => String(p.unknown) },
          { header: 'OVERDUE NODES', value: (p) => String(p.overdueNodes) },
        ]),
      );
    });

  nodeFilterOptions(compliance.command('export').description('Export the node or patch report as CSV or JSON (every row matching the filters)'))
    .addOption(new Option('--report <report>', 'which report').choices(['nodes', 'patches']).default('nodes'))
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'json']).default('csv'))
    .option('--name <package>', 'patches report: only this package')
    .option('--cve <id>', 'patches report: only patches fixing this CVE or advisory')
    .addOption(new Option('--state <state>', 'patches report: only this state').choices(PATCH_STATES))
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .addHelpText('after', "\nCSV cells starting with = + - @ are prefixed with ' so spreadsheets do not run them.\n\nExamples:\n  patchwarden compliance export --report nodes --format csv -o nodes.csv\n  patchwarden compliance export --report patches --state MISSING --format json")
    .action(async (opts: NodeFilters & { report: string; format: string; name?: string; cve?: string; state?: string; output?: string }, cmd: Command) => {
      const base = await nodeQuery(cli, cmd, opts);
      const query = { ...(opts.report === 'patches' ? defined({ accountId: base.accountId, overdue: base.overdue, name: opts.name, cve: opts.cve, state: opts.state }) : base), report: opts.report, format: opts.format };
      const { text } = await cli.client(cmd).requestText(endpoints.exportCompliance, { query: query as never });
      const body = opts.format === 'json' ? `${JSON.stringify(JSON.parse(text), null, 2)}\n` : text;
      if (opts.output === undefined) return cli.out(body);
      try {
        writeFileSync(opts.output, body);
      } catch (err) {
        throw new AppError('validation', `Cannot write ${opts.output}: ${(err as Error).message}`, { cause: err });
      }
      cli.io.stderr.write(`Wrote the ${opts.report} report (${opts.format}) to ${opts.output}.\n`);
    });

  const sla = compliance.command('sla').description('SLA days per severity: days allowed from approval to install');
  withJson(sla.command('show').description('Show the SLA days')).action(async (opts: { json?: boolean }, cmd: Command) => {
    const { data, raw } = await cli.client(cmd).request(endpoints.getComplianceSettings);
    if (opts.json === true) return cli.json(raw);
    showSla(cli, data.slaDays, data.updatedAt);
  });
  // `none` is -1 here (commander keeps a null result as the raw text), null in the request.
  const days = (v: string): number => (v.trim().toLowerCase() === 'none' ? -1 : intArg(0, 3650)(v));
  withJson(sla.command('set').description('Change SLA days (org-admin); every node is re-evaluated'))
    .option('--critical <days>', 'days for critical patches ("none": no SLA)', days)
    .option('--high <days>', 'days for high patches', days)
    .option('--medium <days>', 'days for medium patches', days)
    .option('--low <days>', 'days for low patches', days)
    .addHelpText('after', '\nExamples:\n  patchwarden compliance sla set --critical 7 --high 14\n  patchwarden compliance sla set --low none')
    .action(async (opts: { critical?: number; high?: number; medium?: number; low?: number; json?: boolean }, cmd: Command) => {
      const value = (v: number | undefined) => (v === -1 ? null : v);
      const slaDays = defined({ critical: value(opts.critical), high: value(opts.high), medium: value(opts.medium), low: value(opts.low) });
      if (Object.keys(slaDays).length === 0) throw new AppError('validation', 'Give at least one of --critical, --high, --medium, --low (days, or "none").');
      const { data, raw } = await cli.client(cmd).request(endpoints.putComplianceSettings, { body: { slaDays } });
      if (opts.json === true) return cli.json(raw);
      showSla(cli, data.slaDays, data.updatedAt);
    });
}

function showSla(cli: CliContext, d: { critical: number | null; high: number | null; medium: number | null; low: number | null }, updatedAt: string | null): void {
  const f = (v: number | null) => (v === null ? 'no SLA' : `${v} days`);
  cli.fields([
    ['critical', f(d.critical)],
    ['high', f(d.high)],
    ['medium', f(d.medium)],
    ['low', f(d.low)],
    ['updated', updatedAt === null ? '(defaults)' : formatTime(updatedAt)],
  ]);
}
