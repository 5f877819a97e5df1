import { CommandParameters, type PatchOutcome } from '../contracts/commands.contract.js';
import type { InvocationResultRequest } from '../contracts/agent.contract.js';
import type { Inventory } from '../contracts/inventory.contract.js';
import type { AgentConfig } from './credentials.js';
import type { Journal, JournalEntry } from './journal.js';
import type { PackageManagerDriver } from './package-managers/driver.js';
import { bootId, type RebootAction } from './reboot-action.js';
import { hostBootId, killLeftoverScript, processStartTime, runScript, SCRIPT_PATH } from './run-script.js';

/** What the operations need: the driver, a fresh scan, the reboot action, the journal, the agent config. */
export interface OperationEnv {
  root: string;
  driver: PackageManagerDriver;
  scan(): Promise<Inventory>;
  reboot: RebootAction;
  journal: Journal;
  config: AgentConfig;
  /** This node's id (passed to scripts as PATCHWARDEN_NODE_ID). */
  nodeId?: string;
}

/** Operations this agent knows; anything else is refused. `RunScript` only when the agent config allows scripts. */
export const KNOWN_DOCUMENTS = ['Scan', 'Install', 'RunScript'] as const;

/** A RunScript's timeout when the invocation carries none (journals of older agents). */
const DEFAULT_SCRIPT_TIMEOUT_SECONDS = 3600;

const MAX_OUTPUT = 64 * 1024;
const tail = (s: string) => (s.length <= MAX_OUTPUT ? s : s.slice(-MAX_OUTPUT));

function outcomesOf(entry: JournalEntry): PatchOutcome[] {
  return (entry.install?.outcomes ?? []) as PatchOutcome[];
}

async function finishWith(env: OperationEnv, entry: JournalEntry, result: Omit<InvocationResultRequest, 'invocationId' | 'idempotencyKey' | 'startedAt' | 'finishedAt'>): Promise<InvocationResultRequest> {
  const full: InvocationResultRequest = {
    invocationId: entry.invocationId,
    idempotencyKey: entry.idempotencyKey,
    startedAt: entry.startedAt,
    finishedAt: new Date().toISOString(),
    ...result,
    output: tail(result.output),
  };
  entry.result = full;
  await env.journal.note(entry, `result ${full.status}`, 'done');
  return full;
}

/** Refuses an invocation without touching anything (unknown operation, scripts disabled, bad parameters). */
export function refuse(env: OperationEnv, entry: JournalEntry, why: string): Promise<InvocationResultRequest> {
  return finishWith(env, entry, { status: 'Failed', output: `refused: ${why}`, outcomes: [] });
}

/** The packages of an Install as they are now, per requested item (after a crash). */
async function currentStates(env: OperationEnv, items: CommandParameters['items']): Promise<PatchOutcome[]> {
  const installed = await env.driver.installedPackages();
  return items.map((item) => {
    const found = installed.find((p) => p.name === item.name && (item.arch === undefined || p.arch === item.arch || p.arch === 'all'));
    const at = found?.version ?? null;
    return {
      name: item.name,
      arch: found?.arch ?? item.arch ?? '',
      requestedVersion: item.version,
      installedVersion: at,
      state: at === item.version ? 'installed' : 'failed',
      message: at === null ? 'not installed' : at === item.version ? 'at the requested version' : `at ${at}, not the requested version`,
    };
  });
}

/**
 * Runs (or continues, after a restart or a reboot) the operation of a journal entry and returns its
 * result, journaled (phase `done`) before it is returned. Every step that changes the system is
 * journaled first, so a restart can tell where it stopped.
 */
export async function execute(env: OperationEnv, entry: JournalEntry, options: { recovering?: boolean } = {}): Promise<InvocationResultRequest> {
  if (entry.result !== undefined) return entry.result;
  try {
    return await run(env, entry, options);
  } catch (err) {
    // An operation that threw is reported Failed, with the packages as they are when they can be read.
    const parsed = CommandParameters.safeParse(entry.parameters ?? {});
    const items = entry.document === 'Install' && parsed.success ? parsed.data.items : [];
    const outcomes = await currentStates(env, items).catch(() => []);
    return finishWith(env, entry, { status: 'Failed', output: `${entry.document} failed: ${(err as Error).message}\n${entry.log.join('\n')}`, outcomes });
  }
}

