/**
 * Git operations of dependency patching, through the real git CLI (never a library, never a shell):
 * every command is `git` with an argument array, a timeout, `LC_ALL=C` (parseable messages),
 * `GIT_TERMINAL_PROMPT=0` (a missing credential fails instead of waiting for a prompt) and none of
 * the `GIT_DIR`-like variables a hook may have left in the environment.
 *
 * Credentials go only through the environment (`GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/
 * `GIT_CONFIG_VALUE_n` = `http.extraHeader: Authorization: Basic base64(user:token)`), never in the
 * argument list, a URL or the repository's config; errors and their details are redacted (the token,
 * its base64 form, and any `user:password@` of a URL). Commits carry the identity given, by default
 * `Patchwarden <patchwarden@localhost>`, through `GIT_AUTHOR_*`/`GIT_COMMITTER_*`, so no global git
 * config is needed; commits and pushes skip the repository's hooks (`--no-verify`, as Renovate does).
 */
import { spawn } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AppError, type ErrorCode } from '../domain/errors.js';

/** Sent as an http.extraHeader (Basic), never in argv/URL. `username` defaults to `x-access-token`. */
export interface GitAuth {
  readonly username?: string;
  readonly token: string;
}

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export interface GitOptions {
  readonly auth?: GitAuth;
  /** Kill a git command after this many milliseconds (default 5 minutes). */
  readonly timeoutMs?: number;
}

export const DEFAULT_GIT_IDENTITY: GitIdentity = { name: 'Patchwarden', email: 'patchwarden@localhost' };
const DEFAULT_TIMEOUT_MS = 300_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Variables that would point git at another repository (set by hooks, `git rebase --exec`, ...). */
const REPOSITORY_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX'];

interface RunOptions {
  readonly cwd: string;
  readonly timeoutMs: number;
  readonly auth?: GitAuth | undefined;
  readonly input?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Exit codes that are answers, not failures (default: only 0). */
  readonly ok?: readonly number[];
}

interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The strings that must never appear in an error: the token, `user:token` and the header value. */
function secretsOf(auth: GitAuth | undefined): string[] {
  if (auth === undefined || auth.token === '') return [];
  const pair = `${auth.username ?? 'x-access-token'}:${auth.token}`;
  return [Buffer.from(pair).toString('base64'), pair, auth.token];
}

/** Removes secrets and URL credentials (`scheme://user:pass@host` -> `scheme://***@host`). */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@');
}

function gitEnv(options: RunOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !REPOSITORY_ENV.includes(key)) env[key] = value;
  Object.assign(env, { LC_ALL: 'C', LANGUAGE: '', GIT_TERMINAL_PROMPT: '0' }, options.env);
  const auth = options.auth;
  if (auth !== undefined && auth.token !== '') {
    // Appended after any config entries the caller's environment already carries.
    const index = Number.parseInt(env.GIT_CONFIG_COUNT ?? '0', 10) || 0;
    const basic = Buffer.from(`${auth.username ?? 'x-access-token'}:${auth.token}`).toString('base64');
    env.GIT_CONFIG_COUNT = String(index + 1);
    env[`GIT_CONFIG_KEY_${index}`] = 'http.extraHeader';
    env[`GIT_CONFIG_VALUE_${index}`] = `Authorization: Basic ${basic}`;
  }
  return env;
}

