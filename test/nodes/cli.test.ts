import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from '../cli/harness.js';
import { inventory, pkg, PLATFORM, update } from './helpers.js';

describe('patchwarden activations, nodes and commands', () => {
  let f: CliFixture;
  let node: { nodeId: string; nodeSecret: string };

  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
    expect((await f.run(['accounts', 'create', 'fleet'])).code).toBe(0);
  });
  afterAll(async () => {
    await f.close();
  });

  const agent = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${f.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${node.nodeSecret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('activations create prints the id, the code once and the enroll command; list and revoke', async () => {
    const created = await f.run(['activations', 'create', '--account', 'fleet', '--limit', '2', '--tag', 'env=prod', '-d', 'web servers']);
    expect(created.code, created.stderr).toBe(0);
    const id = /activation id: +(act_\w+)/.exec(created.stdout)?.[1];
    const code = /activation code: +(\S+)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toContain(`patchwarden agent enroll --server ${f.url} --activation-id ${id} --activation-code ${code}`);
    expect(created.stderr).toContain('shown only now');
    const res = await fetch(`${f.url}/api/v1/agent/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ activationId: id, activationCode: code, hostname: 'web-1', platform: PLATFORM, agentVersion: '0.1.0' }),
    });
    expect(res.status).toBe(201);
    node = (await res.json()) as { nodeId: string; nodeSecret: string };
    const list = await f.run(['activations', 'list', '--account', 'fleet']);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID +STATE +USED +EXPIRES +TAGS +DESCRIPTION$/);
    expect(list.stdout).toMatch(new RegExp(`^${id} +active +1/2 .* env=prod +web servers$`, 'm'));
    expect(list.stdout).not.toContain(code);
    expect((await f.run(['activations', 'revoke', id!, '--account', 'fleet'])).stdout).toBe(`Revoked activation ${id}.\n`);
    expect(jsonOf(await f.run(['activations', 'list', '--account', 'fleet', '--json'])).items[0].state).toBe('revoked');
  });

  it('nodes list, show, packages, updates, tag and untag', async () => {
    const put = await agent('PUT', '/api/v1/agent/inventory', inventory('web-1', [pkg('openssl', '3.0.11'), pkg('bash', '5.2')], [update('openssl', '3.0.11', '3.0.15', true)]));
    expect(put.status).toBe(200);
    const list = await f.run(['nodes', 'list', '--account', 'fleet', '--tag', 'env=prod']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${node.nodeId} +web-1 +Online +debian 12 +0.1.0 +1 \\(1 sec\\)`, 'm'));
    expect((await f.run(['nodes', 'list', '--tag', 'env=dev'])).stdout).toBe('No nodes.\n');
    const show = await f.run(['nodes', 'show', node.nodeId]);
    expect(show.stdout).toMatch(/inventory: +revision 1, 2 packages, 1 updates \(1 security\)/);
    expect((await f.run(['nodes', 'packages', node.nodeId, '--search', 'ssl'])).stdout).toMatch(/^openssl +amd64 +3\.0\.11/m);
    expect((await f.run(['nodes', 'updates', node.nodeId, '--security'])).stdout).toMatch(/^openssl +amd64 +3\.0\.11 +3\.0\.15 +yes/m);
    expect((await f.run(['nodes', 'tag', node.nodeId, 'PatchGroup=web', 'team=ops'])).stdout).toBe(`Tags of ${node.nodeId}: PatchGroup=web,env=prod,team=ops\n`);
    expect((await f.run(['nodes', 'untag', node.nodeId, 'team'])).stdout).toBe(`Tags of ${node.nodeId}: PatchGroup=web,env=prod\n`);
    expect(jsonOf(await f.run(['nodes', 'tag', node.nodeId, 'only=this', '--replace', '--json'])).tags).toEqual({ only: 'this' });
    expect((await f.run(['nodes', 'tag', node.nodeId, 'broken'])).code).toBe(2);
  });

  it('commands send, list, show and cancel', async () => {
    const sent = await f.run(['commands', 'send', '--account', 'fleet', '--document', 'Install', '--node', node.nodeId, '--item', 'openssl=3.0.15', '--reboot-option', 'NoReboot']);
    expect(sent.code, sent.stderr).toBe(0);
    const commandId = /Sent Install (cmd_\w+) to 1 node/.exec(sent.stdout)?.[1];
    expect(commandId).toBeDefined();
    const show = await f.run(['commands', 'show', commandId!]);
    expect(show.stdout).toMatch(/^status: +Pending$/m);
    expect(show.stdout).toMatch(/^items: +openssl=3\.0\.15$/m);
    expect(show.stdout).toMatch(new RegExp(`^${node.nodeId} +Pending`, 'm'));
    expect((await f.run(['commands', 'list', '--account', 'fleet'])).stdout).toMatch(new RegExp(`^${commandId} +Install +Pending +Pending 1`, 'm'));
    expect((await f.run(['commands', 'cancel', commandId!])).stdout).toBe(`Cancelled command ${commandId}: Cancelled 1.\n`);
    expect((await f.run(['commands', 'send', '--account', 'fleet', '--document', 'Install', '--node', node.nodeId, '--item', 'openssl=3.0.15', '--snapshot', 'snap_x'])).code).toBe(6);
    expect((await f.run(['commands', 'send', '--account', 'fleet', '--document', 'Scan'])).code).toBe(2);
    expect((await f.run(['commands', 'send', '--account', 'fleet', '--document', 'Install', '--node', node.nodeId, '--item', 'bad'])).code).toBe(2);
  });

  it('nodes deregister stops the credential', async () => {
    expect((await f.run(['nodes', 'deregister', node.nodeId])).code).toBe(2);
    expect((await f.run(['nodes', 'deregister', node.nodeId, '--yes'])).stdout).toBe(`Deregistered node ${node.nodeId}.\n`);
    expect((await agent('POST', '/api/v1/agent/heartbeat', {})).status).toBe(401);
    expect((await f.run(['nodes', 'list', '--ping', 'Inactive'])).stdout).toContain(node.nodeId);
  });
});
