import { InvalidArgumentError, Option, type Command } from 'commander';
import { endpoints, type ExecutionDetail, type ExecutionEvent, type ExecutionSummary, type PendingApproval, type StartExecutionRequest } from '../../contracts/api.js';
import { parseRateLimit } from '../../domain/targets.js';
import type { ApiClient } from '../client.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../io.js';
import { collect, defined, intArg, pageQuery, withJson, withListOptions, type ListOptions } from '../options.js';
import { formatTime, type Column } from '../output.js';
import { accountIdOf } from '../resolve.js';
import { durationArg, tagFilterOf, targetsOf, withTargetOptions, type TargetOptions } from './commands.command.js';

const ACTIVE = new Set(['Pending', 'Running', 'Paused', 'Waiting']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const EXECUTION_COLUMNS: Column<ExecutionSummary>[] = [
  { header: 'ID', value: (e) => e.id },
  { header: 'RUNBOOK', value: (e) => `${e.runbookName} v${e.runbookVersion}` },
  { header: 'STATUS', value: (e) => e.status },
  { header: 'STEP', value: (e) => e.currentStep ?? '' },
  { header: 'SOURCE', value: (e) => (e.source.kind === 'user' ? e.createdBy : `${e.source.kind} ${e.source.id ?? ''}`) },
  { header: 'CREATED', value: (e) => formatTime(e.createdAt) },
  { header: 'REASON', value: (e) => (e.reason ?? '').slice(0, 80) },
];

type StepView = ExecutionDetail['steps'][number];

const STEP_COLUMNS: Column<StepView>[] = [
  { header: 'STEP', value: (s) => s.stepName },
  { header: 'KIND', value: (s) => s.kind },
  { header: 'WAVE', value: (s) => (s.wave === null ? '' : s.wave === 0 ? 'canary' : String(s.wave)) },
  { header: 'ACCOUNT', value: (s) => s.accountId ?? '' },
  { header: 'STATUS', value: (s) => s.status },
  { header: 'ATTEMPT', value: (s) => String(s.attempt) },
  { header: 'COMMAND', value: (s) => s.commandId ?? '' },
  { header: 'ENDED', value: (s) => formatTime(s.endedAt) },
  { header: 'OUTPUT', value: (s) => (s.output.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 100) },
];

const EVENT_COLUMNS: Column<ExecutionEvent>[] = [
  { header: '#', value: (e) => String(e.seq) },
  { header: 'AT', value: (e) => formatTime(e.at) },
  { header: 'EVENT', value: (e) => e.type },
  { header: 'MESSAGE', value: (e) => e.message },
];

const APPROVAL_COLUMNS: Column<PendingApproval>[] = [
  { header: 'EXECUTION', value: (a) => a.executionId },
  { header: 'RUNBOOK', value: (a) => a.runbookName },
  { header: 'STEP', value: (a) => a.stepName },
  { header: 'APPROVALS', value: (a) => `${a.approvals}/${a.minApprovals}` },
  { header: 'SINCE', value: (a) => formatTime(a.waitingSince) },
  { header: 'MESSAGE', value: (a) => a.message.slice(0, 80) },
];

function rateArg(min: number): (value: string) => string {
  return (value) => {
    const r = parseRateLimit(value);
    if (r === null || r.value < min) throw new InvalidArgumentError(`expected a whole number${min > 0 ? ` of at least ${min}` : ''} (10) or a percentage (25%).`);
    return value.trim();
  };
}

/** `k=v`: a parameter value (the server converts text for number and boolean parameters). */
function paramOf(text: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0) throw new UsageError(`--param "${text}": expected NAME=VALUE (e.g. --param healthUrl=http://web1/health)`);
  return [text.slice(0, i), text.slice(i + 1)];
}

