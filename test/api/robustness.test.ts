/**
 * Robustness: more than a thousand malformed requests generated from the contract schemas (see
 * ./malformed.ts) across every route, through app.inject and, for what only a socket can express
 * (huge and truncated bodies, wrong Content-Length, broken HTTP), through a real listening server.
 * Every answer must be a 4xx with the error shape, never a 5xx, and the server must stay up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allEndpoints, endpoints } from '../../src/contracts/api.js';
import { ServerConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { ADMIN_PASSWORD, createTestApp, type TestApp } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { Fixtures, isErrorShape, KNOWN_PASSWORD, knownPasswordHash } from './fixtures.js';
import { activation, enrolledNode, inventory, pkg, PLATFORM, update } from '../nodes/helpers.js';
import { generateCases, INJECTIONS, representatives, type MalformedCase } from './malformed.js';
import { baselineIn, DEBIAN_RULES } from '../baselines/helpers.js';
import { runbookWithVersions } from '../runbooks/helpers.js';
import { osvRecord } from '../advisories/helpers.js';

const BODY_LIMIT = 1024 * 1024;
const MIN_MALFORMED = 1000;

/**
 * On SQLite every case runs; on PostgreSQL the cases that reach the database (what the contract
 * accepts, ids in paths, credentials): the others are refused by validation before any query.
 */
const reachesDatabase = (c: MalformedCase) => !c.mustFail || c.kind.startsWith('path') || c.kind === 'credentials';

