import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importAdvisories } from '../../src/advisories/importers/index.js';
import type { ApiClient } from '../../src/cli/client.js';
import { endpoints } from '../../src/contracts/api.js';
import { opensslAdvisory } from '../compliance/helpers.js';
import { ADMIN_PASSWORD } from '../helpers/app.js';
import { aptOnRoot, aptToolsAvailable, buildDeb, buildRepo, makeWorkDir, mkroot, testDriver } from '../helpers/apt-root.js';
import { chromiumAvailable, launchBrowser, newContext, signIn, startDashboardServer, type DashboardServer } from '../helpers/browser.js';
import { requireComponent } from '../helpers/components.js';
import { signInAdmin, type RawApi } from '../helpers/automation.js';
import { until } from '../helpers/processes.js';
import { curlUpdate, libxml2SecurityUpdate, opensslSecurityUpdate, seedAccount, type SeedNode } from '../helpers/seed-fleet.js';

/** FLEET_SHOTS=dir: screenshots of each page (to look at the layout). */
const shot = async (page: Page, name: string) => {
  if (process.env.FLEET_SHOTS !== undefined) await page.screenshot({ path: join(process.env.FLEET_SHOTS, `${name}.png`), fullPage: true });
};

const available =
  requireComponent('Chromium', chromiumAvailable(), "install Debian's Chromium: apt-get install chromium") &&
  requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');

/** What we seed, and what compliance must make of it under the predefined Debian baseline (security updates approved at once). */
const FLEET: Record<string, SeedNode[]> = {
  'eu-prod': [
    { hostname: 'eu-web-1', updates: [opensslSecurityUpdate()] },
    { hostname: 'eu-web-2', updates: [opensslSecurityUpdate(), curlUpdate()] },
    { hostname: 'eu-db-1', updates: [] },
  ],
  'us-staging': [
    { hostname: 'us-app-1', updates: [] },
    { hostname: 'us-app-2', updates: [curlUpdate()] },
    { hostname: 'us-app-3', updates: [libxml2SecurityUpdate()] },
  ],
};
/** Our own expectation: a node with a pending security update is non-compliant, every other one compliant. */
const expected = (nodes: SeedNode[]) => {
  const nonCompliant = nodes.filter((n) => n.updates.some((u) => u.security)).length;
  return { nodes: nodes.length, compliant: nodes.length - nonCompliant, nonCompliant };
};

