import type { Command } from 'commander';
import { endpoints, type MaintenanceWindow, type WindowRun, type WindowTaskInput } from '../../contracts/api.js';
import { formatInZone, instanceOf, isValidTimeZone, nextStarts, parseSchedule } from '../../domain/schedules.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { collect, defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { readObjectFile } from '../read-file.js';
import { accountIdOf } from '../resolve.js';
import { durationArg, tagFilterOf } from './commands.command.js';

/**
 * A task from `--task`: comma-separated `key=value` pairs, `param.NAME=value` for runbook
 * parameters, e.g. `kind=runbook,runbook=patch-fleet,priority=1,param.bakeSeconds=300`.
 */
export function taskOf(text: string): WindowTaskInput {
  const task: Record<string, unknown> = {};
  const parameters: Record<string, string | number | boolean> = {};
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) throw new UsageError(`--task "${text}": expected key=value pairs separated by commas, e.g. kind=patch,operation=Scan,priority=0`);
    const key = part.slice(0, i).trim();
    const raw = part.slice(i + 1).trim();
    if (key.startsWith('param.')) {
      parameters[key.slice(6)] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
    } else if (key === 'priority') {
      task[key] = Number(raw);
    } else if (['name', 'kind', 'runbook', 'operation', 'rebootOption', 'maxConcurrency', 'maxErrors'].includes(key)) {
      task[key] = raw;
    } else {
      throw new UsageError(`--task "${text}": unknown key "${key}"; use name, priority, kind, runbook, operation, rebootOption, maxConcurrency, maxErrors or param.NAME`);
    }
  }
  if (Object.keys(parameters).length > 0) task['parameters'] = parameters;
  return task as WindowTaskInput;
}

const tasksText = (w: MaintenanceWindow) => w.tasks.map((t) => `${t.priority}:${t.name}`).join(' ') || '-';

const WINDOW_COLUMNS: Column<MaintenanceWindow>[] = [
  { header: 'ID', value: (w) => w.id },
  { header: 'NAME', value: (w) => w.name },
  { header: 'SCHEDULE', value: (w) => `${w.schedule} ${w.timezone}` },
  { header: 'DURATION', value: (w) => `${w.durationHours}h (cutoff ${w.cutoffHours}h)` },
  { header: 'ENABLED', value: (w) => (w.enabled ? 'yes' : 'no') },
  { header: 'NEXT START', value: (w) => formatTime(w.nextStart) },
  { header: 'TASKS', value: tasksText },
];

export const RUN_COLUMNS: Column<WindowRun>[] = [
  { header: 'RUN', value: (r) => r.id },
  { header: 'START', value: (r) => formatTime(r.scheduledStart) },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'TASKS', value: (r) => r.tasks.map((t) => `${t.name}=${t.status}`).join(' ') || '-' },
  { header: 'REASON', value: (r) => r.reason ?? '' },
];

interface WindowFlags {
  name?: string;
  description?: string;
  schedule?: string;
  timezone?: string;
  duration?: number;
  cutoff?: number;
  jitter?: number;
  startDate?: string;
  endDate?: string;
  enable?: boolean;
  disable?: boolean;
  targetTag: string[];
  targetNode: string[];
  allNodes?: boolean;
  accounts?: string;
  task: string[];
  file?: string;
  json?: boolean;
}

