import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { runServer } from '../src/cli/commands/server.command.js';
import { createLogger } from '../src/server/app.js';
import { loadServerConfig, sqliteFileOf } from '../src/server/config.js';
import { bootstrap } from '../src/server/services/bootstrap.js';
import { ComplianceService } from '../src/server/services/compliance.service.js';
import { createStore, migrateToLatest, openDatabase } from '../src/store/index.js';
import { launchBrowser } from '../test/helpers/browser.js';
import { newestWebSource } from '../test/helpers/web-build.js';
import { seedFleet } from './compliance.bench.js';
import type { Benchmark } from './run.js';

const NODES = Number(process.env.PATCHWARDEN_BENCH_NODES ?? 10_000);
const PACKAGES = Number(process.env.PATCHWARDEN_BENCH_PACKAGES ?? 1_500);
const RUNS = 7;
/** The requests the overview makes after sign-in (web/src/session.tsx, web/src/pages/overview.tsx). */
const OVERVIEW_REQUESTS = [
  '/api/v1/auth/session',
  '/api/v1/accounts?limit=500&offset=0',
  '/api/v1/compliance/summary?groupBy=account',
  '/api/v1/compliance/summary?groupBy=os',
  '/api/v1/compliance/summary?groupBy=severity',
  '/api/v1/compliance/trend?days=30',
  '/api/v1/compliance/patches/summary?sort=-missing&limit=10',
  '/api/v1/compliance/cves?sort=-nodes&limit=10',
  '/api/v1/dependencies/compliance?groupBy=account',
  '/api/v1/nodes?limit=2&sort=registeredAt',
];
const PASSWORD = 'bench-admin-password';
const REPO = resolve(import.meta.dirname, '..');