const FAILURES: readonly { readonly test: RegExp; readonly code: ErrorCode; readonly fix: string }[] = [
  {
    test: /authentication failed|could not read (username|password)|terminal prompts disabled|returned error: 40[13]|permission denied \(publickey|access denied|invalid (username|credentials)/i,
    code: 'unauthenticated',
    fix: 'check the token (and username) and that it may read and write this repository',
  },
  {
    test: /could not resolve host|connection refused|connection timed out|failed to connect|network is unreachable|unable to connect|remote end hung up unexpectedly/i,
    code: 'unavailable',
    fix: 'check the remote URL and that the host is reachable',
  },
  { test: /\[rejected\]|non-fast-forward|fetch first|stale info|\[remote rejected\]/i, code: 'conflict', fix: 'the remote branch has changed; fetch it first, or push with force' },
  { test: /would be overwritten|please commit your changes|local changes/i, code: 'conflict', fix: 'the work tree has local changes; commit or reset them first' },
  { test: /not a git repository/i, code: 'validation', fix: 'run it on a git work tree (clone or `git init` first)' },
  {
    test: /does not appear to be a git repository|no such repository|repository .*not found|returned error: 404|couldn't find remote ref|unknown revision|bad revision|not a valid object name|invalid reference|did not match any/i,
    code: 'not_found',
    fix: 'check the remote, branch or commit name',
  },
];

/** The last lines of a command's stderr, on one line. */
function tail(stderr: string): string {
  const lines = stderr.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) => l !== '');
  const text = lines.slice(-6).join(' | ');
  return text.length > 1200 ? `...${text.slice(-1200)}` : text;
}

function failure(args: readonly string[], options: RunOptions, result: { code: number | null; stderr: string; timedOut: boolean; overflow: boolean }): AppError {
  const secrets = secretsOf(options.auth);
  const command = redact(['git', ...args].join(' '), secrets);
  const stderr = redact(tail(result.stderr), secrets);
  const details = { command, exitCode: result.code, stderr };
  if (result.timedOut) {
    return new AppError('unavailable', `${command} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped${stderr === '' ? '' : ` (${stderr})`}; check the remote is reachable or raise the timeout`, { details });
  }
  if (result.overflow) return new AppError('internal', `${command} wrote more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB of output and was stopped`, { details });
  const known = FAILURES.find((f) => f.test.test(result.stderr));
  const what = stderr === '' ? 'no message' : stderr;
  return new AppError(known?.code ?? 'internal', `${command} failed (exit ${result.code ?? 'signal'}): ${what}; ${known?.fix ?? "see git's message"}`, { details });
}