function withWindowFlags(cmd: Command): Command {
  return withJson(cmd)
    .option('--file <path>', 'the window as YAML or JSON (`-`: stdin); flags override its fields; see docs/maintenance-windows.md')
    .option('--name <name>', 'a name unique in the account')
    .option('--description <text>', 'what the window is for')
    .option('--schedule <expr>', 'cron "0 2 * * SUN", SSM "cron(0 2 ? * SUN *)" or "rate(12 hours)"')
    .option('--timezone <zone>', 'IANA time zone the cron is read in (default UTC)')
    .option('--duration <hours>', 'hours the window lasts (1–24)', intArg(1, 24))
    .option('--cutoff <hours>', 'hours before the end when no task starts any more (0–23, < duration)', intArg(0, 23))
    .option('--jitter <duration>', 'spread task starts randomly (deterministic per run) over up to this: 90s, 10m, 1h', durationArg(0, 3600))
    .option('--start-date <iso>', 'no instance before this time (ISO 8601)')
    .option('--end-date <iso>', 'no instance after this time (ISO 8601)')
    .option('--enable', 'enable the window')
    .option('--disable', 'disable the window (no new runs)')
    .option('--target-tag <KEY=V1,V2>', 'nodes with tag KEY one of the values (repeatable, AND-ed)', collect, [])
    .option('--target-node <nodeId>', 'a node id (repeatable)', collect, [])
    .option('--all-nodes', 'every node of the account')
    .option('--accounts <a,b>', 'other accounts (runbook tasks, from the management account only)')
    .option('--task <spec>', 'a task: kind=patch,operation=Scan,priority=0 or kind=runbook,runbook=patch-fleet,priority=1,param.bakeSeconds=300 (repeatable; replaces the tasks)', collect, []);
}

async function windowBody(cli: CliContext, client: ReturnType<CliContext['client']>, opts: WindowFlags, base: Record<string, unknown>): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = { ...base, ...(opts.file === undefined ? {} : await readObjectFile(cli, opts.file, 'maintenance window', SERVER_FIELDS)) };
  Object.assign(
    body,
    defined({ name: opts.name, description: opts.description, schedule: opts.schedule, timezone: opts.timezone, durationHours: opts.duration, cutoffHours: opts.cutoff, jitterSeconds: opts.jitter, startDate: opts.startDate, endDate: opts.endDate }),
  );
  if (opts.enable === true && opts.disable === true) throw new UsageError('give --enable or --disable, not both');
  if (opts.enable === true) body['enabled'] = true;
  if (opts.disable === true) body['enabled'] = false;
  const targets: Record<string, unknown> = {};
  if (opts.targetTag.length > 0) targets['tags'] = opts.targetTag.map(tagFilterOf);
  if (opts.targetNode.length > 0) targets['nodeIds'] = opts.targetNode;
  if (opts.allNodes === true) targets['allNodes'] = true;
  const current = (body['targets'] ?? {}) as Record<string, unknown>;
  const accounts = opts.accounts === undefined ? current['accounts'] : await Promise.all(opts.accounts.split(',').map((a) => accountIdOf(client, a.trim())));
  if (Object.keys(targets).length > 0 || opts.accounts !== undefined) body['targets'] = { targets: Object.keys(targets).length > 0 ? targets : current['targets'], ...(accounts === undefined ? {} : { accounts }) };
  if (opts.task.length > 0) body['tasks'] = opts.task.map(taskOf);
  return body;
}

/** Fields of `windows show --json` the server sets (a file may carry them; they are dropped). */
const SERVER_FIELDS = ['id', 'accountId', 'nextStart', 'createdAt', 'createdBy', 'updatedAt'];

