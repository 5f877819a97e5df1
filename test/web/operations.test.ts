/**
 * Operations in the dashboard, end to end: a real `patchwarden server` with its local agent on a
 * throw-away apt root. An operator sends a Scan of the local node from the form and watches the
 * command page go to Success live; starts a runbook with an approve step from the form, approves it
 * with a comment on the approvals page and sees the execution succeed; denies another on its page.
 * A viewer of the same account is offered none of it, and the server refuses their direct POSTs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../src/cli/client.js';
import { endpoints } from '../../src/contracts/api.js';
import { aptOnRoot, aptToolsAvailable, buildDemoWorld, makeWorkDir, mkroot, testDriver } from '../helpers/apt-root.js';
import { signInAdmin, waitEnded, waitExecution, type Execution, type RawApi } from '../helpers/automation.js';
import { chromiumAvailable, launchBrowser, newContext, signIn, startDashboardServer, type DashboardServer } from '../helpers/browser.js';
import { requireComponent } from '../helpers/components.js';
import { until } from '../helpers/processes.js';

const chromium = requireComponent('Chromium', chromiumAvailable(), "install Debian's Chromium: apt-get install chromium");
const apt = requireComponent('apt/dpkg test tooling', aptToolsAvailable(), 'install dpkg-dev and apt-utils: apt-get install dpkg-dev apt-utils');

const OPERATOR = { username: 'olive', password: 'operator-password-123' };
const VIEWER = { username: 'victor', password: 'viewer-password-1234' };
const RUNBOOK = `name: gated-scan
description: Ask first, then scan every target node.
steps:
  - name: gate
    kind: approve
    message: Scan the fleet now?
    approvers: [${OPERATOR.username}]
  - name: scan
    kind: patch
    operation: Scan
`;

describe.runIf(chromium && apt)('dashboard operations: scan, runbooks, approvals, roles', () => {
  let work: string;
  let server: DashboardServer;
  let browser: Browser;
  let client: ApiClient;
  let raw: RawApi;
  let accountId: string;
  let node: { id: string; hostname: string };
  let runbookId: string;
  const errors: string[] = [];

  beforeAll(async () => {
    work = makeWorkDir('pw-web-ops-');
    const world = buildDemoWorld(join(work, 'world'));
    const root = mkroot(join(work, 'root'), world.sources);
    const driver = testDriver(root, join(work, 'apt-state'));
    await aptOnRoot(driver, 'apt-get', ['update', '-q']);
    await aptOnRoot(driver, 'apt-get', ['install', '-y', '-q', 'demo-lib=1.0-1']);
    server = await startDashboardServer({ dataDir: join(work, 'data'), localAgentRoot: root });
    browser = await launchBrowser();
    ({ client, api: raw } = await signInAdmin(server.url));
    const local = await until('the local node with its inventory', async () => {
      const nodes = (await client.call(endpoints.listNodes, { query: {} })).items;
      return nodes.length === 1 && nodes[0]?.packageCount !== 0 ? nodes[0] : undefined;
    });
    node = { id: local.id, hostname: local.hostname };
    accountId = local.accountId;
    // The operator and the viewer of the local node's account (no password change on first sign-in).
    for (const [u, role] of [
      [OPERATOR, 'operator'],
      [VIEWER, 'viewer'],
    ] as const) {
      await client.call(endpoints.createUser, { body: { username: u.username, password: u.password, mustChangePassword: false, memberships: [{ accountId, role }] } });
    }
    const created = await raw.ok<{ id: string }>('POST', `/api/v1/accounts/${accountId}/runbooks`, { content: RUNBOOK });
    runbookId = created.id;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  async function operatorPage(): Promise<Page> {
    const { page, errors: pageErrors } = await newContext(browser, server.url);
    pageErrors.length = 0;
    page.on('close', () => errors.push(...pageErrors));
    await signIn(page, OPERATOR.username, OPERATOR.password);
    return page;
  }

  it('an operator sends a Scan of the local node from the form and watches it succeed live', async () => {
    const page = await operatorPage();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Run scan or install' }).click();
    await page.getByRole('heading', { name: 'Run scan or install' }).waitFor();
    expect(await page.getByRole('radio', { name: /^Scan/ }).isChecked()).toBe(true);
    // Pick the node from the searchable list.
    await page.getByLabel('Find nodes').fill(node.hostname.slice(0, 4));
    await page.getByRole('list', { name: 'Matching nodes' }).getByRole('checkbox', { name: new RegExp(node.hostname) }).check();
    await page.getByRole('list', { name: 'Chosen nodes' }).getByText(node.hostname).waitFor();
    await page.getByLabel('At most at once (maxConcurrency)').fill('1');
    const summary = await page.getByTestId('operation-summary').textContent();
    expect(summary).toContain('Scan in default');
    expect(summary).toContain(node.hostname);
    expect(summary).toContain('1 node now');
    expect(summary).toContain('At most 1 node at once');
    expect(summary).toContain('stops starting more nodes at the first failure');

    // A bad rate limit is explained before anything is sent.
    await page.getByLabel('Stop after failures (maxErrors)').fill('lots');
    await page.getByRole('button', { name: 'Send scan' }).click();
    expect(await page.getByRole('alert').filter({ hasText: 'Not sent yet' }).textContent()).toContain('Stop after is a whole number of nodes');
    expect(page.url()).toContain('/operations/new');
    await page.getByLabel('Stop after failures (maxErrors)').fill('0');

    await page.getByRole('button', { name: 'Send scan' }).click();
    await page.waitForURL(/\/commands\/[^/]+$/);
    const commandId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    // Follow the status the page shows until Success, without reloading.
    const seen: string[] = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = (await page.getByTestId('command-status').textContent({ timeout: 10_000 }))?.trim() ?? '';
      if (seen.at(-1) !== text) seen.push(text);
      if (text === 'Success' || Date.now() > deadline) break;
      await page.waitForTimeout(100);
    }
    expect(seen.at(-1)).toBe('Success');
    expect(seen.every((s) => ['Pending', 'InProgress', 'Success'].includes(s))).toBe(true);
    const row = page.getByTestId('invocations-table').getByRole('row', { name: new RegExp(node.hostname) });
    await row.getByText('Success').waitFor();
    expect(await row.getByRole('link', { name: node.hostname }).getAttribute('href')).toBe(`/nodes/${node.id}`);
    expect(await page.getByRole('progressbar').first().getAttribute('aria-label')).toBe('1 of 1 ended: 1 succeeded');
    expect(await page.getByTestId('command-page').getAttribute('aria-busy')).toBe('false');
    // The API agrees.
    const command = await client.call(endpoints.getCommand, { params: { commandId } });
    expect(command).toMatchObject({ document: 'Scan', status: 'Success', targetCount: 1, maxConcurrency: '1', maxErrors: '0', createdBy: OPERATOR.username });
    expect(command.invocations.map((i) => [i.nodeId, i.status])).toEqual([[node.id, 'Success']]);
    // No cancel for a finished command; the list shows it.
    expect(await page.getByRole('button', { name: 'Cancel command' }).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Commands' }).click();
    const listRow = page.getByTestId('commands-table').getByRole('row', { name: new RegExp(commandId) });
    await listRow.waitFor();
    expect(await listRow.textContent()).toMatch(/Scan.*default.*Success.*1\/1.*1 node.*olive/);
    await page.close();
  }, 60_000);

  it('an operator starts a runbook from the form, approves it with a comment, and denies another', async () => {
    const page = await operatorPage();
    await page.goto('/operations/new?kind=runbook');
    await page.getByRole('heading', { name: 'Run a runbook' }).waitFor();
    await page.getByRole('combobox', { name: 'Runbook' }).selectOption(runbookId);
    await page.getByRole('radio', { name: 'Every node of the account' }).check();
    await page.getByLabel('Comment', { exact: true }).fill('from the browser test');
    await page.getByTestId('operation-summary').getByText('gated-scan v1').waitFor();
    expect(await page.getByTestId('operation-summary').textContent()).toContain('gate → scan');
    await page.getByRole('button', { name: 'Start execution' }).click();
    await page.waitForURL(/\/executions\/[^/]+$/);
    const executionId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await page.getByRole('heading', { name: 'Waiting for approval: gate' }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('execution-status').textContent()).toBe('Waiting');
    // Operators control it.
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    await page.getByRole('button', { name: 'Cancel execution' }).waitFor();

    // The approvals page lists it with who asked and how many approvals; approve with a comment.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    const card = page.getByTestId(`approval-${executionId}`);
    await card.waitFor();
    expect(await page.title()).toBe('Approvals (1) · Patchwarden');
    expect(await card.textContent()).toContain('Scan the fleet now?');
    expect(await card.textContent()).toContain('0 of 1 approved');
    await card.getByTestId('asked-by').getByText(OPERATOR.username).waitFor();
    await card.getByLabel('Comment').fill('canary looks fine');
    await card.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('You approved this step').waitFor();

    await page.goto(`/executions/${executionId}`);
    await page.getByTestId('execution-status').getByText('Success').waitFor({ timeout: 30_000 });
    await page.getByTestId('timeline-table').getByText(`approved by ${OPERATOR.username}: canary looks fine`).waitFor({ timeout: 10_000 });
    const scanRow = page.getByTestId('steps-table').getByRole('row', { name: /scan/ }).filter({ hasText: 'patch' });
    expect(await scanRow.textContent()).toContain('Success');
    const done = await waitEnded(raw, executionId, 10_000);
    expect(done.status).toBe('Success');
    expect((await client.call(endpoints.getExecution, { params: { executionId } })).comment).toBe('from the browser test');
    expect(done.steps.find((s) => s.stepName === 'gate')?.outputs).toMatchObject({ approvedBy: [OPERATOR.username] });

    // Another one, denied from its own page.
    const second = await raw.ok<Execution>('POST', `/api/v1/accounts/${accountId}/executions`, { runbook: 'gated-scan', targets: { allNodes: true } });
    await waitExecution(raw, second.id, (e) => e.status === 'Waiting', 'waiting for the approval', 15_000);
    await page.goto(`/executions/${second.id}`);
    const panel = page.getByTestId('approval-panel');
    await panel.getByLabel('Comment').fill('not today');
    await panel.getByRole('button', { name: 'Deny' }).click();
    await page.getByTestId('execution-status').getByText('Failed').waitFor({ timeout: 15_000 });
    const denied = await waitEnded(raw, second.id, 5_000);
    expect(denied.steps.find((s) => s.stepName === 'gate')?.status).toBe('Denied');
    await page.close();
  }, 60_000);

  it('a viewer is offered no operation and the server refuses their direct requests', async () => {
    const waiting = await raw.ok<Execution>('POST', `/api/v1/accounts/${accountId}/executions`, { runbook: 'gated-scan', targets: { allNodes: true } });
    await waitExecution(raw, waiting.id, (e) => e.status === 'Waiting', 'waiting for the approval', 15_000);
    const { page, errors: pageErrors } = await newContext(browser, server.url);
    await signIn(page, VIEWER.username, VIEWER.password);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Commands' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Run scan or install' }).count()).toBe(0);
    await page.goto('/operations/new');
    await page.getByRole('heading', { name: 'You cannot run operations' }).waitFor();
    expect(await page.getByRole('button', { name: /Send scan|Start execution/ }).count()).toBe(0);
    // The executions list has no "Run a runbook"; the waiting execution offers no control and no decision.
    await page.goto('/executions');
    await page.getByTestId('executions-table').getByRole('link', { name: waiting.id }).waitFor();
    expect(await page.getByRole('link', { name: 'Run a runbook' }).count()).toBe(0);
    await page.goto(`/executions/${waiting.id}`);
    await page.getByTestId('approval-panel').getByText('you are not one of them').waitFor();
    for (const name of ['Approve', 'Deny', 'Pause', 'Cancel execution']) expect(await page.getByRole('button', { name }).count()).toBe(0);
    await page.goto('/approvals');
    await page.getByRole('heading', { name: 'Nothing waits for you' }).waitFor();
    // The commands are visible, read-only.
    await page.goto('/commands');
    const firstCommand = page.getByTestId('commands-table').getByRole('link', { name: /^cmd_/ }).first();
    await firstCommand.click();
    await page.getByTestId('command-status').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel command' }).count()).toBe(0);

    // Straight to the API with the viewer's session and CSRF token: refused.
    const statuses = await page.evaluate(
      async ({ accountId, nodeId, executionId }) => {
        const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
        const post = async (path: string, body: unknown) =>
          (
            await fetch(path, {
              method: 'POST',
              headers: body === undefined ? { 'x-csrf-token': session.csrfToken } : { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
              ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            })
          ).status;
        return {
          command: await post(`/api/v1/accounts/${accountId}/commands`, { document: 'Scan', targets: { nodeIds: [nodeId] } }),
          execution: await post(`/api/v1/accounts/${accountId}/executions`, { runbook: 'gated-scan', targets: { allNodes: true } }),
          approval: await post(`/api/v1/executions/${executionId}/approvals`, { decision: 'approve' }),
          cancel: await post(`/api/v1/executions/${executionId}/cancel`, undefined),
        };
      },
      { accountId, nodeId: node.id, executionId: waiting.id },
    );
    expect(statuses).toEqual({ command: 403, execution: 403, approval: 403, cancel: 403 });
    expect((await client.call(endpoints.listCommands, { query: { accountId } })).items.every((c) => c.createdBy !== VIEWER.username)).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
    expect(errors).toEqual([]);
  }, 60_000);
});
