/**
 * `patchwarden baselines …` against a real listening server: create from YAML and from a
 * predefined copy, show, list, update from `show --json`, defaults, patch groups, the effective
 * baseline of a node, a preview on a real inventory, delete.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from '../cli/harness.js';
import { inventory, pkg, PLATFORM, update } from '../nodes/helpers.js';

const YAML = `# Debian production: security updates after a week, openssl at once.
name: debian-prod
description: Production Debian servers
operatingSystem: DEBIAN
approvalRules:
  - filters:
      - key: PRIORITY
        values: [required, important, standard, optional, extra]
    approveAfterDays: 7
    approveUndated: true
    complianceLevel: HIGH
approvedPatches: [openssl]
approvedPatchesComplianceLevel: CRITICAL
rejectedPatches: ["telnet*"]
rejectedPatchesAction: BLOCK
`;

describe('patchwarden baselines', () => {
  let f: CliFixture;
  let dir: string;
  let baselineId: string;
  let nodeId: string;

  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
    dir = mkdtempSync(join(tmpdir(), 'pw-baselines-cli-'));
    expect((await f.run(['accounts', 'create', 'fleet'])).code).toBe(0);
    const act = jsonOf(await f.run(['activations', 'create', '--account', 'fleet', '--tag', 'PatchGroup=web', '--json']));
    const res = await fetch(`${f.url}/api/v1/agent/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ activationId: act.id, activationCode: act.activationCode, hostname: 'web-1', platform: PLATFORM, agentVersion: '0.1.0' }),
    });
    const node = (await res.json()) as { nodeId: string; nodeSecret: string };
    nodeId = node.nodeId;
    const inv = inventory('web-1', [pkg('openssl', '3.0.11'), pkg('curl', '7.88.1-10')], [update('openssl', '3.0.11', '3.0.15', true), update('curl', '7.88.1-10', '7.88.1-10+deb12u8', false)]);
    const put = await fetch(`${f.url}/api/v1/agent/inventory`, { method: 'PUT', headers: { authorization: `Bearer ${node.nodeSecret}`, 'content-type': 'application/json' }, body: JSON.stringify(inv) });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a baseline from YAML, shows and lists it', async () => {
    writeFileSync(join(dir, 'prod.yaml'), YAML);
    const created = await f.run(['baselines', 'create', '--account', 'fleet', '--file', join(dir, 'prod.yaml')]);
    expect(created.code, created.stderr).toBe(0);
    baselineId = /Created baseline (pb_\w+) "debian-prod" for DEBIAN/.exec(created.stdout)?.[1] ?? '';
    expect(baselineId).not.toBe('');
    expect(created.stderr).toContain('baselines default set --account fleet --os DEBIAN');
    const show = await f.run(['baselines', 'show', baselineId]);
    expect(show.stdout).toMatch(/^approved patches: +openssl \(CRITICAL\)$/m);
    expect(show.stdout).toContain('rule 1: PRIORITY=required|important|standard|optional|extra; 7 day(s) after release; HIGH; security only, undated: from first seen');
    const list = await f.run(['baselines', 'list', '--os', 'DEBIAN']);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID +NAME +OS +ACCOUNT +RULES +VERSION +UPDATED$/);
    expect(list.stdout).toMatch(/^pb-predefined-debian +patchwarden-debian-default +DEBIAN +\(predefined\)/m);
    expect(list.stdout).toMatch(new RegExp(`^${baselineId} +debian-prod +DEBIAN +acct_\\w+ +1 +1 `, 'm'));
    expect(jsonOf(await f.run(['baselines', 'list', '--account', 'fleet', '--no-predefined', '--json'])).total).toBe(1);
  });

  it('reports every problem of a bad file, and refuses to change a predefined baseline', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'name: bad\noperatingSystem: DEBIAN\napprovalRules:\n  - filters: []\n  - filters: []\n    approveAfterDays: 999\n');
    const bad = await f.run(['baselines', 'create', '--account', 'fleet', '--file', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(6);
    expect(bad.stderr.split('\n').filter((l) => l.startsWith('  - ')).length).toBeGreaterThanOrEqual(2);
    writeFileSync(join(dir, 'broken.yaml'), 'name: [unclosed\n');
    expect((await f.run(['baselines', 'create', '--account', 'fleet', '--file', join(dir, 'broken.yaml')])).stderr).toContain('neither YAML nor JSON');
    writeFileSync(join(dir, 'desc.yaml'), 'description: mine\n');
    const predefined = await f.run(['baselines', 'update', 'pb-predefined-debian', '--file', join(dir, 'desc.yaml')]);
    expect(predefined.code).toBe(6);
    expect(predefined.stderr).toContain('patchwarden baselines create --from pb-predefined-debian');
  });

  it('copies a predefined baseline with --from and updates a baseline from its own JSON', async () => {
    writeFileSync(join(dir, 'strict.yaml'), 'rejectedPatches: [curl]\n');
    const copy = jsonOf(await f.run(['baselines', 'create', '--account', 'fleet', '--from', 'pb-predefined-debian', '--name', 'debian-strict', '--file', join(dir, 'strict.yaml'), '--json']));
    expect(copy).toMatchObject({ name: 'debian-strict', operatingSystem: 'DEBIAN', predefined: false, rejectedPatches: ['curl'] });
    expect(copy.approvalRules.length).toBeGreaterThan(0);
    expect((await f.run(['baselines', 'create', '--account', 'fleet', '--from', 'pb-predefined-debian'])).code).toBe(2);
    const shown = await f.run(['baselines', 'show', baselineId, '--json']);
    writeFileSync(join(dir, 'edit.json'), shown.stdout.replace('Production Debian servers', 'Production Debian, edited'));
    const updated = await f.run(['baselines', 'update', baselineId, '--file', join(dir, 'edit.json')]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain('to version 2');
    expect(jsonOf(await f.run(['baselines', 'show', baselineId, '--json'])).description).toBe('Production Debian, edited');
  });

  it('sets defaults and patch groups, and says which baseline applies to a node and why', async () => {
    let effective = await f.run(['baselines', 'effective', nodeId]);
    expect(effective.stdout).toMatch(/^source: +predefined$/m);
    expect(effective.stdout).toMatch(/^patchGroup +skipped +- +patch group "web" has no baseline registered for DEBIAN$/m);
    expect((await f.run(['baselines', 'default', 'set', '--account', 'fleet', '--os', 'DEBIAN', '--baseline', baselineId])).code).toBe(0);
    expect((await f.run(['baselines', 'default', 'list', '--account', 'fleet'])).stdout).toMatch(new RegExp(`^DEBIAN +${baselineId} +debian-prod +registered`, 'm'));
    expect((await f.run(['baselines', 'effective', nodeId])).stdout).toMatch(/^source: +accountDefault$/m);
    const reg = await f.run(['baselines', 'groups', 'register', '--account', 'fleet', '--group', 'web', '--os', 'DEBIAN', '--baseline', 'pb-predefined-debian']);
    expect(reg.stdout).toBe('Patch group "web" uses pb-predefined-debian (patchwarden-debian-default) for DEBIAN.\n');
    expect((await f.run(['baselines', 'groups', 'list', '--account', 'fleet'])).stdout).toMatch(/^web +DEBIAN +pb-predefined-debian/m);
    effective = await f.run(['baselines', 'effective', nodeId]);
    expect(effective.stdout).toMatch(/^source: +patchGroup$/m);
    expect(effective.stdout).toMatch(new RegExp(`^accountDefault +shadowed +${baselineId} `, 'm'));
    expect(jsonOf(await f.run(['baselines', 'effective', nodeId, '--json'])).chain).toHaveLength(5);
  });

  it('previews what a baseline approves on the nodes of a patch group', async () => {
    const preview = await f.run(['baselines', 'preview', '--account', 'fleet', '--baseline', baselineId, '--patch-group', 'web']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain('1 node(s): 1 evaluated, 0 not applicable; 2 update(s): 1 approved');
    expect(preview.stdout).toMatch(/^ {2}openssl +amd64 +3\.0\.11 → 3\.0\.15 +CRITICAL /m);
    writeFileSync(join(dir, 'draft.yaml'), 'operatingSystem: DEBIAN\napprovalRules:\n  - approveAfterDays: 0\n    enableNonSecurity: true\n');
    const draft = jsonOf(await f.run(['baselines', 'preview', '--account', 'fleet', '--file', join(dir, 'draft.yaml'), '--node', nodeId, '--json']));
    expect(draft.totals).toMatchObject({ approved: 2 });
    expect((await f.run(['baselines', 'preview', '--account', 'fleet', '--node', nodeId])).code).toBe(2);
  });

  it('refuses to delete a baseline in use, then deletes it', async () => {
    const refused = await f.run(['baselines', 'delete', baselineId, '--yes']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('the default for DEBIAN');
    expect((await f.run(['baselines', 'default', 'clear', '--account', 'fleet', '--os', 'DEBIAN'])).stdout).toContain('predefined pb-predefined-debian again');
    expect((await f.run(['baselines', 'groups', 'deregister', '--account', 'fleet', '--group', 'web', '--os', 'DEBIAN'])).code).toBe(0);
    expect((await f.run(['baselines', 'delete', baselineId, '--yes'])).stdout).toBe(`Deleted baseline ${baselineId}.\n`);
    expect((await f.run(['baselines', 'show', baselineId])).code).toBe(5);
  });
});
