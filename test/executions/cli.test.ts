/**
 * `patchwarden executions`: start with --watch (live progress until it ends; exit code 1 when it
 * failed), list, show, timeline, approve, pause/resume/cancel. A real server (its automation job
 * runs the executions); the test acts as the agents over HTTP.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from '../cli/harness.js';
import { PLATFORM } from '../nodes/helpers.js';

describe('patchwarden executions', () => {
  let f: CliFixture;
  let token = '';
  const nodes: { nodeId: string; nodeSecret: string }[] = [];

  const api = async (credential: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${f.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${credential}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** Acts as every node until `done` resolves: polls and reports what `status` says. */
  const actAsAgents = async (done: Promise<unknown>, status: (n: number) => 'Success' | 'Failed') => {
    let finished = false;
    void done.finally(() => (finished = true));
    let n = 0;
    while (!finished) {
      for (const node of nodes) {
        const { body } = await api(node.nodeSecret, 'GET', '/api/v1/agent/commands?wait=0');
        for (const inv of body.invocations as { invocationId: string }[]) {
          n += 1;
          const now = new Date().toISOString();
          const s = status(n);
          await api(node.nodeSecret, 'POST', '/api/v1/agent/results', { invocationId: inv.invocationId, idempotencyKey: `ex-cli-${n}-${Date.now()}`, status: s, output: s === 'Success' ? 'done' : 'broke', startedAt: now, finishedAt: now, outcomes: [] });
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
    token = (JSON.parse(readFileSync(f.configPath, 'utf8')) as { token: string }).token;
    expect((await f.run(['accounts', 'create', 'ops'])).code).toBe(0);
    const created = await f.run(['activations', 'create', '--account', 'ops', '--limit', '3', '--tag', 'Env=prod', '--json']);
    const { id, activationCode, accountId } = jsonOf<{ id: string; activationCode: string; accountId: string }>(created);
    for (const hostname of ['ex-1', 'ex-2', 'ex-3']) {
      const res = await fetch(`${f.url}/api/v1/agent/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ activationId: id, activationCode, hostname, platform: PLATFORM, agentVersion: '0.1.0' }),
      });
      expect(res.status).toBe(201);
      nodes.push((await res.json()) as { nodeId: string; nodeSecret: string });
    }
    const rb = await api(token, 'POST', `/api/v1/accounts/${accountId}/runbooks`, {
      content: `name: rollout
waves: { canary: "1", size: "1" }
steps:
  - name: scan
    kind: patch
    operation: Scan
  - name: canary
    kind: patch
    operation: Scan
    nodes: canary
  - name: rest
    kind: patch
    operation: Scan
    nodes: remaining
`,
    });
    expect(rb.status).toBe(201);
    const gate = await api(token, 'POST', `/api/v1/accounts/${accountId}/runbooks`, { content: `name: gated\nsteps:\n  - name: gate\n    kind: approve\n    message: go?\n` });
    expect(gate.status).toBe(201);
  });
  afterAll(async () => {
    await f.close();
  });

  let executionId = '';

  it('start --watch follows the execution live (steps, waves, per-account counts) until it ends', async () => {
    const run = f.run(['executions', 'start', '--account', 'ops', '--runbook', 'rollout', '--target-tag', 'Env=prod', '--max-concurrency', '2', '--watch', '--interval', '0.05']);
    await actAsAgents(run, () => 'Success');
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    executionId = /Started execution (exec_\w+) of rollout v1 on 3 node\(s\) in 1 account\(s\) \(canary 1, then 2 wave\(s\) of up to 1\)/.exec(r.stdout)?.[1] ?? '';
    expect(executionId, r.stdout).not.toBe('');
    expect(r.stdout).toMatch(/canary \(canary\) in acct_\w+ Success/);
    expect(r.stdout).toMatch(/rest \(wave 2\) in acct_\w+ Success/);
    expect(r.stdout).toMatch(/Running at rest wave \d\/2 — acct_\w+ Active \[/);
    expect(r.stdout).toMatch(/ended Success\.$/m);
  });

  it('list, show and timeline', async () => {
    expect((await f.run(['executions', 'list', '--account', 'ops'])).stdout).toMatch(new RegExp(`^${executionId} +rollout v1 +Success`, 'm'));
    const show = await f.run(['executions', 'show', executionId]);
    expect(show.stdout).toMatch(/^nodes: +3 \(canary 1, then 2 wave\(s\) of up to 1\)$/m);
    expect(show.stdout).toMatch(/^rest +patch +2 +acct_\w+ +Success/m);
    const timeline = await f.run(['executions', 'timeline', executionId, '--limit', '500']);
    expect(timeline.stdout).toMatch(/execution\.created/);
    expect(timeline.stdout).toMatch(/execution\.ended +execution ended Success/);
    expect(jsonOf(await f.run(['executions', 'show', executionId, '--json'])).status).toBe('Success');
  });

  it('start --watch exits 1 when the execution failed, naming the reason', async () => {
    const run = f.run(['executions', 'start', '--account', 'ops', '--runbook', 'rollout', '--all', '--watch', '--interval', '0.05']);
    await actAsAgents(run, (n) => (n > 3 ? 'Failed' : 'Success'));
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ended Failed: halted: 1 failed node\(s\) exceed maxFailedNodes 0/);
  });

  it('approvals, approve; pause, resume, cancel; usage errors', async () => {
    const started = await f.run(['executions', 'start', '--account', 'ops', '--runbook', 'gated', '--all', '--json']);
    const id = jsonOf<{ id: string }>(started).id;
    for (let i = 0; i < 100; i++) {
      if (jsonOf(await f.run(['executions', 'show', id, '--json'])).status === 'Waiting') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await f.run(['executions', 'approvals'])).stdout).toMatch(new RegExp(`^${id} +gated +gate +0/1`, 'm'));
    const approved = await f.run(['executions', 'approve', id, '--comment', 'fine']);
    expect(approved.code, approved.stderr).toBe(0);
    const watched = await f.run(['executions', 'watch', id, '--interval', '0.05']);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/gate Success: approved by admin/);

    const second = jsonOf<{ id: string }>(await f.run(['executions', 'start', '--account', 'ops', '--runbook', 'gated', '--all', '--json'])).id;
    expect((await f.run(['executions', 'pause', second])).stdout).toMatch(/^Paused execution exec_\w+: now Paused/m);
    expect((await f.run(['executions', 'resume', second])).code).toBe(0);
    expect((await f.run(['executions', 'cancel', second])).stdout).toMatch(/now Cancelled/);
    const again = await f.run(['executions', 'cancel', second]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('has ended (Cancelled)');
    expect((await f.run(['executions', 'start', '--account', 'ops', '--runbook', 'gated'])).code).toBe(2);
    expect((await f.run(['executions', 'start', '--account', 'ops', '--runbook', 'gated', '--all', '--param', 'x'])).code).toBe(2);
    const help = await f.run(['executions', 'start', '--help']);
    expect(help.stdout).toContain('Examples:');
  });
});