function waveText(e: ExecutionDetail): string {
  const p = e.progress;
  if (p.currentWave === null) return '';
  return p.currentWave === 0 ? ` canary (${p.canaryNodes} node(s))` : ` wave ${p.currentWave}/${p.waves}`;
}

/** Per-account progress: runs per status. */
function accountCounts(e: ExecutionDetail): string {
  return e.accounts
    .map((a) => {
      const runs = e.steps.filter((s) => s.accountId === a.accountId);
      const counts: Record<string, number> = {};
      for (const r of runs) counts[r.status] = (counts[r.status] ?? 0) + 1;
      const text = Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ');
      return `${a.accountId} ${a.status}${text === '' ? '' : ` [${text}]`}`;
    })
    .join('; ');
}

function showExecution(cli: CliContext, e: ExecutionDetail): void {
  cli.fields([
    ['id', e.id],
    ['account', e.accountId],
    ['runbook', `${e.runbookName} v${e.runbookVersion} (${e.runbookId})`],
    ['status', e.status],
    ['reason', e.reason ?? ''],
    ['current step', e.currentStep === null ? '' : `${e.currentStep}${waveText(e)}`],
    ['parameters', Object.entries(e.parameters).map(([k, v]) => `${k}=${String(v)}`).join(' ')],
    ['nodes', `${e.progress.nodes} (canary ${e.progress.canaryNodes}, then ${e.progress.waves} wave(s) of up to ${e.progress.waveSize})`],
    ['waves', `canary ${e.waves.canary}, size ${e.waves.size}, bake ${e.waves.bakeSeconds} s, maxFailedNodes ${e.waves.maxFailedNodes}, maxFailedChecks ${e.waves.maxFailedChecks}`],
    ['rate control', `per account: max concurrency ${e.maxConcurrency}, max errors ${e.maxErrors}; accountMaxErrors ${e.accountMaxErrors}`],
    ['accounts', e.accounts.map((a) => `${a.accountId} ${a.status}${a.reason === null ? '' : ` (${a.reason})`}`).join('; ')],
    ['source', e.source.kind === 'user' ? 'user' : `${e.source.kind} ${e.source.id ?? ''}`],
    ['created', `${formatTime(e.createdAt)} by ${e.createdBy}`],
    ['started', formatTime(e.startedAt)],
    ['ended', formatTime(e.endedAt)],
    ['comment', e.comment],
  ]);
  cli.out('\n');
  cli.table({ items: e.steps, total: e.steps.length, limit: e.steps.length, offset: 0 }, STEP_COLUMNS, 'step runs yet');
}

/**
 * Follows an execution until it ends: a line per step run as it starts and ends (step, wave,
 * account, status), a progress line when the status, step or wave changes (with per-account
 * counts), then a summary. Throws (exit code 1) when the execution ended Failed or Cancelled.
 */
export async function watchExecution(out: (text: string) => void, client: ApiClient, executionId: string, intervalSeconds = 2): Promise<ExecutionDetail> {
  const seen = new Map<string, string>();
  let last = '';
  for (;;) {
    const e = await client.call(endpoints.getExecution, { params: { executionId } });
    for (const s of e.steps) {
      if (seen.get(s.id) === s.status) continue;
      seen.set(s.id, s.status);
      const where = `${s.stepName}${s.wave === null ? '' : s.wave === 0 ? ' (canary)' : ` (wave ${s.wave})`}${s.accountId === null ? '' : ` in ${s.accountId}`}`;
      const note = s.output === '' ? '' : `: ${(s.output.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 200)}`;
      out(`${formatTime(s.endedAt ?? s.startedAt ?? new Date().toISOString())}  ${where} ${s.status}${note}\n`);
    }
    const line = `${e.status}${e.currentStep === null ? '' : ` at ${e.currentStep}${waveText(e)}`} — ${accountCounts(e)}`;
    if (line !== last) {
      out(`${formatTime(new Date().toISOString())}  ${e.id} ${line}\n`);
      last = line;
    }
    if (!ACTIVE.has(e.status)) {
      out(`Execution ${e.id} (${e.runbookName} v${e.runbookVersion}) ended ${e.status}${e.reason === null ? '' : `: ${e.reason}`}.\n`);
      if (e.status === 'Failed' || e.status === 'Cancelled') throw new Error(`execution ${e.id} ${e.status}${e.reason === null ? '' : `: ${e.reason}`}; see \`patchwarden executions timeline ${e.id}\``);
      return e;
    }
    await sleep(Math.max(50, intervalSeconds * 1000));
  }
}