/** A fresh inventory for a result, or none when the scan fails (the result is sent anyway). */
async function scanOrNothing(env: OperationEnv, entry: JournalEntry): Promise<Inventory | undefined> {
  try {
    return await env.scan();
  } catch (err) {
    entry.log.push(`${new Date().toISOString()} no inventory: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * RunScript: `/bin/sh -c <script>` (cwd the root, a minimal environment), only with
 * `"allowScripts": true`. Journaled (phase `installing`, with the pid) before the process starts, so
 * a script the agent was interrupted in (or about to start) is reported Failed after a restart and
 * never run again. Success iff the exit code is 0; TimedOut when killed at the invocation's timeout.
 */
async function runScriptOperation(env: OperationEnv, entry: JournalEntry, params: CommandParameters, options: { recovering?: boolean }): Promise<InvocationResultRequest> {
  if (entry.phase !== 'started' || options.recovering === true) {
    const ran = entry.phase !== 'started';
    // The script runs in its own process group: it may outlive the agent. End what is left of it.
    const killed = entry.script === undefined ? false : await killLeftoverScript(entry.script, await hostBootId());
    if (killed) await env.journal.note(entry, `killed the script's leftover process group (pid ${entry.script?.pid ?? '?'})`);
    return finishWith(env, entry, {
      status: 'Failed',
      output: `${ran ? 'the agent stopped while the script ran' : 'the agent stopped before the script started'}${killed ? ' (its processes still running were killed)' : ''}; scripts are never run again after an interruption, send a new command to run it\n${entry.log.join('\n')}`,
      outcomes: [],
      exitCode: null,
    });
  }
  if (!env.config.allowScripts) return refuse(env, entry, 'scripts are disabled on this agent (set "allowScripts": true in the agent config to allow them)');
  const script = params.script;
  if (script === undefined || script.trim() === '') return refuse(env, entry, 'RunScript needs parameters.script (the shell script to run)');
  const timeoutSeconds = entry.timeoutSeconds ?? DEFAULT_SCRIPT_TIMEOUT_SECONDS;
  await env.journal.note(entry, `running the script with /bin/sh (timeout ${timeoutSeconds}s)`, 'installing');
  const scriptEnv: Record<string, string> = {
    PATH: SCRIPT_PATH,
    HOME: process.env.HOME ?? '/',
    LANG: 'C.UTF-8',
    PATCHWARDEN_INVOCATION_ID: entry.invocationId,
    PATCHWARDEN_COMMAND_ID: entry.commandId,
    ...(env.nodeId === undefined ? {} : { PATCHWARDEN_NODE_ID: env.nodeId }),
    ...(env.root === '/' ? {} : { PATCHWARDEN_ROOT: env.root }),
  };
  const r = await runScript({
    script,
    cwd: env.root,
    env: scriptEnv,
    timeoutMs: timeoutSeconds * 1000,
    // Room for the closing line within the 64 KiB the result keeps.
    maxOutputBytes: 60 * 1024,
    onStart: async (pid) => {
      entry.script = { pid, startTime: (await processStartTime(pid)) ?? '', bootId: await hostBootId() };
      await env.journal.note(entry, `script started (pid ${pid})`);
    },
  });
  const how = r.spawnError !== null
    ? `the script could not start: ${r.spawnError}`
    : r.timedOut
      ? `the script timed out after ${timeoutSeconds}s and was killed (with its process group)`
      : r.exitCode !== null
        ? `the script exited with code ${r.exitCode}`
        : `the script was killed by ${r.signal ?? 'a signal'}`;
  const dropped = r.droppedBytes > 0 ? `[first ${r.droppedBytes} bytes of output dropped]\n` : '';
  const status = r.timedOut ? 'TimedOut' : r.exitCode === 0 ? 'Success' : 'Failed';
  return finishWith(env, entry, {
    status,
    // The tail of the output; the closing line says how the script ended.
    output: `${dropped}${r.output}${r.output === '' || r.output.endsWith('\n') ? '' : '\n'}[${how}, in ${(r.durationMs / 1000).toFixed(1)}s]`,
    outcomes: [],
    exitCode: r.timedOut ? null : r.exitCode === null ? null : Math.min(255, Math.max(-1, r.exitCode)),
  });
}

async function run(env: OperationEnv, entry: JournalEntry, options: { recovering?: boolean }): Promise<InvocationResultRequest> {
  if (entry.document === 'run') {
    return refuse(env, entry, env.config.allowScripts ? 'the "run" document is not supported: scripts come as RunScript commands' : 'scripts are disabled on this agent (set "allowScripts": true in the agent config to allow them)');
  }
  if (!(KNOWN_DOCUMENTS as readonly string[]).includes(entry.document)) return refuse(env, entry, `unknown operation "${entry.document}"; this agent runs only ${KNOWN_DOCUMENTS.join(', ')}`);
  const parsed = CommandParameters.safeParse(entry.parameters ?? {});
  if (!parsed.success) return refuse(env, entry, `invalid parameters: ${parsed.error.issues[0]?.message ?? ''}`);
  const params = parsed.data;

  if (entry.document === 'RunScript') return runScriptOperation(env, entry, params, options);

  if (entry.document === 'Scan') {
    // Like AWS-RunPatchBaseline: refresh the package lists first, so the scan sees the repositories as they are now.
    const refreshed = env.driver.refreshMetadata === undefined ? null : await env.driver.refreshMetadata();
    const refreshNote =
      refreshed === null ? '' : refreshed.ok ? 'package lists refreshed; ' : `could not refresh the package lists, scanned with the lists on disk (${refreshed.output.split('\n').slice(-3).join(' ')}); `;
    const inventory = await env.scan();
    return finishWith(env, entry, {
      status: 'Success',
      output: `${refreshNote}scanned: ${inventory.packages.length} packages installed, ${inventory.updates.length} updates pending (${inventory.updates.filter((u) => u.security).length} security), reboot ${inventory.reboot.required ? 'required' : 'not required'}`,
      outcomes: [],
      rebootRequired: inventory.reboot.required,
      inventory,
    });
  }

  // Install.
  if (params.items.length === 0 && entry.phase === 'started') {
    // The snapshot has nothing newer for this node: nothing runs, but the server gets a fresh inventory.
    const inventory = await env.scan();
    return finishWith(env, entry, {
      status: 'Success',
      output: `nothing to install: the node already has every approved version; scanned: ${inventory.packages.length} packages installed, ${inventory.updates.length} updates pending`,
      outcomes: [],
      rebootRequired: inventory.reboot.required,
      inventory,
    });
  }
  if (!env.config.allowInstall && entry.phase === 'started') {
    return refuse(env, entry, "this agent is scan-only (the server's local agent); set localAgentInstall: true to let it install");
  }
  if (entry.phase === 'installing') {
    // Found at startup: the agent stopped while the package manager ran. Report what is true now.
    const outcomes = await currentStates(env, params.items);
    const inventory = await scanOrNothing(env, entry);
    const now = outcomes.map((o) => `${o.name} ${o.installedVersion ?? 'not installed'} (requested ${o.requestedVersion})`).join(', ');
    return finishWith(env, entry, {
      status: 'Failed',
      output: `the agent stopped during the install; the packages are now: ${now}\n${entry.log.join('\n')}`,
      outcomes,
      ...(inventory === undefined ? {} : { rebootRequired: inventory.reboot.required, inventory }),
    });
  }
  if (entry.phase === 'started') {
    await env.journal.note(entry, `installing ${params.items.map((i) => `${i.name}=${i.version}`).join(' ')}`, 'installing');
    const r = await env.driver.install(params.items.map((i) => ({ name: i.name, version: i.version, ...(i.arch === undefined ? {} : { arch: i.arch }) })));
    entry.install = { ok: r.ok, outcomes: r.outcomes, output: `${r.refused === undefined ? '' : `refused (${r.refused.reason}): ${r.refused.detail}\n`}${tail(r.output)}`, rebootRequired: r.rebootRequired };
    const signalled = r.rebootRequired || ((await scanOrNothing(env, entry))?.reboot.required ?? false);
    const reboot = params.rebootOption === 'Always' || (params.rebootOption === 'RebootIfNeeded' && signalled);
    if (!reboot) {
      await env.journal.note(entry, `installed (ok: ${r.ok}); no reboot (${params.rebootOption}, OS ${signalled ? 'signals' : 'does not signal'} a reboot)`, 'rebooted');
    } else {
      entry.bootId = await bootId(env.root);
      await env.journal.note(entry, `installed (ok: ${r.ok}); rebooting (${params.rebootOption})`, 'rebooting');
      await env.reboot();
      await env.journal.note(entry, 'rebooted', 'rebooted');
    }
  } else if (entry.phase === 'rebooting' && options.recovering === true) {
    const now = await bootId(env.root);
    const happened = entry.bootId === undefined || entry.bootId === '' || now !== entry.bootId;
    await env.journal.note(entry, happened ? 'rebooted' : 'the reboot did not happen before the agent stopped', 'rebooted');
  }
  const install = entry.install ?? { ok: false, outcomes: [], output: 'the install left no record', rebootRequired: false };
  const inventory = await scanOrNothing(env, entry);
  const outcomes = outcomesOf(entry);
  const anyInstalled = outcomes.some((o) => o.state === 'installed');
  // NoReboot: what was installed counts as pending a reboot.
  const rebootRequired = (inventory?.reboot.required ?? install.rebootRequired) || (params.rebootOption === 'NoReboot' && anyInstalled);
  return finishWith(env, entry, {
    status: install.ok ? 'Success' : 'Failed',
    output: `${install.output}\n${entry.log.join('\n')}`,
    outcomes,
    rebootRequired,
    ...(inventory === undefined ? {} : { inventory }),
  });
}
