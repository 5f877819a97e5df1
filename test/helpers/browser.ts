/**
 * Browser tests of the dashboard: Debian's Chromium (/usr/bin/chromium, installed by .ci/run)
 * driven by playwright-core, against a real `patchwarden server` (in-process, a real port, SQLite
 * data dir, its local agent on a throw-away apt root) that serves the built dashboard.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { runServer, type ServerProcess } from '../../src/cli/commands/server.command.js';
import { createLogger } from '../../src/server/app.js';
import { loadServerConfig } from '../../src/server/config.js';
import { ADMIN_PASSWORD } from './app.js';
import { testWebRoot } from './web-build.js';

export { testWebRoot };

export const CHROMIUM = '/usr/bin/chromium';

/** Is Debian's Chromium installed? (`apt-get install chromium`; .ci/run does.) */
export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/**
 * Chromium, headless, as this machine allows it: as root it needs --no-sandbox, and without the
 * background-networking flags it keeps trying to reach Google through a closed network.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
      '--metrics-recording-only',
      '--no-default-browser-check',
    ],
  });
}

/** A fresh browser context (own cookies) with a laptop-sized window; page errors fail loudly. */
export async function newContext(browser: Browser, baseURL: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1440, height: 900 }, locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of (40[0-9]|409|429)/.test(msg.text())) errors.push(`console error: ${msg.text()}`);
  });
  return { context, page, errors };
}

/** Signs in through the sign-in form and waits for the signed-in frame. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('current-user').waitFor();
}

export interface DashboardServer {
  url: string;
  proc: ServerProcess;
  stop(): Promise<void>;
}

/**
 * `patchwarden server` in-process on a free port with the bootstrap admin (ADMIN_PASSWORD), the
 * dashboard from testWebRoot(), and the local agent managing `localAgentRoot` (a throw-away apt
 * root; omit it to run without the local agent).
 */
export async function startDashboardServer(opts: { dataDir: string; localAgentRoot?: string; env?: Record<string, string> }): Promise<DashboardServer> {
  const config = loadServerConfig({
    env: {
      PATCHWARDEN_DATA_DIR: opts.dataDir,
      PATCHWARDEN_PORT: '0',
      PATCHWARDEN_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PATCHWARDEN_AGENT_POLL_CHECK_MS: '100',
      PATCHWARDEN_WEB_ROOT: testWebRoot(),
      ...(opts.localAgentRoot === undefined ? { PATCHWARDEN_LOCAL_AGENT: 'false' } : { PATCHWARDEN_LOCAL_AGENT_ROOT: opts.localAgentRoot }),
      ...opts.env,
    },
  });
  const proc = await runServer(config, { out: { write: () => true } as unknown as NodeJS.WritableStream, logger: createLogger('silent') });
  return { url: proc.server.url, proc, stop: () => proc.stop() };
}
