import type { Command } from 'commander';
import { endpoints, type PatchPolicy } from '../../contracts/api.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { collect, defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { accountIdOf } from '../resolve.js';
import { tagFilterOf } from './commands.command.js';
import { readObjectFile } from '../read-file.js';
import { RUN_COLUMNS } from './windows.command.js';

const SERVER_FIELDS = ['id', 'createdAt', 'createdBy', 'updatedAt'];

const accountsText = (p: PatchPolicy) => (p.targets.accounts === 'all' ? 'all' : p.targets.accounts.join(',')) + (p.targets.tags === undefined ? '' : ` [${p.targets.tags.map((f) => `${f.key}=${f.values.join(',')}`).join(' AND ')}]`);

const POLICY_COLUMNS: Column<PatchPolicy>[] = [
  { header: 'PRIORITY', value: (p) => String(p.priority) },
  { header: 'ID', value: (p) => p.id },
  { header: 'NAME', value: (p) => p.name },
  { header: 'ENABLED', value: (p) => (p.enabled ? 'yes' : 'no') },
  { header: 'BASELINES', value: (p) => Object.entries(p.baselines).map(([os, id]) => `${os}=${id}`).join(' ') || '-' },
  { header: 'TARGETS', value: accountsText },
  { header: 'NEXT SCAN', value: (p) => formatTime(p.scan?.nextStart ?? null) },
  { header: 'NEXT INSTALL', value: (p) => formatTime(p.install?.nextStart ?? null) },
];

interface PolicyFlags {
  file?: string;
  name?: string;
  description?: string;
  priority?: number;
  baseline: string[];
  /** false with --no-scan. */
  scan?: string | false;
  scanTimezone?: string;
  /** false with --no-install. */
  install?: string | false;
  installTimezone?: string;
  installDuration?: number;
  installCutoff?: number;
  reboot?: string;
  accounts?: string;
  tag: string[];
  sla: string[];
  enable?: boolean;
  disable?: boolean;
  json?: boolean;
}

function withPolicyFlags(cmd: Command): Command {
  return withJson(cmd)
    .option('--file <path>', 'the policy as YAML or JSON (`-`: stdin); flags override its fields; see docs/patch-policy.md')
    .option('--name <name>', 'a unique name')
    .option('--description <text>', 'what the policy is for')
    .option('--priority <n>', 'unique; lower wins when a node is in several policies', intArg(0, 10_000))
    .option('--baseline <OS=ID>', 'baseline for an operating system, e.g. DEBIAN=pb_… (repeatable; replaces all)', collect, [])
    .option('--scan <expr>', 'scan schedule: cron "0 1 * * *", SSM cron(...) or rate(...)')
    .option('--scan-timezone <zone>', 'IANA time zone of the scan schedule (default UTC)')
    .option('--no-scan', 'no scheduled scans')
    .option('--install <expr>', 'install window schedule')
    .option('--install-timezone <zone>', 'IANA time zone of the install schedule (default UTC)')
    .option('--install-duration <hours>', 'install window hours (1–24, default 4)', intArg(1, 24))
    .option('--install-cutoff <hours>', 'no install starts this many hours before the end (default 1)', intArg(0, 23))
    .option('--no-install', 'no scheduled installs')
    .option('--reboot <option>', 'RebootIfNeeded, NoReboot or Always')
    .option('--accounts <all|a,b>', 'accounts in scope: all, or ids/names')
    .option('--tag <KEY=V1,V2>', 'only nodes with these tags (repeatable, AND-ed; replaces all)', collect, [])
    .option('--sla <severity=days>', 'SLA days per severity, e.g. critical=7 (repeatable)', collect, [])
    .option('--enable', 'enable the policy')
    .option('--disable', 'disable the policy');
}