/** Runs git; resolves with the output when the exit code is accepted, rejects with a clean AppError otherwise. */
function runGit(args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    // Own process group, so a timeout also stops the remote helpers git started.
    const child = spawn('git', args, { cwd: options.cwd, env: gitEnv(options), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let overflow = false;
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) {
        overflow = true;
        kill();
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const message = e.code === 'ENOENT' ? 'git is not installed or not on PATH; install git (Debian/Ubuntu: apt-get install git)' : `git could not be started: ${e.message}`;
      reject(new AppError('unavailable', message, { cause: e }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (!timedOut && !overflow && code !== null && (options.ok ?? [0]).includes(code)) resolvePromise({ code, stdout, stderr });
      else reject(failure(args, options, { code, stderr, timedOut, overflow }));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Refuses names git would read as options, and empty or multi-line names. */
function refArg(value: string, what: string): string {
  if (value === '' || value.startsWith('-') || /[\0\n\r]/.test(value)) {
    throw new AppError('validation', `${what} ${JSON.stringify(value)} is not a valid git name; use a branch name, tag or commit (not starting with "-")`);
  }
  return value;
}

function identityEnv(author: GitIdentity): Record<string, string> {
  for (const [field, value] of [['name', author.name], ['email', author.email]] as const) {
    if (value.trim() === '' || /[<>\n\r\0]/.test(value)) {
      throw new AppError('validation', `commit author ${field} ${JSON.stringify(value)} is not valid; give a non-empty ${field} without <, > or line breaks`);
    }
  }
  return { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email };
}

/** Paths of `git status --porcelain=v1 -z` (both sides of a rename). */
function statusPaths(output: string): string[] {
  const paths = new Set<string>();
  const entries = output.split('\0');
  for (let i = 0; i < entries.length; i += 1) {
    const entry = entries[i] ?? '';
    if (entry.length < 4) continue;
    paths.add(entry.slice(3));
    if (entry[0] === 'R' || entry[0] === 'C') {
      const original = entries[i + 1];
      if (original !== undefined && original !== '') paths.add(original);
      i += 1;
    }
  }
  return [...paths].sort();
}

export class Git {
  readonly #auth: GitAuth | undefined;
  readonly #timeoutMs: number;

  constructor(
    readonly dir: string,
    options: GitOptions = {},
  ) {
    this.#auth = options.auth;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /**
   * Clones `url` into `dir` (its parent is created). `depth` makes a shallow clone of one branch.
   *
   * @example
   *   const git = await Git.clone('https://github.com/octo/app.git', '/tmp/app', { branch: 'main', depth: 1, auth: { token } });
   */
  static async clone(url: string, dir: string, options: { branch?: string; depth?: number; auth?: GitAuth; timeoutMs?: number } = {}): Promise<Git> {
    const target = resolve(dir);
    await mkdir(dirname(target), { recursive: true });
    const args = ['clone', '--quiet', '--no-tags'];
    if (options.branch !== undefined) args.push('--branch', refArg(options.branch, 'branch'));
    if (options.depth !== undefined) {
      if (!Number.isInteger(options.depth) || options.depth < 1) throw new AppError('validation', `clone depth ${options.depth} is not valid; give a whole number of commits, 1 or more`);
      args.push('--depth', String(options.depth));
    }
    args.push('--', refArg(url, 'repository URL'), target);
    const git = new Git(target, { ...(options.auth === undefined ? {} : { auth: options.auth }), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
    await runGit(args, { cwd: dirname(target), timeoutMs: git.#timeoutMs, auth: options.auth });
    return git;
  }

  #run(args: readonly string[], extra: Omit<RunOptions, 'cwd' | 'timeoutMs' | 'auth'> = {}): Promise<RunResult> {
    return runGit(args, { ...extra, cwd: this.dir, timeoutMs: this.#timeoutMs, auth: this.#auth });
  }

  async #branchArg(branch: string): Promise<string> {
    refArg(branch, 'branch');
    const result = await this.#run(['check-ref-format', '--branch', branch], { ok: [0, 1, 128] });
    if (result.code !== 0) throw new AppError('validation', `branch name ${JSON.stringify(branch)} is not valid in git (see \`git check-ref-format\`); use letters, digits, "-", "_", "." and "/"`);
    return branch;
  }

  /** True when `dir` is inside a git work tree. */
  async isRepository(): Promise<boolean> {
    const info = await stat(this.dir).catch(() => null);
    if (info === null || !info.isDirectory()) return false;
    const result = await this.#run(['rev-parse', '--is-inside-work-tree'], { ok: [0, 128] });
    return result.code === 0 && result.stdout.trim() === 'true';
  }

  /** The absolute path of the repository's git directory (`.git`, or the one of a linked worktree). */
  async gitDir(): Promise<string> {
    return (await this.#run(['rev-parse', '--absolute-git-dir'])).stdout.trim();
  }

  /** The fetch URL of a configured remote (`insteadOf` rules applied), or null when there is no remote of that name. */
  async remoteUrl(remote: string): Promise<string | null> {
    const result = await this.#run(['remote', 'get-url', '--', refArg(remote, 'remote')], { ok: [0, 2, 128] });
    return result.code === 0 ? result.stdout.trim() : null;
  }

  /** The checked-out branch, or null when HEAD is detached. */
  async currentBranch(): Promise<string | null> {
    const result = await this.#run(['symbolic-ref', '--quiet', '--short', 'HEAD'], { ok: [0, 1] });
    return result.code === 0 ? result.stdout.trim() : null;
  }

  /** The commit sha of HEAD. */
  async head(): Promise<string> {
    const result = await this.#run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { ok: [0, 1] });
    if (result.code !== 0) throw new AppError('validation', `${this.dir} has no commit yet; commit something first`);
    return result.stdout.trim();
  }

  /** True when nothing is modified, staged or untracked (ignored files do not count). */
  async isClean(): Promise<boolean> {
    return (await this.changedFiles()).length === 0;
  }

  /** `git checkout -B branch from` (without upstream tracking). */
  async checkoutNewBranch(branch: string, from: string): Promise<void> {
    await this.#run(['checkout', '--quiet', '--no-track', '-B', await this.#branchArg(branch), refArg(from, 'start point'), '--']);
  }

  async checkout(ref: string): Promise<void> {
    await this.#run(['checkout', '--quiet', refArg(ref, 'ref'), '--']);
  }

  /** `git reset --hard ref` and `git clean -fd`: the work tree becomes exactly `ref` (ignored files stay). */
  async resetHard(ref: string): Promise<void> {
    await this.#run(['reset', '--hard', '--quiet', refArg(ref, 'ref'), '--']);
    await this.#run(['clean', '-fd', '--quiet']);
  }

  /** Files modified, staged, deleted or untracked, relative to the repository root, sorted. */
  async changedFiles(): Promise<string[]> {
    const result = await this.#run(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
    return statusPaths(result.stdout);
  }

  /** Stages everything and commits; the new commit sha, or null when nothing changed. */
  async commitAll(message: string, author: GitIdentity = DEFAULT_GIT_IDENTITY): Promise<string | null> {
    if (message.trim() === '') throw new AppError('validation', 'the commit message is empty; give a message');
    const env = identityEnv(author);
    await this.#run(['add', '--all']);
    const staged = await this.#run(['diff', '--cached', '--quiet'], { ok: [0, 1] });
    if (staged.code === 0) return null;
    await this.#run(['commit', '--quiet', '--no-verify', '--file=-'], { input: message, env });
    return this.head();
  }

  /** Writes `git format-patch --stdout base..HEAD` to `outFile` (its folder is created). */
  async formatPatch(base: string, outFile: string): Promise<void> {
    const result = await this.#run(['format-patch', '--stdout', '--no-signature', `${refArg(base, 'base')}..HEAD`, '--']);
    await mkdir(dirname(resolve(outFile)), { recursive: true });
    await writeFile(outFile, result.stdout);
  }

  /** The tree sha of a ref: equal trees mean equal content. */
  async treeOf(ref: string): Promise<string> {
    const result = await this.#run(['rev-parse', '--verify', '--quiet', `${refArg(ref, 'ref')}^{tree}`], { ok: [0, 1, 128] });
    if (result.code !== 0) throw new AppError('not_found', `${ref} is not a commit in ${this.dir}; check the branch or commit name`);
    return result.stdout.trim();
  }

  /**
   * Fetches `branch` from `remote` (a remote name or URL) and returns its tree sha, or null when the
   * remote has no such branch. For a configured remote the tracking ref `refs/remotes/<remote>/<branch>` is updated.
   */
  async remoteBranchTree(remote: string, branch: string): Promise<string | null> {
    await this.#branchArg(branch);
    refArg(remote, 'remote');
    const remotes = (await this.#run(['remote'])).stdout.split('\n').map((r) => r.trim());
    const source = `refs/heads/${branch}`;
    const refspec = remotes.includes(remote) ? `+${source}:refs/remotes/${remote}/${branch}` : source;
    try {
      await this.#run(['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--', remote, refspec]);
    } catch (err) {
      const stderr = err instanceof AppError ? String((err.details as { stderr?: string } | undefined)?.stderr ?? '') : '';
      if (/couldn't find remote ref/i.test(stderr)) return null;
      throw err;
    }
    return this.treeOf('FETCH_HEAD');
  }

  /** Pushes the local `branch` to the same name on `remote` (a remote name or URL). */
  async push(remote: string, branch: string, options: { force?: boolean } = {}): Promise<void> {
    const ref = `refs/heads/${await this.#branchArg(branch)}`;
    await this.#run(['push', '--quiet', '--no-verify', ...(options.force === true ? ['--force'] : []), '--', refArg(remote, 'remote'), `${ref}:${ref}`]);
  }

  /** Deletes `branch` on `remote`; a branch already gone is not an error. */
  async deleteRemoteBranch(remote: string, branch: string): Promise<void> {
    const ref = `refs/heads/${await this.#branchArg(branch)}`;
    try {
      await this.#run(['push', '--quiet', '--no-verify', '--', refArg(remote, 'remote'), `:${ref}`]);
    } catch (err) {
      const stderr = err instanceof AppError ? String((err.details as { stderr?: string } | undefined)?.stderr ?? '') : '';
      if (/remote ref does not exist/i.test(stderr)) return;
      throw err;
    }
  }
}
