import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/cli/client.js';
import { runServer, type ServerProcess } from '../../src/cli/commands/server.command.js';
import { endpoints } from '../../src/contracts/api.js';
import type { NodeSummary } from '../../src/contracts/nodes.contract.js';
import { createLogger } from '../../src/server/app.js';
import { loadServerConfig } from '../../src/server/config.js';
import { aptOnRoot, aptToolsAvailable, buildDemoWorld, makeWorkDir, mkroot, testDriver } from '../helpers/apt-root.js';
import { ADMIN_PASSWORD } from '../helpers/app.js';
import { requireComponent } from '../helpers/components.js';
import { adminClient } from '../helpers/fleet.js';
import { until } from '../helpers/processes.js';

const available = requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');


describe.runIf(available)('the local agent of `patchwarden server` (quick start)', () => {
  let work: string;
  let root: string;
  const running: ServerProcess[] = [];

  const start = async (dataDir: string, env: Record<string, string> = {}): Promise<{ proc: ServerProcess; client: ApiClient }> => {
    const config = loadServerConfig({
      env: {
        PATCHWARDEN_DATA_DIR: dataDir,
        PATCHWARDEN_PORT: '0',
        PATCHWARDEN_ADMIN_PASSWORD: ADMIN_PASSWORD,
        PATCHWARDEN_AGENT_POLL_CHECK_MS: '100',
        PATCHWARDEN_LOCAL_AGENT_ROOT: root,
        ...env,
      },
    });
    const proc = await runServer(config, { out: { write: () => true } as unknown as NodeJS.WritableStream, logger: createLogger('silent') });
    running.push(proc);
    return { proc, client: await adminClient(proc.server.url) };
  };
  const stop = async (proc: ServerProcess) => {
    running.splice(running.indexOf(proc), 1);
    await proc.stop();
  };
  const nodes = async (client: ApiClient): Promise<NodeSummary[]> => (await client.call(endpoints.listNodes, { query: {} })).items;

  beforeAll(async () => {
    work = makeWorkDir('pw-local-');
    const world = buildDemoWorld(join(work, 'world'));
    root = mkroot(join(work, 'root'), world.sources);
    const driver = testDriver(root, join(work, 'apt-state'));
    await aptOnRoot(driver, 'apt-get', ['update', '-q']);
    await aptOnRoot(driver, 'apt-get', ['install', '-y', '-q', 'demo-lib=1.0-1']);
  });
  afterAll(async () => {
    for (const proc of [...running]) await proc.stop().catch(() => undefined);
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('lists this machine with its inventory within seconds, refuses installs, and reuses its node on a restart', async () => {
    const dataDir = join(work, 'data');
    const first = await start(dataDir);
    expect(first.proc.localAgent).not.toBeNull();
    const node = await until('the local node with its inventory', async () => {
      const all = await nodes(first.client);
      return all.length === 1 && all[0]?.packageCount !== 0 ? all[0] : undefined;
    });
    expect(node).toMatchObject({ tags: { 'patchwarden:local': 'true' }, osId: 'debian', packageCount: 1, updateCount: 1 });
    const org = await first.client.call(endpoints.listAccounts, { query: {} });
    expect(org.items.find((a) => a.id === node.accountId)).toMatchObject({ name: 'default' });

    const sent = await first.client.call(endpoints.sendCommand, {
      params: { accountId: node.accountId },
      body: { document: 'Install', targets: { nodeIds: [node.id] }, parameters: { rebootOption: 'NoReboot', installOverrideList: [{ name: 'demo-lib', version: '1.0-3' }] } },
    });
    const done = await until('the Install to end', async () => {
      const c = await first.client.call(endpoints.getCommand, { params: { commandId: sent.id } });
      return c.invocations.every((i) => !['Pending', 'InProgress'].includes(i.status)) ? c : undefined;
    });
    expect(done.invocations[0]).toMatchObject({ status: 'Failed', output: expect.stringContaining("this agent is scan-only (the server's local agent); set localAgentInstall: true to let it install") });
    expect(readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8')).toMatch(/Package: demo-lib\n(?:.*\n)*?Version: 1\.0-1\n/);

    await stop(first.proc);
    const second = await start(dataDir);
    expect(second.proc.localAgent?.nodeId).toBe(node.id);
    const seen = await until('the node seen again after the restart', async () => {
      const all = await nodes(second.client);
      const again = all[0];
      return all.length === 1 && again?.lastSeenAt !== null && again?.lastSeenAt !== node.lastSeenAt ? again : undefined;
    });
    expect(seen.id).toBe(node.id);

    // Deregistered by an operator: the next start leaves it off (no new enrollment).
    await second.client.call(endpoints.deregisterNode, { params: { nodeId: node.id } });
    await stop(second.proc);
    const third = await start(dataDir);
    expect(third.proc.localAgent).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    expect((await nodes(third.client)).filter((n) => n.deregisteredAt === null)).toEqual([]);
    await stop(third.proc);
  }, 30_000);

  it('runs no agent with localAgent off', async () => {
    const { proc, client } = await start(join(work, 'data-off'), { PATCHWARDEN_LOCAL_AGENT: 'false' });
    expect(proc.localAgent).toBeNull();
    await new Promise((r) => setTimeout(r, 500));
    expect(await nodes(client)).toEqual([]);
    await stop(proc);
  });
});
