/**
 * `patchwarden delegations …` and `patchwarden automation-settings …` against a real server:
 * grant (names resolved, --expires durations), list, show, revoke, the refusal for the management
 * account, settings show/set with validation errors, and --help with examples.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expiresAtOf } from '../../src/cli/commands/delegations.command.js';
import { jsonOf, startCliFixture, type CliFixture } from '../cli/harness.js';

describe('patchwarden delegations and automation-settings', () => {
  let f: CliFixture;

  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
    expect((await f.run(['accounts', 'create', 'production'])).code).toBe(0);
  });
  afterAll(async () => {
    await f.close();
  });

  it('grants, lists, shows and revokes a delegation', async () => {
    const granted = await f.run(['delegations', 'grant', '--account', 'production', '--runbooks', 'patch-fleet,restart-web', '--roles', 'operator', '--expires', '30d', '--comment', 'central patching']);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toMatch(/^Granted delegation dlg_\S+: default may run patch-fleet, restart-web in production for operator until /);
    const id = /Granted delegation (dlg_\S+):/.exec(granted.stdout)?.[1] ?? '';

    const list = await f.run(['delegations', 'list', '--account', 'production']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ID\s+ACCOUNT\s+GRANTED TO\s+RUNBOOKS\s+ROLES\s+STATUS\s+EXPIRES/);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('patch-fleet,restart-web');

    const shown = jsonOf<{ id: string; expiresAt: string; status: string; comment: string }>(await f.run(['delegations', 'show', id, '--json']));
    expect(shown).toMatchObject({ id, status: 'active', comment: 'central patching' });
    const days = (Date.parse(shown.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);

    const text = await f.run(['delegations', 'show', id]);
    expect(text.stdout).toMatch(/runbooks:\s+patch-fleet, restart-web/);

    const revoked = await f.run(['delegations', 'revoke', id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toBe(`Revoked delegation ${id} of production.\n`);
    expect((await f.run(['delegations', 'list', '--active', '--json'])).stdout).not.toContain(id);
    const again = await f.run(['delegations', 'revoke', id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('was revoked already');
  });

  it('defaults to every runbook and role; refuses the management account and bad options', async () => {
    const all = jsonOf<{ runbooks: string[]; roles: string[]; expiresAt: string | null }>(await f.run(['delegations', 'grant', '--account', 'production', '--json']));
    expect(all).toMatchObject({ runbooks: ['*'], roles: ['operator', 'admin', 'org-admin'], expiresAt: null });
    const mgmt = await f.run(['delegations', 'grant', '--account', 'default']);
    expect(mgmt.code).not.toBe(0);
    expect(mgmt.stderr).toContain('is the management account: its own executions need no delegation');
    const badExpiry = await f.run(['delegations', 'grant', '--account', 'production', '--expires', 'soon']);
    expect(badExpiry.code).toBe(2);
    expect(badExpiry.stderr).toContain('expected a duration like 90m, 12h, 30d, 2w');
    const badRole = await f.run(['delegations', 'grant', '--account', 'production', '--roles', 'viewer']);
    expect(badRole.code).not.toBe(0);
    expect(badRole.stderr).toContain('roles are org-admin, admin or operator');
  });

  it('shows and sets the HTTP check allow-list', async () => {
    const empty = await f.run(['automation-settings', 'show']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/check allowed hosts:\s+\(none: HTTP checks are refused\)/);
    const set = await f.run(['automation-settings', 'set', '--check-hosts', 'Health.internal, *.svc.example.com:8080']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/check allowed hosts:\s+health\.internal, \*\.svc\.example\.com:8080/);
    const bad = await f.run(['automation-settings', 'set', '--check-hosts', 'https://x.example.com/health']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('give a host, not a URL');
    expect(jsonOf<{ checkAllowedHosts: string[] }>(await f.run(['automation-settings', 'show', '--json'])).checkAllowedHosts).toEqual(['health.internal', '*.svc.example.com:8080']);
    const none = await f.run(['automation-settings', 'set', '--check-hosts', '']);
    expect(none.code, none.stderr).toBe(0);
    expect((await f.run(['automation-settings', 'set'])).code).toBe(2);
  });

  it('has --help with examples for every subcommand', async () => {
    for (const args of [['delegations', 'list'], ['delegations', 'show'], ['delegations', 'grant'], ['delegations', 'revoke'], ['automation-settings', 'show'], ['automation-settings', 'set']]) {
      const help = await f.run([...args, '--help']);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout, args.join(' ')).toContain('Examples:');
    }
  });

  it('parses --expires durations and instants', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    expect(expiresAtOf('90m', now)).toBe('2026-01-01T01:30:00.000Z');
    expect(expiresAtOf('12h', now)).toBe('2026-01-01T12:00:00.000Z');
    expect(expiresAtOf('2w', now)).toBe('2026-01-15T00:00:00.000Z');
    expect(expiresAtOf('2027-01-31T00:00:00Z', now)).toBe('2027-01-31T00:00:00.000Z');
    expect(() => expiresAtOf('0d', now)).toThrow('at least 1');
    expect(() => expiresAtOf('tomorrow', now)).toThrow('expected a duration');
  });
});
