import type { Command } from 'commander';
import { AppError } from '../../domain/errors.js';
import { endpoints, type DependencyComplianceGroup, type DependencyFinding, type DependencyPullRequest, type Repository, type RepositoryScan } from '../../contracts/api.js';
import type { ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { ExitStatus, UsageError } from '../io.js';
import { defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { confirmDestructive } from '../prompt.js';
import { accountIdOf } from '../resolve.js';

const REPOSITORY_ID = /^repo_[0-9a-z]{20}$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The id of a repository given by id (`repo_…`) or by exact name (unique among the repositories you see). */
export async function repositoryIdOf(client: ApiClient, ref: string): Promise<string> {
  const wanted = ref.trim();
  if (REPOSITORY_ID.test(wanted)) return wanted;
  const page = await client.call(endpoints.listRepositories, { query: { q: wanted, limit: 500 } });
  const found = page.items.filter((r) => r.name === wanted);
  if (found.length === 0) throw new AppError('not_found', `no repository named "${wanted}" that you can see; list them with \`patchwarden repos list\``);
  if (found.length > 1) throw new UsageError(`${found.length} repositories are named "${wanted}" (in accounts ${found.map((r) => r.accountId).join(', ')}); give the id instead`);
  return found[0]!.id;
}

const counts = (c: Repository['findings']) => (['critical', 'high', 'medium', 'low', 'unknown'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`).join(', ') || '0';

const REPOSITORY_COLUMNS: Column<Repository>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'NAME', value: (r) => r.name },
  { header: 'URL', value: (r) => `${r.gitUrl}${r.branch === null ? '' : ` (${r.branch})`}` },
  { header: 'STATUS', value: (r) => r.complianceStatus },
  { header: 'FINDINGS', value: (r) => counts(r.findings) },
  { header: 'OVERDUE', value: (r) => r.overdue },
  { header: 'PRS', value: (r) => r.openPullRequestCount },
  { header: 'LAST SCAN', value: (r) => (r.lastScan === null ? 'never' : `${r.lastScan.status} ${formatTime(r.lastScan.endedAt ?? r.lastScan.startedAt)}`) },
  { header: 'NEXT SCAN', value: (r) => formatTime(r.nextScanAt) },
];

const SCAN_COLUMNS: Column<RepositoryScan>[] = [
  { header: 'SCAN', value: (s) => s.id },
  { header: 'CREATED', value: (s) => formatTime(s.createdAt) },
  { header: 'TRIGGER', value: (s) => s.trigger },
  { header: 'STATUS', value: (s) => s.status },
  { header: 'COMMIT', value: (s) => s.commit?.slice(0, 12) },
  { header: 'LOCKFILES', value: (s) => s.lockfiles },
  { header: 'FINDINGS', value: (s) => s.findings },
  { header: 'PRS', value: (s) => (s.pullRequests === null ? '' : `${s.pullRequests.opened} opened, ${s.pullRequests.updated} updated, ${s.pullRequests.closed} closed, ${s.pullRequests.failed} failed`) },
  { header: 'ERROR', value: (s) => s.error ?? (s.errors.length > 0 ? `${s.errors.length} lockfile(s) unreadable` : '') },
];

const FINDING_COLUMNS: Column<DependencyFinding>[] = [
  { header: 'PACKAGE', value: (f) => f.package },
  { header: 'VERSION', value: (f) => f.version },
  { header: 'SEVERITY', value: (f) => `${f.severity}${f.belowThreshold ? ' (below threshold)' : ''}` },
  { header: 'CVES', value: (f) => (f.cves.length > 0 ? f.cves.join(', ') : f.advisories.map((a) => a.id).join(', ')) },
  { header: 'FIXED IN', value: (f) => f.fixedIn },
  { header: 'DUE', value: (f) => (f.dueAt === null ? 'no SLA' : `${formatTime(f.dueAt)}${f.overdue ? ' OVERDUE' : ''}`) },
  { header: 'REPOSITORY', value: (f) => f.repositoryName },
  { header: 'LOCKFILE', value: (f) => `${f.lockfile}${f.line === null ? '' : `:${f.line}`}` },
  { header: 'PULL REQUEST', value: (f) => f.pullRequestUrl },
];

const PR_COLUMNS: Column<DependencyPullRequest>[] = [
  { header: 'REPOSITORY', value: (p) => p.repositoryName },
  { header: 'BRANCH', value: (p) => p.branch },
  { header: 'STATE', value: (p) => p.state },
  { header: 'SEVERITY', value: (p) => p.severity },
  { header: 'PACKAGES', value: (p) => p.packages.map((x) => `${x.name} ${x.from.join(',')} -> ${x.to ?? '?'}`).join('; ') },
  { header: 'URL', value: (p) => p.url },
  { header: 'UPDATED', value: (p) => formatTime(p.updatedAt) },
];

const GROUP_COLUMNS: Column<DependencyComplianceGroup>[] = [
  { header: 'GROUP', value: (g) => g.label },
  { header: 'REPOSITORIES', value: (g) => g.repositories },
  { header: 'COMPLIANT', value: (g) => g.compliant },
  { header: 'NON-COMPLIANT', value: (g) => g.nonCompliant },
  { header: 'UNKNOWN', value: (g) => g.unknown },
  { header: 'FINDINGS', value: (g) => counts(g.findings) },
  { header: 'OVERDUE', value: (g) => `${g.overdueFindings} (${g.overdueRepositories} repos)` },
  { header: 'OPEN PRS', value: (g) => g.openPullRequests },
];

interface RepoFlags {
  name?: string;
  url?: string;
  branch?: string | false;
  forge?: string;
  forgeApiUrl?: string;
  forgeRepository?: string;
  credentials?: string | false;
  schedule?: string | false;
  timezone?: string;
  grouping?: string;
  threshold?: string;
  openPrs?: boolean;
  enable?: boolean;
  disable?: boolean;
  json?: boolean;
}

function withRepoFlags(cmd: Command): Command {
  return withJson(cmd)
    .option('--name <name>', 'a name unique in the account')
    .option('--url <gitUrl>', 'git URL: https://…, ssh://…, git://… or git@host:owner/repo.git (never with a password in it)')
    .option('--branch <branch>', 'the branch scanned and targeted by pull requests (default: the remote\'s default branch)')
    .option('--forge <kind>', 'github, gitlab, gitea or none: where pull requests are opened')
    .option('--forge-api-url <url>', 'the forge API (required for gitea: https://host/api/v1; self-hosted GitHub/GitLab)')
    .option('--forge-repository <path>', 'the repository on the forge: owner/name (GitLab: group/project)')
    .option('--credentials <ref>', 'where the server reads the token: file:NAME (<secretsDir>/<accountId>/NAME) or env:PATCHWARDEN_SECRET_NAME (org-admin)')
    .option('--schedule <expr>', 'scan schedule: cron "0 3 * * *", SSM "cron(0 3 ? * MON *)" or "rate(12 hours)"')
    .option('--timezone <zone>', 'IANA time zone of the schedule (default UTC)')
    .option('--grouping <how>', 'one pull request per package, ecosystem or all')
    .option('--threshold <severity>', 'critical, high, medium, low or any: findings below do not count and get no pull request')
    .option('--open-prs', 'open, update and close pull requests after each scan (needs --forge and --credentials)')
    .option('--enable', 'enable scheduled scans')
    .option('--disable', 'disable scheduled scans (scans on demand still run)');
}

/** A create/PUT body from flags over `base` (the current repository for update). */
function bodyOf(opts: RepoFlags, base: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...base, ...defined({ name: opts.name, gitUrl: opts.url, timezone: opts.timezone, grouping: opts.grouping, severityThreshold: opts.threshold }) };
  if (opts.branch !== undefined) body['branch'] = opts.branch === false ? null : opts.branch;
  if (opts.credentials !== undefined) body['credentialsRef'] = opts.credentials === false ? null : opts.credentials;
  if (opts.schedule !== undefined) body['schedule'] = opts.schedule === false ? null : opts.schedule;
  if (opts.openPrs !== undefined) body['openPullRequests'] = opts.openPrs;
  if (opts.enable === true && opts.disable === true) throw new UsageError('give --enable or --disable, not both');
  if (opts.enable === true) body['enabled'] = true;
  if (opts.disable === true) body['enabled'] = false;
  if (opts.forge !== undefined || opts.forgeApiUrl !== undefined || opts.forgeRepository !== undefined) {
    const current = (body['forge'] ?? { kind: 'none' }) as Record<string, unknown>;
    body['forge'] = { ...current, ...defined({ kind: opts.forge, apiUrl: opts.forgeApiUrl, repository: opts.forgeRepository }) };
  }
  return body;
}

/** The settings of a repository as a PUT body (what `update` starts from). */
function settingsOf(r: Repository): Record<string, unknown> {
  return {
    name: r.name,
    gitUrl: r.gitUrl,
    branch: r.branch,
    forge: { kind: r.forge.kind, apiUrl: r.forge.apiUrl, repository: r.forge.repository },
    credentialsRef: r.credentialsRef,
    schedule: r.schedule,
    timezone: r.timezone,
    grouping: r.grouping,
    severityThreshold: r.severityThreshold,
    openPullRequests: r.openPullRequests,
    enabled: r.enabled,
  };
}

function showRepository(cli: CliContext, r: Repository): void {
  cli.fields([
    ['id', r.id],
    ['name', r.name],
    ['account', r.accountId],
    ['url', r.gitUrl],
    ['branch', r.branch ?? "the remote's default"],
    ['forge', r.forge.kind === 'none' ? 'none' : `${r.forge.kind} ${r.forge.repository ?? ''}${r.forge.apiUrl === null ? '' : ` (${r.forge.apiUrl})`}`],
    ['credentials', r.credentialsRef ?? 'none'],
    ['schedule', r.schedule === null ? 'on demand only' : `${r.schedule} (${r.timezone})${r.enabled ? '' : ', disabled'}`],
    ['next scan', r.nextScanAt === null ? 'none' : formatTime(r.nextScanAt)],
    ['pull requests', r.openPullRequests ? `on, one per ${r.grouping === 'all' ? 'repository' : r.grouping}` : 'off'],
    ['threshold', r.severityThreshold],
    ['compliance', r.complianceStatus],
    ['findings', counts(r.findings)],
    ['overdue', r.overdue],
    ['open pull requests', r.openPullRequestCount],
    ['last scan', r.lastScan === null ? 'never' : `${r.lastScan.id} ${r.lastScan.status} ${formatTime(r.lastScan.endedAt ?? r.lastScan.startedAt)}${r.lastScan.commit === null ? '' : ` at ${r.lastScan.commit.slice(0, 12)}`}${r.lastScan.error === null ? '' : `: ${r.lastScan.error}`}`],
    ['created', `${formatTime(r.createdAt)} by ${r.createdBy ?? 'unknown'}`],
  ]);
}

/** Waits for a scan to end (polling), prints its outcome and returns it. */
async function waitForScan(cli: CliContext, client: ApiClient, scan: RepositoryScan, timeoutSeconds: number, quiet: boolean): Promise<RepositoryScan> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let current = scan;
  while (current.status === 'PENDING' || current.status === 'IN_PROGRESS') {
    if (Date.now() > deadline) throw new AppError('unavailable', `scan ${scan.id} is still ${current.status} after ${timeoutSeconds} s; follow it with \`patchwarden repos scans ${scan.repositoryId}\``);
    await sleep(1000);
    current = await client.call(endpoints.getRepositoryScan, { params: { repositoryId: scan.repositoryId, scanId: scan.id } });
  }
  if (!quiet) {
    cli.out(`Scan ${current.id} ended ${current.status}${current.commit === null ? '' : ` at ${current.commit.slice(0, 12)}`}: ${current.lockfiles} lockfile(s), ${current.packages} package(s), ${current.findings} finding(s).\n`);
    for (const e of current.errors) cli.out(`  unreadable: ${e.message}\n`);
    if (current.pullRequests !== null) cli.out(`Pull requests: ${current.pullRequests.opened} opened, ${current.pullRequests.updated} updated, ${current.pullRequests.closed} closed, ${current.pullRequests.failed} failed.\n`);
    if (current.error !== null) cli.out(`${current.status === 'FAILED' ? 'Error' : 'Note'}: ${current.error}\n`);
  }
  return current;
}

/** `patchwarden repos …`: source repositories watched for vulnerable dependencies. */
export function registerReposCommand(program: Command, cli: CliContext): void {
  const repos = program
    .command('repos')
    .description('Repositories watched for vulnerable dependencies: scans on schedule and on demand, findings with SLA, fix pull requests, compliance')
    .addHelpText('after', '\nExamples:\n  patchwarden repos add --account production --name shop --url https://github.com/acme/shop.git --schedule "0 3 * * *"\n  patchwarden repos scan shop --wait\n  patchwarden repos findings --overdue\n  patchwarden repos compliance --by repository\n\nSee docs/repositories.md.');

  withListOptions(repos.command('list').description('List the repositories you can see, with their compliance'), endpoints.listRepositories)
    .option('--account <account>', 'only this account (id or name)')
    .option('--status <status>', 'COMPLIANT, NON_COMPLIANT or UNKNOWN')
    .option('-q, --query <text>', 'name or URL contains')
    .addHelpText('after', '\nExamples:\n  patchwarden repos list\n  patchwarden repos list --account production --status NON_COMPLIANT')
    .action(async (opts: ListOptions & { account?: string; status?: string; query?: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listRepositories, { query: { ...pageQuery(opts), ...defined({ accountId, complianceStatus: opts.status as Repository['complianceStatus'] | undefined, q: opts.query }) } });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, REPOSITORY_COLUMNS, 'repositories');
    });

  withRepoFlags(repos.command('add').description('Register a repository (account admin or org-admin)'))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  patchwarden repos add --account production --name shop --url https://github.com/acme/shop.git --schedule "0 3 * * *" --timezone Europe/Berlin\n' +
        '  patchwarden repos add --account production --name shop --url https://github.com/acme/shop.git --forge github --forge-repository acme/shop \\\n' +
        '    --credentials file:github-token --open-prs --threshold high',
    )
    .action(async (opts: RepoFlags & { account: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      if (opts.name === undefined || opts.url === undefined) throw new UsageError('a repository needs --name and --url');
      const { data, raw } = await client.request(endpoints.createRepository, { params: { accountId }, body: bodyOf(opts, {}) as never });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Registered repository ${data.id} (${data.name}); ${data.nextScanAt === null ? 'scan it with' : `next scan ${formatTime(data.nextScanAt)}; scan now with`}: patchwarden repos scan ${data.id} --wait\n`);
    });

  withJson(repos.command('show').description('Show a repository: settings, compliance, last scan').argument('<repository>', 'repository id (repo_…) or name'))
    .addHelpText('after', '\nExamples:\n  patchwarden repos show shop\n  patchwarden repos show repo_0123456789abcdefghjk --json')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.getRepository, { params: { repositoryId: await repositoryIdOf(client, ref) } });
      if (opts.json === true) return cli.json(raw);
      showRepository(cli, data);
    });

  withRepoFlags(repos.command('update').description('Change a repository (account admin or org-admin): the flags given replace those settings').argument('<repository>', 'repository id (repo_…) or name'))
    .option('--no-branch', "scan the remote's default branch")
    .option('--no-credentials', 'use no token')
    .option('--no-schedule', 'scan on demand only')
    .option('--no-open-prs', 'stop opening pull requests')
    .addHelpText('after', '\nExamples:\n  patchwarden repos update shop --threshold critical\n  patchwarden repos update shop --no-schedule\n  patchwarden repos update shop --forge gitea --forge-api-url https://git.example.com/api/v1 --forge-repository acme/shop --credentials file:gitea-token --open-prs')
    .action(async (ref: string, opts: RepoFlags, cmd: Command) => {
      const client = cli.client(cmd);
      const repositoryId = await repositoryIdOf(client, ref);
      const { data: current } = await client.request(endpoints.getRepository, { params: { repositoryId } });
      const { data, raw } = await client.request(endpoints.updateRepository, { params: { repositoryId }, body: bodyOf(opts, settingsOf(current)) as never });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Updated repository ${data.id} (${data.name}); ${data.complianceStatus}${data.nextScanAt === null ? '' : `, next scan ${formatTime(data.nextScanAt)}`}\n`);
    });

  withJson(repos.command('delete').description('Stop watching a repository: its scans, findings and pull request records go (pull requests on the forge stay); asks unless --yes').argument('<repository>', 'repository id (repo_…) or name'))
    .option('-y, --yes', 'do not ask; required when stdin is not a terminal')
    .addHelpText('after', '\nExamples:\n  patchwarden repos delete repo_0123456789abcdefghjk --yes')
    .action(async (ref: string, opts: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const repositoryId = await repositoryIdOf(client, ref);
      await confirmDestructive(cli.io, opts.yes, `Delete repository ${repositoryId} with its scans and findings?`);
      await client.request(endpoints.deleteRepository, { params: { repositoryId } });
      cli.done(opts.json, { deleted: repositoryId }, `Deleted repository ${repositoryId}.\n`);
    });

  withJson(repos.command('scan').description('Scan a repository now (operator, admin or org-admin); --wait follows it to the end').argument('<repository>', 'repository id (repo_…) or name'))
    .option('--wait', 'wait for the scan to end; exit 1 when it FAILED, 8 when the repository is NON_COMPLIANT, 9 when PARTIAL')
    .option('--timeout <seconds>', 'give up waiting after this long (default 1800)', intArg(1, 86_400), 1800)
    .addHelpText('after', '\nExamples:\n  patchwarden repos scan shop\n  patchwarden repos scan shop --wait && echo compliant')
    .action(async (ref: string, opts: { wait?: boolean; timeout: number; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const repositoryId = await repositoryIdOf(client, ref);
      const { data, raw } = await client.request(endpoints.scanRepository, { params: { repositoryId } });
      if (opts.wait !== true) {
        if (opts.json === true) return cli.json(raw);
        return cli.out(`Queued scan ${data.id} of ${repositoryId}; follow it with: patchwarden repos scans ${repositoryId}\n`);
      }
      const ended = await waitForScan(cli, client, data, opts.timeout, opts.json === true);
      const repository = await client.call(endpoints.getRepository, { params: { repositoryId } });
      if (opts.json === true) cli.json({ scan: ended, repository });
      else cli.out(`Repository ${repository.name}: ${repository.complianceStatus} (${counts(repository.findings)} at or above ${repository.severityThreshold}; ${repository.overdue} overdue).\n`);
      if (ended.status === 'FAILED') throw new ExitStatus(EXIT.error, `scan ${ended.id} FAILED: ${ended.error ?? 'no reason given'}`);
      if (repository.complianceStatus === 'NON_COMPLIANT') throw new ExitStatus(EXIT.findings, opts.json === true ? `${repository.name} is NON_COMPLIANT` : '');
      if (ended.status === 'PARTIAL') throw new ExitStatus(EXIT.partial, `scan ${ended.id} is PARTIAL: ${ended.errors.length} lockfile(s) could not be read`);
    });

  withListOptions(repos.command('scans').description('The scan history of a repository, newest first').argument('<repository>', 'repository id (repo_…) or name'), endpoints.listRepositoryScans)
    .addHelpText('after', '\nExamples:\n  patchwarden repos scans shop\n  patchwarden repos scans shop --limit 5 --json')
    .action(async (ref: string, opts: ListOptions, cmd: Command) => {
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.listRepositoryScans, { params: { repositoryId: await repositoryIdOf(client, ref) }, query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, SCAN_COLUMNS, 'scans');
    });

  withListOptions(repos.command('findings').description('Vulnerable dependencies of the repositories you can see (from each last successful scan), with SLA due dates'), endpoints.listDependencyFindings)
    .option('--account <account>', 'only this account (id or name)')
    .option('--repository <repository>', 'only this repository (id or name)')
    .option('--severity <severity>', 'critical, high, medium, low or unknown')
    .option('--package <name>', 'only this package')
    .option('--cve <id>', 'a CVE or advisory id')
    .option('--overdue', 'only findings past their SLA')
    .option('--all', "include findings below each repository's threshold")
    .addHelpText('after', '\nExamples:\n  patchwarden repos findings --overdue\n  patchwarden repos findings --repository shop --all --sort dueAt\n  patchwarden repos findings --cve CVE-2021-23337')
    .action(async (opts: ListOptions & { account?: string; repository?: string; severity?: string; package?: string; cve?: string; overdue?: boolean; all?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const repositoryId = opts.repository === undefined ? undefined : await repositoryIdOf(client, opts.repository);
      const query = { ...pageQuery(opts), ...defined({ accountId, repositoryId, severity: opts.severity as DependencyFinding['severity'] | undefined, package: opts.package, cve: opts.cve, overdue: opts.overdue === true ? ('true' as const) : undefined, all: opts.all === true ? ('true' as const) : undefined }) };
      const { data, raw } = await client.request(endpoints.listDependencyFindings, { query });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, FINDING_COLUMNS, 'findings');
    });

  withListOptions(repos.command('pull-requests').description('Pull requests Patchwarden opened (or branches it prepared) for vulnerable dependencies'), endpoints.listDependencyPullRequests)
    .option('--account <account>', 'only this account (id or name)')
    .option('--repository <repository>', 'only this repository (id or name)')
    .option('--state <state>', 'open, closed, merged or local')
    .addHelpText('after', '\nExamples:\n  patchwarden repos pull-requests --state open\n  patchwarden repos pull-requests --repository shop --json')
    .action(async (opts: ListOptions & { account?: string; repository?: string; state?: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const repositoryId = opts.repository === undefined ? undefined : await repositoryIdOf(client, opts.repository);
      const { data, raw } = await client.request(endpoints.listDependencyPullRequests, { query: { ...pageQuery(opts), ...defined({ accountId, repositoryId, state: opts.state as DependencyPullRequest['state'] | undefined }) } });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, PR_COLUMNS, 'pull requests');
    });

  withJson(repos.command('compliance').description('Dependency compliance per account or per repository: compliant repositories, findings by severity, overdue (SLA), open pull requests'))
    .option('--by <group>', 'account or repository', 'account')
    .option('--account <account>', 'only this account (id or name)')
    .addHelpText('after', '\nExamples:\n  patchwarden repos compliance\n  patchwarden repos compliance --by repository --account production')
    .action(async (opts: { by: string; account?: string; json?: boolean }, cmd: Command) => {
      if (opts.by !== 'account' && opts.by !== 'repository') throw new UsageError(`--by "${opts.by}": use account or repository`);
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.getDependencyCompliance, { query: { groupBy: opts.by, ...defined({ accountId }) } });
      if (opts.json === true) return cli.json(raw);
      const rows = [...data.groups, { ...data.totals, label: 'TOTAL' }];
      cli.table({ items: rows, total: rows.length, limit: rows.length, offset: 0 }, GROUP_COLUMNS, 'repositories');
    });
}