for (const dialect of testDialects()) {
  const full = dialect === 'sqlite';
  describe(`[${dialect}] robustness: malformed requests through app.inject${full ? '' : ' (the cases that reach the database)'}`, () => {
    let t: TestApp;
    let generated: MalformedCase[] = [];
    let cases: MalformedCase[] = [];
    const tally = { sent: 0, refused: 0, accepted: 0 };

    beforeAll(async () => {
      t = await createTestApp(dialect, { config: { loginMaxFailuresPerUser: 1000, loginMaxFailuresPerIp: 100_000, bodyLimitBytes: BODY_LIMIT } });
      const fx = new Fixtures(t);
      await knownPasswordHash();
      const account = await fx.account('robust');
      const user = await fx.user({ prefix: 'robust', memberships: [[account.id, 'viewer']] });
      const passwordChanger = await fx.user({ prefix: 'pwchanger' });
      const admin = await t.db.store.users.getByUsername('admin');
      const token = await fx.token(admin!.id);
      const node = await enrolledNode(t, account.id, 'robust-node');
      const act = await activation(t, account.id);
      const robustBaseline = await baselineIn(t, account.id, 'robust-baseline');
      const groupId = await fx.resourceGroup(account.id);
      const snapshotId = await fx.snapshot(account.id);
      const sent = await t.as(t.adminToken, 'POST', `/api/v1/accounts/${account.id}/commands`, { document: 'Scan', targets: { nodeIds: [node.nodeId] } });
      const invocationId = String((await t.as(node.credential, 'GET', '/api/v1/agent/commands')).json().invocations[0].invocationId);
      const now = new Date().toISOString();
      const agentRoutes = new Set(t.router.registered.filter((ep) => ep.auth === 'node').map((ep) => ep.operationId));
      // An imported advisory for GET /api/v1/advisories/{advisoryId} (valid-looking reads must answer 200).
      await t.db.store.advisories.upsertMany([{ record: osvRecord('GHSA-robu-stne-ss01'), source: 'test' }]);
      cases = generateCases(t.router.registered, {
        params: { advisoryId: 'GHSA-robu-stne-ss01', baselineId: robustBaseline, operatingSystem: 'DEBIAN', patchGroup: 'web', accountId: account.id, userId: user.id, tokenId: token.id, nodeId: node.nodeId, activationId: act.id, commandId: String(sent.json().id), groupId, snapshotId, runbookId: await runbookWithVersions(t, account.id, 50) /* issue 6: runbooks (?version=42 must exist) */, ...(await (await import('../windows/helpers.js')).robustParams(t, account.id)) /* issue 6: windows, policies */, ...(await (await import('../delegations/helpers.js')).robustParams(t, account.id)) /* issue 6: delegations */, ...(await (await import('../executions/helpers.js')).robustParams(t, account.id, node.nodeId)) /* issue 6: executions */, ...(await (await import('../repositories/helpers.js')).robustParams(t, account.id)) /* issue 8: repositories */ },
        bodies: {
          createBaseline: { name: 'robust-created-baseline', description: 'robust', ...DEBIAN_RULES, globalFilters: [{ key: 'PRODUCT', values: ['*'] }], approvedPatches: ['openssl'], rejectedPatches: ['telnet*'] },
          updateBaseline: { description: 'robust', approvedPatches: ['curl'] },
          setDefaultBaseline: { baselineId: 'pb-predefined-debian' },
          registerPatchGroup: { baselineId: 'pb-predefined-debian' },
          previewBaseline: { baselineId: 'pb-predefined-debian', nodeIds: [node.nodeId] },
          login: { username: 'admin', password: 'not-the-admin-password' },
          changeMyPassword: { currentPassword: KNOWN_PASSWORD, newPassword: 'a-new-password-123' },
          updateOrganization: { name: 'Robust organization' },
          createAccount: { name: 'robust-created', description: 'made by the robustness test' },
          updateAccount: { description: 'described by the robustness test' },
          setAccountMember: { role: 'viewer' },
          createUser: {
            username: 'robust-created',
            password: 'robust-password-123',
            displayName: 'Robust',
            email: 'robust@example.com',
            orgRole: null,
            mustChangePassword: true,
            memberships: [{ accountId: account.id, role: 'viewer' }],
          },
          updateUser: { displayName: 'Robust user', email: 'robust@example.com', disabled: false },
          setUserPassword: { password: 'robust-password-456', mustChangePassword: false },
          createToken: { name: 'robust token', expiresInDays: 30 },
          createActivation: { description: 'robust', expiresInHours: 24, registrationLimit: 5, defaultTags: { env: 'prod' } },
          putNodeTags: { tags: { env: 'prod' } },
          patchNodeTags: { set: { env: 'prod' }, remove: ['role'] },
          createResourceGroup: { name: 'robust group', description: 'robust', tagFilters: [{ key: 'Env', values: ['prod', '*'] }] },
          updateResourceGroup: { description: 'robust', tagFilters: [{ key: 'Role', values: ['web'] }] },
          createSnapshot: { targets: { nodeIds: [node.nodeId] }, description: 'robust' },
          putComplianceSettings: { slaDays: { critical: 7, high: 14, medium: 30, low: 90 } },
          sendCommand: { document: 'Scan', targets: { nodeIds: [node.nodeId] }, parameters: { rebootOption: 'NoReboot', installOverrideList: [] }, timeoutSeconds: 600 },
          enrollNode: { activationId: act.id, activationCode: 'not-the-code', hostname: 'robust-host', platform: PLATFORM, agentVersion: '0.1.0' },
          agentHeartbeat: { agentVersion: '0.1.0' },
          putInventory: inventory('robust-node', [pkg('openssl', '3.0.15-1~deb12u1')], [update('curl', '7.88.1-10', '7.88.1-10+deb12u8', true)]),
          patchInventory: { baseRevision: 1, packages: { upsert: [pkg('vim', '2:9.0')], remove: [] }, updates: { upsert: [], remove: [] } },
          postInvocationResult: { invocationId, idempotencyKey: 'robust-key-0001', status: 'Success', output: 'ok', startedAt: now, finishedAt: now, outcomes: [] },
          // ---- issue 6: runbooks ----
          createRunbook: { content: 'name: robust-runbook\nsteps:\n  - { name: pause, kind: wait, seconds: 5 }\n' },
          updateRunbook: { content: 'name: robust-runbook\nsteps:\n  - { name: pause, kind: wait, seconds: 6 }\n' },
          validateRunbook: { content: 'name: robust-runbook\nsteps:\n  - { name: pause, kind: wait, seconds: 5 }\n' },
          // ---- issue 6: executions ----
          startExecution: { runbook: 'patch-fleet', version: 1, targets: { nodeIds: [node.nodeId] }, parameters: { healthCheck: 'none', bakeSeconds: 60 }, maxConcurrency: '25%', maxErrors: '1', accountMaxErrors: 0, waves: { canary: '1', size: '50%', bakeSeconds: 30, maxFailedNodes: '10%', maxFailedChecks: 1 }, comment: 'robust' },
          decideExecutionApproval: { decision: 'approve', comment: 'robust' },
          // ---- issue 6: delegations ----
          createDelegation: { runbooks: ['patch-fleet', 'restart-web'], roles: ['operator', 'admin'], expiresAt: '2099-01-01T00:00:00.000Z', comment: 'robust' },
          updateAutomationSettings: { checkAllowedHosts: ['health.example.com', '*.svc.example.com:8080'] },
          // ---- issue 6: windows ----
          createWindow: { name: 'robust window', description: 'robust', schedule: 'cron(0 2 ? * SUN *)', timezone: 'Europe/Berlin', durationHours: 4, cutoffHours: 1, startDate: '2026-01-01T00:00:00.000Z', endDate: '2099-01-01T00:00:00.000Z', enabled: true, jitterSeconds: 60, targets: { targets: { tags: [{ key: 'Env', values: ['prod'] }] } }, tasks: [{ name: 'scan', priority: 0, kind: 'patch', operation: 'Scan', maxConcurrency: '10', maxErrors: '1' }, { name: 'fleet', priority: 1, kind: 'runbook', runbook: 'patch-fleet', parameters: { bakeSeconds: 60 } }] },
          updateWindow: { name: 'robust window 2', schedule: 'rate(12 hours)', timezone: 'UTC', durationHours: 2, cutoffHours: 0, targets: { targets: { allNodes: true } }, tasks: [{ name: 'install', kind: 'patch', operation: 'Install', rebootOption: 'NoReboot' }] },
          addWindowTask: { name: 'late-scan', priority: 3, kind: 'patch', operation: 'Scan', maxConcurrency: '25%', maxErrors: '10%' },
          // ---- issue 6: policies ----
          createPolicy: { name: 'robust policy', description: 'robust', enabled: true, priority: 7, baselines: { DEBIAN: 'pb-predefined-debian' }, scan: { schedule: '0 1 * * *', timezone: 'UTC' }, install: { schedule: 'cron(0 3 ? * SAT *)', timezone: 'Europe/Berlin', durationHours: 4, cutoffHours: 1 }, rebootOption: 'NoReboot', targets: { accounts: 'all', tags: [{ key: 'Env', values: ['prod'] }] }, slaDays: { critical: 7, high: 14 } },
          updatePolicy: { name: 'robust policy 2', priority: 8, baselines: {}, targets: { accounts: [account.id] } },
          // ---- issue 8: dependency patching ----
          createRepository: { name: 'robust/shop repo', gitUrl: 'https://git.example.com/acme/shop.git', branch: 'release/1.x', forge: { kind: 'gitea', apiUrl: 'https://git.example.com/api/v1', repository: 'acme/shop' }, credentialsRef: 'file:gitea-token', schedule: 'cron(0 3 ? * MON *)', timezone: 'Europe/Berlin', grouping: 'ecosystem', severityThreshold: 'high', openPullRequests: true, enabled: true },
          updateRepository: { name: 'robust shop 2', gitUrl: 'git@git.example.com:acme/shop.git', branch: null, forge: { kind: 'github', repository: 'acme/shop' }, credentialsRef: 'file:gh', schedule: 'rate(12 hours)', timezone: 'UTC', grouping: 'all', severityThreshold: 'any', openPullRequests: false, enabled: false },
        },
        tokenFor: (operationId) => (operationId === 'changeMyPassword' ? passwordChanger.token : agentRoutes.has(operationId) ? node.credential : t.adminToken),
        bodyLimitBytes: BODY_LIMIT,
        costly: ['login', 'changeMyPassword', 'createUser', 'setUserPassword'],
        acceptedPerField: 2,
      }).filter((c) => full || reachesDatabase(c));
      // Sent: all but the repeats of a refusal (same route, kind and validation error, a value already sent there).
      generated = cases;
      cases = representatives(generated);
      // Valid-looking long-polls (wait=60) answer at once, as when the server stops, instead of waiting.
      t.services.notifier.close();
    });
    afterAll(async () => {
      await t.close();
    });

    it('generates cases from every registered endpoint', () => {
      expect(t.router.registered.map((e) => e.operationId).sort()).toEqual(allEndpoints.map((e) => e.operationId).sort());
      const covered = new Set(cases.map((c) => c.endpoint));
      for (const ep of t.router.registered) expect(covered, ep.operationId).toContain(ep.operationId);
      expect(cases.filter((c) => c.mustFail).length).toBeGreaterThanOrEqual(full ? MIN_MALFORMED : 500);
      // What is sent covers every kind and every validation error of each endpoint, every bad value in
      // each place (path, query, body), and every case the contract accepts or refuses before its schema.
      const missing = (key: (c: MalformedCase) => string | undefined) => {
        const sent = new Set(cases.map(key));
        return [...new Set(generated.map(key))].filter((k): k is string => k !== undefined && !sent.has(k)).map((k) => k.slice(0, 200));
      };
      expect(missing((c) => `${c.endpoint} ${c.kind}`)).toEqual([]);
      expect(missing((c) => c.probe)).toEqual([]);
      expect(missing((c) => (c.refusal === undefined ? undefined : `${c.endpoint} ${c.kind} ${c.refusal}`))).toEqual([]);
      expect(cases.filter((c) => c.refusal === undefined).length).toBe(generated.filter((c) => c.refusal === undefined).length);
    });

    for (const endpoint of [...allEndpoints.map((e) => e.operationId), '(none)']) {
      it(`${endpoint}: malformed requests answer 4xx with the error shape, never 5xx`, async () => {
        const problems: string[] = [];
        for (const c of cases.filter((x) => x.endpoint === endpoint)) {
          const res = await t.app.inject({ method: c.method as 'GET', url: c.url, headers: c.headers, ...(c.payload === undefined ? {} : { payload: c.payload }) });
          tally.sent += 1;
          if (c.mustFail) tally.refused += 1;
          else tally.accepted += 1;
          const what = `${c.kind}: ${c.method} ${c.url.slice(0, 120)} ${(c.payload ?? '').slice(0, 80)} -> ${res.statusCode} ${res.body.slice(0, 160)}`;
          if (res.statusCode >= 500) problems.push(`5xx for ${what}`);
          else if (c.mustFail && (res.statusCode < 400 || !isErrorShape(res))) problems.push(`not a 4xx with the error shape for ${what}`);
          else if (res.statusCode >= 400 && !isErrorShape(res)) problems.push(`error without the error shape for ${what}`);
          else if (!c.mustFail && c.method === 'GET' && res.statusCode !== 200) problems.push(`a valid read failed: ${what}`);
        }
        expect(problems).toEqual([]);
      });
    }

    it(`sent at least ${full ? MIN_MALFORMED : 500} malformed requests and the server is still up`, async () => {
      process.stdout.write(`robustness [${dialect}]: ${tally.sent} of ${generated.length} generated requests through app.inject (${tally.refused} malformed, ${tally.accepted} valid-looking; the others repeat a refusal)\n`);
      expect(tally.refused).toBeGreaterThanOrEqual(full ? MIN_MALFORMED : 500);
      expect(tally.refused).toBe(cases.filter((c) => c.mustFail).length);
      expect((await t.as(null, 'GET', '/healthz')).statusCode).toBe(200);
      expect((await t.as(null, 'GET', '/readyz')).statusCode).toBe(200);
      const created = await t.as(t.adminToken, 'POST', '/api/v1/accounts', { name: 'after-the-storm' });
      expect(created.statusCode).toBe(201);
      expect((await t.as(t.adminToken, 'GET', `/api/v1/accounts/${created.json().id}`)).statusCode).toBe(200);
      // Injection strings stored as data come back as the same data.
      const renamed = await t.as(t.adminToken, 'PATCH', '/api/v1/organization', { name: "'; DROP TABLE users; --" });
      expect(renamed.json().name).toBe("'; DROP TABLE users; --");
      expect((await t.as(t.adminToken, 'GET', '/api/v1/users?q=admin')).json().total).toBeGreaterThanOrEqual(1);
    });
  });
}

