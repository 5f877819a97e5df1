import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from './harness.js';

describe('patchwarden tokens and audit', () => {
  let f: CliFixture;
  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
  });
  afterAll(async () => {
    await f.close();
  });

  it('tokens create prints the token once with a warning; it works; revoke makes it exit 3', async () => {
    const created = await f.run(['tokens', 'create', 'ci-deploy', '--expires-in-days', '7']);
    expect(created.code).toBe(0);
    const token = /^ {2}(pw_tok_[0-9a-z]{20}\.\S+)$/m.exec(created.stdout)?.[1];
    expect(token).toBeDefined();
    expect(created.stdout).toMatch(/^Created token tok_[0-9a-z]{20} "ci-deploy", expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ:$/m);
    expect(created.stderr).toContain('shown only now');
    const tokenId = token!.slice(3, token!.indexOf('.'));

    const me = jsonOf(await f.run(['whoami', '--json'], { env: { PATCHWARDEN_TOKEN: token } }));
    expect(me.username).toBe('admin');

    const list = await f.run(['tokens', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID +NAME +USER +STATE +CREATED +EXPIRES +LAST USED$/);
    expect(list.stdout).toMatch(new RegExp(`^${tokenId} +ci-deploy +admin +active `, 'm'));
    const own = JSON.parse(readFileSync(f.configPath, 'utf8')).tokenId as string;
    expect(list.stdout).toMatch(new RegExp(`^${own} \\* +cli@\\S+ +admin +active `, 'm'));

    const revoked = await f.run(['tokens', 'revoke', tokenId]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(`Revoked token ${tokenId}.\n`);
    const refused = await f.run(['whoami'], { env: { PATCHWARDEN_TOKEN: token } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(`patchwarden: The API token pw_${tokenId} was revoked; create a new one.\n`);
    // --token wins over PATCHWARDEN_TOKEN, which wins over the config file.
    expect((await f.run(['whoami', '--token', 'pw_tok_x.y'], { env: { PATCHWARDEN_TOKEN: token } })).stderr).toContain('not valid');

    const states = jsonOf(await f.run(['tokens', 'list', '--state', 'revoked', '--json']));
    expect(states.items.map((t: { id: string }) => t.id)).toEqual([tokenId]);
    expect((await f.run(['tokens', 'revoke', tokenId])).code).toBe(6);
    expect((await f.run(['tokens', 'revoke', 'tok_00000000000000000000'])).code).toBe(5);
  });

  it('tokens create --json prints the API response with the token', async () => {
    const r = await f.run(['tokens', 'create', 'script', '--json']);
    const json = jsonOf(r);
    expect(json).toMatchObject({ name: 'script', username: 'admin', revokedAt: null });
    expect(json.token).toMatch(/^pw_tok_/);
    expect(r.stderr).toBe('');
  });

  it('audit list shows the mutations as a table, filtered and as JSON', async () => {
    expect((await f.run(['accounts', 'create', 'audited'])).code).toBe(0);
    expect((await f.run(['users', 'create', 'dave', '--member', 'audited:viewer'])).code).toBe(0);
    expect((await f.run(['accounts', 'update', 'audited', '--description', 'changed'])).code).toBe(0);

    const r = await f.run(['audit', 'list', '--limit', '20']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME +ACTOR +ACTION +OUTCOME +TARGET +ACCOUNT +IP$/);
    expect(r.stdout).toMatch(/^\S+ \S+ +admin \(token\) +account\.update +success +account:acct_\w+ +audited +127\.0\.0\.1$/m);
    expect(r.stdout).toMatch(/^\S+ \S+ +admin \(token\) +account\.member\.set +success +user:dave +audited +127\.0\.0\.1$/m);
    expect(r.stdout).toMatch(/^\S+ \S+ +admin \(token\) +user\.create +success +user:dave +- +127\.0\.0\.1$/m);
    expect(r.stdout).toMatch(/^\S+ \S+ +admin \(token\) +token\.revoke +success +token:ci-deploy +- +127\.0\.0\.1$/m);
    expect(r.stdout).toMatch(/^\S+ \S+ +admin \(session\) +token\.create +success +token:cli@\S+ +- +127\.0\.0\.1$/m);
    // Newest first.
    expect(lines[1]).toContain('account.update');

    const filtered = jsonOf(await f.run(['audit', 'list', '--account', 'audited', '--action', 'account.*', '--actor', 'admin', '--since', '1h', '--json']));
    expect(filtered.items.map((e: { action: string }) => e.action)).toEqual(['account.update', 'account.member.set', 'account.create']);
    const denied = await f.run(['audit', 'list', '--outcome', 'denied']);
    expect(denied.stdout).toBe('No audit entries.\n');
    const future = jsonOf(await f.run(['audit', 'list', '--since', '2999-01-01', '--json']));
    expect(future.total).toBe(0);
    const badTime = await f.run(['audit', 'list', '--since', 'yesterday']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('a duration back from now');
  });
});
