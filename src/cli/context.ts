import type { Command } from 'commander';
import { AppError } from '../domain/errors.js';
import { VERSION } from '../server/version.js';
import { cliConfigPath, DEFAULT_SERVER, isReadableByOthers, normalizeServerUrl, readCliConfig, type CliConfig } from './cli-config.js';
import { ApiClient, type Credentials } from './client.js';
import { UsageError, type CliIo } from './io.js';
import { formatFields, formatJson, formatTable, pageFooter, type Column } from './output.js';
import { readAllStdin } from './prompt.js';

/** The global options every command inherits (`patchwarden --server URL --token TOKEN <command>`). */
export interface GlobalOptions {
  server?: string;
  token?: string;
}

/** Where the server URL came from, to say so in messages. */
export type ServerSource = '--server' | 'PATCHWARDEN_SERVER' | 'config' | 'default';

/**
 * What the commands of one run share: the streams, the CLI config, the resolved server and token,
 * API clients and printing. Settings: flags > environment > config file > defaults.
 */
export class CliContext {
  private config: CliConfig | undefined;
  private stdinLines: Promise<string[]> | undefined;

  constructor(readonly io: CliIo) {}

  get configPath(): string {
    return cliConfigPath(this.io.env);
  }

  /** The CLI config file's content (read once per run). */
  readConfig(): CliConfig {
    if (this.config === undefined) {
      const path = this.configPath;
      this.config = readCliConfig(path);
      if (this.config.token !== undefined && isReadableByOthers(path)) {
        this.warn(`the CLI config ${path} holds a token and is readable by others; run: chmod 600 ${path}`);
      }
    }
    return this.config;
  }

  /** The server to talk to and where that choice came from. */
  server(cmd: Command): { url: string; source: ServerSource } {
    const globals = cmd.optsWithGlobals<GlobalOptions>();
    const envServer = this.io.env.PATCHWARDEN_SERVER;
    const [value, source]: [string, ServerSource] =
      globals.server !== undefined
        ? [globals.server, '--server']
        : envServer !== undefined && envServer !== ''
          ? [envServer, 'PATCHWARDEN_SERVER']
          : this.readConfig().server !== undefined
            ? [this.readConfig().server ?? '', 'config']
            : [DEFAULT_SERVER, 'default'];
    const url = normalizeServerUrl(value);
    if (url === undefined) throw new UsageError(`${source === 'config' ? `server in ${this.configPath}` : source} "${value}" is not an http:// or https:// URL (e.g. http://127.0.0.1:8420)`);
    return { url, source };
  }

  /**
   * The API token: --token, else PATCHWARDEN_TOKEN, else the config file's token, the latter only
   * when the config was written for the same server (a token is never sent to another server).
   */
  token(cmd: Command, server: string): string | undefined {
    const globals = cmd.optsWithGlobals<GlobalOptions>();
    if (globals.token !== undefined && globals.token !== '') return globals.token;
    const envToken = this.io.env.PATCHWARDEN_TOKEN;
    if (envToken !== undefined && envToken !== '') return envToken;
    const config = this.readConfig();
    if (config.token !== undefined && config.server !== undefined && normalizeServerUrl(config.server) === server) return config.token;
    return undefined;
  }

  /** A client without credentials or with the given ones. */
  clientFor(server: string, credentials: Credentials): ApiClient {
    return new ApiClient({ server, credentials, userAgent: `patchwarden-cli/${VERSION}` });
  }

  /** A client signed in with the API token; fails with exit code 3 when there is none. */
  client(cmd: Command): ApiClient {
    const { url } = this.server(cmd);
    const token = this.token(cmd, url);
    if (token === undefined) {
      const stored = this.readConfig();
      const elsewhere = stored.token !== undefined && stored.server !== undefined ? ` (the CLI config holds a token for ${stored.server}, not for ${url})` : '';
      throw new AppError('unauthenticated', `not signed in to ${url}${elsewhere}; run \`patchwarden login --server ${url}\`, or set PATCHWARDEN_TOKEN or --token`);
    }
    return this.clientFor(url, { token });
  }

  /** The lines of stdin (read once), for --password-stdin and --new-password-stdin. */
  async stdinLine(index: number, what: string): Promise<string> {
    this.stdinLines ??= readAllStdin(this.io).then((text) => text.split(/\r?\n/));
    const line = (await this.stdinLines)[index];
    if (line === undefined || line === '') throw new UsageError(`${what}: expected it on line ${index + 1} of stdin, found nothing`);
    return line;
  }

  out(text: string): void {
    this.io.stdout.write(text);
  }

  warn(text: string): void {
    this.io.stderr.write(`patchwarden: warning: ${text}\n`);
  }

  json(value: unknown): void {
    this.out(formatJson(value));
  }

  /**
   * Reports a change whose API answer is empty (204): `result` as JSON with --json, else `text`.
   */
  done(json: boolean | undefined, result: Record<string, unknown>, text: string): void {
    if (json === true) this.json(result);
    else this.out(text);
  }

  fields(fields: readonly (readonly [string, string | number | boolean | null | undefined])[]): void {
    this.out(formatFields(fields));
  }

  /** A list page as a table (or a "no …" line), with a footer when more exists. */
  table<T>(page: { items: readonly T[]; total: number; limit: number; offset: number }, columns: readonly Column<T>[], noun: string): void {
    if (page.items.length === 0) this.out(page.total === 0 ? `No ${noun}.\n` : `No ${noun} at offset ${page.offset} (there are ${page.total}).\n`);
    else this.out(formatTable(page.items, columns));
    const footer = pageFooter(page);
    if (footer !== undefined) this.io.stderr.write(footer);
  }
}
