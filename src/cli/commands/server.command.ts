import type { Command } from 'commander';
import { loadServerConfig, type ServerConfig } from '../../server/config.js';
import { startServer } from '../../server/server.js';
import type { CliIo } from '../io.js';

/** `patchwarden server`: runs the control plane (API, background jobs). */
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
    .addHelpText(
      'after',
      `
On first start the server creates the organization, the "default" account and the user "admin",
whose password is PATCHWARDEN_ADMIN_PASSWORD or, when unset, generated and printed once.
Every setting and its environment variable is listed in the README (Configuration).`,
    )
    .action(async (opts: { config?: string; host?: string; port?: string; dataDir?: string; databaseUrl?: string; logLevel?: string }) => {
      const flags: Partial<Record<keyof ServerConfig, unknown>> = {
        host: opts.host,
        port: opts.port,
        dataDir: opts.dataDir,
        databaseUrl: opts.databaseUrl,
        logLevel: opts.logLevel,
      };
      const config = loadServerConfig({ file: opts.config ?? io.env.PATCHWARDEN_CONFIG, env: io.env, flags });
      const server = await startServer(config, { out: io.stdout });
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        server.app.log.info({ signal }, 'server stopping');
        server.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });
}