function intervalArg(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || n < 0.05 || n > 3600) throw new InvalidArgumentError('expected seconds from 0.05 to 3600.');
  return n;
}

interface StartOptions extends TargetOptions {
  account: string;
  runbook: string;
  version?: number;
  param: string[];
  targetTag: string[];
  accounts?: string;
  maxConcurrency?: string;
  maxErrors?: string;
  accountMaxErrors?: number;
  canary?: string;
  waveSize?: string;
  bake?: number;
  maxFailedNodes?: string;
  maxFailedChecks?: number;
  comment?: string;
  watch?: boolean;
  interval?: number;
  json?: boolean;
}

/** `patchwarden executions …`: start runbooks on fleets, follow, control and approve them. */
export function registerExecutionsCommand(program: Command, cli: CliContext): void {
  const executions = program.command('executions').description('Run runbooks on targets (canary, waves, health checks, approvals): start, follow, pause, resume, cancel, approve');

  withJson(withTargetOptions(executions.command('start').description('Start an execution of a runbook (operator, admin or org-admin of the account)')))
    .requiredOption('--account <account>', 'the owner account: id (acct_…) or name')
    .requiredOption('--runbook <runbook>', 'runbook id or name (of the account, or built-in such as patch-fleet)')
    .option('--version <n>', 'runbook version (default: the latest)', intArg(1, 1_000_000))
    .option('--param <name=value>', 'a runbook parameter (repeatable)', collect, [])
    .option('--target-tag <KEY=V1,V2>', 'nodes whose tag KEY has one of the values (same as --tag; repeatable)', collect, [])
    .option('--accounts <a,b>', 'act in these accounts (ids or names, comma-separated; default: just --account); others need a delegation to the management account')
    .option('--max-concurrency <n|n%>', 'per account: at most this many nodes at once (default: 10)', rateArg(1))
    .option('--max-errors <n|n%>', 'per account: a step fails there once more than this many nodes failed (default: 0)', rateArg(0))
    .option('--account-max-errors <n>', 'accounts that may fail before the whole execution stops (default: 0)', intArg(0, 100))
    .option('--canary <n|n%>', "canary size (default: the runbook's)", rateArg(0))
    .option('--wave-size <n|n%>', "size of each wave of the remaining nodes (default: the runbook's)", rateArg(1))
    .option('--bake <duration>', 'wait between waves: 600, 90s, 10m, 1h (default: the runbook\'s)', durationArg(0, 604_800))
    .option('--max-failed-nodes <n|n%>', 'halt once more nodes failed over the waves (default: the runbook\'s)', rateArg(0))
    .option('--max-failed-checks <n>', 'halt once more checks failed (default: the runbook\'s)', intArg(0, 10_000))
    .option('--comment <text>', 'a note kept with the execution')
    .option('--watch', 'follow the execution live until it ends (exit code 1 when it Failed or was Cancelled)')
    .option('--interval <seconds>', 'with --watch: seconds between checks (default: 2)', intervalArg)
    .addHelpText(
      'after',
      `
Targets: --node ID… | --tag KEY=V1,V2 (or --target-tag) | --group ID… | --all (resolved now, per account).

Examples:
  patchwarden executions start --account production --runbook patch-fleet --all --param healthUrl=http://web1/health --watch
  patchwarden executions start --account production --runbook patch-fleet --target-tag Env=prod --canary 1 --wave-size 25% --bake 10m
  patchwarden executions start --account management --runbook patch-fleet --all --accounts management,web,db --account-max-errors 1`,
    )
    .action(async (opts: StartOptions, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = await accountIdOf(client, opts.account);
      const targets = targetsOf({ ...opts, tag: [...opts.tag, ...opts.targetTag] });
      void tagFilterOf;
      const accounts =
        opts.accounts === undefined
          ? undefined
          : await Promise.all(
              opts.accounts
                .split(',')
                .map((a) => a.trim())
                .filter((a) => a !== '')
                .map(async (a) => ({ accountId: await accountIdOf(client, a) })),
            );
      const waves = defined({ canary: opts.canary, size: opts.waveSize, bakeSeconds: opts.bake, maxFailedNodes: opts.maxFailedNodes, maxFailedChecks: opts.maxFailedChecks });
      const body: StartExecutionRequest = {
        runbook: opts.runbook,
        targets,
        ...(opts.param.length > 0 ? { parameters: Object.fromEntries(opts.param.map(paramOf)) } : {}),
        ...(accounts === undefined ? {} : { accounts }),
        ...(Object.keys(waves).length > 0 ? { waves } : {}),
        ...defined({ version: opts.version, maxConcurrency: opts.maxConcurrency, maxErrors: opts.maxErrors, accountMaxErrors: opts.accountMaxErrors, comment: opts.comment }),
      };
      const { data, raw } = await client.request(endpoints.startExecution, { params: { accountId }, body });
      if (opts.json === true && opts.watch !== true) return cli.json(raw);
      if (opts.json !== true) {
        const refused = data.accounts.filter((a) => a.status === 'Refused');
        cli.out(
          `Started execution ${data.id} of ${data.runbookName} v${data.runbookVersion} on ${data.progress.nodes} node(s) in ${data.accounts.length - refused.length} account(s)` +
            ` (canary ${data.progress.canaryNodes}, then ${data.progress.waves} wave(s) of up to ${data.progress.waveSize})` +
            `${opts.watch === true ? '' : `; follow it with: patchwarden executions watch ${data.id}`}\n`,
        );
        for (const a of refused) cli.warn(`account ${a.accountId} refused: ${a.reason ?? ''}`);
      }
      if (opts.watch === true) {
        const done = await watchExecution(opts.json === true ? () => undefined : (text) => cli.out(text), client, data.id, opts.interval);
        if (opts.json === true) cli.json(done);
      }
    });

  withListOptions(executions.command('list').description('List executions of the accounts you can see'), endpoints.listExecutions)
    .option('--account <account>', 'only executions owned by or acting in this account (id or name)')
    .addOption(new Option('--status <status>', 'only this status').choices(['Pending', 'Running', 'Paused', 'Waiting', 'Success', 'Failed', 'Cancelled']))
    .addHelpText('after', '\nExamples:\n  patchwarden executions list --account production --status Running')
    .action(async (opts: ListOptions & { account?: string; status?: ExecutionSummary['status'] }, cmd: Command) => {
      const client = cli.client(cmd);
      const accountId = opts.account === undefined ? undefined : await accountIdOf(client, opts.account);
      const { data, raw } = await client.request(endpoints.listExecutions, { query: { ...pageQuery(opts), ...defined({ accountId, status: opts.status }) } });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, EXECUTION_COLUMNS, 'executions');
    });

  withJson(executions.command('show').description('Show an execution: accounts, waves, every step run').argument('<executionId>', 'execution id (exec_…)'))
    .addHelpText('after', '\nExamples:\n  patchwarden executions show exec_5n2k9q0w7c1d3f8g4h6j')
    .action(async (executionId: string, opts: { json?: boolean }, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getExecution, { params: { executionId } });
      if (opts.json === true) return cli.json(raw);
      showExecution(cli, data);
    });

  executions
    .command('watch')
    .description('Follow an execution live until it ends: step runs, waves, per-account counts (exit code 1 when it Failed or was Cancelled)')
    .argument('<executionId>', 'execution id (exec_…)')
    .option('--interval <seconds>', 'seconds between checks (default: 2)', intervalArg)
    .addHelpText('after', '\nExamples:\n  patchwarden executions watch exec_5n2k9q0w7c1d3f8g4h6j --interval 5')
    .action(async (executionId: string, opts: { interval?: number }, cmd: Command) => {
      await watchExecution((text) => cli.out(text), cli.client(cmd), executionId, opts.interval);
    });

  withListOptions(executions.command('timeline').description('The timeline of an execution: every transition, in order').argument('<executionId>', 'execution id (exec_…)'), endpoints.getExecutionTimeline)
    .addHelpText('after', '\nExamples:\n  patchwarden executions timeline exec_5n2k9q0w7c1d3f8g4h6j --limit 500')
    .action(async (executionId: string, opts: ListOptions, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.getExecutionTimeline, { params: { executionId }, query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, EVENT_COLUMNS, 'events');
    });

  const control = [
    ['pause', endpoints.pauseExecution, 'Pause an execution: no new step starts; commands already running go on', 'Paused'],
    ['resume', endpoints.resumeExecution, 'Resume a paused execution', 'Resumed'],
    ['cancel', endpoints.cancelExecution, "Cancel an execution: the running steps' commands are cancelled (undelivered invocations), the execution ends Cancelled", 'Cancelled'],
  ] as const;
  for (const [name, endpoint, description, done] of control) {
    withJson(executions.command(name).description(`${description} (operator, admin or org-admin of the account)`).argument('<executionId>', 'execution id (exec_…)'))
      .addHelpText('after', `\nExamples:\n  patchwarden executions ${name} exec_5n2k9q0w7c1d3f8g4h6j`)
      .action(async (executionId: string, opts: { json?: boolean }, cmd: Command) => {
        const { data, raw } = await cli.client(cmd).request(endpoint, { params: { executionId } });
        if (opts.json === true) return cli.json(raw);
        cli.out(`${done} execution ${data.id}: now ${data.status}${data.currentStep === null ? '' : ` at step ${data.currentStep}`}.\n`);
      });
  }

  for (const decision of ['approve', 'deny'] as const) {
    withJson(executions.command(decision).description(`${decision === 'approve' ? 'Approve' : 'Deny'} the approve step an execution waits on`).argument('<executionId>', 'execution id (exec_…)'))
      .option('--comment <text>', 'a note kept with the decision')
      .addHelpText('after', `\nExamples:\n  patchwarden executions ${decision} exec_5n2k9q0w7c1d3f8g4h6j --comment "${decision === 'approve' ? 'canary looks good' : 'error rate too high'}"`)
      .action(async (executionId: string, opts: { json?: boolean; comment?: string }, cmd: Command) => {
        const { data, raw } = await cli.client(cmd).request(endpoints.decideApproval, { params: { executionId }, body: { decision, ...defined({ comment: opts.comment }) } });
        if (opts.json === true) return cli.json(raw);
        cli.out(`${decision === 'approve' ? 'Approved' : 'Denied'} step ${data.currentStep ?? ''} of execution ${data.id} (the engine acts on it at its next tick).\n`);
      });
  }

  withListOptions(executions.command('approvals').description('Approve steps waiting for your decision'), endpoints.listApprovals)
    .addHelpText('after', '\nExamples:\n  patchwarden executions approvals')
    .action(async (opts: ListOptions, cmd: Command) => {
      const { data, raw } = await cli.client(cmd).request(endpoints.listApprovals, { query: pageQuery(opts) });
      if (opts.json === true) return cli.json(raw);
      cli.table(data, APPROVAL_COLUMNS, 'approvals waiting for you');
    });
}
