/**
 * The CLI of operations: `scan` and `install` with targets and rate limits, `--wait` / `commands
 * watch` (live progress, exit code 1 when the command Failed), `groups` and `snapshots`. A real
 * server; the test acts as the agents over HTTP while the CLI follows the command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from '../cli/harness.js';
import { inventory, pkg, PLATFORM, update } from '../nodes/helpers.js';

describe('patchwarden scan, install, commands watch, groups and snapshots', () => {
  let f: CliFixture;
  const nodes: { nodeId: string; nodeSecret: string }[] = [];

  const agent = async (node: { nodeSecret: string }, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${f.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${node.nodeSecret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as Record<string, unknown>;
  };

  /** Acts as every node until `done` resolves: polls and reports `status` for each invocation. */
  const actAsAgents = async (done: Promise<unknown>, status: 'Success' | 'Failed') => {
    let finished = false;
    void done.finally(() => (finished = true));
    let n = 0;
    while (!finished) {
      for (const node of nodes) {
        const { invocations } = (await agent(node, 'GET', '/api/v1/agent/commands?wait=0')) as { invocations: { invocationId: string }[] };
        for (const inv of invocations) {
          n += 1;
          const now = new Date().toISOString();
          await agent(node, 'POST', '/api/v1/agent/results', { invocationId: inv.invocationId, idempotencyKey: `cli-key-${n}-${Date.now()}`, status, output: status === 'Success' ? 'done' : 'apt broke', startedAt: now, finishedAt: now, outcomes: [] });
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
    expect((await f.run(['accounts', 'create', 'ops'])).code).toBe(0);
    const created = await f.run(['activations', 'create', '--account', 'ops', '--limit', '3', '--tag', 'Env=prod', '--json']);
    const { id, activationCode } = jsonOf<{ id: string; activationCode: string }>(created);
    for (const hostname of ['app-1', 'app-2', 'app-3']) {
      const res = await fetch(`${f.url}/api/v1/agent/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ activationId: id, activationCode, hostname, platform: PLATFORM, agentVersion: '0.1.0' }),
      });
      expect(res.status).toBe(201);
      const node = (await res.json()) as { nodeId: string; nodeSecret: string };
      nodes.push(node);
      await agent(node, 'PUT', '/api/v1/agent/inventory', inventory(hostname, [pkg('openssl', '3.0.11-1')], [update('openssl', '3.0.11-1', '3.0.15-1', true)]));
    }
  });
  afterAll(async () => {
    await f.close();
  });

  let groupId = '';

  it('groups create, list, show, nodes, update', async () => {
    const created = await f.run(['groups', 'create', '--account', 'ops', '--name', 'prod apps', '--tag', 'Env=prod,staging', '--description', 'the app tier']);
    expect(created.code, created.stderr).toBe(0);
    groupId = /resource group (rg_\w+)/.exec(created.stdout)?.[1] ?? '';
    expect(groupId).not.toBe('');
    expect((await f.run(['groups', 'list', '--account', 'ops'])).stdout).toMatch(new RegExp(`^${groupId} +prod apps +Env=prod,staging +the app tier`, 'm'));
    expect((await f.run(['groups', 'show', groupId, '--account', 'ops'])).stdout).toMatch(/^tag filters: +Env=prod,staging$/m);
    const members = await f.run(['groups', 'nodes', groupId, '--account', 'ops']);
    expect(members.stdout.match(/app-\d/g)).toEqual(['app-1', 'app-2', 'app-3']);
    expect((await f.run(['groups', 'update', groupId, '--account', 'ops', '--description', 'apps'])).code).toBe(0);
    expect((await f.run(['groups', 'create', '--account', 'ops', '--name', 'x'])).code).toBe(2);
  });

  it('scan --wait follows the command live and ends with a summary', async () => {
    const run = f.run(['scan', '--account', 'ops', '--group', groupId, '--max-concurrency', '1', '--timeout', '30m', '--wait', '--interval', '0.05']);
    await actAsAgents(run, 'Success');
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Sent Scan cmd_\w+ to 3 node\(s\) \(max concurrency 1, max errors 0\)$/m);
    for (const node of nodes) expect(r.stdout).toMatch(new RegExp(`${node.nodeId} Success$`, 'm'));
    expect(r.stdout).toMatch(/ended Success on 3 node\(s\): Success 3\.$/m);
    expect(r.stdout).toMatch(/waiting\)$/m);
  });

  it('install --wait exits 1 when the command Failed; commands show and watch tell why', async () => {
    const run = f.run(['install', '--account', 'ops', '--tag', 'Env=prod', '--item', 'openssl=3.0.15-1', '--max-concurrency', '50%', '--max-errors', '0', '--wait', '--interval', '0.05']);
    await actAsAgents(run, 'Failed');
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ended Failed on 3 node\(s\)/);
    expect(r.stderr).toMatch(/command cmd_\w+ Failed/);
    const commandId = /Sent Install (cmd_\w+)/.exec(r.stdout)?.[1];
    const show = await f.run(['commands', 'show', commandId!]);
    expect(show.stdout).toMatch(/^max concurrency: +50%$/m);
    expect(show.stdout).toMatch(/^items: +openssl=3\.0\.15-1$/m);
    expect(show.stdout).toContain('not started: 1 failures exceeded maxErrors 0');
    const watch = await f.run(['commands', 'watch', commandId!]);
    expect(watch.code).toBe(1);
    expect(watch.stdout).toMatch(/ended Failed/);
  });

  it('snapshots create, list, show; install --snapshot gives each node its list', async () => {
    const created = await f.run(['snapshots', 'create', '--account', 'ops', '--all', '--description', 'wave 1']);
    expect(created.code, created.stderr).toBe(0);
    const snapshotId = /snapshot (snap_\w+)/.exec(created.stdout)?.[1];
    expect(created.stdout).toContain('1 approved version(s)');
    expect((await f.run(['snapshots', 'list', '--account', 'ops'])).stdout).toContain(snapshotId);
    expect((await f.run(['snapshots', 'show', snapshotId!, '--all'])).stdout).toMatch(/^pb-predefined-debian +Debian:12 +openssl +amd64 +3\.0\.15-1/m);
    const sent = jsonOf(await f.run(['install', '--account', 'ops', '--node', nodes[0]!.nodeId, '--snapshot', snapshotId!, '--reboot-option', 'NoReboot', '--json']));
    expect(sent.parameters).toMatchObject({ snapshotId, rebootOption: 'NoReboot' });
    expect(sent.invocations[0].items).toEqual([{ name: 'openssl', arch: 'amd64', version: '3.0.15-1' }]);
  });

  it('refuses command lines without targets or with bad rate limits (usage, exit 2)', async () => {
    expect((await f.run(['scan', '--account', 'ops'])).code).toBe(2);
    const bad = await f.run(['scan', '--account', 'ops', '--all', '--max-concurrency', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('25%');
    expect((await f.run(['scan', '--account', 'ops', '--all', '--timeout', '10s'])).code).toBe(2);
    expect((await f.run(['install', '--account', 'ops', '--all', '--item', 'a=1', '--snapshot', 'snap_x'])).code).toBe(2);
  });
});
