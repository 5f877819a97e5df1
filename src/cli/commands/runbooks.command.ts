import type { Command } from 'commander';
import { endpoints, type RunbookDetail, type RunbookSummary, type RunbookValidationError, type RunbookVersion } from '../../contracts/api.js';
import { AppError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';
import { readTextFile } from '../read-file.js';
import { defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { confirmDestructive } from '../prompt.js';
import { accountIdOf } from '../resolve.js';

const RUNBOOK_COLUMNS: Column<RunbookSummary>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'NAME', value: (r) => r.name },
  { header: 'ACCOUNT', value: (r) => r.accountId ?? '(built-in)' },
  { header: 'VERSION', value: (r) => String(r.latestVersion) },
  { header: 'STEPS', value: (r) => String(r.stepCount) },
  { header: 'UPDATED', value: (r) => (r.updatedAt === null ? '-' : formatTime(r.updatedAt)) },
  { header: 'DESCRIPTION', value: (r) => (r.description.length > 60 ? `${r.description.slice(0, 59)}…` : r.description) },
];

const VERSION_COLUMNS: Column<RunbookVersion>[] = [
  { header: 'VERSION', value: (v) => String(v.version) },
  { header: 'CREATED', value: (v) => (v.createdAt === null ? '(built-in)' : formatTime(v.createdAt)) },
  { header: 'BY', value: (v) => v.createdBy ?? '-' },
];

/** The runbook YAML of `--file` (`-`: stdin). */
const readRunbookFile = readTextFile;

/** `file:line: path: message`, as compilers print errors (editors jump to them). */
export function formatRunbookErrors(file: string, errors: readonly RunbookValidationError[]): string {
  return errors.map((e) => `${file === '-' ? '<stdin>' : file}:${e.line}: ${e.path === '' ? '' : `${e.path}: `}${e.message}\n`).join('');
}

function isRunbookErrorList(details: unknown): details is RunbookValidationError[] {
  return Array.isArray(details) && details.length > 0 && details.every((d) => typeof (d as { line?: unknown }).line === 'number' && typeof (d as { message?: unknown }).message === 'string');
}

/** Runs a create/update; YAML errors are printed one per line as `file:line: path: message` (exit 6). */
async function withFileErrors<T>(cli: CliContext, file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && err.code === 'validation' && isRunbookErrorList(err.details)) {
      cli.io.stderr.write(formatRunbookErrors(file, err.details));
      const n = err.details.length;
      throw new AppError('validation', `${file === '-' ? 'the runbook' : file}: ${n} error${n === 1 ? '' : 's'}; nothing was saved`);
    }
    throw err;
  }
}

/** What a step does, in a few words (`Install on canary`, `GET http://…`, `600s`). */
function stepSummary(s: Record<string, unknown>): string {
  const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v));
  switch (s.kind) {
    case 'patch':
      return ` ${text(s.operation)} on ${text(s.nodes)}`;
    case 'run':
      return ` on ${text(s.nodes)}`;
    case 'wait':
      return ` ${typeof s.secondsTemplate === 'string' ? s.secondsTemplate : `${text(s.seconds)}s`}`;
    case 'approve':
      return ` ${text(s.minApprovals)} approval(s)`;
    case 'check': {
      const http = s.http as { method?: unknown; url?: unknown } | null;
      const script = s.script as { nodes?: unknown } | null;
      return http !== null && http !== undefined ? ` ${text(http.method)} ${text(http.url)}` : ` script on ${text(script?.nodes)}`;
    }
    case 'branch': {
      const choices = (s.choices as { goto: unknown }[] | undefined) ?? [];
      return ` → ${[...choices.map((c) => text(c.goto)), ...(s.default === null || s.default === undefined ? [] : [`${text(s.default)} (default)`])].join(' | ')}`;
    }
    default:
      return '';
  }
}

