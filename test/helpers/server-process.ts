/**
 * Real server processes for the replica tests: `patchwarden server` as a child process (the CLI
 * entry src/cli/bin.ts run by Node with tsx's loader), on a fresh PostgreSQL database, and a TCP
 * proxy in front of several of them (what a load balancer does for the agents).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { ADMIN_PASSWORD } from './app.js';
import { TEST_PG_URL } from './databases.js';

const REPO = join(import.meta.dirname, '../..');

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A new, empty PostgreSQL database on the test server: its URL and `drop()`. */
export async function createFreshDatabase(prefix = 'pw_e2e'): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface ServerProc {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** stdout + stderr (the tail). */
  log: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `patchwarden server --no-local-agent` as a child process on the given port and database and
 * waits for /readyz (or its death).
 */
export async function startServerProcess(name: string, input: { port?: number; databaseUrl: string; dataDir: string; env?: Record<string, string> }): Promise<ServerProc> {
  const port = input.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src/cli/bin.ts'), 'server', '--no-local-agent'], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      PATCHWARDEN_DATABASE_URL: input.databaseUrl,
      PATCHWARDEN_DATA_DIR: input.dataDir,
      PATCHWARDEN_PORT: String(port),
      PATCHWARDEN_HOST: '127.0.0.1',
      PATCHWARDEN_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PATCHWARDEN_LOG_LEVEL: 'warn',
      PATCHWARDEN_AGENT_POLL_CHECK_MS: '100',
      ...input.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const append = (c: Buffer) => {
    log = (log + c.toString('utf8')).slice(-30_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 60_000;
  for (;;) {
    if (dead) throw new Error(`server ${name} exited before it was ready:\n${log}`);
    try {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`server ${name} not ready after 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return { name, url, port, child, log: () => log, exited };
}

/** SIGKILL, and wait for the exit. */
export async function killServer(s: ServerProc): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await s.exited;
}

export interface TcpProxy {
  url: string;
  port: number;
  /** The backends `host:port` tried in turn for each new connection (a dead one is skipped). */
  setBackends(ports: number[]): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1: each connection goes to the next backend in turn; when a backend
 * refuses, the next one is tried. Open connections to a backend that dies are closed (the agents
 * reconnect through the proxy to a live one), as a load balancer would.
 */
export async function startTcpProxy(backends: number[]): Promise<TcpProxy> {
  let ports = [...backends];
  let next = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const tryBackend = (attempt: number) => {
      if (attempt >= ports.length || ports.length === 0) {
        client.destroy();
        return;
      }
      const port = ports[next++ % ports.length]!;
      const upstream = connect(port, '127.0.0.1');
      let connected = false;
      sockets.add(upstream);
      upstream.on('close', () => {
        sockets.delete(upstream);
        if (connected) client.destroy();
      });
      upstream.on('error', () => {
        upstream.destroy();
        if (!connected) tryBackend(attempt + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        client.pipe(upstream);
        upstream.pipe(client);
        client.on('close', () => upstream.destroy());
        client.resume();
      });
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setBackends(p) {
      ports = [...p];
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
