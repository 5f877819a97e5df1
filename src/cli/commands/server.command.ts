import type { Command } from 'commander';
import type pino from 'pino';
import { loadServerConfig, type ServerConfig } from '../../server/config.js';
import { startServer, type RunningServer } from '../../server/server.js';
import type { CliIo } from '../io.js';
import { startLocalAgent, type LocalAgent } from '../local-agent.js';

export interface ServerProcess {
  server: RunningServer;
  /** The agent for this machine, or null (turned off, deregistered, or this machine cannot be scanned). */
  localAgent: LocalAgent | null;
  /** Stops the local agent, then the server. */
  stop(): Promise<void>;
}

/** What `patchwarden server` starts: the server, then (unless localAgent is off) the agent for this machine. */
export async function runServer(config: ServerConfig, io: { logger?: pino.Logger; out?: NodeJS.WritableStream } = {}): Promise<ServerProcess> {
  const server = await startServer(config, io);
  const localAgent = config.localAgent ? await startLocalAgent(server, config, server.app.log) : null;
  return {
    server,
    localAgent,
    async stop() {
      await localAgent?.stop();
      await server.stop();
    },
  };
}

/** `patchwarden server`: runs the control plane (API, background jobs) and the agent for this machine. */
export function registerServerCommand(program: Command, io: CliIo): void {
  program
    .command('server')
    .description('Run the Patchwarden server (API and background jobs). Settings: flags > environment > config file > defaults.')
    .option('-c, --config <file>', 'YAML or JSON config file (env PATCHWARDEN_CONFIG)')
    .option('--host <address>', 'address to listen on (env PATCHWARDEN_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env PATCHWARDEN_PORT, default 8420)')
    .option('--data-dir <dir>', 'data directory, holds the SQLite database (env PATCHWARDEN_DATA_DIR, default ./.patchwarden)')
    .option('--database-url <url>', 'PostgreSQL URL postgres://… instead of SQLite (env PATCHWARDEN_DATABASE_URL)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env PATCHWARDEN_LOG_LEVEL, default info)')
    .option('--no-local-agent', 'do not run the scan-only agent for this machine (env PATCHWARDEN_LOCAL_AGENT=false)')
    .addHelpText(
      'after',
      `
On first start the server creates the organization, the "default" account and the user "admin",
whose password is PATCHWARDEN_ADMIN_PASSWORD or, when unset, generated and printed once.
It also runs a scan-only agent for this machine: a node in the "default" account tagged
patchwarden:local=true (--no-local-agent or PATCHWARDEN_LOCAL_AGENT=false turns it off).
Every setting and its environment variable is listed in the README (Configuration).`,
    )
    .action(async (opts: { config?: string; host?: string; port?: string; dataDir?: string; databaseUrl?: string; logLevel?: string; localAgent?: boolean }) => {
      const flags: Partial<Record<keyof ServerConfig, unknown>> = {
        host: opts.host,
        port: opts.port,
        dataDir: opts.dataDir,
        databaseUrl: opts.databaseUrl,
        logLevel: opts.logLevel,
        // Only the flag's "off": without it, the environment and the config file decide.
        localAgent: opts.localAgent === false ? false : undefined,
      };
      const config = loadServerConfig({ file: opts.config ?? io.env.PATCHWARDEN_CONFIG, env: io.env, flags });
      const running = await runServer(config, { out: io.stdout });
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        running.server.app.log.info({ signal }, 'server stopping');
        running.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
