/**
 * GET /downloads/patchwarden-agent.mjs: the agent bundle for the dashboard's enroll command, public
 * (a host being enrolled has no credentials), with its sha256; a clear 404 when it is not built. The
 * end-to-end case runs the real bundle downloaded over HTTP with the dashboard's command line.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpoints } from '../../src/contracts/api.js';
import type { RunningServer } from '../../src/server/server.js';
import { buildAgentBundle } from '../helpers/agent-procs.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { admin, startTestServer } from '../helpers/fleet.js';

const run = promisify(execFile);

describe('downloading the agent bundle', () => {
  let work: string;
  let bundle: string;
  let server: RunningServer;
  let missing: TestApp;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pw-downloads-'));
    bundle = buildAgentBundle(join(work, 'agent.mjs'));
    server = await startTestServer(join(work, 'data'), 0, { PATCHWARDEN_AGENT_BUNDLE: bundle, PATCHWARDEN_LOCAL_AGENT: 'false' });
    missing = await createTestApp('sqlite', { config: { agentBundle: join(work, 'not-built', 'agent.mjs') } });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await missing?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves the bundle without sign-in, as JavaScript with its sha256', async () => {
    const res = await fetch(`${server.url}/downloads/patchwarden-agent.mjs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(readFileSync(bundle))).toBe(true);
    expect(res.headers.get('x-checksum-sha256')).toBe(createHash('sha256').update(body).digest('hex'));
    // HEAD answers the same headers (curl -I), and a browser asking for HTML gets the file, not the dashboard.
    const head = await fetch(`${server.url}/downloads/patchwarden-agent.mjs`, { method: 'HEAD' });
    expect(head.headers.get('x-checksum-sha256')).toBe(res.headers.get('x-checksum-sha256'));
    expect((await fetch(`${server.url}/downloads/patchwarden-agent.mjs`, { headers: { accept: 'text/html' } })).headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('answers 404 with the error shape and how to build it when the bundle is missing', async () => {
    const res = await missing.as(null, 'GET', '/downloads/patchwarden-agent.mjs');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'not_found', message: expect.stringMatching(/not built.*npm run build/) });
  });

  it("enrolls a node with the dashboard's command: the downloaded file, enroll --server --activation-id --activation-code", async () => {
    const a = await admin(server.url, 'downloads');
    const activation = await a.activation();
    const downloaded = join(work, 'patchwarden-agent.mjs');
    writeFileSync(downloaded, Buffer.from(await (await fetch(`${server.url}/downloads/patchwarden-agent.mjs`)).arrayBuffer()));
    // As the dashboard shows it, without sudo and with a throw-away state directory.
    await run(process.execPath, [downloaded, 'enroll', '--server', server.url, '--activation-id', activation.id, '--activation-code', activation.code, '--state-dir', join(work, 'state')], { timeout: 60_000 });
    const nodes = await a.client.call(endpoints.listNodes, { query: { accountId: a.accountId } });
    expect(nodes.total).toBe(1);
    expect(nodes.items[0]?.compliance).toBeNull();
  }, 90_000);
});
