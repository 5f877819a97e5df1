import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

/** The CLI's own file: which server it talks to and the API token it signs in with. */
export const CliConfig = z.object({
  server: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  tokenId: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
});
export type CliConfig = z.infer<typeof CliConfig>;

/** The server used when neither --server, PATCHWARDEN_SERVER nor the config file names one. */
export const DEFAULT_SERVER = 'http://127.0.0.1:8420';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where the CLI config lives: `$PATCHWARDEN_CLI_CONFIG`, else `$XDG_CONFIG_HOME/patchwarden/cli.json`,
 * else `~/.config/patchwarden/cli.json`.
 */
export function cliConfigPath(env: Env): string {
  const explicit = env.PATCHWARDEN_CLI_CONFIG;
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env.HOME ?? homedir(), '.config');
  return join(base, 'patchwarden', 'cli.json');
}

/** Reads the CLI config; a missing file is an empty config, a broken one an error naming the file. */
export function readCliConfig(path: string): CliConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read the CLI config ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`the CLI config ${path} is not valid JSON; fix it or delete it and run \`patchwarden login\` again`, { cause: err });
  }
  const parsed = CliConfig.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the CLI config ${path} is invalid (${issue === undefined ? '' : `${issue.path.join('.')}: ${issue.message}`}); fix it or delete it and run \`patchwarden login\` again`);
  }
  return parsed.data;
}

/** True when others than the owner may read the file (it holds a secret). */
export function isReadableByOthers(path: string): boolean {
  try {
    return (statSync(path).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

/**
 * Writes the CLI config atomically with mode 0600 (its directory is created with mode 0700). An
 * empty config removes the file.
 */
export function writeCliConfig(path: string, config: CliConfig): void {
  const clean = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  if (Object.keys(clean).length === 0) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(clean, null, 2)}\n`, { mode: 0o600, flag: 'w' });
    chmodSync(temp, 0o600);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new Error(`cannot write the CLI config ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** `http://host:port` without a trailing slash; refuses what is not an http(s) URL. */
export function normalizeServerUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return undefined;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
