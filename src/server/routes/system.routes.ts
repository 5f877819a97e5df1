import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { canReadOrganization } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import type { AnyEndpoint } from '../../contracts/api.js';
import { openApiDocument } from '../http/openapi.js';
import { SESSION_COOKIE } from '../services/auth.service.js';
import type { ServiceDeps } from '../services/context.js';
import type { Services } from '../services/index.js';

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Patchwarden API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;
const DOCS_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/** Health, readiness, metrics, the OpenAPI document and its docs page. */
export async function systemRoutes(
  app: FastifyInstance,
  deps: ServiceDeps,
  services: Services,
  registry: Registry,
  endpoints: () => readonly AnyEndpoint[],
  version: string,
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok', version }));

  app.get('/readyz', async (request, reply) => {
    try {
      await deps.store.ping();
      return { status: 'ready', database: deps.store.dialect };
    } catch (err) {
      request.log.warn({ err }, 'database not reachable');
      return reply.status(503).send({ error: { code: 'unavailable', message: `The database (${deps.store.location}) does not answer.` } });
    }
  });

  app.get('/metrics', async (request, reply) => {
    if (!deps.config.metricsPublic) {
      const authn = await services.auth.authenticate(request.headers.authorization, request.cookies[SESSION_COOKIE]);
      if (authn.principal === null) {
        throw new AppError('unauthenticated', authn.problem ?? 'Metrics need an API token of an org-admin or org-auditor (Authorization: Bearer), or metricsPublic: true.');
      }
      if (!canReadOrganization(authn.principal)) throw new AppError('forbidden', 'Metrics need the org-admin or org-auditor role.');
    }
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });

  let document: Record<string, unknown> | undefined;
  app.get('/api/v1/openapi.json', async () => {
    document ??= openApiDocument(endpoints(), version);
    return document;
  });

  const require = createRequire(import.meta.url);
  const assets = dirname(require.resolve('swagger-ui-dist/package.json'));
  await app.register(fastifyStatic, { root: assets, prefix: '/api/docs/assets/', index: false, list: false, wildcard: false, allowedPath: (p) => /^\/swagger-ui[\w.-]*\.(js|css)$/.test(p) });
  app.get('/api/docs', async (_request, reply) => reply.header('content-security-policy', DOCS_CSP).type('text/html; charset=utf-8').send(DOCS_HTML));
  app.get('/api/docs/init.js', async (_request, reply) => reply.type('application/javascript; charset=utf-8').send(DOCS_INIT));
}
