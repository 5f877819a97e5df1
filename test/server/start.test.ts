import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/app.js';
import { loadServerConfig } from '../../src/server/config.js';
import { startServer } from '../../src/server/server.js';
import { TEST_PG_URL, testDialects } from '../helpers/databases.js';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        cb();
      },
    }),
    text: () => chunks.join(''),
  };
}

async function login(url: string, username: string, password: string): Promise<Response> {
  return fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
}

describe('first start on SQLite (the quick start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pw-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates the organization, prints the generated admin password once and never logs it', async () => {
    const out = sink();
    const logs = sink();
    const config = loadServerConfig({ env: { PATCHWARDEN_DATA_DIR: dataDir, PATCHWARDEN_PORT: '0', PATCHWARDEN_LOG_LEVEL: 'trace' } });
    const server = await startServer(config, { out: out.stream, logger: createLogger('trace', logs.stream) });
    try {
      const password = /password: (\S+)/.exec(out.text())?.[1];
      expect(password).toBeDefined();
      expect(logs.text()).not.toContain(password);
      expect(logs.text()).toContain('"msg":"organization created"');
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready', database: 'sqlite' });
      const res = await login(server.url, 'admin', password ?? '');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { user: { mustChangePassword: boolean; orgRole: string; memberships: { accountName: string }[] } };
      expect(body.user).toMatchObject({ mustChangePassword: true, orgRole: 'org-admin', memberships: [{ accountName: 'default' }] });
      expect(logs.text()).not.toContain(password);
    } finally {
      await server.stop();
    }
    // Second start: nothing created, nothing printed.
    const out2 = sink();
    const again = await startServer(config, { out: out2.stream, logger: createLogger('silent') });
    try {
      expect(out2.text()).toBe('');
    } finally {
      await again.stop();
    }
  });

  it('takes the admin password from PATCHWARDEN_ADMIN_PASSWORD without asking to change it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-start-'));
    const out = sink();
    const config = loadServerConfig({ env: { PATCHWARDEN_DATA_DIR: dir, PATCHWARDEN_PORT: '0', PATCHWARDEN_ADMIN_PASSWORD: 'chosen-admin-password' } });
    const server = await startServer(config, { out: out.stream, logger: createLogger('silent') });
    try {
      expect(out.text()).toBe('');
      const res = await login(server.url, 'admin', 'chosen-admin-password');
      expect(res.status).toBe(200);
      expect(((await res.json()) as { user: { mustChangePassword: boolean } }).user.mustChangePassword).toBe(false);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says clearly when the port is taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-start-'));
    const env = { PATCHWARDEN_DATA_DIR: dir, PATCHWARDEN_PORT: '0', PATCHWARDEN_ADMIN_PASSWORD: 'chosen-admin-password' };
    const first = await startServer(loadServerConfig({ env }), { out: sink().stream, logger: createLogger('silent') });
    try {
      const port = new URL(first.url).port;
      await expect(startServer(loadServerConfig({ env: { ...env, PATCHWARDEN_PORT: port } }), { out: sink().stream, logger: createLogger('silent') })).rejects.toThrow(
        new RegExp(`Port ${port} .* is in use`),
      );
    } finally {
      await first.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(testDialects().includes('postgres'))('[postgres] several replicas starting at once', () => {
  it('creates exactly one organization and admin when two servers start together on one database', async () => {
    const dbName = `pw_replicas_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${dbName}`;
    const env = { PATCHWARDEN_DATABASE_URL: url.toString(), PATCHWARDEN_PORT: '0', PATCHWARDEN_DATA_DIR: mkdtempSync(join(tmpdir(), 'pw-rep-')) };
    const outs = [sink(), sink()];
    const servers = await Promise.all(outs.map((o) => startServer(loadServerConfig({ env }), { out: o.stream, logger: createLogger('silent') })));
    try {
      const printed = outs.filter((o) => o.text().includes('password:'));
      expect(printed).toHaveLength(1);
      const password = /password: (\S+)/.exec(printed[0]?.text() ?? '')?.[1] ?? '';
      for (const s of servers) expect((await login(s.url, 'admin', password)).status).toBe(200);
      const check = new pg.Client({ connectionString: url.toString() });
      await check.connect();
      const counts = await check.query<{ orgs: string; users: string }>('select (select count(*) from organizations) as orgs, (select count(*) from users) as users');
      await check.end();
      expect(counts.rows[0]).toEqual({ orgs: '1', users: '1' });
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await admin.query(`drop database if exists ${dbName}`);
      await admin.end();
    }
  });
});
