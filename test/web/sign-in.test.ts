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
});
