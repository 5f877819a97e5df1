import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD } from '../helpers/app.js';
import { chromiumAvailable, launchBrowser, newContext, signIn, startDashboardServer, type DashboardServer } from '../helpers/browser.js';
import { requireComponent } from '../helpers/components.js';

const available = requireComponent('Chromium', chromiumAvailable(), 'install Debian\'s Chromium: apt-get install chromium');

const ACCOUNT = 'web-admin-test';
const VIEWER = 'vera.viewer';
const VIEWER_PASSWORD = 'viewer-password-for-tests';

/** The text of the table row holding `text` (waits for it). */
async function rowText(page: Page, tableTestId: string, text: string): Promise<string> {
  const row = page.getByTestId(tableTestId).locator('tbody tr', { hasText: text }).first();
  await row.waitFor({ timeout: 10_000 });
  return (await row.textContent()) ?? '';
}

describe.runIf(available)('dashboard administration', () => {
  let work: string;
  let server: DashboardServer;
  let browser: Browser;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pw-web-admin-'));
    server = await startDashboardServer({ dataDir: join(work, 'data') });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('lets an admin create an account, a user, a token, an activation and a window, audits them, and shows a viewer none of it', async () => {
    const { context, page, errors } = await newContext(browser, server.url);
    await signIn(page, 'admin', ADMIN_PASSWORD);

    // ---- an account, created in the browser ----
    await page.getByRole('link', { name: 'Accounts', exact: true }).click();
    await page.getByRole('button', { name: 'New account' }).click();
    await page.getByLabel('Account name').fill(ACCOUNT);
    await page.getByLabel('Description').fill('made by the browser test');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText(`The account ${ACCOUNT} was created.`).waitFor();
    expect(await rowText(page, 'accounts-table', ACCOUNT)).toContain('made by the browser test');
    await page.getByTestId('members').getByText('Nobody has a role here yet').waitFor();
    const accountId = new URL(page.url()).searchParams.get('account');
    expect(accountId).toMatch(/^[A-Za-z0-9_-]+$/);

    // ---- a user with a viewer role in it (password known, no change forced) ----
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByTestId('create-user');
    await form.getByLabel('Username').fill(VIEWER);
    await form.getByLabel('Display name').fill('Vera Viewer');
    await form.getByLabel('Email').fill('vera@example.com');
    await form.getByLabel('Initial password').fill(VIEWER_PASSWORD);
    await form.getByLabel('Must change the password at first sign-in').uncheck();
    await form.getByRole('button', { name: 'Add account role' }).click();
    await form.getByLabel('Account 1', { exact: true }).selectOption({ label: ACCOUNT });
    await form.getByLabel('Role in account 1').selectOption('viewer');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`The user ${VIEWER} was created.`).waitFor();
    const userRow = await rowText(page, 'users-table', VIEWER);
    expect(userRow).toContain(`${ACCOUNT}: viewer`);
    expect(userRow).toContain('Vera Viewer');
    expect(userRow).not.toContain('must change password');

    // ---- an API token: the secret once, then only its prefix ----
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('button', { name: 'New token' }).click();
    await page.getByLabel('Token name').fill('browser-ci');
    await page.getByLabel('Expires after (days)').fill('7');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secretBox = page.getByTestId('token-secret');
    await secretBox.waitFor();
    expect(await secretBox.textContent()).toMatch(/shown only once/i);
    const secret = ((await secretBox.getByLabel('API token', { exact: true }).textContent()) ?? '').trim();
    expect(secret).toMatch(/^pw_tok_/);
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe('admin');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await secretBox.waitFor({ state: 'detached' });
    const tokenRow = await rowText(page, 'tokens-table', 'browser-ci');
    const prefix = ((await page.getByTestId('tokens-table').locator('tr', { hasText: 'browser-ci' }).getByTestId('token-prefix').textContent()) ?? '').replace('…', '');
    expect(secret.startsWith(prefix)).toBe(true);
    expect(prefix.length).toBeLessThan(secret.length);
    expect(tokenRow).toContain('active');
    expect(await page.locator('main').textContent()).not.toContain(secret);

    // ---- an activation: the command carries its id and code, and the code enrolls ----
    await page.getByRole('link', { name: 'Enroll nodes' }).click();
    await page.getByLabel('Account', { exact: true }).selectOption({ label: ACCOUNT });
    await page.getByRole('button', { name: 'New activation' }).click();
    await page.getByLabel('Description').fill('browser test hosts');
    await page.getByLabel('Registration limit').fill('2');
    await page.getByLabel('Default tags').fill('env=test');
    await page.getByRole('button', { name: 'Create activation' }).click();
    const instructions = page.getByTestId('enroll-instructions');
    await instructions.waitFor();
    const command = ((await instructions.getByLabel('Enroll command', { exact: true }).textContent()) ?? '').trim();
    const activationId = ((await instructions.getByTestId('activation-id').textContent()) ?? '').trim();
    const activationCode = ((await instructions.getByTestId('activation-code').textContent()) ?? '').trim();
    expect(activationId).not.toBe('');
    expect(activationCode).not.toBe('');
    expect(command).toBe(
      `curl -fsSL ${server.url}/downloads/patchwarden-agent.mjs -o patchwarden-agent.mjs && sudo node patchwarden-agent.mjs enroll --server ${server.url} --activation-id ${activationId} --activation-code ${activationCode}`,
    );
    expect(await instructions.getByLabel('Service command', { exact: true }).textContent()).toContain('sudo node patchwarden-agent.mjs install-service');
    // The copied id and code really enroll a host (as the agent would).
    const copiedId = /--activation-id (\S+)/.exec(command)?.[1];
    const copiedCode = /--activation-code (\S+)/.exec(command)?.[1];
    const enrolled = await fetch(`${server.url}/api/v1/agent/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        activationId: copiedId,
        activationCode: copiedCode,
        hostname: 'browser-test-host',
        platform: { osId: 'debian', osIdLike: [], version: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', arch: 'amd64', packageManager: 'apt', ecosystem: 'Debian:12' },
        agentVersion: '0.1.0',
      }),
    });
    expect(enrolled.status).toBe(201);
    const node = (await enrolled.json()) as { nodeId: string; accountId: string };
    expect(node.accountId).toBe(accountId);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.goto(`/admin/activations?account=${accountId}`);
    const activationRow = await rowText(page, 'activations-table', activationId);
    expect(activationRow).toContain('1 of 2');
    expect(activationRow).toContain('env=test');
    expect(activationRow).toContain('active');

    // ---- a maintenance window: the server's validation in words, then tasks and its schedule ----
    await page.goto('/windows/new');
    const windowForm = page.getByTestId('window-form');
    await windowForm.getByLabel('Account', { exact: true }).selectOption({ label: ACCOUNT });
    await windowForm.getByLabel('Name', { exact: true }).fill('sunday-night');
    await windowForm.getByLabel('Schedule', { exact: true }).fill('cron(0 2 ? * SUN *)');
    await windowForm.getByLabel('Time zone').fill('Europe/Berlin');
    await windowForm.getByLabel('Duration (hours)').fill('2');
    await windowForm.getByLabel('Cutoff (hours)').fill('2');
    await windowForm.getByRole('button', { name: 'Create window' }).click();
    const cutoffError = windowForm.locator('.field-error', { hasText: 'must be less than durationHours' });
    await cutoffError.waitFor();
    await windowForm.getByLabel('Cutoff (hours)').fill('1');
    await windowForm.getByRole('button', { name: 'Create window' }).click();
    await page.getByTestId('window-page').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('sunday-night');
    await page.getByLabel('Task name').fill('weekly-scan');
    await page.getByRole('button', { name: 'Add task' }).click();
    await page.getByText('The task weekly-scan was added.').waitFor();
    // The notice comes with the POST's answer; the table follows when the window is read again.
    await page.getByTestId('window-tasks').locator('tbody tr', { hasText: 'weekly-scan' }).waitFor();
    expect(await page.getByTestId('window-tasks').textContent()).toContain('weekly-scan');
    const upcoming = page.getByTestId('window-upcoming').locator('tbody tr');
    await upcoming.nth(9).waitFor();
    expect(await upcoming.count()).toBe(10);
    // Every instance starts at 02:00 Berlin time on a Sunday.
    for (const time of await upcoming.locator('td:first-child time').all()) {
      const text = (await time.getAttribute('datetime')) ?? '';
      expect(text).toMatch(/T0[23]:00:00\+0[12]:00$/);
      expect(new Date(text).getUTCDay()).toBe(0);
    }
    expect(await upcoming.first().locator('td').first().textContent()).toMatch(/^Sun \d{4}-\d{2}-\d{2} 0[23]:00 \(\+0[12]:00\)$/);

    // ---- the audit log lists what was done, with details ----
    await page.getByRole('link', { name: 'Audit log' }).click();
    const audit = page.getByTestId('audit-table');
    await audit.locator('tbody tr', { hasText: 'account.create' }).first().waitFor();
    expect(await audit.locator('tbody tr', { hasText: 'token.create' }).count()).toBeGreaterThan(0);
    expect(await audit.locator('tbody tr', { hasText: 'activation.create' }).count()).toBeGreaterThan(0);
    // Newest first: the window's task was added after the account was created.
    const actions = await audit.locator('tbody tr td:nth-child(3)').allTextContents();
    expect(actions.indexOf('window.task.add')).toBeLessThan(actions.indexOf('account.create'));
    await page.getByLabel('Action', { exact: true }).fill('account.create');
    await page.getByLabel('Action', { exact: true }).press('Enter');
    await page.waitForURL(/action=account\.create/);
    await audit.locator('tbody tr', { hasText: 'token.create' }).waitFor({ state: 'detached' });
    const accountRow = audit.locator('tbody tr', { hasText: 'account.create' }).first();
    await accountRow.getByRole('button', { name: /Details of entry/ }).click();
    expect(await accountRow.locator('.audit-detail').textContent()).toContain(ACCOUNT);
    expect(await accountRow.textContent()).toContain('admin');
    expect(errors).toEqual([]);
    await context.close();

    // ---- the viewer: nothing to administer, and the server refuses a change ----
    const viewer = await newContext(browser, server.url);
    const vp = viewer.page;
    await signIn(vp, VIEWER, VIEWER_PASSWORD);
    const nav = vp.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'Users', exact: true }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: 'Enroll nodes' }).count()).toBe(0);
    await nav.getByRole('link', { name: 'Accounts', exact: true }).click();
    expect(await rowText(vp, 'accounts-table', ACCOUNT)).toContain(ACCOUNT);
    expect(await vp.getByRole('button', { name: 'New account' }).count()).toBe(0);
    expect(await vp.getByRole('button', { name: /^(Delete|Rename) / }).count()).toBe(0);
    await vp.getByRole('button', { name: `Members of ${ACCOUNT}` }).click();
    expect(await rowText(vp, 'members-table', VIEWER)).toContain('viewer');
    expect(await vp.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    expect(await vp.getByLabel(`Role of ${VIEWER}`).count()).toBe(0);
    await vp.goto('/admin/activations');
    await vp.getByText('You administer no account.').waitFor();
    expect(await vp.getByRole('button', { name: 'New activation' }).count()).toBe(0);
    expect(await vp.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    await vp.goto('/windows');
    await vp.getByTestId('windows-table').locator('tbody tr', { hasText: 'sunday-night' }).waitFor();
    expect(await vp.getByRole('link', { name: 'New window' }).count()).toBe(0);
    const refused = await vp.evaluate(async (account) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const res = await fetch(`/api/v1/accounts/${account}/activations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ registrationLimit: 1 }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    }, accountId);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(viewer.errors).toEqual([]);
    await viewer.context.close();
  });
});
