import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build` writes the dashboard: dist/web at the package root (from src/ or dist/ alike). */
export const DEFAULT_WEB_ROOT = resolve(import.meta.dirname, '../../../dist/web');

/**
 * The dashboard's Content-Security-Policy: scripts and connections only to this origin; inline
 * styles are allowed because the charting library positions its tooltips with style attributes.
 */
export const WEB_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const NOT_BUILT_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Patchwarden</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Patchwarden</h1>
<p>The dashboard is not built on this server. Build it with <code>npm run build</code> (it writes
<code>dist/web</code>), or point <code>PATCHWARDEN_WEB_ROOT</code> at a built copy, and restart.</p>
<p>The API and its documentation are available: <a href="/api/docs">/api/docs</a>.</p>
</body></html>
`;

/** Paths that belong to the API or the system routes: never answered with the dashboard. */
const NOT_DASHBOARD = /^\/(api|healthz|readyz|metrics)(\/|$|\?)/;

/**
 * Serves the built single-page dashboard: hashed assets under /assets/ (cached for a year), and
 * index.html for `/` and every other GET that asks for HTML and is not an API path, so that deep
 * links (`/nodes/nd_…`) load the application. Without a build, `/` explains how to build it.
 */
export async function webRoutes(app: FastifyInstance, webRoot: string | undefined): Promise<void> {
  const root = resolve(webRoot ?? DEFAULT_WEB_ROOT);
  const indexFile = join(root, 'index.html');
  const built = existsSync(indexFile);
  // Read once: the build does not change under a running server (a rebuild needs a restart).
  const index = built ? readFileSync(indexFile, 'utf8') : NOT_BUILT_HTML;

  if (built && existsSync(join(root, 'assets'))) {
    await app.register(fastifyStatic, {
      root: join(root, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      list: false,
      maxAge: '365d',
      immutable: true,
      // The build writes .br and .gz next to each asset (web/vite.config.ts): sent when the browser accepts them.
      preCompressed: true,
      setHeaders: (res) => {
        res.setHeader('content-security-policy', WEB_CSP);
      },
    });
  }
  if (built && existsSync(join(root, 'favicon.svg'))) {
    const icon = readFileSync(join(root, 'favicon.svg'));
    app.get('/favicon.svg', async (_request, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(icon));
  }

  const sendIndex = (reply: FastifyReply) =>
    reply.header('content-security-policy', WEB_CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);

  app.get('/', async (_request, reply) => sendIndex(reply));
  app.get('/*', async (request, reply) => {
    const accept = request.headers.accept ?? '';
    if (NOT_DASHBOARD.test(request.url) || request.url.startsWith('/assets/') || !accept.includes('text/html')) return reply.callNotFound();
    return sendIndex(reply);
  });
}