function line(label: string, value: string): void {
  process.stdout.write(`  ${label.padEnd(72)} ${value}\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Builds dist/web when it is missing or older than its sources (as the tests do). */
function ensureWebBuild(): void {
  const index = join(REPO, 'dist/web/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestWebSource()) return;
  execFileSync('npm', ['run', 'build:web', '--silent'], { cwd: REPO, stdio: 'inherit' });
}

/**
 * The dashboard's overview on a seeded fleet: a real server (SQLite, the default) with
 * PATCHWARDEN_BENCH_NODES nodes (default 10,000) × PATCHWARDEN_BENCH_PACKAGES packages (1,500) —
 * the compliance benchmark's fleet, evaluated by the real compliance code — and Debian's Chromium
 * through playwright-core. Measured: from the click on "Sign in" until the overview has every
 * section's data and its charts drawn (`[data-testid=overview][aria-busy=false]`), a fresh browser
 * context (no cache) each run, median and worst of 7. Reference in the same run: the sign-in page
 * alone (load to the form ready), and the overview's API requests issued directly from Node.
 */
export const dashboard: Benchmark = {
  name: 'dashboard',
  description: `the overview of a ${NODES.toLocaleString('en')}-node fleet rendered in Chromium after sign-in (target < 1 s)`,
  async run() {
    ensureWebBuild();
    // PATCHWARDEN_BENCH_DATA_DIR: seed into that directory once and reuse it on later runs.
    const keep = process.env.PATCHWARDEN_BENCH_DATA_DIR;
    const work = keep ?? mkdtempSync(join(tmpdir(), 'pw-bench-dashboard-'));
    try {
      const env = { PATCHWARDEN_DATA_DIR: join(work, 'data'), PATCHWARDEN_PORT: '0', PATCHWARDEN_ADMIN_PASSWORD: PASSWORD, PATCHWARDEN_LOCAL_AGENT: 'false', PATCHWARDEN_LOG_LEVEL: 'silent' };
      const config = loadServerConfig({ env });

      let start = process.hrtime.bigint();
      if (keep === undefined || !existsSync(sqliteFileOf(config))) {
      const handle = openDatabase({ url: config.databaseUrl, sqliteFile: sqliteFileOf(config) });
      await migrateToLatest(handle);
      const store = createStore(handle);
      const deps = { store, clock: () => new Date(), config, logger: pino({ level: 'silent' }) };
      await bootstrap(deps, PASSWORD);
      const org = await store.organizations.get();
      await sql`pragma cache_size = -262144`.execute(handle.db);
      await seedFleet(store, handle.db, 'sqlite', { nodes: NODES, packages: PACKAGES, organizationId: org!.id });
      const evaluated = await new ComplianceService(deps).evaluateFleet();
      await store.close();
      line(`setup (not measured): ${NODES.toLocaleString('en')} nodes seeded and evaluated (${evaluated.evaluated.toLocaleString('en')})`, `${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(1)} s`);
      }

      const proc = await runServer(config, { out: { write: () => true } as unknown as NodeJS.WritableStream, logger: createLogger('silent') });
      const browser = await launchBrowser();
      try {
        const url = proc.server.url;
        const signInPage: number[] = [];
        const overview: number[] = [];
        const driverSeen: number[] = [];
        let nodesShown = '';
        for (let i = 0; i < RUNS; i++) {
          const context = await browser.newContext({ baseURL: url, viewport: { width: 1440, height: 900 } });
          // The sign-in page as a user meets it: loaded, its prefetches done, then the form filled.
          const page = await context.newPage();
          start = process.hrtime.bigint();
          await page.goto('/');
          await page.getByRole('button', { name: 'Sign in' }).waitFor();
          signInPage.push(Number(process.hrtime.bigint() - start) / 1e6);
          await page.waitForLoadState('networkidle');
          await page.getByLabel('Username').fill('admin');
          await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
          // Timed inside the page: from the click (capture listener) to the first frame painted after
          // the overview turned ready (a MutationObserver on aria-busy, then requestAnimationFrame).
          // Playwright's own wait polls at growing intervals and would add up to half a second.
          await page.evaluate(`(() => {
            const t = (window.__pwBench = { click: 0, ready: 0 });
            document.addEventListener('click', () => { if (t.click === 0) t.click = performance.now(); }, { capture: true });
            new MutationObserver(() => {
              if (t.ready === 0 && document.querySelector('[data-testid=overview][aria-busy=false]') !== null) {
                t.ready = -1;
                requestAnimationFrame(() => { t.ready = performance.now(); });
              }
            }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-busy'] });
          })()`);
          start = process.hrtime.bigint();
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.locator('[data-testid=overview][aria-busy=false]').waitFor({ timeout: 60_000 });
          await page.waitForFunction('window.__pwBench.ready > 0');
          driverSeen.push(Number(process.hrtime.bigint() - start) / 1e6);
          overview.push(await page.evaluate<number>('window.__pwBench.ready - window.__pwBench.click'));
          nodesShown = (await page.getByTestId('stat-nodes').textContent({ timeout: 1000 }).catch(() => null)) ?? '';
          await context.close();
        }
        line('reference: the sign-in page alone (navigation to form ready), median', `${median(signInPage).toFixed(0)} ms`);
        const m = median(overview);
        const worst = Math.max(...overview);
        line(`overview after sign-in, median of ${RUNS} (fresh browser context each)`, `${m.toFixed(0)} ms   (target < 1000 ms${m < 1000 ? ', met' : ', MISSED'})`);
        line(`overview after sign-in, worst of ${RUNS}`, `${worst.toFixed(0)} ms${worst < 1000 ? '' : '   (over the target)'}`);
        line(`  the same as the test driver saw it (its polling adds up to 500 ms), median`, `${median(driverSeen).toFixed(0)} ms`);
        if (nodesShown !== '') line('the overview showed', nodesShown.replace(/\s+/g, ' ').trim());

        // Reference: each of the overview's requests alone, from Node with a session (median of 5).
        const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
        const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
        let slowest = 0;
        for (const path of OVERVIEW_REQUESTS) {
          const times: number[] = [];
          for (let i = 0; i < 5; i++) {
            const s = process.hrtime.bigint();
            const r = await fetch(`${url}${path}`, { headers: { cookie } });
            await r.arrayBuffer();
            if (!r.ok) throw new Error(`${path}: ${r.status}`);
            times.push(Number(process.hrtime.bigint() - s) / 1e6);
          }
          slowest = Math.max(slowest, median(times));
          line(`reference: GET ${path} alone, median of 5`, `${median(times).toFixed(1)} ms`);
        }
        line('reference: the slowest of the overview\'s requests', `${slowest.toFixed(1)} ms`);
      } finally {
        await browser.close();
        await proc.stop();
      }
    } finally {
      if (keep === undefined) rmSync(work, { recursive: true, force: true });
    }
  },
};
