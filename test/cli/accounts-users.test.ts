import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from './harness.js';

describe('patchwarden accounts and users', () => {
  let f: CliFixture;
  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
  });
  afterAll(async () => {
    await f.close();
  });

  it('accounts create, list, show by name, update, delete', async () => {
    const created = await f.run(['accounts', 'create', 'production', '--description', 'Production fleet']);
    expect(created.code).toBe(0);
    const id = /^Created account production \((acct_[0-9a-z]{20})\)\.\n$/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();

    const list = await f.run(['accounts', 'list']);
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +MANAGEMENT +CREATED +DESCRIPTION$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^acct_\w+ +default +yes +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ +Created on first start/);
    expect(lines[2]).toMatch(new RegExp(`^${id} +production +- +\\S+ \\S+ +Production fleet$`));
    // Columns line up: every cell of the NAME column starts at the same offset.
    const nameAt = lines[0]!.indexOf('NAME');
    expect(lines.slice(1).map((l) => l.slice(nameAt).split(' ')[0])).toEqual(['default', 'production']);

    const show = await f.run(['accounts', 'show', 'production']);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^id: +${id}$`, 'm'));
    expect(show.stdout).toMatch(/^description: +Production fleet$/m);
    expect(jsonOf(await f.run(['accounts', 'show', id!, '--json']))).toMatchObject({ id, name: 'production', isManagement: false });

    const updated = await f.run(['accounts', 'update', 'production', '--name', 'prod', '--description', 'Renamed']);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/^name: +prod$/m);
    expect((await f.run(['accounts', 'show', 'production'])).code).toBe(5);

    const search = jsonOf(await f.run(['accounts', 'list', '--search', 'prod', '--json']));
    expect(search.items.map((a: { name: string }) => a.name)).toEqual(['prod']);
    expect(search.total).toBe(1);

    const noYes = await f.run(['accounts', 'delete', 'prod']);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('refusing without --yes');
    const declined = await f.run(['accounts', 'delete', 'prod'], { tty: [[/Delete account prod \(acct_\w+\) and everything in it\? \[y\/N\] $/, 'n']] });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain('cancelled; nothing was changed');
    expect((await f.run(['accounts', 'show', 'prod'])).code).toBe(0);
    const deleted = await f.run(['accounts', 'delete', 'prod', '--yes']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe(`Deleted account prod (${id}).\n`);
    const gone = await f.run(['accounts', 'show', id!]);
    expect(gone.code).toBe(5);
    expect(gone.stderr).toContain('does not exist');
  });

  it('the management account cannot be deleted (exit 6 with the server message)', async () => {
    const r = await f.run(['accounts', 'delete', 'default', '--yes']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain("management account and cannot be deleted");
  });

  it('users create with membership, grant, members, revoke', async () => {
    expect((await f.run(['accounts', 'create', 'staging'])).code).toBe(0);
    expect((await f.run(['accounts', 'create', 'lab'])).code).toBe(0);
    const created = await f.run(['users', 'create', 'alice', '--display-name', 'Alice Liddell', '--email', 'alice@example.com', '--member', 'staging:operator']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created user alice \(usr_[0-9a-z]{20}\)\.$/m);
    expect(created.stdout).toMatch(/^Initial password of alice \(shown only now\): [\w-]{20,}$/m);
    expect(created.stdout).toContain('must choose a new password at first sign-in');

    const show = await f.run(['users', 'show', 'alice']);
    expect(show.stdout).toMatch(/^display name: +Alice Liddell$/m);
    expect(show.stdout).toMatch(/^status: +must change password$/m);
    expect(show.stdout).toMatch(/^staging +acct_\w+ +operator$/m);

    const grant = await f.run(['accounts', 'grant', 'lab', 'alice', 'admin']);
    expect(grant.code).toBe(0);
    expect(grant.stdout).toBe('alice is now admin in account lab.\n');
    const members = await f.run(['accounts', 'members', 'lab']);
    expect(members.stdout).toMatch(/^usr_\w+ +alice +Alice Liddell +admin +\S+ \S+$/m);
    const admins = jsonOf(await f.run(['accounts', 'members', 'lab', '--role', 'viewer', '--json']));
    expect(admins.items).toEqual([]);

    const list = await f.run(['users', 'list', '--account', 'lab']);
    expect(list.stdout).toMatch(/^usr_\w+ +alice +Alice Liddell +alice@example\.com +- +(lab:admin,staging:operator|staging:operator,lab:admin) +must change password +-$/m);
    expect(list.stdout).not.toMatch(/^\S+ +admin /m);

    const revoke = await f.run(['accounts', 'revoke', 'lab', 'alice']);
    expect(revoke.code).toBe(0);
    expect(jsonOf(await f.run(['accounts', 'members', 'lab', '--json'])).items).toEqual([]);
    expect(jsonOf(await f.run(['accounts', 'grant', 'lab', 'alice', 'viewer', '--json']))).toMatchObject({ username: 'alice', role: 'viewer' });
    expect(jsonOf(await f.run(['accounts', 'revoke', 'lab', 'alice', '--json']))).toMatchObject({ removed: true, userId: expect.stringMatching(/^usr_/) });
    const again = await f.run(['accounts', 'revoke', 'lab', 'alice']);
    expect(again.code).toBe(5);

    const badRole = await f.run(['accounts', 'grant', 'lab', 'alice', 'owner']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain("Allowed choices are viewer, operator, admin");
    const badMember = await f.run(['users', 'create', 'bob', '--member', 'staging']);
    expect(badMember.code).toBe(2);
    expect(badMember.stderr).toContain('expected <account>:<role>');
  });

  it('users update, set-password, list filters, delete', async () => {
    const upd = await f.run(['users', 'update', 'alice', '--org-role', 'org-auditor', '--email', 'none', '--disable']);
    expect(upd.code).toBe(0);
    expect(upd.stdout).toMatch(/^org role: +org-auditor$/m);
    expect(upd.stdout).toMatch(/^email: +-$/m);
    expect(upd.stdout).toMatch(/^status: +disabled$/m);
    const disabled = jsonOf(await f.run(['users', 'list', '--disabled', '--json']));
    expect(disabled.items.map((u: { username: string }) => u.username)).toEqual(['alice']);
    const auditors = jsonOf(await f.run(['users', 'list', '--org-role', 'org-auditor', '--json']));
    expect(auditors.items.map((u: { username: string }) => u.username)).toEqual(['alice']);
    expect((await f.run(['users', 'update', 'alice', '--enable', '--org-role', 'none'])).stdout).toMatch(/^org role: +none$/m);
    expect((await f.run(['users', 'update', 'alice'])).code).toBe(2);

    const reset = await f.run(['users', 'set-password', 'alice', '--password-stdin', '--no-must-change-password'], { stdin: 'alice-new-password-1\n' });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toBe('Password of alice reset.\n');
    const login = await f.run(['login', '--server', f.url, '-u', 'alice', '--password-stdin', '--json'], { stdin: 'alice-new-password-1\n', env: { PATCHWARDEN_CLI_CONFIG: `${f.dir}/alice.json` } });
    expect(login.code).toBe(0);
    expect(jsonOf(login)).toMatchObject({ username: 'alice', passwordChanged: false });
    // alice (staging operator) may not create accounts: exit 4 with the server's reason.
    const denied = await f.run(['accounts', 'create', 'x'], { env: { PATCHWARDEN_CLI_CONFIG: `${f.dir}/alice.json` } });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('org-admin');

    const generated = jsonOf(await f.run(['users', 'set-password', 'alice', '--json']));
    expect(generated).toMatchObject({ userId: expect.stringMatching(/^usr_/), mustChangePassword: true, generatedPassword: expect.stringMatching(/^[\w-]{20,}$/) });
    const withGenerated = await f.run(['login', '--server', f.url, '-u', 'alice', '--password-stdin'], { stdin: `${generated.generatedPassword}\n`, env: { PATCHWARDEN_CLI_CONFIG: `${f.dir}/alice2.json` } });
    expect(withGenerated.code).toBe(4);
    expect(withGenerated.stderr).toContain('requires alice to choose a new password first');

    const short = await f.run(['users', 'set-password', 'alice', '--password-stdin'], { stdin: 'short\n' });
    expect(short.code).toBe(6);
    expect(short.stderr).toContain('at least 12 characters');

    expect((await f.run(['users', 'delete', 'alice'])).code).toBe(2);
    const del = await f.run(['users', 'delete', 'alice'], { tty: [[/Delete user alice \(usr_\w+\) with their tokens\? \[y\/N\] $/, 'yes']] });
    expect(del.code).toBe(0);
    expect(del.stdout).toMatch(/^Deleted user alice \(usr_\w+\)\.$/m);
    const gone = await f.run(['users', 'show', 'alice']);
    expect(gone.code).toBe(5);
    expect(gone.stderr).toContain('no user named "alice"');
  });

  it('lists page with --limit/--offset/--sort and say what is left', async () => {
    for (const name of ['pa', 'pb', 'pc']) expect((await f.run(['accounts', 'create', name])).code).toBe(0);
    const first = await f.run(['accounts', 'list', '--search', 'p', '--sort', '-name', '--limit', '2']);
    expect(first.stdout.split('\n').slice(1, 3).map((l) => l.split(/ +/)[1])).toEqual(['pc', 'pb']);
    expect(first.stderr).toBe('(1-2 of 3; next page: --offset 2)\n');
    const second = jsonOf(await f.run(['accounts', 'list', '--search', 'p', '--sort', '-name', '--limit', '2', '--offset', '2', '--json']));
    expect(second).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(second.items.map((a: { name: string }) => a.name)).toEqual(['pa']);
    const badSort = await f.run(['accounts', 'list', '--sort', 'size']);
    expect(badSort.code).toBe(2);
    expect(badSort.stderr).toContain('name, -name, createdAt, -createdAt');
  });
});
