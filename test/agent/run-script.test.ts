/**
 * RunScript on the agent with real /bin/sh processes: exit codes and output (stdout and stderr
 * interleaved, 64 KiB tail), the minimal environment, the timeout killing the whole process group
 * (also a script ignoring SIGTERM, and what a script leaves behind), refusal unless the agent
 * config allows scripts, journaling, and a script interrupted by an agent crash reported Failed
 * after the restart and never run again (unit level here; a real agent process below).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentConfig } from '../../src/agent/credentials.js';
import { Journal } from '../../src/agent/journal.js';
import { execute, type OperationEnv } from '../../src/agent/operations.js';
import { runScript, SCRIPT_MAX_OUTPUT } from '../../src/agent/run-script.js';
import type { RunningServer } from '../../src/server/server.js';
import { buildAgentBundle, buildPatchWorld, enrollAgent, killAgent, startAgent, type AgentProc } from '../helpers/agent-procs.js';
import { aptToolsAvailable, makeWorkDir, mkroot, testDriver } from '../helpers/apt-root.js';
import { requireComponent } from '../helpers/components.js';
import { admin, startTestServer, type Admin } from '../helpers/fleet.js';
import { until } from '../helpers/processes.js';

/** Whether a process runs (a zombie waiting for its reaper counts as ended). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

const pidsIn = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);

describe('runScript: real /bin/sh processes', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pw-script-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const base = () => ({ cwd: dir, env: { PATH: '/usr/bin:/bin' }, timeoutMs: 10_000 });

  it('returns the exit code and stdout+stderr in the order written', async () => {
    const ok = await runScript({ ...base(), script: 'echo one; echo two >&2; sleep 0.05; echo three' });
    expect(ok).toMatchObject({ exitCode: 0, signal: null, timedOut: false, droppedBytes: 0, spawnError: null });
    expect(ok.output).toBe('one\ntwo\nthree\n');
    const failed = await runScript({ ...base(), script: 'echo bad >&2; exit 7' });
    expect(failed).toMatchObject({ exitCode: 7, timedOut: false, output: 'bad\n' });
    const syntax = await runScript({ ...base(), script: 'if then fi' });
    expect(syntax.exitCode).not.toBe(0);
    expect(syntax.output).toMatch(/syntax error|unexpected/);
  });

  it('runs in the given directory with only the given environment', async () => {
    process.env.PW_AGENT_SECRET_FOR_TEST = 'do-not-leak';
    try {
      const r = await runScript({ ...base(), env: { PATH: '/usr/bin:/bin', PATCHWARDEN_NODE_ID: 'node_x' }, script: 'pwd; env' });
      const lines = r.output.trim().split('\n');
      expect(lines[0]).toBe(dir);
      const names = lines.slice(1).map((l) => l.split('=')[0]);
      expect(names).toContain('PATCHWARDEN_NODE_ID');
      expect(r.output).not.toContain('do-not-leak');
      // Only what was given, plus what the shell itself sets.
      expect(names.filter((n) => !['PATH', 'PATCHWARDEN_NODE_ID', 'PWD', 'SHLVL', 'OLDPWD', '_'].includes(n ?? ''))).toEqual([]);
    } finally {
      delete process.env.PW_AGENT_SECRET_FOR_TEST;
    }
  });

  it('kills the whole process group at the timeout', async () => {
    const pids = join(dir, 'timeout.pids');
    const started = Date.now();
    const r = await runScript({ ...base(), timeoutMs: 500, script: `sleep 300 & echo $! >> ${pids}; (sleep 301; echo never) & echo $! >> ${pids}; echo $$ >> ${pids}; echo waiting; wait` });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGTERM' });
    expect(r.output).toBe('waiting\n');
    const all = pidsIn(pids);
    expect(all).toHaveLength(3);
    await until('every process of the script ended', async () => all.every((p) => !alive(p)), 5000);
  });

  it('SIGKILLs a script that ignores SIGTERM, after the grace period', async () => {
    const pids = join(dir, 'stubborn.pids');
    const r = await runScript({ ...base(), timeoutMs: 300, killGraceMs: 300, script: `trap '' TERM; echo $$ > ${pids}; sleep 300 & echo $! >> ${pids}; while :; do sleep 1; done` });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    const all = pidsIn(pids);
    await until('the stubborn script and its children ended', async () => all.every((p) => !alive(p)), 5000);
  });

  it('ends what a script leaves running in its group once it exits', async () => {
    const pids = join(dir, 'left.pids');
    const started = Date.now();
    const r = await runScript({ ...base(), script: `sleep 300 & echo $! > ${pids}; echo left a sleeper` });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, output: 'left a sleeper\n' });
    const [sleeper] = pidsIn(pids);
    await until('the leftover sleeper ended', async () => !alive(sleeper ?? 0), 5000);
  });

  it('keeps only the tail of large output, and no NUL characters', async () => {
    // 200 000 bytes: 20 000 lines of 9 digits and a newline.
    const r = await runScript({ ...base(), script: 'seq 100000000 100019999; printf "end\\0of\\n"' });
    expect(r.exitCode).toBe(0);
    expect(Buffer.byteLength(r.output.replace('\uFFFD', '\0'))).toBe(SCRIPT_MAX_OUTPUT);
    expect(r.droppedBytes).toBe(200_000 + 7 - SCRIPT_MAX_OUTPUT);
    expect(r.output.endsWith('100019999\nend\uFFFDof\n')).toBe(true);
  });

  it('reports a script that cannot start', async () => {
    const r = await runScript({ ...base(), cwd: join(dir, 'missing-dir'), script: 'true' });
    expect(r.exitCode).toBeNull();
    expect(r.spawnError).toMatch(/ENOENT/);
  });
});

describe('RunScript operations: refusal, journal, timeout, crash recovery', () => {
  let work: string;
  let root: string;
  let journal: Journal;
  const env = (allowScripts: boolean): OperationEnv => {
    const driver = testDriver(root, join(work, 'apt-state'));
    return {
      root,
      driver,
      scan: () => Promise.reject(new Error('RunScript does not scan')),
      reboot: () => Promise.reject(new Error('RunScript does not reboot')),
      journal,
      config: AgentConfig.parse({ allowScripts }),
      nodeId: 'node_test123',
    };
  };
  let n = 0;
  const begin = (script: string | undefined, timeoutSeconds?: number) =>
    journal.begin({ invocationId: `inv_${++n}`, commandId: 'cmd_1', document: 'RunScript', parameters: script === undefined ? {} : { script }, ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) });

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pw-runscript-'));
    root = mkroot(join(work, 'root'), []);
    journal = new Journal(join(work, 'state'));
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses scripts unless the agent config allows them, without running anything', async () => {
    const marker = join(work, 'refused.marker');
    const entry = await begin(`touch ${marker}`);
    const r = await execute(env(false), entry);
    expect(r.status).toBe('Failed');
    expect(r.output).toContain('refused: scripts are disabled on this agent (set "allowScripts": true in the agent config to allow them)');
    expect(existsSync(marker)).toBe(false);
    expect((await journal.get(entry.invocationId))?.phase).toBe('done');
    const noScript = await execute(env(true), await begin(undefined));
    expect(noScript.output).toContain('RunScript needs parameters.script');
  });

  it('runs the script in the root with PATCHWARDEN_NODE_ID, Success iff exit 0, journaled with the result', async () => {
    const entry = await begin('echo "node=$PATCHWARDEN_NODE_ID cwd=$(pwd)"; echo warn >&2');
    const r = await execute(env(true), entry);
    expect(r).toMatchObject({ status: 'Success', exitCode: 0, invocationId: entry.invocationId, idempotencyKey: entry.idempotencyKey });
    expect(r.output).toContain(`node=node_test123 cwd=${root}\nwarn\n[the script exited with code 0, in `);
    const stored = await journal.get(entry.invocationId);
    expect(stored?.phase).toBe('done');
    expect(stored?.result).toEqual(r);
    expect(stored?.script?.pid).toBeGreaterThan(0);
    expect(stored?.log.some((l) => l.includes('running the script with /bin/sh'))).toBe(true);
    // Executing it again answers the journaled result: nothing runs twice.
    expect(await execute(env(true), stored ?? entry)).toEqual(r);

    const failed = await execute(env(true), await begin('exit 3'));
    expect(failed).toMatchObject({ status: 'Failed', exitCode: 3 });
    expect(failed.output).toContain('[the script exited with code 3');
  });

  it('kills the script at the invocation timeout: TimedOut, no exit code', async () => {
    const started = Date.now();
    const r = await execute(env(true), await begin('echo going; sleep 120', 1));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r).toMatchObject({ status: 'TimedOut', exitCode: null });
    expect(r.output).toContain('going\n[the script timed out after 1s and was killed (with its process group)');
  });

  it('after a crash: reports Failed, never runs the script again, ends what it left running', async () => {
    const marker = join(work, 'crash.marker');
    const script = `echo run >> ${marker}; exec sleep 300`;
    // The agent journals, starts the script, then dies: simulated by running it and keeping only the journal.
    const entry = await begin(script, 600);
    const running = execute(env(true), entry);
    const pid = await until('the script started', async () => (await journal.get(entry.invocationId))?.script?.pid);
    const journaled = await journal.get(entry.invocationId);
    expect(journaled?.phase).toBe('installing');
    expect(alive(pid)).toBe(true);
    // A new agent process recovers from the journal as written (the old one's promise is abandoned).
    const recovered = await execute(env(true), journaled ?? entry, { recovering: true });
    expect(recovered.status).toBe('Failed');
    expect(recovered.exitCode).toBeNull();
    expect(recovered.output).toContain('the agent stopped while the script ran (its processes still running were killed); scripts are never run again after an interruption');
    await until('the leftover script ended', async () => !alive(pid), 5000);
    await running;
    expect(readFileSync(marker, 'utf8')).toBe('run\n');

    // Journaled but not started yet when the agent died: not run either.
    const notStarted = await begin(`echo run >> ${marker}`);
    const r = await execute(env(true), notStarted, { recovering: true });
    expect(r.status).toBe('Failed');
    expect(r.output).toContain('the agent stopped before the script started');
    expect(readFileSync(marker, 'utf8')).toBe('run\n');
  });
});

const aptAvailable = requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');

describe.runIf(aptAvailable)('RunScript through a real agent process and server', () => {
  let work: string;
  let server: RunningServer;
  let a: Admin;
  let bundle: string;
  let agent: AgentProc;

  beforeAll(async () => {
    work = makeWorkDir('pw-runscript-e2e-');
    bundle = buildAgentBundle(join(work, 'agent.mjs'));
    const world = buildPatchWorld(join(work, 'world'));
    server = await startTestServer(join(work, 'data'));
    a = await admin(server.url, 'scripts');
    agent = await enrollAgent({ bundle, work, name: 'script-node', accountId: a.accountId, serverUrl: server.url, activation: await a.activation(), sources: world.sources });
  }, 120_000);
  afterAll(async () => {
    if (agent !== undefined) killAgent(agent);
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  const runScriptCommand = async (script: string, timeoutSeconds?: number) => {
    const c = await a.send({ document: 'RunScript', parameters: { script }, nodeIds: [agent.nodeId], ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }) });
    return c.id;
  };
  const invocationOf = async (commandId: string, timeoutMs = 60_000) => {
    const c = await a.waitForCommand(commandId, timeoutMs);
    const inv = c.invocations[0];
    if (inv === undefined) throw new Error('no invocation');
    return inv;
  };

  it('refuses scripts while the agent config does not allow them', async () => {
    startAgent(bundle, agent);
    const marker = join(work, 'refused.marker');
    const inv = await invocationOf(await runScriptCommand(`touch ${marker}`));
    expect(inv.status, agent.stderr).toBe('Failed');
    expect(inv.output).toContain('refused: scripts are disabled on this agent');
    expect(existsSync(marker)).toBe(false);
    killAgent(agent);
    // The killed agent's long-poll (2 s) may still be open on the server: let it lapse, so the next
    // command is not handed to a connection nobody reads.
    await new Promise((r) => setTimeout(r, 3000));
  }, 90_000);

  it('runs scripts once allowScripts is set: output, exit code, Success iff 0', async () => {
    writeFileSync(join(agent.stateDir, 'agent.json'), JSON.stringify({ allowScripts: true }));
    startAgent(bundle, agent);
    const first = await runScriptCommand('echo "hello from $PATCHWARDEN_NODE_ID"; echo to-stderr >&2');
    const ok = await invocationOf(first, 20_000);
    expect(ok.status, `${JSON.stringify(await a.command(first))}\n${agent.stderr}`).toBe('Success');
    expect(ok.exitCode).toBe(0);
    expect(ok.output).toContain(`hello from ${agent.nodeId}\nto-stderr\n[the script exited with code 0`);
    const bad = await invocationOf(await runScriptCommand('echo failing; exit 42'));
    expect(bad).toMatchObject({ status: 'Failed', exitCode: 42 });
    expect(bad.output).toContain('failing\n[the script exited with code 42');
  }, 90_000);

  it('a script interrupted by an agent crash is reported Failed after the restart and never run again', async () => {
    const marker = join(work, 'crash.marker');
    const pidFile = join(work, 'crash.pid');
    const commandId = await runScriptCommand(`echo $$ > ${pidFile}; echo run >> ${marker}; sleep 120; echo finished >> ${marker}`, 300);
    await until('the script runs', async () => existsSync(pidFile) && existsSync(marker), 60_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    // The agent dies (SIGKILL: no cleanup); its script, in its own process group, goes on for now.
    killAgent(agent);
    expect(alive(pid)).toBe(true);
    startAgent(bundle, agent);
    const inv = await invocationOf(commandId);
    expect(inv.status, agent.stderr).toBe('Failed');
    expect(inv.exitCode).toBeNull();
    expect(inv.output).toContain('the agent stopped while the script ran (its processes still running were killed); scripts are never run again');
    expect(inv.output).toContain('running the script with /bin/sh (timeout 300s)');
    await until('the interrupted script ended', async () => !alive(pid), 5000);
    // Another command still runs normally; the interrupted one never ran again.
    expect((await invocationOf(await runScriptCommand('true'))).status).toBe('Success');
    expect(readFileSync(marker, 'utf8')).toBe('run\n');
  }, 120_000);
});
