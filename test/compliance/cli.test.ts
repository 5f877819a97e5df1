import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from '../cli/harness.js';
import { debianInventory, opensslPkg, opensslUpdate, parseCsv, pkg } from './helpers.js';
import { PLATFORM } from '../nodes/helpers.js';

describe('patchwarden compliance', () => {
  let f: CliFixture;
  let nodeId: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pw-compliance-cli-'));
    f = await startCliFixture();
    await f.loginAdmin();
    expect((await f.run(['accounts', 'create', 'fleet'])).code).toBe(0);
    const created = await f.run(['activations', 'create', '--account', 'fleet', '--json']);
    const act = jsonOf<{ id: string; activationCode: string }>(created);
    const enrolled = await fetch(`${f.url}/api/v1/agent/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ activationId: act.id, activationCode: act.activationCode, hostname: 'web-1', platform: PLATFORM, agentVersion: '0.1.0' }),
    });
    const node = (await enrolled.json()) as { nodeId: string; nodeSecret: string };
    nodeId = node.nodeId;
    const inv = debianInventory('web-1', [opensslPkg('openssl', '3.0.11-1~deb12u2'), pkg('curl', '7.88.1-10')], [opensslUpdate('3.0.11-1~deb12u2', '3.0.15-1~deb12u1')]);
    const put = await fetch(`${f.url}/api/v1/agent/inventory`, { method: 'PUT', headers: { authorization: `Bearer ${node.nodeSecret}`, 'content-type': 'application/json' }, body: JSON.stringify(inv) });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('summary, nodes, node, patch, history and trend print tables and JSON', async () => {
    const summary = await f.run(['compliance', 'summary']);
    expect(summary.code, summary.stderr).toBe(0);
    expect(summary.stdout).toMatch(/fleet .*\s1\s+0\s+1\s+0/);
    expect(summary.stdout).toContain('TOTAL');
    expect(jsonOf<{ groups: { key: string }[] }>(await f.run(['compliance', 'summary', '--by', 'patch-group', '--json'])).groups).toHaveLength(1);
    const nodes = await f.run(['compliance', 'nodes', '--status', 'NON_COMPLIANT']);
    expect(nodes.stdout).toContain('web-1');
    const node = await f.run(['compliance', 'node', nodeId, '--state', 'MISSING']);
    expect(node.code, node.stderr).toBe(0);
    expect(node.stdout).toMatch(/openssl:amd64\s+MISSING/);
    const patch = await f.run(['compliance', 'patch', '--name', 'openssl', '--json']);
    expect(jsonOf<{ items: { hostname: string }[] }>(patch).items.map((i) => i.hostname)).toEqual(['web-1']);
    expect((await f.run(['compliance', 'patch', '--summary'])).stdout).toContain('openssl');
    const missingName = await f.run(['compliance', 'patch']);
    expect(missingName.code).not.toBe(0);
    expect(missingName.stderr).toContain('--name PACKAGE or --cve');
    expect((await f.run(['compliance', 'history', nodeId])).stdout).toContain('Inventory');
    expect((await f.run(['compliance', 'trend', '--days', '7'])).stdout).toMatch(/\d{4}-\d{2}-\d{2}\s+0\s+1/);
  });

  it('export writes CSV to a file; sla show and set', async () => {
    const file = join(dir, 'nodes.csv');
    const run = await f.run(['compliance', 'export', '--report', 'nodes', '--format', 'csv', '-o', file]);
    expect(run.code, run.stderr).toBe(0);
    const rows = parseCsv(readFileSync(file, 'utf8'));
    expect(rows[0]?.[0]).toBe('Node ID');
    expect(rows[1]?.[1]).toBe('web-1');
    const json = await f.run(['compliance', 'export', '--report', 'patches', '--format', 'json', '--state', 'MISSING']);
    expect(jsonOf<{ items: unknown[] }>(json).items).toHaveLength(1);
    expect((await f.run(['compliance', 'sla', 'show'])).stdout).toMatch(/critical:\s+7 days/);
    const set = await f.run(['compliance', 'sla', 'set', '--critical', '3', '--low', 'none', '--json']);
    expect(jsonOf<{ slaDays: unknown }>(set).slaDays).toEqual({ critical: 3, high: 14, medium: 30, low: null });
  });
});
