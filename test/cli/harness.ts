import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { loadServerConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

export const ADMIN_PASSWORD = 'admin-password-for-cli-tests';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A buffer to hand to the CLI as stdout or stderr; `onWrite` sees everything written so far. */
function capture(onWrite?: (all: string) => void): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      onWrite?.(chunks.join(''));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/**
 * A pretend terminal: stdin says it is a TTY, and each answer is typed once its prompt (a regex
 * matched against stderr after the previous answer) has appeared, as a person would.
 */
function scriptedTerminal(answers: readonly (readonly [RegExp, string])[]): { stdin: PassThrough & { isTTY: boolean }; stderr: ReturnType<typeof capture> } {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  let next = 0;
  let seen = 0;
  const stderr = capture((all) => {
    const step = answers[next];
    if (step === undefined || !step[0].test(all.slice(seen))) return;
    next++;
    seen = all.length;
    setImmediate(() => stdin.write(`${step[1]}\r`));
  });
  return { stdin, stderr };
}

export interface CliFixture {
  server: RunningServer;
  url: string;
  /** The temp directory: holds the SQLite data dir and the CLI config. */
  dir: string;
  configPath: string;
  /** Runs `patchwarden <args>` in-process with the fixture's CLI config; stdin is `stdin` (not a TTY). */
  run(args: string[], options?: { stdin?: string; tty?: readonly (readonly [RegExp, string])[]; env?: Record<string, string | undefined> }): Promise<CliRun>;
  /** Logs the CLI in as admin (stores a token in the config). */
  loginAdmin(): Promise<void>;
  close(): Promise<void>;
}

/** A real server on a free port with a fresh SQLite data dir, and a CLI wired to a temp config file. */
export async function startCliFixture(): Promise<CliFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-cli-'));
  const config = loadServerConfig({
    env: {
      PATCHWARDEN_DATA_DIR: join(dir, 'data'),
      PATCHWARDEN_PORT: '0',
      PATCHWARDEN_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PATCHWARDEN_LOG_LEVEL: 'silent',
    },
  });
  const server = await startServer(config);
  const configPath = join(dir, 'home', 'patchwarden', 'cli.json');
  const fixture: CliFixture = {
    server,
    url: server.url,
    dir,
    configPath,
    async run(args, options = {}) {
      const out = capture();
      const env = { PATCHWARDEN_CLI_CONFIG: configPath, HOME: join(dir, 'home'), ...options.env };
      const terminal = options.tty === undefined ? undefined : scriptedTerminal(options.tty);
      const err = terminal?.stderr ?? capture();
      const stdin = terminal?.stdin ?? Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]);
      const code = await main(['node', 'patchwarden', ...args], { stdout: out.stream, stderr: err.stream, stdin, env });
      terminal?.stdin.end();
      return { code, stdout: out.text(), stderr: err.text() };
    },
    async loginAdmin() {
      const r = await fixture.run(['login', '--server', server.url, '--username', 'admin', '--password-stdin'], { stdin: `${ADMIN_PASSWORD}\n` });
      if (r.code !== 0) throw new Error(`admin login failed (${r.code}): ${r.stderr}`);
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Parses a CLI run's stdout as JSON, failing with the run's output when it is not. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary API JSON
export function jsonOf<T = any>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}
