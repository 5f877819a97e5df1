/**
 * `patchwarden windows …` and `patchwarden policies …` against a real listening server: create with
 * flags and from a file, show, list, update, tasks, schedule preview (server and local), runs,
 * delete; the help of every subcommand has examples.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from '../cli/harness.js';

describe('patchwarden windows / policies', () => {
  let f: CliFixture;
  let dir: string;
  let windowId: string;

  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
    dir = mkdtempSync(join(tmpdir(), 'pw-windows-cli-'));
    expect((await f.run(['accounts', 'create', 'fleet'])).code).toBe(0);
  });
  afterAll(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('windows create with flags, show, list, schedule', async () => {
    const created = await f.run([
      'windows', 'create', '--account', 'fleet', '--name', 'sunday-night', '--schedule', 'cron(0 2 ? * SUN *)', '--timezone', 'Europe/Berlin',
      '--duration', '4', '--cutoff', '1', '--jitter', '10m', '--target-tag', 'Env=prod',
      '--task', 'kind=patch,operation=Scan,priority=0', '--task', 'name=fleet,kind=runbook,runbook=patch-fleet,priority=1,param.bakeSeconds=600', '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const w = jsonOf(created);
    windowId = String(w.id);
    expect(w).toMatchObject({ name: 'sunday-night', jitterSeconds: 600, targets: { targets: { tags: [{ key: 'Env', values: ['prod'] }] } } });
    expect((w.tasks as { parameters: unknown }[])[1]!.parameters).toEqual({ bakeSeconds: 600 });
    const shown = await f.run(['windows', 'show', windowId]);
    expect(shown.stdout).toMatch(/cron\(0 2 \? \* SUN \*\) \(Europe\/Berlin\)/);
    expect(shown.stdout).toMatch(/runbook patch-fleet/);
    const listed = await f.run(['windows', 'list', '--account', 'fleet']);
    expect(listed.stdout).toContain('sunday-night');
    const schedule = await f.run(['windows', 'schedule', windowId, '--count', '3', '--json']);
    expect(schedule.code, schedule.stderr).toBe(0);
    const instances = jsonOf(schedule).instances as { startLocal: string }[];
    expect(instances).toHaveLength(3);
    for (const i of instances) expect(i.startLocal).toMatch(/T02:00:00\+0[12]:00$/);
  });

  it('windows update, add-task, remove-task by name, runs, delete', async () => {
    const updated = await f.run(['windows', 'update', windowId, '--disable', '--schedule', 'rate(12 hours)', '--duration', '2', '--cutoff', '0', '--json']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(jsonOf(updated)).toMatchObject({ enabled: false, schedule: 'rate(12 hours)', nextStart: null, tasks: [{ name: 'patch-1' }, { name: 'fleet' }] });
    const added = await f.run(['windows', 'add-task', windowId, '--task', 'name=install,kind=patch,operation=Install,priority=2,rebootOption=NoReboot']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('2:install');
    const removed = await f.run(['windows', 'remove-task', windowId, 'fleet']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).not.toContain('fleet');
    const runs = await f.run(['windows', 'runs', windowId]);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toContain('No runs');
    const bad = await f.run(['windows', 'update', windowId, '--timezone', 'Mars/Base']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('IANA time zone');
    expect((await f.run(['windows', 'delete', windowId])).code).toBe(0);
    expect((await f.run(['windows', 'show', windowId])).code).not.toBe(0);
  });

  it('windows create from a YAML file; a bad task spec is a usage error', async () => {
    const file = join(dir, 'window.yaml');
    writeFileSync(file, 'name: from-file\nschedule: "0 3 * * *"\ntimezone: America/New_York\ndurationHours: 3\ncutoffHours: 1\ntargets:\n  targets: { allNodes: true }\ntasks:\n  - { kind: patch, operation: Scan }\n');
    const res = await f.run(['windows', 'create', '--account', 'fleet', '--file', file]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Created maintenance window mw_\w+ \(from-file\)/);
    const bad = await f.run(['windows', 'create', '--account', 'fleet', '--name', 'x', '--schedule', '0 3 * * *', '--duration', '2', '--task', 'colour=blue']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown key "colour"');
  });

  it('windows preview works without a server', async () => {
    const res = await f.run(['windows', 'preview', '--schedule', 'cron(0 2 ? * SUN *)', '--timezone', 'Europe/Berlin', '--duration', '4', '--cutoff', '1', '--from', '2026-03-20T00:00:00Z', '--count', '2', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(jsonOf(res).instances).toEqual([
      { start: '2026-03-22T01:00:00.000Z', cutoff: '2026-03-22T04:00:00.000Z', end: '2026-03-22T05:00:00.000Z', startLocal: '2026-03-22T02:00:00+01:00', cutoffLocal: '2026-03-22T05:00:00+01:00', endLocal: '2026-03-22T06:00:00+01:00' },
      // 02:00 does not exist on the day clocks go forward: the instance starts at the first valid time, 03:00 CEST.
      { start: '2026-03-29T01:00:00.000Z', cutoff: '2026-03-29T04:00:00.000Z', end: '2026-03-29T05:00:00.000Z', startLocal: '2026-03-29T03:00:00+02:00', cutoffLocal: '2026-03-29T06:00:00+02:00', endLocal: '2026-03-29T07:00:00+02:00' },
    ]);
    const bad = await f.run(['windows', 'preview', '--schedule', 'rate(1 minute)']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('rate(30 minutes)');
  });

  it('policies create, list, show, update, runs, delete', async () => {
    const created = await f.run([
      'policies', 'create', '--name', 'production', '--priority', '10', '--baseline', 'DEBIAN=pb-predefined-debian', '--scan', '0 1 * * *',
      '--install', 'cron(0 3 ? * SAT *)', '--install-timezone', 'Europe/Berlin', '--install-duration', '4', '--install-cutoff', '1',
      '--accounts', 'fleet', '--tag', 'Env=prod', '--reboot', 'NoReboot', '--sla', 'critical=7', '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const p = jsonOf(created);
    expect(p).toMatchObject({ name: 'production', priority: 10, baselines: { DEBIAN: 'pb-predefined-debian' }, rebootOption: 'NoReboot', slaDays: { critical: 7 }, targets: { tags: [{ key: 'Env', values: ['prod'] }] } });
    const id = String(p.id);
    expect((await f.run(['policies', 'list'])).stdout).toMatch(/10\s+pp_\w+\s+production/);
    expect((await f.run(['policies', 'show', id])).stdout).toContain('cron(0 3 ? * SAT *) (Europe/Berlin), 4h, cutoff 1h');
    const updated = await f.run(['policies', 'update', id, '--no-install', '--disable', '--json']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(jsonOf(updated)).toMatchObject({ install: null, enabled: false, scan: { schedule: '0 1 * * *' } });
    expect((await f.run(['policies', 'runs', id])).stdout).toContain('No runs');
    const dup = await f.run(['policies', 'create', '--name', 'other', '--priority', '10']);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('priority 10 exists already');
    expect((await f.run(['policies', 'delete', id])).code).toBe(0);
  });

  it('every subcommand has help with examples', async () => {
    expect((await f.run(['windows', '--help'])).stdout).toContain('Examples:');
    expect((await f.run(['policies', '--help'])).stdout).toContain('Examples:');
    for (const [group, subs] of [
      ['windows', ['list', 'show', 'create', 'update', 'delete', 'add-task', 'remove-task', 'runs', 'schedule', 'preview']],
      ['policies', ['list', 'show', 'create', 'update', 'delete', 'runs']],
    ] as const) {
      for (const sub of subs) {
        const res = await f.run([group, sub, '--help']);
        expect(res.stdout, `${group} ${sub}`).toContain('Examples:');
      }
    }
  });
});
