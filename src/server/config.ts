import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { AppError } from '../domain/errors.js';

const Bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);
const Int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The server's configuration: defaults < config file < environment < command-line flags. */
export const ServerConfig = z.strictObject({
  /** Address to listen on. */
  host: z.string().min(1).default('127.0.0.1'),
  port: Int(0, 65535).default(8420),
  /** Where Patchwarden keeps its SQLite database and other state. */
  dataDir: z.string().min(1).default('.patchwarden'),
  /** `postgres://user:pass@host:5432/db`; when unset the SQLite file `<dataDir>/patchwarden.db` is used. */
  databaseUrl: z.string().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Password of the first admin, used only when the organization is created; otherwise one is generated and printed once. */
  adminPassword: z.string().min(12, 'PATCHWARDEN_ADMIN_PASSWORD needs at least 12 characters').max(1024).optional(),
  /** Lifetime of a browser session. */
  sessionTtlHours: Int(1, 24 * 30).default(12),
  /** Sign-in failures allowed per username, and per client address, within the window. */
  loginMaxFailuresPerUser: Int(1, 1000).default(10),
  loginMaxFailuresPerIp: Int(1, 100000).default(50),
  loginWindowMinutes: Int(1, 24 * 60).default(15),
  /** Trust X-Forwarded-For from a reverse proxy (true, or a list of proxy addresses/CIDRs). */
  trustProxy: z.union([Bool, z.string()]).default(false),
  /** Force the Secure attribute on the session cookie (default: on when TLS is configured). */
  cookieSecure: Bool.optional(),
  /** Serve /metrics without credentials (for a Prometheus on a trusted network). */
  metricsPublic: Bool.default(false),
  /** Largest accepted request body. */
  bodyLimitBytes: Int(1024, 512 * 1024 * 1024).default(1024 * 1024),
  tlsCertFile: z.string().optional(),
  tlsKeyFile: z.string().optional(),
  /** Agents read CVE ids of pending security updates from the candidates' changelogs (apt; downloads each candidate .deb). */
  agentSecurityCves: Bool.default(false),
  /** How often agents send a heartbeat; a node unseen for 3 intervals is ConnectionLost. */
  agentHeartbeatSeconds: Int(5, 3600).default(60),
  /** How often a waiting long-poll looks for new invocations in the database (other replicas' commands). */
  agentPollCheckMs: Int(50, 10_000).default(1000),
  /** How often the compliance job re-evaluates stale nodes (changed baselines, SLA, advisories; passed due dates). */
  complianceIntervalSeconds: Int(1, 86_400).default(30),
  /** How often the automation engine looks for execution work (steps to start, commands to follow, timers). */
  automationIntervalMs: Int(50, 60_000).default(1000),
  /** How long a replica holds an execution it works on; another replica takes it over after this when it dies. */
  automationLeaseSeconds: Int(2, 3600).default(30),
  /** How often maintenance windows and patch policy schedules are looked at. */
  windowsIntervalSeconds: Int(1, 3600).default(30),
  /** Failed enrollments allowed per client address within loginWindowMinutes. */
  enrollMaxFailuresPerIp: Int(1, 100000).default(20),
  /** Run an agent for this machine in the server process (`patchwarden server`), scan-only unless localAgentInstall. */
  localAgent: Bool.default(true),
  /** Let the local agent install packages (off: Install commands sent to it fail as refused). */
  localAgentInstall: Bool.default(false),
  /** The root the local agent manages (`/`: this machine; tests use a throw-away root). */
  localAgentRoot: z.string().min(1).default('/'),
  /** The built dashboard (`npm run build` writes it); unset: dist/web next to the server's code. */
  webRoot: z.string().min(1).optional(),
  /** The agent bundle served at /downloads/patchwarden-agent.mjs; unset: dist/agent.mjs next to dist/web. */
  agentBundle: z.string().min(1).optional(),
  /** Where `file:NAME` credentials of repositories are read: `<secretsDir>/<accountId>/NAME`; unset: `<dataDir>/secrets`. */
  secretsDir: z.string().min(1).optional(),
  /** How often the dependency job looks for due scheduled scans and queued scans of repositories. */
  depsIntervalSeconds: Int(1, 3600).default(60),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

/** Environment variables and the config keys they set. */
export const ENV_KEYS: Record<string, keyof ServerConfig> = {
  PATCHWARDEN_HOST: 'host',
  PATCHWARDEN_PORT: 'port',
  PATCHWARDEN_DATA_DIR: 'dataDir',
  PATCHWARDEN_DATABASE_URL: 'databaseUrl',
  PATCHWARDEN_LOG_LEVEL: 'logLevel',
  PATCHWARDEN_ADMIN_PASSWORD: 'adminPassword',
  PATCHWARDEN_SESSION_TTL_HOURS: 'sessionTtlHours',
  PATCHWARDEN_LOGIN_MAX_FAILURES_PER_USER: 'loginMaxFailuresPerUser',
  PATCHWARDEN_LOGIN_MAX_FAILURES_PER_IP: 'loginMaxFailuresPerIp',
  PATCHWARDEN_LOGIN_WINDOW_MINUTES: 'loginWindowMinutes',
  PATCHWARDEN_TRUST_PROXY: 'trustProxy',
  PATCHWARDEN_COOKIE_SECURE: 'cookieSecure',
  PATCHWARDEN_METRICS_PUBLIC: 'metricsPublic',
  PATCHWARDEN_BODY_LIMIT_BYTES: 'bodyLimitBytes',
  PATCHWARDEN_TLS_CERT_FILE: 'tlsCertFile',
  PATCHWARDEN_TLS_KEY_FILE: 'tlsKeyFile',
  PATCHWARDEN_AGENT_SECURITY_CVES: 'agentSecurityCves',
  PATCHWARDEN_AGENT_HEARTBEAT_SECONDS: 'agentHeartbeatSeconds',
  PATCHWARDEN_AGENT_POLL_CHECK_MS: 'agentPollCheckMs',
  PATCHWARDEN_ENROLL_MAX_FAILURES_PER_IP: 'enrollMaxFailuresPerIp',
  PATCHWARDEN_COMPLIANCE_INTERVAL_SECONDS: 'complianceIntervalSeconds',
  PATCHWARDEN_AUTOMATION_INTERVAL_MS: 'automationIntervalMs',
  PATCHWARDEN_AUTOMATION_LEASE_SECONDS: 'automationLeaseSeconds',
  PATCHWARDEN_WINDOWS_INTERVAL_SECONDS: 'windowsIntervalSeconds',
  PATCHWARDEN_LOCAL_AGENT: 'localAgent',
  PATCHWARDEN_LOCAL_AGENT_INSTALL: 'localAgentInstall',
  PATCHWARDEN_LOCAL_AGENT_ROOT: 'localAgentRoot',
  PATCHWARDEN_WEB_ROOT: 'webRoot',
  PATCHWARDEN_AGENT_BUNDLE: 'agentBundle',
  PATCHWARDEN_SECRETS_DIR: 'secretsDir',
  PATCHWARDEN_DEPS_INTERVAL_SECONDS: 'depsIntervalSeconds',
};

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AppError('validation', `Cannot read the config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (err) {
    throw new AppError('validation', `The config file ${path} is not valid YAML or JSON: ${(err as Error).message}`, { cause: err });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('validation', `The config file ${path} must hold a mapping of settings (key: value).`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Builds the configuration from the optional file (YAML or JSON), the environment and flags, and
 * validates it once. Errors name the setting, its source and what is allowed.
 */
export function loadServerConfig(input: {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  flags?: Partial<Record<keyof ServerConfig, unknown>>;
}): ServerConfig {
  const env = input.env ?? process.env;
  const fromFile = input.file === undefined ? {} : readConfigFile(input.file);
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const fromFlags = Object.fromEntries(Object.entries(input.flags ?? {}).filter(([, v]) => v !== undefined));
  const merged = { ...fromFile, ...fromEnv, ...fromFlags };
  const result = ServerConfig.safeParse(merged);
  if (!result.success) {
    const envByKey = Object.fromEntries(Object.entries(ENV_KEYS).map(([k, v]) => [v, k]));
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      if (issue.code === 'unrecognized_keys') {
        return `unknown setting(s) ${issue.keys.join(', ')} in ${input.file ?? 'the configuration'}; known settings: ${Object.keys(ServerConfig.shape).join(', ')}`;
      }
      const source = key in fromFlags ? `flag --${key}` : key in fromEnv ? `environment ${envByKey[key] ?? key}` : `${key} in ${input.file ?? 'the configuration'}`;
      return `${source}: ${issue.message}`;
    });
    throw new AppError('validation', `Invalid configuration: ${problems.join('; ')}`, { details: result.error.issues });
  }
  const config = result.data;
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    throw new AppError('validation', 'Invalid configuration: TLS needs both tlsCertFile and tlsKeyFile (PATCHWARDEN_TLS_CERT_FILE, PATCHWARDEN_TLS_KEY_FILE).');
  }
  return config;
}

/** The absolute data directory. */
export function dataDirOf(config: ServerConfig, cwd = process.cwd()): string {
  return isAbsolute(config.dataDir) ? config.dataDir : resolve(cwd, config.dataDir);
}

/** The SQLite file used when no PostgreSQL URL is configured. */
export function sqliteFileOf(config: ServerConfig, cwd = process.cwd()): string {
  return join(dataDirOf(config, cwd), 'patchwarden.db');
}

/** The absolute secrets directory (`file:NAME` credentials of repositories live in its `<accountId>/` folders). */
export function secretsDirOf(config: ServerConfig, cwd = process.cwd()): string {
  if (config.secretsDir === undefined) return join(dataDirOf(config, cwd), 'secrets');
  return isAbsolute(config.secretsDir) ? config.secretsDir : resolve(cwd, config.secretsDir);
}