async function policyBody(cli: CliContext, client: ReturnType<CliContext['client']>, opts: PolicyFlags, base: Record<string, unknown>): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = { ...base, ...(opts.file === undefined ? {} : await readObjectFile(cli, opts.file, 'patch policy', SERVER_FIELDS)) };
  Object.assign(body, defined({ name: opts.name, description: opts.description, priority: opts.priority, rebootOption: opts.reboot }));
  if (opts.baseline.length > 0) {
    body['baselines'] = Object.fromEntries(
      opts.baseline.map((b) => {
        const i = b.indexOf('=');
        if (i <= 0) throw new UsageError(`--baseline "${b}": expected OS=BASELINE_ID, e.g. DEBIAN=pb-predefined-debian`);
        return [b.slice(0, i).toUpperCase(), b.slice(i + 1)];
      }),
    );
  }
  if (opts.scan === false) body['scan'] = null;
  else if (opts.scan !== undefined || opts.scanTimezone !== undefined) body['scan'] = { ...((body['scan']) ?? {}), ...defined({ schedule: opts.scan, timezone: opts.scanTimezone }) };
  if (opts.install === false) body['install'] = null;
  else if (opts.install !== undefined || opts.installTimezone !== undefined || opts.installDuration !== undefined || opts.installCutoff !== undefined) {
    body['install'] = { ...((body['install']) ?? {}), ...defined({ schedule: opts.install, timezone: opts.installTimezone, durationHours: opts.installDuration, cutoffHours: opts.installCutoff }) };
  }
  const targets = { ...((body['targets'] as Record<string, unknown> | undefined) ?? { accounts: 'all' }) };
  if (opts.accounts !== undefined) targets['accounts'] = opts.accounts === 'all' ? 'all' : await Promise.all(opts.accounts.split(',').map((a) => accountIdOf(client, a.trim())));
  if (opts.tag.length > 0) targets['tags'] = opts.tag.map(tagFilterOf);
  body['targets'] = targets;
  if (opts.sla.length > 0) {
    body['slaDays'] = {
      ...((body['slaDays']) ?? {}),
      ...Object.fromEntries(
        opts.sla.map((s) => {
          const m = /^(critical|high|medium|low)=(\d{1,4})$/i.exec(s);
          if (m === null) throw new UsageError(`--sla "${s}": expected SEVERITY=DAYS with severity critical, high, medium or low, e.g. critical=7`);
          return [m[1]!.toLowerCase(), Number(m[2])];
        }),
      ),
    };
  }
  if (opts.enable === true && opts.disable === true) throw new UsageError('give --enable or --disable, not both');
  if (opts.enable === true) body['enabled'] = true;
  if (opts.disable === true) body['enabled'] = false;
  for (const k of ['scan', 'install'] as const) {
    const v = body[k] as Record<string, unknown> | null | undefined;
    if (v !== null && v !== undefined) delete v['nextStart'];
  }
  return body;
}