/** `patchwarden windows …`: maintenance windows, their runs and schedules. */
export function registerWindowsCommand(program: Command, cli: CliContext): void {
  const windows = program.command('windows').description('Maintenance windows: schedules (cron in a time zone, SSM cron, rate), duration and cutoff, targets and tasks started in priority order')
    .addHelpText('after', '\nExamples:\n  patchwarden windows preview --schedule "cron(0 2 ? * SUN *)" --timezone Europe/Berlin --duration 4 --cutoff 1\n  patchwarden windows create --account production --name sunday-night --schedule "0 2 * * SUN" --timezone Europe/Berlin --duration 4 --task kind=patch,operation=Scan\n  patchwarden windows runs mw_0123456789abcdefghjk\n\nSee docs/maintenance-windows.md.');

  withListOptions(windows.command('list').description('List the maintenance windows you can see'), endpoints.listWindows)
    .option('--account <account>', 'only this account (id or name)')
    .addHelpText('after', '\nExamples:\n  patchwarden windows list\n  patchwarden windows list --account production')
    .action(async (opts: ListOptions & { account?: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listWindows, { query: { ...pageQuery(opts), ...defined({ accountId }) } });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, WINDOW_COLUMNS, 'maintenance windows');
    });

  withJson(windows.command('show').description('Show a maintenance window and its tasks').argument('<windowId>', 'window id (mw_…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden windows show mw_0123456789abcdefghjk\n  patchwarden windows show mw_0123456789abcdefghjk --json > window.json   # edit, then: windows update … --file window.json')
    .action(async (windowId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getWindow, { params: { windowId } });
      if (opts.json === true) return cli.json(raw);
      cli.fields([
        ['id', data.id],
        ['name', data.name],
        ['account', data.accountId],
        ['schedule', `${data.schedule} (${data.timezone})`],
        ['duration', `${data.durationHours}h, cutoff ${data.cutoffHours}h before the end`],
        ['jitter', `${data.jitterSeconds}s`],
        ['active', `${data.startDate ?? 'always'} – ${data.endDate ?? 'no end'}`],
        ['enabled', data.enabled ? 'yes' : 'no'],
        ['next start', data.nextStart === null ? 'none' : `${data.nextStart} (${formatInZone(new Date(data.nextStart), data.timezone)} ${data.timezone})`],
        ['targets', JSON.stringify(data.targets)],
        ['description', data.description],
        ['created', `${formatTime(data.createdAt)} by ${data.createdBy ?? 'unknown'}`],
      ]);
      cli.out('\nTasks (priority 0 first; same priority together):\n');
      cli.table(
        { items: data.tasks, total: data.tasks.length, limit: data.tasks.length, offset: 0 },
        [
          { header: 'ID', value: (t) => t.id },
          { header: 'PRIORITY', value: (t) => String(t.priority) },
          { header: 'NAME', value: (t) => t.name },
          { header: 'KIND', value: (t) => (t.kind === 'runbook' ? `runbook ${t.runbook ?? ''}` : `patch ${t.operation ?? ''}`) },
          { header: 'OPTIONS', value: (t) => [t.rebootOption, t.maxConcurrency === null ? null : `concurrency ${t.maxConcurrency}`, t.maxErrors === null ? null : `errors ${t.maxErrors}`, Object.keys(t.parameters).length > 0 ? JSON.stringify(t.parameters) : null].filter((x) => x !== null).join(', ') },
        ],
        'tasks',
      );
    });

  withWindowFlags(windows.command('create').description('Create a maintenance window (account admin or org-admin)'))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  patchwarden windows create --account production --name sunday-night --schedule "cron(0 2 ? * SUN *)" --timezone Europe/Berlin \\\n' +
        '    --duration 4 --cutoff 1 --jitter 10m --target-tag Env=prod \\\n' +
        '    --task kind=patch,operation=Scan,priority=0 --task kind=runbook,runbook=patch-fleet,priority=1,param.bakeSeconds=600\n' +
        '  patchwarden windows create --account production --file window.yaml',
    )
    .action(async (opts: WindowFlags & { account: string }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const body = await windowBody(cli, client, opts, { targets: { targets: { allNodes: true } } });
      for (const required of ['name', 'schedule', 'durationHours']) {
        if (body[required] === undefined) throw new UsageError(`a window needs ${required === 'durationHours' ? '--duration' : `--${required}`} (or the field in --file)`);
      }
      const { data, raw } = await client.request(endpoints.createWindow, { params: { accountId }, body: body as never });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Created maintenance window ${data.id} (${data.name}); next start ${data.nextStart ?? 'none'}; preview with: patchwarden windows schedule ${data.id}\n`);
    });

  withWindowFlags(windows.command('update').description('Change a maintenance window (account admin or org-admin): the flags given replace those fields; --task replaces all tasks').argument('<windowId>', 'window id (mw_…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden windows update mw_0123456789abcdefghjk --disable\n  patchwarden windows update mw_0123456789abcdefghjk --schedule "rate(12 hours)" --duration 2 --cutoff 0')
    .action(async (windowId: string, opts: WindowFlags, cmd: Command) => {
      const client = cli.client(cmd);
      const { data: current } = await client.request(endpoints.getWindow, { params: { windowId } });
      const base: Record<string, unknown> = Object.fromEntries(Object.entries(current).filter(([k]) => !SERVER_FIELDS.includes(k)));
      base['tasks'] = current.tasks.map((t) => ({ name: t.name, priority: t.priority, kind: t.kind, ...defined({ runbook: t.runbook ?? undefined, operation: t.operation ?? undefined, rebootOption: t.rebootOption ?? undefined, maxConcurrency: t.maxConcurrency ?? undefined, maxErrors: t.maxErrors ?? undefined }), ...(t.kind === 'runbook' ? { parameters: t.parameters } : {}) }));
      for (const k of ['startDate', 'endDate']) if (base[k] === null) delete base[k];
      const body = await windowBody(cli, client, opts, base);
      const { data, raw } = await client.request(endpoints.updateWindow, { params: { windowId }, body: body as never });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Updated maintenance window ${data.id} (${data.name}); ${data.enabled ? `next start ${data.nextStart ?? 'none'}` : 'disabled'}\n`);
    });

  windows
    .command('delete')
    .description('Delete a maintenance window with its tasks and run history (account admin or org-admin)')
    .argument('<windowId>', 'window id (mw_…)')
    .addHelpText('after', '\nExamples:\n  patchwarden windows delete mw_0123456789abcdefghjk')
    .action(async (windowId: string, _opts: unknown, cmd: Command) => {
      await cli.client(cmd).request(endpoints.deleteWindow, { params: { windowId } });
      cli.out(`Deleted maintenance window ${windowId}.\n`);
    });

  withJson(windows.command('add-task').description('Add a task to a window').argument('<windowId>', 'window id (mw_…)').requiredOption('--task <spec>', 'kind=patch,operation=Install,priority=1,rebootOption=NoReboot or kind=runbook,runbook=NAME,param.X=Y'))
    .addHelpText('after', '\nExamples:\n  patchwarden windows add-task mw_0123456789abcdefghjk --task name=install,kind=patch,operation=Install,priority=1,maxConcurrency=25%')
    .action(async (windowId: string, opts: { task: string; json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.addWindowTask, { params: { windowId }, body: taskOf(opts.task) });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Window ${data.id} tasks: ${tasksText(data)}\n`);
    });

  withJson(windows.command('remove-task').description('Remove a task from a window').argument('<windowId>', 'window id (mw_…)').argument('<task>', 'task id (wt_…) or name'))
    .addHelpText('after', '\nExamples:\n  patchwarden windows remove-task mw_0123456789abcdefghjk install')
    .action(async (windowId: string, task: string, opts: { json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const { data: current } = await client.request(endpoints.getWindow, { params: { windowId } });
      const taskId = current.tasks.find((t) => t.id === task || t.name === task)?.id;
      if (taskId === undefined) throw new UsageError(`window ${windowId} has no task "${task}"; its tasks: ${current.tasks.map((t) => `${t.id} (${t.name})`).join(', ') || 'none'}`);
      const { data, raw } = await client.request(endpoints.removeWindowTask, { params: { windowId, taskId } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`Window ${data.id} tasks: ${tasksText(data)}\n`);
    });

  withListOptions(windows.command('runs').description('Run history of a window: status of each run and task').argument('<windowId>', 'window id (mw_…)'), endpoints.listWindowRuns)
    .addHelpText('after', '\nExamples:\n  patchwarden windows runs mw_0123456789abcdefghjk\n  patchwarden windows runs mw_0123456789abcdefghjk --json')
    .action(async (windowId: string, opts: ListOptions, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.listWindowRuns, { params: { windowId }, query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, RUN_COLUMNS, 'runs');
    });

  withJson(windows.command('schedule').description("A window's next instances: start, cutoff and end in UTC and in its time zone").argument('<windowId>', 'window id (mw_…)'))
    .option('--count <n>', 'how many instances (1–100)', intArg(1, 100), 10)
    .addHelpText('after', '\nExamples:\n  patchwarden windows schedule mw_0123456789abcdefghjk --count 5')
    .action(async (windowId: string, opts: { count: number; json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getWindowSchedule, { params: { windowId }, query: { count: opts.count } });
      if (opts.json === true) return cli.json(raw);
      cli.out(`${data.schedule} in ${data.timezone}:\n`);
      cli.table({ items: data.instances, total: data.instances.length, limit: data.instances.length, offset: 0 }, INSTANCE_COLUMNS, 'instances (the schedule has none left)');
    });

  withJson(windows.command('preview').description('Preview a schedule locally (no server): the next instances of a cron or rate in a time zone'))
    .requiredOption('--schedule <expr>', 'cron "0 2 * * SUN", SSM "cron(0 2 ? * SUN *)" or "rate(12 hours)"')
    .option('--timezone <zone>', 'IANA time zone', 'UTC')
    .option('--duration <hours>', 'window hours', intArg(1, 24), 1)
    .option('--cutoff <hours>', 'cutoff hours', intArg(0, 23), 0)
    .option('--count <n>', 'how many instances (1–100)', intArg(1, 100), 5)
    .option('--from <iso>', 'start looking after this time (default now; rates count from it)')
    .addHelpText('after', '\nExamples:\n  patchwarden windows preview --schedule "cron(0 2 ? * SUN *)" --timezone Europe/Berlin --duration 4 --cutoff 1\n  patchwarden windows preview --schedule "0 3 L * *" --timezone America/New_York')
    .action((opts: { schedule: string; timezone: string; duration: number; cutoff: number; count: number; from?: string; json?: boolean }) => {
      const parsed = parseSchedule(opts.schedule);
      if (!parsed.ok) throw new UsageError(`--schedule: ${parsed.error}`);
      if (!isValidTimeZone(opts.timezone)) throw new UsageError(`--timezone "${opts.timezone}" is not an IANA time zone; e.g. UTC, Europe/Berlin, America/New_York`);
      if (opts.cutoff >= opts.duration) throw new UsageError(`--cutoff (${opts.cutoff}) must be less than --duration (${opts.duration})`);
      const from = opts.from === undefined ? new Date() : new Date(opts.from);
      if (Number.isNaN(from.getTime())) throw new UsageError(`--from "${opts.from ?? ''}" is not an ISO 8601 time`);
      const instances = nextStarts(parsed.schedule, opts.timezone, from, opts.count, { anchor: from }).map((s) => {
        const i = instanceOf(s, opts.duration, opts.cutoff);
        return { start: i.start.toISOString(), cutoff: i.cutoff.toISOString(), end: i.end.toISOString(), startLocal: formatInZone(i.start, opts.timezone), cutoffLocal: formatInZone(i.cutoff, opts.timezone), endLocal: formatInZone(i.end, opts.timezone) };
      });
      if (opts.json === true) return cli.json({ schedule: opts.schedule, timezone: opts.timezone, instances });
      cli.table({ items: instances, total: instances.length, limit: instances.length, offset: 0 }, INSTANCE_COLUMNS, 'instances');
    });
}

const INSTANCE_COLUMNS: Column<{ start: string; cutoff: string; end: string; startLocal: string; cutoffLocal: string; endLocal: string }>[] = [
  { header: 'START (UTC)', value: (i) => i.start },
  { header: 'START (LOCAL)', value: (i) => i.startLocal },
  { header: 'CUTOFF (LOCAL)', value: (i) => i.cutoffLocal },
  { header: 'END (LOCAL)', value: (i) => i.endLocal },
];
