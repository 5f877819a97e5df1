/**
 * Real git remotes for the tests, on 127.0.0.1 only:
 * - `startGitDaemon(basePath)`: `git daemon` (Debian's git package ships it as
 *   /usr/lib/git-core/git-daemon) exporting every repository below `basePath`, push enabled, on a
 *   free port; resolves once the port answers; `stop()` kills it and waits for it to exit.
 * - `startGitHttpServer(projectRoot, credentials)`: git's smart HTTP protocol through the real
 *   `git http-backend` (CGI) behind node:http, answering 401 unless the request carries
 *   `Authorization: Basic base64(username:token)` — to prove that credentials travel as a header.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';

export interface GitRemoteServer {
  readonly port: number;
  /** The clone URL of a repository below the base path, e.g. url('app.git'). */
  url(repository: string): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Starts `git daemon` on `basePath`; throws with the daemon's stderr when it does not come up within 10 s. */
export async function startGitDaemon(basePath: string): Promise<GitRemoteServer> {
  const port = await freePort();
  const child = spawn(
    'git',
    ['daemon', '--export-all', '--enable=receive-pack', `--base-path=${basePath}`, `--port=${port}`, '--listen=127.0.0.1', '--reuseaddr', '--informative-errors', basePath],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
  };
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`git daemon did not start on port ${port}: ${stderr.trim() || 'no message'}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { port, url: (repository) => `git://127.0.0.1:${port}/${repository}`, stop };
}

/** Runs `git http-backend` for one request and relays its CGI answer. */
function relay(projectRoot: string, req: IncomingMessage, res: ServerResponse, remoteUser: string): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LC_ALL: 'C',
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: remoteUser,
    REMOTE_ADDR: '127.0.0.1',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
  };
  const encoding = req.headers['content-encoding'];
  if (typeof encoding === 'string') env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env.HTTP_GIT_PROTOCOL = protocol;
  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon === -1) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    headersSent = true;
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', () => {
    if (!headersSent) res.writeHead(500);
    res.end();
  });
}

/**
 * Serves the repositories below `projectRoot` over smart HTTP at http://127.0.0.1:<port>/<repo>,
 * fetch and push, only with Basic `username:token`. `requests` counts requests with and without
 * the right header (a wrong one answers 401, as a forge does).
 */
export async function startGitHttpServer(
  projectRoot: string,
  credentials: { username: string; token: string },
): Promise<GitRemoteServer & { readonly authorized: () => number; readonly refused: () => number }> {
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.token}`).toString('base64')}`;
  let authorized = 0;
  let refused = 0;
  const server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      refused += 1;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="patchwarden-test"', 'Content-Type': 'text/plain' });
      res.end('Unauthorized\n');
      req.resume();
      return;
    }
    authorized += 1;
    relay(projectRoot, req, res, credentials.username);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (repository) => `http://127.0.0.1:${port}/${repository}`,
    authorized: () => authorized,
    refused: () => refused,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
