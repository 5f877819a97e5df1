import { randomUUID } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Store } from '../store/index.js';
import type { ServerConfig } from './config.js';
import { createClientErrorHandler, frameworkErrorHandler, installErrorHandling } from './http/errors.js';
import { installMetrics } from './http/metrics.js';
import { Router } from './http/register.js';
import { accountRoutes } from './routes/accounts.routes.js';
import { advisoriesRoutes } from './routes/advisories.routes.js';
import { agentRoutes } from './routes/agent.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { baselineRoutes } from './routes/baselines.routes.js';
import { complianceRoutes } from './routes/compliance.routes.js';
import { downloadRoutes } from './routes/downloads.routes.js';
import { nodeRoutes } from './routes/nodes.routes.js';
import { systemRoutes } from './routes/system.routes.js';
import { webRoutes } from './routes/web.routes.js';
import { targetRoutes } from './routes/targets.routes.js';
import { userRoutes } from './routes/users.routes.js';
import { runbooksRoutes } from './routes/runbooks.routes.js';
import { executionsRoutes } from './routes/executions.routes.js';
import { delegationsRoutes } from './routes/delegations.routes.js';
import { windowsRoutes } from './routes/windows.routes.js';
import { policiesRoutes } from './routes/policies.routes.js';
import { repositoriesRoutes } from './routes/repositories.routes.js';
import type { Clock, ServiceDeps } from './services/context.js';
import { createServices, type Services } from './services/index.js';
import { VERSION } from './version.js';

export interface AppOptions {
  config: ServerConfig;
  store: Store;
  clock?: Clock;
  logger?: pino.Logger;
  https?: { key: Buffer; cert: Buffer };
}

export interface App {
  app: FastifyInstance;
  services: Services;
  router: Router;
}

/** Paths of secrets that must never reach the logs, whatever is logged. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'password',
  'newPassword',
  'currentPassword',
  'token',
  '*.password',
  '*.token',
];

/** The pino logger of the server: JSON lines with fixed messages; secrets redacted. */
export function createLogger(level: ServerConfig['logLevel'], destination?: pino.DestinationStream): pino.Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'patchwarden' } }, destination);
}

/** Builds the Fastify application over a migrated store (no listening, no background jobs). */
export async function buildApp(options: AppOptions): Promise<App> {
  const { config, store } = options;
  const logger = options.logger ?? createLogger('silent');
  const deps: ServiceDeps = { store, clock: options.clock ?? (() => new Date()), config, logger };
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    // A client must send its whole request within this time (slow-body connections are closed).
    requestTimeout: 120_000,
    // Path parameters: ids (at most 64 characters), patch group names (256 characters, up to 3,072 URL-encoded).
    routerOptions: { maxParamLength: 3072 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: createClientErrorHandler(logger),
    ...(options.https === undefined ? {} : { https: options.https }),
  }) as unknown as FastifyInstance;

  await app.register(fastifyCookie);
  installErrorHandling(app);
  const registry = installMetrics(app);

  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-request-id', request.id);
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    if (request.url.startsWith('/api/v1/')) void reply.header('cache-control', 'no-store');
    return payload;
  });

  const services = createServices(deps);
  const router = new Router(app, services.auth, deps);
  const secure = config.cookieSecure ?? config.tlsCertFile !== undefined;
  authRoutes(router, services, { secure, ttlSeconds: config.sessionTtlHours * 3600 });
  accountRoutes(router, services);
  userRoutes(router, services);
  nodeRoutes(router, services);
  baselineRoutes(router, services);
  complianceRoutes(router, services);
  agentRoutes(router, services);
  targetRoutes(router, services);
  runbooksRoutes(router, services);
  executionsRoutes(router, services);
  delegationsRoutes(router, services);
  windowsRoutes(router, services);
  policiesRoutes(router, services);
  advisoriesRoutes(router, services);
  repositoriesRoutes(router, services);
  // Waiting long-polls answer at once when the server stops, so closing does not wait for them.
  app.addHook('preClose', async () => {
    services.notifier.close();
  });
  await systemRoutes(app, deps, services, registry, () => router.registered, VERSION);
  await downloadRoutes(app, config.agentBundle);
  await webRoutes(app, config.webRoot);
  return { app, services, router };
}
