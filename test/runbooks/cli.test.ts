/**
 * `patchwarden runbooks …` against a real listening server: validate (errors as file:line: path:
 * message, exit 6), create, show (fields, --content, --version), list (built-ins and the account's),
 * update (new version; YAML errors per line), versions, delete (--yes), and --help with examples.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from '../cli/harness.js';

const RUNBOOK = `name: restart-web
description: Restart the web service, canary first
parameters:
  service: { type: string, default: nginx }
steps:
  - name: canary
    kind: run
    script: systemctl restart {{ service }}
    nodes: canary
  - name: rest
    kind: run
    script: systemctl restart {{ service }}
    nodes: remaining
`;

const BROKEN = `name: restart-web
steps:
  - name: canary
    kind: run
    script: systemctl restart {{ service }}
  - name: rest
    kind: wait
    seconds: soon
`;

describe('patchwarden runbooks', () => {
  let f: CliFixture;
  let dir: string;
  let runbookId: string;
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
    dir = mkdtempSync(join(tmpdir(), 'pw-runbooks-cli-'));
    expect((await f.run(['accounts', 'create', 'fleet'])).code).toBe(0);
  });
  afterAll(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validate prints file:line: path: message per error and exits 6', async () => {
    const bad = file('broken.yaml', BROKEN);
    const run = await f.run(['runbooks', 'validate', '--file', bad]);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain(`${bad}:5: steps[0].script: template {{ service }} names parameter "service", which is not declared`);
    expect(run.stderr).toContain(`${bad}:8: steps[1].seconds: "seconds" must be a whole number, not string "soon"`);
    expect(run.stderr).toContain(`${bad}: 2 errors`);
    const good = await f.run(['runbooks', 'validate', '--file', file('good.yaml', RUNBOOK)]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/good\.yaml: valid \(runbook restart-web, 2 steps\)/);
    const json = await f.run(['runbooks', 'validate', '--file', bad, '--json']);
    expect(json.code).toBe(6);
    expect(jsonOf(json).errors).toHaveLength(2);
  });

  it('create refuses an invalid file with per-line errors, then creates the valid one', async () => {
    const bad = file('broken.yaml', BROKEN);
    const refused = await f.run(['runbooks', 'create', '--account', 'fleet', '--file', bad]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain(`${bad}:8: steps[1].seconds:`);
    expect(refused.stderr).toContain('2 errors; nothing was saved');
    const created = await f.run(['runbooks', 'create', '--account', 'fleet', '--file', file('good.yaml', RUNBOOK)]);
    expect(created.code, created.stderr).toBe(0);
    runbookId = /Created runbook (rb_\w+) \(restart-web\), version 1 with 2 steps/.exec(created.stdout)?.[1] ?? '';
    expect(runbookId).not.toBe('');
    expect(created.stdout).toContain('patchwarden executions start --account fleet --runbook restart-web');
  });

  it('show: fields and steps, --content, --json', async () => {
    const show = await f.run(['runbooks', 'show', runbookId]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^name: +restart-web$/m);
    expect(show.stdout).toMatch(/^version: +1 of 1$/m);
    expect(show.stdout).toMatch(/^parameters: +service \(string, default "nginx"\)$/m);
    expect(show.stdout).toContain('1. canary [run on canary] timeout 3600s');
    expect((await f.run(['runbooks', 'show', runbookId, '--content'])).stdout).toBe(RUNBOOK);
    expect(jsonOf(await f.run(['runbooks', 'show', runbookId, '--json'])).runbook.steps[1].nodes).toBe('remaining');
    const builtin = await f.run(['runbooks', 'show', 'rb-builtin-patch-fleet']);
    expect(builtin.stdout).toMatch(/^account: +\(built-in: every account\)$/m);
    expect(builtin.stdout).toContain('3. chooseCheck [branch → bake | health | bake | health (default)]');
    expect(builtin.stdout).toContain('5. bake [wait {{ bakeSeconds }}]');
  });

  it('list: built-ins and the account\'s runbooks', async () => {
    const list = await f.run(['runbooks', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID +NAME +ACCOUNT +VERSION +STEPS +UPDATED +DESCRIPTION$/);
    expect(list.stdout).toMatch(/^rb-builtin-patch-fleet +patch-fleet +\(built-in\) +1 +6 +- /m);
    expect(list.stdout).toMatch(new RegExp(`^${runbookId} +restart-web +acct_\\w+ +1 +2 `, 'm'));
    const own = await f.run(['runbooks', 'list', '--account', 'fleet', '--no-builtin', '--json']);
    expect(jsonOf(own).items.map((r: { name: string }) => r.name)).toEqual(['restart-web']);
  });

  it('update saves version 2; versions lists both; show --version 1 still shows the first', async () => {
    const bad = await f.run(['runbooks', 'update', runbookId, '--file', file('broken.yaml', BROKEN)]);
    expect(bad.code).toBe(6);
    const updated = await f.run(['runbooks', 'update', runbookId, '--file', file('v2.yaml', RUNBOOK.replace('nginx', 'apache2'))]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain(`Saved runbook ${runbookId} (restart-web) as version 2.`);
    const versions = await f.run(['runbooks', 'versions', runbookId]);
    expect(versions.stdout.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => l.split(/ +/)[0])).toEqual(['2', '1']);
    expect((await f.run(['runbooks', 'show', runbookId, '--version', '1', '--content'])).stdout).toContain('default: nginx');
    const renamed = await f.run(['runbooks', 'update', runbookId, '--file', file('renamed.yaml', RUNBOOK.replace('name: restart-web', 'name: other'))]);
    expect(renamed.code).toBe(6);
    expect(renamed.stderr).toMatch(/renamed\.yaml:1: name: the name must stay "restart-web"/);
  });

  it('delete asks for --yes without a terminal, then deletes', async () => {
    expect((await f.run(['runbooks', 'delete', runbookId])).code).toBe(2);
    const del = await f.run(['runbooks', 'delete', runbookId, '--yes']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toContain(`Deleted runbook ${runbookId}`);
    expect((await f.run(['runbooks', 'show', 'rb_doesnotexist'])).code).toBe(5);
  });

  it('--help of every subcommand has examples', async () => {
    for (const sub of ['list', 'show', 'create', 'update', 'delete', 'versions', 'validate']) {
      const help = await f.run(['runbooks', sub, '--help']);
      expect(help.code, sub).toBe(0);
      expect(help.stdout, sub).toContain('Examples:');
    }
  });
});