/** The first HTTP response in raw bytes from a socket. */
interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseRaw(raw: Buffer): RawResponse | undefined {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (m === null || end < 0) return undefined;
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const rest = raw.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  const length = headers['content-length'] === undefined ? rest.length : Number(headers['content-length']);
  return { status: Number(m[1]), headers, body: rest.subarray(0, length).toString('utf8') };
}

/** Sends raw bytes and reads until the server closes (or `waitMs`); `halfClose` ends our side after writing. */
function rawRequest(port: number, data: Buffer | string, halfClose = true, waitMs = 3000): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.write(data, () => {
      if (halfClose) socket.end();
    });
  });
}

describe('robustness: malformed requests over a real socket', () => {
  let server: RunningServer;
  let dir: string;
  let port: number;
  let token: string;
  let sent = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-robust-'));
    const config = ServerConfig.parse({ dataDir: dir, port: 0, logLevel: 'silent', adminPassword: ADMIN_PASSWORD, bodyLimitBytes: BODY_LIMIT });
    server = await startServer(config, { logger: pino({ level: 'silent' }) });
    port = Number(new URL(server.url).port);
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    const session = /pw_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const created = await fetch(`${server.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `pw_session=${session ?? ''}`, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ name: 'socket tests' }),
    });
    token = ((await created.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function expectRefused(data: Buffer | string, label: string, status?: number): Promise<void> {
    sent += 1;
    const res = parseRaw(await rawRequest(port, data));
    expect(res, `${label}: no HTTP response`).toBeDefined();
    expect(res!.status, `${label}: ${res!.status} ${res!.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
    expect(res!.status, label).toBeLessThan(500);
    if (status !== undefined) expect(res!.status, label).toBe(status);
    expect(isErrorShape(res!), `${label}: ${res!.body.slice(0, 300)}`).toBe(true);
  }

  const isValidCreateAccount = (body: string) => {
    try {
      return endpoints.createAccount.body.safeParse(JSON.parse(body)).success;
    } catch {
      return false;
    }
  };

  const post = (path: string, headers: string, body: Buffer | string) =>
    Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n${headers}\r\n`), Buffer.isBuffer(body) ? body : Buffer.from(body)]);

  it('refuses huge bodies with 413 (by Content-Length, chunked, and through fetch)', async () => {
    const big = Buffer.alloc(2 * BODY_LIMIT, 'a');
    const json = Buffer.from(JSON.stringify({ name: 'huge', description: big.toString() }));
    await expectRefused(post('/api/v1/accounts', `Content-Type: application/json\r\nContent-Length: ${json.length}\r\n`, json), 'huge body', 413);
    await expectRefused(
      post('/api/v1/accounts', 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', Buffer.concat([Buffer.from(`${json.length.toString(16)}\r\n`), json, Buffer.from('\r\n0\r\n\r\n')])),
      'huge chunked body',
      413,
    );
    await expectRefused(post('/api/v1/auth/login', `Content-Type: application/json\r\nContent-Length: ${big.length}\r\n`, big), 'huge login body', 413);
    sent += 1;
    const res = await fetch(`${server.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: json });
    expect(res.status).toBe(413);
    expect(isErrorShape({ headers: { 'content-type': res.headers.get('content-type') }, body: await res.text() })).toBe(true);
  });

  it('refuses invalid JSON, wrong types, unknown fields and injections with 400', async () => {
    const bodies = ['{', '{"name":', "{'name':'x'}", 'nul', '{"name":"a"}{"b":1}', '\u0000', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '[]', '42', '"x"', '{"name":42}', '{"name":"ok-name","extra":1}', ...INJECTIONS.map((i) => JSON.stringify({ name: i }))];
    for (const body of bodies.filter((b) => !isValidCreateAccount(b))) {
      const bytes = Buffer.from(body);
      await expectRefused(post('/api/v1/accounts', `Content-Type: application/json\r\nContent-Length: ${bytes.length}\r\n`, bytes), `socket body ${body.slice(0, 40)}`);
      sent += 1;
      const res = await fetch(`${server.url}/api/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
      expect(res.status, body).toBeGreaterThanOrEqual(400);
      expect(res.status, body).toBeLessThan(500);
      expect(isErrorShape({ headers: { 'content-type': res.headers.get('content-type') }, body: await res.text() }), body).toBe(true);
    }
  });

  it('answers broken HTTP (truncated bodies, wrong Content-Length, bad framing) with a 4xx in the error shape', async () => {
    const body = '{"username":"admin","password":"x"}';
    await expectRefused(post('/api/v1/auth/login', 'Content-Type: application/json\r\nContent-Length: 100\r\n', body.slice(0, 20)), 'truncated body');
    await expectRefused(post('/api/v1/auth/login', 'Content-Type: application/json\r\nContent-Length: 5\r\n', body), 'Content-Length shorter than the body');
    await expectRefused(post('/api/v1/auth/login', 'Content-Type: application/json\r\nContent-Length: abc\r\n', body), 'non-numeric Content-Length');
    await expectRefused(post('/api/v1/auth/login', 'Content-Type: application/json\r\nContent-Length: -1\r\n', body), 'negative Content-Length');
    await expectRefused(post('/api/v1/auth/login', `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 3\r\n`, body), 'two Content-Lengths');
    await expectRefused(post('/api/v1/auth/login', `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n`, body), 'Content-Length and chunked');
    await expectRefused(post('/api/v1/auth/login', 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', `zz\r\n${body}\r\n0\r\n\r\n`), 'bad chunk size');
    await expectRefused(post('/api/v1/auth/login', 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', `5\r\n${body}\r\n0\r\n\r\n`), 'chunk longer than its size');
    await expectRefused('GARBAGE\r\n\r\n', 'garbage request line');
    await expectRefused('GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', 'unknown HTTP version');
    await expectRefused('GET /healthz\u0000 HTTP/1.1\r\nHost: x\r\n\r\n', 'NUL in the request line');
    await expectRefused('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad\u0000: 1\r\n\r\n', 'NUL in a header name');
    await expectRefused('GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n', 'header without colon');
    await expectRefused(`GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 'oversized headers', 431);
    await expectRefused(`GET /api/v1/accounts/%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`, 'bad percent-encoding in the path');
    await expectRefused(`GET /api/v1/accounts/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`, 'over-long path parameter');
    await expectRefused(post('/api/v1/accounts', 'Content-Type: application/xml\r\nContent-Length: 7\r\n', '<a></a>'), 'XML body', 415);
    await expectRefused(post('/api/v1/accounts', 'Content-Length: 2\r\n', '{}'), 'body without Content-Type', 415);
  });

  it('still serves after the malformed requests', async () => {
    process.stdout.write(`robustness over a socket: ${sent} malformed requests\n`);
    expect(sent).toBeGreaterThanOrEqual(50);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe('admin');
    const created = await fetch(`${server.url}/api/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'after-the-socket-storm' }) });
    expect(created.status).toBe(201);
  });
});