function showDetail(cli: CliContext, r: RunbookDetail): void {
  cli.fields([
    ['id', r.id],
    ['name', r.name],
    ['account', r.accountId ?? '(built-in: every account)'],
    ['version', `${r.version} of ${r.latestVersion}`],
    ['description', r.description],
    ['created', r.createdAt === null ? '-' : `${formatTime(r.createdAt)} by ${r.createdBy ?? 'unknown'}`],
    ['this version', r.versionCreatedAt === null ? '-' : `${formatTime(r.versionCreatedAt)} by ${r.versionCreatedBy ?? 'unknown'}`],
    ['deleted', r.deletedAt === null ? null : formatTime(r.deletedAt)],
    ['waves', `canary ${r.runbook.waves.canary}, size ${r.runbook.waves.size}, bake ${r.runbook.waves.bakeSeconds}s, max failed nodes ${r.runbook.waves.maxFailedNodes}, max failed checks ${r.runbook.waves.maxFailedChecks}`],
    [
      'parameters',
      r.runbook.parameters.length === 0
        ? '(none)'
        : r.runbook.parameters
            .map((p) => `${String(p.name)} (${String(p.type)}${p.default === undefined ? ', required' : `, default ${JSON.stringify(p.default)}`})`)
            .join(', '),
    ],
  ]);
  cli.out('\nSteps:\n');
  r.runbook.steps.forEach((s, i) => {
    const extra = stepSummary(s);
    cli.out(`  ${i + 1}. ${String(s.name)} [${String(s.kind)}${extra}] timeout ${String(s.timeoutSeconds)}s${typeof s.description === 'string' && s.description !== '' ? ` – ${s.description}` : ''}\n`);
  });
}

