/**
 * `patchwarden repos …` against a real listening server (its dependency job running, kicked when a
 * scan is queued) and a real git remote (`git daemon`) with a real npm lockfile: add, list, show,
 * scan --wait (exit 8 while non-compliant), scans, findings, pull-requests, compliance, update,
 * delete (refused without --yes off a terminal); the help of every subcommand has examples.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from '../cli/harness.js';
import { startGitDaemon, type GitRemoteServer } from '../deps/git-daemon.js';
import { tempDir } from '../deps/helpers.js';
import { importAdvisories, makeRemote, VULNERABLE } from './helpers.js';

describe('patchwarden repos', () => {
  const tmp = tempDir('pw-repos-cli-');
  let f: CliFixture;
  let daemon: GitRemoteServer;
  let id: string;

  beforeAll(async () => {
    mkdirSync(join(tmp.dir, 'remotes'), { recursive: true });
    makeRemote(join(tmp.dir, 'remotes'), 'shop.git', VULNERABLE);
    daemon = await startGitDaemon(join(tmp.dir, 'remotes'));
    f = await startCliFixture();
    await f.loginAdmin();
    await importAdvisories(f.server.store);
    expect((await f.run(['accounts', 'create', 'fleet'])).code).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await f?.close();
    await daemon?.stop();
    tmp.cleanup();
  });

  it('repos add, list, show', async () => {
    const added = await f.run(['repos', 'add', '--account', 'fleet', '--name', 'shop', '--url', daemon.url('shop.git'), '--threshold', 'high', '--schedule', '0 3 * * *', '--timezone', 'Europe/Berlin', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const r = jsonOf(added);
    id = String(r.id);
    expect(r).toMatchObject({ name: 'shop', gitUrl: daemon.url('shop.git'), severityThreshold: 'high', schedule: '0 3 * * *', timezone: 'Europe/Berlin', complianceStatus: 'UNKNOWN' });
    expect(r.nextScanAt).toMatch(/T0[12]:00:00\.000Z$/);
    const listed = await f.run(['repos', 'list', '--account', 'fleet']);
    expect(listed.stdout).toMatch(/^ID +NAME +URL +STATUS +FINDINGS +OVERDUE +PRS +LAST SCAN +NEXT SCAN$/m);
    expect(listed.stdout).toMatch(new RegExp(`^${id} +shop +git://\\S+ +UNKNOWN +0 +0 +0 +never `, 'm'));
    const shown = await f.run(['repos', 'show', 'shop']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/schedule: +0 3 \* \* \* \(Europe\/Berlin\)/);
    expect(shown.stdout).toMatch(/last scan: +never/);
    const bad = await f.run(['repos', 'add', '--account', 'fleet', '--name', 'bad', '--url', 'file:///etc']);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toMatch(/git URLs use https, http, ssh or git, not "file"/);
  });

  it('repos scan --wait: the server scans at once; exit 8 while the repository is non-compliant', async () => {
    const scanned = await f.run(['repos', 'scan', 'shop', '--wait']);
    expect(scanned.code, scanned.stdout + scanned.stderr).toBe(8);
    expect(scanned.stdout).toMatch(/^Scan rscan_\w+ ended SUCCESS at [0-9a-f]{12}: 1 lockfile\(s\), 1 package\(s\), 1 finding\(s\)\.$/m);
    expect(scanned.stdout).toMatch(/^Repository shop: NON_COMPLIANT \(1 critical at or above high; 0 overdue\)\.$/m);
    const scans = jsonOf(await f.run(['repos', 'scans', id, '--json']));
    expect(scans.items).toHaveLength(1);
    expect(scans.items[0]).toMatchObject({ trigger: 'manual', status: 'SUCCESS', requestedBy: 'admin' });
    expect((await f.run(['repos', 'scans', 'shop'])).stdout).toMatch(/SUCCESS/);
  });

  it('repos findings, pull-requests, compliance', async () => {
    const findings = await f.run(['repos', 'findings', '--repository', 'shop']);
    expect(findings.code, findings.stderr).toBe(0);
    expect(findings.stdout).toMatch(/^PACKAGE +VERSION +SEVERITY +CVES +FIXED IN +DUE +REPOSITORY +LOCKFILE +PULL REQUEST$/m);
    expect(findings.stdout).toMatch(/^lodash +4\.17\.11 +critical +CVE-2019-10744, CVE-2020-8203, CVE-2021-23337 +4\.17\.21 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +shop +package-lock\.json:\d+ +-$/m);
    expect(jsonOf(await f.run(['repos', 'findings', '--overdue', '--json'])).total).toBe(0);
    expect((await f.run(['repos', 'pull-requests'])).stdout).toBe('No pull requests.\n');
    const compliance = await f.run(['repos', 'compliance', '--by', 'repository']);
    expect(compliance.stdout).toMatch(/^GROUP +REPOSITORIES +COMPLIANT +NON-COMPLIANT +UNKNOWN +FINDINGS +OVERDUE +OPEN PRS$/m);
    expect(compliance.stdout).toMatch(/^shop +1 +0 +1 +0 +1 critical +0 \(0 repos\) +0$/m);
    expect(compliance.stdout).toMatch(/^TOTAL +1 +0 +1 +0 +1 critical/m);
    expect(jsonOf(await f.run(['repos', 'compliance', '--account', 'fleet', '--json'])).totals).toMatchObject({ repositories: 1, nonCompliant: 1 });
    expect((await f.run(['repos', 'compliance', '--by', 'os'])).code).toBe(2);
  });

  it('repos update keeps what the flags do not name; --no-schedule', async () => {
    const updated = await f.run(['repos', 'update', 'shop', '--threshold', 'critical', '--no-schedule', '--json']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(jsonOf(updated)).toMatchObject({ name: 'shop', gitUrl: daemon.url('shop.git'), severityThreshold: 'critical', schedule: null, nextScanAt: null, timezone: 'Europe/Berlin', complianceStatus: 'NON_COMPLIANT' });
  });

  it('repos delete asks for --yes off a terminal', async () => {
    const refused = await f.run(['repos', 'delete', 'shop']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing without --yes/);
    const deleted = await f.run(['repos', 'delete', 'shop', '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`Deleted repository ${id}.\n`);
    expect((await f.run(['repos', 'show', id])).code).toBe(5);
    expect((await f.run(['repos', 'show', 'shop'])).stderr).toMatch(/no repository named "shop"/);
  });

  it('--help of every subcommand has examples', async () => {
    for (const sub of ['list', 'add', 'show', 'update', 'delete', 'scan', 'scans', 'findings', 'pull-requests', 'compliance']) {
      const r = await f.run(['repos', sub, '--help']);
      expect(r.code, sub).toBe(0);
      expect(r.stdout, sub).toContain(`Usage: patchwarden repos ${sub}`);
      expect(r.stdout, sub).toContain('Examples:\n  patchwarden repos');
    }
  });
});