/** `patchwarden policies …`: the organization's patch policies (org-admins write them). */
export function registerPoliciesCommand(program: Command, cli: CliContext): void {
  const policies = program.command('policies').description("The organization's patch policies: baselines per OS, scan schedule, install window, reboot option, targets across accounts, SLA days")
    .addHelpText('after', '\nExamples:\n  patchwarden policies list\n  patchwarden policies create --name production --priority 10 --baseline DEBIAN=pb-predefined-debian --scan "0 1 * * *" --accounts all\n\nSee docs/patch-policy.md.');

  withListOptions(policies.command('list').description('List the patch policies (lowest priority first)'), endpoints.listPolicies)
    .addHelpText('after', '\nExamples:\n  patchwarden policies list')
    .action(async (opts: ListOptions, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.listPolicies, { query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, POLICY_COLUMNS, 'patch policies');
    });

  withJson(policies.command('show').description('Show a patch policy').argument('<policyId>', 'policy id (pp_…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden policies show pp_0123456789abcdefghjk\n  patchwarden policies show pp_0123456789abcdefghjk --json > policy.json')
    .action(async (policyId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getPolicy, { params: { policyId } });
      if (opts.json === true) return cli.json(raw);
      cli.fields([
        ['id', data.id],
        ['name', data.name],
        ['priority', data.priority],
        ['enabled', data.enabled ? 'yes' : 'no'],
        ['baselines', Object.entries(data.baselines).map(([os, id]) => `${os}=${id}`).join(' ') || 'none (nodes keep their patch group / account default)'],
        ['scan', data.scan === null ? 'none' : `${data.scan.schedule} (${data.scan.timezone}); next ${formatTime(data.scan.nextStart)}`],
        ['install', data.install === null ? 'none' : `${data.install.schedule} (${data.install.timezone}), ${data.install.durationHours}h, cutoff ${data.install.cutoffHours}h; next ${formatTime(data.install.nextStart)}`],
        ['reboot', data.rebootOption],
        ['targets', accountsText(data)],
        ['SLA days', Object.entries(data.slaDays).map(([k, v]) => `${k}=${String(v)}`).join(' ') || 'organization default'],
        ['description', data.description],
        ['created', `${formatTime(data.createdAt)} by ${data.createdBy ?? 'unknown'}`],
      ]);
    });

  withPolicyFlags(policies.command('create').description('Create a patch policy (org-admin)'))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  patchwarden policies create --name production --priority 10 --baseline DEBIAN=pb_0123456789abcdefghjk \\\n' +
        '    --scan "0 1 * * *" --install "cron(0 3 ? * SAT *)" --install-timezone Europe/Berlin --install-duration 4 --install-cutoff 1 \\\n' +
        '    --accounts all --tag Env=prod --reboot RebootIfNeeded --sla critical=7 --sla high=14\n' +
        '  patchwarden policies create --file policy.yaml',
    )
    .action(async (opts: PolicyFlags, cmd: Command) => {
      const client = cli.client(cmd);
      const body = await policyBody(cli, client, opts, { baselines: {} });
      for (const required of ['name', 'priority']) if (body[required] === undefined) throw new UsageError(`a policy needs --${required} (or the field in --file)`);
      const { data, raw } = await client.request(endpoints.createPolicy, { body: body as never });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Created patch policy ${data.id} (${data.name}, priority ${data.priority}); its nodes' compliance: GET /api/v1/compliance/nodes?policyId=${data.id}\n`);
    });

  withPolicyFlags(policies.command('update').description('Change a patch policy (org-admin): the flags given replace those fields').argument('<policyId>', 'policy id (pp_…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden policies update pp_0123456789abcdefghjk --disable\n  patchwarden policies update pp_0123456789abcdefghjk --baseline DEBIAN=pb-predefined-debian --no-install')
    .action(async (policyId: string, opts: PolicyFlags, cmd: Command) => {
      const client = cli.client(cmd);
      const { data: current } = await client.request(endpoints.getPolicy, { params: { policyId } });
      const base: Record<string, unknown> = Object.fromEntries(Object.entries(current).filter(([k]) => !SERVER_FIELDS.includes(k)));
      const body = await policyBody(cli, client, opts, JSON.parse(JSON.stringify(base)) as Record<string, unknown>);
      const { data, raw } = await client.request(endpoints.updatePolicy, { params: { policyId }, body: body as never });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Updated patch policy ${data.id} (${data.name}); ${data.enabled ? 'enabled' : 'disabled'}\n`);
    });

  policies
    .command('delete')
    .description('Delete a patch policy (org-admin); its nodes fall back to patch groups and account defaults')
    .argument('<policyId>', 'policy id (pp_…)')
    .addHelpText('after', '\nExamples:\n  patchwarden policies delete pp_0123456789abcdefghjk')
    .action(async (policyId: string, _opts: unknown, cmd: Command) => {
      await cli.client(cmd).request(endpoints.deletePolicy, { params: { policyId } });
      cli.out(`Deleted patch policy ${policyId}.\n`);
    });

  withListOptions(policies.command('runs').description('Scheduled scans and installs of a policy (org-admin, org-auditor)').argument('<policyId>', 'policy id (pp_…)'), endpoints.listPolicyRuns)
    .addHelpText('after', '\nExamples:\n  patchwarden policies runs pp_0123456789abcdefghjk')
    .action(async (policyId: string, opts: ListOptions, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.listPolicyRuns, { params: { policyId }, query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, [{ header: 'KIND', value: (r) => r.kind }, ...RUN_COLUMNS], 'runs');
    });
}
