/**
 * Git against real repositories created here and real remotes: `git daemon` (git://) for pushes,
 * fetches, force-pushes and deletions, and `git http-backend` behind a Basic-auth HTTP server for
 * credentials. Runs with no global or system git config and no identity, as on a brand-new machine.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.js';
import { Git } from '../../src/deps/git.js';
import { startGitDaemon, startGitHttpServer, type GitRemoteServer } from './git-daemon.js';

const BRANCH = 'patchwarden/npm-lodash';
let root: string;
let daemon: GitRemoteServer;
const savedEnv: Record<string, string | undefined> = {};
let counter = 0;

/** Raw git for the test's own setup (init, inspection), in the same config-less environment. */
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function fresh(name: string): string {
  counter += 1;
  const dir = join(root, `${name}-${counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A new work tree on `main` with one commit (through Git itself). */
async function newRepository(files: Record<string, string> = { 'package.json': '{ "name": "app" }\n', 'README.md': '# app\n' }): Promise<Git> {
  const dir = fresh('work');
  git(dir, 'init', '--quiet', '--initial-branch=main');
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const repo = new Git(dir);
  await repo.commitAll('initial commit');
  return repo;
}

function bareRemote(base: string, name: string): string {
  const path = join(base, name);
  git(base, 'init', '--quiet', '--bare', '--initial-branch=main', path);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'patchwarden-git-'));
  // A brand-new machine: no global/system config, no identity in the environment.
  const env: Record<string, string | undefined> = { HOME: root, XDG_CONFIG_HOME: join(root, '.config'), GIT_CONFIG_GLOBAL: join(root, 'no-gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
  for (const key of ['EMAIL', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_CONFIG_COUNT']) env[key] = undefined;
  for (const [key, value] of Object.entries(env)) {
    savedEnv[key] = process.env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  mkdirSync(join(root, 'remotes'));
  bareRemote(join(root, 'remotes'), 'app.git');
  daemon = await startGitDaemon(join(root, 'remotes'));
});

afterAll(async () => {
  await daemon?.stop();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(root, { recursive: true, force: true });
});

describe('Git on a local repository', () => {
  it('tells a work tree from other folders', async () => {
    const repo = await newRepository();
    expect(await repo.isRepository()).toBe(true);
    expect(await new Git(fresh('plain')).isRepository()).toBe(false);
    expect(await new Git(join(root, 'does-not-exist')).isRepository()).toBe(false);
  });

  it('commits with the default identity and no git config, and nothing when nothing changed', async () => {
    const dir = fresh('work');
    git(dir, 'init', '--quiet', '--initial-branch=main');
    const repo = new Git(dir);
    expect(await repo.currentBranch()).toBe('main');
    expect((await rejection(repo.head())).message).toContain('has no commit yet');
    expect(await repo.isClean()).toBe(true);
    writeFileSync(join(dir, 'package.json'), '{}\n');
    mkdirSync(join(dir, 'packages/a'), { recursive: true });
    writeFileSync(join(dir, 'packages/a/package.json'), '{}\n');
    expect(await repo.isClean()).toBe(false);
    expect(await repo.changedFiles()).toEqual(['package.json', 'packages/a/package.json']);
    const sha = await repo.commitAll('Initial commit\n\nwith a body line');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await repo.head()).toBe(sha);
    expect(await repo.isClean()).toBe(true);
    expect(await repo.commitAll('nothing')).toBeNull();
    expect(git(dir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%B').trim()).toBe('Patchwarden <patchwarden@localhost>|Patchwarden <patchwarden@localhost>|Initial commit\n\nwith a body line');

    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    await repo.commitAll('By someone', { name: 'Sec Bot', email: 'sec-bot@example.com' });
    expect(git(dir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>').trim()).toBe('Sec Bot <sec-bot@example.com>|Sec Bot <sec-bot@example.com>');
    expect((await rejection(repo.commitAll('x', { name: 'a', email: 'a<b' }))).code).toBe('validation');
  });

  it('branches, lists changed files, commits, compares trees, writes a patch that applies, checks out and resets', async () => {
    const repo = await newRepository({ 'package.json': '{ "name": "app" }\n', 'package-lock.json': '{}\n', 'old.txt': 'old\n', '.gitignore': 'node_modules/\n' });
    const mainTree = await repo.treeOf('main');
    await repo.checkoutNewBranch(BRANCH, 'main');
    expect(await repo.currentBranch()).toBe(BRANCH);
    expect(await repo.treeOf('HEAD')).toBe(mainTree);

    writeFileSync(join(repo.dir, 'package-lock.json'), '{ "lockfileVersion": 3 }\n');
    unlinkSync(join(repo.dir, 'old.txt'));
    writeFileSync(join(repo.dir, 'new file.txt'), 'new\n');
    mkdirSync(join(repo.dir, 'node_modules'));
    writeFileSync(join(repo.dir, 'node_modules/ignored.js'), '');
    expect(await repo.changedFiles()).toEqual(['new file.txt', 'old.txt', 'package-lock.json']);
    const sha = await repo.commitAll('Update dependency lodash to v4.17.21 [SECURITY]');
    expect(sha).not.toBeNull();
    expect(await repo.treeOf(BRANCH)).not.toBe(mainTree);
    expect(await repo.isClean()).toBe(true);

    const patch = join(root, 'patches', `${counter}`, 'npm-lodash.patch');
    await repo.formatPatch('main', patch);
    const text = readFileSync(patch, 'utf8');
    expect(text).toContain('Subject: [PATCH] Update dependency lodash to v4.17.21 [SECURITY]');
    expect(text).toContain('From: Patchwarden <patchwarden@localhost>');
    expect(text).toContain('+{ "lockfileVersion": 3 }');
    // The patch applies on main with git am, giving the branch's tree.
    await repo.checkout('main');
    expect(readFileSync(join(repo.dir, 'old.txt'), 'utf8')).toBe('old\n');
    git(repo.dir, 'checkout', '--quiet', '-b', 'applied');
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'am', '--quiet', patch], { cwd: repo.dir, stdio: 'pipe' });
    expect(await repo.treeOf('applied')).toBe(await repo.treeOf(BRANCH));

    // Reset: tracked changes and untracked files go, ignored files stay.
    await repo.checkout(BRANCH);
    writeFileSync(join(repo.dir, 'package.json'), 'broken');
    writeFileSync(join(repo.dir, 'stray.txt'), 'x');
    mkdirSync(join(repo.dir, 'stray-dir'));
    writeFileSync(join(repo.dir, 'stray-dir/f'), 'x');
    await repo.resetHard('main');
    expect(await repo.isClean()).toBe(true);
    expect(await repo.treeOf('HEAD')).toBe(mainTree);
    expect(existsSync(join(repo.dir, 'stray.txt'))).toBe(false);
    expect(existsSync(join(repo.dir, 'stray-dir'))).toBe(false);
    expect(existsSync(join(repo.dir, 'node_modules/ignored.js'))).toBe(true);
    // checkout -B recreates the branch from the start point.
    await repo.checkoutNewBranch('applied', 'main');
    expect(await repo.treeOf('applied')).toBe(mainTree);
    expect(git(repo.dir, 'config', '--local', '--list')).not.toMatch(/^branch\./m); // --no-track: no upstream set
  });

  it('fails with clean errors naming the command and git\'s message', async () => {
    const repo = await newRepository();
    const missing = await rejection(repo.checkout('no-such-branch'));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toBe('git checkout --quiet no-such-branch -- failed (exit 128): fatal: invalid reference: no-such-branch; check the remote, branch or commit name');
    expect((await rejection(repo.treeOf('nope'))).code).toBe('not_found');
    expect((await rejection(repo.checkoutNewBranch('--upload-pack=evil', 'main'))).code).toBe('validation');
    expect((await rejection(repo.checkoutNewBranch('a..b', 'main'))).message).toContain('is not valid in git');
    expect((await rejection(repo.checkout('-f'))).code).toBe('validation');
    const notRepo = await rejection(new Git(fresh('plain')).changedFiles());
    expect(notRepo.code).toBe('validation');
    expect(notRepo.message).toMatch(/git status .* failed \(exit 128\): fatal: not a git repository/);
  });
});

describe('Git with a real remote (git daemon)', () => {
  it('pushes branches, fetches them back, verifies trees, force-pushes an update and deletes the remote branch', async () => {
    const remote = daemon.url('app.git');
    const repo = await newRepository({ 'package.json': '{ "name": "app" }\n', 'package-lock.json': '{ "v": 1 }\n' });
    await repo.push(remote, 'main');
    expect(await repo.remoteBranchTree(remote, 'main')).toBe(await repo.treeOf('main'));
    expect(await repo.remoteBranchTree(remote, BRANCH)).toBeNull();

    await repo.checkoutNewBranch(BRANCH, 'main');
    writeFileSync(join(repo.dir, 'package-lock.json'), '{ "v": 2 }\n');
    await repo.commitAll('Update dependency lodash to v4.17.21 [SECURITY]');
    await repo.push(remote, BRANCH);
    const firstTree = await repo.treeOf(BRANCH);

    // Another machine clones the branch (shallow) and sees the same tree.
    const other = await Git.clone(remote, join(fresh('clone'), 'app'), { branch: BRANCH, depth: 1 });
    expect(await other.currentBranch()).toBe(BRANCH);
    expect(await other.treeOf('HEAD')).toBe(firstTree);
    expect(readFileSync(join(other.dir, 'package-lock.json'), 'utf8')).toBe('{ "v": 2 }\n');
    expect(await other.remoteUrl('origin')).toBe(remote);
    expect(await other.remoteUrl('upstream')).toBeNull();
    expect(await other.remoteUrl(remote)).toBeNull();
    expect(await other.gitDir()).toBe(join(other.dir, '.git'));
    // A configured remote name works too and updates its tracking ref.
    expect(await other.remoteBranchTree('origin', BRANCH)).toBe(firstTree);
    expect(git(other.dir, 'rev-parse', `refs/remotes/origin/${BRANCH}^{tree}`).trim()).toBe(firstTree);

    // The fix is recreated on main (a rerun): a plain push is refused, a force push replaces it.
    await repo.checkoutNewBranch(BRANCH, 'main');
    writeFileSync(join(repo.dir, 'package-lock.json'), '{ "v": 3 }\n');
    await repo.commitAll('Update dependency lodash to v4.17.21 [SECURITY]');
    const rejected = await rejection(repo.push(remote, BRANCH));
    expect(rejected.code).toBe('conflict');
    expect(rejected.message).toContain(`git push --quiet --no-verify -- ${remote} refs/heads/${BRANCH}:refs/heads/${BRANCH} failed`);
    expect(rejected.message).toMatch(/\[rejected\]/);
    await repo.push(remote, BRANCH, { force: true });
    const secondTree = await repo.treeOf(BRANCH);
    expect(secondTree).not.toBe(firstTree);
    expect(await other.remoteBranchTree('origin', BRANCH)).toBe(secondTree);
    expect(await repo.remoteBranchTree(remote, BRANCH)).toBe(secondTree);
    // Pushing the same content again is a no-op.
    await repo.push(remote, BRANCH);

    await repo.deleteRemoteBranch(remote, BRANCH);
    expect(await repo.remoteBranchTree(remote, BRANCH)).toBeNull();
    expect(git(join(root, 'remotes/app.git'), 'for-each-ref', '--format=%(refname)').trim()).toBe('refs/heads/main');
    await repo.deleteRemoteBranch(remote, BRANCH); // already gone: fine
  });

  it('reports an unknown repository, an unreachable remote and a remote that never answers', async () => {
    const repo = await newRepository();
    const unknown = await rejection(repo.push(daemon.url('missing.git'), 'main'));
    expect(unknown.message).toContain(`git push --quiet --no-verify -- ${daemon.url('missing.git')} refs/heads/main:refs/heads/main failed`);
    expect(unknown.message).toContain('failed (exit 128): fatal: remote error: no such repository: /missing.git; check the remote');
    expect(unknown.code).toBe('not_found');

    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const refused = await rejection(repo.remoteBranchTree(`git://127.0.0.1:${closed}/app.git`, 'main'));
    expect(refused.code).toBe('unavailable');
    expect(refused.message).toMatch(/Connection refused|unable to connect/i);

    // A server that accepts the connection and never answers: the timeout stops git.
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    const slow = await rejection(Git.clone(`git://127.0.0.1:${port}/app.git`, join(fresh('clone'), 'app'), { timeoutMs: 700 }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(slow.code).toBe('unavailable');
    expect(slow.message).toMatch(/^git clone --quiet --no-tags -- git:\/\/127\.0\.0\.1:\d+\/app\.git .* did not finish within 1 s and was stopped/);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});

describe('Git credentials (smart HTTP with Basic auth, through git http-backend)', () => {
  it('sends the token only as an http.extraHeader from the environment, never in argv, URLs, config or errors', async () => {
    const token = 'pwtok_9f8e7d6c5b4a3210';
    const basic = Buffer.from(`patchwarden:${token}`).toString('base64');
    const projects = fresh('http');
    bareRemote(projects, 'app.git');
    const http = await startGitHttpServer(projects, { username: 'patchwarden', token });
    // A recording wrapper in front of the real git: every argument list git receives is logged.
    const bin = fresh('bin');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    const argvLog = join(bin, 'argv.log');
    writeFileSync(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path ?? ''}`;
    try {
      const auth = { username: 'patchwarden', token };
      const seed = await newRepository();
      const seedWithAuth = new Git(seed.dir, { auth });
      await seedWithAuth.push(http.url('app.git'), 'main');

      const clone = await Git.clone(http.url('app.git'), join(fresh('clone'), 'app'), { auth });
      expect(await clone.treeOf('HEAD')).toBe(await seed.treeOf('main'));
      await clone.checkoutNewBranch(BRANCH, 'main');
      writeFileSync(join(clone.dir, 'package.json'), '{ "name": "app", "fixed": true }\n');
      await clone.commitAll('fix');
      await clone.push('origin', BRANCH);
      expect(await clone.remoteBranchTree('origin', BRANCH)).toBe(await clone.treeOf(BRANCH));
      expect(await seedWithAuth.remoteBranchTree(http.url('app.git'), BRANCH)).toBe(await clone.treeOf(BRANCH));
      await clone.deleteRemoteBranch('origin', BRANCH);
      expect(await clone.remoteBranchTree('origin', BRANCH)).toBeNull();
      expect(http.authorized()).toBeGreaterThan(5);
      // Nothing persisted: the clone's config holds no header and no token.
      expect(readFileSync(join(clone.dir, '.git/config'), 'utf8')).not.toMatch(/extraheader|pwtok|Authorization/i);

      // Without credentials: fails at once (no prompt), says so.
      const anonymous = await rejection(Git.clone(http.url('app.git'), join(fresh('clone'), 'app')));
      expect(anonymous.code).toBe('unauthenticated');
      expect(anonymous.message).toMatch(/terminal prompts disabled|Authentication failed/);
      // A wrong token: a clean error without the token or the header value.
      const wrong = await rejection(new Git(clone.dir, { auth: { username: 'patchwarden', token: 'wrong-token-123' } }).remoteBranchTree('origin', 'main'));
      expect(wrong.code).toBe('unauthenticated');
      expect(wrong.message).toContain('git fetch --quiet --no-tags --no-recurse-submodules -- origin +refs/heads/main:refs/remotes/origin/main failed');
      expect(JSON.stringify([wrong.message, wrong.details])).not.toMatch(/wrong-token-123|d3Jvbmct/);
      // Credentials someone put in a URL are redacted from errors.
      const inUrl = await rejection(Git.clone(`http://someone:url-secret-42@127.0.0.1:${http.port}/app.git`, join(fresh('clone'), 'app')));
      expect(inUrl.message).toContain('http://***@127.0.0.1');
      expect(JSON.stringify([inUrl.message, inUrl.details])).not.toContain('url-secret-42');

      const argv = readFileSync(argvLog, 'utf8');
      expect(argv).toContain('clone --quiet --no-tags --');
      expect(argv).toContain(`push --quiet --no-verify -- origin refs/heads/${BRANCH}:refs/heads/${BRANCH}`);
      expect(argv).not.toContain(token);
      expect(argv).not.toContain(basic);
      expect(argv).not.toMatch(/extraheader|Authorization/i);
    } finally {
      process.env.PATH = path;
      await http.stop();
    }
  });
});
