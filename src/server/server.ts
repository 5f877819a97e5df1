import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { AppError } from '../domain/errors.js';
import { createStore, migrateToLatest, openDatabase, type Store } from '../store/index.js';
import { buildApp, createLogger } from './app.js';
import { dataDirOf, sqliteFileOf, type ServerConfig } from './config.js';
import { startCleanupJob } from './jobs/cleanup.job.js';
import { startCommandsJob } from './jobs/commands.job.js';
import { startComplianceJob } from './jobs/compliance.job.js';
import { startAutomationJob } from './jobs/automation.job.js';
import { startWindowsJob } from './jobs/windows.job.js';
import { startDepsJob } from './jobs/deps.job.js';
import { bootstrap } from './services/bootstrap.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  stop(): Promise<void>;
}

/** Announces the first admin's generated password once, on the terminal (never in the logs). */
function announcePassword(out: NodeJS.WritableStream, username: string, password: string, url: string): void {
  const lines = [
    'Patchwarden created your organization and its first administrator.',
    '',
    `  username: ${username}`,
    `  password: ${password}`,
    '',
    'This password is shown only now. Sign in and choose a new one:',
    `  patchwarden login --server ${url} --username ${username}`,
    'Set PATCHWARDEN_ADMIN_PASSWORD before the first start to choose it yourself.',
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 2;
  out.write(`\n+${'-'.repeat(width)}+\n${lines.map((l) => `| ${l.padEnd(width - 1)}|`).join('\n')}\n+${'-'.repeat(width)}+\n\n`);
}

/**
 * Starts Patchwarden: opens and migrates the database, creates the organization on first start,
 * serves the API, and runs the background jobs. Stops cleanly on `stop()`.
 */
export async function startServer(config: ServerConfig, io: { logger?: pino.Logger; out?: NodeJS.WritableStream } = {}): Promise<RunningServer> {
  const logger = io.logger ?? createLogger(config.logLevel);
  const handle = openDatabase({ url: config.databaseUrl, sqliteFile: sqliteFileOf(config) });
  try {
    await handle.ping();
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw new AppError('unavailable', `Cannot reach the database ${handle.location}: ${(err as Error).message}. Check PATCHWARDEN_DATABASE_URL, or unset it to use SQLite.`, { cause: err });
  }
  const applied = await migrateToLatest(handle);
  logger.info({ database: handle.location, applied }, 'database ready');
  const store = createStore(handle);
  const clock = () => new Date();
  const first = await bootstrap({ store, clock, config, logger }, config.adminPassword);
  if (first.created) logger.info({ admin: first.adminUsername, passwordFrom: first.generatedPassword === undefined ? 'PATCHWARDEN_ADMIN_PASSWORD' : 'generated' }, 'organization created');

  const https = config.tlsCertFile !== undefined && config.tlsKeyFile !== undefined
    ? { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) }
    : undefined;
  const { app, services } = await buildApp({ config, store, clock, logger, ...(https === undefined ? {} : { https }) });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    await store.close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new AppError('unavailable', `Port ${config.port} on ${config.host} is in use; stop the other process or set PATCHWARDEN_PORT.`, { cause: err });
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const url = `${https === undefined ? 'http' : 'https'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, dataDir: dataDirOf(config), database: store.location }, 'server listening');
  if (first.generatedPassword !== undefined && first.adminUsername !== undefined) {
    announcePassword(io.out ?? process.stdout, first.adminUsername, first.generatedPassword, url);
  }
  const stopCleanup = startCleanupJob({ store, clock, logger, loginWindowMinutes: config.loginWindowMinutes }, `${hostname()}:${process.pid}:${randomUUID()}`);
  const stopCommands = startCommandsJob({ store, clock, logger, notifier: services.notifier }, `${hostname()}:${process.pid}:${randomUUID()}`);
  const complianceJob = startComplianceJob({ store, clock, logger, compliance: services.compliance }, `${hostname()}:${process.pid}:${randomUUID()}`, config.complianceIntervalSeconds * 1000);
  const automationJob = startAutomationJob({ store, clock, logger, config, services }, `${hostname()}:${process.pid}:${randomUUID()}`);
  const windowsJob = startWindowsJob({ store, clock, logger, config, services }, `${hostname()}:${process.pid}:${randomUUID()}`);
  const depsJob = startDepsJob({ store, clock, logger, config, services }, `${hostname()}:${process.pid}:${randomUUID()}`);
  return {
    app,
    store,
    url,
    async stop() {
      await automationJob.stop();
      windowsJob.stop();
      await depsJob.stop();
      stopCleanup();
      stopCommands();
      complianceJob.stop();
      await app.close();
      await store.close();
    },
  };
}
