import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { DEFAULT_WEB_ROOT } from './web.routes.js';

/** Where `npm run build` writes the agent bundle: dist/agent.mjs, next to dist/web. */
export const DEFAULT_AGENT_BUNDLE = join(dirname(DEFAULT_WEB_ROOT), 'agent.mjs');

/** The public path of the agent bundle (the dashboard's enroll command downloads it). */
export const AGENT_DOWNLOAD_PATH = '/downloads/patchwarden-agent.mjs';

interface Bundle {
  mtimeMs: number;
  size: number;
  body: Buffer;
  sha256: string;
}

/**
 * Public downloads (no sign-in: a host being enrolled has no credentials yet): the agent bundle,
 * one file that needs only Node.js, with its sha256 in `x-checksum-sha256`. Read when asked and
 * kept while the file is unchanged, so a build after the server started is served without a
 * restart. Not built: 404 with the error body of the API, saying how to build it.
 */
export async function downloadRoutes(app: FastifyInstance, agentBundle: string | undefined): Promise<void> {
  const file = resolve(agentBundle ?? DEFAULT_AGENT_BUNDLE);
  let cached: Bundle | undefined;
  const load = (): Bundle | undefined => {
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return undefined;
    }
    if (!stat.isFile()) return undefined;
    if (cached === undefined || cached.mtimeMs !== stat.mtimeMs || cached.size !== stat.size) {
      const body = readFileSync(file);
      cached = { mtimeMs: stat.mtimeMs, size: stat.size, body, sha256: createHash('sha256').update(body).digest('hex') };
    }
    return cached;
  };

  app.get(AGENT_DOWNLOAD_PATH, async (_request, reply) => {
    const bundle = load();
    if (bundle === undefined) {
      throw new AppError('not_found', `The agent bundle is not built on this server (${file} is missing); build it with npm run build (or npm run build:agent) and download again.`);
    }
    return reply
      .type('text/javascript; charset=utf-8')
      .header('x-checksum-sha256', bundle.sha256)
      .header('cache-control', 'no-cache')
      .header('content-disposition', 'attachment; filename="patchwarden-agent.mjs"')
      .send(bundle.body);
  });
}