/** `patchwarden runbooks …`: versioned YAML automation documents (see docs/runbooks.md). */
export function registerRunbooksCommand(program: Command, cli: CliContext): void {
  const runbooks = program.command('runbooks').description('Runbooks: versioned YAML automation documents (scan, patch in waves, check health, approve…); see docs/runbooks.md');

  withListOptions(runbooks.command('list').description('List the built-in runbooks and the runbooks of the accounts you can see'), endpoints.listRunbooks)
    .option('--account <account>', 'only this account\'s runbooks (and the built-ins): id (acct_…) or name')
    .option('--search <text>', 'name contains')
    .option('--no-builtin', 'leave the built-in runbooks out')
    .addHelpText('after', '\nExamples:\n  patchwarden runbooks list\n  patchwarden runbooks list --account production --no-builtin')
    .action(async (opts: ListOptions & { account?: string; search?: string; builtin: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listRunbooks, {
        query: { ...pageQuery(opts), ...defined({ accountId, q: opts.search }), ...(opts.builtin ? {} : { builtin: 'false' as const }) },
      });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, RUNBOOK_COLUMNS, 'runbooks');
    });

  withJson(runbooks.command('show').description('Show a runbook (latest version, or --version N)').argument('<runbookId>', 'runbook id (rb_… or rb-builtin-…)'))
    .option('--version <n>', 'this version instead of the latest', intArg(1, 1_000_000))
    .option('--content', 'print only the YAML as saved (to copy or edit it)')
    .addHelpText('after', '\nExamples:\n  patchwarden runbooks show rb-builtin-patch-fleet\n  patchwarden runbooks show rb_0123456789abcdefghjk --version 2 --content > runbook.yaml')
    .action(async (runbookId: string, opts: { version?: number; content?: boolean; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.getRunbook, { params: { runbookId }, query: defined({ version: opts.version }) });
      if (opts.json === true) return cli.json(raw);
      if (opts.content === true) return cli.out(data.content.endsWith('\n') ? data.content : `${data.content}\n`);
      showDetail(cli, data);
    });

  withJson(runbooks.command('create').description('Create a runbook from a YAML file (account admin or org-admin)'))
    .requiredOption('--account <account>', 'account id (acct_…) or name')
    .requiredOption('--file <path>', 'the runbook YAML (`-`: stdin); see docs/runbooks.md')
    .addHelpText('after', '\nErrors are printed as file:line: path: message (exit code 6).\n\nExamples:\n  patchwarden runbooks create --account production --file patch-web.yaml')
    .action(async (opts: { account: string; file: string; json?: boolean }, cmd: Command) => {
      const content = await readRunbookFile(cli, opts.file);
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const { data, raw } = await withFileErrors(cli, opts.file, () => client.request(endpoints.createRunbook, { params: { accountId }, body: { content } }));
      if (opts.json === true) return cli.json(raw);
      cli.out(`Created runbook ${data.id} (${data.name}), version 1 with ${data.stepCount} steps; run it with: patchwarden executions start --account ${opts.account} --runbook ${data.name}\n`);
    });

  withJson(runbooks.command('update').description('Save a new version of a runbook from a YAML file (its name must not change)').argument('<runbookId>', 'runbook id (rb_…)'))
    .requiredOption('--file <path>', 'the runbook YAML (`-`: stdin)')
    .addHelpText('after', '\nEarlier versions stay; executions name the version they ran.\n\nExamples:\n  patchwarden runbooks show rb_0123456789abcdefghjk --content > rb.yaml && $EDITOR rb.yaml\n  patchwarden runbooks update rb_0123456789abcdefghjk --file rb.yaml')
    .action(async (runbookId: string, opts: { file: string; json?: boolean }, cmd: Command) => {
      const content = await readRunbookFile(cli, opts.file);
      const client = cli.client(cmd);
      const { data, raw } = await withFileErrors(cli, opts.file, () => client.request(endpoints.updateRunbook, { params: { runbookId }, body: { content } }));
      if (opts.json === true) return cli.json(raw);
      cli.out(`Saved runbook ${data.id} (${data.name}) as version ${data.version}.\n`);
    });

  withJson(
    runbooks
      .command('delete')
      .description('Delete a runbook (account admin or org-admin); its versions stay for the history of executions; asks unless --yes')
      .argument('<runbookId>', 'runbook id (rb_…)')
      .option('-y, --yes', 'do not ask; required when stdin is not a terminal'),
  )
    .addHelpText('after', '\nExamples:\n  patchwarden runbooks delete rb_0123456789abcdefghjk --yes')
    .action(async (runbookId: string, opts: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      await confirmDestructive(cli.io, opts.yes, `Delete runbook ${runbookId}?`);
      await client.call(endpoints.deleteRunbook, { params: { runbookId } });
      cli.done(opts.json, { deleted: true, runbookId }, `Deleted runbook ${runbookId} (its versions are kept).\n`);
    });

  withJson(runbooks.command('versions').description('The versions of a runbook, newest first').argument('<runbookId>', 'runbook id (rb_… or rb-builtin-…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden runbooks versions rb_0123456789abcdefghjk')
    .action(async (runbookId: string, opts: { json?: boolean }, cmd: Command) => {
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.listRunbookVersions, { params: { runbookId } });
      if (opts.json === true) return cli.json(raw);
      cli.table({ items: data.items, total: data.items.length, limit: data.items.length, offset: 0 }, VERSION_COLUMNS, 'versions');
    });

  withJson(runbooks.command('validate').description('Check a runbook YAML file on the server without saving it'))
    .requiredOption('--file <path>', 'the runbook YAML (`-`: stdin)')
    .addHelpText('after', '\nPrints file:line: path: message per error and exits 6 when there are errors.\n\nExamples:\n  patchwarden runbooks validate --file patch-web.yaml')
    .action(async (opts: { file: string; json?: boolean }, cmd: Command) => {
      const content = await readRunbookFile(cli, opts.file);
      const client = cli.client(cmd);
      const { data, raw } = await client.request(endpoints.validateRunbook, { body: { content } });
      if (opts.json === true) cli.json(raw);
      else if (data.valid) cli.out(`${opts.file}: valid (runbook ${data.runbook?.name ?? ''}, ${data.runbook?.steps.length ?? 0} steps)\n`);
      if (!data.valid) {
        if (opts.json !== true) cli.io.stderr.write(formatRunbookErrors(opts.file, data.errors));
        throw new AppError('validation', `${opts.file === '-' ? 'the runbook' : opts.file}: ${data.errors.length} error${data.errors.length === 1 ? '' : 's'}`);
      }
    });
}
