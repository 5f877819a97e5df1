import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, jsonOf, startCliFixture, type CliFixture } from './harness.js';

describe('patchwarden login / whoami / logout', () => {
  let f: CliFixture;
  beforeAll(async () => {
    f = await startCliFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  it('login --password-stdin stores server and token in a 0600 file in a 0700 directory', async () => {
    const r = await f.run(['login', '--server', f.url, '--username', 'admin', '--password-stdin'], { stdin: `${ADMIN_PASSWORD}\n` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Logged in to ${f.url} as admin; token pw_tok_[0-9a-z]+… stored in ${f.configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n`));
    expect(statSync(f.configPath).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(f.configPath)).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(f.configPath, 'utf8'));
    expect(stored).toMatchObject({ server: f.url, username: 'admin' });
    expect(stored.token).toMatch(/^pw_tok_[0-9a-z]+\.\S+$/);
    expect(stored.token.startsWith(`pw_${stored.tokenId}.`)).toBe(true);
    // The secret is never printed.
    expect(r.stdout).not.toContain(stored.token);
  });

  it('whoami shows the user, org role and memberships, and --json prints the API user', async () => {
    const r = await f.run(['whoami']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^server: +http:\/\/127\.0\.0\.1:\d+$/m);
    expect(r.stdout).toMatch(/^user: +admin$/m);
    expect(r.stdout).toMatch(/^org role: +org-admin$/m);
    expect(r.stdout).toMatch(/^ACCOUNT +ACCOUNT ID +ROLE$/m);
    expect(r.stdout).toMatch(/^default +acct_[0-9a-z]{20} +admin$/m);
    const json = jsonOf(await f.run(['whoami', '--json']));
    expect(json).toMatchObject({ username: 'admin', orgRole: 'org-admin', mustChangePassword: false });
    expect(json.memberships).toEqual([expect.objectContaining({ accountName: 'default', role: 'admin' })]);
  });

  it('a second login revokes the previous token of the CLI', async () => {
    const before = JSON.parse(readFileSync(f.configPath, 'utf8'));
    const r = await f.run(['login', '--username', 'admin', '--password-stdin', '--json'], { stdin: `${ADMIN_PASSWORD}\n`, env: { PATCHWARDEN_SERVER: f.url } });
    expect(r.code).toBe(0);
    expect(jsonOf(r)).toMatchObject({ username: 'admin', previousTokenRevoked: true, passwordChanged: false });
    const old = await f.run(['whoami', '--token', before.token]);
    expect(old.code).toBe(3);
    expect(old.stderr).toContain('was revoked');
  });

  it('a wrong password exits 3 and stores nothing new', async () => {
    const before = readFileSync(f.configPath, 'utf8');
    const r = await f.run(['login', '--server', f.url, '-u', 'admin', '--password-stdin'], { stdin: 'wrong-password-123\n' });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('patchwarden: Wrong username or password.\n');
    expect(readFileSync(f.configPath, 'utf8')).toBe(before);
  });

  it('without a terminal, login needs --username and --password-stdin (exit 2)', async () => {
    const noUser = await f.run(['login', '--server', f.url]);
    expect(noUser.code).toBe(2);
    expect(noUser.stderr).toContain('give --username');
    const noPassword = await f.run(['login', '--server', f.url, '-u', 'admin']);
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('--password-stdin');
  });

  it('a user who must change the password gets it changed with PATCHWARDEN_NEW_PASSWORD', async () => {
    const created = await f.run(['users', 'create', 'carol', '--password-stdin', '--json'], { stdin: 'carol-initial-pw-1\n' });
    expect(created.code).toBe(0);
    expect(jsonOf(created)).toMatchObject({ username: 'carol', mustChangePassword: true });
    const carolConfig = `${f.dir}/carol.json`;

    const refused = await f.run(['login', '--server', f.url, '-u', 'carol', '--password-stdin'], { stdin: 'carol-initial-pw-1\n', env: { PATCHWARDEN_CLI_CONFIG: carolConfig } });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('requires carol to choose a new password first');
    expect(refused.stderr).toContain('PATCHWARDEN_NEW_PASSWORD');

    const r = await f.run(['login', '--server', f.url, '-u', 'carol', '--password-stdin'], {
      stdin: 'carol-initial-pw-1\n',
      env: { PATCHWARDEN_CLI_CONFIG: carolConfig, PATCHWARDEN_NEW_PASSWORD: 'carol-chosen-password' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Password of carol changed.');
    expect(r.stdout).toContain(`Logged in to ${f.url} as carol;`);
    const me = jsonOf(await f.run(['whoami', '--json'], { env: { PATCHWARDEN_CLI_CONFIG: carolConfig } }));
    expect(me).toMatchObject({ username: 'carol', mustChangePassword: false });
    // The old password no longer works; the new one does.
    expect((await f.run(['login', '-u', 'carol', '--password-stdin'], { stdin: 'carol-initial-pw-1\n', env: { PATCHWARDEN_CLI_CONFIG: carolConfig } })).code).toBe(3);
    expect((await f.run(['login', '-u', 'carol', '--password-stdin'], { stdin: 'carol-chosen-password\n', env: { PATCHWARDEN_CLI_CONFIG: carolConfig } })).code).toBe(0);
  });

  it('--new-password-stdin reads the new password from the second line', async () => {
    expect((await f.run(['users', 'set-password', 'carol', '--password-stdin'], { stdin: 'carol-reset-pass-2\n' })).code).toBe(0);
    const r = await f.run(['login', '--server', f.url, '-u', 'carol', '--password-stdin', '--new-password-stdin'], {
      stdin: 'carol-reset-pass-2\ncarol-third-password\n',
      env: { PATCHWARDEN_CLI_CONFIG: `${f.dir}/carol2.json` },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Password of carol changed.');
  });

  it('on a terminal, login asks for username and password without echoing the password', async () => {
    const r = await f.run(['login', '--server', f.url], { tty: [[/Username \[admin\]: $/, ''], [/Password for admin: $/, ADMIN_PASSWORD]], env: { PATCHWARDEN_CLI_CONFIG: f.configPath } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Logged in to ${f.url} as admin;`);
    expect(r.stderr).toContain('Password for admin: ');
    expect(r.stderr).not.toContain(ADMIN_PASSWORD);
  });

  it('on a terminal, login asks twice for the new password the server demands', async () => {
    expect((await f.run(['users', 'create', 'erin', '--password-stdin'], { stdin: 'erin-initial-pw-1\n' })).code).toBe(0);
    const r = await f.run(['login', '--server', f.url], {
      tty: [
        [/Username: $/, 'erin'],
        [/Password for erin: $/, 'erin-initial-pw-1'],
        [/New password \(at least 12 characters\): $/, 'too-short'],
        [/New password \(at least 12 characters\): $/, 'erin-new-password-1'],
        [/Repeat it: $/, 'erin-new-password-1'],
      ],
      env: { PATCHWARDEN_CLI_CONFIG: `${f.dir}/erin.json` },
    });
    expect(r.stderr).toContain('it needs at least 12');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Password of erin changed.');
    expect(r.stderr).not.toContain('erin-new-password-1');
  });

  it('logout revokes the token on the server and removes it from the config', async () => {
    const stored = JSON.parse(readFileSync(f.configPath, 'utf8'));
    const r = await f.run(['logout']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Logged out of ${f.url}: token pw_${stored.tokenId} revoked and removed from ${f.configPath}.\n`);
    const after = JSON.parse(readFileSync(f.configPath, 'utf8'));
    expect(after).toEqual({ server: f.url, username: 'admin' });
    const again = await f.run(['whoami', '--token', stored.token]);
    expect(again.code).toBe(3);
    const notSignedIn = await f.run(['whoami']);
    expect(notSignedIn.code).toBe(3);
    expect(notSignedIn.stderr).toContain(`not signed in to ${f.url}`);
    expect((await f.run(['logout'])).stdout).toBe(`Not logged in: no token in ${f.configPath}.\n`);
  });

  it('logout of a token the server no longer accepts removes it and says so', async () => {
    await f.loginAdmin();
    const stored = JSON.parse(readFileSync(f.configPath, 'utf8'));
    expect((await f.run(['tokens', 'revoke', stored.tokenId])).code).toBe(0);
    const r = await f.run(['logout']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the server did not accept it any more');
    expect(JSON.parse(readFileSync(f.configPath, 'utf8')).token).toBeUndefined();
  });

  it('the stored token is not sent to another server', async () => {
    await f.loginAdmin();
    const r = await f.run(['whoami', '--server', 'http://127.0.0.2:9']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`the CLI config holds a token for ${f.url}, not for http://127.0.0.2:9`);
  });
});