describe.runIf(available)('dashboard: overview, nodes and node page over a seeded fleet', () => {
  let work: string;
  let server: DashboardServer;
  let browser: Browser;
  let client: ApiClient;
  let raw: RawApi;
  let localNode: { id: string; hostname: string; accountId: string };
  const accountIds: Record<string, string> = {};

  type Listed = { total: number; items: { id: string; hostname: string; accountId: string; tags: Record<string, string>; packageCount: number }[] };
  const nodesOf = (query = ''): Promise<Listed> => raw.get<Listed>(`/api/v1/nodes?${query}`);

  beforeAll(async () => {
    work = makeWorkDir('pw-web-fleet-');
    // A throw-away apt root for the server's local agent: demo-lib 1.0-1 installed, 1.0-2 available (not a security update).
    const pool = join(work, 'pool');
    mkdirSync(pool, { recursive: true });
    const repo = buildRepo(join(work, 'repo'), [buildDeb(pool, { name: 'demo-lib', version: '1.0-1' }), buildDeb(pool, { name: 'demo-lib', version: '1.0-2' })], {
      origin: 'Demo',
      label: 'Demo',
      suite: 'bookworm',
      codename: 'bookworm',
    });
    const root = mkroot(join(work, 'root'), [repo]);
    const driver = testDriver(root, join(work, 'apt-state'));
    await aptOnRoot(driver, 'apt-get', ['update', '-q']);
    await aptOnRoot(driver, 'apt-get', ['install', '-y', '-q', 'demo-lib=1.0-1']);
    server = await startDashboardServer({ dataDir: join(work, 'data'), localAgentRoot: root });
    browser = await launchBrowser();
    ({ client, api: raw } = await signInAdmin(server.url));
    localNode = await until(
      'the local node with its inventory',
      async () => {
        const page = await nodesOf();
        const n = page.items.find((i) => i.tags['patchwarden:local'] === 'true');
        return n !== undefined && n.packageCount > 0 ? n : undefined;
      },
      30_000,
    );
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  /** Runs `action` and waits for the list request it causes and the page to settle. */
  const afterList = async (page: Page, testId: string, match: (url: URL) => boolean, action: () => Promise<unknown>): Promise<void> => {
    const response = page.waitForResponse((r: Response) => {
      const u = new URL(r.url());
      return u.pathname === '/api/v1/nodes' && match(u);
    });
    await action();
    await response;
    await page.locator(`[data-testid=${testId}][aria-busy=false]`).waitFor();
  };
  const hostnames = async (page: Page): Promise<string[]> => (await page.locator('[data-testid=nodes-table] tbody tr td:nth-child(2) a').allTextContents()).map((s) => s.trim());

  it('first run: the overview shows the local node and creates an enroll command', async () => {
    const { context, page, errors } = await newContext(browser, server.url);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.locator('[data-testid=overview][aria-busy=false]').waitFor({ timeout: 15_000 });
    const card = page.getByTestId('first-run');
    await card.waitFor();
    expect(await card.getByRole('heading', { name: 'Enroll your servers' }).count()).toBe(1);
    const link = page.getByTestId('local-node').getByRole('link');
    expect((await link.textContent())?.trim()).toBe(localNode.hostname);
    expect(await link.getAttribute('href')).toBe(`/nodes/${localNode.id}`);

    await card.getByRole('button', { name: 'Create enrollment command' }).click();
    const command = page.getByLabel('Enroll command', { exact: true });
    await command.waitFor();
    const text = (await command.textContent()) ?? '';
    const id = /--activation-id (\S+)/.exec(text)?.[1];
    expect(id).toBeDefined();
    expect(text).toContain(`curl -fsSL ${server.url}/downloads/patchwarden-agent.mjs -o patchwarden-agent.mjs && sudo node patchwarden-agent.mjs enroll --server ${server.url} --activation-id ${id} --activation-code `);
    // The activation exists on the server, for the local node's account, 10 hosts.
    const activations = await client.call(endpoints.listActivations, { params: { accountId: localNode.accountId }, query: {} });
    expect(activations.items.find((a) => a.id === id)).toMatchObject({ registrationLimit: 10, state: 'active' });
    expect(await page.getByRole('link', { name: 'Administration → Activations' }).getAttribute('href')).toBe('/admin/activations');
    await shot(page, 'overview-first-run');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('after seeding: the overview counts per account, the urgent patches and the exposed CVEs', async () => {
    // An advisory for openssl, imported the way `patchwarden advisories import` does, before the inventories arrive.
    const file = join(work, 'dsa.json');
    writeFileSync(file, JSON.stringify(opensslAdvisory()));
    await importAdvisories(file, { sink: server.proc.server.store.advisories });
    for (const [name, nodes] of Object.entries(FLEET)) accountIds[name] = (await seedAccount(server.url, client, name, nodes)).accountId;
    await until('every seeded node evaluated', async () => {
      const s = await raw.get<{ totals: { nodes: number; staleNodes: number } }>('/api/v1/compliance/summary');
      return (s.totals.nodes === 7 && s.totals.staleNodes === 0) || undefined;
    });

    const { context, page, errors } = await newContext(browser, server.url);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.locator('[data-testid=overview][aria-busy=false]').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('first-run').count()).toBe(0);

    const summary = (await page.getByTestId('chart-accounts').getAttribute('aria-label')) ?? '';
    for (const [name, nodes] of Object.entries(FLEET)) {
      const e = expected(nodes);
      expect(summary).toContain(`${name}: ${e.nodes} nodes, ${e.compliant} compliant, ${e.nonCompliant} non-compliant, 0 unknown`);
    }
    // The local node reports only a non-security update: compliant.
    expect(summary).toContain('default: 1 node, 1 compliant, 0 non-compliant, 0 unknown');
    const all = Object.values(FLEET).flat();
    expect(await page.getByTestId('stat-nodes').textContent()).toBe(String(all.length + 1));
    expect(await page.getByTestId('stat-non-compliant').textContent()).toBe(String(expected(all).nonCompliant));

    // The most urgent missing patch is openssl (2 nodes), then libxml2 (1).
    const urgent = page.getByTestId('urgent-patches').locator('tbody tr');
    expect(await urgent.count()).toBe(2);
    expect(await urgent.nth(0).locator('td').nth(0).textContent()).toBe('openssl');
    expect(await urgent.nth(0).locator('td').nth(1).textContent()).toBe('2');
    expect(await urgent.nth(1).locator('td').nth(0).textContent()).toBe('libxml2');
    expect(await urgent.nth(0).getByRole('link', { name: 'openssl' }).getAttribute('href')).toBe('/patches?name=openssl');
    // The advisory's CVEs reach the two openssl nodes.
    const cves = page.getByTestId('cve-exposure').locator('tbody tr');
    const cveRows: string[][] = [];
    for (const row of await cves.all()) cveRows.push(await row.locator('td').allTextContents());
    expect(cveRows).toContainEqual(expect.arrayContaining(['CVE-2024-5535', '2']));
    expect(cveRows).toContainEqual(expect.arrayContaining(['CVE-2024-0001', '1']));
    await shot(page, 'overview');

    // A bar of the account chart opens that account's non-compliant nodes.
    await page.getByTestId('section-accounts').getByRole('link', { name: 'eu-prod' }).click();
    await page.waitForURL(/\/nodes\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('accountId')).toBe(accountIds['eu-prod']);
    expect(url.searchParams.get('complianceStatus')).toBe('NON_COMPLIANT');
    await page.locator('[data-testid=nodes-page][aria-busy=false]').waitFor();
    expect(await hostnames(page)).toEqual(['eu-web-1', 'eu-web-2']);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the nodes table filters by account, compliance status and search', async () => {
    const { context, page, errors } = await newContext(browser, server.url);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.goto('/nodes');
    await page.locator('[data-testid=nodes-page][aria-busy=false]').waitFor();
    expect(await page.getByTestId('nodes-count').textContent()).toBe('7 nodes');

    await afterList(page, 'nodes-page', (u) => u.searchParams.get('accountId') === accountIds['us-staging'], () => page.getByLabel('Account').selectOption({ label: 'us-staging' }));
    expect(await hostnames(page)).toEqual(['us-app-1', 'us-app-2', 'us-app-3']);
    expect(await page.getByTestId('nodes-count').textContent()).toBe('3 nodes match these filters');

    await afterList(page, 'nodes-page', (u) => u.searchParams.get('complianceStatus') === 'COMPLIANT', () => page.getByLabel('Compliance').selectOption('COMPLIANT'));
    expect(await hostnames(page)).toEqual(['us-app-1', 'us-app-2']);
    expect(new URL(page.url()).searchParams.get('complianceStatus')).toBe('COMPLIANT');

    await afterList(page, 'nodes-page', (u) => !u.searchParams.has('accountId'), () => page.getByRole('button', { name: 'Clear filters' }).click());
    expect(await hostnames(page)).toHaveLength(7);

    await afterList(page, 'nodes-page', (u) => u.searchParams.get('q') === 'web', () => page.getByLabel('Search').fill('web'));
    expect(await hostnames(page)).toEqual(['eu-web-1', 'eu-web-2']);
    await afterList(page, 'nodes-page', (u) => u.searchParams.get('complianceStatus') === 'NON_COMPLIANT', () => page.getByLabel('Compliance').selectOption('NON_COMPLIANT'));
    expect(await hostnames(page)).toEqual(['eu-web-1', 'eu-web-2']);
    await afterList(page, 'nodes-page', (u) => u.searchParams.get('q') === 'app', () => page.getByLabel('Search').fill('app'));
    expect(await hostnames(page)).toEqual(['us-app-3']);
    // A linkable list: the filters are in the address.
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ complianceStatus: 'NON_COMPLIANT', q: 'app' });
    const row = page.getByTestId('nodes-table').locator('tbody tr').first();
    expect(await row.textContent()).toMatch(/us-staging.*debian 12.*NON COMPLIANT/);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.locator('[data-testid=nodes-page][aria-busy=false]').waitFor();
    await shot(page, 'nodes');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a node page shows the missing patch with its CVE and advisory, the history, and lets an operator scan (a viewer cannot)', async () => {
    const { context, page, errors } = await newContext(browser, server.url);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.goto(`/nodes?${new URLSearchParams({ q: 'eu-web-1' }).toString()}`);
    await page.getByRole('link', { name: 'eu-web-1' }).click();
    await page.locator('[data-testid=node-page][aria-busy=false]').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('eu-web-1');
    expect(await page.getByTestId('node-compliance').textContent()).toBe('NON COMPLIANT');
    expect(await page.getByTestId('node-platform').textContent()).toContain('Debian GNU/Linux 12 (bookworm)');

    const patches = page.getByTestId('node-patch-table');
    await page.getByLabel('State').selectOption('MISSING');
    await page.locator('[data-testid=node-page][aria-busy=false]').waitFor();
    await patches.locator('tbody tr', { hasText: 'openssl' }).waitFor();
    const rows = patches.locator('tbody tr');
    expect(await rows.count()).toBe(1);
    const openssl = rows.first();
    expect(await openssl.textContent()).toMatch(/openssl.*MISSING.*3\.0\.11-1~deb12u2.*3\.0\.15-1~deb12u1/);
    expect(await openssl.getByRole('link', { name: 'CVE-2024-5535' }).getAttribute('href')).toBe('/advisories?cve=CVE-2024-5535');
    expect(await openssl.getByRole('link', { name: 'DSA-5764-1' }).getAttribute('href')).toBe('/advisories/DSA-5764-1');

    const history = page.getByTestId('node-history-table').locator('tbody tr');
    await history.first().waitFor();
    expect(await history.first().textContent()).toMatch(/Inventory.*NON COMPLIANT.*openssl:amd64/);

    // Scan now: a command for this node, listed among the commands that touched it.
    await page.getByRole('button', { name: 'Scan now' }).click();
    await page.getByText('Scan sent').waitFor();
    const commands = page.getByTestId('node-commands-table').locator('tbody tr', { hasText: 'Scan' });
    await commands.first().waitFor();
    expect(await commands.count()).toBe(1);
    await shot(page, 'node');
    expect(errors).toEqual([]);
    const nodeUrl = page.url();
    await context.close();

    // A viewer of the account sees the node but not "Scan now".
    await client.call(endpoints.createUser, {
      body: { username: 'eu-viewer', password: 'viewer-password-123', mustChangePassword: false, memberships: [{ accountId: accountIds['eu-prod']!, role: 'viewer' }] },
    });
    const viewer = await newContext(browser, server.url);
    await signIn(viewer.page, 'eu-viewer', 'viewer-password-123');
    await viewer.page.goto(nodeUrl);
    await viewer.page.locator('[data-testid=node-page][aria-busy=false]').waitFor();
    expect(await viewer.page.getByRole('heading', { level: 1 }).textContent()).toBe('eu-web-1');
    expect(await viewer.page.getByRole('button', { name: 'Scan now' }).count()).toBe(0);
    expect(viewer.errors).toEqual([]);
    await viewer.context.close();
  });
});
