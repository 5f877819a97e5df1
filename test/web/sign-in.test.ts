import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD } from '../helpers/app.js';
import { chromiumAvailable, launchBrowser, newContext, signIn, startDashboardServer, type DashboardServer } from '../helpers/browser.js';
import { requireComponent } from '../helpers/components.js';

const available = requireComponent('Chromium', chromiumAvailable(), 'install Debian\'s Chromium: apt-get install chromium');

describe.runIf(available)('dashboard sign-in', () => {
  let work: string;
  let server: DashboardServer;
  let browser: Browser;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pw-web-'));
    server = await startDashboardServer({ dataDir: join(work, 'data') });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('refuses a wrong password in plain words, then signs in and out', async () => {
    const { context, page, errors } = await newContext(browser, server.url);
    await page.goto('/');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.locator('.error-box');
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toMatch(/Sign-in failed.*(password|username)/i);
    await signIn(page, 'admin', ADMIN_PASSWORD);
    expect(await page.getByTestId('current-user').textContent()).toContain('admin');
    // A deep link loads the application (the server answers index.html for it).
    await page.goto('/nodes');
    await page.getByTestId('current-user').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // The session cookie is gone: the API refuses.
    const status = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    expect(status).toBe(401);
    expect(errors.filter((e) => !e.includes('401'))).toEqual([]);
    await context.close();
  });

  it('signs in with the keyboard alone and lands on the overview with a skip link to the content', async () => {
    const { context, page } = await newContext(browser, server.url);
    await page.goto('/');
    await page.getByLabel('Username').waitFor();
    // The username field has the focus on arrival; Tab moves to the password, Enter submits.
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByTestId('current-user').waitFor();
    expect(await page.title()).toMatch(/Patchwarden/);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<string>('document.activeElement?.textContent ?? ""');
    expect(focused).toBe('Skip to content');
    await context.close();
  });

  it('makes a user who must change the password do so first, then lets them in', async () => {
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const created = await fetch(`${server.url}/api/v1/users`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'newcomer', password: 'first-password-123', mustChangePassword: true }),
    });
    expect(created.status).toBe(201);

    const { context, page } = await newContext(browser, server.url);
    await page.goto('/');
    await page.getByLabel('Username').fill('newcomer');
    await page.getByLabel('Password', { exact: true }).fill('first-password-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Change password' }).waitFor();
    // Too short: the server's rule, in plain words.
    await page.getByLabel('New password').fill('short');
    await page.getByLabel('New password').evaluate((el: { removeAttribute(name: string): void }) => {
      el.removeAttribute('minlength');
    });
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('.error-box').waitFor();
    expect(await page.locator('.error-box').textContent()).toMatch(/12 characters/);
    await page.getByLabel('New password').fill('a-much-better-password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByTestId('current-user').waitFor();
    expect(await page.getByTestId('current-user').textContent()).toContain('newcomer');
    await context.close();
  });
});
