/**
 * `npm run screenshots`: takes the screenshots of the dashboard in docs/images/ from a real server
 * with a demonstration fleet — the benchmark's synthetic Debian fleet (PATCHWARDEN_SHOT_NODES,
 * default 400 nodes in ten accounts, evaluated by the real compliance code) with 30 days of trend,
 * plus this machine as the local node (scan-only, through the real apt), a Scan command, a custom
 * baseline and a runbook execution waiting for approval. Needs Debian's Chromium.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { seedFleet } from '../bench/compliance.bench.js';
import { runServer } from '../src/cli/commands/server.command.js';
import { createLogger } from '../src/server/app.js';
import { loadServerConfig, sqliteFileOf } from '../src/server/config.js';
import { bootstrap } from '../src/server/services/bootstrap.js';
import { ComplianceService } from '../src/server/services/compliance.service.js';
import { createStore, migrateToLatest, openDatabase } from '../src/store/index.js';
import { launchBrowser } from '../test/helpers/browser.js';

const REPO = resolve(import.meta.dirname, '..');
const OUT = join(REPO, 'docs/images');
const NODES = Number(process.env.PATCHWARDEN_SHOT_NODES ?? 400);
const PASSWORD = 'screenshot-admin-password';

function log(message: string): void {
  process.stdout.write(`screenshots: ${message}\n`);
}

async function api<T>(url: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

async function shot(page: Page, name: string, path: string, ready: (page: Page) => Promise<unknown>): Promise<void> {
  await page.goto(path);
  await ready(page);
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  log(`docs/images/${name}.png`);
}

execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit' });
mkdirSync(OUT, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'pw-shots-'));
try {
  const env = {
    PATCHWARDEN_DATA_DIR: join(work, 'data'),
    PATCHWARDEN_PORT: '0',
    PATCHWARDEN_ADMIN_PASSWORD: PASSWORD,
    PATCHWARDEN_LOG_LEVEL: 'silent',
    PATCHWARDEN_AGENT_POLL_CHECK_MS: '200',
  };
  const config = loadServerConfig({ env });
  const handle = openDatabase({ url: config.databaseUrl, sqliteFile: sqliteFileOf(config) });
  await migrateToLatest(handle);
  const store = createStore(handle);
  const deps = { store, clock: () => new Date(), config, logger: pino({ level: 'silent' }) };
  await bootstrap(deps, PASSWORD);
  const org = await store.organizations.get();
  await seedFleet(store, handle.db, 'sqlite', { nodes: NODES, packages: 300, organizationId: org!.id });
  await new ComplianceService(deps).evaluateFleet();
  // 30 days of trend before today: the fleet got better week by week (demonstration data).
  const today = await sql<{ day: string; account_id: string; compliant: number; non_compliant: number; unknown: number; overdue_nodes: number }>`select * from compliance_daily`.execute(handle.db);
  for (const row of today.rows) {
    for (let d = 1; d <= 30; d++) {
      const day = new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
      const worse = Math.min(row.compliant, Math.round((row.compliant * d) / 40));
      await sql`insert into compliance_daily (day, account_id, compliant, non_compliant, unknown, overdue_nodes) values (${day}, ${row.account_id}, ${row.compliant - worse}, ${row.non_compliant + worse}, ${row.unknown}, ${row.overdue_nodes + Math.round(worse / 3)})`.execute(handle.db);
    }
  }
  await store.close();
  log(`seeded ${NODES} nodes`);

  const proc = await runServer(config, { out: { write: () => true } as unknown as NodeJS.WritableStream, logger: createLogger('silent') });
  const url = proc.server.url;
  const browser = await launchBrowser();
  try {
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
    const tokenResponse = await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'screenshots' }) });
    const token = ((await tokenResponse.json()) as { token: string }).token;

    // The local node: this machine, scanned through the real apt by the server's local agent.
    let local: { id: string; accountId: string } | undefined;
    let scanId: string | undefined;
    for (let i = 0; i < 120 && local === undefined; i++) {
      const nodes = await api<{ items: { id: string; accountId: string }[] }>(url, token, 'GET', '/api/v1/nodes?tag=patchwarden:local=true', undefined);
      local = nodes.items[0];
      if (local === undefined) await new Promise((r) => setTimeout(r, 500));
    }
    if (local !== undefined) {
      const command = await api<{ id: string }>(url, token, 'POST', `/api/v1/accounts/${local.accountId}/commands`, { document: 'Scan', targets: { nodeIds: [local.id] } });
      log(`scan of the local node: ${command.id}`);
      scanId = command.id;
    }

    const context = await browser.newContext({ baseURL: url, viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    await shot(page, 'dashboard-sign-in', '/', (p) => p.getByRole('button', { name: 'Sign in' }).waitFor());
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid=overview][aria-busy=false]').waitFor({ timeout: 30_000 });
    await shot(page, 'dashboard-overview', '/', (p) => p.locator('[data-testid=overview][aria-busy=false]').waitFor());
    await shot(page, 'dashboard-nodes', '/nodes?complianceStatus=NON_COMPLIANT', (p) => p.locator('table tbody tr').first().waitFor());
    await shot(page, 'dashboard-node', '/nodes/node_bench_000000', (p) => p.getByRole('heading', { level: 1 }).waitFor());
    await shot(page, 'dashboard-patches', '/patches', (p) => p.locator('table tbody tr').first().waitFor());
    await shot(page, 'dashboard-baselines', '/baselines', (p) => p.locator('table tbody tr').first().waitFor());
    await shot(page, 'dashboard-operations', '/operations/new', (p) => p.getByRole('heading', { level: 1 }).waitFor());
    if (scanId !== undefined) {
      // The real scan of this machine through apt takes a little while.
      for (let i = 0; i < 180; i++) {
        const c = await api<{ status: string }>(url, token, 'GET', `/api/v1/commands/${scanId}`, undefined);
        if (!['Pending', 'InProgress'].includes(c.status)) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      await shot(page, 'dashboard-command', `/commands/${scanId}`, (p) => p.getByRole('heading', { level: 1 }).waitFor());
    }
    await shot(page, 'dashboard-activations', '/admin/activations', (p) => p.getByRole('heading', { level: 1 }).waitFor());
    await context.close();
  } finally {
    await browser.close();
    await proc.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
