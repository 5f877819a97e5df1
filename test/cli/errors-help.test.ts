import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, startCliFixture, type CliFixture } from './harness.js';

/** A URL on which nothing listens: a port taken from the OS, then released. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('patchwarden exit codes, errors and help', () => {
  let f: CliFixture;
  beforeAll(async () => {
    f = await startCliFixture();
    await f.loginAdmin();
  });
  afterAll(async () => {
    await f.close();
  });

  it('usage errors exit 2', async () => {
    const unknown = await f.run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const option = await f.run(['accounts', 'list', '--colour']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--colour'");
    const missing = await f.run(['accounts', 'create']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'name'");
    const limit = await f.run(['users', 'list', '--limit', 'many']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('expected a whole number from 1 to 500');
    const noSub = await f.run(['tokens']);
    expect(noSub.code).toBe(2);
    expect(noSub.stderr).toContain('Usage: patchwarden tokens');
    const badUrl = await f.run(['whoami', '--server', 'ftp://example.com']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('is not an http:// or https:// URL');
  });

  it('an unreachable server exits 7 with a message naming the URL', async () => {
    const url = await deadUrl();
    const r = await f.run(['whoami', '--server', url, '--token', 'pw_tok_x.y']);
    expect(r.code).toBe(7);
    expect(r.stderr).toBe(`patchwarden: cannot reach ${url}: connection refused; is the server running? set --server or PATCHWARDEN_SERVER\n`);
    const login = await f.run(['login', '-u', 'admin', '--password-stdin'], { stdin: 'x\n', env: { PATCHWARDEN_SERVER: url } });
    expect(login.code).toBe(7);
    expect(login.stderr).toContain(`cannot reach ${url}`);
  });

  it('logout keeps the token when the server is unreachable, unless --local-only', async () => {
    const url = await deadUrl();
    const config = `${f.dir}/dead.json`;
    writeFileSync(config, JSON.stringify({ server: url, token: 'pw_tok_abc.def', tokenId: 'tok_abc' }), { mode: 0o600 });
    const kept = await f.run(['logout'], { env: { PATCHWARDEN_CLI_CONFIG: config } });
    expect(kept.code).toBe(7);
    expect(kept.stderr).toContain(`cannot reach ${url}`);
    expect(JSON.parse(readFileSync(config, 'utf8')).token).toBe('pw_tok_abc.def');
    const forgotten = await f.run(['logout', '--local-only'], { env: { PATCHWARDEN_CLI_CONFIG: config } });
    expect(forgotten.code).toBe(0);
    expect(forgotten.stdout).toContain('not revoked on the server (--local-only)');
  });

  it('a broken CLI config is an error naming the file (exit 1)', async () => {
    const config = `${f.dir}/broken.json`;
    writeFileSync(config, '{ not json');
    const r = await f.run(['whoami'], { env: { PATCHWARDEN_CLI_CONFIG: config } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the CLI config ${config} is not valid JSON`);
  });

  it('not signed in exits 3 and says how to sign in', async () => {
    const r = await f.run(['accounts', 'list'], { env: { PATCHWARDEN_CLI_CONFIG: `${f.dir}/none.json`, PATCHWARDEN_SERVER: f.url } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`not signed in to ${f.url}; run \`patchwarden login --server ${f.url}\``);
  });

  it('--json output of every read command parses', async () => {
    for (const args of [['whoami'], ['accounts', 'list'], ['accounts', 'show', 'default'], ['accounts', 'members', 'default'], ['users', 'list'], ['users', 'show', 'admin'], ['tokens', 'list'], ['audit', 'list']]) {
      const r = await f.run([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(typeof jsonOf(r), args.join(' ')).toBe('object');
    }
  });

  it('--help of every command exits 0 and shows a description and examples', async () => {
    const top = await f.run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('--server <url>');
    expect(top.stdout).toContain('Exit codes:');
    const commands = [
      ['login'], ['logout'], ['whoami'],
      ['accounts', 'list'], ['accounts', 'create'], ['accounts', 'show'], ['accounts', 'update'], ['accounts', 'delete'], ['accounts', 'members'], ['accounts', 'grant'], ['accounts', 'revoke'],
      ['users', 'list'], ['users', 'create'], ['users', 'show'], ['users', 'update'], ['users', 'set-password'], ['users', 'delete'],
      ['tokens', 'list'], ['tokens', 'create'], ['tokens', 'revoke'], ['audit', 'list'],
    ];
    for (const args of commands) {
      const r = await f.run([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toContain(`Usage: patchwarden ${args.join(' ')}`);
      expect(r.stdout, args.join(' ')).toContain(`Examples:\n  patchwarden ${args[0]}`);
    }
    expect((await f.run(['login', '--help'])).stdout).toMatch(/Global Options:\n(.*\n)* {2}--server <url> /);
    expect((await f.run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
